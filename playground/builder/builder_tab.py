"""The Network builder tab: palette, canvas and inspector around one NetworkDocument, with
templates, open / save, undo / redo and a Train button that says why it is disabled."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.nn.spec import SpecError, read_spec, write_spec
from core.nn.templates import default_spec, shipped_templates, template_title
from core.nn.wording import plural
from playground.builder.canvas import INPUT, NetworkCanvas
from playground.builder.inspector import Inspector
from playground.builder.network_document import EMPTY_SPEC, NetworkDocument
from playground.builder.palette import PalettePanel
from playground.builder.seed_kernels import SeedKernelsDialog
from playground.widgets.messages import show_error
from playground.widgets.undo_keys import pass_undo_keys

SPEC_FILTER = "Network specs (*.json);;All files (*)"


def _starting_spec() -> dict:
    try:
        return default_spec()
    except (SpecError, FileNotFoundError):
        return copy.deepcopy(EMPTY_SPEC)


class BuilderTab(QWidget):
    """Build the network to train by drag and drop; emits `train_requested(spec)`."""

    train_requested = Signal(dict)
    show_learned_requested = Signal(int)
    show_backward_requested = Signal(int)
    status_message = Signal(str)

    def __init__(self, spec: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("builderTab")
        self.document = NetworkDocument(spec if spec is not None else _starting_spec(), self)
        self.current_path: Path | None = None
        self.palette_panel = PalettePanel()
        self.canvas = NetworkCanvas(self.document)
        self.inspector = Inspector(self.document)
        self.seed_dialog: SeedKernelsDialog | None = None
        self.error_box = None
        self.replace_box: QMessageBox | None = None

        self.canvas_area = QScrollArea()
        self.canvas_area.setWidgetResizable(True)
        self.canvas_area.setWidget(self.canvas)
        inspector_area = QScrollArea()
        inspector_area.setWidgetResizable(True)
        inspector_area.setWidget(self.inspector)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.palette_panel)
        splitter.addWidget(self.canvas_area)
        splitter.addWidget(inspector_area)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([240, 560, 360])

        self.status = QLabel()
        self.status.setObjectName("builderStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_toolbar())
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        self.palette_panel.block_activated.connect(self._on_palette_block_activated)
        self.canvas.selection_changed.connect(self._on_selection_changed)
        self.canvas.seed_requested.connect(self.open_seed_dialog)
        self.canvas.show_learned_requested.connect(self.show_learned_requested)
        self.canvas.show_backward_requested.connect(self.show_backward_requested)
        self.inspector.seed_requested.connect(self.open_seed_dialog)
        self.inspector.status_message.connect(self.show_status)
        self.document.spec_changed.connect(self._on_spec_changed)
        self.document.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.document.undo_stack.indexChanged.connect(self._on_undo_index_changed)
        self._undo_index = self.document.undo_stack.index()
        self._on_spec_changed()

    # ---- toolbar -----------------------------------------------------------------------------
    def _build_toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.templates_button = QToolButton()
        self.templates_button.setText("Templates")
        self.templates_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.templates_menu = QMenu(self.templates_button)
        for path in shipped_templates():
            action = self.templates_menu.addAction(template_title(path))
            action.triggered.connect(lambda _=False, p=path: self.request_open(p, template=True))
        self.templates_button.setMenu(self.templates_menu)
        self.new_action = self._action("New", lambda: self.confirm_replace(self.new_network),
                                       QKeySequence.StandardKey.New)
        self.open_action = self._action("Open…", self._on_open_clicked)
        self.save_action = self._action("Save…", self._on_save_clicked,
                                        QKeySequence.StandardKey.Save)
        stack = self.document.undo_stack
        self.undo_action = self._action("Undo", stack.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action("Redo", stack.redo)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self._on_undo_text_changed)
        stack.redoTextChanged.connect(self._on_redo_text_changed)
        bar.addWidget(self.templates_button)
        for action in (self.new_action, self.open_action, self.save_action, self.undo_action,
                       self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            bar.addWidget(button)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("networkName")
        self.name_edit.setToolTip("The network's name (saved in its spec)")
        self.name_edit.setMaximumWidth(220)
        self.name_edit.editingFinished.connect(self._on_name_edited)
        pass_undo_keys(self.name_edit)
        self.title = QLabel()
        bar.addWidget(self.name_edit)
        bar.addWidget(self.title)
        bar.addStretch(1)
        self.train_reason = QLabel()
        self.train_reason.setObjectName("trainReason")
        self.train_reason.setWordWrap(True)
        self.train_reason.setStyleSheet("color: #c62828;")
        # Two lines are always reserved, so the layout below never moves when a reason comes
        # or goes; a longer reason is cut here and shown whole in the Train button's tooltip.
        lines = self.train_reason.fontMetrics().lineSpacing()
        self.train_reason.setFixedHeight(2 * lines + 2)
        self.train_reason.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.train_button = QPushButton("Train ▶")
        self.train_button.setObjectName("trainButton")
        self.train_button.clicked.connect(self._on_train_clicked)
        bar.addWidget(self.train_reason, 2)
        bar.addWidget(self.train_button)
        return bar

    def _action(self, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    def showEvent(self, event) -> None:
        # Inside the main window its status bar speaks; on its own the tab shows a status line.
        self.status.setVisible(self.window() is self)
        super().showEvent(event)

    # ---- public API --------------------------------------------------------------------------
    def spec(self) -> dict:
        return self.document.spec()

    def bind_dataset(self, *shape_and_classes) -> str:
        """Follow a data set: `bind_dataset(channels, height, width, class_names)` (or steps,
        values for sequences): its input and one output per class."""
        message = self.document.bind_dataset(*shape_and_classes)
        self.show_status(message)
        return message

    def show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status_message.emit(text)

    def new_network(self) -> None:
        spec = copy.deepcopy(EMPTY_SPEC)
        spec["input_shape"] = list(self.document.input_shape)
        spec["classes"] = self.document.classes
        self.document.load_spec(spec, "New network")
        self.current_path = None
        self.canvas.set_selection([INPUT], INPUT)
        self.show_status("New empty network: drag blocks from the palette.")

    def open_spec_file(self, path, *, template: bool = False) -> bool:
        """Open a JSON spec (undoable), shown from the top; a bad file gets a message, the
        network stays. A template is not tied to its file (Save asks where)."""
        try:
            spec = read_spec(path)
        except SpecError as error:
            self.error_box = show_error(self, "Cannot open network", str(error))
            self.show_status(f"Could not open {Path(path).name}.")
            return False
        what = f"template {template_title(path)}" if template else Path(path).name
        self.document.load_spec(spec, f"Open {what}")
        self.current_path = None if template else Path(path)
        self.canvas.set_selection([])
        self.canvas_area.verticalScrollBar().setValue(0)
        problem = self.document.train_blocker()
        self.show_status(f"Opened {what}: {plural(self.document.layer_count(), 'block')}."
                         + (f" {problem}" if problem else ""))
        return True

    def request_open(self, path, *, template: bool = False) -> None:
        """Open a spec file or template as the user asked: first ask when the network has
        unsaved changes (see `confirm_replace`)."""
        self.confirm_replace(lambda: self.open_spec_file(path, template=template))

    def confirm_replace(self, replace) -> bool:
        """Call `replace()` now when the network is saved; else ask "Replace the unsaved
        network?" in a non-blocking box and call it on Replace. True when it ran at once."""
        if self.document.undo_stack.isClean():
            replace()
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Replace the network",
                          "Replace the unsaved network?", QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("replaceBox")
        box.setInformativeText(f"“{self.document.name}” has changes that are not saved. "
                               "Undo brings it back after replacing.")
        replace_button = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def finished() -> None:
            if box.clickedButton() is replace_button:
                replace()
            else:
                self.show_status("Kept the unsaved network.")

        box.finished.connect(finished)
        self.replace_box = box
        box.open()
        return False

    def save_spec_file(self, path) -> bool:
        try:
            written = write_spec(path, self.document.spec())
        except OSError as error:
            self.error_box = show_error(self, "Cannot save network",
                                        f"{path}: {error.strerror or error}")
            return False
        self.current_path = written
        self.document.undo_stack.setClean()
        self.show_status(f"Saved {written.name}: train it with `playground train {written}` "
                         "or the Training tab.")
        return True

    def open_seed_dialog(self, index: int) -> SeedKernelsDialog | None:
        from core.nn.layer import LAYERS

        if index is None or index < 0:
            return None
        cls = LAYERS[self.document.layer(index)["class"]]
        if not cls.SEEDS_FILTERS:
            return None
        try:
            cls.shape_only(self.document.layer(index)["config"])
        except (TypeError, ValueError):
            self.show_status(f"Fix the settings of block {index} before seeding its filters.")
            return None
        self.seed_dialog = SeedKernelsDialog(self.document, index, self)
        self.seed_dialog.open()
        return self.seed_dialog

    # ---- slots -------------------------------------------------------------------------------
    def _on_spec_changed(self) -> None:
        reason = self.document.train_blocker()
        self.train_button.setEnabled(reason is None)
        self.train_button.setToolTip(reason or "Train this network in the Training tab")
        self.train_reason.setText(reason or "")
        self._update_title()

    def _on_undo_text_changed(self, words: str) -> None:
        self.undo_action.setToolTip(f"Undo {words}".strip())

    def _on_redo_text_changed(self, words: str) -> None:
        self.redo_action.setToolTip(f"Redo {words}".strip())

    def _on_undo_index_changed(self, index: int) -> None:
        stack = self.document.undo_stack
        if index < self._undo_index:
            self.show_status(f"Undone: {stack.text(index)}. Ctrl+Shift+Z redoes it.")
        elif index > self._undo_index:
            self.show_status(f"{stack.text(index - 1)}. Ctrl+Z undoes it.")
        self._undo_index = index

    def _on_clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _update_title(self) -> None:
        dirty = "" if self.document.undo_stack.isClean() else " *"
        self.title.setText(dirty.strip())
        self.title.setToolTip("Changed since opened or saved" if dirty else "")
        if not self.name_edit.isModified():  # not while the user is typing a new name
            self.name_edit.setText(self.document.name)

    def _on_selection_changed(self) -> None:
        current = self.canvas.current_index()
        self.inspector.show_block(current)
        if not self.palette_panel.tree.hasFocus():  # a card was chosen, not a palette block
            self.palette_panel.clear_selection()
        if current is not None:
            name = "Input" if current < 0 else self.document.layer(current)["class"]
            self.palette_panel.show_help(name)

    def _on_name_edited(self) -> None:
        name = self.name_edit.text().strip()
        self.name_edit.setModified(False)
        if name:
            self.document.set_name(name)
        else:
            self.name_edit.setText(self.document.name)

    def _on_palette_block_activated(self, class_name: str) -> None:
        chosen = self.canvas.selected_indices()
        gap = chosen[-1] + 1 if chosen else (0 if self.canvas.current_index() == INPUT
                                              else self.document.layer_count())
        new = self.document.insert_block(gap, class_name)
        self.canvas.set_selection([new], new)
        self.show_status(f"Added {class_name} at position {new}.")

    def _on_train_clicked(self) -> None:
        if self.document.train_blocker() is None:
            self.train_requested.emit(self.document.spec())

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open network", "", SPEC_FILTER)
        if path:
            self.request_open(path)

    def _on_save_clicked(self) -> None:
        start = str(self.current_path or f"{self.document.name}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save network", start, SPEC_FILTER)
        if path:
            self.save_spec_file(path)
