"""The inspector: the settings of the selected block as widgets generated from its SETTINGS, with
validation, and the formulas of its output size and parameter count filled in with the numbers.
in_channels / in_features are shown read-only: they are filled from the block before."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.nn.layer import LAYERS, setting_problem_text
from core.nn.wording import plural, shape_text
from playground.builder.network_document import NetworkDocument
from playground.widgets.undo_keys import pass_undo_keys

FILLED_SETTINGS = ("in_channels", "in_features")
NONE_TEXT = {"stride": "= size"}
INVALID_STYLE = "color: #c62828; font-weight: bold;"


def _input_names(shape) -> tuple[str, ...]:
    """The input's dimensions in words: maps, a sequence or a vector."""
    return {3: ("channels", "height", "width"), 2: ("steps", "features")}.get(len(shape),
                                                                            ("features",))


def _int_bound(value, fallback: int) -> int:
    return int(value) if value is not None else fallback


def _frozen_filters(layer: dict) -> int:
    """How many seeded filters a layer entry keeps frozen ("init": {"freeze": true})."""
    init = layer.get("init") or {}
    return len(init.get("kernels", [])) if init.get("freeze") is True else 0


def _settings_problem(cls, config: dict) -> str | None:
    """Why a block's own settings are not valid (checked by the block), or None."""
    try:
        cls.shape_only(config)
    except (TypeError, ValueError) as error:
        return str(error)
    return None


def _spin_to_value(setting, box: QSpinBox, value: int):
    """The setting value of a spin box; its lowest step stands for "same" or None."""
    if value == box.minimum() and (setting.type == "int_or_same" or setting.default is None):
        return "same" if setting.type == "int_or_same" else None
    return int(value)


