"""Model variants: which table rows and prose lines describe the paper's own model sizes.

The first table with architecture or training columns and model-name rows
creates the variants (Transformer base/big, ViT-Base/Large/Huge, LLaMA 7B..65B);
later tables only add values to variants that already exist, matched by name
or abbreviation (ViT-B/16 is ViT-Base), so baseline rows of other papers'
models (Swin-T in a ConvNeXt results table) never become variants. Prose of
the form "Name-T: C = (96, 192, 384, 768), B = (3, 3, 9, 3)" states stage widths
and depths per variant.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from mlintern.tools.paper.document import Document
from mlintern.tools.paper.extract import make_quote, sentences
from mlintern.tools.paper.grammar import named_counts, respectively_over, tuple_statements
from mlintern.tools.paper.tables import (
    SIZE_LABEL,
    key_column_rows,
    page_tables,
    setting_rows,
    settings_tables,
    stage_tables,
    variant_rows,
)
from mlintern.tools.paper.text import as_json_number

_ARCH_KEYS = {
    "num_layers",
    "d_model",
    "d_ff",
    "num_heads",
    "d_head",
    "num_params",
    "growth_rate",
    "patch_size",
    "width_multiplier",
    "num_encoder_layers",
    "num_decoder_layers",
}
_DEFINITION_LINE = re.compile(r"^(?:[•◦·∙]\s*)?[A-Z][\w.]*(?:[- ][\w.]+)?(?:-[\w.]+)?\s*:\s*[A-Za-zα-ω]")
# "X et al. (2020) use ...": a sentence reporting another paper's configuration
_OTHERS_WORK = re.compile(
    r"\bet al\.?\s*(?:\(\d{4}[a-z]?\)|\[\d+\])?\s*(?:use|used|train|trained|propose|proposed)\b"
)

# "BN-x30: Like BN-x5, but with ...": a list of named model variants defined in prose
_DEFINITION = re.compile(r"^(?P<name>[A-Z][A-Za-z0-9]*-(?:[A-Z0-9][\w]*|[a-z]\d+)(?:-[\w]+)*)\s*:\s+\S")
# "Inception: the network described in Section 4.2, ...": a one-word name defines a variant only inside a list
# of hyphenated definitions (the reference model the others are compared with), never on its own ("Note: ...")
_WORD_DEFINITION = re.compile(r"^(?P<name>[A-Z][A-Za-z0-9]{2,})\s*:\s+\S")


def _listed_definition(ordered: list, i: int) -> re.Match | None:
    m = _WORD_DEFINITION.match(ordered[i].text)
    if not m:
        return None
    near = [
        ordered[j] for j in (i - 1, i + 1) if 0 <= j < len(ordered) and ordered[j].page == ordered[i].page
    ]
    return m if any(_DEFINITION.match(n.text) for n in near) else None


# the words papers name model sizes with; a one-letter suffix ("Net-T") abbreviates one of them
SIZE_WORDS = {
    "atto",
    "femto",
    "pico",
    "nano",
    "micro",
    "mini",
    "tiny",
    "small",
    "base",
    "medium",
    "large",
    "huge",
    "giant",
    "xlarge",
    "big",
}


def _base(label: str) -> tuple[str, str]:
    """("ViT", "B") for ViT-B/{16,32}; ("ViT", "Base") for ViT-Base; ("", "base") for base."""
    core = label.split("/")[0]
    m = re.match(r"^(.*?)[-_ ]([A-Za-z]+\d*|\d+(?:\.\d+)?[MBK])$", core)
    return (m.group(1).lower(), m.group(2)) if m else ("", core)


def same_variant(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    pa, sa = _base(a)
    pb, sb = _base(b)
    sa, sb = sa.lower(), sb.lower()
    if pa != pb and (not pa or not pb) and sa == sb and SIZE_LABEL.match(sa.upper()):
        return True  # "7B" is "LLaMA-7B"
    if pa != pb:
        # "Atto" is the "-A" of "Net-A": a size word written out, its initial the suffix
        return bool(
            (not pa and len(sb) == 1 and sa in SIZE_WORDS and sa[0] == sb)
            or (not pb and len(sa) == 1 and sb in SIZE_WORDS and sb[0] == sa)
        )
    return sa == sb or (len(sa) == 1 and sb.startswith(sa)) or (len(sb) == 1 and sa.startswith(sb))


def _nominal(label: str, text: str) -> str:
    """6.7B -> 7B when the paper calls the model "7B" elsewhere (models are named by nominal size)."""
    m = SIZE_LABEL.match(label)
    if not m:
        return label
    nominal = f"{math.floor(float(m.group(1)) + 0.5)}{m.group(2)}"
    if nominal == label:
        return label
    # the name the paper uses more often: "7B" for a model listed once as 6.7B, "2.7B" when the paper says 2.7B
    said = len(re.findall(rf"(?<![\d.]){re.escape(nominal)}\b", text))
    return nominal if said > len(re.findall(rf"(?<![\d.]){re.escape(label)}\b", text)) else label


def find_variants(document: Document) -> tuple[dict[str, dict], list[dict]]:
    """``({name: {key: fact}}, tables)``; tables are returned for the spec's table list."""
    variants: dict[str, dict] = {}
    tables_out: list[dict] = []
    full_text = "\n".join(p.text for p in document.body_pages())
    own = own_model_names(document)
    shared: dict[str, dict] = {}
    document.cache["shared_table_facts"] = shared
    later: list[tuple[str, dict, int, str]] = []  # parenthetical tuples: added after the tables
    for s in sentences(document):
        if s.caption or _OTHERS_WORK.search(s.text):
            continue
        for name, facts, start, end in tuple_statements(s.text):
            quote = make_quote(document, s.page, s.text, start, end)
            if quote is None:
                continue
            if _DEFINITION_LINE.match(s.text[start:]):  # "Name: K=V, K=V" defines the paper's own variants
                target = variants.setdefault(name, {})
                for key, value in facts.items():
                    target.setdefault(key, _fact(value, s.page, quote))
            else:
                later.append((name, facts, s.page, quote))
    ordered = sentences(document)
    for i, s in enumerate(ordered):
        m = _DEFINITION.match(s.text) or _listed_definition(ordered, i)
        if (
            m
            and m.group("name") not in variants
            and len(re.findall(re.escape(m.group("name")) + r"\b", full_text)) >= 2
        ):
            variants[m.group("name")] = {}
    created_by_table = False
    sized_captions: set[str] = set()
    for page in document.body_pages():
        if not page.words or not re.search(r"\bTable\s*[A-Z]?\d", page.text):
            continue
        for table in page_tables(document, page):
            tables_out.append(
                {
                    "page": table.page,
                    "caption": table.caption[:300],
                    "header": table.header,
                    "rows": [[c.text for c in r.cells] for r in table.rows][:60],
                }
            )
            rows = variant_rows(document, table)
            if rows:  # its columns (or rows) are model sizes, here and in the table's continuations
                sized_captions.add(table.caption)
            elif table.caption not in sized_captions:  # a settings table: its first column is the main run
                for key, (value, quote) in setting_rows(document, table).items():
                    shared.setdefault(
                        key, {"value": value, "page": table.page, "quote": quote, "source": "table"}
                    )
            create = (
                not created_by_table
                and not any(variants.values())
                and any(r.config_table for r in rows)
                and len(rows) >= 2
            )
            own_sizes = (
                not create and "num_params" in table.keys
            )  # a results table listing the paper's own models
            seen: set[str] = set()
            for row in rows:
                name = _nominal(row.name, full_text)
                if name in seen:
                    continue  # a label repeated lower in a table is another regime (dataset, resolution)
                seen.add(name)
                target = next((v for v in variants if same_variant(v, name)), None)
                if target is None and (
                    create or (own_sizes and "num_params" in row.facts and _own_model(name, own))
                ):
                    target = name
                    variants[target] = {}
                if target is None:
                    continue
                for key, value in row.facts.items():
                    variants[target].setdefault(
                        key,
                        {
                            "value": value,
                            "page": row.page,
                            "quote": row.quotes.get(key, row.quote),
                            "source": "table",
                        },
                    )
            if create:  # a value every configuration of the table shares is the paper's, for all sizes
                created = [r for r in rows if r.config_table]
                for key in set.intersection(*(set(r.facts) for r in created)) if len(created) >= 3 else ():
                    values = {repr(r.facts[key]) for r in created}
                    if len(values) == 1 and key not in _ARCH_KEYS - {"num_layers", "patch_size"}:
                        r0 = created[0]
                        shared.setdefault(
                            key,
                            {
                                "value": r0.facts[key],
                                "page": r0.page,
                                "quote": r0.quotes.get(key, r0.quote),
                                "source": "table",
                            },
                        )
            created_by_table = created_by_table or create
    for name, fact in _depth_columns(document, full_text).items():  # "18-layer | 34-layer | 50-layer" columns
        target = next((v for v in variants if v.lower() == name.lower()), None) or name
        variants.setdefault(target, {}).setdefault("num_layers", fact)
    for sv in stage_tables(document):  # per-stage blocks and widths of each size ("S2 | B=2 C=64 | B=2 C=96")
        target = next((v for v in variants if same_variant(v, sv.name)), None)
        if target is None and _own_model(sv.name, own):
            target = sv.name
            variants[target] = {}
        if target is not None:
            for key, value in sv.facts.items():
                variants[target].setdefault(
                    key, {"value": value, "page": sv.page, "quote": sv.quote, "source": "table"}
                )
    main_done = False
    regimes: list[tuple[str, str, dict]] = []  # (table label, caption, {key: fact}) of other regimes' tables
    for table in settings_tables(document):
        facts = {
            row.key: {"value": row.value, "page": table.page, "quote": row.quote, "source": "table"}
            for row in reversed(table.rows)  # the first row of a key wins
        }
        if table.main and not main_done:  # the first table of the main training recipe: paper-wide (build.py)
            document.cache["main_settings_table"] = (table.label, table.caption, facts)
            main_done = True
        elif (
            not table.main and facts
        ):  # fine-tuning, per-task, intermediate ... tables: settings of their own
            regimes.append((table.label, table.caption, facts))
    document.cache["regime_tables"] = regimes
    for kc in key_column_rows(document):  # "Model | Max Learning Rate": one value per existing variant
        target = next((v for v in variants if v == kc.name), None) or next(
            (v for v in variants if same_variant(v, kc.name)), None
        )
        if target is not None:
            variants[target].setdefault(
                kc.key, {"value": kc.value, "page": kc.page, "quote": kc.quote, "source": "table"}
            )
    for name in variants:  # "Net-B1g4": Net-B1 with grouped convolutions; its depths and multipliers are B1's
        m = re.match(r"^(?P<base>.*\d)g\d+$", name)
        base = next((v for v in variants if m and v == m.group("base")), None)
        if base:
            for key in ("num_layers", "width_multiplier", "d_model", "growth_rate"):
                if key in variants[base]:
                    variants[name].setdefault(key, dict(variants[base][key]))
    for name, facts, page, quote in later:
        target = next((v for v in variants if same_variant(v, name)), None)
        if target is None and (sum(1 for k in facts if k in _ARCH_KEYS) >= 2):
            target = (
                name  # "two larger models of 410M (30 layers, hidden size 1024, ...)": a variant of its own
            )
            variants[target] = {}
        if target is not None:
            for key, value in facts.items():
                variants[target].setdefault(key, _fact(value, page, quote))
    for name, fact in _sized_names(document, own).items():  # "Codex-12M": a model named by its size
        target = next((v for v in variants if same_variant(v, name)), None) or name
        variants.setdefault(target, {}).setdefault("num_params", fact)
    for name, fact in _depth_names(
        document, own, full_text
    ).items():  # "SE-ResNet-101": the name says the depth
        target = next((v for v in variants if v.lower() == name.lower()), None) or name
        variants.setdefault(target, {}).setdefault("num_layers", fact)
    for name, (fact, listed) in _patch_names(document, full_text).items():  # "ViT-L/16": size and patch size
        # a new variant only where the paper lists its models by size ("B/16, L/16, H/14"); a "ViT-L/16" alone may
        # be another paper's model in a comparison
        target = next((v for v in variants if same_variant(v, name)), None) or (name if listed else None)
        if target:
            variants.setdefault(target, {}).setdefault("patch_size", fact)
    for name, fact in _resolution_names(
        document, own, full_text
    ).items():  # "Net-416": named by its input size
        target = next((v for v in variants if v.lower() == name.lower()), None) or name
        variants.setdefault(target, {}).setdefault("image_size", fact)
    for s in sentences(document):  # "Small (20M) and Large (80M)": sizes of variants found above
        if s.caption or not variants:
            continue
        for name, value, start, end in named_counts(s.text):
            target = next((v for v in variants if same_variant(v, name)), None)
            quote = make_quote(document, s.page, s.text, start, end) if target else None
            if target and quote:
                variants[target].setdefault("num_params", _fact(value, s.page, quote))
    for (
        name,
        facts,
    ) in variants.items():  # "1.3B", "Net-350M": a name that is a size states the parameter count
        size = re.search(r"(?:^|[-\s])(\d+(?:\.\d+)?)\s?([MB])$", name)
        quote = next((f for f in facts.values() if name in f["quote"]), None)
        if size and quote and "num_params" not in facts:
            value = float(size.group(1)) * (1e6 if size.group(2) == "M" else 1e9)
            facts["num_params"] = {
                "value": as_json_number(value),
                "page": quote["page"],
                "quote": quote["quote"],
                "source": quote["source"],
            }
    if not variants:  # a paper whose only configurations are the activations it compares ("Tanh", "Tanh N")
        for table in tables_out:
            named = [r for r in table["rows"] if r and _ACTIVATION_ROW.match(r[0])]
            if len(named) < 3:
                continue
            for row in named:
                quote = " ".join(row)
                if row[0] not in variants and document.verify(table["page"], quote):
                    act = _ACTIVATIONS[_ACTIVATION_ROW.match(row[0]).group(1).lower().replace(" ", "")]
                    variants[row[0]] = {
                        "activation": {"value": act, "page": table["page"], "quote": quote, "source": "table"}
                    }
            break
    for name, fact in _confirmed_depth_names(
        document, variants, full_text
    ).items():  # "Net-S36" like "Net-S12"
        variants.setdefault(name, {}).setdefault("num_layers", fact)
    for name, facts in variants.items():  # "Net-swish": a variant named by the activation it swaps in
        m = _ACTIVATION_NAME.search(name)
        page = next((p.number for p in document.body_pages() if m and document.verify(p.number, name)), None)
        if m and page and "activation" not in facts:
            value = _ACTIVATIONS[m.group(1).lower().replace(" ", "")]
            facts["activation"] = {"value": value, "page": page, "quote": name, "source": "paper"}
    for s in sentences(document):  # "Net-S and Net-L have 20M and 80M parameters, respectively"
        if "respectively" not in s.text or s.caption:
            continue
        got = respectively_over(s.text, list(variants))
        if got:
            quote = make_quote(document, s.page, s.text, 0, len(s.text))
            if quote:
                for name, value in zip(got[0], got[2], strict=True):
                    variants[name].setdefault(got[1], _fact(value, s.page, quote))
    return variants, tables_out


