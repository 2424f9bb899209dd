"""One line per thing a run's curves say (`core.train.insights`), shown under the curves.

`InsightLines.following(curves, classes)` keeps the lines in step with a `CurvesPanel`: they are
recomputed whenever its loss curve is redrawn (every refresh, a reset or a run shown), so they
never describe an earlier run.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.train.insights import Insight, run_insights

WATCHED_CURVE = "train loss (batch)"  # redrawn by every refresh of the curves panel
MARK = {"warning": ("⚠", "#b3261e"), "note": ("✓", "#2e7d32")}
EMPTY = "What the curves mean appears here as the network trains."


def class_count(model) -> int | None:
    """How many classes a model tells apart (its outputs), or None without a classifier."""
    shape = getattr(model, "output_shape", None)
    return int(shape[-1]) if shape is not None and len(shape) == 1 else None


class InsightLines(QLabel):
    """The lines about the current run, a warning mark or a tick before each; the empty state
    says what will appear. `lines()` gives the texts shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insightLines")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setContentsMargins(6, 2, 6, 4)
        self._insights: list[Insight] = []
        self.show_insights([])

    @classmethod
    def following(cls, curves, classes: Callable[[], int | None]) -> InsightLines:
        """Lines that follow `curves` (a `CurvesPanel`); `classes()` gives the number of
        classes of the network trained."""
        lines = cls()
        lines._curves, lines._classes = curves, classes
        curves.curves[WATCHED_CURVE].sigPlotChanged.connect(lambda _item: lines.update_lines())
        return lines

    def update_lines(self) -> None:
        """Recompute the lines from the followed panel's current run."""
        self.show_insights(run_insights(self._curves.run, self._classes()))

    def show_insights(self, insights: list[Insight]) -> None:
        if insights == self._insights and self.text():
            return
        self._insights = list(insights)
        if not insights:
            self.setText(f"<span style='color:#596273'>{EMPTY}</span>")
            self._fit_height()
            return
        rows = []
        for insight in insights:
            mark, colour = MARK.get(insight.level, MARK["note"])
            rows.append(f"<span style='color:{colour}'><b>{mark}</b></span> "
                        f"{html.escape(insight.text)}")
        self.setText("<br>".join(rows))
        self._fit_height()

    def _fit_height(self) -> None:
        """Ask for the height every wrapped line needs at the current width (a wrapped label's
        own size hint assumes another width, and the layout would cut the last line)."""
        if self.width() > 0:
            self.setMinimumHeight(self.heightForWidth(self.width()))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit_height()

    def lines(self) -> list[str]:
        """The texts of the lines shown (none in the empty state)."""
        return [insight.text for insight in self._insights]


def with_lines(view: QWidget, lines: InsightLines) -> QWidget:
    """`view` with `lines` under it, as one widget (the lines take only the height they need)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(view, 1)
    layout.addWidget(lines)
    return box
