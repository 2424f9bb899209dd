"""The network canvas: the Input card then one card per block, top to bottom, each with its short
settings, output shape and parameter count (`card_wording`); a total at the bottom.

Blocks are dropped from the palette or dragged within the canvas (`drag_payload`) into a gap,
shown by an insertion marker. Every change goes through the document; clicks and keys change a
`CardSelection`. Index -1 is the Input card; 0..n-1 are the blocks; gaps run 0..n.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QDrag, QKeySequence, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QScrollArea, QToolTip, QWidget

from core.nn.layer import LAYERS
from playground.builder.card_painting import paint_card, paint_footer, paint_marker
from playground.builder.card_selection import CardSelection
from playground.builder.card_wording import (
    INPUT,
    card_texts,
    network_description,
    tooltip_text,
    total_text,
)
from playground.builder.drag_payload import dropped_block, moved_indices, selection_mime_data
from playground.builder.network_document import NetworkDocument

CARD_HEIGHT = 52
GAP = 14
MARGIN = 14
FOOTER = 44


class NetworkCanvas(QWidget):
    """Cards for the blocks of a `NetworkDocument`, with selection, drag and drop and keys."""

    selection_changed = Signal()
    show_learned_requested = Signal(int)
    show_backward_requested = Signal(int)
    seed_requested = Signal(int)

    def __init__(self, document: NetworkDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkCanvas")
        self.document = document
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setMinimumWidth(340)
        self._selection = CardSelection()
        self._marker_gap: int | None = None
        self._press_pos: QPoint | None = None
        self._press_index: int | None = None
        self.document.spec_changed.connect(self._on_spec_changed)
        self.setMinimumHeight(self.sizeHint().height())
        self.setAccessibleName("Network")
        self._describe()

    # ---- geometry ----------------------------------------------------------------------------
    def _count(self) -> int:
        return self.document.layer_count()

    def card_rect(self, index: int) -> QRect:
        """The card of block `index` (-1 = Input) in widget coordinates."""
        row = index + 1
        return QRect(MARGIN, MARGIN + row * (CARD_HEIGHT + GAP),
                     max(100, self.width() - 2 * MARGIN), CARD_HEIGHT)

    def gap_y(self, gap: int) -> int:
        """The y of the middle of the space above block `gap` (below the last block for n)."""
        return MARGIN + (gap + 1) * (CARD_HEIGHT + GAP) - GAP // 2

    def gap_point(self, gap: int) -> QPoint:
        """A point inside gap `gap`: dropping there inserts at that position."""
        return QPoint(self.width() // 2, self.gap_y(gap))

    def gap_at(self, pos: QPoint) -> int:
        """The insertion point nearest to `pos`: before the first block whose centre is below."""
        for index in range(self._count()):
            if pos.y() < self.card_rect(index).center().y():
                return index
        return self._count()

    def index_at(self, pos: QPoint) -> int | None:
        for index in range(-1, self._count()):
            if self.card_rect(index).contains(pos):
                return index
        return None

    def sizeHint(self) -> QSize:
        height = MARGIN * 2 + (self._count() + 1) * (CARD_HEIGHT + GAP) + FOOTER
        return QSize(420, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(340, self.sizeHint().height())

    # ---- selection ---------------------------------------------------------------------------
    def selected_indices(self) -> list[int]:
        """Selected blocks (not the Input card), ascending."""
        return self._selection.blocks()

    def current_index(self) -> int | None:
        return self._selection.current

    def set_selection(self, indices, current: int | None = None) -> None:
        if self._selection.select(indices, current, self._count()):
            self._show_selection()

    def _extend_selection(self, index: int) -> None:
        if self._selection.extend_to(index, self._count()):
            self._show_selection()

    def _show_selection(self) -> None:
        self._ensure_visible(self._selection.current)
        self.update()
        self.selection_changed.emit()

    def _scroll_area(self) -> QScrollArea | None:
        parent = self.parentWidget()
        area = parent.parentWidget() if parent is not None else None
        return area if isinstance(area, QScrollArea) else None

    def _ensure_visible(self, index: int | None) -> None:
        area = self._scroll_area()
        if index is not None and area is not None:
            rect = self.card_rect(index)
            area.ensureVisible(rect.center().x(), rect.center().y(), 10, CARD_HEIGHT)

    def _on_spec_changed(self) -> None:
        if self._selection.fit(self._count()):
            self.selection_changed.emit()
        self.setMinimumHeight(self.sizeHint().height())
        self._describe()
        self.update()

    def _describe(self) -> None:
        """What the cards say, for screen readers (the cards themselves are only painted)."""
        self.setAccessibleDescription(network_description(self.document))

    # ---- what a card says --------------------------------------------------------------------
    def card_texts(self, index: int) -> dict:
        """The texts drawn on a card: label, shape, params, error (None when fine), tags."""
        return card_texts(self.document, index)

    def total_text(self) -> str:
        return total_text(self.document)

    def tooltip_for(self, index: int | None) -> str:
        return tooltip_text(self.document, index)

    # ---- painting ----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        selected = self._selection.indices
        for index in range(-1, self._count()):
            name = "Input" if index == INPUT else self.document.layer(index)["class"]
            paint_card(painter, self.card_rect(index), index, name, self.card_texts(index),
                       index in selected, self.font(), connector=GAP if index >= 0 else 0)
        if self._marker_gap is not None:
            paint_marker(painter, self.gap_y(self._marker_gap), MARGIN, self.width() - MARGIN)
        footer = QRect(MARGIN, self.gap_y(self._count()) + GAP, self.width() - 2 * MARGIN, FOOTER)
        paint_footer(painter, footer, self.total_text(), self.font(),
                     self.palette().text().color())
        painter.end()

    # ---- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position().toPoint()
        index = self.index_at(pos)
        self._press_pos, self._press_index = pos, index
        if event.button() != Qt.MouseButton.LeftButton:
            if index is not None and index not in self._selection.indices:
                self.set_selection([index], index)
            return
        mods = event.modifiers()
        if index is None:
            self.set_selection([])
        elif mods & Qt.KeyboardModifier.ControlModifier:
            chosen = set(self._selection.indices) ^ {index}
            self.set_selection(chosen, index if index in chosen else None)
        elif mods & Qt.KeyboardModifier.ShiftModifier and self._selection.anchor is not None:
            self._extend_selection(index)
        elif index not in self._selection.indices:
            self.set_selection([index], index)

    def mouseMoveEvent(self, event) -> None:
        if (self._press_pos is None or not event.buttons() & Qt.MouseButton.LeftButton
                or self._press_index is None or self._press_index < 0):
            return
        distance = (event.position().toPoint() - self._press_pos).manhattanLength()
        if distance < QApplication.startDragDistance():
            return
        self._press_pos = None
        drag = QDrag(self)
        drag.setMimeData(self.selection_mime_data())
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event) -> None:
        index = self._press_index
        plain = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                         | Qt.KeyboardModifier.ShiftModifier)
        many = len(self._selection.indices) > 1
        if (self._press_pos is not None and plain and index is not None
                and event.button() == Qt.MouseButton.LeftButton and many):
            self.set_selection([index], index)
        self._press_pos = None

    def selection_mime_data(self) -> QMimeData:
        """The payload of a drag of the selected blocks within this canvas."""
        return selection_mime_data(self.document, self.selected_indices())

    # ---- drag and drop -----------------------------------------------------------------------
    def _accepts(self, mime: QMimeData) -> bool:
        return dropped_block(mime) is not None or bool(moved_indices(mime, self.document))

    def dragEnterEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if not self._accepts(event.mimeData()):
            event.ignore()
            return
        pos = event.position().toPoint()
        area = self._scroll_area()
        if area is not None:  # scroll while dragging near the top or bottom edge
            area.ensureVisible(pos.x(), pos.y(), 10, CARD_HEIGHT // 2)
        gap = self.gap_at(pos)
        if gap != self._marker_gap:
            self._marker_gap = gap
            self.update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, _event) -> None:
        self._marker_gap = None
        self.update()

    def marker_gap(self) -> int | None:
        """Where the insertion marker is shown during a drag (None when not dragging)."""
        return self._marker_gap

    def dropEvent(self, event) -> None:
        self._marker_gap = None
        mime = event.mimeData()
        gap = self.gap_at(event.position().toPoint())
        name = dropped_block(mime)
        moving = moved_indices(mime, self.document)
        if name is not None:
            new = self.document.insert_block(gap, name)
            self.set_selection([new], new)
        elif moving:
            new = self.document.move_blocks(moving, gap)
            self.set_selection(new, new[-1] if new else None)
        else:
            event.ignore()
            self.update()
            return
        event.acceptProposedAction()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()

    # ---- keyboard and commands ---------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if event.matches(QKeySequence.StandardKey.Undo):
            self.document.undo_stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo) or (
                ctrl and shift and key == Qt.Key.Key_Z):
            self.document.undo_stack.redo()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and ctrl:
            self.move_selection(-1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End):
            self._step_current(key, shift)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_selected()
        elif ctrl and key == Qt.Key.Key_D:
            self.duplicate_selected()
        elif ctrl and key == Qt.Key.Key_A:
            self.set_selection(range(self._count()), self._selection.current)
        elif key == Qt.Key.Key_Menu or (shift and key == Qt.Key.Key_F10):
            current = self._selection.current
            if current is not None:
                rect = self.card_rect(current)
                self.context_menu(current).popup(self.mapToGlobal(rect.center()))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _step_current(self, key, extend: bool) -> None:
        n = self._count()
        current = self._selection.current
        if key == Qt.Key.Key_Home:
            target = INPUT
        elif key == Qt.Key.Key_End:
            target = n - 1
        elif current is None:
            target = INPUT if key == Qt.Key.Key_Down else n - 1
        else:
            target = current + (1 if key == Qt.Key.Key_Down else -1)
        target = max(INPUT, min(n - 1, target))
        if extend and self._selection.anchor is not None:
            self._extend_selection(target)
        else:
            self.set_selection([target], target)

    def move_selection(self, step: int) -> None:
        """Move the selected blocks one place up (-1) or down (+1)."""
        chosen = self.selected_indices()
        if not chosen:
            return
        if step < 0 and chosen[0] == 0 or step > 0 and chosen[-1] == self._count() - 1:
            return
        gap = chosen[0] - 1 if step < 0 else chosen[-1] + 2
        new = self.document.move_blocks(chosen, gap)
        self.set_selection(new, new[-1] if step > 0 else new[0])

    def remove_selected(self) -> None:
        chosen = self.selected_indices()
        if not chosen:
            return
        self.document.remove_blocks(chosen)
        n = self._count()
        nxt = min(chosen[0], n - 1)
        self.set_selection([nxt] if nxt >= 0 else [INPUT], nxt if nxt >= 0 else INPUT)

    def duplicate_selected(self) -> None:
        new = self.document.duplicate_blocks(self.selected_indices())
        if new:
            self.set_selection(new, new[-1])

    def context_menu(self, index: int) -> QMenu:
        """The menu of a card (shown by right-click, the Menu key or Shift+F10)."""
        menu = QMenu(self)
        menu.setObjectName("blockMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if index == INPUT:
            note = menu.addAction("The input follows the data set chosen for training")
            note.setEnabled(False)
            return menu
        count = len(self.selected_indices())
        plural = f" {count} blocks" if count > 1 else ""
        actions = [
            (f"Duplicate{plural}", "Ctrl+D", self.duplicate_selected),
            (f"Remove{plural}", "Del", self.remove_selected),
            ("Move up", "Ctrl+Up", lambda: self.move_selection(-1)),
            ("Move down", "Ctrl+Down", lambda: self.move_selection(1)),
        ]
        for text, keys, slot in actions:
            action = QAction(f"{text}\t{keys}", menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.addSeparator()
        if LAYERS[self.document.layer(index)["class"]].SEEDS_FILTERS:
            seed = menu.addAction("Seed filters from kernels…")
            seed.triggered.connect(lambda: self.seed_requested.emit(index))
        learned = menu.addAction("Show what it learned")
        learned.triggered.connect(lambda: self.show_learned_requested.emit(index))
        backward = menu.addAction("Show its backward step")
        backward.setToolTip("Step through one pass in the Backprop tab, at this block's "
                            "backward step")
        backward.triggered.connect(lambda: self.show_backward_requested.emit(index))
        return menu

    def contextMenuEvent(self, event) -> None:
        index = self.index_at(event.pos())
        if index is None:
            return
        if index not in self._selection.indices:
            self.set_selection([index], index)
        self.context_menu(index).popup(event.globalPos())

    def event(self, event) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_for(self.index_at(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