_ACTIVATIONS = {
    "swish": "silu",
    "silu": "silu",
    "gelu": "gelu",
    "relu": "relu",
    "leakyrelu": "leaky_relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "softplus": "softplus",
}
# a row label that is an activation, with at most a short mark of its setting ("Tanh N": normalized init)
_ACTIVATION_ROW = re.compile(
    r"(?i)^(swish|silu|gelu|leaky ?relu|relu|tanh|sigmoid|softplus)(?: [A-Za-z0-9]{1,3})?$"
)
_ACTIVATION_NAME = re.compile(r"(?i)(?<=[-_ ])(swish|silu|gelu|leaky ?relu|relu|tanh|sigmoid|softplus)$")


def _confirmed_depth_names(document: Document, variants: dict[str, dict], text: str) -> dict[str, dict]:
    """ "Net-S36" when the paper's "Net-S12" and "Net-S24" have 12 and 24 layers: a naming the paper's own variants
    confirm (a size letter and the depth) states the depth of the others it names (at least twice)."""
    rx = re.compile(r"^(?P<stem>.+-[A-Z])(?P<n>\d{2,3})$")
    confirmed = {
        m.group("stem")
        for n, f in variants.items()
        if (m := rx.match(n)) and f.get("num_layers", {}).get("value") == int(m.group("n"))
    }
    out: dict[str, dict] = {}
    if sum(1 for n in variants if (m := rx.match(n)) and m.group("stem") in confirmed) < 2:
        return out
    for stem in confirmed:
        for m in re.finditer(rf"(?<![\w-])({re.escape(stem)}(\d{{2,3}}))(?![\w-])", text):
            name = m.group(1)
            if (
                name in variants
                or name in out
                or len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)) < 2
            ):
                continue
            page = next((p.number for p in document.body_pages() if document.verify(p.number, name)), None)
            if page:
                out[name] = {"value": int(m.group(2)), "page": page, "quote": name, "source": "paper"}
    return out


