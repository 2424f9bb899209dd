"""Fill the export's templates: real files kept in the package (so they are linted and read like
any code) whose network-specific parts are marked.

- a line ending in `# @key` is replaced whole by `values[key]` (its indentation kept);
- the lines from `# @begin key` to `# @end key` are replaced by `values[key]`, one or more lines
  indented like the marker ("" removes them);
- `{{key}}` anywhere (the README) is replaced by `values[key]`.

A marker without a value is an error: no template leaves with a placeholder in it.
"""

from __future__ import annotations

import re
from importlib import resources

_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<code>.*?)\s*# @(?P<key>\w+)$")
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# @begin (?P<key>\w+)$")
_TOKEN = re.compile(r"\{\{(\w+)\}\}")


def template(name: str) -> str:
    """The text of template `name` ("model.py") shipped in `core/export/pytorch_template/`."""
    return (resources.files("core.export") / "pytorch_template" / name).read_text("utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with every marker replaced (see the module docstring); KeyError for a marker
    that has no value."""
    out: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        begin = _BEGIN.match(line)
        if begin:
            key = begin["key"]
            for inner in lines:
                if inner.strip() == f"# @end {key}":
                    break
            out.extend(_indented(values[key], begin["indent"]))
            continue
        marked = _LINE.match(line)
        if marked and not marked["key"].startswith(("begin", "end")):
            out.extend(_indented(values[marked["key"]], marked["indent"]))
            continue
        out.append(_TOKEN.sub(lambda m: values[m[1]], line))
    return "\n".join(out) + "\n"


def _indented(text: str, indent: str) -> list[str]:
    return [indent + line if line else "" for line in text.splitlines()]
