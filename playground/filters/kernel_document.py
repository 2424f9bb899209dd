"""The kernel being edited: values, divisor, offset, per-channel mode, where it came from (a
preset and its parameters, or a kernel file) and the Sobel view, with undo.

A plain QObject (no widgets): the grid editor, the presets panel, the facts panel and the studio
observe `changed` and edit it only through its methods, each of which pushes a QUndoCommand on
`undo_stack`. Undo restores the whole state, so every widget that follows the document follows
undo too.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

MIN_SIZE = 1
MAX_SIZE = 15
RGB_CHANNELS = 3

_STROKE_ID = 4201
_SNAPSHOT_ID = 4202


VIEWS = ("kernel", "magnitude", "angle")
"""What the result shows: the grid's kernel applied, or the Sobel magnitude / angle."""
EDITED = " (edited)"


class KernelState:
    """One snapshot of the kernel: values (kh, kw, C) float32 with C 1 or 3, divisor, offset,
    its name, `source` (the preset name or kernel file it came from; "" once edited by hand),
    the preset's `parameters` and the `view` (see `VIEWS`)."""

    __slots__ = ("values", "divisor", "offset", "name", "source", "parameters", "view")

    def __init__(self, values: np.ndarray, divisor: float, offset: float, name: str,
                 source: str = "", parameters: dict | None = None, view: str = "kernel") -> None:
        self.values = values
        self.divisor = divisor
        self.offset = offset
        self.name = name
        self.source = source
        self.parameters = dict(parameters or {})
        self.view = view

    def copy(self) -> KernelState:
        return KernelState(self.values.copy(), self.divisor, self.offset, self.name,
                           self.source, self.parameters, self.view)

    def edited(self) -> KernelState:
        """A copy marked as edited by hand: no source, the kernel view, "<name> (edited)"."""
        state = self.copy()
        if state.source or state.view != "kernel":
            state.name = _edited_name(state.name)
        state.source, state.parameters, state.view = "", {}, "kernel"
        return state

    def same_as(self, other: KernelState) -> bool:
        return (self.values.shape == other.values.shape
                and bool(np.array_equal(self.values, other.values))
                and (self.divisor, self.offset, self.name, self.source, self.parameters,
                     self.view) == (other.divisor, other.offset, other.name, other.source,
                                    other.parameters, other.view))


def _edited_name(name: str) -> str:
    if not name or name == "Custom":
        return "Custom"
    return name if name.endswith(EDITED) else name + EDITED


class _SnapshotCommand(QUndoCommand):
    """Replace the whole state (resize, preset, divisor, per-channel...): small arrays, so cheap.

    Snapshots pushed one after another with the same `merge_key` (a slider being dragged)
    merge into one undo step.
    """

    def __init__(self, document: KernelDocument, before: KernelState, after: KernelState,
                 text: str, merge_key: str | None = None) -> None:
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after
        self._merge_key = merge_key

    def id(self) -> int:
        return _SNAPSHOT_ID if self._merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _SnapshotCommand) or other._merge_key != self._merge_key:
            return False
        self._after = other._after
        if self._after.same_as(self._before):
            self.setObsolete(True)  # dragged back to where it started: no undo step
        return True

    def redo(self) -> None:
        self._document._restore(self._after)

    def undo(self) -> None:
        self._document._restore(self._before)


class _CellsCommand(QUndoCommand):
    """Set some cells; commands of one brush stroke merge into a single undo step."""

    def __init__(self, document: KernelDocument, changes: dict, text: str,
                 stroke: int | None) -> None:
        super().__init__(text)
        self._document = document
        self._changes = changes  # (row, col, channel) -> (old, new)
        self._stroke = stroke
        self._revoked = False
        state = document._state
        # name, source, parameters and view before and after (the values are in `changes`)
        self._before = (state.name, state.source, dict(state.parameters), state.view)
        after = state.edited()
        self._after = (after.name, after.source, after.parameters, after.view)

    def id(self) -> int:
        return _STROKE_ID if self._stroke is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _CellsCommand) or other._stroke != self._stroke:
            return False
        for key, (old, new) in other._changes.items():
            first = self._changes.get(key, (old, new))[0]
            self._changes[key] = (first, new)
        return True

    def redo(self) -> None:
        self._document._write_cells({k: new for k, (_, new) in self._changes.items()},
                                    self._after)

    def undo(self) -> None:
        self._document._write_cells({k: old for k, (old, _) in self._changes.items()},
                                    self._before)
        if self._revoked:
            self.setObsolete(True)  # the stack then forgets it: no redo step left behind

    def stroke(self) -> int | None:
        return self._stroke


