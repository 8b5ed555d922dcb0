"""The paper's claims, structured: ``results`` (metric, value, unit, dataset, split, setting, page, quote)
and ``datasets`` (what the paper trains and evaluates on).

A result is a number tied to a metric by the field's grammar: "97.2% accuracy",
"a top-1 accuracy of 76.1%", "an error rate of 3.57%", "28.4 BLEU", "a
perplexity of 18.3", "classifies 97.2% of the test images correctly". The
sentence gives the split ("held-out test split", "validation set",
newstest2014 is a test set), the dataset (only one the claim's clause, sentence,
table caption or column names; otherwise none: unstated) and the setting (a variant the spec names,
"single model", "ensemble"). Margins ("by 2 BLEU", "improves ... over") and
other systems' numbers ("[12] reported", "For comparison, ...", "The best
<cited system> achieves", "4.51% vs 4.62%", a section on other methods) are
not claims of the paper. Rows of a results table are read too, ``table:
true``, from the layout's columns (metric from a header or the caption) or from
a table stored as one run of text; only rows labelled with the paper's own
names (variants, the title's name, its acronym or abbreviation, "ours").
``main``: the abstract's first claim (a size range's top end), else a table row
named as the model, else the first claim the paper words as its own on its
main dataset (docs/auto.md has the rules and the figures).

Datasets: the known names (ImageNet, CIFAR-10, WMT 2014, ...) and the
phrases papers use for the others: "the digits dataset from scikit-learn",
"the scikit-learn digits dataset", "the Foo corpus / benchmark".
"""

from __future__ import annotations

import copy
import re
from typing import Any

from mlintern.tools.paper.extract import make_quote, sentences

MAX_RESULTS = 16
MAX_TABLE_RESULTS = 8
# a number that is not part of a name ("top-1", "CIFAR-100", "1/1000", "ResNet50")
_NUM = r"(?<![\w./-])(?<!top )(?P<v>\d{1,3}(?:,\d{3})*(?:\.\d+)?)(?![\w/-])"
_UNIT = r"\s?(?P<u>%|percent\b)?"
_METRIC = (
    r"(?P<m>top-?1 (?:accuracy|error)(?: rate)?|top-?5 (?:accuracy|error)(?: rate)?|BLEU(?: score)?|(?-i:mAP)|"
    r"perplexity|bits per (?:character|byte|token|dim(?:ension)?)|bpc|accuracy|error(?: rates?)?|F1(?: score)?|"
    r"FID|ELBO|log-likelihood|(?-i:EM)|exact match|(?:overall|average|aggregate) score)(?![\w-])"
)
# "97.2% accuracy", "28.4 BLEU", "76.1% top-1 accuracy"
_VALUE_METRIC = re.compile(_NUM + _UNIT + r"\s?(?P<mid>(?:\(?[\w-]+\)?\s){0,2}?)" + _METRIC, re.I)
# "an accuracy of 97.2%", "a top-1 error of 3.57%", "perplexity of 18.3", "BLEU score of 28.4"
_METRIC_VALUE = re.compile(
    _METRIC
    + r"\s(?:(?:rate|score)\s)?(?:of|is|was|=|:|reaches|to)\s(?:only\s|about\s|just\s)?"
    + _NUM
    + _UNIT,
    re.I,
)
# "the test error rate stabilizes after ten passes at 0.95%", "the error drops to 0.8%"
_METRIC_SETTLES = re.compile(
    _METRIC + r"\s(?:(?:rate|score)\s)?(?:stabiliz|settl|converg|plateau|drop|fell|falls|decreas|reach)\w*\s"
    r"(?:[^.;,]{0,60}?\s)?(?:at|to)\s(?:about\s|around\s)?" + _NUM + _UNIT,
    re.I,
)
# "top-1 and top-5 error rates of 37.5% and 17.0%": two claims in one phrase
_PAIR = re.compile(
    r"\btop-?(?P<a>[15]) and top-?(?P<b>[15]) (?:[\w-]+\s){0,2}?(?P<m>accuracy|accuracies|error(?: rates?)?|errors) of\s"
    r"(?P<v>\d{1,3}(?:\.\d+)?)\s?%\s(?:and|/)\s(?P<v2>\d{1,3}(?:\.\d+)?)\s?%",
    re.I,
)
# "classifies 97.2% of the test images correctly"
_CORRECT = re.compile(
    r"\bclassif\w*\s" + _NUM + r"\s?(?P<u>%|percent\b)\s(?:of\s)?(?:the\s)?(?P<what>[\w\s-]{0,40}?)"
    r"\scorrectly",
    re.I,
)
_MARGIN_BEFORE = re.compile(
    r"\b(?:by|over|than|of up to|improv\w*|gain\w*|outperform\w*|upgrade\w*|boost\w*|sacrific\w*|los(?:e|es|ing|t))"
    r"(?: over| more than| about"
    r"| nearly| almost| up to| like| test| validation)?\s*$",
    re.I,
)
_MARGIN_WORDS = re.compile(
    r"\b(?:higher|lower|better|worse|more|less|improvement|gain|absolute|relative|points?)\b", re.I
)
_MARGIN_AFTER = re.compile(
    r"^\s*(?:points?|pp\b|absolute|relative|improvement|higher|lower|better|worse|gain|more|less|drop|"
    r"decrease|increase|reduction)",
    re.I,
)
# not a measured result: a caption or heading number ("Table 5", "5 Error Curves"), a range ("2-3%"), a
# threshold ("<90% error"), or a number cited from other work ("LeNet-5 [21] can reach 99.3%")
_NOT_A_RESULT_BEFORE = re.compile(
    r"(?:\b(?:table|fig\.?|figure|section|sec\.)\s*|\d\s?[-–]\s?|[<>≤≥~]\s?|"
    r"\[\d+(?:[,–-]\s?\d+)*\][^.;]{0,40})$",
    re.I,
)
_HEADING = re.compile(
    r"^\s*\d+(?:\.\d+)*\s+[A-Z][A-Za-z]+(?:\s+[A-Za-z]+){0,5}\s*$"
)  # "5 Error Curves and Conclusions"
_OTHERS = re.compile(
    r"\[\d+(?:,\s?\d+)*\]\s*(?:report|achiev|obtain)|\b(?:they|previous(?:ly)?|prior work|"
    r"state[- ]of[- ]the[- ]art (?:is|was)|baseline (?:of|achieves))\b",
    re.I,
)
# numbers of other systems, said without a citation mark: "For comparison, a phrase-based system achieves",
# "The latter reports", "The second-best contest entry achieved", "4.51% vs 4.62% error" (the second is theirs)
_OTHERS_WORDS = re.compile(
    r"\bfor comparison\b|\b(?:the|this) (?:latter|former)\b|\b(?:second|third|next)[- ]best\b|"
    r"\b(?:competitors?|competing (?:methods?|entries|systems?))\b|\breported by\b",
    re.I,
)
_VERSUS_BEFORE = re.compile(r"\b(?:vs\.?|versus|compared (?:to|with))\s*$", re.I)
# a sentence whose subject is a named system: "The best Fast R-CNN model achieves a mAP of 71.8%"
_SUBJECT = re.compile(
    r"^(?:The\s|A\s)?(?:best\s|strongest\s|original\s)?(?P<n>[A-Z][\w-]*(?:\s[A-Z][\w-]*){0,2})\s"
    r"(?:\w+\s)?(?:achieve[sd]?|reach(?:es|ed)?|obtain(?:s|ed)?|gets?|got|scores?d?|reports?|has|had)\b"
)
# sections that compare with other methods or describe them: their numbers are the paper's only when it
# says so ("our", "we")
_COMPARISON_SECTION = re.compile(
    r"\b(?:comparison|compared|baselines?|related work|prior work|previous work|other (?:classifiers|methods|"
    r"approaches|systems|models))\b",
    re.I,
)
_RESULTS_SECTION = re.compile(r"\b(?:results?|experiments?|evaluation|introduction|abstract)\b", re.I)
_OWN_WORDS = re.compile(r"\b(?:our|ours|we|proposed)\b", re.I)

