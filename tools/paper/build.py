"""Document -> PaperSpec: families, variants, cited hyperparameters, settings, what is missing."""

from __future__ import annotations

import re
from collections import Counter

from mlintern.tools.paper.document import Document
from mlintern.tools.paper.extract import candidates, choose
from mlintern.tools.paper.family import detect_family, family_warning
from mlintern.tools.paper.regimes import dataset_variants
from mlintern.tools.paper.results import extract as extract_results
from mlintern.tools.paper.tables import regime_name
from mlintern.tools.paper.variants import default_reason, find_variants

DATASETS = re.compile(
    r"\b(ImageNet(?:-1K|-21[kK]|-22K)?|JFT-300M|CIFAR-10{1,2}|SVHN|MNIST|Fashion-MNIST|MS ?COCO|COCO|PASCAL VOC(?: 20\d\d)?|"
    r"WMT ?(?:20)?1\d(?: English-(?:German|French))?|BooksCorpus|Penn Treebank|WikiText-\d+|C4|The Pile|"
    r"Common ?Crawl|SQuAD|GLUE|LibriSpeech|Toronto Face Database|TFD|CelebA|LSUN)\b"
)
NEEDED = {
    "common": [
        "optimizer",
        "learning_rate",
        "lr_schedule",
        "batch_size",
        "epochs",
        "weight_decay",
        "dropout",
    ],
    "transformer": ["num_layers", "d_model", "num_heads", "d_ff", "vocab_size", "context_length"],
    "vision": ["image_size", "num_classes"],
}
ALTERNATIVES = {
    "batch_size": ["batch_tokens"],
    "epochs": ["train_steps"],
    "num_layers": ["num_encoder_layers", "num_decoder_layers"],
}


def looks_garbled(document: Document) -> bool:
    """A scan with a bad OCR layer: few common English words, or words broken into letters ("solv e",
    "arc hitecture"). Typeset papers have under 10% single-letter tokens (math variables); such scans over 15%."""
    words = re.findall(r"[A-Za-z]+", " ".join(p.text for p in document.pages[:10]))
    if len(words) < 200:
        return len(words) < 50 and len(document.pages) > 1
    common = sum(
        1 for w in words if w.lower() in {"the", "of", "and", "to", "in", "a", "is", "we", "that", "for"}
    )
    broken = sum(1 for w in words if len(w) == 1 and w not in "aAI")
    return common / len(words) < 0.08 or broken / len(words) > 0.15


def _rejoin_letters(title: str) -> str:
    """ "LONG SHOR T-TERM MEMOR Y" -> "LONG SHORT-TERM MEMORY": a bad OCR layer splits a capital off its word."""
    return re.sub(r"\b([A-Z]{2,}) ([B-HJ-Z])(?=\b)", r"\1\2", title)


def main_dataset(document: Document) -> str | None:
    counts = Counter(m.group(1) for p in document.body_pages() for m in DATASETS.finditer(p.text))
    return counts.most_common(1)[0][0] if counts else None


def build_spec(document: Document, *, paper_id: str, source: str) -> dict:
    warnings = list(document.warnings)
    family = detect_family(document)
    spec: dict = {
        "paper_id": paper_id,
        "source": source,
        "title": document.title,
        "authors": _authors(document),
        "arxiv_id": _arxiv_id(document),
        "abstract": _abstract(document),
        "page_count": document.page_count,
        "sections": [{"title": s.title, "page": s.page, "number": s.number} for s in document.sections],
        "captions": [{"label": c.label, "page": c.page, "text": c.text} for c in document.captions],
        "tables": [],
        "family": family,
        "hyperparameters": {},
        "variants": {},
        "default_variant": None,
        "settings": {},
        "datasets": [],
        "results": [],
        "missing": [],
        "warnings": warnings,
    }
    if looks_garbled(document):
        warnings.append(
            "The text layer looks garbled (a scan with poor OCR); no values were extracted from it. "
            "Pass a text PDF or the LaTeX sources for a full spec."
        )
        spec["family"] = {"value": "other", "evidence": []}
        spec["missing"] = _missing({}, {}, "other")
        spec["title"] = _rejoin_letters(spec["title"])
        spec["abstract"] = ""  # garbled words ("o v er extended time in terv als") are no abstract to show
        return spec
    also = family_warning(document, family["value"])
    if also:
        warnings.append(also)
    variants, tables = find_variants(document)
    spec["tables"] = tables
    dataset = main_dataset(document)
    cands = candidates(document, list(variants), dataset)
    paper_wide = [c for c in cands if c.scope is None]
    chosen, conflicts = choose(paper_wide)
    warnings.extend(conflicts)
    spec["hyperparameters"] = {k: c.fact() for k, c in sorted(chosen.items())}
    for key, fact in document.cache.get("shared_table_facts", {}).items():  # shared by every size in a table
        spec["hyperparameters"].setdefault(key, fact)
    for c in cands:  # parts of a model contrasted in one sentence (generator / discriminator)
        if c.scope and c.scope[0] == "variant" and c.scope[1] not in variants:
            variants[c.scope[1]] = {}
    for name in variants:
        scoped, _ = choose([c for c in cands if c.scope == ("variant", name)])
        for key, c in scoped.items():
            variants[name].setdefault(key, c.fact())
    settings: dict[str, dict] = {}
    for c in cands:
        if c.scope and c.scope[0] == "setting":
            settings.setdefault(c.scope[1], []).append(c)
    for name, cs in settings.items():
        facts, _ = choose(cs)
        spec["settings"][name] = {
            "description": f"statements about {name}",
            "facts": {k: c.fact() for k, c in facts.items()},
        }
    main_table = document.cache.get("main_settings_table")
    if main_table and _caption_setting(main_table[1], spec["settings"], set()):
        # "Table 12: The training hyperparameters used for ... GPT-3 ...": a model the paper sets apart
        document.cache.setdefault("regime_tables", []).insert(0, main_table)
    elif main_table:
        for key, fact in main_table[2].items():
            spec["hyperparameters"].setdefault(key, fact)
    spec["hyperparameters"] = dict(sorted(spec["hyperparameters"].items()))
    _regime_tables(document, spec["settings"])
    default, reason = default_reason(variants, spec["abstract"])
    if default and len(variants) > 1:
        warnings.append(
            f"default_variant: {default} ({reason}); other variants: "
            + ", ".join(v for v in list(variants)[:8] if v != default)
        )
    for name, facts in dataset_variants(document, spec["settings"], family["value"]).items():
        variants.setdefault(name, facts)  # after the default: the main dataset's model stays the default
    spec["variants"] = variants
    spec["default_variant"] = default
    spec["datasets"], spec["results"] = extract_results(
        document, DATASETS, dataset, variants
    )  # tools/paper/results.py
    spec["missing"] = _missing(
        spec["hyperparameters"], variants.get(spec["default_variant"] or "", {}), family["value"]
    )
    return spec