class KernelDocument(QObject):
    """The edited kernel. `values` is (kh, kw) for one kernel or (kh, kw, 3) per channel."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        values = np.zeros((3, 3, 1), np.float32)
        values[1, 1, 0] = 1.0
        self._state = KernelState(values, 1.0, 0.0, "Identity", "Identity", {"size": 3})
        self.undo_stack = QUndoStack(self)
        self._next_stroke = 0

    # ---- reading -------------------------------------------------------------------------
    @property
    def values(self) -> np.ndarray:
        """A copy of the weights: (kh, kw) float32, or (kh, kw, 3) in per-channel mode."""
        data = self._state.values
        return data[..., 0].copy() if data.shape[2] == 1 else data.copy()

    @property
    def shape(self) -> tuple[int, int]:
        return self._state.values.shape[:2]

    @property
    def channels(self) -> int:
        return self._state.values.shape[2]

    @property
    def per_channel(self) -> bool:
        return self.channels == RGB_CHANNELS

    @property
    def divisor(self) -> float:
        return self._state.divisor

    @property
    def offset(self) -> float:
        return self._state.offset

    @property
    def name(self) -> str:
        return self._state.name

    @property
    def source(self) -> str:
        """The preset name or kernel file path the kernel came from ("" once edited by hand)."""
        return self._state.source

    @property
    def parameters(self) -> dict:
        """The preset's parameters (empty for files and hand-edited kernels)."""
        return dict(self._state.parameters)

    @property
    def view(self) -> str:
        """"kernel" (the grid applied), "magnitude" or "angle" (the Sobel views)."""
        return self._state.view

    def cell(self, row: int, col: int, channel: int = 0) -> float:
        return float(self._state.values[row, col, channel])

    def total(self) -> float:
        """Sum of the weights divided by the divisor (what the kernel does to brightness)."""
        return float(self._state.values.sum(dtype=np.float64) / self._state.divisor)

    def to_kernel(self):
        """The kernel as `core.image.kernels.Kernel` (values, divisor, offset)."""
        from core.image.kernels import Kernel

        divisor = None if self.divisor == 1.0 else self.divisor
        return Kernel(self.name or "Custom", self.values, divisor=divisor, offset=self.offset)

    def new_stroke(self) -> int:
        """An id grouping the cell edits of one mouse drag into one undo step."""
        self._next_stroke += 1
        return self._next_stroke

    # ---- editing (each method is one undoable command) -----------------------------------
    def set_cells(self, cells: Iterable[tuple[int, int, int]], value: float, *,
                  stroke: int | None = None, text: str = "Edit cell") -> None:
        """Set the cells (row, col, channel) to `value`; the same `stroke` merges into one undo."""
        if not np.isfinite(value):
            raise ValueError(f"a kernel weight must be a finite number; received {value}")
        height, width = self.shape
        changes = {}
        for row, col, channel in cells:
            if not (0 <= row < height and 0 <= col < width and 0 <= channel < self.channels):
                continue
            old = self.cell(row, col, channel)
            if old != float(np.float32(value)):
                changes[(row, col, channel)] = (old, float(np.float32(value)))
        if changes:
            self.undo_stack.push(_CellsCommand(self, changes, text, stroke))

    def revoke_stroke(self, stroke: int) -> bool:
        """Take back brush stroke `stroke` if it is the newest edit, leaving no undo or redo
        step (the first click of a double-click is not a paint stroke). True if it was."""
        stack = self.undo_stack
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        if not isinstance(top, _CellsCommand) or top.stroke() != stroke \
                or stack.index() != stack.count():
            return False
        top._revoked = True
        stack.undo()
        return True

    def nudge(self, row: int, col: int, channel: int, step: float) -> None:
        """Add `step` to one cell (mouse wheel)."""
        self.set_cells([(row, col, channel)], round(self.cell(row, col, channel) + step, 6),
                       text="Nudge cell")

    def resize(self, height: int, width: int) -> None:
        """Change the grid size, keeping the weights centred; new cells are 0."""
        for name, size in (("height", height), ("width", width)):
            if not MIN_SIZE <= size <= MAX_SIZE:
                raise ValueError(f"kernel {name} must be {MIN_SIZE} to {MAX_SIZE}; received {size}")
        old = self._state.values
        if old.shape[:2] == (height, width):
            return
        new = np.zeros((height, width, old.shape[2]), np.float32)
        (src_r, dst_r), (src_c, dst_c) = (_centred_slices(old.shape[0], height),
                                          _centred_slices(old.shape[1], width))
        new[dst_r, dst_c] = old[src_r, src_c]
        after = self._state.edited()
        after.values = new
        self._push_snapshot(after, f"Resize to {height}x{width}")

    def set_kernel(self, values, *, divisor: float | None = 1.0, offset: float = 0.0,
                   name: str = "Custom", merge_key: str | None = None, source: str = "",
                   parameters: dict | None = None, view: str = "kernel") -> None:
        """Replace the whole kernel (a preset or a loaded file); (kh, kw) or (kh, kw, 3).

        `source` names the preset (with its `parameters`) or the file it came from; `view` is
        one of `VIEWS`. Consecutive calls with the same `merge_key` make one undo step.
        """
        if view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}; received {view!r}")
        data = np.asarray(values, dtype=np.float32)
        if data.ndim == 2:
            data = data[..., None]
        if data.ndim != 3 or data.shape[2] not in (1, RGB_CHANNELS):
            raise ValueError(f"kernel must be (kh, kw) or (kh, kw, 3); received {data.shape}")
        if not (MIN_SIZE <= data.shape[0] <= MAX_SIZE and MIN_SIZE <= data.shape[1] <= MAX_SIZE):
            raise ValueError(
                f"the grid holds kernels of {MIN_SIZE}x{MIN_SIZE} to {MAX_SIZE}x{MAX_SIZE}; "
                f"received {data.shape[0]}x{data.shape[1]}"
            )
        if not np.all(np.isfinite(data)):
            raise ValueError("kernel weights must be finite numbers (no NaN or infinity)")
        divisor = 1.0 if divisor is None else float(divisor)
        _check_divisor(divisor)
        state = KernelState(data.copy(), divisor, float(offset), name, source, parameters, view)
        self._push_snapshot(state, f"Load {name}", merge_key)

    def set_view(self, view: str) -> None:
        """Show the kernel applied ("kernel") or the Sobel "magnitude" or "angle"."""
        if view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}; received {view!r}")
        after = self._state.copy()
        after.view = view
        self._push_snapshot(after, "Show the kernel" if view == "kernel" else f"Show Sobel {view}")

    def set_divisor(self, divisor: float) -> None:
        _check_divisor(divisor)
        if divisor != self.divisor:
            after = self._state.edited()
            after.divisor = float(divisor)
            self._push_snapshot(after, "Change divisor")

    def set_offset(self, offset: float) -> None:
        if not np.isfinite(offset):
            raise ValueError(f"offset must be a finite number; received {offset}")
        if offset != self.offset:
            after = self._state.edited()
            after.offset = float(offset)
            self._push_snapshot(after, "Change offset")

    def normalise(self) -> None:
        """Set the divisor to the sum of the weights (GIMP's Normalise) so the kernel sums to 1."""
        raw_sum = float(self._state.values.sum(dtype=np.float64))
        if abs(raw_sum) < 1e-12:
            raise ValueError(
                "The weights add up to 0, so the kernel cannot be normalised to sum 1 "
                "(edge detectors do that on purpose). Change some weights or set the divisor."
            )
        self.set_divisor(raw_sum)

    def set_per_channel(self, enabled: bool) -> None:
        """Switch between one kernel for every channel and three (R, G, B summed: 27 weights)."""
        if enabled == self.per_channel:
            return
        after = self._state.edited()
        if enabled:
            after.values = np.repeat(after.values, RGB_CHANNELS, axis=2)
            after.divisor = after.divisor * RGB_CHANNELS
            text = "Per-channel kernel"
        else:
            after.values = after.values[..., :1].copy()
            after.divisor = after.divisor / RGB_CHANNELS
            text = "One kernel for all channels"
        self._push_snapshot(after, text)

    # ---- used by the commands ------------------------------------------------------------
    def _push_snapshot(self, after: KernelState, text: str, merge_key: str | None = None) -> None:
        if after.same_as(self._state):
            return  # an undo step must change something visible
        self.undo_stack.push(_SnapshotCommand(self, self._state.copy(), after, text, merge_key))

    def _restore(self, state: KernelState) -> None:
        self._state = state.copy()
        self.changed.emit()

    def _write_cells(self, values: dict, labels: tuple) -> None:
        for (row, col, channel), value in values.items():
            self._state.values[row, col, channel] = value
        state = self._state
        state.name, state.source, parameters, state.view = labels
        state.parameters = dict(parameters)
        self.changed.emit()


def _check_divisor(divisor: float) -> None:
    if not np.isfinite(divisor) or divisor == 0:
        raise ValueError(f"the divisor must be a non-zero number; received {divisor}")


def _centred_slices(old: int, new: int) -> tuple[slice, slice]:
    """Slices (source, destination) keeping the middle of a size-`old` axis in a size-`new` one."""
    if new >= old:
        start = (new - old) // 2
        return slice(0, old), slice(start, start + old)
    start = (old - new) // 2
    return slice(start, start + new), slice(0, new)
