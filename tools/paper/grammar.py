"""General grammars over the vocabulary: configurations of named model variants stated in prose.

Three shapes, none tied to a paper:

* **definition line** ``NAME: K=V, K=V`` - "Net-S: C=64, B=(2, 2, 6, 2)", "Model-A: L = 12, d = 768"
  (each K a symbol or name of the vocabulary; a parenthesised tuple is one value per stage);
* **configuration tuple** ``NAME (ITEM, ITEM, and ITEM)`` - "a 350M model (24 layers, hidden size 1024, and 16
  heads)", "Net-L (24 blocks, 1024-d)", "{L=100, k=12}"; an ITEM is ``VALUE NAME`` ("24 layers", "16 heads",
  "1024-d"), ``NAME VALUE`` ("hidden size 1024") or ``SYM=VALUE`` ("L=100");
* **respectively over variants** - "We train Net-Small and Net-Large with 20M and 80M parameters, respectively":
  as many values as variant names, in order, one key.

A tuple needs at least two items read as canonical keys, so "(Fig. 3)" or "(2019)" is nothing. Values pass
the same bounds as everywhere else. A NAME that is a size ("350M") also gives the variant's parameter count.
"""

from __future__ import annotations

import re

from mlintern.tools.paper.text import NUMBER, as_json_number, parse_number
from mlintern.tools.paper.vocab import is_keep_probability, label_key

# symbols a tuple may use for a key, as papers write them in "K=V" items
_SYMBOL_KEYS = {
    "l": "num_layers",
    "n": "num_layers",
    "b": "num_layers",
    "d": "d_model",
    "c": "d_model",
    "h": "num_heads",
    "a": "num_heads",
    "k": "growth_rate",
}
_BOUNDS = {
    "num_layers": (1, 1000),
    "d_model": (8, 100000),
    "d_ff": (8, 1e6),
    "num_heads": (1, 512),
    "d_head": (4, 4096),
    "growth_rate": (1, 512),
    "patch_size": (1, 64),
    "num_params": (1e4, 1e13),
    "width_multiplier": (0.05, 8),
    "image_size": (8, 4096),
    "num_encoder_layers": (1, 200),
    "num_decoder_layers": (1, 200),
}
_TUPLE_VALUES = r"\(\s*\d+(?:\s*,\s*\d+){1,7}\s*\)"
_ITEM_KV = re.compile(rf"^(?P<k>[A-Za-zα-ω][\w ]{{0,30}}?)\s*[=:]\s*(?P<v>{_TUPLE_VALUES}|{NUMBER})$")
_ITEM_VK = re.compile(rf"^(?P<v>{NUMBER})[- ]?(?P<k>[A-Za-z][\w -]{{0,30}})$")
_ITEM_KV_WORDS = re.compile(rf"^(?P<k>[A-Za-z][A-Za-z -]{{2,30}}?)\s+(?:of\s+)?(?P<v>{NUMBER})$")
NAME = r"(?<![\w.])(?P<name>\d+(?:\.\d+)?\s?[MB]\b|[A-Z][\w.]*(?:[- ][\w.]+)?(?:-[\w.]+)?)"
_TUPLE = re.compile(
    NAME
    + r"(?:\s+(?:models?|networks?|versions?|variants?))?\s*[({](?P<items>[^(){}]*(?:\([^()]*\)[^(){}]*)*)[)}]"
)
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s?([MB])$")
# words that name a dimension in "1024-d", "1024-dim"
_DIM_WORDS = re.compile(r"^(?:d|dim|dims|dimensional|dimensions?|wide|width|channels)$", re.I)


def _value(raw: str):
    raw = raw.strip()
    if raw.startswith("("):
        xs = [parse_number(x) for x in re.findall(r"\d+", raw)]
        return [as_json_number(x) for x in xs] if all(x is not None for x in xs) else None
    x = parse_number(raw)
    return None if x is None else as_json_number(x)


def _in_bounds(key: str, value) -> bool:
    lo, hi = _BOUNDS.get(key, (0, 1e13))
    xs = value if isinstance(value, list) else [value]
    return all(isinstance(x, (int, float)) and lo <= x <= hi for x in xs)


