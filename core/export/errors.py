"""What an export can fail with, besides the file system's own errors."""

from __future__ import annotations


class ExportRefused(ValueError):
    """The network cannot be represented in the target format; the message says why."""


class MissingExtra(RuntimeError):
    """The optional package an export needs is not installed; the message names the extra."""
