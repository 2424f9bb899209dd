"""The exported PyTorch folder's train.py on one process and under torchrun, side by side.

    python benchmarks/bench_torchrun.py [--network reference] [--epochs 1] [--processes 2]

Exports the untrained shipped network (seed 0) with the bundled digits, normalised, then runs
`python train.py --epochs E` and `torchrun --standalone --nproc_per_node N train.py --epochs E`
in it (gloo on this CPU) and prints each run's test accuracy, the difference and the wall time.
Since --batch-size is the batch of one step in all and DistributedSampler deals the shuffled
order out in turn, N processes take the same steps on the same samples as one: the accuracies
agree to within the float rounding of the gradient sums (the test asks for 2 points).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.export.pytorch_folder import export_pytorch  # noqa: E402
from core.nn.model import Sequential  # noqa: E402
from core.nn.spec import read_spec  # noqa: E402
from core.resources import resource_path  # noqa: E402
from core.train.preprocessing import Preprocessing  # noqa: E402
from core.train.recipe import Recipe  # noqa: E402

ACCURACY = re.compile(r"test loss [\d.]+, accuracy ([\d.]+)%")


def run(folder: Path, command: list[str]) -> tuple[float, float]:
    """(last printed test accuracy in %, seconds) of one run of train.py."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    began = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(done.stderr)
    return float(ACCURACY.findall(done.stdout)[-1]), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", default="reference")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    spec = read_spec(resource_path("models", f"{args.network}.json"))
    model = Sequential.from_spec(spec, seed=0)
    recipe = Recipe(normalize=True, mean=[0.1307], std=[0.3081], epochs=args.epochs)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "export"
        export_pytorch(model, Preprocessing(model.input_shape, model.classes, recipe.mean,
                                            recipe.std), recipe, folder)
        one, one_s = run(folder, [sys.executable, "train.py", "--out", "one.npz"])
        many, many_s = run(folder, [sys.executable, "-m", "torch.distributed.run",
                                    "--standalone", "--nproc_per_node", str(args.processes),
                                    "train.py", "--out", "many.npz"])
    print(f"{args.network}, {args.epochs} epoch(s) on the bundled digits")
    print(f"  1 process:    test accuracy {one:.2f}%  ({one_s:.1f} s with start-up)")
    print(f"  {args.processes} processes:  test accuracy {many:.2f}%  ({many_s:.1f} s with "
          "start-up)")
    print(f"  difference:   {abs(many - one):.2f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
