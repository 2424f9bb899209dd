"""The network being built: a spec (plain dict) plus an undo stack where every change is a command.

Widgets observe `spec_changed` and call the edit methods; they never change the spec themselves.
Layer indices are 0-based positions in `spec["layers"]`; gaps (insertion points) run 0..len(layers).
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from core.nn.layer import human_names, setting_problem_text
from core.nn.wording import plural

# Settings written into a block's config only when they differ from their default, so specs stay
# as short as the hand-written ones.
OPTIONAL_SETTINGS = ("init", "trainable")

EMPTY_SPEC = {"name": "untitled", "input_shape": [1, 28, 28], "classes": [], "layers": []}


@dataclass
class _State:
    """Everything an edit can change; commands swap whole states (specs are tiny)."""

    name: str
    input_shape: list
    classes: list
    layers: list = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: dict) -> _State:
        return cls(
            name=str(spec.get("name", "untitled")),
            input_shape=list(spec.get("input_shape", [1, 28, 28])),
            classes=[str(c) for c in spec.get("classes", []) or []],
            layers=copy.deepcopy(list(spec.get("layers", []))),
        )

    def to_spec(self) -> dict:
        spec = {"name": self.name, "input_shape": list(self.input_shape)}
        if self.classes:
            spec["classes"] = list(self.classes)
        spec["layers"] = copy.deepcopy(self.layers)
        return spec

    def copy(self) -> _State:
        return copy.deepcopy(self)


class SpecEditCommand(QUndoCommand):
    """One undoable change: the document state before and after it.

    Consecutive edits with the same `merge_key` (e.g. a spin box stepping one setting) merge into
    one undo step.
    """

    MERGE_ID = 7001

    def __init__(self, document: NetworkDocument, text: str, before: _State, after: _State,
                 merge_key: tuple | None = None) -> None:
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after
        self.merge_key = merge_key

    def redo(self) -> None:
        self._document._restore(self._after)

    def undo(self) -> None:
        self._document._restore(self._before)

    def id(self) -> int:
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SpecEditCommand) or other.merge_key != self.merge_key:
            return False
        self._after = other._after
        return True


def default_config(class_name: str) -> dict:
    """The constructor arguments of a new block, from its declared SETTINGS defaults."""
    from core.nn.layer import LAYERS

    if class_name not in LAYERS:
        raise KeyError(f"unknown block {class_name!r}; known: {', '.join(sorted(LAYERS))}")
    return {s.name: copy.deepcopy(s.default) for s in LAYERS[class_name].SETTINGS
            if s.name not in OPTIONAL_SETTINGS}


def _setting_default(class_name: str, name: str):
    from core.nn.layer import LAYERS

    cls = LAYERS.get(class_name)
    return next((s.default for s in getattr(cls, "SETTINGS", ()) if s.name == name), None)


def _checked_shape(shape) -> list[int]:
    dims = list(shape)
    if len(dims) not in (1, 2, 3) or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in dims):
        raise ValueError(f"the input shape must be (channels, height, width), (steps, features) "
                         f"or (features,) of positive integers; received {tuple(dims)}")
    return [int(d) for d in dims]


class NetworkDocument(QObject):
    """The spec being edited, its undo stack and a cached analysis (shapes, counts, errors)."""

    spec_changed = Signal()

    def __init__(self, spec: dict | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._state = _State.from_spec(spec or EMPTY_SPEC)
        self._filled: dict | None = None
        self._analysis: list | None = None

    # ---- reading -----------------------------------------------------------------------------
    def spec(self) -> dict:
        """A copy of the spec with every in_channels / in_features filled from what flows in."""
        if self._filled is None:
            from core.nn.spec import fill_inputs

            raw = self._state.to_spec()
            try:
                self._filled = fill_inputs(raw)
            except ValueError:
                self._filled = raw
        return copy.deepcopy(self._filled)

    def analysis(self) -> list:
        """One `core.nn.spec.BlockReport` per layer (output shape, params, error), cached."""
        if self._analysis is None:
            from core.nn.spec import analyse

            self._analysis = analyse(self.spec())
        return list(self._analysis)

    @property
    def name(self) -> str:
        return self._state.name

    @property
    def input_shape(self) -> tuple:
        return tuple(self._state.input_shape)

    @property
    def classes(self) -> list[str]:
        return list(self._state.classes)

    def layer_count(self) -> int:
        return len(self._state.layers)

    def layer(self, index: int) -> dict:
        """The filled layer entry at `index` ({"class", "config", maybe "init"})."""
        return self.spec()["layers"][index]

    def input_of(self, index: int) -> tuple | None:
        """The shape flowing into layer `index` (None after an impossible block)."""
        if index == 0:
            return self.input_shape
        report = self.analysis()[index - 1]
        return tuple(report.output_shape) if report.output_shape is not None else None

    def total_params(self) -> int:
        return int(sum(r.params for r in self.analysis()))

    def design_notes(self, index: int) -> list:
        """What is odd (legal, but rarely meant) about block `index`: `DesignNote`s of
        `core.nn.design_notes`."""
        from core.nn.design_notes import notes_by_block

        return notes_by_block(self._state.layers).get(index, [])

    def first_error(self):
        """The report of the first block that cannot take its input, or None."""
        return next((r for r in self.analysis() if r.error), None)

    def train_blocker(self) -> str | None:
        """Why this network cannot be trained yet, or None when it can."""
        if not self._state.layers:
            return "The network is empty: drag blocks from the palette."
        error = self.first_error()
        if error is not None:
            return f"Cannot train: {setting_problem_text(error.error)}"
        reports = self.analysis()
        out = reports[-1].output_shape
        if out is None or len(out) != 1:
            shown = " x ".join(str(d) for d in out) if out else "?"
            return (f"The network ends with {shown} maps; end with Flatten and Dense so it gives "
                    "one score per class.")
        for i, layer in enumerate(self._state.layers):
            seeds = len(layer.get("init", {}).get("kernels", []))
            filters = layer["config"].get("out_channels", seeds)
            if seeds > filters:
                return (f"Block {i} has {plural(seeds, 'seed kernel')} for "
                        f"{plural(filters, 'filter')}; remove {seeds - filters} or add filters.")
        if not any(r.params for r in reports):
            return "The network has no weights to learn: add a Conv2D or Dense block."
        classes = self._state.classes
        if classes and out[0] != len(classes):
            return (f"The last block gives {plural(out[0], 'output')} but the data set has "
                    f"{plural(len(classes), 'class', 'classes')}; set its out features to "
                    f"{len(classes)}.")
        return None

    # ---- editing (each is one undoable command) -----------------------------------------------
    def insert_block(self, gap: int, class_name: str, config: dict | None = None) -> int:
        """Insert a new block at `gap` (0..len); returns its index."""
        cfg = default_config(class_name)
        cfg.update(config or {})
        return self.insert_layers(gap, [{"class": class_name, "config": cfg}],
                                  f"Add {class_name}")[0]

    def insert_layers(self, gap: int, layers: list[dict], text: str = "Add blocks") -> list[int]:
        """Insert layer entries at `gap`; returns their new indices."""
        gap = max(0, min(int(gap), self.layer_count()))
        after = self._state.copy()
        after.layers[gap:gap] = copy.deepcopy(layers)
        self._push(text, after)
        return list(range(gap, gap + len(layers)))

    def remove_blocks(self, indices) -> None:
        chosen = self._valid(indices)
        if not chosen:
            return
        after = self._state.copy()
        names = [after.layers[i]["class"] for i in chosen]
        after.layers = [la for i, la in enumerate(after.layers) if i not in chosen]
        self._push(f"Remove {', '.join(names)}", after)

    def move_blocks(self, indices, gap: int) -> list[int]:
        """Move the blocks at `indices` (kept in order) to insertion point `gap` of the current
        list; returns their new indices. A move onto itself changes nothing."""
        chosen = self._valid(indices)
        if not chosen:
            return []
        gap = max(0, min(int(gap), self.layer_count()))
        moving = [self._state.layers[i] for i in chosen]
        rest = [la for i, la in enumerate(self._state.layers) if i not in chosen]
        target = gap - sum(1 for i in chosen if i < gap)
        new_layers = rest[:target] + moving + rest[target:]
        new_indices = list(range(target, target + len(chosen)))
        if new_layers == self._state.layers and new_indices == chosen:
            return chosen
        after = self._state.copy()
        after.layers = copy.deepcopy(new_layers)
        self._push(f"Move {', '.join(la['class'] for la in moving)}", after)
        return new_indices

    def duplicate_blocks(self, indices) -> list[int]:
        """Put a copy of the chosen blocks right after the last of them; returns the copies."""
        chosen = self._valid(indices)
        if not chosen:
            return []
        copies = [copy.deepcopy(self._state.layers[i]) for i in chosen]
        return self.insert_layers(chosen[-1] + 1, copies,
                                  f"Duplicate {', '.join(c['class'] for c in copies)}")

    def set_setting(self, index: int, name: str, value) -> None:
        """Change one constructor argument of block `index`; steps of one setting merge."""
        if self._state.layers[index]["config"].get(name, object()) == value:
            return
        after = self._state.copy()
        cls = after.layers[index]["class"]
        config = after.layers[index]["config"]
        if name in OPTIONAL_SETTINGS and value == _setting_default(cls, name):
            if name not in config:
                return
            config.pop(name)
        else:
            config[name] = value
        self._push(f"Set {cls} {human_names(name)} to {value}", after,
                   merge_key=("set", index, name))

    def set_kernel_init(self, index: int, kernels: list[dict] | None, trainable: bool,
                        freeze_seeded: bool = False) -> None:
        """Seed the filters of Conv2D `index` with named 2-D kernels (None removes the seeds).
        `trainable=False` freezes the whole block; `freeze_seeded` only the seeded filters."""
        after = self._state.copy()
        entry = after.layers[index]
        if kernels:
            entry["init"] = {"kernels": copy.deepcopy(kernels)}
            if freeze_seeded and trainable:
                entry["init"]["freeze"] = True
        else:
            entry.pop("init", None)
        if trainable:
            entry["config"].pop("trainable", None)
        else:
            entry["config"]["trainable"] = False
        text = f"Seed {plural(len(kernels), 'filter')}" if kernels else "Remove filter seeds"
        self._push(text, after)

    def set_input_shape(self, shape) -> None:
        """Set the input to (C, H, W), (T, F) or (F,); ValueError for anything else."""
        after = self._state.copy()
        after.input_shape = _checked_shape(shape)
        if after.input_shape != self._state.input_shape:
            self._push("Set input shape", after)

    def bind_dataset(self, *shape_and_classes) -> str:
        """`bind_dataset(channels, height, width, class_names)` (or `(steps, features,
        class_names)` for sequences): set the input and the classes in one undoable command;
        the network follows the data as `core.train.fitting.fit_to_data` says (the last block
        with an outputs setting gets one output per class). Returns a sentence saying what
        changed."""
        from core.train.fitting import DataDescription, fit_to_data

        *dims, class_names = shape_and_classes
        shape = _checked_shape(dims)
        names = [str(c) for c in class_names]
        fitted = fit_to_data(self._state.to_spec(), DataDescription("the data set", shape, names),
                             check=False)
        after = _State.from_spec(fitted.spec)
        after.classes = names
        message = (f"Input set to {' x '.join(map(str, shape))} with "
                   f"{plural(len(names), 'class', 'classes')}.")
        index = fitted.outputs_block
        if index is not None:
            message += (f" The last {after.layers[index]['class']} (block {index}) now has "
                        f"{plural(len(names), 'output')}, one per class.")
        self._push("Bind data set", after)
        return message

    def load_spec(self, spec: dict, text: str = "Open network") -> None:
        """Replace the whole network (undoable). What was just opened counts as unchanged
        (clean) until the next edit; undoing the open makes it changed again."""
        self._push(text, _State.from_spec(spec))
        self.undo_stack.setClean()

    def set_name(self, name: str) -> None:
        if name != self._state.name:
            after = self._state.copy()
            after.name = name
            self._push("Rename network", after, merge_key=("name",))

    # ---- internals ---------------------------------------------------------------------------
    def _valid(self, indices) -> list[int]:
        n = self.layer_count()
        return sorted({int(i) for i in indices if 0 <= int(i) < n})

    def _push(self, text: str, after: _State, merge_key: tuple | None = None) -> None:
        self.undo_stack.push(SpecEditCommand(self, text, self._state.copy(), after, merge_key))

    def _restore(self, state: _State) -> None:
        self._state = state.copy()
        self._filled = None
        self._analysis = None
        self.spec_changed.emit()
