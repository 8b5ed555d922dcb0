"""Generate ``paper.pdf``: a short, paper-like PDF for mlintern's main job.

    python examples/digits-mlp/make_paper.py   # rewrites examples/digits-mlp/paper.pdf

The paper describes a small multilayer perceptron on scikit-learn's bundled
digits dataset (no download needed), and states its hyperparameters the way
real papers do: in prose and in a table. mlintern's autonomous loop runs on
it in a few minutes on a laptop CPU (see the README's main-job command).
The text lives here, in the project, so the PDF can be rebuilt and checked.
"""

from __future__ import annotations

import sys
from pathlib import Path

TITLE = "A Small Multilayer Perceptron for Handwritten Digit Recognition"

# (kind, text): "title", "authors", "h" (section heading), "p" (paragraph), "table" (caption, rows).
CONTENT: list[tuple] = [
    ("title", TITLE),
    ("authors", "The mlintern authors \u00b7 an example paper shipped with mlintern"),
    ("h", "Abstract"),
    (
        "p",
        "We study a small multilayer perceptron (MLP) for recognising handwritten digits. The network is a "
        "fully connected feed-forward model with two hidden layers and ReLU activations, trained with Adam on "
        "the scikit-learn digits dataset of 8x8 grayscale images. With 26,122 parameters the MLP reaches "
        "97.2% accuracy on the held-out test split in under a minute of CPU training.",
    ),
    ("h", "1 Introduction"),
    (
        "p",
        "Multilayer perceptrons remain the simplest strong baseline for small image classification problems. "
        "This note documents one such baseline completely, so that every value needed to reproduce it is "
        "stated in the text. Section 2 describes the model, Section 3 the training procedure and Section 4 "
        "the results.",
    ),
    ("h", "2 Model"),
    (
        "p",
        "The input is an 8x8 image flattened to a vector of 64 features, with pixel values scaled to the "
        "range from 0 to 1. Our MLP has 2 hidden layers with a hidden size of 128 units. Each hidden layer is a linear map "
        "followed by a ReLU activation and dropout with a rate of 0.1. The output layer is a linear map to the "
        "10 classes, followed by a softmax. The model has 26,122 parameters in total. We use no normalization "
        "layers.",
    ),
    ("h", "3 Training"),
    (
        "p",
        "We train on the digits dataset from scikit-learn (1,797 images of 8x8 pixels in 10 classes), holding "
        "out a fifth of the images as the test split. We use the Adam optimizer with a learning rate of 0.001, "
        "beta1 = 0.9 and beta2 = 0.999, and a batch size of 64. We use a constant learning rate throughout. We train "
        "for a total of 1,000 training steps (about 45 passes over the training set) with a weight decay of "
        "0.0001 and minimise the cross-entropy loss. Table 1 summarises the hyperparameters.",
    ),
    (
        "table",
        "Table 1: Hyperparameters of the MLP.",
        [
            ("Hyperparameter", "Value"),
            ("Hidden layers", "2"),
            ("Hidden units", "128"),
            ("Activation", "ReLU"),
            ("Dropout", "0.1"),
            ("Optimizer", "Adam"),
            ("Learning rate", "0.001"),
            ("Batch size", "64"),
            ("Training steps", "1,000"),
            ("Epochs", "45"),
            ("Weight decay", "0.0001"),
        ],
    ),
    ("h", "4 Results"),
    (
        "p",
        "After 1,000 steps the training loss falls from 2.30 to below 0.05 and the MLP classifies 97.2% of the "
        "test images correctly. Training takes about 30 seconds on one CPU core.",
    ),
    ("h", "5 Conclusion"),
    (
        "p",
        "A two-hidden-layer MLP is a fast and reproducible baseline for the digits dataset. Every value above "
        "is stated so that an automatic reproduction needs no guesswork.",
    ),
]

WIDTH, HEIGHT, MARGIN = 612, 792, 72  # US letter, one-inch margins
FONTS = {
    "title": ("Times-Bold", 16),
    "authors": ("Times-Italic", 10.5),
    "h": ("Times-Bold", 12),
    "p": ("Times-Roman", 10.5),
    "cell": ("Times-Roman", 10.5),
    "head": ("Times-Bold", 10.5),
}


class _Writer:
    """A cursor over pages: wraps words with the base-14 Times fonts (nothing embedded)."""

    def __init__(self, doc) -> None:
        self.doc = doc
        self.page = None
        self.y = HEIGHT

    def need(self, height: float) -> None:
        if self.page is None or self.y + height > HEIGHT - MARGIN:
            self.page = self.doc.new_page(width=WIDTH, height=HEIGHT)
            self.y = MARGIN

    def lines(self, text: str, font: str, size: float, width: float) -> list[str]:
        import pymupdf

        out, line = [], ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if line and pymupdf.get_text_length(trial, fontname=font, fontsize=size) > width:
                out.append(line)
                line = word
            else:
                line = trial
        return out + ([line] if line else [])

    def text(self, text: str, kind: str, *, center: bool = False, gap: float = 6) -> None:
        import pymupdf

        font, size = FONTS[kind]
        for line in self.lines(text, font, size, WIDTH - 2 * MARGIN):
            self.need(size * 1.35)
            x = (
                (WIDTH - pymupdf.get_text_length(line, fontname=font, fontsize=size)) / 2
                if center
                else MARGIN
            )
            self.page.insert_text((x, self.y + size), line, fontname=font, fontsize=size)
            self.y += size * 1.35
        self.y += gap

    def table(self, caption: str, rows: list[tuple[str, str]]) -> None:
        """A ruled-less table (booktabs style: three horizontal rules), caption above, as papers do."""
        size, row_h = FONTS["cell"][1], FONTS["cell"][1] * 1.5
        self.need(row_h * (len(rows) + 2))
        self.text(caption, "p", center=True, gap=2)
        left, mid, right = MARGIN + 120, MARGIN + 260, MARGIN + 348
        self.page.draw_line((left, self.y), (right, self.y), width=0.8)
        for i, (a, b) in enumerate(rows):
            font = FONTS["head"][0] if i == 0 else FONTS["cell"][0]
            self.page.insert_text((left + 4, self.y + size + 2), a, fontname=font, fontsize=size)
            self.page.insert_text((mid + 4, self.y + size + 2), b, fontname=font, fontsize=size)
            self.y += row_h
            if i == 0:
                self.page.draw_line((left, self.y), (right, self.y), width=0.5)
        self.page.draw_line((left, self.y), (right, self.y), width=0.8)
        self.y += 10


def make(out: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    writer = _Writer(doc)
    for item in CONTENT:
        kind = item[0]
        if kind == "table":
            writer.table(item[1], item[2])
        elif kind == "h":
            writer.need(70)  # keep a heading with the start of its section
            writer.y += 4
            writer.text(item[1], "h", gap=2)
        else:
            writer.text(item[1], kind, center=kind in {"title", "authors"}, gap=10 if kind != "p" else 6)
    doc.set_metadata(
        {
            "title": TITLE,
            "author": "The mlintern authors",
            "creator": "mlintern make_paper.py",
            "producer": "PyMuPDF",
            "creationDate": "D:20260101000000Z",
            "modDate": "D:20260101000000Z",
        }
    )
    doc.save(str(out), garbage=4, deflate=True, no_new_id=True)
    doc.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("paper.pdf")
    print(make(target))
