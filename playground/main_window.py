"""The main window: tabs, menus, status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import __version__
from core.nn.templates import shipped_templates
from core.resources import data_licences, resource_path
from core.train.network_data import data_made_for
from playground import WINDOW_TITLE
from playground.backprop.backprop_tab import BackpropTab
from playground.backprop_link import BackpropLink
from playground.builder.builder_tab import BuilderTab
from playground.filters.image_loading import local_files_from_urls
from playground.filters.studio import FilterStudio
from playground.model_export import ModelExport
from playground.training.dashboard import TrainingDashboard
from playground.welcome import WelcomePage
from playground.widgets.messages import show_error

STUDIO_LESSONS = {
    "gaussian": ("chelsea.png", "Gaussian", "kernel", {"size": 7, "sigma": 0.84089642}),
    "sobel_angle": ("coffee.png", "Sobel x", "angle", {}),
}
"""Filter-studio lessons: key -> (sample image, preset, view, preset parameters)."""
BACKPROP_LESSONS = ("tiny_cnn_9x9",)
"""Lessons that open a template in the Backprop tab (on samples of the data it was made for)."""
TRAINING_LESSONS = ("rnn_first_symbol",)
"""Training lessons that load the data their template was made for
(`core.train.network_data.data_made_for`) and open the Unrolled view."""
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"

def readable_markdown(text: str) -> str:
    """Notes written for a text editor, made to render well: headings one level smaller, and a
    paragraph that follows a list without a blank line kept out of the last item."""
    lines: list[str] = []
    in_list = False
    for line in text.splitlines():
        if line.startswith("#"):
            line = "##" + line
        starts_item = line.startswith(("- ", "* "))
        continues_item = in_list and line.startswith(" ") and line.strip()
        if in_list and line.strip() and not starts_item and not continues_item:
            lines.append("")
        in_list = starts_item or bool(continues_item)
        lines.append(line)
    return "\n".join(lines)


def _key_text(key: QKeySequence.StandardKey) -> str:
    """The platform's text for a standard shortcut, e.g. "Ctrl+Z"."""
    bindings = QKeySequence.keyBindings(key)
    return bindings[0].toString(QKeySequence.SequenceFormat.NativeText) if bindings else ""