def _fact(value, page: int, quote: str) -> dict:
    return {"value": value, "page": page, "quote": quote, "source": "paper"}


def default_variant(variants: dict[str, dict], abstract: str = "") -> str | None:
    """The variant a paper calls base (its reference model), else the one its abstract names, else the first
    one it lists. ``default_reason`` says which rule chose it."""
    return default_reason(variants, abstract)[0]


def default_reason(variants: dict[str, dict], abstract: str = "") -> tuple[str | None, str]:
    if not variants:
        return None, ""
    for name in variants:
        if re.search(r"\bbase\b", name, re.I) or _base(name)[1].lower() == "base":
            return name, "the paper calls it base"
    named = [
        n for n in variants if len(n) >= 3 and re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", abstract)
    ]
    if len(named) == 1:
        return named[0], "the only variant the abstract names"
    for key in ("num_params", "num_layers"):  # the largest model the paper trained: its headline result
        sizes = {
            n: _size(f[key]["value"]) for n, f in variants.items() if key in f and _size(f[key]["value"])
        }
        if len(sizes) >= 2 and len(sizes) >= len(variants) / 2:
            best = max(sizes, key=sizes.get)
            if sum(1 for v in sizes.values() if v == sizes[best]) == 1:
                return best, f"the largest variant by {key}"
    return next(iter(variants)), "the first variant the paper lists"


