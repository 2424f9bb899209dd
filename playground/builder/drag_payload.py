"""What a drag onto the canvas carries: a block's class name from the palette (`BLOCK_MIME`), or
the indices of the selected blocks of one document being moved within its canvas (`MOVE_MIME`)."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QMimeData

from core.nn.layer import LAYERS
from playground.builder.network_document import NetworkDocument
from playground.builder.palette import BLOCK_MIME

MOVE_MIME = "application/x-playground-block-move"


def selection_mime_data(document: NetworkDocument, indices: list[int]) -> QMimeData:
    """The payload of a drag of blocks `indices` of `document` within its canvas."""
    data = QMimeData()
    payload = {"document": id(document), "indices": indices}
    data.setData(MOVE_MIME, QByteArray(json.dumps(payload).encode("utf-8")))
    return data


def moved_indices(mime: QMimeData, document: NetworkDocument) -> list[int] | None:
    """The blocks a drag moves within `document`; None when it carries no move of this one."""
    if not mime.hasFormat(MOVE_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(MOVE_MIME)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if payload.get("document") != id(document):
        return None
    return [int(i) for i in payload.get("indices", [])]


def dropped_block(mime: QMimeData) -> str | None:
    """The class name of a block dragged from the palette; None when it names no known block."""
    if not mime.hasFormat(BLOCK_MIME):
        return None
    name = bytes(mime.data(BLOCK_MIME)).decode("utf-8", "replace").strip()
    return name if name in LAYERS else None
