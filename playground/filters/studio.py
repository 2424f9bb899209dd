"""The Filter studio tab: composes the panels and runs the live filter.

Data flows one way: image -> kernel document + geometry -> worker (`run_filter`) -> views.
Every edit schedules a run; a newer run supersedes an older one, so the window never waits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.image.requests import (
    PER_CHANNEL_SWITCH,
    FilterOutput,
    FilterRequest,
    Geometry,
    NeedsColourImage,
    rescale,
    run_filter,
    subsample_step,
)
from playground.filters.centre_column import CentreColumn
from playground.filters.columns import ColumnSplitter, scrolling
from playground.filters.explain import ExplainPanel, WindowOverlay
from playground.filters.explain_mode import ExplainMode
from playground.filters.filter_progress import FilterProgress
from playground.filters.geometry_panel import SOBEL_VIEWS, GeometryPanel
from playground.filters.image_loading import ImageLoader
from playground.filters.image_views import ImagePair, ResultPlacement
from playground.filters.kernel_editor import KernelEditor
from playground.filters.kernel_facts import KernelFactsPanel
from playground.filters.presets_panel import PresetsPanel
from playground.filters.result_scale import SignedScale, scale_note
from playground.filters.studio_document import StudioDocument
from playground.filters.studio_files import StudioFiles
from playground.filters.worked_example import WorkedExample
from playground.widgets.action_message_bar import ActionMessageBar
from playground.widgets.background import LatestJobRunner
from playground.widgets.undo_keys import pass_undo_keys

RIGHT_PANEL_MIN_WIDTH = 300
CENTRE_MIN_WIDTH = 440
"""Below this the images' column takes width from the side panels (a small window)."""


