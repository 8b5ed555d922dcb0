"""The architecture family, decided from what the paper says about its own model.

Evidence counts three times in the title and abstract (where a paper names
what it proposes) and once in the body; the family with the most weight
wins, and its evidence sentences are returned with their pages. A plain deep
CNN with no named architecture falls back to ``alexnet`` (the generic
conv-stack template); fewer than ``MIN_SCORE`` points of evidence is ``other``
(a method paper such as a normaliser that names architectures only in passing).
"""

from __future__ import annotations

import re

from mlintern.tools.paper.document import Document
from mlintern.tools.paper.extract import make_quote, sentences

# a multilayer perceptron as the model itself: named ("multilayer perceptron (MLP)", but not "MLP-Mixer") or
# described ("a fully connected feed-forward network with two hidden layers")
MLP_CUE = (
    r"\bmulti-?layer perceptrons?\b|\bMLPs?\b(?!-)|(?:fully[- ]connected|feed-?forward)\b[^.]{0,40}?"
    r"\b(?:network|net|model)s?\b[^.]{0,30}?\bwith (?:one|two|three|four|five|six|a single|several|\d+) "
    r"(?:fully[- ]connected )?hidden layers?"
)
FAMILY_CUES: list[tuple[str, str]] = [
    ("vit", r"vision transformers? \(ViT\)|\bViT\b"),
    ("swin", r"\bSwin Transformer"),
    ("convnext", r"\bConvNeXts?\b"),
    (
        "mlp_mixer",
        r"\bMLP-Mixer\b|\b(?:based|built)\s+(?:\w+\s+)?(?:up)?on\s+(?:multi-?layer perceptrons|MLPs)\b|"
        r"\b(?:all|pure)-?MLP\b|\btoken-mixing\b",
    ),
    (
        "transformer_decoder",
        r"decoder-only|\bGPT\b|autoregressive|left-to-right|(?<!masked )language model(?:s|ing)?\b",
    ),
    ("transformer_decoder", r"Transformer decoder"),  # not when the sentence also names an encoder (_UNLESS)
    (
        "transformer_encoder",
        r"\b(?:Ro|De)?BERT(?:a)?\b|bidirectional encoder|encoder-only|masked language model",
    ),
    (
        "transformer_seq2seq",
        r"\bTransformer\b[^.]{0,80}(?:encoder|decoder\b|translation)|(?:encoder|decoder|translation)"
        r"[^.]{0,80}\bTransformer\b|sequence transduction",
    ),
    (
        "transformer_seq2seq",
        r"encoder-decoder Transformer|Transformer encoder-decoder|sequence-to-sequence Transformer",
    ),
    ("resnet", r"residual learning|residual networks?|\bResNets?\b"),
    ("densenet", r"\bDenseNets?\b|dense convolutional network"),
    ("mobilenet", r"\bMobileNet(?:V\d)?\b"),
    ("efficientnet", r"\bEfficientNets?\b"),
    ("googlenet", r"\bInception\b|\bGoogLeNet\b"),
    (
        "vgg",
        r"\bVGG(?:Net|-?\d+)?\b|very deep convolutional networks|very small \(3\s?×\s?3\) convolution filters",
    ),
    ("unet", r"\bU-Net\b"),
    ("yolo", r"\bYOLO\b"),
    ("gan", r"generative adversarial|adversarial (?:nets|networks|process)"),
    ("vae", r"variational auto-?encoder"),
    ("word2vec", r"\bword2vec\b|skip-gram|continuous bag-of-words"),
    ("lenet", r"\bLeNet(?:-\d)?\b"),
    (
        "rnn_seq2seq",
        r"(?:LSTM|recurrent neural network|RNN)s?[^.]{0,120}(?:encoder|decode|sequence to sequence|"
        r"sequence-to-sequence|target sequence)",
    ),
    ("alexnet", r"(?:large|deep) convolutional neural network"),
    ("mlp", MLP_CUE),
]
_CUES = [(fam, re.compile(rx, re.I)) for fam, rx in FAMILY_CUES]
# a Transformer decoder next to an encoder is one half of an encoder-decoder, not a decoder-only model
# and an MLP that is one part of a larger model (a Transformer's MLP block, ViT's MLP head, a GAN's MLP
# generator, the MLP inside an attention or convolutional network) is not the paper's architecture
_UNLESS = {
    r"Transformer decoder": re.compile(r"\bencoder", re.I),
    MLP_CUE: re.compile(
        r"\bMLPs? (?:head|block|layer|module|sub-?layer|size|width|ratio|dim\w*|projection)s?\b|"
        r"\bhead\b|Mixer|attention|Transformer|position-wise|convolution|encoder|decoder|"
        r"generator|discriminat|adversarial",
        re.I,
    ),
}
# cues that name the architecture's structure outright count double: "an encoder-decoder Transformer" says more
# than a passing "language model" (which an encoder-decoder's decoder also is)
_EXPLICIT = re.compile(
    r"decoder-only|encoder-only|encoder-decoder Transformer|Transformer encoder-decoder|"
    r"sequence-to-sequence Transformer",
    re.I,
)
_OWN = re.compile(r"\b(?:we|our|this paper|this work)\b", re.I)
# the abstract's proposal sentence ("We present X, an architecture built upon ...") names the paper's own
# architecture; a family named there (before any comparison: "... faster than ResNet-50") is the paper's
_PROPOSE = re.compile(
    r"\b(?:we|this paper|this work)\s+(?:\w+\s+)?(?:propose|present|introduce|describe|develop)s?\b", re.I
)
_COMPARISON = re.compile(
    r"\b(?:than|compared|outperform\w*|as well as|on par|similar to|unlike|instead of|"
    r"rather than|with the efficient)\b",
    re.I,
)
# a recurrent or linear-attention sequence model is none of the canonical families: named in the proposal
# sentence, it makes the family `other` (a language model that is not a Transformer)
_RECURRENT = re.compile(
    r"\bRNNs\b|\brecurrent neural networks\b|\blinear attention\b|\bstate[- ]space models?\b", re.I
)
MIN_SCORE = 4.0  # a couple of passing mentions (related work) do not make a family


