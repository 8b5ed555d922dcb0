"""Dataset variants: models the paper presents as its own architecture for a secondary dataset.

A paper whose main experiments use one dataset often builds other depths of its
model for a second one ("We further explore n = 18 that leads to a 110-layer
ResNet" in a CIFAR-10 section; "our 250-layer model only has 15.3M parameters").
Such a model is a variant, not a training setting: it has its own architecture
and a parameter count, and a user may want to scaffold it. The rule: an
"N-layer" model named in a section (or sentence) about a secondary dataset,
when the paper states its parameter count (in the same sentence, or as an
"N <count>M" table row on that page) and the sentence does not name another
family's model ("the 1001-layer deep ResNet" in a DenseNet paper). The variant
carries the dataset's setting facts (image size, batch size, schedule), and a
growth rate stated for that depth (a configuration tuple of depth and growth rate).
"""

from __future__ import annotations

import re

from mlintern.tools.paper.document import Document
from mlintern.tools.paper.extract import SMALL_DATASETS, make_quote, sentences
from mlintern.tools.paper.grammar import read_items
from mlintern.tools.paper.text import as_json_number

_DEPTH = re.compile(
    r"\b(\d{2,4})-\s?layer\b(?:(?:\s+(?:deep|residual|plain|dense))*\s+(?P<name>[A-Z][\w-]*))?"
)
_COUNT = r"(\d+(?:\.\d+)?)\s?M\b"
_DATASET_NAME = re.compile(r"\b(?:CIFAR-10{1,2}|CIFAR|SVHN|MNIST)\b")


def dataset_variants(document: Document, settings: dict[str, dict], family: str) -> dict[str, dict]:
    """``{name: {key: fact}}`` for the depths the paper builds for a secondary dataset it has a setting for."""
    out: dict[str, dict] = {}
    for s in sentences(document):
        other = SMALL_DATASETS.search(s.section) or SMALL_DATASETS.search(s.text)
        if not other or other.group(1) not in settings or s.caption or s.table_caption:
            continue
        for m in _DEPTH.finditer(s.text):
            if m.group("name") and family.lower() not in m.group("name").lower():
                continue  # another family's model, named as a comparison
            depth = int(m.group(1))
            params = _params(document, s, depth)
            layers_quote = make_quote(document, s.page, s.text, m.start(), m.end())
            if params is None or not layers_quote:
                continue
            dataset = _DATASET_NAME.search(s.section) or _DATASET_NAME.search(s.text)
            name = _variant_name(document, dataset.group(0) if dataset else other.group(1), depth)
            if name in out:
                continue
            facts = {
                "num_layers": {"value": depth, "page": s.page, "quote": layers_quote, "source": "paper"},
                "num_params": params,
            }
            growth = _growth_rate(document, depth)
            if growth:
                facts["growth_rate"] = growth
            for key, fact in settings[other.group(1)]["facts"].items():
                facts.setdefault(key, fact)
            out[name] = facts
    return out


def _variant_name(document: Document, dataset: str, depth: int) -> str:
    """ "CIFAR10 ResNet110": the dataset and the name the paper's table row gives the model of that depth, as model
    zoos write it; a row name carrying a configuration ("DenseNet-BC (k = 24)") names it by symbols, and the depth
    joins them ("CIFAR DenseNet-BC L250 k24"). Without a row, the depth alone: "CIFAR-10 110-layer"."""
    data = dataset.replace("-", "")
    row = re.compile(
        rf"(?:^|\s)(?P<label>[A-Z][\w-]*[A-Za-z])(?:\s*\((?P<cfg>[^()]{{1,30}})\))?\s+{depth}\s+{_COUNT}"
    )
    for page in document.body_pages():
        for line in page.lines():
            m = row.search(line.text)
            if not m:
                continue
            if not m.group("cfg"):
                return f"{data} {m.group('label')}{depth}"
            items = re.findall(r"([A-Za-z])\s*=\s*(\d+)", m.group("cfg"))
            if not items:
                continue
            return " ".join([data, m.group("label"), f"L{depth}", *(f"{k}{v}" for k, v in items)])
    return f"{dataset} {depth}-layer"


def _params(document: Document, s, depth: int) -> dict | None:
    """The stated parameter count of the ``depth``-layer model: in its sentence, else a table row on its page."""
    m = re.search(rf"\b{depth}-\s?layer\b[^.]*?{_COUNT}", s.text)
    if m:
        quote = make_quote(document, s.page, s.text, m.start(), m.end())
        if quote:
            return {
                "value": as_json_number(float(m.group(1)) * 1e6),
                "page": s.page,
                "quote": quote,
                "source": "paper",
            }
    page = document.pages[s.page - 1]
    row = re.search(rf"(?<![\d.]){depth}\s+{_COUNT}", page.text)
    if row:
        quote = " ".join(row.group(0).split())
        if document.verify(s.page, quote):
            return {
                "value": as_json_number(float(row.group(1)) * 1e6),
                "page": s.page,
                "quote": quote,
                "source": "table",
            }
    return None


def _growth_rate(document: Document, depth: int) -> dict | None:
    """A configuration tuple ("{L=100, k=12}", "(100 layers, growth rate 12)") that pairs this depth with a
    growth rate: read by the general tuple grammar."""
    for s in sentences(document):
        for m in re.finditer(r"[{(]([^(){}]{3,80})[)}]", s.text):
            facts = read_items(m.group(1))
            if (
                facts.get("num_layers") == depth
                and "growth_rate" in facts
                and document.verify(s.page, m.group(0))
            ):
                return {"value": facts["growth_rate"], "page": s.page, "quote": m.group(0), "source": "paper"}
    return None
