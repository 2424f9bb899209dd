"""Designs that are legal but odd, noted (never refused): two activations in a row, no
activation between two convolutions or two fully connected blocks, a Softmax before the end.

Each rule asks the blocks what they are (`KIND`, `PROBABILITY_OUTPUT`), never their class names.
Blocks that reshape, regularise or pool (Flatten, Dropout, MaxPool2D) between the two blocks of a
pair do not change what is odd about the pair, so they are looked through.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.nn.layer import LAYERS

SEE_THROUGH = ("shape", "regularisation", "pooling")
"""Kinds of block looked through when pairing blocks (a second ReLU after a max pool of ReLU
outputs still changes nothing)."""
WEIGHTED = {"convolution": "convolutions", "fully connected": "fully connected blocks"}
"""Kinds whose output is a weighted sum of their input: two in a row make one weighted sum."""


@dataclass(frozen=True)
class DesignNote:
    """An odd design at block `index` (the second block of a pair), with `related` the other
    block it concerns (or None), a `short` line for a card and the whole `text` (why, and what
    to do) for the inspector."""

    index: int
    related: int | None
    short: str
    text: str


def _block(layer: dict):
    return LAYERS.get(str(layer.get("class")))


def design_notes(layers: list[dict]) -> list[DesignNote]:
    """The notes for a spec's `layers` ({"class", "config"} dicts), in block order; unknown
    classes are skipped (the spec reader reports them)."""
    notes = []
    previous: tuple[int, type] | None = None  # the last block that is not see-through
    pooled = False  # a pooling block since `previous`
    last = len(layers) - 1
    for index, layer in enumerate(layers):
        cls = _block(layer)
        if cls is None:
            previous = None
            continue
        name = cls.__name__
        if cls.PROBABILITY_OUTPUT and index != last:
            notes.append(DesignNote(index, None, "softmax before the end", (
                f"{name} is block {index}, not the last: the blocks after it get probabilities. "
                "Training applies softmax to the last block's scores itself, so it belongs at "
                "the end.")))
        if cls.KIND in SEE_THROUGH:
            pooled = pooled or cls.KIND == "pooling"
            continue
        if previous is not None:
            before_index, before = previous
            if before.KIND == "activation" and cls.KIND == "activation":
                notes.append(DesignNote(index, before_index, "two activations in a row", (
                    f"Two activations in a row ({before.__name__} at block {before_index}, then "
                    f"{name}): the second only bends what the first gave; one is enough.")))
            elif before.KIND == cls.KIND and cls.KIND in WEIGHTED:
                why = ("only the pooling bends the signal between two weighted sums" if pooled
                       else "two weighted sums in a row are just one weighted sum")
                notes.append(DesignNote(
                    index, before_index, f"no activation after block {before_index}", (
                        f"No activation between the {WEIGHTED[cls.KIND]} at blocks {before_index} "
                        f"and {index}: {why}. Put a ReLU between them.")))
        previous, pooled = (index, cls), False
    return notes


def notes_by_block(layers: list[dict]) -> dict[int, list[DesignNote]]:
    """{block index: [its notes]} for `design_notes(layers)`."""
    found: dict[int, list[DesignNote]] = {}
    for note in design_notes(layers):
        found.setdefault(note.index, []).append(note)
    return found
