"""The block palette: every block of `core.nn.layer.LAYERS` grouped by kind, with a drawn icon,
its one-line HELP as tooltip and its DESCRIPTION in a help pane. Drags carry only the class name
under `BLOCK_MIME`."""

from __future__ import annotations

import html

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.builder.icons import block_icon

BLOCK_MIME = "application/x-playground-block"

KIND_ORDER = ("input", "convolution", "pooling", "fully connected", "recurrent", "activation",
              "shape", "regularisation")

INPUT_HELP = ("The data going in: channels x height x width (or steps x values for a sequence), "
              "set by the chosen data set.")
INPUT_DESCRIPTION = (
    "The input block is always first. It holds the shape of one example (channels, height, "
    "width: 1 x 28 x 28 for the handwritten digits, 3 x 32 x 32 for colour photos; steps x "
    "values for a sequence, 10 x 4 for ten steps of four values) and the names of the classes. "
    "It has no weights; when you pick a data set for training, the input "
    "follows it and the last Dense block is given one output per class.")

CLASS_ROLE = Qt.ItemDataRole.UserRole


def block_catalogue() -> dict[str, list[tuple[str, type]]]:
    """{kind: [(class name, layer class), ...]} in palette order."""
    from core.nn.layer import LAYERS

    groups: dict[str, list[tuple[str, type]]] = {}
    for name, cls in LAYERS.items():
        groups.setdefault(getattr(cls, "KIND", "other"), []).append((name, cls))
    order = list(KIND_ORDER) + sorted(k for k in groups if k not in KIND_ORDER)
    return {kind: groups[kind] for kind in order if kind in groups}


def block_kind(class_name: str) -> str:
    if class_name == "Input":
        return "input"
    from core.nn.layer import LAYERS

    cls = LAYERS.get(class_name)
    return getattr(cls, "KIND", "other") if cls is not None else "other"


def help_html(class_name: str) -> str:
    """The help pane's text for a block: name, one-liner, description and its settings."""
    if class_name == "Input":
        return f"<h3>Input</h3><p><i>{INPUT_HELP}</i></p><p>{INPUT_DESCRIPTION}</p>"
    from core.nn.layer import LAYERS

    cls = LAYERS[class_name]
    parts = [f"<h3>{class_name}</h3>", f"<p><i>{html.escape(cls.HELP)}</i></p>",
             f"<p>{html.escape(cls.DESCRIPTION)}</p>"]
    settings = [s for s in cls.SETTINGS if s.help]
    if settings:
        parts.append("<p><b>Settings</b></p><ul>")
        parts += [f"<li><b>{s.name}</b>: {html.escape(s.help)}</li>" for s in settings]
        parts.append("</ul>")
    return "".join(parts)


class PaletteTree(QTreeWidget):
    """The tree of blocks; drags out the class name of the chosen block."""

    block_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setIconSize(QSize(24, 24))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.itemActivated.connect(self._on_item_activated)

    def _populate(self) -> None:
        catalogue = block_catalogue()
        entries = {"input": [("Input", None)], **catalogue}
        if "input" in catalogue:
            entries["input"] = [("Input", None)] + catalogue["input"]
        for kind in [k for k in KIND_ORDER if k in entries] + [
            k for k in entries if k not in KIND_ORDER
        ]:
            group = QTreeWidgetItem(self, [kind.capitalize()])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for name, cls in entries[kind]:
                item = QTreeWidgetItem(group, [name])
                item.setData(0, CLASS_ROLE, name)
                item.setIcon(0, block_icon(name, kind, 48))
                item.setToolTip(0, INPUT_HELP if cls is None else cls.HELP)
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if cls is not None:
                    flags |= Qt.ItemFlag.ItemIsDragEnabled
                item.setFlags(flags)
                self.items[name] = item
        self.expandAll()

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items) -> QMimeData:
        """The drag payload: only the class name of the (single) block."""
        names = [item.data(0, CLASS_ROLE) for item in items if item.data(0, CLASS_ROLE)]
        data = QMimeData()
        if names and names[0] != "Input":
            data.setData(BLOCK_MIME, names[0].encode("utf-8"))
            data.setText(names[0])
        return data

    def mime_for(self, class_name: str) -> QMimeData:
        """The payload a drag of `class_name` carries (what tests drop on the canvas)."""
        return self.mimeData([self.items[class_name]])

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, CLASS_ROLE)
        if name and name != "Input":
            self.block_activated.emit(name)


class PalettePanel(QWidget):
    """The palette above a help pane that describes the chosen block."""

    block_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = PaletteTree()
        self.help = QTextBrowser()
        self.help.setObjectName("blockHelp")
        self.help.setOpenExternalLinks(False)
        title = QLabel("<b>Blocks</b> — drag into the network, or press Enter")
        title.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.help)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(splitter)
        self.tree.block_activated.connect(self.block_activated)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.show_help("Input")

    def show_help(self, class_name: str) -> None:
        self.help.setHtml(help_html(class_name))

    def clear_selection(self) -> None:
        """Drop the highlight (the network's selection speaks now); the current block stays
        current, so Enter in the palette still adds it."""
        self.tree.clearSelection()

    def _on_current_changed(self, item, _previous) -> None:
        name = item.data(0, CLASS_ROLE) if item is not None else None
        if name:
            self.show_help(name)
