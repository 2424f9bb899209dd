"""What the canvas's cards say, read from a `NetworkDocument`: each card's label, output shape,
parameter count, error and tags, the total line, the tooltips and the screen-reader description.
Index -1 is the Input card; 0..n-1 are the blocks."""

from __future__ import annotations

from core.nn.layer import LAYERS
from core.nn.wording import count_text, params_text, plural, shape_text
from playground.builder.network_document import NetworkDocument

INPUT = -1


def card_texts(document: NetworkDocument, index: int) -> dict:
    """The texts drawn on a card: label, shape, params, error (None when fine), tags, note
    (in short, what is odd about a legal design; None when nothing is) and note_text (the
    whole of it, for the tooltip)."""
    if index == INPUT:
        classes = document.classes
        return {"label": "Input", "shape": shape_text(document.input_shape),
                "params": plural(len(classes), "class", "classes") if classes else "",
                "error": None, "tags": "", "note": None, "note_text": ""}
    layer = document.layer(index)
    report = document.analysis()[index]
    notes = document.design_notes(index)
    tags = []
    if layer.get("init", {}).get("kernels"):
        tags.append("seeded: " + ", ".join(k.get("name", "?")
                                           for k in layer["init"]["kernels"]))
    if layer["config"].get("trainable") is False:
        tags.append("frozen")
    elif report.frozen:
        kept = len(layer["init"]["kernels"])
        tags.append("seeded filter frozen" if kept == 1 else f"{kept} seeded filters frozen")
    return {"label": LAYERS[layer["class"]].short_label(layer["config"]),
            "shape": shape_text(report.output_shape),
            "params": (params_text(report.params, report.frozen)
                       if report.output_shape is not None else ""),
            "error": report.error, "tags": "; ".join(tags),
            "note": "; ".join(n.short for n in notes) or None,
            "note_text": " ".join(n.text for n in notes)}


def total_text(document: NetworkDocument) -> str:
    """The line under the cards: the parameter total, or which block keeps it unknown."""
    reports = document.analysis()
    error = document.first_error()
    if error is not None:
        return f"Total: ? parameters until block {error.index} fits"
    total = sum(r.params for r in reports)
    frozen = sum(r.frozen for r in reports)
    text = f"Total: {plural(total, 'parameter')}"
    if frozen:
        text += f" ({count_text(total - frozen)} trainable, {count_text(frozen)} frozen)"
    return text


def tooltip_text(document: NetworkDocument, index: int | None) -> str:
    """The tooltip of card `index` ("" for no card)."""
    if index is None:
        return ""
    if index == INPUT:
        return "Input: set by the data set. Select it to change its shape."
    texts = card_texts(document, index)
    if texts["error"]:
        return f"Cannot take its input: {texts['error']}"
    text = f"{texts['label']}: output {texts['shape']}, {texts['params']}"
    return text + (f"\n⚠ {texts['note_text']}" if texts["note"] else "")


def network_description(document: NetworkDocument) -> str:
    """What the cards say, for screen readers (the cards themselves are only painted)."""
    parts = []
    for index in range(INPUT, document.layer_count()):
        t = card_texts(document, index)
        note = f". Note: {t['note_text']}" if t["note"] else ""
        state = f"cannot take its input: {t['error']}" if t["error"] else (
            f"output {t['shape']}, {t['params']}{note}")
        parts.append(f"{'Input' if index < 0 else index}: {t['label']}, {state}")
    return "; ".join(parts) + ". " + total_text(document)
