"""Build the e2e workspace: a one-page paper PDF (made with pymupdf) and a tiny project whose pilot fails.

Usage: python make_fixture.py WORKSPACE_DIR

The paper states a small Transformer's hyperparameters in sentences that parse-paper can cite. The
project ``projects/broken`` follows the train.py contract of run-training (--pilot, --max-steps,
--out-dir, --resume, --ckpt-every) and carries a config.json whose facts quote that paper, so hover
has something to show. Its train.py feeds the encoder's d_model features into a head built for d_ff
inputs, the classic shape mismatch: the pilot fails at its first step with a traceback into the
user's own code, and the fix is to give the head d_model input features.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TITLE = "Tiny Transformers for Toy Sequence Classification"
QUOTES = {
    "d_model": "The model dimension is d_model = 64 and each layer has h = 4 attention heads.",
    "num_layers": "The encoder is a stack of N = 2 identical layers.",
    "d_ff": "The inner feed-forward dimension is d_ff = 256 and we apply dropout with P_drop = 0.1.",
    "learning_rate": "We train with the Adam optimizer with a learning rate of 0.0003.",
    "batch_size": "Each training batch contains 32 sequences.",
}
PARAGRAPHS = [
    TITLE,
    "Ada Example and Alan Sample, Example Institute",
    "Abstract. We study very small Transformer encoders on a synthetic sequence classification task and "
    "show that two layers suffice.",
    "1 Introduction. Transformers need not be large to be useful; we report a tiny configuration.",
    "2 Model. " + QUOTES["num_layers"] + " " + QUOTES["d_model"] + " " + QUOTES["d_ff"],
    "3 Training. " + QUOTES["learning_rate"] + " " + QUOTES["batch_size"] + " We train for 1000 steps.",
    "4 Results. The model reaches 97.5% accuracy on the held-out set.",
]

TRAIN_PY = '''"""Train a tiny classifier (e2e fixture: the pilot fails on purpose with a shape mismatch).

    python train.py --pilot --max-steps 4 --out-dir out
"""

import argparse
import json
import time
from pathlib import Path

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--max-steps", type=int, default=8)
parser.add_argument("--out-dir", default="out")
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=0)
args = parser.parse_args()

config = json.loads(Path(__file__).with_name("config.json").read_text())
section = config["pilot"] if args.pilot else {k: {n: f["value"] for n, f in v.items()} for k, v in config.items()
                                              if k in ("model", "train")}
d_model = section["model"]["d_model"]
d_ff = section["model"]["d_ff"]
batch_size = section["train"]["batch_size"]
out_dir = Path(args.out_dir)
out_dir.mkdir(parents=True, exist_ok=True)
print(f"MLINTERN_TOTAL_STEPS={args.max_steps}", flush=True)

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(16, d_model), nn.ReLU())
head = nn.Linear(d_ff, 2)
optimizer = torch.optim.Adam(list(encoder.parameters()) + list(head.parameters()),
                             lr=section["train"]["learning_rate"])

for step in range(1, args.max_steps + 1):
    x = torch.randn(batch_size, 16)
    y = torch.randint(0, 2, (batch_size,))
    features = encoder(x)
    logits = head(features)
    loss = nn.functional.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with open(out_dir / "metrics.jsonl", "a") as fh:
        fh.write(json.dumps({"step": step, "loss": loss.item(), "time": time.time()}) + "\\n")
'''


def fact(key: str, value: object) -> dict:
    return {"value": value, "page": 1, "quote": QUOTES[key], "source": "paper"}


def make_pdf(path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    y = 72.0
    for index, text in enumerate(PARAGRAPHS):
        size = 16 if index == 0 else 10.5
        rect = pymupdf.Rect(72, y, page.rect.width - 72, y + 200)
        spare = page.insert_textbox(rect, text, fontsize=size, fontname="helv")
        y += 200 - spare + 12
    doc.set_metadata({"title": TITLE, "author": "Ada Example; Alan Sample"})
    doc.save(path)
    doc.close()


def make_project(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "paper": {"title": TITLE, "pdf": "pdfs/tiny-transformers.pdf"},
        "variant": "base",
        "model": {"d_model": fact("d_model", 64), "d_ff": fact("d_ff", 256), "num_layers": fact("num_layers", 2)},
        "train": {"learning_rate": fact("learning_rate", 0.0003), "batch_size": fact("batch_size", 32)},
        "pilot": {"model": {"d_model": 8, "d_ff": 12, "num_layers": 1}, "train": {"learning_rate": 0.0003, "batch_size": 4}},
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "mlintern.json").write_text(json.dumps({"family": "transformer_encoder", "variant": "base"}, indent=2))
    (folder / "train.py").write_text(TRAIN_PY)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[0])
    (root / "pdfs").mkdir(parents=True, exist_ok=True)
    make_pdf(root / "pdfs" / "tiny-transformers.pdf")
    make_project(root / "projects" / "broken")
    print(f"fixture workspace ready: {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