_SPLITS = [
    (
        "test",
        re.compile(
            r"\btest(?:ing)?(?:\s|-)(?:split|set|data|images|examples|accuracy|error|perplexity)|"
            r"\bheld[- ]out test|\bnewstest|\bon the test\b|\btest-dev\b",
            re.I,
        ),
    ),
    (
        "val",
        re.compile(
            r"\bvalidation\b|\bval(?:idation)?(?:\s|-)?(?:set|split)\b|\bdev(?:elopment)? set\b", re.I
        ),
    ),
    ("train", re.compile(r"\btrain(?:ing)? (?:set |split )?(?:accuracy|error|loss)\b", re.I)),
]
_SETTING = re.compile(
    r"\b(single[- ]model|ensembles?|single[- ]crop|multi[- ]crop|10[- ]crop|fine-?tun\w+|"
    r"from scratch|zero-?shot|few-?shot|pre-?train\w*)\b",
    re.I,
)
_RESULT_CAPTION = re.compile(
    r"\b(?:results?|accuracy|error|BLEU|perplexity|comparison|compared|performance|"
    r"top-1|mAP)\b",
    re.I,
)
_OURS = re.compile(r"\b(?:ours|our (?:model|method|approach|network)|proposed)\b", re.I)

# dataset phrases besides the known names: "<source> <name> dataset", "<name> dataset from <source>",
# "the <Capitalised> dataset/corpus/benchmark"
_SOURCES = r"(?:scikit-learn|sklearn|UCI|torchvision|Hugging ?Face|Kaggle|TensorFlow Datasets|Keras)"
_DS_FROM = re.compile(
    r"\b(?:the\s)?(?P<n>[a-z][\w-]*(?:\s[a-z][\w-]*)?)\s(?:dataset|data set)\s(?:from|of|in|"
    r"bundled with|shipped with|provided by)\s(?:the\s)?(?P<s>" + _SOURCES + r")",
    re.I,
)
_DS_SOURCE = re.compile(
    r"\b(?P<s>" + _SOURCES + r")(?:'s)?\s(?P<n>[a-z][\w-]*(?:\s[a-z][\w-]*)?)\s(?:dataset|data set)", re.I
)
_DS_PROPER = re.compile(
    r"\b(?:the\s)(?P<n>[A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+(?:-\d+)?)\s(?:dataset|corpus|"
    r"benchmark)\b"
)
_NOT_NAMES = {
    "training",
    "test",
    "validation",
    "same",
    "whole",
    "full",
    "entire",
    "new",
    "original",
    "large",
    "small",
    "this",
    "our",
    "each",
    "other",
    "first",
    "second",
    "public",
    "standard",
    "following",
    "held-out",
    "toy",
    "synthetic",
    "image",
    "text",
    "benchmark",
    "the",
    "a",
    "its",
    "their",
}


def _metric_name(raw: str) -> str:
    m = raw.lower().replace("top1", "top-1").replace("top5", "top-5").replace(" score", "")
    m = re.sub(r"\s?rates?$", "", m)
    if m in ("overall", "average", "aggregate"):
        return "score"  # "an overall score of 72.8 on the GLUE benchmark"
    return {
        "bpc": "bits per character",
        "em": "exact match",
        "error": "error",
        "bleu": "BLEU",
        "map": "mAP",
        "f1": "F1",
        "fid": "FID",
        "elbo": "ELBO",
    }.get(m, m)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def datasets_in(document, known: re.Pattern, main: str | None) -> list[dict]:
    """The datasets the paper names: ``{name, page, quote, main}`` (the most-mentioned known one is main)."""
    out: dict[str, dict] = {}
    for s in sentences(document):
        found = [(m.group(1), m.start(), m.end()) for m in known.finditer(s.text)]
        for rx in (_DS_FROM, _DS_SOURCE):
            for m in rx.finditer(s.text):
                if m.group("n").lower().split()[-1] not in _NOT_NAMES:
                    found.append((f"{m.group('n').lower()} ({m.group('s')})", m.start(), m.end()))
        for m in _DS_PROPER.finditer(s.text):
            if m.group("n").lower() not in _NOT_NAMES and not known.search(m.group("n")):
                found.append((m.group("n"), m.start(), m.end()))
        for name, start, end in found:
            key = name.lower()
            if key in out:
                continue
            quote = make_quote(document, s.page, s.text, start, end)
            if quote:
                out[key] = {"name": name, "page": s.page, "quote": quote, "main": name == main}
    named = list(out.values())
    if main is None and named:  # no known name: the phrase-found dataset the paper mentions first is its own
        named[0]["main"] = True
    return named[:20]


def _split_of(text: str) -> str | None:
    for name, rx in _SPLITS:
        if rx.search(text):
            return name
    return None


