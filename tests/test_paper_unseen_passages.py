"""Unseen material: hyperparameter passages of public ML papers and model cards that are not among the PDFs in
../shared/papers, set as one-page PDFs (prose lines and table cells where the source has a table) and read by the
whole parse-paper pipeline (`build_spec`).

How this set was made (issue 11 round 5, helper `parse`): the passages were found with a search over public web
pages (arXiv HTML renderings, model cards, article tables), the expected values were written by hand from each
passage BEFORE the code was run on it, and then the code was run and the figure recorded (docs/parse-paper.md,
"Unseen passages"). Each passage quotes at most a few sentences or rows of its source, with the source's URL.
Where a source writes LaTeX (`\\beta_{1}`), the passage writes the symbol a PDF shows (β1).

Counting, per passage: a value in the expected scope equal to the expected one is *correct*; absent, *missed*;
different, *wrong*; a paper-wide value for a key the passage states only for another regime or not at all
(`not_paper_wide`) is *invented*.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import read_pdf
from test_paper_helpers import unicode_font


@dataclass
class Passage:
    name: str
    url: str
    prose: list[str] = field(default_factory=list)  # paragraphs
    table: list[list[str]] = field(default_factory=list)  # header row first
    caption: str = ""
    after_prose: list[str] = field(default_factory=list)
    hp: dict = field(default_factory=dict)  # paper-wide values
    variants: dict = field(default_factory=dict)  # name -> {key: value}
    settings: dict = field(default_factory=dict)  # setting name (a word it must contain) -> {key: value}
    not_paper_wide: tuple = ()
    title: str = "A Study of Models Trained for This Test"


PASSAGES = [
    Passage(
        "fast-weight-lm-settings",
        "https://aitopics.org/doc/conferences:ECDB3902",
        prose=[
            "A.1 Experimental Settings",
            "All language models in Table 1 have the same Transformer configuration: a 16-layer model with a hidden "
            "size of 128 with 8 heads, and a feed-forward dimension of 2048. We use a dropout rate of 0.1. The batch "
            "size is 96 and we train for about 120 epochs with Adam optimiser with an initial learning rate of "
            "0.00025 and 2000 learning rate warm-up steps.",
        ],
        hp={
            "num_layers": 16,
            "d_model": 128,
            "num_heads": 8,
            "d_ff": 2048,
            "dropout": 0.1,
            "batch_size": 96,
            "epochs": 120,
            "optimizer": "adam",
            "learning_rate": 0.00025,
            "warmup_steps": 2000,
        },
    ),
    Passage(
        "roberta-hindi-training-procedure",
        "https://huggingface.co/spaces/flax-community/roberta-hindi/resolve/11ffa2b89cdd14442e41d4c4d54da927b4f16681"
        "/About/training_procedure.md",
        prose=[
            "Training procedure",
            "The texts are tokenized using a byte version of Byte-Pair Encoding (BPE) and a vocabulary size of 50265.",
            "The model was trained for 42K steps with a batch size of 128 and a sequence length of 128. The optimizer "
            "used is Adam with a learning rate of 6e-4, β1 = 0.9, β2 = 0.98 and ϵ = 1e-6, a weight decay of 0.01, "
            "learning rate warmup for 24,000 steps and linear decay of the learning rate after.",
        ],
        hp={
            "vocab_size": 50265,
            "train_steps": 42000,
            "batch_size": 128,
            "context_length": 128,
            "optimizer": "adam",
            "learning_rate": 6e-4,
            "adam_beta1": 0.9,
            "adam_beta2": 0.98,
            "adam_eps": 1e-6,
            "weight_decay": 0.01,
            "warmup_steps": 24000,
            "lr_schedule": "linear",
        },
    ),
    Passage(
        "roberta-small-data-model-sizes",
        "https://huggingface.co/nyu-mll/roberta-base-10M-1/blob/main/README.md",
        prose=["The hyperparameters corresponding to model sizes mentioned above are as follows:"],
        table=[
            ["Model Size", "L", "AH", "HS", "FFN", "P"],
            ["BASE", "12", "12", "768", "3072", "125M"],
            ["MED-SMALL", "6", "8", "512", "2048", "45M"],
        ],
        caption="Table 1: (AH = number of attention heads; HS = hidden size; FFN = feedforward network dimension; "
        "P = number of parameters.)",
        after_prose=["For other hyperparameters, we select: Peak Learning rate: 5e-4. Dropout: 0.1."],
        hp={"learning_rate": 5e-4, "dropout": 0.1},
        variants={
            "BASE": {"num_layers": 12, "num_heads": 12, "d_model": 768, "d_ff": 3072, "num_params": 125e6},
            "MED-SMALL": {"num_layers": 6, "num_heads": 8, "d_model": 512, "d_ff": 2048, "num_params": 45e6},
        },
    ),
    Passage(
        "cnn-lstm-parameter-table",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8506757/table/t1",
        table=[
            ["Parameter type", "Optimal", "Test range"],
            ["Word embedding dimension", "100", "50–300"],
            ["Character embedding dimension", "100", "50–300"],
            ["LSTM output size", "300", "100–300"],
            ["Learning rate", "0.001", "0.1–0.001"],
            ["Minibatch size", "20", "10–50"],
            ["Dropout value", "0.5", "0.5–1"],
        ],
        caption="Table 1. Parameter adjustment table.",
        hp={"learning_rate": 0.001, "batch_size": 20, "dropout": 0.5, "embedding_dim": 100},
    ),
    Passage(
        "rnn-hyperparameter-search-table",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8460262/table/table1/",
        table=[
            ["Hyperparameter", "Range", "Value"],
            ["Number of layers", "[1; 3]", "1"],
            ["Hidden size", "[10; 500]", "300"],
            ["Learning rate", "[10–6; 1]", "0.0023"],
            ["L2", "[0; 10]", "0.0052"],
            ["Max. gradient", "[0.1, 2]", "1"],
            ["Dropout", "[0; 0.2]", "0"],
            ["Batch size", "[3; 20]", "12"],
        ],
        caption="Table 1. Hyperparameters of the recurrent network, their search ranges and the selected values.",
        hp={
            "num_layers": 1,
            "d_model": 300,
            "learning_rate": 0.0023,
            "weight_decay": 0.0052,
            "grad_clip": 1,
            "dropout": 0,
            "batch_size": 12,
        },
    ),
    Passage(
        "swin-imagenet-training",
        "https://blog.youkuaiyun.com/qq_37279375/article/details/118880421",
        prose=[
            "Regular ImageNet-1K training. We employ an AdamW optimizer for 300 epochs using a cosine decay learning "
            "rate scheduler and 20 epochs of linear warm-up. A batch size of 1024, an initial learning rate of "
            "0.001, and a weight decay of 0.05 are used.",
        ],
        hp={
            "optimizer": "adamw",
            "epochs": 300,
            "lr_schedule": "cosine",
            "warmup_epochs": 20,
            "batch_size": 1024,
            "learning_rate": 0.001,
            "weight_decay": 0.05,
        },
    ),
    Passage(
        "pythia-model-card-sizes",
        "https://huggingface.co/EleutherAI/pythia-410m-v0",
        table=[
            ["Pythia model", "Layers", "Model Dim", "Heads", "Batch Size", "Learning Rate"],
            ["70M", "6", "512", "8", "2M", "1.0 x 10-3"],
            ["160M", "12", "768", "12", "4M", "6.0 x 10-4"],
            ["410M", "24", "1024", "16", "4M", "3.0 x 10-4"],
            ["1.0B", "16", "2048", "8", "2M", "3.0 x 10-4"],
        ],
        caption="Table 1: Pythia models: layers, model dimension, heads, batch size and learning rate.",
        variants={
            "70M": {
                "num_layers": 6,
                "d_model": 512,
                "num_heads": 8,
                "learning_rate": 1e-3,
                "num_params": 70e6,
            },
            "160M": {
                "num_layers": 12,
                "d_model": 768,
                "num_heads": 12,
                "learning_rate": 6e-4,
                "num_params": 160e6,
            },
            "410M": {
                "num_layers": 24,
                "d_model": 1024,
                "num_heads": 16,
                "learning_rate": 3e-4,
                "num_params": 410e6,
            },
            "1.0B": {
                "num_layers": 16,
                "d_model": 2048,
                "num_heads": 8,
                "learning_rate": 3e-4,
                "num_params": 1e9,
            },
        },
        not_paper_wide=("learning_rate",),
    ),
    Passage(
        "pythia-repo-readme-sizes",
        "https://github.com/EleutherAI/pythia (README, commit 3bb53377f1faff0d277c994eef4cf886c916d93e)",
        table=[
            ["Params", "n_layers", "d_model", "n_heads", "d_head", "Batch Size", "Learning Rate"],
            ["Pythia-125M", "12", "768", "12", "64", "4M", "6e-4"],
            ["Pythia-350M", "24", "1024", "16", "64", "4M", "3e-4"],
            ["Pythia-800M", "16", "2048", "8", "128", "4M", "3e-4"],
            ["Pythia-1.3B", "24", "2048", "16", "128", "4M", "2e-4"],
        ],
        caption="Table 2: Model sizes of the suite.",
        variants={
            "Pythia-125M": {
                "num_layers": 12,
                "d_model": 768,
                "num_heads": 12,
                "d_head": 64,
                "learning_rate": 6e-4,
            },
            "Pythia-350M": {
                "num_layers": 24,
                "d_model": 1024,
                "num_heads": 16,
                "d_head": 64,
                "learning_rate": 3e-4,
            },
            "Pythia-800M": {
                "num_layers": 16,
                "d_model": 2048,
                "num_heads": 8,
                "d_head": 128,
                "learning_rate": 3e-4,
            },
            "Pythia-1.3B": {
                "num_layers": 24,
                "d_model": 2048,
                "num_heads": 16,
                "d_head": 128,
                "learning_rate": 2e-4,
            },
        },
        not_paper_wide=("learning_rate",),
    ),
    Passage(
        "bert-fine-tuning-grid",
        "https://www.nowhere.co.jp/blog/archives/20210521-29957.html (quoting Appendix A.3 of the BERT paper)",
        prose=[
            "A.3 Fine-tuning Procedure",
            "For fine-tuning, we found the following range of possible values to work well across all tasks:",
            "Batch size: 16, 32",
            "Learning rate (Adam): 5e-5, 3e-5, 2e-5",
            "Number of epochs: 2, 3, 4",
        ],
        settings={
            "fine-tuning": {"batch_size": [16, 32], "learning_rate": [5e-5, 3e-5, 2e-5], "epochs": [2, 3, 4]}
        },
        not_paper_wide=("batch_size", "learning_rate", "epochs"),
    ),
    Passage(
        "opt-training-setup",
        "https://aicurious.io/glossary/opt",
        prose=[
            "The model uses an AdamW optimizer and weight decay of 0.1. It follows a linear learning rate schedule, "
            "warming up from 0 to the maximum learning rate over the first 2000 steps in OPT-175B, or over 375M "
            "tokens in the smaller models, and decaying down to 10% of the maximum LR over 300B tokens. The batch "
            "sizes range from 0.5M to 4M depending on the model size.",
        ],
        hp={"optimizer": "adamw", "weight_decay": 0.1, "lr_schedule": "linear"},
        not_paper_wide=("batch_size", "batch_tokens", "warmup_steps"),
    ),
    Passage(
        "pythia-160m-card-prose",
        "https://www.promptlayer.com/models/pythia-160m",
        prose=[
            "The model employs a transformer-based architecture with 12 layers, a model dimension of 768, and 12 "
            "attention heads. It was trained with a batch size of 2M tokens and a learning rate of 6.0 x 10-4.",
        ],
        hp={
            "num_layers": 12,
            "d_model": 768,
            "num_heads": 12,
            "batch_tokens": 2_000_000,
            "learning_rate": 6e-4,
        },
    ),
]


# A second set, collected after the fixes of this round and scored BEFORE anyone looked at what the code reads from
# it (the "before looking" figure of the round, docs/parse-paper.md); its misses are recorded, not tuned away.
HELD_OUT = [
    Passage(
        "dcgan-training-details",
        "https://medium.com/@jonathan_hui/gan-dcgan-deep-convolutional-generative-adversarial-networks-df855c438f "
        "(quoting the DCGAN paper)",
        prose=[
            "All models were trained with mini-batch stochastic gradient descent (SGD) with a mini-batch size of 128. "
            "All weights were initialized from a zero-centered Normal distribution with standard deviation 0.02. In "
            "the LeakyReLU, the slope of the leak was set to 0.2 in all models. While previous GAN work has used "
            "momentum to accelerate training, we used the Adam optimizer with tuned hyperparameters. We found the "
            "suggested learning rate of 0.001, to be too high, using 0.0002 instead. Additionally, we found leaving "
            "the momentum term β1 at the suggested value of 0.9 resulted in training oscillation and instability "
            "while reducing it to 0.5 helped stabilize training.",
        ],
        hp={
            "batch_size": 128,
            "init_std": 0.02,
            "optimizer": "adam",
            "learning_rate": 0.0002,
            "adam_beta1": 0.5,
        },
    ),
    Passage(
        "efficientnetv2-imagenet-settings",
        "https://www.lephongphu.me/ai-expert-roadmap/cv-computer-vision/01_sl-supervised-learning/01_classification"
        "/efficientnetv2",
        prose=[
            "ImageNet training settings: RMSProp optimizer with decay 0.9 and momentum 0.9; batch norm momentum "
            "0.99; weight decay 1e-5. Each model is trained for 350 epochs. Batch size 4096. Learning rate is first "
            "warmed up from 0 to 0.256, and then decayed by 0.97 every 2.4 epochs. We use exponential moving average "
            "with 0.9999 decay rate, RandAugment, Mixup, Dropout and stochastic depth with 0.8 survival probability.",
        ],
        hp={
            "optimizer": "rmsprop",
            "momentum": 0.9,
            "weight_decay": 1e-5,
            "epochs": 350,
            "batch_size": 4096,
            "learning_rate": 0.256,
            "lr_schedule": ("exponential", "step"),
            "stochastic_depth": 0.2,
        },
    ),
    Passage(
        "t5-pretraining-notes",
        "https://leopore.dev/lexicon/t5",
        prose=[
            "Sequence length is 512, batch size is 2048 sequences (2MB input per batch using BPE tokens), with the "
            "model trained for 1M batches.",
        ],
        hp={"context_length": 512, "batch_size": 2048, "train_steps": 1_000_000},
    ),
    Passage(
        "efficientnet-family-sizes",
        "https://github.com/mosaicml/composer/blob/dev/docs/source/model_cards/efficientnet.md",
        title="EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
        table=[
            ["Model Family Member", "Parameter Count", "TPU Repo Accuracy"],
            ["EfficientNet-B0", "5.3M", "77.1%"],
            ["EfficientNet-B1", "7.8M", "79.1%"],
            ["EfficientNet-B2", "9.2M", "80.1%"],
        ],
        caption="Table 1: Family members, their parameter counts and ImageNet accuracy.",
        variants={
            "EfficientNet-B0": {"num_params": 5.3e6},
            "EfficientNet-B1": {"num_params": 7.8e6},
            "EfficientNet-B2": {"num_params": 9.2e6},
        },
    ),
    Passage(
        "roberta-large-card-prose",
        "https://promptlayer.webflow.io/models/roberta-large-a8b1",
        prose=[
            "The model employs a byte-level BPE tokenization with a 50,000-token vocabulary. Training was conducted "
            "on 1024 V100 GPUs for 500K steps, using a batch size of 8K and sequence length of 512.",
        ],
        hp={"vocab_size": 50000, "train_steps": 500000, "batch_size": 8000, "context_length": 512},
    ),
    Passage(
        "pythia-70m-card-prose",
        "https://www.promptlayer.com/models/pythia-70m",
        prose=[
            "It features 6 layers, 512 model dimensions, and 8 attention heads, trained on The Pile dataset. It was "
            "trained for 143,000 steps with a batch size of 2M tokens, using a learning rate of 1.0 x 10^-3.",
        ],
        hp={
            "num_layers": 6,
            "d_model": 512,
            "num_heads": 8,
            "train_steps": 143000,
            "batch_tokens": 2_000_000,
            "learning_rate": 1e-3,
        },
    ),
    Passage(
        "swin-large-config-table",
        "https://deepwiki.com/liuxindazz/mgsg/4.2-swin-large-configurations",
        table=[
            ["Parameter", "Value", "Description"],
            ["EMBED_DIM", "192", "Base embedding dimension for the first stage"],
            ["DEPTHS", "[2, 2, 18, 2]", "Number of transformer blocks in each stage"],
            ["NUM_HEADS", "[6, 12, 24, 48]", "Number of attention heads per stage"],
        ],
        caption="Table 1: Core architecture parameters.",
        hp={"d_model": 192, "num_layers": [2, 2, 18, 2], "num_heads": [6, 12, 24, 48]},
    ),
]


def _pdf(path: Path, p: Passage) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()  # 595 x 842
    page.insert_font(fontname="dv", fontfile=str(unicode_font()))
    y = 60.0
    page.insert_text((50, y), p.title, fontsize=14, fontname="dv")
    y += 30

    def prose(paragraphs: list[str], y: float) -> float:
        for par in paragraphs:
            for line in textwrap.wrap(par, 100):
                page.insert_text((50, y), line, fontsize=9, fontname="dv")
                y += 12
            y += 8
        return y

    y = prose(p.prose, y)
    if p.table:
        widths = [max(len(r[i]) for r in p.table) for i in range(len(p.table[0]))]
        xs, x = [], 50.0
        for w in widths:
            xs.append(x)
            x += max(6 * w, 30) + 14
        y += 6
        for row in p.table:
            for xi, cell in zip(xs, row, strict=True):
                page.insert_text((xi, y), cell, fontsize=8, fontname="dv")
            y += 12
        y += 4
        y = prose([p.caption], y + 4)
    y = prose(p.after_prose, y)
    doc.save(path)
    doc.close()
    return path


def _same(a, b) -> bool:
    if isinstance(
        b, tuple
    ):  # either reading is right ("decayed by 0.97 every 2.4 epochs": step or exponential)
        return any(_same(a, x) for x in b)
    if isinstance(b, list):
        return (
            isinstance(a, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return isinstance(a, (int, float)) and math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-12)
    return a == b


def _norm(name: str) -> str:
    return re.sub(r"[\s\-_]", "", name.lower())


def score(spec: dict, p: Passage) -> dict:
    out = {"correct": 0, "missed": 0, "wrong": 0, "invented": 0, "errors": []}

    def check(facts: dict, expected: dict, label: str) -> None:
        for key, value in expected.items():
            fact = facts.get(key)
            if fact is None:
                out["missed"] += 1
                out["errors"].append(f"missed {label}{key}")
            elif _same(fact["value"], value):
                out["correct"] += 1
            else:
                out["wrong"] += 1
                out["errors"].append(f"wrong {label}{key}={fact['value']!r} (expected {value!r})")

    hp = spec["hyperparameters"]
    check(hp, p.hp, "")
    for name, expected in p.variants.items():
        got = next((v for n, v in spec["variants"].items() if _norm(n) == _norm(name)), None)
        check(got or {}, expected, f"{name}.")
    for word, expected in p.settings.items():
        got = next((s["facts"] for n, s in spec["settings"].items() if word in n.lower()), None)
        check(got or {}, expected, f"settings[{word}].")
    for key in p.not_paper_wide:
        if key in hp:
            out["invented"] += 1
            out["errors"].append(f"invented {key}={hp[key]['value']!r}")
    return out


def read(tmp_path: Path, p: Passage) -> dict:
    path = _pdf(tmp_path / f"{p.name}.pdf", p)
    return build_spec(read_pdf(path), paper_id="unseen", source=str(path))


# After the round's fixes (docs/parse-paper.md, "Unseen passages"): values each passage must keep reading. A
# figure below its floor is a regression; the misses left are listed in the doc.
FLOORS = {
    "fast-weight-lm-settings": 10,
    "roberta-hindi-training-procedure": 12,
    "roberta-small-data-model-sizes": 12,
    "cnn-lstm-parameter-table": 4,
    "rnn-hyperparameter-search-table": 7,
    "swin-imagenet-training": 7,
    "pythia-model-card-sizes": 20,
    "pythia-repo-readme-sizes": 20,
    "bert-fine-tuning-grid": 3,
    "opt-training-setup": 3,
    "pythia-160m-card-prose": 5,
    # set B (held out; before looking 20 of 32, see the doc), after its misses were fixed
    "dcgan-training-details": 5,
    "efficientnetv2-imagenet-settings": 8,
    "t5-pretraining-notes": 3,
    "efficientnet-family-sizes": 3,
    "roberta-large-card-prose": 4,
    "pythia-70m-card-prose": 6,
    "swin-large-config-table": 3,
}


@pytest.mark.parametrize("p", PASSAGES + HELD_OUT, ids=lambda p: p.name)
def test_unseen_passage(tmp_path, p):
    s = score(read(tmp_path, p), p)
    print(p.name, {k: v for k, v in s.items() if k != "errors"}, s["errors"])
    assert s["invented"] == 0, s["errors"]
    assert s["wrong"] == 0, s["errors"]
    assert s["correct"] >= FLOORS.get(p.name, 0), s["errors"]


def figures(tmp_path: Path, passages=PASSAGES) -> dict:  # python -c: the aggregate figure of the doc
    total = {"correct": 0, "missed": 0, "wrong": 0, "invented": 0}
    for p in passages:
        d = tmp_path / p.name
        d.mkdir(parents=True, exist_ok=True)
        s = score(read(d, p), p)
        print(f"{p.name:36} c={s['correct']} m={s['missed']} w={s['wrong']} i={s['invented']}  {s['errors']}")
        for k in total:
            total[k] += s[k]
    print("TOTAL", total)
    return total