def item_fact(item: str) -> tuple[str, object] | None:
    """One item of a tuple: "24 layers", "hidden size 1024", "L=24", "B=(2, 2, 6, 2)", "1024-d"."""
    item = re.sub(r"^(?:and|with)\s+", "", item.strip().rstrip(".")).strip()
    key = value = None
    if m := _ITEM_KV.match(item):
        name = m.group("k").strip()
        key = _SYMBOL_KEYS.get(name.lower()) if len(name) == 1 else label_key(name, allow_symbols=False)
        value = _value(m.group("v"))
    elif m := _ITEM_VK.match(item):
        words = m.group("k").strip()
        key = "d_model" if _DIM_WORDS.match(words) else label_key(words, allow_symbols=False)
        value = _value(m.group("v"))
    elif m := _ITEM_KV_WORDS.match(item):
        words = m.group("k").split()
        for n in range(len(words), 0, -1):  # "working dimension 384": the key is the phrase's last words
            key = label_key(" ".join(words[-n:]), allow_symbols=False)
            if key:
                break
        value = _value(m.group("v"))
    if key is None or value is None or not _in_bounds(key, value):
        return None
    if isinstance(value, list) and key not in ("num_layers", "d_model", "num_heads", "d_ff"):
        return None
    return key, value


def _items(text: str) -> list[str]:
    """Split "a, b, and c" at commas that are not inside a parenthesised tuple."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch in ",;" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    parts = []
    for p in out:
        parts.extend(re.split(r"\s+and\s+(?=\d|[A-Za-z]+\s*=)", p))
    return [p for p in parts if p.strip()]


def read_items(text: str) -> dict[str, object]:
    facts: dict[str, object] = {}
    for item in _items(text):
        got = item_fact(item)
        if got and got[0] not in facts:
            facts[got[0]] = got[1]
    return facts


def tuple_statements(sentence: str) -> list[tuple[str, dict[str, object], int, int]]:
    """``[(name, facts, start, end)]`` for each configuration tuple or definition line in a sentence."""
    out = []
    # definition lines, several of them when a bulleted list was read as one sentence
    heads = list(
        re.finditer(r"(?:^|[•◦·∙]\s*|(?<=[).;]\s))" + NAME + r"\s*:\s*(?=[A-Za-zα-ω]\s*=)", sentence)
    )
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(sentence)
        body = sentence[h.end() : end].rstrip(" •◦·∙.;")
        facts = read_items(body)
        if len(facts) >= 2:
            out.append((h.group("name"), facts, h.start("name"), h.end() + len(body)))
    if out:
        return out
    for m in _TUPLE.finditer(sentence):
        facts = read_items(m.group("items"))
        if len(facts) < 2:
            continue
        name = m.group("name")
        size = _SIZE.match(name)
        if size:
            name = f"{size.group(1)}{size.group(2)}"
            facts.setdefault("num_params", as_json_number(parse_number(name)))
        out.append((name, facts, m.start(), m.end()))
    return out


_VALUES_LIST = re.compile(
    rf"(?P<values>{NUMBER}(?:\s*(?:,|,?\s+and)\s+{NUMBER})+)\s*(?P<unit>[A-Za-z][\w -]{{0,25}}?)?"
    r",?\s+respectively"
)


def respectively_over(sentence: str, names: list[str]) -> tuple[list[str], str, list] | None:
    """ "Net-S and Net-L have 20M and 80M parameters, respectively" -> (["Net-S", "Net-L"], "num_params",
    [2e7, 8e7]) when every listed name is one of ``names`` (the paper's variants) and the counts agree."""
    m = _VALUES_LIST.search(sentence)
    if not m:
        return None
    head = sentence[: m.start()]
    unit = (m.group("unit") or "").strip()
    scale = re.match(r"^(?:([MBK])\b|(million|billion|thousand)\b)\s*", unit)
    if scale:  # "110 and 340 M parameters", "1 and 3 billion parameters"
        unit = unit[scale.end() :]
        scale_word = (scale.group(1) or scale.group(2)[0]).upper()
    else:
        scale_word = ""
    key = label_key(unit, allow_symbols=False) if unit else None
    if key is None:  # the key named before the values: "... the hidden sizes are 512 and 1024, respectively"
        for n in range(4, 0, -1):
            words = re.findall(r"[A-Za-z]+", head)[-n - 2 :]
            for i in range(len(words) - n + 1):
                key = key or label_key(" ".join(words[i : i + n]), allow_symbols=False)
    if key is None:
        return None
    raw = re.split(r"\s*(?:,|,?\s+and)\s+", m.group("values"))
    values = [_value(v) for v in raw]
    if key == "num_params":
        values = [_value(v + ("" if re.search(r"[MBK]$", v) else scale_word)) for v in raw]
    squashed = {re.sub(r"[\s_-]", "", n).lower(): n for n in names}
    found = []
    for tok in re.finditer(r"[A-Z][\w.-]*(?:[ -][A-Z][\w.]*)?", head):
        for cand in (tok.group(0), *tok.group(0).split(" ")):
            hit = squashed.get(re.sub(r"[\s_-]", "", cand).lower())
            if hit and hit not in found:
                found.append(hit)
                break
    if (
        len(found) != len(values)
        or len(found) < 2
        or None in values
        or not all(_in_bounds(key, v) for v in values)
    ):
        return None
    return found, key, values


_NAMED_COUNT = re.compile(r"\b(?P<name>[A-Z][\w-]*)\s*\((?P<v>\d+(?:\.\d+)?\s?[MB])\)")


def named_counts(sentence: str) -> list[tuple[str, object, int, int]]:
    """ "Atto (3.7M), Femto (5.2M), and Pico (9.1M)": a list of at least two named models with their sizes."""
    found = [
        (m.group("name"), _value(m.group("v")), m.start(), m.end()) for m in _NAMED_COUNT.finditer(sentence)
    ]
    found = [f for f in found if f[1] is not None and _in_bounds("num_params", f[1])]
    return found if len(found) >= 2 else []


# "where V = 50277 is the vocabulary size", "H = 768 denotes the hidden size": SYMBOL = VALUE, then the key's name
_DEFINED_AFTER = re.compile(
    rf"\b(?P<sym>[A-Za-zα-ω][\w]{{0,3}})\s*=\s*(?P<v>{NUMBER})\s+(?:is|denotes|represents|being|as)\s+"
    r"(?:the\s+)?(?P<name>[a-z][a-z -]{2,40}?)(?=\s*[,.;:)]|\s+(?:and|of|for|in|with|which|that)\b|\s*$)"
)
# "the vocabulary size V = 50277", "a hidden size H = 768": the key's name, then SYMBOL = VALUE
_DEFINED_BEFORE = re.compile(
    rf"(?P<name>(?:[A-Za-z][a-z-]*\s+){{1,4}}?)(?P<sym>[A-Za-zα-ω][\w]{{0,3}})\s*=\s*(?P<v>{NUMBER})(?![\w×*/^]|\.\d)"
)


def _name_key(words: list[str]) -> str | None:
    """The canonical key the longest run of trailing words names ("the vocabulary size" -> vocab_size)."""
    for n in range(min(4, len(words)), 0, -1):
        key = label_key(" ".join(words[-n:]), allow_symbols=False)
        if key:
            return key
    return None


def defined_values(sentence: str) -> list[tuple[str, float, int, int]]:
    """``[(key, value, start, end)]`` for symbols a sentence defines with a value and a name of the vocabulary."""
    out = []
    for m in _DEFINED_AFTER.finditer(sentence):
        words = m.group("name").split()
        key = None
        for n in range(min(4, len(words)), 0, -1):  # "the vocabulary size": the name's leading words
            key = label_key(" ".join(words[:n]), allow_symbols=False)
            if key:
                break
        x = parse_number(m.group("v"))
        if key and x is not None:
            out.append((key, 1 - x if is_keep_probability(m.group("name")) else x, m.start(), m.end()))
    for m in _DEFINED_BEFORE.finditer(sentence):
        key = _name_key(m.group("name").split())
        x = parse_number(m.group("v"))
        if key and x is not None and not any(a <= m.start("v") < b for _, _, a, b in out):
            x = 1 - x if is_keep_probability(m.group("name")) else x
            out.append((key, x, m.start("name"), m.end()))
    return out
