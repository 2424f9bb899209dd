"""Read the JSON files Playground keeps (kernels, network specs) with one clear message each."""

from __future__ import annotations

import json
import os
from pathlib import Path


def read_json(path: str | os.PathLike, what: str):
    """The parsed content of the JSON file `path`.

    Raises ValueError naming the file and the problem: missing, unreadable, or not valid JSON.
    `what` names the kind of file expected ("kernel file", "network spec") for the messages.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file (expected a {what})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file, so not a {what}") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column "
                         f"{error.colno}); expected a {what}") from None
