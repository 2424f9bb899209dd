"""Save and open a trained model: spec (.json) + weights (.npz) + history (.history.json)."""

from __future__ import annotations

from pathlib import Path

MODEL_FILTER = "Playground models (*.json);;All files (*)"


def model_prefix(path: str | Path) -> Path:
    """"run/mnist.json", "run/mnist.npz" or "run/mnist" -> Path("run/mnist")."""
    path = Path(path)
    if path.name.endswith(".history.json"):
        return path.with_name(path.name[: -len(".history.json")])
    if path.suffix in (".json", ".npz"):
        return path.with_suffix("")
    return path


def history_path(prefix: str | Path) -> Path:
    prefix = model_prefix(prefix)
    return prefix.with_name(prefix.name + ".history.json")


def save_trained(path: str | Path, model, history=None) -> list[Path]:
    """Write the model (spec + weights) and, if given, its history, each atomically.
    Returns the files written."""
    prefix = model_prefix(path)
    written = list(model.save(prefix))
    if history is not None:
        history.to_json(history_path(prefix))
        written.append(history_path(prefix))
    return written


def open_trained(path: str | Path):
    """(model, history or None) from files written by `save_trained`. Raises ValueError with a
    message naming the file when something does not fit."""
    from core.nn.model import Sequential
    from core.train.history import History

    if Path(path).name.lower().endswith(".history.json"):
        prefix = model_prefix(path)
        raise ValueError(f"{Path(path).name} is a training history, not a model; open "
                         f"{prefix.name}.json (its history is opened with it).")
    prefix = model_prefix(path)
    model = Sequential.load(prefix)
    history = None
    if history_path(prefix).is_file():
        history = History.from_json(history_path(prefix))
    return model, history


def saved_text(written: list[Path]) -> str:
    """A confirmation naming what was written, e.g. "Saved reference-trained.json, .npz and
    .history.json in /home/me"."""
    if not written:
        return "Nothing was saved."
    first = Path(written[0])
    prefix = model_prefix(first).name
    rest = [Path(w).name.removeprefix(prefix) for w in written[1:]]
    names = first.name + (", " + ", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1
                          else f" and {rest[0]}" if rest else "")
    return f"Saved {names} in {first.parent}"


def default_file_name(network_name: str) -> str:
    """The file name offered by Save model, like the command line's: "<name>-trained.json"."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in network_name.strip())
    return f"{cleaned.strip('.') or 'network'}-trained.json"