# "C10+", "C100": the field's short names for CIFAR ("+" marks augmentation)
_NEXT_VALUE = re.compile(r"(?<![\w.-])\d{1,3}(?:\.\d+)?\s?%|" + _NUM + r"\s" + _METRIC, re.I)
_CIFAR_SHORT = re.compile(r"(?<![\w-])C(10|100)\+?(?![\w])")
# "this corpus", "the same dataset": the dataset named last
_ANAPHORA = re.compile(r"\b(?:this|that|the same|the above)\s(?:corpus|dataset|data set|benchmark)\b", re.I)
# "on RTE", "accuracy on SST-2": a benchmark's short name (two capitals or a digit) after "on"
_ON_NAME = re.compile(r"\b[Oo]n\s(?:the\s)?(?P<n>[A-Z][A-Z0-9]+(?:-[A-Za-z0-9]+)?\+?)(?![\w])")
_NOT_BENCHMARKS = re.compile(r"^(?:BLEU|FID|ELBO|EM|F1|GPU|GPUs|TPU|CPU|AI|ML|NLP|CNN|RNN|LSTM|MLP)$")


# A dataset named as pre-training data is not the one a number is measured on: "pre-trained on ImageNet-21K",
# "with JFT-300M pre-training", "ImageNet-22K-pretrained".
_PRETRAIN_BEFORE = re.compile(r"pre-?train(?:ed|ing)?\s(?:only\s)?(?:on|with|using)\s(?:the\s)?$", re.I)
_PRETRAIN_AFTER = re.compile(r"^[\s-]?pre-?train", re.I)
# where a value's own clause ends (the next one often names the next value's dataset)
_CLAUSE_END = re.compile(r",|;|\sand\s|\swhile\s|\swhereas\s|\sbut\s|\swhich\s|\s\(", re.I)


_MODEL_AFTER = re.compile(r"^\s(?:models?|architectures?|networks?|baselines?)\b", re.I)


def _mentions(
    text: str, datasets: list[dict], known: re.Pattern, own: list[str], on_names: bool = True
) -> list[tuple[int, str]]:
    """``(position, name)`` of every dataset ``text`` names (a known name, CIFAR's short one, a dataset the
    paper names elsewhere, "on RTE"), pre-training data, model names ("the best Whisper model") and the
    paper's own names left out; where two overlap, the known name and then the longer one wins."""
    found: list[tuple[int, int, str]] = [(m.start(), 0, m.group(1)) for m in known.finditer(text)]
    found += [(m.start(), 1, f"CIFAR-{m.group(1)}") for m in _CIFAR_SHORT.finditer(text)]
    low = text.lower()
    for d in datasets:
        head = d["name"].split(" (")[0].lower()
        if head and not _names_in(head, own):
            found += [(m.start(), 2, d["name"]) for m in re.finditer(r"\b" + re.escape(head) + r"\b", low)]
    for m in _ON_NAME.finditer(text) if on_names else ():
        name = m.group("n")
        if not _NOT_BENCHMARKS.match(name) and not _names_in(name, own):
            found.append((m.start("n"), 3, name))
    kept: list[tuple[int, str]] = []
    for pos, _, name in sorted(set(found), key=lambda f: (f[0], f[1], -len(f[2]))):
        end = pos + len(name)
        if (
            _PRETRAIN_BEFORE.search(text[max(0, pos - 40) : pos])
            or _PRETRAIN_AFTER.search(text[end : end + 12])
            or _MODEL_AFTER.search(text[end : end + 16])
        ):
            continue
        if any(p <= pos < p + len(n) for p, n in kept):
            continue  # "CIFAR-10" inside "CIFAR-100", "WMT" inside "WMT 2014", a name found twice
        kept.append((pos, name))
    return kept


def _distinct(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n.lower() not in [o.lower() for o in out]:
            out.append(n)
    return out


def _dataset_of(
    text: str,
    start: int,
    end: int,
    value_end: int,
    context: str,
    datasets: list[dict],
    known: re.Pattern,
    previous: str | None = None,
    own: list[str] | None = None,
) -> tuple[str | None, str | None]:
    """``(dataset, how)`` of the value matched at ``text[start:end]`` (its number ends at ``value_end``), only when the text names it: its own clause
    (up to the next value or clause boundary: "28.4 BLEU on the WMT 2014 ...", "3.46% on C10+"), else the
    part of the clause before it ("and CIFAR-100 error rate to 8.7%"), else the sentence (or caption) when
    it names exactly one dataset, else "this corpus" after a sentence that named one. Otherwise ``(None,
    None)``: the dataset is unstated. A paper's main dataset is never attached to a number that does not
    name it: a wrong dataset is worse than none (it makes a claim look comparable when it is not)."""
    own = own or []
    nxt = _NEXT_VALUE.search(text[end:])
    forward = text[start : end + nxt.start()] if nxt else text[start:]
    cut = _CLAUSE_END.search(forward, value_end - start)  # "1% and CIFAR-100 error rate": cut after "1%"
    forward = forward[: cut.start()] if cut else forward
    named = _mentions(forward, datasets, known, own)
    if named:
        return named[0][1], "clause"
    bounds = [m.end() for m in _CLAUSE_END.finditer(text[:start])]
    back = text[bounds[-1] if bounds else 0 : start]
    named = _mentions(back, datasets, known, own)
    if named:
        return named[-1][1], "clause"
    names = _distinct([n for _, n in _mentions(context, datasets, known, own)])
    if len(names) == 1:
        return names[0], "sentence"
    if previous and _ANAPHORA.search(text):
        return previous, "previous"
    return None, None


# Set to a list to record, per result, where its dataset came from (bench/results_datasets.py measures it).
TRACE: list[dict] | None = None


def _trace(row: dict, how: str | None, where: str) -> None:
    if TRACE is not None:
        TRACE.append(
            {k: row.get(k) for k in ("metric", "value", "page", "dataset", "quote")}
            | {
                "how": how,
                "where": where,
            }
        )


def _setting_of(text: str, variants: list[str]) -> str | None:
    for name in sorted(variants, key=len, reverse=True):
        if len(name) > 1 and re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text, re.I):
            return name
    m = _SETTING.search(text)
    return m.group(1).lower() if m else None