class FilterStudio(QWidget):
    """Load an image, edit a kernel, see the filtered result live, and explain any pixel.

    Signals: `image_changed(name, width, height, colour)`, `result_changed()`,
    `message_shown(str)`.
    """

    image_changed = Signal(str, int, int, bool)
    result_changed = Signal()
    message_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None,
                 kernel_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.output: FilterOutput | None = None
        self._result_is_current = False  # the output shows the document (but for the scale)
        self._sized = False
        self.document = StudioDocument(self)
        self._kernel_source = self.document.source
        self._carry_note = ""  # the message saying a stride or pad width was kept
        self.runner = LatestJobRunner(self)
        self.loader = ImageLoader(self, settings)
        self.files = StudioFiles(self)

        self.messages = ActionMessageBar()
        self.views = ImagePair()
        self.signed_scale = SignedScale(self.views, self.document.source)
        self.editor = KernelEditor(self.document)
        self.geometry_panel = GeometryPanel(self.document)
        self.facts = KernelFactsPanel(self.document)
        self.presets = PresetsPanel(self.document, kernel_folder)
        self.explain_panel = ExplainPanel()
        self.example = WorkedExample()
        self.overlay = WindowOverlay(self.views.original_box)
        self.progress = FilterProgress(self.runner, self)
        self.progress_bar, self.cancel_button = self.progress.bar, self.progress.cancel_button
        self.cancel_button.clicked.connect(self.cancel_filter)
        self._filter_timer = QTimer(self, singleShot=True, interval=0)
        self._filter_timer.timeout.connect(self.run_now)

        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.explain_mode = ExplainMode(self)
        self.explain_action = self.explain_mode.action
        self._build_layout()
        self._connect()
        self._on_kernel_changed()
        self.document.undo_stack.clear()
        # Undo / redo work from every control in the tab (fields commit at once)
        pass_undo_keys(self)

    # ---- layout --------------------------------------------------------------------------
    def _build_layout(self) -> None:
        toolbar = QHBoxLayout()
        open_button = QPushButton("Open image…")
        open_button.clicked.connect(self.files.ask_open)
        self.samples_button = QToolButton()
        self.samples_button.setText("Samples")
        self.samples_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.samples_button.setMenu(self.files.make_samples_menu(self))
        paste_button = QPushButton("Paste")
        paste_button.clicked.connect(self.paste_image)
        toolbar.addWidget(open_button)
        toolbar.addWidget(self.samples_button)
        toolbar.addWidget(paste_button)
        for action, text in ((self.undo_action, "Undo"), (self.redo_action, "Redo"),
                             (self.explain_action, "Explain")):
            action.setIconText(text)  # the undo stack rewrites the text, not the icon text
            button = QToolButton()
            button.setDefaultAction(action)
            toolbar.addWidget(button)
        self.explain_button = button
        toolbar.addStretch(1)
        toolbar.addWidget(self.progress_bar)
        toolbar.addWidget(self.cancel_button)

        centre = CentreColumn(self.views, self.explain_panel, self.example)
        self.centre_splitter = centre
        self.bottom_tabs, self.example_scroll = centre.tabs, centre.example_scroll

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 4, 0)
        # the grid and the padding / stride controls next to each other: seen together
        for title, widget in (("Kernel", self.editor),
                              ("Padding, stride and function", self.geometry_panel),
                              ("Kernel facts", self.facts)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            right_layout.addWidget(box, 3 if widget is self.editor else 0)
        right_layout.addStretch(0)  # takes the spare height when the grids are compact
        self.right_layout = right_layout
        scroll = scrolling(right)
        self.right_scroll = scroll
        # Preferred: every label beside its control, texts whole. A small window narrows the
        # panel: labels go above their controls, long choices are shortened, and below
        # RIGHT_PANEL_MIN_WIDTH it scrolls sideways.
        bar = scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 4
        scroll.setMinimumWidth(RIGHT_PANEL_MIN_WIDTH)

        right_width = right.sizeHint().width() + bar
        splitter = ColumnSplitter(self.presets, centre, scroll,
                                  left_width=self.presets.list_width,
                                  right_width=lambda: right_width, centre_min=CENTRE_MIN_WIDTH)
        self.main_splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(toolbar)
        layout.addWidget(self.messages)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.document.changed.connect(self._on_kernel_changed)
        self.document.geometry_changed.connect(self._on_geometry_changed)
        self.document.scale_changed.connect(self._on_scale_changed)
        self.presets.save_button.clicked.connect(self.save_kernel)
        for source in (self.presets.error, self.editor.error):
            source.connect(self.show_message)
        self.presets.saved.connect(lambda path: self.show_message(f"Saved {path}", "info"))
        self.views.scale_changed.connect(self.document.set_scale)
        self.runner.result_ready.connect(self._on_result)
        self.runner.failed.connect(lambda text: self.show_message(f"Filtering failed: {text}"))
        self.loader.image_loaded.connect(self._on_image_loaded)
        self.loader.failed.connect(self.show_message)

    # ---- the document's image -------------------------------------------------------------
    @property
    def image(self) -> np.ndarray | None:
        """The image being filtered (the document's)."""
        return self.document.image

    @property
    def image_name(self) -> str:
        return self.document.image_name

    @property
    def is_preview(self) -> bool:
        return self.document.is_preview

    # ---- images in -----------------------------------------------------------------------
    def open_path(self, path: str | Path) -> bool:
        """Open an image file (large ones load on a worker, preview first)."""
        return self.loader.open_path(path)

    def paste_image(self) -> bool:
        from PySide6.QtWidgets import QApplication

        return self.loader.paste(QApplication.clipboard())

    def set_image(self, image: np.ndarray, name: str = "image") -> bool:
        """Use an in-memory uint8 image (H, W) or (H, W, 3)."""
        return self.loader.open_array(np.asarray(image), name)

    def _on_image_loaded(self, image: np.ndarray, name: str, preview: bool) -> None:
        self.document.set_image(image, name, preview)
        step = subsample_step(image.shape)
        display = image if step == 1 else np.ascontiguousarray(image[::step, ::step])
        self.views.set_original(image, display)
        self.overlay.clear()
        self.facts.set_image_shape(image.shape)
        height, width = image.shape[:2]
        if not preview:
            self.messages.clear()
            self.image_changed.emit(name, width, height, image.ndim == 3)
        self.schedule_filter()
        if not preview:
            self._say_carried_over("image")

    def set_up(self, image_path: str | Path, preset: str, view: str = "kernel",
               **parameters: float) -> bool:
        """Open `image_path` and show `preset` (with `parameters`) at the default padding and
        stride; `view` "magnitude" or "angle" shows a Sobel view (a lesson's starting point).
        False (with a message) when the image cannot be read."""
        if not self.open_path(image_path):
            return False
        self.document.set_geometry(Geometry(), "Default padding and stride")
        self.presets.load_preset(preset, **parameters)
        if view != "kernel":
            self.presets.choose_sobel_view(view)
        self.views.fit()
        return True

    # ---- edits ---------------------------------------------------------------------------
    @property
    def sobel_view(self) -> str:
        """What the result shows: "kernel", or the Sobel "magnitude" or "angle" (the document's)."""
        return self.document.view

    def _on_kernel_changed(self) -> None:
        self.geometry_panel.set_sobel_view(self.document.view in SOBEL_VIEWS)
        self.schedule_filter()  # before the scale follows: a scale switched then joins this run
        self.signed_scale.follow(self.document.source)
        values = self.document.values
        divisor = None if self.document.divisor == 1.0 else self.document.divisor
        self.example.set_kernel(values, divisor, self.document.offset)
        # compact per-channel grids leave their spare height to the stretch below the boxes
        compact = self.document.per_channel
        self.right_layout.setStretch(0, 0 if compact else 3)
        self.right_layout.setStretch(self.right_layout.count() - 1, 1 if compact else 0)
        source = self.document.source
        if source and source != self._kernel_source:
            self._say_carried_over("kernel")
        self._kernel_source = source

    def _say_carried_over(self, what: str) -> None:
        """A new image or kernel keeps a stride and pad width chosen before: say so, and offer
        to go back to stride 1 and the automatic pad width."""
        carried = self.document.geometry.carried_over()
        request = self.document.request()
        if not carried or self.document.view != "kernel" or request is None:
            return
        try:
            rows, cols = request.check()
        except ValueError:
            return  # the run says what is wrong
        self._carry_note = (f"New {what}, same walk: {carried} kept from before, so the "
                            f"result is {rows}x{cols}.")
        self.show_message(self._carry_note, "info", action_text="Reset to stride 1, auto pad",
                          action=self.document.reset_walk)

    def _on_scale_changed(self) -> None:
        """Only the display changes: re-use the float result when it is the current one."""
        self.views.set_scale(self.document.scale)
        self.signed_scale.on_scale_changed()
        output, scale = self.output, self.document.scale
        if output is None or not self._result_is_current:
            self.schedule_filter()
            return
        self.runner.submit(lambda _progress, _should_stop: rescale(output, scale))

    def _on_geometry_changed(self) -> None:
        if self._carry_note and self.messages.text() == self._carry_note:
            self.messages.clear()  # the walk changed: the note's numbers would be stale
        self._carry_note = ""
        self.example.set_function(self.document.geometry.function)
        self.schedule_filter()

    def schedule_filter(self) -> None:
        """Run the filter as soon as the current burst of edits is over."""
        self._result_is_current = False
        self._update_geometry_text()
        self._filter_timer.start()

    def _update_geometry_text(self) -> None:
        image_hw = None if self.image is None else self.image.shape[:2]
        self.geometry_panel.describe(image_hw, self.document.shape)

    def request(self) -> FilterRequest | None:
        """The run the document asks for (None without an image)."""
        return self.document.request()

    def run_now(self) -> None:
        """Check the settings and hand the run to the worker (bad settings give a message)."""
        self._filter_timer.stop()
        try:
            request = self.request()
            if request is None:
                return
            request.check()
        except (ValueError, TypeError) as error:
            self.runner.cancel()
            self.output = None
            self.views.set_result(None, None, title="No result")
            self.explain_mode.refresh()
            if isinstance(error, NeedsColourImage):
                self.show_message(f"Cannot filter: {error}",
                                  action_text=f"Switch off {PER_CHANNEL_SWITCH}",
                                  action=lambda: self.document.set_per_channel(False))
            else:
                self.show_message(f"Cannot filter: {error}")
            return
        if self.messages.kind == "warning" and self.messages.text().startswith("Cannot filter"):
            self.messages.clear()
        self.runner.submit(lambda progress, should_stop: run_filter(request, progress,
                                                                    should_stop))

    def _on_result(self, output: FilterOutput) -> None:
        self.output = output
        self._result_is_current = not self._filter_timer.isActive()
        placement = ResultPlacement(output.stride, output.y0, output.x0)
        title = output.title
        title += scale_note(output.request.view, output.request.scale)
        title += " — preview" if self.is_preview else ""
        self.views.set_result(output.raw, output.display, placement, title,
                              colour_map=output.request.view == "angle")
        self.explain_mode.refresh()  # the table and window follow the new result
        self.result_changed.emit()

    def cancel_filter(self) -> None:
        """Stop the running computation; the result shown so far stays."""
        self.runner.cancel()
        self.show_message("Filtering cancelled: the result shown is from the previous settings.",
                          "info")

    def save_kernel(self) -> Path | None:
        """Save the grid's kernel under the name typed in the presets panel."""
        return self.presets.save_current(self.document.to_kernel())

    # ---- explain -------------------------------------------------------------------------
    def explain(self, row: int, col: int, *, zoom: bool = False):
        """Show how output pixel (row, col) was computed; returns the `PixelExplanation`."""
        return self.explain_mode.explain(row, col, zoom=zoom)

    # ---- messages, drops, shutdown -------------------------------------------------------
    def show_message(self, text: str, kind: str = "warning", **fix) -> None:
        """Show `text` above the studio; `fix` (action_text=, action=) offers a button."""
        self.messages.show_message(text, kind, **fix)
        self.message_shown.emit(text)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        self.files.open_dropped(event.mimeData().urls())
        event.acceptProposedAction()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            self.centre_splitter.share(0.74)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop and wait for the workers (the window is closing)."""
        self.example.timer.stop()
        self.runner.shutdown()
        self.loader.shutdown()
        self.presets.shutdown()

