"""The datasets papers name, mapped to loaders with their standard splits.

A generated ``data.py`` receives the registry entry of the paper's dataset (a
plain dict written with ``repr``) and loads it through scikit-learn, torchvision
or Hugging Face ``datasets`` when that is reachable, caching the download. Where
it is not (offline, a manual download such as ImageNet), the project falls back
to an announced stand-in, and the report says the numbers are not comparable.

``lookup(text)`` matches a dataset mention ("the digits dataset from
scikit-learn", "CIFAR-10", "WikiText-103") to an entry by its names and
aliases; the entry's ``metric`` says what the paper's claims on it are usually
measured with, and ``train_size`` feeds the steps of an epoch.
"""

from __future__ import annotations

import re
from typing import Any

# name -> entry. ``aliases`` are lower-case word sequences matched on word boundaries; ``needs`` are words
# that must also occur in the mention (a bare "digits" is MNIST as often as scikit-learn's digits).
REGISTRY: dict[str, dict[str, Any]] = {
    "digits": {
        "loader": "sklearn",
        "id": "load_digits",
        "task": "image",
        "classes": 10,
        "train_size": 1_438,
        "test_fraction": 0.2,
        "offline": True,
        "splits": "no official split: a seeded 20% of the 1,797 images is held out as test",
        "aliases": [
            "digits",
            "digits dataset",
            "digits data",
            "handwritten digits",
            "optical recognition of handwritten digits",
            "load_digits",
        ],
        "needs": ["scikit-learn", "sklearn", "uci", "8x8", "load_digits", "optical recognition"],
    },
    "mnist": {
        "loader": "torchvision",
        "id": "MNIST",
        "task": "image",
        "classes": 10,
        "train_size": 60_000,
        "splits": "the official 60,000 train / 10,000 test split",
        "aliases": ["mnist"],
    },
    "fashion-mnist": {
        "loader": "torchvision",
        "id": "FashionMNIST",
        "task": "image",
        "classes": 10,
        "train_size": 60_000,
        "splits": "the official 60,000 train / 10,000 test split",
        "aliases": ["fashion-mnist", "fashion mnist", "fashionmnist"],
    },
    "cifar-10": {
        "loader": "torchvision",
        "id": "CIFAR10",
        "task": "image",
        "classes": 10,
        "train_size": 50_000,
        "splits": "the official 50,000 train / 10,000 test split",
        "aliases": ["cifar-10", "cifar10", "cifar 10"],
    },
    "cifar-100": {
        "loader": "torchvision",
        "id": "CIFAR100",
        "task": "image",
        "classes": 100,
        "train_size": 50_000,
        "splits": "the official 50,000 train / 10,000 test split",
        "aliases": ["cifar-100", "cifar100", "cifar 100"],
    },
    "svhn": {
        "loader": "torchvision",
        "id": "SVHN",
        "task": "image",
        "classes": 10,
        "train_size": 73_257,
        "splits": "the official 73,257 train / 26,032 test split",
        "aliases": ["svhn", "street view house"],
    },
    "imagenet": {
        "loader": "manual",
        "task": "image",
        "classes": 1000,
        "train_size": 1_281_167,
        "splits": "ILSVRC-2012 train / 50,000 validation (papers report on validation)",
        "manual": "ImageNet needs a manual download (image-net.org) and a torchvision ImageFolder",
        "aliases": ["imagenet", "ilsvrc", "imagenet-1k"],
    },
    "wikitext-103": {
        "loader": "hf",
        "id": "wikitext",
        "config": "wikitext-103-raw-v1",
        "task": "text",
        "train_size": 103_000_000,
        "splits": "the official train / validation / test split",
        "aliases": ["wikitext-103", "wikitext103", "wiki-103"],
    },
    "wikitext-2": {
        "loader": "hf",
        "id": "wikitext",
        "config": "wikitext-2-raw-v1",
        "task": "text",
        "train_size": 2_000_000,
        "splits": "the official train / validation / test split",
        "aliases": ["wikitext-2", "wikitext2"],
    },
    "penn-treebank": {
        "loader": "hf",
        "id": "ptb_text_only",
        "config": None,
        "task": "text",
        "train_size": 887_521,
        "splits": "the Mikolov et al. train / validation / test split",
        "aliases": ["penn treebank", "ptb"],
    },
    "wmt14": {
        "loader": "manual",
        "task": "translation",
        "train_size": 4_500_000,
        "splits": "newstest2014 is the test set papers report BLEU on",
        "manual": "WMT'14 needs the corpus and the paper's subword vocabulary (see README.md)",
        "aliases": ["wmt 2014", "wmt14", "wmt'14", "wmt-14", "newstest2014"],
    },
    "pascal-voc": {
        "loader": "manual",
        "task": "detection",
        "train_size": 16_551,
        "splits": "VOC 2007 test",
        "manual": "PASCAL VOC needs a manual download",
        "aliases": ["pascal voc", "voc 2007", "voc2007", "voc 2012", "pascal-voc"],
    },
    "coco": {
        "loader": "manual",
        "task": "detection",
        "train_size": 118_287,
        "splits": "COCO val2017 / test-dev",
        "manual": "COCO needs a manual download",
        "aliases": ["coco", "ms coco", "ms-coco"],
    },
}