def _size(value) -> float:
    """A size to compare variants by: a count, or the total of a per-stage list."""
    if isinstance(value, list):
        return float(sum(v for v in value if isinstance(v, (int, float))))
    return float(value) if isinstance(value, (int, float)) else 0.0


_INTRODUCE = re.compile(
    r"\b(?:[Ww]e|[Tt]his paper|[Tt]his work) (?:introduce|propose|present|call)s? (?:a |an |the )?"
    r"(?:new |novel |simple )?(?P<name>[A-Z][A-Za-z]*[A-Za-z0-9-]*)(?=\s*[,(:])"
)


def _sized_names(document: Document, own: set[str]) -> dict[str, dict]:
    """Each "<own model>-<size>" name the paper writes ("Codex-12M", "Net-1.3B"): the name states the size."""
    out: dict[str, dict] = {}
    if not own:
        return out
    alts = "|".join(re.escape(n) for n in sorted(own, key=len, reverse=True))
    rx = re.compile(rf"\b((?:{alts})[- ](\d+(?:\.\d+)?)\s?([MB]))\b", re.I)
    for page in document.body_pages():
        for m in rx.finditer(page.text):
            name = m.group(1)
            after = page.text[m.end() : m.end() + 12]
            before = page.text[max(0, m.start() - 300) : m.start()]
            if " " in name and (
                re.match(r"\s+[+\-−]?\d", after)
                or re.search(r"\b(?:trainable|tunable|learnable)\b", before, re.I)
            ):
                continue  # "LoRA 0.35M 47.1": a table row of a method's trainable parameters, not a model's size
            key = name.lower().replace(" ", "-")
            if key in {k.lower().replace(" ", "-") for k in out} or not document.verify(page.number, name):
                continue
            value = float(m.group(2)) * (1e6 if m.group(3).upper() == "M" else 1e9)
            out[name] = {
                "value": as_json_number(value),
                "page": page.number,
                "quote": name,
                "source": "paper",
            }
    return out


