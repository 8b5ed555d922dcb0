"""Sizes a paper gives by name instead of by number: a published tokenizer, a well-known dataset.

"We use the GPT-2 tokenizer" fixes the vocabulary at 50,257 as surely as a number would; "trained on
ImageNet-1k" fixes 1,000 classes. These are public facts about named artefacts, so the value is
``inferred`` with the rule and the words that name it (never ``paper``: the paper did not write the
number). Only names of artefacts are matched, never a paper's title or one paper's sentence.
"""

from __future__ import annotations

import re

from mlintern.tools.scaffold import facts as F

# (pattern over the spec's text, value, the public fact)
TOKENIZERS = [
    (
        r"\bGPT-?[23]\b[^.]{0,40}\b(?:tokeni[sz]er|BPE|byte[- ]pair|vocabular)|"
        r"\b(?:tokeni[sz]er|BPE|byte[- ]pair|vocabular)\w*[^.]{0,40}\bGPT-?[23]\b",
        50257,
        "GPT-2/GPT-3's byte-level BPE has 50,257 tokens",
    ),
    (r"\br50k_base\b|\bp50k_base\b", 50257, "OpenAI's r50k/p50k BPE has 50,257 tokens"),
    (
        r"\bGPT-?NeoX\b[^.]{0,40}\btokeni[sz]er|\btokeni[sz]er\b[^.]{0,40}\bGPT-?NeoX\b",
        50277,
        "the GPT-NeoX-20B tokenizer has 50,277 tokens",
    ),
    (r"\bcl100k\b", 100277, "OpenAI's cl100k_base BPE has 100,277 tokens"),
    (
        r"\bBERT(?:-base|-large)?\b[^.]{0,40}\b(?:tokeni[sz]er|WordPiece|vocabular)|\bWordPiece\b",
        30522,
        "BERT's (uncased) WordPiece vocabulary has 30,522 tokens",
    ),
    (
        r"\b(?:LLaMA|Llama)\b[^.]{0,30}\btokeni[sz]er\b",
        32000,
        "LLaMA's SentencePiece tokenizer has 32,000 tokens",
    ),
    (
        r"\bT5\b[^.]{0,30}\b(?:tokeni[sz]er|vocabular|SentencePiece)",
        32128,
        "T5's SentencePiece vocabulary has 32,128 entries (32,000 pieces + 128 sentinels, as released)",
    ),
    (
        r"\ba\s+GPT(?:-?[23])?\b(?:[- ]style)?\s+(?:language\s+)?model|\bGPT(?:-?[23])?\s+language\s+model",
        50257,
        "a GPT language model uses GPT-2/3's byte-level BPE of 50,257 tokens unless it says otherwise",
    ),
]
DATASET_CLASSES = [
    (
        r"\bImageNet-?2[12][kK]\b|\bImageNet-21,?841\b|\bfull ImageNet\b",
        21841,
        "ImageNet-21k (fall 2011 release) has 21,841 classes",
    ),
    (r"\bImageNet(?:-?1[kK])?\b|\bILSVRC(?:[- ]?20\d\d)?\b", 1000, "ImageNet-1k (ILSVRC) has 1,000 classes"),
    (r"\bCIFAR-?100\b", 100, "CIFAR-100 has 100 classes"),
    (r"\bCIFAR-?10\b(?!0)", 10, "CIFAR-10 has 10 classes"),
    (r"\b(?:Fashion-)?MNIST\b|\bSVHN\b", 10, "MNIST, Fashion-MNIST and SVHN have 10 classes"),
]


def _snippet(text: str, m: re.Match) -> str:
    start = max(text.rfind(".", 0, m.start()) + 1, m.start() - 80)
    end = text.find(".", m.end())
    end = min(end if end >= 0 else len(text), m.end() + 80)
    return F.one_line(text[start:end], 120)


def _find(table: list, text: str) -> tuple[int, str] | None:
    for pattern, value, fact in table:
        m = re.search(pattern, text or "")
        if m:
            return value, f'{fact}; named in the paper: "{_snippet(text, m)}"'
    return None


def tokenizer_vocab(text: str) -> tuple[int, str] | None:
    """(vocabulary size, rule) when the text names a published tokenizer."""
    return _find(TOKENIZERS, text)


def dataset_classes(text: str) -> tuple[int, str] | None:
    """(number of classes, rule) when the text names a classification dataset of public size."""
    return _find(DATASET_CLASSES, text)