class _Second:
    """One value of a two-value phrase ("top-1 and top-5 error rates of 37.5% and 17.0%"), read as a match."""

    def __init__(self, m: re.Match, group: str):
        self.m, self.g = m, group

    def group(self, name: str | int = 0):
        if name == "v":
            return self.m.group(self.g)
        return "%" if name == "u" else self.m.group(name)

    def groupdict(self) -> dict:
        return {}

    def start(self, name: str | int = 0) -> int:
        return self.m.start(self.g) if name == "v" else self.m.start()

    def end(self, name: str | int = 0) -> int:
        return self.m.end()


_COMPARED_TAIL = re.compile(r"\b(?:over|than|compared|including|outperform\w*|vs\.?|versus)\b", re.I)


def _own_part(text: str, end: int) -> str:
    """The sentence up to where it turns to other work ("..., improving over the best results, including
    ensembles"): a setting named after that is theirs."""
    cut = _COMPARED_TAIL.search(text, end)
    return text[: cut.start()] if cut else text


def _matches(text: str):
    pairs = list(_PAIR.finditer(text))
    for m in pairs:
        kind = "accuracy" if m.group("m").lower().startswith("accurac") else "error"
        yield _Second(m, "v"), f"top-{m.group('a')} {kind}"
        yield _Second(m, "v2"), f"top-{m.group('b')} {kind}"
    for rx in (_VALUE_METRIC, _METRIC_VALUE, _METRIC_SETTLES):
        for m in rx.finditer(text):
            if any(p.start() <= m.start("v") < p.end() for p in pairs):
                continue  # read as a pair above
            metric = _metric_name(m.group("m"))
            mid = m.groupdict().get("mid") or ""
            if _MARGIN_WORDS.search(mid):
                continue  # "4.4% higher F1" is a margin
            before = text[max(0, m.start() - 40) : m.start()] if rx is not _VALUE_METRIC else ""
            # "top-5 validation error of 4.49%", "single-model top-1 test accuracy of 76.1%"
            top = re.search(r"top-?([15])\b(?:[\s-][\w-]+){0,2}\s*$", before, re.I) or re.search(
                r"top-?([15])\b", mid, re.I
            )  # "top-5 test error rate of 15.3%"
            if top and metric in ("accuracy", "error"):  # "97% top-5 validation accuracy"
                metric = f"top-{top.group(1)} {metric}"
            yield m, metric
    for m in _CORRECT.finditer(text):
        yield m, "accuracy"


def own_names(document, variants: list[str]) -> list[str]:
    """The names the paper gives its own model: its variants, the title's name before a colon
    ("MobileNetV2: ..."), and the acronym of a title's phrase ("You Only Look Once" -> YOLO)."""
    names = [v for v in variants if len(v) > 1]
    title = (getattr(document, "title", "") or "").strip()
    head = title.split(":")[0].strip() if ":" in title else ""
    if head and len(head.split()) <= 2:
        names.append(head)
    if head and len(head.split()) <= 4:  # "we propose Retentive Network (RetNet)"
        text = " ".join(s.text for s in sentences(document)[:400])
        abbr = re.search(re.escape(head) + r"s?\s\((?P<a>[A-Z][\w-]{1,15})\)", text, re.I)
        if abbr:
            names.append(abbr.group("a"))
    words = re.findall(r"[A-Za-z][\w-]*", head or title)
    caps = [w for w in words if w[0].isupper()]
    if len(caps) >= 3:
        acronym = "".join(w[0] for w in caps).upper()
        text = " ".join(s.text for s in sentences(document)[:400])
        if re.search(r"(?<![\w-])" + acronym + r"(?![\w])", text):
            names.append(acronym)
    return names


def _names_in(text: str, names: list[str]) -> bool:
    return any(re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w])", text, re.I) for n in names)


def _cited(document, name: str) -> bool:
    """Whether the paper cites ``name`` as other work somewhere ("Fast R-CNN [14]", "Inception (Szegedy et al.")."""
    cache = document.cache.setdefault("cited_names", {})
    if name not in cache:
        rx = re.compile(
            r"(?<![\w-])"
            + re.escape(name)
            + r"(?![\w])[^.\[\]]{0,40}?(?:\[\d+(?:[,–-]\s?\d+)*\]|\([A-Z][a-z]+ et al)"
        )
        cache[name] = any(rx.search(s.text) for s in sentences(document))
    return cache[name]


def _others_subject(document, text: str, own: list[str]) -> bool:
    """A sentence whose subject is another, cited system ("The best Fast R-CNN model achieves ...")."""
    m = _SUBJECT.match(text)
    if not m or _OWN_WORDS.search(text):
        return False
    name = m.group("n")
    if name.split()[0].lower() in (
        "this",
        "it",
        "that",
        "these",
        "our",
        "we",
        "the",
        "each",
        "table",
        "figure",
    ):
        return False
    return not _names_in(name, own) and _cited(document, name)


