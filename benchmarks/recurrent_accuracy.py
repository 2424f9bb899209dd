"""Test accuracy of the shipped recurrent templates, trained as a student would train them.

    python benchmarks/recurrent_accuracy.py [--seeds 0 1 2] [--epochs 10]

Trains `rnn_digits.json` (rows of a digit as 28 steps, tanh RNN of 64) and `lstm_digits.json` on
the bundled digits with Adam (lr 0.001), gradient clipping at 5 and batches of 64, once per seed,
through `core.train.run_setup.build_trainer` (the command line's and the app's way), and prints
the test accuracy per seed and the median. Then the remember-the-first-symbol template
(`rnn_first_symbol.json`) at 10, 20 and 30 steps, and an LSTM of the same size beside it.
PyTorch's `nn.RNN` of the same size and settings reaches 68-79% on the digits (median 76%).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits  # noqa: E402

from core.data.sources import load_dataset  # noqa: E402
from core.nn.spec import read_spec  # noqa: E402
from core.resources import resource_path  # noqa: E402
from core.train.fitting import data_options, fit_to_data  # noqa: E402
from core.train.recipe import Recipe  # noqa: E402
from core.train.run_setup import build_trainer, model_for  # noqa: E402


def train_once(spec: dict, source: str, seed: int, epochs: int) -> float:
    """Test accuracy after `epochs` epochs of Adam 0.001, clipping 5, batch 64."""
    train, test = load_dataset(source, **data_options(source, spec))
    spec = fit_to_data(spec, train).spec
    recipe = Recipe(data=source, optimizer={"class": "Adam", "config": {"lr": 0.001}},
                    epochs=epochs, batch_size=64, seed=seed, clip_norm=5.0)
    model = model_for(spec, recipe)
    trainer = build_trainer(recipe, model, train, test)
    history = trainer.run()
    return float(history.epochs[-1]["test_accuracy"])


def template(name: str) -> dict:
    return read_spec(resource_path("models", f"{name}.json"))


def lstm_like(spec: dict) -> dict:
    """The same network with an LSTM of the same hidden size in place of the RNN."""
    spec = copy.deepcopy(spec)
    for block in spec["layers"]:
        if block["class"] == "RNN":
            config = block["config"]
            block["class"] = "LSTM"
            block["config"] = {"input_size": config["input_size"],
                               "hidden_size": config["hidden_size"]}
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--skip-digits", action="store_true")
    args = parser.parse_args()
    runs = [] if args.skip_digits else [("rnn_digits", "mnist-5k"), ("lstm_digits", "mnist-5k")]
    with threadpool_limits(limits=1, user_api="blas"):  # small products: one thread is fastest
        for name, source in runs:
            start = time.perf_counter()
            accuracies = [train_once(template(name), source, seed, args.epochs)
                          for seed in args.seeds]
            listed = ", ".join(f"seed {s}: {a:.1%}" for s, a in zip(args.seeds, accuracies,
                                                                       strict=True))
            print(f"{name:<17} {args.epochs} epochs  {listed}  median "
                  f"{statistics.median(accuracies):.1%}  ({time.perf_counter() - start:.0f} s)")
        spec = template("rnn_first_symbol")
        for steps in (10, 20, 30):
            for label, network in (("RNN", spec), ("LSTM", lstm_like(spec))):
                accuracies = [train_once(network, f"first-symbol:{steps}", seed, args.epochs)
                              for seed in args.seeds]
                print(f"first symbol, {steps:>2} steps, {label:<4}  "
                      + ", ".join(f"{a:.1%}" for a in accuracies)
                      + f"  median {statistics.median(accuracies):.1%}")


if __name__ == "__main__":
    main()
