"""Drawing the canvas: block cards, the insertion marker and the total line (QPainter only)."""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from core.nn.layer import setting_names, setting_problem_text
from playground.builder.icons import paint_block
from playground.builder.palette import block_kind

ERROR_FILL = QColor("#fde3e3")
ERROR_EDGE = QColor("#c62828")
SELECTED_FILL = QColor("#dbe8fb")
SELECTED_EDGE = QColor("#1e63c6")
NOTE_EDGE = QColor("#b26a00")  # a legal but odd design: amber, not the red of an error
CARD_FILL = QColor("#ffffff")
CARD_EDGE = QColor("#b8bec7")
CONNECTOR = QColor("#8a93a0")
DARK = QColor("#1d2430")
MUTED = QColor("#596273")
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def card_reason(error: str) -> str:
    """The reason without the block's own name and position, which the card already shows;
    settings named in words ("out channels must be ..."), other reasons start with a capital."""
    short = re.sub(r"^.*? at position \d+:?\s*", "", error, count=1)
    if not short:
        return setting_problem_text(error)
    if short.split(" ", 1)[0] in setting_names():
        return setting_problem_text(short)  # as the inspector names the setting
    return setting_problem_text(short[:1].upper() + short[1:])


def paint_card(painter: QPainter, rect: QRect, index: int, class_name: str, texts: dict,
               selected: bool, font: QFont, connector: int = 0) -> None:
    """One card: icon, number and short settings, output shape and parameter count; red with
    the reason when the block cannot take its input, an amber edge and "⚠ note" when the design
    is odd. `connector` draws the line from above."""
    error = texts["error"]
    note = None if error else texts.get("note")
    fill = ERROR_FILL if error else (SELECTED_FILL if selected else CARD_FILL)
    edge = ERROR_EDGE if error else (SELECTED_EDGE if selected else NOTE_EDGE if note
                                     else CARD_EDGE)
    painter.setPen(QPen(edge, 2.5 if selected or error else 1.5 if note else 1))
    painter.setBrush(fill)
    painter.drawRoundedRect(QRectF(rect), 7, 7)
    if connector:
        centre_x = rect.left() + 30
        painter.setPen(QPen(CONNECTOR, 1.5))
        painter.drawLine(centre_x, rect.top() - connector, centre_x, rect.top())
    paint_block(painter, QRectF(rect.left() + 12, rect.top() + 8, 36, 36), class_name,
                block_kind(class_name))
    text_left = rect.left() + 60
    bold = QFont(font)
    bold.setBold(True)
    small = QFont(font)
    small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    title = texts["label"] if index < 0 else f"{index}   {texts['label']}"
    painter.setFont(bold)
    painter.setPen(DARK)
    painter.drawText(QRect(text_left, rect.top() + 6, rect.width() - 230, 20), LEFT, title)
    second = card_reason(error) if error else f"⚠ {note}" if note else texts["tags"]
    if second:
        painter.setFont(small)
        painter.setPen(ERROR_EDGE if error else NOTE_EDGE if note else MUTED)
        room = rect.right() - 180 if not error and texts["params"] else rect.right() - 20
        line = QRect(text_left, rect.top() + 27, room - text_left, 18)
        elided = painter.fontMetrics().elidedText(second, Qt.TextElideMode.ElideRight,
                                                  line.width())
        painter.drawText(line, LEFT, elided)
    painter.setFont(bold)
    painter.setPen(ERROR_EDGE if error else DARK)
    painter.drawText(QRect(rect.right() - 170, rect.top() + 6, 160, 20), RIGHT,
                     "cannot fit" if error else texts["shape"])
    if not error and texts["params"]:
        painter.setFont(small)
        painter.setPen(MUTED)
        painter.drawText(QRect(rect.right() - 170, rect.top() + 27, 160, 18), RIGHT,
                         texts["params"])


def paint_marker(painter: QPainter, y: int, left: int, right: int) -> None:
    """The insertion marker: a blue line with round ends where a dragged block will land."""
    painter.setPen(QPen(SELECTED_EDGE, 3))
    painter.drawLine(left - 6, y, right + 6, y)
    painter.setBrush(SELECTED_EDGE)
    painter.drawEllipse(QPoint(left - 6, y), 5, 5)
    painter.drawEllipse(QPoint(right + 6, y), 5, 5)


def paint_footer(painter: QPainter, rect: QRect, text: str, font: QFont, colour: QColor) -> None:
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(colour)
    painter.drawText(rect, RIGHT, text)