def _regime_tables(document: Document, settings: dict) -> None:
    """Settings tables of other regimes (fine-tuning, per-task, intermediate ...) become settings: a caption naming
    a setting the prose already has ("for DeBERTa XXL on tasks ...") adds to it; otherwise the table is a setting
    named by its regime and label ("fine-tuning (Table 9)"). Prose values win over a table's."""
    used: set[str] = set()
    for label, caption, facts in document.cache.get("regime_tables", []):
        target = _caption_setting(caption, settings, used)
        if target is None:
            target = f"{regime_name(caption)} ({label})" if label else regime_name(caption)
            settings[target] = {"description": caption[:200], "facts": {}}
        used.add(target)
        for key, fact in facts.items():
            settings[target]["facts"].setdefault(key, fact)


def _caption_setting(caption: str, settings: dict, used: set[str]) -> str | None:
    """The prose setting a table caption names ("... for DeBERTa XXL on tasks ..."); each takes one table."""
    return next(
        (
            n
            for n in settings
            if n not in used and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", caption, re.I)
        ),
        None,
    )


def _missing(hp: dict, variant: dict, family: str) -> list[str]:
    needed = list(NEEDED["common"])
    if family.startswith("transformer") or family in ("vit", "rnn_seq2seq"):
        needed += NEEDED["transformer"] if family != "vit" else ["num_layers", "d_model", "num_heads", "d_ff"]
    if (
        family not in ("other", "gan", "word2vec")
        and not family.startswith("transformer")
        and family != "rnn_seq2seq"
    ):
        needed += NEEDED["vision"]
    if family == "vit":
        needed.append("patch_size")
    have = set(hp) | set(variant)
    return [k for k in needed if k not in have and not any(a in have for a in ALTERNATIVES.get(k, []))]


_ORG = re.compile(
    r"univ|institut|google|research|department|dept|lab|inc\b|corp|school|college|brain|deepmind|openai|"
    r"facebook|meta|microsoft|center|centre|academy|@|\d|http|abstract|arxiv|conference|proceedings|"
    r"equal contribution|work done",
    re.I,
)
_NAME = re.compile(
    r"^(?:[A-Z][a-zà-ÿ'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-zà-ÿ'’\-]+|[A-Z]\.|van|von|de|der|da|del|le|la))*"
    r"\s+[A-Z][A-Za-zà-ÿ'’\-]+$"
)
_NOT_NAME = re.compile(r"\b(?:Paper|Networks?|Learning|Shift|Member|Fellow|Street|Road|Bank)\b")


def _authors(document: Document) -> list[str]:
    """Names between the title and the abstract on page 1; an empty list rather than affiliations."""
    if not document.pages or not document.title:
        return []
    title = " ".join(document.title.split()).lower()
    out: list[str] = []
    started = False
    for block in document.pages[0].blocks[:15]:
        text = " ".join(block.split()).lower()
        if text in title or title in text or text[:40] == title[:40]:
            started = True
            continue
        if re.match(r"^abstract", block, re.I):
            break
        if not started:
            continue
        for part in re.split(r",|\band\b|\n|;|\s{2,}|·|∗|\*|†|‡", block):
            part = re.sub(r"[\d∗*†‡§¶]+$", "", part.strip()).strip()
            if (
                2 <= len(part.split()) <= 4
                and _NAME.match(part)
                and not _ORG.search(part)
                and not part.isupper()
                and not _NOT_NAME.search(part)
            ):
                out.append(part)
    return out[:40]


def _arxiv_id(document: Document) -> str | None:
    for page in document.pages[:2]:
        m = re.search(r"arXiv:\s?(\d{4}\.\d{4,5})(v\d+)?", page.text)
        if m:
            return m.group(1)
    return None


def _abstract(document: Document) -> str:
    for page in document.pages[:2]:
        for i, block in enumerate(page.blocks):
            if re.match(r"^abstract\b", block, re.I):
                rest = block[len("abstract") :].strip(" .:—-\n")
                if len(rest) > 200:
                    return rest[:3000]
                if i + 1 < len(page.blocks):
                    return page.blocks[i + 1][:3000]
    return ""
