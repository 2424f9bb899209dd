"""Block icons drawn with QPainter (no image files): the small picture each block asks for with
its ICON (a grid of weights, a pooling window, a curve...)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

KIND_COLOURS = {
    "input": QColor("#6d7f99"),
    "convolution": QColor("#2f6fb3"),
    "pooling": QColor("#2f9e8f"),
    "fully connected": QColor("#7a4fb3"),
    "recurrent": QColor("#b5483a"),
    "activation": QColor("#d08a1e"),
    "shape": QColor("#7d8a5a"),
    "regularisation": QColor("#a05a7a"),
}


def kind_colour(kind: str) -> QColor:
    return QColor(KIND_COLOURS.get(kind, QColor("#777777")))


def _curve(p: QPainter, fn, rect: QRectF) -> None:
    path = QPainterPath()
    for i in range(41):
        x = -3 + 6 * i / 40
        y = fn(x)
        point = QPointF(rect.left() + rect.width() * i / 40,
                        rect.bottom() - rect.height() * (y + 0.5) / 4)
        if i == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    p.drawPath(path)


def _draw_grid(p: QPainter, rect: QRectF, n: int, fill: QColor | None = None) -> None:
    step = rect.width() / n
    for i in range(n):
        for j in range(n):
            cell = QRectF(rect.left() + i * step, rect.top() + j * step, step, step)
            if fill is not None and (i + j) % 2 == 0:
                p.fillRect(cell, fill)
            p.drawRect(cell)


def _icon_of(class_name: str):
    """The picture a block asks for (its ICON) and the block class (None for the Input)."""
    if class_name == "Input":
        return "input", None
    from core.nn.layer import LAYERS

    cls = LAYERS.get(class_name)
    return (cls.ICON, cls) if cls is not None else ("circle", None)


def paint_block(p: QPainter, rect: QRectF, class_name: str, kind: str) -> None:
    """Draw the symbol of `class_name` inside `rect` (any size), as its block's ICON asks."""
    icon, cls = _icon_of(class_name)
    colour = kind_colour(kind)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(colour.lighter(175))
    p.setPen(QPen(colour, max(1.0, rect.width() / 24)))
    p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), rect.width() / 6, rect.width() / 6)
    inner = rect.adjusted(rect.width() * 0.2, rect.height() * 0.2,
                          -rect.width() * 0.2, -rect.height() * 0.2)
    p.setBrush(Qt.BrushStyle.NoBrush)
    pen = QPen(colour.darker(140), max(1.0, rect.width() / 16))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    if icon == "input":
        p.drawRect(inner)
        p.drawLine(inner.topLeft(), inner.bottomRight())
    elif icon == "grid":
        thin = QPen(colour.darker(140), max(1.0, rect.width() / 32))
        p.setPen(thin)
        _draw_grid(p, inner, 3, colour.lighter(130))
    elif icon in ("max-pool", "mean-pool"):
        p.setPen(QPen(colour.darker(140), max(1.0, rect.width() / 32)))
        _draw_grid(p, inner, 2)
        centre = inner.center()
        p.setBrush(colour.darker(140))
        r = inner.width() / (5 if icon == "max-pool" else 8)
        p.drawEllipse(centre, r, r)
    elif icon == "network":
        left = [QPointF(inner.left(), inner.top() + inner.height() * t) for t in (0, 0.5, 1)]
        right = [QPointF(inner.right(), inner.top() + inner.height() * t) for t in (0.25, 0.75)]
        p.setPen(QPen(colour.darker(140), max(1.0, rect.width() / 40)))
        for a in left:
            for b in right:
                p.drawLine(a, b)
        p.setBrush(colour.darker(140))
        for point in left + right:
            p.drawEllipse(point, rect.width() / 18, rect.width() / 18)
    elif icon == "flatten":
        p.drawRect(QRectF(inner.left(), inner.top(), inner.width() * 0.45, inner.height() * 0.45))
        p.drawLine(QPointF(inner.left(), inner.bottom()), QPointF(inner.right(), inner.bottom()))
        p.drawLine(QPointF(inner.center().x(), inner.top() + inner.height() * 0.25),
                   QPointF(inner.right(), inner.top() + inner.height() * 0.25))
    elif icon == "dropout":
        p.setBrush(colour.darker(140))
        step = inner.width() / 2
        for i in range(3):
            for j in range(3):
                centre = QPointF(inner.left() + i * step, inner.top() + j * step)
                if (i * 3 + j) % 3 == 1:
                    p.setBrush(Qt.BrushStyle.NoBrush)
                else:
                    p.setBrush(colour.darker(140))
                p.drawEllipse(centre, rect.width() / 16, rect.width() / 16)
    elif icon == "bars":
        heights = (0.2, 0.9, 0.4, 0.15)
        width = inner.width() / len(heights)
        for i, h in enumerate(heights):
            bar = QRectF(inner.left() + i * width + width * 0.15,
                         inner.bottom() - inner.height() * h, width * 0.7, inner.height() * h)
            p.fillRect(bar, colour.darker(140))
    elif icon == "loop":  # a cell whose output comes back into it
        box = QRectF(inner.left(), inner.top() + inner.height() * 0.35, inner.width() * 0.6,
                     inner.height() * 0.65)
        p.drawRect(box)
        right, top = box.right(), inner.top() + inner.height() * 0.12
        loop = QPainterPath(QPointF(right, box.center().y()))
        loop.lineTo(inner.right(), box.center().y())
        loop.lineTo(inner.right(), top)
        loop.lineTo(box.center().x(), top)
        loop.lineTo(box.center().x(), box.top())
        p.drawPath(loop)
        tip = QPointF(box.center().x(), box.top())
        size = rect.width() / 10
        p.drawLine(tip, QPointF(tip.x() - size, tip.y() - size))
        p.drawLine(tip, QPointF(tip.x() + size, tip.y() - size))
    elif icon == "rows":  # rows of a map laid out one after the other
        p.drawRect(QRectF(inner.left(), inner.top(), inner.width() * 0.45, inner.height() * 0.45))
        for k in range(3):
            y = inner.top() + inner.height() * (0.62 + 0.17 * k)
            x = inner.left() + inner.width() * 0.3 * k
            p.drawLine(QPointF(x, y), QPointF(x + inner.width() * 0.35, y))
    elif icon == "curve" and cls is not None:
        _curve(p, cls.icon_curve, inner)
    else:
        p.drawEllipse(inner)
    p.restore()


def block_icon(class_name: str, kind: str, size: int = 32) -> QIcon:
    """An icon for the palette and the cards."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_block(painter, QRectF(0, 0, size, size), class_name, kind)
    painter.end()
    return QIcon(pixmap)