def results_in(
    document,
    known: re.Pattern,
    datasets: list[dict],
    variants: list[str] | None = None,
    abstract_pages: int = 1,
) -> list[dict]:
    """The paper's own reported numbers, first statement of each (metric, value) kept, abstract first."""
    variants = list(variants or [])
    out: list[dict] = []
    seen: set[tuple[str, float]] = set()
    claimed_main = False
    own = own_names(document, variants)
    main_dataset = next((d["name"] for d in datasets if d.get("main")), None)
    last_named: str | None = None
    for s in sentences(document)[:600]:
        text = s.text
        in_table = bool(s.table_caption) and _RESULT_CAPTION.search(s.table_caption) is not None
        if s.table_caption and not in_table:
            continue
        named = [d.group(1) for d in known.finditer(text)]
        previous = last_named
        last_named = named[-1] if named else last_named
        says_own = bool(_OWN_WORDS.search(text)) or _names_in(text, own)
        if _others_subject(document, text, own) and not _OURS.search(text):
            continue  # "The best Fast R-CNN model achieves ...": another, cited system's number
        if not in_table and _COMPARISON_SECTION.search(s.section or "") and not says_own:
            continue  # a section on other methods: its numbers are theirs unless the paper says "our"
        for m, metric in _matches(text):
            if _MARGIN_BEFORE.search(text[: m.start()]) or _MARGIN_AFTER.search(text[m.end() :]):
                continue  # "improving ... by over 2 BLEU" is a margin, not a result
            if _VERSUS_BEFORE.search(text[: m.start()]) or (
                (_OTHERS_WORDS.search(text[: m.start()]) or _OTHERS.search(text[: m.start()]))
                and not _OURS.search(text)
            ):
                continue  # "4.51% vs 4.62% error": the second number is the compared system's
            if _NOT_A_RESULT_BEFORE.search(text[: m.start("v")]) or _HEADING.match(text):
                continue
            value = _number(m.group("v"))
            if value == 0:
                continue  # "BLEU score is 0" marks a failed run
            unit = "%" if m.group("u") else None
            if (
                metric
                in ("accuracy", "top-1 accuracy", "top-5 accuracy", "error", "top-1 error", "top-5 error")
                and not unit
                and value > 1
            ):
                unit = "%" if value <= 100 else None
            if unit == "%" and value > 100:
                continue
            if (metric, value) in seen:
                continue
            quote = make_quote(document, s.page, text, m.start(), m.end())
            if not quote:
                continue
            seen.add((metric, value))
            context = f"{text} {s.table_caption}"
            # only a dataset the text names: "87.7% accuracy on MNLI and 82.1% F1 on SQuAD"
            dataset, how = _dataset_of(
                text, m.start(), m.end(), m.end("v"), context, datasets, known, previous, own
            )
            row = {
                "metric": metric,
                "value": value,
                "unit": unit,
                "dataset": dataset,
                "split": _split_of(m.group(0))
                or _split_of(text[max(0, m.start() - 30) : m.end() + 30])
                or _split_of(context)
                or ("test" if metric == "BLEU" else None),
                "setting": _setting_of(_own_part(text, m.end()), variants),
                "page": s.page,
                "quote": quote,
                "table": in_table,
                "main": False,
                "_own": says_own or bool(_RESULTS_SECTION.search(s.section or "")),
                "_sentence": s.index,
                "_range": bool(_RANGE.search(text[: m.start()])),
                "_main_data": main_dataset is not None and (dataset or main_dataset) == main_dataset,
            }
            _trace(row, how, "prose")
            if in_table and _OURS.search(text):
                row["main"] = True
            elif (
                not claimed_main
                and not in_table
                and row["split"] != "train"
                and s.page <= abstract_pages
                and re.search(r"abstract", s.section or "abstract", re.I)
            ):
                row["main"], claimed_main = True, True
            out.append(row)
            if len(out) >= MAX_RESULTS:
                break
        if len(out) >= MAX_RESULTS:
            break
    labels = label_names(document, own)
    laid_out = table_results(document, known, labels, datasets)
    flat = flat_table_results(document, known, labels, {r["page"] for r in laid_out})
    for row in laid_out + flat:
        if (row["metric"], row["value"]) not in seen and len(out) < MAX_RESULTS + MAX_TABLE_RESULTS:
            seen.add((row["metric"], row["value"]))
            out.append(row)
    _range_top(out)
    return _one_main(out)


# ----------------------------------------------------------------------------- results tables
# A results table read by columns (tools/paper/tables.py): the metric is a column's header ("Top 1", "mAP",
# "Acc.") or the caption's ("Five-shot accuracy", "exact match performance"); the paper's own rows are those
# whose label names its model (title name, variants, "ours"); other rows are baselines and never claims.
_HEADER_METRICS = [
    (re.compile(r"^top[- ]?1(?:\s?acc\w*|\s?err\w*)?\.?(?:\s?\(%\))?$", re.I), "top-1 {kind}"),
    (re.compile(r"^top[- ]?5(?:\s?acc\w*|\s?err\w*)?\.?(?:\s?\(%\))?$", re.I), "top-5 {kind}"),
    (re.compile(r"^(?:m?ap|box ap|mean ap)(?:\s?\(%\))?$", re.I), "mAP"),
    (re.compile(r"^(?:acc\.?|accuracy)(?:\s?\(%\))?$", re.I), "accuracy"),
    (re.compile(r"^(?:err\.?|error(?: rate)?)(?:\s?\(%\))?$", re.I), "error"),
    (re.compile(r"^bleu$", re.I), "BLEU"),
    (re.compile(r"^(?:ppl|perplexity)$", re.I), "perplexity"),
    (re.compile(r"^f1$", re.I), "F1"),
    (re.compile(r"^fid$", re.I), "FID"),
    (re.compile(r"^(?:avg\.?|average)$", re.I), None),  # the caption's metric, averaged over the columns
]
_CAPTION_METRIC = re.compile(
    r"\b(?P<m>top-?1 (?:accuracy|error)|top-?5 (?:accuracy|error)|accuracy|error rates?|BLEU|perplexity|"
    r"exact match|log-likelihood|mAP|F1)\b",
    re.I,
)
_PERCENT_METRICS = (
    "accuracy",
    "error",
    "top-1 accuracy",
    "top-5 accuracy",
    "top-1 error",
    "top-5 error",
    "mAP",
    "exact match",
)
_SHOT = re.compile(r"^(?:\d+|zero|one|few|five)[- ]shot$", re.I)
_CELL_NUMBER = re.compile(r"^(?P<v>\d{1,4}(?:\.\d+)?)\s?%?[*∗†‡]?(?:\s?±\s?\d+(?:\.\d+)?)?$")
_SIZE_CELL = re.compile(r"^\d+(?:\.\d+)?\s?[KMBT]$|×|x\d")


def _table_dataset(caption: str, known: re.Pattern) -> str | None:
    """The dataset a results table's caption names; none when it names several (the pre-training data
    left out): which one a row's number is on is then not said."""
    names = _distinct([n for _, n in _mentions(caption, [], known, [], on_names=False)])
    if len(names) > 1:
        return None
    if names:
        return names[0]
    m = re.match(r"^Table\s*\S+?[:.]\s*(?P<n>[A-Z][\w-]*(?:\s[A-Z][\w-]*){0,2})\.\s", caption)
    if m and not _CAPTION_METRIC.search(m.group("n")):
        return m.group("n")  # "Table 5: TriviaQA. Zero-shot ..."
    m = re.search(r"\((?P<n>[A-Z][A-Z0-9-]{1,12})\)", caption)  # "Massive Multitask ... (MMLU)"
    return m.group("n") if m else None


def _exact_name(label: str, own: list[str]) -> bool:
    """A label that is the model's name itself ("MobileNetV2"), not a size ("65B") or a scaled variant."""
    return not _SIZE_CELL.search(label) and any(label.lower() == n.lower() for n in own)