class AboutDialog(QDialog):
    """Version, what Playground is, and the licences of the data it ships."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Playground")
        self.resize(640, 520)
        browser = QTextBrowser()
        browser.setObjectName("licences")
        browser.setMarkdown(
            f"## Playground {__version__}\n\n"
            "Learn image convolution and convolutional neural networks by doing.\n\n"
            "Built on NumPy, SciPy, Qt (PySide6), pyqtgraph and Pillow.\n\n"
            "---\n\n" + readable_markdown(data_licences())
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        self.browser = browser


class MainWindow(QMainWindow):
    """Tabs for each part of the app, File and Help menus, and a status bar."""

    image_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(1280, 820)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.welcome = WelcomePage()
        self.welcome.lesson_requested.connect(self.start_lesson)
        self.tabs.addTab(self.welcome, "Welcome")
        self.filter_studio = FilterStudio()
        self.tabs.addTab(self.filter_studio, "Filter studio")
        self.tabs.setCurrentWidget(self.filter_studio)
        self.filter_studio.image_changed.connect(self._on_studio_image_changed)
        self.builder = BuilderTab()
        self.tabs.addTab(self.builder, "Network builder")
        self.builder.status_message.connect(self._on_builder_status)
        self.training = TrainingDashboard()
        self.tabs.addTab(self.training, "Training")
        self.training.attach_builder(self.builder)
        for signal in (self.builder.train_requested, self.builder.show_learned_requested):
            signal.connect(lambda _value: self.tabs.setCurrentWidget(self.training))
        self.backprop = BackpropTab()
        self.tabs.addTab(self.backprop, "Backprop")
        self.backprop_link = BackpropLink(self.tabs, self.backprop, self.builder, self.training)
        self.setAcceptDrops(True)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self.statusBar().showMessage("Ready. File > Open image… to begin.")
        self.about_dialog: AboutDialog | None = None
        self.confirm_close = True  # ask before quitting with unsaved work
        self.tabs.currentChanged.connect(lambda _index: self.statusBar().clearMessage())

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setObjectName("fileMenu")
        self.open_action = QAction("&Open image…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open_triggered)
        file_menu.addAction(self.open_action)
        self._build_filter_menus(file_menu)
        file_menu.addSeparator()
        self.model_export = ModelExport(self.training, self)
        self.export_action = QAction("&Export trained model…", self)
        self.export_action.setStatusTip("The Training tab's model as a PyTorch folder or an "
                                        "ONNX file")
        self.export_action.triggered.connect(self.model_export.start)
        file_menu.addAction(self.export_action)
        file_menu.aboutToShow.connect(
            lambda: self.export_action.setEnabled(not self.model_export.problem()))
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.file_menu = file_menu

        self._build_edit_menu()
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        self.about_action = QAction("&About Playground", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        self.help_menu = help_menu

    def _build_filter_menus(self, file_menu) -> None:
        """Recent files, Samples and Save result (the filter studio's file actions)."""
        files = self.filter_studio.files
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(lambda: files.fill_recent_menu(self.recent_menu))
        files.fill_recent_menu(self.recent_menu)
        self.samples_menu = files.make_samples_menu(self)
        file_menu.addMenu(self.samples_menu)
        for action in self.samples_menu.actions():
            action.triggered.connect(lambda: self.tabs.setCurrentWidget(self.filter_studio))
        file_menu.addSeparator()
        self.save_result_action = QAction("&Save result…", self)
        self.save_result_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_result_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.filter_studio.addAction(self.save_result_action)
        self.save_result_action.triggered.connect(files.ask_save)
        file_menu.addAction(self.save_result_action)

    def _build_edit_menu(self) -> None:
        """Undo/Redo act on the current tab; copy and paste images in the filter studio."""
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.setObjectName("editMenu")
        # Each tab binds its own undo keys (they act on that tab's history); the menu only shows
        # them, since the same shortcut bound here too would be ambiguous and fire nowhere.
        undo_keys = _key_text(QKeySequence.StandardKey.Undo)
        redo_keys = _key_text(QKeySequence.StandardKey.Redo)
        self.undo_action = edit_menu.addAction(f"&Undo\t{undo_keys}",
                                               lambda: self._tab_action("undo_action"))
        self.redo_action = edit_menu.addAction(f"&Redo\t{redo_keys}",
                                               lambda: self._tab_action("redo_action"))
        edit_menu.addSeparator()
        self.copy_result_action = edit_menu.addAction("&Copy result", self._copy_result)
        self.paste_image_action = edit_menu.addAction("&Paste image", self._paste_image)
        self.edit_menu = edit_menu

    def _tab_action(self, name: str) -> None:
        action = getattr(self.tabs.currentWidget(), name, None)
        if isinstance(action, QAction) and action.isEnabled():
            action.trigger()

    def _copy_result(self) -> None:
        self.filter_studio.files.copy_result()

    def _paste_image(self) -> None:
        self.tabs.setCurrentWidget(self.filter_studio)
        self.filter_studio.paste_image()

    def _on_studio_image_changed(self, name: str, width: int, height: int, colour: bool) -> None:
        kind = "colour" if colour else "grey"
        self.statusBar().showMessage(f"Opened {name}: {height}x{width} (rows x cols), {kind}")

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Dropped image files open in the filter studio."""
        paths = local_files_from_urls(event.mimeData().urls())
        event.acceptProposedAction()
        if paths:
            self.open_image(paths[0])
        else:
            self.filter_studio.files.open_dropped(event.mimeData().urls())

    def unsaved_work(self) -> list[str]:
        """What closing the window would lose, in words ([] when everything is saved)."""
        unsaved = []
        if not self.builder.document.undo_stack.isClean():
            unsaved.append("the network in the builder")
        if self.training.is_training():
            unsaved.append("the model being trained")
        elif self.training.has_unsaved_model():
            unsaved.append("the trained model")
        return unsaved

    def _ask_before_closing(self, unsaved: list[str]) -> QMessageBox:
        """Quit without saving / Cancel, and Save model… when a trained model would be lost
        (it stops a run, saves, then closes again: anything still unsaved is asked about)."""
        verb = "has" if len(unsaved) == 1 else "have"
        what = " and ".join(unsaved)
        buttons = QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        can_save = any("model" in item for item in unsaved)
        if can_save:
            buttons |= QMessageBox.StandardButton.Save
        question = "Save the model before quitting?" if can_save else "Quit anyway?"
        box = QMessageBox(QMessageBox.Icon.Question, "Quit Playground?",
                          f"{what[0].upper()}{what[1:]} {verb} not been saved. {question}",
                          buttons, self)
        box.setObjectName("closeBox")
        box.button(QMessageBox.StandardButton.Discard).setText("Quit without saving")
        if can_save:
            box.button(QMessageBox.StandardButton.Save).setText("Save model…")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def on_finished(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Discard):
                self.confirm_close = False
                self.close()
            elif can_save and box.clickedButton() is box.button(QMessageBox.StandardButton.Save):
                self.tabs.setCurrentWidget(self.training)
                self.training.save_model_then(self.close)

        box.finished.connect(on_finished)
        box.open()
        return box

    def closeEvent(self, event) -> None:
        """Ask first when work would be lost; stop every tab's workers before the window goes."""
        unsaved = self.unsaved_work() if self.confirm_close else []
        if unsaved:
            event.ignore()
            self._ask_before_closing(unsaved)
            return
        for index in range(self.tabs.count()):
            shutdown = getattr(self.tabs.widget(index), "shutdown", None)
            if callable(shutdown):
                shutdown()
        super().closeEvent(event)

    def start_lesson(self, key: str) -> None:
        """Set up the tab of lesson `key` (see `playground.welcome.LESSONS`) and show it."""
        if key in STUDIO_LESSONS:
            self.tabs.setCurrentWidget(self.filter_studio)
            image, preset, view, parameters = STUDIO_LESSONS[key]
            self.filter_studio.set_up(resource_path("images", image), preset, view, **parameters)
            return
        path = next(p for p in shipped_templates() if p.stem == key)
        if key in BACKPROP_LESSONS:
            def open_in_backprop() -> None:
                self.builder.open_spec_file(path, template=True)
                self.tabs.setCurrentWidget(self.backprop)
                self.backprop_link.follow()

            self.builder.confirm_replace(open_in_backprop)
            return

        def open_in_training() -> None:
            self.builder.open_spec_file(path, template=True)
            panel = self.training.dataset_panel
            source = data_made_for(self.builder.spec()) if key in TRAINING_LESSONS else None
            if source is not None:
                panel.set_source(source)  # loaded when the tab first shows, else below
            self.tabs.setCurrentWidget(self.training)
            if source is not None:
                if panel.train is not None and not panel.is_loading():
                    panel.load()
                self.training.views.setCurrentWidget(self.training.views.unrolled)

        self.builder.confirm_replace(open_in_training)  # an unsaved network is asked about

    def _on_builder_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_about(self) -> AboutDialog:
        self.about_dialog = AboutDialog(self)
        self.about_dialog.open()
        return self.about_dialog

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def open_image(self, path: str) -> bool:
        """Open an image file in the filter studio; report problems in the window.

        Returns True when it was read (or, for a large file, when reading has started).
        """
        self.tabs.setCurrentWidget(self.filter_studio)
        if not self.filter_studio.open_path(path):
            show_error(self, "Cannot open image", self.filter_studio.messages.text())
            self.statusBar().showMessage(f"Could not open {Path(path).name}")
            return False
        self.image_opened.emit(str(path))
        return True
