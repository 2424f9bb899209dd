"""The curves' hover read-out: the values under the mouse, written beside the cursor in the plot
it points at, with a dotted line at that epoch across every plot. A mixin of `CurvesPanel`,
which provides `graphics`, `plots`, `values_at`."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt


class CurveHover:
    """Adds `hover_items`, `cursor_lines`, `hover_text` and `clear_hover` to the panel."""

    def _build_hover(self) -> None:
        self.hover_text = ""  # what the read-out says ("" when the mouse is not on a plot)
        self.hover_items: dict[str, pg.TextItem] = {}
        self.cursor_lines: dict[str, pg.InfiniteLine] = {}
        for key, plot in self.plots.items():
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen((150, 150, 150),
                                                          style=Qt.PenStyle.DotLine))
            plot.addItem(line, ignoreBounds=True)
            line.hide()
            self.cursor_lines[key] = line
            item = pg.TextItem("", color=(20, 20, 20), fill=pg.mkBrush(255, 255, 255, 235),
                               border=pg.mkPen(150, 150, 150))
            item.setZValue(100)
            plot.addItem(item, ignoreBounds=True)
            item.hide()
            self.hover_items[key] = item
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.viewport().installEventFilter(self)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        for key, plot in self.plots.items():
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                point = plot.vb.mapSceneToView(scene_pos)
                self._show_hover(key, point)
                return
        self.clear_hover()

    def _show_hover(self, key: str, point: QPointF) -> None:
        """The read-out of plot `key` beside `point` (view coordinates), on the side of the
        cursor where it fits."""
        self.hover_text = self.values_at(key, point.x())
        for other, item in self.hover_items.items():
            item.setVisible(other == key)
        (x0, x1), (y0, y1) = self.plots[key].viewRange()
        right_half = point.x() > (x0 + x1) / 2
        top_half = point.y() > (y0 + y1) / 2
        item = self.hover_items[key]
        item.setText(self.hover_text.replace(":  ", "\n").replace("   ", "\n"))
        item.setAnchor((1.05 if right_half else -0.05, -0.1 if top_half else 1.1))
        item.setPos(point)
        for line in self.cursor_lines.values():
            line.setPos(point.x())
            line.show()

    def clear_hover(self) -> None:
        """Forget the read-out and the cursor lines (mouse gone, or a new run)."""
        self.hover_text = ""
        for item in self.hover_items.values():
            item.hide()
        for line in self.cursor_lines.values():
            line.hide()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Leave:
            self.clear_hover()
        return super().eventFilter(watched, event)