def _own_label(label: str, own: list[str]) -> bool:
    return bool(_OURS.search(label)) or _names_in(label, own)


def table_results(document, known: re.Pattern, own: list[str], datasets: list[dict]) -> list[dict]:
    """The paper's own rows of its results tables, one claim per metric column (at most 4 per table)."""
    from mlintern.tools.paper.tables import page_tables

    out: list[dict] = []
    for page in document.pages:
        try:
            tables = page_tables(document, page)
        except Exception:  # noqa: BLE001 - a table the layout reader cannot take is not a claim
            continue
        groups: list = []
        for t in tables:  # a table the layout split at a gap continues under the same header
            last = groups[-1] if groups else None
            if (
                last is not None
                and t.caption == last.caption
                and not any((h or "").strip() for h in t.header)
                and len(t.header) <= len(last.header)
            ):
                last.rows = last.rows + t.rows
            else:
                groups.append(copy.copy(t))
        for t in groups:
            caption = t.caption or ""
            cap_metric = _CAPTION_METRIC.search(caption)
            kind = "error" if re.search(r"\berror", caption, re.I) else "accuracy"
            columns: list[tuple[int, str, str | None]] = []  # (index, metric, setting)
            for i, h in enumerate(t.header):
                h = (h or "").strip()
                for rx, name in _HEADER_METRICS:
                    if i and rx.match(h):
                        metric = (
                            name.format(kind=kind)
                            if name
                            else (_metric_name(cap_metric.group("m")) if cap_metric else None)
                        )
                        if metric:
                            columns.append((i, metric, None))
                        break
                else:
                    if i and cap_metric and _SHOT.match(h):
                        columns.append((i, _metric_name(cap_metric.group("m")), h.lower()))
            if not columns and not cap_metric:
                continue
            dataset = _table_dataset(caption, known)
            own_rows = [r for r in t.rows if r.cells and _own_label(r.cells[0].text.strip(), own)]
            exact = [r for r in own_rows if _exact_name(r.cells[0].text.strip(), own)]
            # the row named exactly as the paper's model, and the last (largest) of its rows
            chosen = exact[:1] + [r for r in own_rows[-1:] if r not in exact[:1]]
            found = 0
            for row in chosen:
                cells = [c.text.strip() for c in row.cells]
                label = cells[0]
                if len(cells) > 1 and _SIZE_CELL.search(cells[1]) and len(cells) > len(t.header) - 1:
                    label = f"{label} {cells[1]}"  # "LLaMA 65B"
                picks = columns
                if (
                    not picks
                ):  # the caption's metric, in the row's first numeric column (its header: the setting)
                    nums = [i for i, c in enumerate(cells) if i and _CELL_NUMBER.match(c)]
                    head = t.header[nums[0]].strip() if nums and len(cells) == len(t.header) else ""
                    head = head if re.fullmatch(r"[A-Za-z][\w+-]*(?:[\s-][A-Za-z][\w+-]*)?", head) else ""
                    picks = [(nums[0], _metric_name(cap_metric.group("m")), head or None)] if nums else []
                for i, metric, setting in picks:
                    shift = len(cells) - len(t.header) if len(cells) != len(t.header) else 0
                    j = i + shift if columns else i
                    if not 0 < j < len(cells):
                        continue
                    num = _CELL_NUMBER.match(cells[j])
                    if not num:
                        continue
                    value = _number(num.group("v"))
                    pct = metric in _PERCENT_METRICS
                    quote = next(
                        (
                            q
                            for q in (" ".join(cells[: j + 1]), f"{cells[0]} {cells[j]}", row.text)
                            if document.verify(row.page, q)
                        ),
                        None,
                    )
                    if not quote or (pct and value > 100):
                        continue
                    entry = {
                        "metric": metric,
                        "value": value,
                        "unit": "%" if pct else None,
                        "dataset": dataset,
                        "split": _split_of(caption),
                        "setting": setting or _setting_of(caption, []),
                        "variant": label,
                        "page": row.page,
                        "quote": quote,
                        "table": True,
                        "main": False,
                        "_own": True,
                        "_label_exact": _exact_name(label, own),
                    }
                    _trace(entry, "caption" if dataset else None, "table")
                    out.append(entry)
                    found += 1
                    if found >= 4:
                        break
                if found >= 4:
                    break
    return out


_RANGE = re.compile(r"\branging from\b|\bfrom (?:an? |the )?(?:small|tiny|efficient)\b", re.I)


def _range_top(results: list[dict]) -> None:
    """A main claim stated as a range of model sizes ("ranging from an efficient 3.7M Atto model with 76.7%
    ... to a 650M Huge model that achieves 88.9%"): the headline is the range's top end."""
    main = next((r for r in results if r["main"]), None)
    if main is None or not main.get("_range"):
        return
    same = [r for r in results if r.get("_sentence") == main.get("_sentence") and r["page"] == main["page"]]
    if len(same) > 1:
        main["main"], same[-1]["main"] = False, True


def label_names(document, own: list[str]) -> list[str]:
    """Names a results table may give the paper's model: its own names, and for a short title with no
    colon the title's closing noun phrase ("Generative Adversarial Nets" -> "Adversarial Nets")."""
    title = (getattr(document, "title", "") or "").strip()
    words = title.split()
    extra = [" ".join(words[-2:])] if ":" not in title and 2 < len(words) <= 4 else []
    return own + extra


_FLAT_VALUE = r"(\d{1,5}(?:\.\d+)?)(?:\s?±\s?\d+(?:\.\d+)?)?"


