"""The flags of `playground train` checked before anything is loaded, and where the model goes.

Every check names the flag as typed and raises `UsageError` (exit code 2). The output prefix
never comes from a spec's "name" unchecked: `default_prefix` keeps it in the current folder.
When the save fails after training, `save_somewhere` writes the run to a fallback prefix.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path

from playground.cli import CommandError, UsageError
from playground.cli.safe_text import printable, safe_file_stem

MAX_EPOCHS = 1_000_000
MAX_SEED = 2**32 - 1


def check_flags(args) -> None:
    """Refuse flags out of range or that do not apply to the others given."""
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise UsageError(f"{flag} must be at least 1; received {value}")
    if args.epochs > MAX_EPOCHS:
        raise UsageError(f"--epochs must be at most {MAX_EPOCHS:,}; received {args.epochs}")
    if not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed must be a whole number from 0 to {MAX_SEED}; "
                         f"received {args.seed}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number; received {args.lr}")
    if args.momentum is not None:
        if args.optimizer != "sgd":
            raise UsageError(f"--momentum applies to --optimizer sgd only (adam adapts its own "
                             f"steps); received --optimizer {args.optimizer}")
        if not 0 <= args.momentum < 1:
            raise UsageError(f"--momentum must be from 0 to less than 1; received "
                             f"{args.momentum}")
    if not (math.isfinite(args.clip_norm) and args.clip_norm >= 0):
        raise UsageError(f"--clip-norm must be 0 (never) or positive; received {args.clip_norm}")
    if args.shift < 0:
        raise UsageError(f"--shift must be 0 or more pixels; received {args.shift}")


def check_shift(shift: int, image_shape) -> None:
    """--shift moves an image by at most half its size (more would push the content out)."""
    if len(image_shape) != 3:
        if shift:
            raise UsageError(f"--shift moves images; the data set holds vectors of "
                             f"{image_shape[0]} values")
        return
    limit = min(image_shape[1:]) // 2
    if shift > limit:
        raise UsageError(f"--shift {shift} is more than half of the {image_shape[1]}x"
                         f"{image_shape[2]} images; use at most {limit}")


def default_prefix(name) -> Path:
    """`<name>-trained` in the current folder, whatever the spec's name holds."""
    return Path(f"{safe_file_stem(name)}-trained")


def check_folder(prefix: Path, flag: str = "--out") -> None:
    """Refuse, before training, an output folder that is missing or cannot be written to."""
    folder = prefix.parent
    shown = printable(prefix, keep_newlines=False)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CommandError(f"{flag} {shown}: the folder {printable(folder)} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{flag} {shown}: cannot write in the folder {printable(folder)}")


def save_somewhere(save, prefix: Path, name) -> tuple[Path, str | None]:
    """Call `save(prefix)`; when it fails, save at a fallback prefix in the current folder (or
    the temporary folder). Returns the prefix written and the reason `prefix` failed (None
    when it did not). Raises CommandError when nothing could be saved."""
    try:
        save(prefix)
        return prefix, None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
    stem = f"{safe_file_stem(name)}-trained-{time.strftime('%Y%m%d-%H%M%S')}"
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        fallback = folder / stem
        try:
            save(fallback)
            return fallback, reason
        except (OSError, ValueError):
            continue
    raise CommandError(f"cannot save {printable(prefix)} ({reason}), nor in the current or the "
                       "temporary folder")