# families whose names count the layers ("ResNet-50", "VGG-16", "DenseNet-121"); the field's convention
DEPTH_FAMILIES = {"resnet", "resnext", "vgg", "densenet", "wrn", "preresnet", "senet"}
_DEPTH_NAME = re.compile(
    r"(?<![\w-])((?:[A-Za-z][\w]*-)*?(?P<fam>[A-Za-z][A-Za-z]*)-(?P<n>\d{2,4}))(?![\w-]|\.\d)"
)


def _depth_names(document: Document, own: set[str], text: str) -> dict[str, dict]:
    """ "SE-ResNet-101", "Net-154": the paper's own model (or a backbone built with its unit) named by its depth,
    written at least twice; the name states ``num_layers``."""
    out: dict[str, dict] = {}
    if not own:
        return out
    for page in document.body_pages():
        for m in _DEPTH_NAME.finditer(page.text):
            name, depth = m.group(1), int(m.group("n"))
            fam = m.group("fam").lower()
            if name in out or not (fam in DEPTH_FAMILIES or fam in own) or not _own_model(name, own):
                continue
            if (
                not 10 <= depth <= 1000
                or len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-]|\.\d)", text)) < 2
            ):
                continue
            if re.search(rf"\b{depth}\s?[×x]\s?{depth}\b", text) or not document.verify(page.number, name):
                continue  # "Net-416" next to "416 × 416": the input size, not the depth
            out[name] = {"value": depth, "page": page.number, "quote": name, "source": "paper"}
    return out