def flat_table_results(document, known: re.Pattern, labels: list[str], skip_pages: set[int]) -> list[dict]:
    """The paper's own row of a results table the PDF stores as one run of text ("Model MNIST TFD DBN [3]
    138 ± 2 1909 ± 66 ... Adversarial nets 225 ± 2 2057 ± 26"): metric from the caption, one value per
    dataset named in the header part."""
    out: list[dict] = []
    for s in sentences(document)[:1500]:
        cap = s.table_caption
        metric = _CAPTION_METRIC.search(cap or "")
        if not cap or not metric or s.page in skip_pages:
            continue  # pages whose tables the layout reader took are read there
        first_number = re.search(r"(?<![\w\[-])\d", s.text)
        header = s.text[: first_number.start()] if first_number else ""
        columns = [m.group(1) for m in known.finditer(header)]
        for name in labels:
            if _SIZE_CELL.search(name):
                continue  # "7B" alone is a size in any model's row
            row = re.search(
                r"(?<![\w-])"
                + re.escape(name)
                + r"(?![\w-])\s(?P<vals>"
                + _FLAT_VALUE
                + r"(?:\s"
                + _FLAT_VALUE
                + r"){0,7})(?!\S)",
                s.text,
                re.I,
            )
            if not row:
                continue
            values = re.findall(_FLAT_VALUE, row.group("vals"))
            for k, v in enumerate(values[:4]):
                piece = re.match(r"(?:" + _FLAT_VALUE + r"\s?){" + str(k + 1) + r"}", row.group("vals"))
                quote = f"{s.text[row.start() : row.start('vals')]}{piece.group(0).strip() if piece else v}"
                pct = _metric_name(metric.group("m")) in _PERCENT_METRICS
                if not document.verify(s.page, quote) or (pct and _number(v) > 100):
                    continue
                flat = {
                    "metric": _metric_name(metric.group("m")),
                    "value": _number(v),
                    "unit": "%" if pct else None,
                    "dataset": columns[k] if len(columns) == len(values) else None,
                    "split": _split_of(cap),
                    "setting": None,
                    "variant": s.text[row.start() : row.start("vals")].strip(),
                    "page": s.page,
                    "quote": quote,
                    "table": True,
                    "main": False,
                    "_own": True,
                    "_label_exact": True,
                }
                _trace(flat, "header" if flat["dataset"] else None, "flat table")
                out.append(flat)
            break
    return out


def _one_main(results: list[dict]) -> list[dict]:
    """When nothing was marked, the first claim stated in prose is the paper's main one: first one the paper
    words as its own ("our", "we", its model's name), then any prose claim on held-out data."""
    if results and not any(r["main"] for r in results):
        prose = [r for r in results if not r["table"] and r["split"] != "train"]
        rows = [r for r in results if r["table"] and r.get("variant")]
        first_table = [r for r in rows if rows and r["page"] == rows[0]["page"]]
        first = (
            next((r for r in rows if r.get("_label_exact")), None)
            or next((r for r in prose if r.get("_own") and r.get("_main_data")), None)
            or next((r for r in prose if r.get("_own")), None)
            or (first_table[-1] if first_table else None)  # the largest of the paper's models listed
            or (prose[0] if prose else results[0])
        )
        first["main"] = True
    for r in results:
        for key in ("_own", "_main_data", "_label_exact", "_sentence", "_range"):
            r.pop(key, None)
    return results


# ----------------------------------------------------------------------------- the paper's data protocol
# How the paper splits its data and scales its inputs, as the field words it: "holding out a fifth of the
# images as the test split", "20% of the training set is used for validation", "an 80/20 train/test split",
# "we use no validation set", "pixel values scaled to the range from 0 to 1", "normalized to zero mean and
# unit variance". A generated data.py follows what is stated and says so; what is not stated stays
# mlintern's choice.
_FRACTION_WORDS = {
    "half": 0.5,
    "a half": 0.5,
    "one half": 0.5,
    "a third": 1 / 3,
    "one third": 1 / 3,
    "a quarter": 0.25,
    "one quarter": 0.25,
    "a fourth": 0.25,
    "one fourth": 0.25,
    "a fifth": 0.2,
    "one fifth": 0.2,
    "a tenth": 0.1,
    "one tenth": 0.1,
}
_FRACTION = (
    r"(?P<f>\d{1,2}(?:\.\d+)?\s?(?:%|percent\b)|(?:a|an|one)\s(?:half|third|quarter|fourth|fifth|tenth)|half)"
)
_SPLIT_NAME = {
    "test": r"(?:test(?:ing)?|held[- ]out test|evaluation)",
    "val": r"(?:validation|val|dev(?:elopment)?)",
}
_HOLD = (
    r"\b(?:hold(?:s|ing)?\sout|held\sout|reserv(?:e|es|ed|ing)|set(?:s|ting)?\saside|keep(?:s|ing)?\saside|"
    r"kept\saside|use[sd]?|using|tak(?:e|es|ing)|took|randomly\s(?:select|sample|choose)\w*)\s(?:randomly\s)?"
)
_OF = r"(?:\sof\s(?:the\s|our\s|all\s(?:the\s)?)?(?:[\w,-]+\s){0,3}?(?:images|examples|samples|data|dataset|instances|digits|points|training\s(?:set|data|images|examples)))?"


def _hold_patterns(split: str) -> tuple[re.Pattern, ...]:
    # "holding out a fifth of the images as the test split", "20% of the training set is used for validation"
    target = (
        r"(?:as|for)\s(?:the\s|a\s|our\s)?" + _SPLIT_NAME[split] + r"(?:\s(?:split|set|data|purposes))?\b"
    )
    return (
        re.compile(_HOLD + _FRACTION + _OF + r"\s" + target, re.I),
        re.compile(
            r"(?<![\w.])" + _FRACTION + _OF + r"\s(?:is|are|was|were)\s(?:randomly\s)?"
            r"(?:held\sout|reserved|set\saside|kept|used)\s" + target,
            re.I,
        ),
    )