class Inspector(QWidget):
    """Edits one block (or the Input) of a document; every edit is a document command."""

    seed_requested = Signal(int)
    status_message = Signal(str)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.document = document
        self.index: int | None = None
        self._shown_class: tuple | None = None
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.problem = QLabel()
        self.problem.setObjectName("settingProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.design_note = QLabel()
        self.design_note.setObjectName("designNote")
        self.design_note.setWordWrap(True)
        self.design_note.setTextFormat(Qt.TextFormat.PlainText)
        self.design_note.setStyleSheet("color: #8a5200; background: #fff4e0; padding: 4px;")
        self.design_note.setVisible(False)
        self.output_formula = QLabel()
        self.output_formula.setObjectName("outputFormula")
        self.params_formula = QLabel()
        self.params_formula.setObjectName("paramsFormula")
        for label in (self.output_formula, self.params_formula):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.seeds = QLabel()
        self.seeds.setWordWrap(True)
        self.seed_button = QPushButton("Seed filters from kernels…")
        self.seed_button.setToolTip("Start some filters as Sobel, Gaussian or your own kernels")
        self.seed_button.clicked.connect(lambda: self.seed_requested.emit(self.index))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.form_host)
        layout.addWidget(self.problem)
        layout.addWidget(self.design_note)
        layout.addWidget(self.output_formula)
        layout.addWidget(self.params_formula)
        layout.addWidget(self.seeds)
        layout.addWidget(self.seed_button)
        layout.addStretch(1)
        self.document.spec_changed.connect(self.refresh)
        self.show_block(None)

    # ---- which block ---------------------------------------------------------------------------
    def show_block(self, index: int | None) -> None:
        """Inspect block `index` (-1 = Input, None = nothing)."""
        self.index = index
        self.problem.clear()
        self.refresh()

    def refresh(self) -> None:
        index = self.index
        if index is not None and index >= self.document.layer_count():
            index = self.index = None
        if index is None:
            key = None
        elif index < 0:
            key = ("Input", len(self.document.input_shape))
        else:
            key = (index, self.document.layer(index)["class"])
        if key != self._shown_class:
            self._rebuild_form(key)
        self._update_values()

    def _clear_form(self) -> None:
        if self.form_host.isAncestorOf(QApplication.focusWidget()):
            self.setFocus()  # keep the focus (and the builder's keys) in the tab
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self.labels = {}

    def _rebuild_form(self, key) -> None:
        self._clear_form()
        self._shown_class = key
        if key is None:
            return
        if key[0] == "Input":
            self._build_input_form()
            return
        cls = LAYERS[self.document.layer(self.index)["class"]]
        for setting in cls.SETTINGS:
            editor = self._make_editor(setting)
            editor.setToolTip(setting.help)
            editor.setObjectName(f"setting_{setting.name}")
            pass_undo_keys(editor)
            label = QLabel(setting.name.replace("_", " "))
            label.setToolTip(setting.help)
            self.form.addRow(label, editor)
            self.editors[setting.name] = editor
            self.labels[setting.name] = label

    def _make_editor(self, setting) -> QWidget:
        name = setting.name
        if name in FILLED_SETTINGS:
            label = QLabel()
            label.setToolTip(setting.help)
            return label
        if setting.type in ("int", "int_or_same"):
            box = QSpinBox()
            low = _int_bound(setting.minimum, 0)
            special = setting.type == "int_or_same" or setting.default is None
            box.setRange(low - 1 if special else low, _int_bound(setting.maximum, 1_000_000))
            if special:
                box.setSpecialValueText("same" if setting.type == "int_or_same"
                                        else NONE_TEXT.get(name, "default"))
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda value, s=setting, b=box: self._commit(
                s.name, _spin_to_value(s, b, value)))
            return box
        if setting.type == "float":
            box = QDoubleSpinBox()
            box.setDecimals(3)
            box.setSingleStep(0.05)
            box.setRange(setting.minimum if setting.minimum is not None else -1e9,
                         setting.maximum if setting.maximum is not None else 1e9)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda value, s=setting: self._commit(s.name, float(value)))
            return box
        if setting.type == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda value, s=setting: self._commit(s.name, bool(value)))
            return box
        box = QComboBox()
        box.addItems([str(c) for c in setting.choices])
        box.currentIndexChanged.connect(
            lambda i, s=setting: self._commit(s.name, s.choices[i]) if i >= 0 else None)
        return box

    def _build_input_form(self) -> None:
        names = _input_names(self.document.input_shape)
        for name in names:
            box = QSpinBox()
            box.setRange(1, 4096 if name != "features" else 10_000_000)
            box.setKeyboardTracking(False)
            box.setObjectName(f"input_{name}")
            box.valueChanged.connect(self._commit_input_shape)
            pass_undo_keys(box)
            self.form.addRow(name, box)
            self.editors[name] = box
        classes = QLineEdit()
        classes.setObjectName("input_classes")
        classes.setPlaceholderText("class names, separated by commas")
        classes.editingFinished.connect(self._commit_classes)
        pass_undo_keys(classes)
        self.form.addRow("classes", classes)
        self.editors["classes"] = classes

    # ---- values ------------------------------------------------------------------------------
    def _update_values(self) -> None:
        index = self.index
        self.seeds.setVisible(False)
        self.seed_button.setVisible(False)
        notes = self.document.design_notes(index) if index is not None and index >= 0 else []
        self.design_note.setText("\n".join(f"⚠ {note.text}" for note in notes))
        self.design_note.setVisible(bool(notes))
        if index is None:
            doc = self.document
            error = doc.first_error()
            count = (plural(doc.total_params(), "parameter") if error is None
                     else f"block {error.index} does not fit its input")
            self.title.setText(
                f"<b>Network “{html.escape(doc.name)}”</b>: "
                f"{plural(doc.layer_count(), 'block')}, "
                f"{count}.<br><br>Select a block (click, or arrow keys in the network) to see "
                "and change its settings.")
            self.output_formula.clear()
            self.params_formula.clear()
            return
        if index < 0:
            self._update_input_values()
            return
        layer = self.document.layer(index)
        report = self.document.analysis()[index]
        in_shape = self.document.input_of(index)
        cls = LAYERS[layer["class"]]
        label = html.escape(cls.short_label(layer["config"]))
        self.title.setText(f"<b>{index}. {label}</b><br><i>{html.escape(cls.HELP)}</i>")
        for setting in cls.SETTINGS:
            editor = self.editors.get(setting.name)
            value = layer["config"].get(setting.name, setting.default)
            self._set_editor(editor, setting, value, in_shape)
        own_problem = _settings_problem(cls, layer["config"])
        if own_problem:
            reason = setting_problem_text(own_problem).removeprefix(f"{cls.__name__}: ")
            self.output_formula.setText(
                "<b>Output size</b><br><span style='color:#c62828'>Fix its settings first: "
                f"{html.escape(reason)}</span>")
            self.params_formula.setText("")
        elif report.error:
            self.output_formula.setText(
                f"<b>Output size</b><br><span style='color:#c62828'>Cannot take its input: "
                f"{html.escape(report.error)}</span>")
            self.params_formula.setText("")
        else:
            self.output_formula.setText(
                f"<b>Output size</b> (input {shape_text(in_shape)})<br>"
                + html.escape(cls.explain_output(layer["config"], in_shape,
                                                 report.output_shape)).replace("\n", "<br>"))
            self.params_formula.setText(
                "<b>Parameters</b><br>" + html.escape(
                    cls.explain_params(layer["config"], in_shape, report.params,
                                       _frozen_filters(layer))))
        if cls.SEEDS_FILTERS:
            kernels = layer.get("init", {}).get("kernels", [])
            self.seeds.setVisible(True)
            self.seed_button.setVisible(True)
            text = ("Seeded filters: " + ", ".join(k.get("name", "?") for k in kernels)
                    if kernels else "Filters start random (He initialisation).")
            if kernels and layer["config"].get("trainable") is False:
                text += " (the whole block is frozen)"
            elif _frozen_filters(layer):
                which = "this filter stays" if len(kernels) == 1 else "these filters stay"
                text += f" (frozen: {which} as seeded, the others learn)"
            self.seeds.setText(text)

    def _set_editor(self, editor, setting, value, in_shape) -> None:
        """Show `value` in its editor; for a value the setting refuses (a spec made in code can
        hold anything) the editor shows the nearest it can and the setting's name turns red,
        with the reason in its tooltip."""
        if editor is None:
            return
        try:
            setting.check("", value)
            problem = None
        except (TypeError, ValueError) as error:
            problem = setting_problem_text(str(error).removeprefix(": "))
        editor.blockSignals(True)
        try:
            if isinstance(editor, QLabel):
                source = "from the input" if self.index == 0 else "from the block before"
                editor.setText(f"{value}  ({source})")
            elif isinstance(editor, QSpinBox):
                special = value in (None, "same")
                number = value if isinstance(value, int | float) and not special else None
                editor.setValue(editor.minimum() if number is None else
                                int(max(editor.minimum(), min(editor.maximum(), number))))
            elif isinstance(editor, QDoubleSpinBox):
                number = value if isinstance(value, int | float) else setting.default
                editor.setValue(float(number if number is not None else editor.minimum()))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(value is True)
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(editor.findText(str(value)))
        finally:
            editor.blockSignals(False)
        label = self.labels.get(setting.name)
        tip = f"{setting.help}\n\nNot valid now: {problem}" if problem else setting.help
        for widget in (label, editor):
            if widget is not None:
                widget.setToolTip(tip)
        if label is not None:
            label.setStyleSheet(INVALID_STYLE if problem else "")
            label.setText(setting.name.replace("_", " ") + (" ⚠" if problem else ""))

    def _update_input_values(self) -> None:
        shape = self.document.input_shape
        classes = self.document.classes
        self.title.setText("<b>Input</b><br><i>The data going in; picking a data set for "
                           "training sets it.</i>")
        names = _input_names(shape)
        for name, value in zip(names, shape, strict=False):
            box = self.editors.get(name)
            if box is not None and isinstance(value, int):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        line = self.editors.get("classes")
        if line is not None and not line.hasFocus():
            line.setText(", ".join(classes))
        self.output_formula.setText(f"<b>Output</b><br>{shape_text(shape)}, "
                                    + (plural(len(classes), "class", "classes") if classes
                                       else "no classes"))
        self.params_formula.setText("<b>Parameters</b><br>0: the input has no weights")

    # ---- commits -----------------------------------------------------------------------------
    def _commit(self, name: str, value) -> None:
        """Set one setting if the block accepts it: the setting's own check, then the checks
        between settings, unless the block was already invalid before (a fix of one of its
        settings is taken even while another is still wrong)."""
        index = self.index
        if index is None or index < 0:
            return
        layer = self.document.layer(index)
        cls = LAYERS[layer["class"]]
        setting = next(s for s in cls.SETTINGS if s.name == name)
        problem = None
        try:
            setting.check(layer["class"], value)
        except (TypeError, ValueError) as error:
            problem = str(error)
        if problem is None and _settings_problem(cls, layer["config"]) is None:
            problem = _settings_problem(cls, dict(layer["config"], **{name: value}))
        if problem is not None:
            self.problem.setText(setting_problem_text(problem))
            self._update_values()
            return
        self.problem.clear()
        self.document.set_setting(index, name, value)

    def _commit_input_shape(self) -> None:
        names = [n for n in ("channels", "height", "width", "steps", "features")
                 if n in self.editors]
        self.document.set_input_shape([self.editors[n].value() for n in names])

    def _commit_classes(self) -> None:
        text = self.editors["classes"].text()
        names = [part.strip() for part in text.split(",") if part.strip()]
        if names == self.document.classes:
            return
        shape = self.document.input_shape
        if len(shape) in (2, 3):
            self.status_message.emit(self.document.bind_dataset(*shape, names))