def _has(text: str, phrase: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", text) is not None


def lookup(text: str | None, context: str = "") -> str | None:
    """The registry name of the dataset ``text`` mentions (``context``: the sentence around it), or None."""
    if not text:
        return None
    low, around = str(text).lower(), f"{text} {context}".lower()
    if low in REGISTRY and not REGISTRY[low].get("needs"):
        return low
    for name, entry in sorted(REGISTRY.items(), key=lambda kv: -max(len(a) for a in kv[1]["aliases"])):
        if any(_has(low, a) for a in entry["aliases"]) and (
            not entry.get("needs") or any(n in around for n in entry["needs"])
        ):
            return name
    return None


INPUT_RANGES = {
    "unit": "inputs scaled to [0, 1]",
    "symmetric": "inputs scaled to [-1, 1]",
    "standardize": "inputs standardised with the training split's per-channel mean and standard deviation",
    "center": "the training split's per-channel mean subtracted from the inputs",
}


def entry(name: str | None, protocol: dict | None = None) -> dict[str, Any] | None:
    """What a generated data.py needs to load ``name`` (no aliases), or None for an unknown name.

    ``protocol``: the paper's stated data protocol (parse-paper's ``datasets[].protocol``: facts
    ``{value, page, quote}`` for ``test_fraction``, ``val_fraction``, ``validation``, ``input_range``). What it
    states replaces mlintern's choices: the test fraction of a dataset without an official split, the
    validation hold-out (none when the paper uses none: training uses all the rest, as the paper does) and the
    input scaling; ``followed`` lists each, with its page, for data.py, data.json and the README."""
    if name not in REGISTRY:
        return None
    keep = {k: v for k, v in REGISTRY[name].items() if k not in ("aliases", "needs")}
    out: dict[str, Any] = {"name": name, **keep}
    followed: list[str] = []
    facts = {k: v for k, v in (protocol or {}).items() if isinstance(v, dict) and "value" in v}

    def page(fact: dict) -> str:
        return f"p. {fact.get('page')}" + (", inferred" if fact.get("inferred") else "")

    test = facts.get("test_fraction")
    if (
        test and "test_fraction" in keep and 0 < float(test["value"]) < 1
    ):  # only where there is no official split
        out["test_fraction"] = float(test["value"])
        out["splits"] = (
            f"no official split: a seeded {float(test['value']):.0%} held out as test, as the paper states"
        )
        followed.append(f"test split: {float(test['value']):.0%} held out ({page(test)})")
    val, none = facts.get("val_fraction"), facts.get("validation")
    if val and 0 < float(val["value"]) < 1:
        out["val_fraction"] = float(val["value"])
        followed.append(f"validation: {float(val['value']):.0%} of the training examples ({page(val)})")
    elif none and none.get("value") == "none":
        out["val_fraction"] = 0.0
        followed.append(
            "no validation split: training uses all the rest, "
            + (
                "as the paper states its split and names no validation set"
                if none.get("inferred")
                else "as the paper says"
            )
            + f" (p. {none.get('page')})"
        )
    scaling = facts.get("input_range")
    if scaling and scaling.get("value") in INPUT_RANGES:
        out["input_range"] = scaling["value"]
        followed.append(f"{INPUT_RANGES[scaling['value']]} ({page(scaling)})")
    if followed:
        out["followed"] = followed
    return out


def train_size(name: str | None) -> int | None:
    return (REGISTRY.get(name or "") or {}).get("train_size")


def loader_text(name: str | None) -> str:
    """How data.py would load ``name``, in words (for its docstring and the README)."""
    e = REGISTRY.get(name or "")
    if not e:
        return "no loader: the paper's dataset is not in mlintern's registry"
    return {
        "sklearn": "bundled with scikit-learn, no download",
        "torchvision": f"torchvision.datasets.{e.get('id')}, downloaded once",
        "hf": f"Hugging Face datasets {e.get('id')}/{e.get('config')}, downloaded once",
    }.get(e["loader"], e.get("manual") or "a manual download")