_HOLD_RX = {split: _hold_patterns(split) for split in ("test", "val")}
# "an 80/20 train/test split", "80%/10%/10% train/validation/test", "split into 80% training and 20% test"
_RATIO = re.compile(
    r"\b(?P<a>\d{1,2})%?\s?[/:]\s?(?P<b>\d{1,2})%?(?:\s?[/:]\s?(?P<c>\d{1,2})%?)?\s(?:train(?:ing)?\s?[/-]\s?"
    r"(?P<mid>val(?:idation)?|dev|test)(?:\s?[/-]\s?test)?)\s(?:split|partition|division)",
    re.I,
)
_INTO = re.compile(
    r"\b(?P<a>\d{1,2})\s?%\s(?:for\s|as\s)?(?:train(?:ing)?)(?:\s(?:set|data|split))?,?\s(?:and\s)?"
    r"(?:(?P<v>\d{1,2})\s?%\s(?:for\s|as\s)?(?:validation|val|dev)(?:\s(?:set|data|split))?,?\s(?:and\s)?)?"
    r"(?P<b>\d{1,2})\s?%\s(?:for\s|as\s)?(?:test(?:ing)?)\b",
    re.I,
)
_NO_VALIDATION = re.compile(
    r"\b(?:no|without\s(?:a|any))\s(?:separate\s|held[- ]out\s)?(?:validation|dev(?:elopment)?)\s(?:set|split|data)\b|"
    r"\b(?:do|does|did)\snot\s(?:use|hold\sout)\s(?:a\s|any\s)?(?:separate\s)?validation\b",
    re.I,
)
_MENTIONS_VALIDATION = re.compile(
    r"\b(?:validation|validate|val\s(?:set|split)|dev(?:elopment)?\sset)\b", re.I
)
_RANGE_01 = r"(?:\[\s?0(?:\.0)?\s?,\s?1(?:\.0)?\s?\]|(?:from\s)?0(?:\.0)?\s(?:to|and)\s1(?:\.0)?\b)"
_RANGE_11 = r"(?:\[\s?[-\u2212]1(?:\.0)?\s?,\s?1(?:\.0)?\s?\]|(?:from\s)?[-\u2212]1(?:\.0)?\s(?:to|and)\s(?:\+)?1(?:\.0)?\b)"
_SCALED = r"\b(?:scaled|rescaled|normali[sz]ed|mapped|transformed|lie|lies|are|is|in)\s(?:to\s|into\s|within\s|in\s)?(?:the\s)?(?:range\s|interval\s)?"
_INPUT_RANGES = [
    ("unit", re.compile(_SCALED + _RANGE_01, re.I)),
    ("unit", re.compile(r"\bdivid(?:e|ed|ing)\s(?:\w+\s){0,4}?by\s255\b", re.I)),
    ("symmetric", re.compile(_SCALED + _RANGE_11, re.I)),
    (
        "standardize",
        re.compile(
            r"\bzero\smean\sand\sunit\s(?:variance|standard\sdeviation)\b|\bstandardi[sz](?:e|ed|ing|ation)\b|"
            r"\bnormali[sz](?:e|ed|ing)\s(?:\w+\s){0,3}?(?:by|with|using)\s(?:the\s)?(?:per-channel\s|channel(?:-wise)?\s)?"
            r"means?\sand\s(?:standard\sdeviations?|std)",
            re.I,
        ),
    ),
    (
        "center",
        re.compile(r"\bsubtract(?:ed|ing|s)?\s(?:the\s)?(?:per-pixel\s|per-channel\s|pixel\s)?mean\b", re.I),
    ),
]
_INPUT_WORDS = re.compile(
    r"\b(?:pre-?process\w*|pixels?|images?|intensit(?:y|ies)|grayscale|RGB|input\s(?:images?|data|values))\b",
    re.I,
)


def _fraction(text: str) -> float | None:
    low = re.sub(r"\s+", " ", text.lower().strip())
    if low in _FRACTION_WORDS:
        return _FRACTION_WORDS[low]
    m = re.match(r"(\d+(?:\.\d+)?)\s?(?:%|percent)", low)
    return float(m.group(1)) / 100 if m and 0 < float(m.group(1)) < 100 else None


def protocol_in(document) -> dict:
    """The paper's data protocol: ``{test_fraction, val_fraction, validation, input_range}``, each a fact
    ``{value, page, quote}``; absent when the paper does not state it. ``validation`` is ``none`` when the
    paper says it uses no validation set, or states its own train/test split and never mentions one."""
    out: dict[str, dict] = {}
    mentions_validation = False

    def keep(key: str, value: Any, s, m) -> None:
        if key in out:
            return  # the first statement wins
        quote = make_quote(document, s.page, s.text, m.start(), m.end())
        if quote:
            out[key] = {"value": value, "page": s.page, "quote": quote}

    for s in sentences(document)[:1500]:
        text = s.text
        if re.match(r"[A-Z]\b", s.section_number or "") or re.search(r"\bappendix\b", s.section or "", re.I):
            continue  # an appendix describes other experiments (a downstream dataset), not the main protocol
        if _MENTIONS_VALIDATION.search(text) and not _NO_VALIDATION.search(text):
            mentions_validation = True
        for split, patterns in _HOLD_RX.items():
            for rx in patterns:
                for m in rx.finditer(text):
                    value = _fraction(m.group("f"))
                    if value is not None:
                        keep(f"{split}_fraction", round(value, 4), s, m)
        for rx in (_RATIO, _INTO):
            for m in rx.finditer(text):
                parts = [int(g) for g in (m.group("a"), m.group("b")) if g]
                mid = (m.groupdict().get("mid") or "").lower()
                third = m.groupdict().get("c") or m.groupdict().get("v")
                if rx is _INTO:
                    a, b = int(m.group("a")), int(m.group("b"))
                    v = int(third) if third else 0
                    if a + b + v == 100:
                        keep("test_fraction", b / 100, s, m)
                        if third:
                            keep("val_fraction", round(v / (a + v), 4), s, m)
                elif third and sum(parts) + int(third) == 100:  # train/val/test
                    keep("test_fraction", int(third) / 100, s, m)
                    keep("val_fraction", round(parts[1] / (parts[0] + parts[1]), 4), s, m)
                elif not third and sum(parts) == 100 and mid == "test":
                    keep("test_fraction", parts[1] / 100, s, m)
                elif not third and sum(parts) == 100 and mid:  # train/val
                    keep("val_fraction", parts[1] / 100, s, m)
        m = _NO_VALIDATION.search(text)
        if m:
            keep("validation", "none", s, m)
        if _INPUT_WORDS.search(text):
            for value, rx in _INPUT_RANGES:
                m = rx.search(text)
                if m:
                    keep("input_range", value, s, m)
                    break
    if (
        "validation" not in out
        and "val_fraction" not in out
        and "test_fraction" in out
        and not mentions_validation
    ):
        # the paper states its own split and no validation set: the rest is the training set
        fact = out["test_fraction"]
        out["validation"] = {**fact, "value": "none", "inferred": True}
    return out


def extract(
    document, known: re.Pattern, main: str | None, variants: Any = None
) -> tuple[list[dict], list[dict]]:
    """``(datasets, results)`` for the spec (the hook parse-paper's build calls); the main dataset carries
    the paper's data protocol (``protocol``: split fractions, validation, input range) when stated."""
    names = list(variants) if isinstance(variants, (dict, list, tuple)) else []
    datasets = datasets_in(document, known, main)
    protocol = protocol_in(document)
    main_entry = next((d for d in datasets if d.get("main")), None)
    if protocol and main_entry is not None:
        main_entry["protocol"] = protocol
    return datasets, results_in(document, known, datasets, names)