def family_name(document: Document, text: str) -> str | None:
    """The paper's own spelling of its family's name ("ResNet" for the family resnet), when it writes it."""
    from mlintern.tools.paper.family import detect_family  # noqa: PLC0415 (family imports the sentence splitter)

    fam = detect_family(document)["value"]
    if not re.fullmatch(r"[a-z]+", fam or ""):
        return None
    spellings = Counter(re.findall(rf"\b({fam})s?\b", text, re.I))
    best = max(spellings, key=spellings.get, default=None)
    return best if best and best != best.lower() else None


def _depth_columns(document: Document, text: str) -> dict[str, dict]:
    """A table whose columns are depths ("18-layer 34-layer 50-layer 101-layer 152-layer"): one variant per column,
    named the family and the depth ("ResNet50", as model zoos name them), its depth quoted from the header."""
    out: dict[str, dict] = {}
    for page in document.body_pages():
        if not re.search(r"\bTable\s*[A-Z]?\d", page.text):
            continue
        for line in page.lines():
            depths = [
                int(m.group(1)) for w in line.words if (m := re.fullmatch(r"(\d{1,4})-layers?", w.text))
            ]
            if len(depths) < 3 or len(set(depths)) != len(depths) or depths != sorted(depths):
                continue
            quote = " ".join(f"{d}-layer" for d in depths)
            name = family_name(document, text) if document.verify(page.number, quote) else None
            if not name:
                continue
            for d in depths:
                out.setdefault(
                    f"{name}{d}", {"value": d, "page": page.number, "quote": quote, "source": "table"}
                )
    return out


_PATCH_NAME = re.compile(
    r"(?<![\w/-])((?:(?P<net>[A-Z][A-Za-z]*)-)?(?P<size>[A-Z][a-z]*)/(?P<patch>\d{1,2}))(?![\w/])"
)


def _patch_names(document: Document, text: str) -> dict[str, tuple[dict, bool]]:
    """ "ViT-L/16", "B/16, L/16, H/14": a vision Transformer named by its size and patch size (the field's
    convention), in a paper of the vit family: ``{name: (fact, written bare)}``. A size written with two patch
    sizes ("B/16" and "B/32") is two runs of one variant, so it states no single patch size."""
    from mlintern.tools.paper.family import detect_family  # noqa: PLC0415 (family imports the sentence splitter)

    if detect_family(document)["value"] != "vit":
        return {}
    found: dict[str, list[tuple[str, int, int]]] = {}
    for page in document.body_pages():
        for m in _PATCH_NAME.finditer(page.text):
            patch = int(m.group("patch"))
            if 2 <= patch <= 32 and document.verify(page.number, m.group(1)):
                found.setdefault(m.group("size").lower(), []).append((m.group(1), patch, page.number))
    out: dict[str, tuple[dict, bool]] = {}
    for mentions in found.values():
        if len({p for _, p, _ in mentions}) != 1 or len(mentions) < 2:
            continue
        name, patch, page = max(mentions, key=lambda x: len(x[0]))  # the full name: "ViT-B/16" over "B/16"
        listed = any("-" not in n for n, _, _ in mentions)  # also written bare: "B/16"
        out[name] = ({"value": patch, "page": page, "quote": name, "source": "paper"}, listed)
    return out


