"""Which cards of the canvas are selected: the chosen cards (ascending; -1 is the Input card), the
current one (the inspector's card, where the arrow keys start) and the anchor a Shift-range grows
from. Plain state and its rules; the canvas shows it and turns clicks and keys into these calls."""

from __future__ import annotations


class CardSelection:
    """The selection of a column of `count` block cards under the Input card."""

    def __init__(self) -> None:
        self.indices: list[int] = []
        self.current: int | None = None
        self.anchor: int | None = None

    def blocks(self) -> list[int]:
        """Selected blocks (not the Input card), ascending."""
        return [i for i in self.indices if i >= 0]

    def select(self, indices, current: int | None, count: int) -> bool:
        """Choose the cards `indices` that exist (current: the last one unless given), which
        also become the anchor; False when nothing changed."""
        chosen = sorted({int(i) for i in indices if -1 <= int(i) < count})
        if current is None and chosen:
            current = chosen[-1]
        if chosen == self.indices and current == self.current:
            return False
        self.indices, self.current = chosen, current
        self.anchor = current
        return True

    def extend_to(self, index: int, count: int) -> bool:
        """Choose the cards from the anchor to `index` (Shift), keeping the anchor."""
        anchor = self.anchor
        low, high = sorted((anchor, index))
        changed = self.select(range(low, high + 1), index, count)
        self.anchor = anchor
        return changed

    def fit(self, count: int) -> bool:
        """Drop the cards past the last of `count` blocks; False when none was chosen."""
        kept = [i for i in self.indices if i < count]
        current = self.current if self.current is not None and self.current < count else None
        if current is None and kept:
            current = kept[-1]
        if (kept, current) == (self.indices, self.current):
            return False
        self.indices, self.current = kept, current
        return True
