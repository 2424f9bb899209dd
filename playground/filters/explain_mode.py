"""The studio's Explain mode: while its action is checked, hovering over a result pixel or clicking
one shows how it was computed (the arithmetic in the explain panel, the window on the original)."""

from __future__ import annotations

from PySide6.QtGui import QAction

from playground.filters.explain import explain_request

HOVER_EXPLAIN_MAX_PIXELS = 1_500_000
"""Above this many image pixels a result pixel is explained on a click only, not on hovering."""


class ExplainMode:
    """The Explain action and what it does in `studio` (a `FilterStudio`): a click also zooms
    the original onto the pixel's window."""

    def __init__(self, studio) -> None:
        self.studio = studio
        self.pixel: tuple[int, int] | None = None  # the output pixel explained last
        self.action = QAction("Explain", studio, checkable=True)
        self.action.setToolTip("Hover over or click a result pixel to see its arithmetic")
        self.action.toggled.connect(self._on_toggled)
        studio.views.result_hovered.connect(self._on_result_hovered)
        studio.views.result_clicked.connect(self._on_result_clicked)

    def _on_toggled(self, on: bool) -> None:
        studio = self.studio
        if on:
            studio.bottom_tabs.setCurrentWidget(studio.explain_panel)
        else:
            studio.overlay.clear()
            studio.views.mark_output(None)
            studio.views.fit()  # back from the close-up a click zoomed to

    def refresh(self) -> None:
        """A new result (or none): explain the same pixel of it, or go back to the prompt, so
        the table never shows numbers of an earlier image, kernel or geometry."""
        studio = self.studio
        output, pixel = studio.output, self.pixel
        if pixel is not None and output is not None and self.action.isChecked():
            height, width = output.raw.shape[:2]
            if pixel[0] < height and pixel[1] < width:
                self.explain(*pixel)
                return
        self.pixel = None
        studio.overlay.clear()
        studio.views.mark_output(None)
        studio.explain_panel.show_prompt()

    def _on_result_hovered(self, row: int, col: int) -> None:
        image = self.studio.image
        small = image is not None and image.shape[0] * image.shape[1] <= HOVER_EXPLAIN_MAX_PIXELS
        if self.action.isChecked() and small:
            self.explain(row, col)

    def _on_result_clicked(self, row: int, col: int) -> None:
        if self.action.isChecked():
            self.explain(row, col, zoom=True)

    def explain(self, row: int, col: int, *, zoom: bool = False):
        """Show how output pixel (row, col) was computed; returns the `PixelExplanation`."""
        studio = self.studio
        if studio.output is None:
            return None
        request = studio.output.request  # what the result shows, not edits still running
        channel = max(studio.views.channel, 0) if request.image.ndim == 3 else None
        try:
            explanation, channel_text = explain_request(request, row, col, channel)
        except ValueError as error:
            self.pixel = None
            studio.overlay.clear()
            studio.views.mark_output(None)
            studio.explain_panel.show_message(str(error))
            return None
        self.pixel = (row, col)
        studio.explain_panel.show_explanation(explanation, row, col, channel_text)
        studio.overlay.show(explanation)
        studio.views.mark_output(row, col)
        if zoom:
            studio.views.keep_view()
            studio.overlay.zoom_to(explanation)
        return explanation
