"""The Welcome page: what each tab is for, and the lessons of the notes, each started in one
click. The page only asks (`lesson_requested(key)`); the main window sets the right tab up."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

WELCOME_HTML = """
<h1>Welcome to Playground</h1>
<p>Learn image convolution and convolutional neural networks by doing.</p>
<ul>
<li><b>Filter studio</b>: load an image, draw or pick a kernel on a grid (Gaussian, Sobel with
gradient magnitude and angle, your own) and see the filtered image at once; padding, stride and
an explain mode that shows the arithmetic behind every output pixel.</li>
<li><b>Network builder</b>: assemble a small CNN from convolution, pooling, fully-connected and
softmax blocks by drag and drop, and see every block's output shape and weight count.</li>
<li><b>Training</b>: train that network on the bundled handwritten digits (or your own data)
on a background thread, and watch it learn: loss and accuracy, learned filters, feature maps,
gradients per layer; then draw a digit and see what it thinks.</li>
<li><b>Backprop</b>: follow one forward and backward pass of that network, module by module,
with its numbers: each block's equation, dE/dW and dE/dH, and the update step.</li>
</ul>
<p>Or start with <b>File &gt; Open image…</b> or <b>File &gt; Samples</b>, or use the command
line: <code>playground --help</code>.</p>
"""


@dataclass(frozen=True)
class Lesson:
    """One lesson of the notes: `key` (what the main window sets up), its title, what it
    shows, and the text of its button."""

    key: str
    title: str
    what: str
    button: str


LESSONS = (
    Lesson("gaussian", "1. Blur a photo with the notes' Gaussian",
           "The 7x7 Gaussian with σ = 0.84089642 on a photo: read its weights in the grid, "
           "then switch Explain on and click a pixel to see its 49 products.",
           "Open in the Filter studio"),
    Lesson("sobel_angle", "2. See the direction of every edge",
           "Sobel's Gx and Gy give the gradient; its angle atan2(Gy, Gx) is shown as a colour, "
           "with the legend of the colours beside the kernel list.",
           "Show Sobel's angle"),
    Lesson("reference", "3. Build and train the reference CNN",
           "Convolution, ReLU, pooling and a dense layer on handwritten digits: the network "
           "is loaded; press Train and watch the loss fall and the filters form.",
           "Open it in Training"),
    Lesson("deep_sigmoid", "4. See the vanishing gradient",
           "Deep sigmoid: the gradient shrinks layer by layer and the early layers barely "
           "learn. Train it, look at the gradient norms, then train deep ReLU, the cure.",
           "Deep sigmoid in Training"),
    Lesson("rnn_first_symbol", "5. Unroll a recurrent network: x(t) = f(x(t−1), a(t))",
           "The same cell applied at every time step, drawn unrolled on a sequence that must "
           "remember its first symbol: step through time, read one unit's equation, and see "
           "the error fade on its way back (the LSTM carries it further).",
           "Unroll it in Training"),
    Lesson("tiny_cnn_9x9", "6. Step through backpropagation",
           "One pass of a tiny CNN (a 3x3 convolution on a 9x9 shape with pad 2 and stride 2, "
           "a max pool, a dense output), module by module with its numbers: watch the 36 "
           "contributions of the shared weights add up to dE/dW and the error go back to each "
           "pool's maximum, then check a gradient numerically.",
           "Step through it in Backprop"),
)
EXTRA_BUTTONS = {"deep_sigmoid": ("deep_relu", "Deep ReLU (the cure)")}
"""Lessons with a second button: the lesson key -> (its key, its text)."""


class WelcomePage(QWidget):
    """The empty state: what each tab is for, and one button per lesson.

    Signal: `lesson_requested(key)` with a `Lesson.key` (or "deep_relu")."""

    lesson_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel(WELCOME_HTML)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.buttons: dict[str, QPushButton] = {}
        lessons = QGridLayout()
        lessons.setHorizontalSpacing(16)
        lessons.setVerticalSpacing(10)
        heading = QLabel("<h2>Lessons: one click sets the tab up</h2>")
        lessons.addWidget(heading, 0, 0, 1, 3)
        for row, lesson in enumerate(LESSONS, start=1):
            words = QLabel(f"<b>{lesson.title}</b><br>{lesson.what}")
            words.setWordWrap(True)
            lessons.addWidget(words, row, 0)
            lessons.addWidget(self._button(lesson.key, lesson.button), row, 1,
                              Qt.AlignmentFlag.AlignVCenter)
            if lesson.key in EXTRA_BUTTONS:
                key, text = EXTRA_BUTTONS[lesson.key]
                lessons.addWidget(self._button(key, text), row, 2, Qt.AlignmentFlag.AlignVCenter)
        lessons.setColumnStretch(0, 1)
        body = QWidget()
        body.setMaximumWidth(900)
        column = QVBoxLayout(body)
        column.setContentsMargins(32, 24, 32, 24)
        column.addWidget(self.text)
        column.addLayout(lessons)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _button(self, key: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"lesson_{key}")
        button.clicked.connect(lambda: self.lesson_requested.emit(key))
        self.buttons[key] = button
        return button