def _resolution_names(document: Document, own: set[str], text: str) -> dict[str, dict]:
    """ "Net-320", "Net-608": an own model named by its input resolution (a multiple of 32 that the paper also
    writes as "320 × 320")."""
    out: dict[str, dict] = {}
    if not own:
        return out
    alts = "|".join(re.escape(n) for n in sorted(own, key=len, reverse=True))
    siblings: dict[str, dict] = {}  # named like the confirmed ones but never written as "416 × 416"
    for page in document.body_pages():
        for m in re.finditer(rf"\b((?:{alts})-(\d{{3,4}}))\b", page.text, re.I):
            size = int(m.group(2))
            if size % 32 or not 128 <= size <= 1536 or m.group(1).lower() in {k.lower() for k in out}:
                continue
            if not document.verify(page.number, m.group(1)):
                continue
            fact = {"value": size, "page": page.number, "quote": m.group(1), "source": "paper"}
            if re.search(rf"\b{size}\s?[×x]\s?{size}\b", text):
                out[m.group(1)] = fact
            else:
                siblings.setdefault(m.group(1), fact)
    # "Net-320, Net-416, Net-608" listed together: when two of them are resolutions, so is the third
    if len(out) >= 2:
        for name, fact in siblings.items():
            if name.lower() not in {k.lower() for k in out}:
                out[name] = fact
    return out


def own_model_names(document: Document) -> set[str]:
    """The names the paper gives its own model: words of the title written like model names ("MaxViT",
    "ResMLP", "RetNet": a capital inside the word, or letters and digits), the title's part before a colon, or
    the name the abstract introduces ("We introduce Codex, ...")."""
    title = document.title or ""
    shouting = sum(1 for w in title.split() if w.isupper()) > len(title.split()) / 2  # a title in capitals
    names = {
        w
        for w in re.findall(r"\b[A-Za-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b|\b[A-Za-z]+\d+[A-Za-z0-9]*\b", title)
        if len(w) >= 3 and not w.isupper() or len(w) >= 4 and w.isupper() and not shouting
    }
    head = title.split(":")[0].strip()
    if ":" in title and 2 < len(head) <= 20 and " " not in head:
        names.add(head)
    words = re.findall(r"[A-Za-z]+", title)
    if len(words) >= 2 and re.fullmatch(r"[Nn]et(?:work)?s?", words[-1]):
        # "Squeeze-and-Excitation Networks" -> "SENet": the initials of the capitalised words, and "Net"
        acronym = "".join(w[0] for w in words[:-1] if w[0].isupper()) + "Net"
        text = "\n".join(p.text for p in document.body_pages())
        if 2 <= len(acronym) - 3 <= 4 and len(re.findall(rf"\b{acronym}s?\b", text)) >= 3:
            names.add(acronym)
    intro = document.pages[0].text[:6000] if document.pages else ""
    for m in _INTRODUCE.finditer(intro):
        if len(m.group("name")) >= 3 and m.group("name").lower() not in {"the", "this", "our"}:
            names.add(m.group("name"))
    return {n.lower() for n in names}


def _own_model(name: str, own: set[str]) -> bool:
    """A row label naming the paper's own model ("MaxViT-T" in a paper titled "MaxViT: ..."), or another network
    built with the paper's unit: a name "XNet" makes "X" the unit's prefix, written before the backbone it is
    added to ("CSPResNeXt-50", "SE-ResNet-50", "SECSPPeleeNet")."""
    low = name.lower()
    if any(low.startswith(n) and (len(low) == len(n) or not low[len(n)].isalpha()) for n in own):
        return True
    for n in own:
        stem = n[:-3] if n.endswith("net") and 2 <= len(n) - 3 <= 4 else ""
        if stem and re.search(rf"(?<![a-z]){re.escape(stem.upper())}(?=-?[A-Z])", name):
            return True
    return False