def detect_family(document: Document) -> dict:
    """``{"value", "evidence": [{"page", "quote"}]}`` for the paper's own architecture (computed once)."""
    if "family" not in document.cache:
        document.cache["family"] = _detect_family(document)
    return document.cache["family"]


def _detect_family(document: Document) -> dict:
    scores: dict[str, float] = {}
    evidence: dict[str, list[dict]] = {}
    sents = sentences(document)
    front = _front_matter_end(document, sents)
    for s in sents:
        weight = 3.0 if s.index < front else 1.0
        for fam, rx in _CUES:
            m = rx.search(s.text)
            unless = _UNLESS.get(rx.pattern)
            if not m or (unless and unless.search(s.text)):
                continue
            scores[fam] = scores.get(fam, 0.0) + weight * (2 if _EXPLICIT.fullmatch(m.group(0)) else 1)
            if len(evidence.setdefault(fam, [])) < 8:
                quote = make_quote(document, s.page, s.text, m.start(), m.end())
                if quote:
                    evidence[fam].append({"page": s.page, "quote": quote})
    title = document.title or ""
    for fam, rx in _CUES:
        if title and rx.search(title):
            scores[fam] = scores.get(fam, 0.0) + 6.0
    scores = {f: v for f, v in scores.items() if evidence.get(f)}
    document.cache["family_scores"] = scores
    if not scores or max(scores.values()) < MIN_SCORE:
        return {"value": "other", "evidence": []}
    best = max(scores, key=lambda f: (scores[f], -[c[0] for c in FAMILY_CUES].index(f)))
    best = _beyond_mlp(scores, best)
    proposed = _proposed(document, sents[:front])
    if proposed == "other":
        return {"value": "other", "evidence": document.cache.get("family_proposal", [])}
    if proposed:
        scores[proposed] = scores.get(proposed, 0.0) + 3.0  # the proposal sentence counts twice
    if proposed and scores[proposed] >= MIN_SCORE:
        best = proposed
    # the paper's own words about its model make the best evidence: "we propose", "our network"
    ranked = sorted(evidence[best], key=lambda e: (not _OWN.search(e["quote"]), len(e["quote"]) < 40))
    return {"value": best, "evidence": ranked[:3]}


def _proposed(document: Document, front) -> str | None:
    """The one family the abstract's proposal sentences name for the paper's own model, else None."""
    named: set[str] = set()
    quotes: list[dict] = []
    for s in front:
        m = _PROPOSE.search(s.text)
        if not m:
            continue
        cut = _COMPARISON.search(s.text, m.end())
        own = s.text[: cut.start()] if cut else s.text
        fams = {fam for fam, rx in _CUES if rx.search(own)}
        if "mlp_mixer" in fams:  # an all-MLP vision model is the more specific reading of "MLP"
            fams.discard("mlp")
        if not fams and _RECURRENT.search(s.text):
            fams = {"other"}
            quote = make_quote(document, s.page, s.text, 0, len(s.text))
            if quote:
                quotes.append({"page": s.page, "quote": quote})
        named |= fams
    document.cache["family_proposal"] = quotes
    return named.pop() if len(named) == 1 else None


def _beyond_mlp(scores: dict[str, float], best: str) -> str:
    """MLPs are the building block of GANs, VAEs and Transformers, and papers about those say "multilayer
    perceptron" often: another family with half the MLP evidence is the architecture the MLPs are part of."""
    if best != "mlp":
        return best
    rivals = [f for f, v in scores.items() if f != "mlp" and v >= max(MIN_SCORE, scores["mlp"] / 2)]
    return max(rivals, key=scores.get) if rivals else best


def _front_matter_end(document: Document, sents) -> int:
    """Index of the first sentence after the abstract (the introduction's heading page or the 12th sentence)."""
    intro = next((s for s in document.sections if s.title.lower().startswith("intro")), None)
    for s in sents:
        if intro and (s.page > intro.page or s.text.lower().startswith(("1 introduction", "introduction"))):
            return s.index
        if s.index >= 25:
            return s.index
    return len(sents)


def family_warning(document: Document, family: str) -> str | None:
    """A second architecture of the same kind with real weight (a method applied to both GPT and RoBERTa
    models): the single family is then a simplification, and the spec says so."""
    scores = document.cache.get("family_scores", {})
    pair = {"transformer_encoder", "transformer_decoder"}  # an encoder-decoder's decoder is no second model
    if family not in pair or family not in scores:
        return None
    other = (pair - {family}).pop()
    score = scores.get(other, 0.0)
    if score < MIN_SCORE or score < scores[family] / 4:
        return None
    return (
        f"family: the paper also uses {other} models (evidence {score:.0f} against {scores[family]:.0f} for "
        f"{family}); {family} is the main one, not the only one."
    )
