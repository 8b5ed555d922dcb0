"""The field's vocabulary: how papers name each canonical key, in table headers, row labels and prose.

One entry per canonical key lists the names, abbreviations and symbols papers
use for it (``layers``, ``depth``, ``#L``, ``N``; ``hidden size``, ``width``,
``d_model``, ``dim``; ``survival prob`` ...). ``label_key`` maps a header or a
row label to its key: the text is lowercased, units in parentheses ("Params
(M)") and footnote marks are dropped, and the rest must be one of the key's
names (symbols must match whole; words may be followed by a unit word). A key
whose name says *keep* or *survival* holds a retention probability: the reader
converts it to the drop probability the canonical key stores (``KEEP_KEYS``).

These are general words of the field, not any paper's sentences; a name here
applies to every paper that writes it.
"""

from __future__ import annotations

import re

# canonical key -> names (regex fragments over normalised text: lowercase, letters/digits/#/greek, single spaces)
VOCAB: dict[str, tuple[str, ...]] = {
    "num_params": (
        r"#?\s?params?",
        r"parameters",
        r"#?\s?param(?:eter)?s? count",
        r"num(?:ber of)? param(?:eter)?s",
        r"model size",
    ),
    "num_layers": (
        r"#?\s?layers?",
        r"n ?layers?",
        r"num(?:ber of)? (?:transformer )?(?:layers|blocks)",
        r"depth",
        r"#?\s?blocks",
        r"l",
        r"n",
        r"(?:layers|blocks|depths?) (?:of|in|per) (?:each )?stages?",
        r"#l",
        r"nl",
        r"n layers",
        r"layers num",
    ),
    "d_model": (
        r"hidden (?:size|dim(?:ension)?|units|width)",
        r"d ?model",
        r"model (?:dim(?:ension)?|width|size)",
        r"embed(?:ding)? (?:dim(?:ension)?|size)",
        r"width",
        r"dim(?:ension)?",
        r"d",
        r"channels?",
        r"c",
        r"hidden",
    ),
    "d_ff": (
        r"d ?ff n?",
        r"d ?ffn",
        r"ffn(?: inner)?(?: hidden)? (?:size|dim(?:ension)?)",
        r"ffn",
        r"mlp (?:size|dim(?:ension)?)",
        r"feed ?forward(?: size| dim(?:ension)?)?",
        r"intermediate(?: size)?",
        r"inner (?:size|dim(?:ension)?)",
    ),
    "num_heads": (r"#?\s?heads?", r"n ?heads", r"num(?:ber of)? (?:attention )?heads", r"attention heads"),
    "d_head": (r"d ?k", r"d ?head", r"head (?:size|dim(?:ension)?)", r"attention head size"),
    "dropout": (
        r"p ?drop",
        r"dropout(?: rate| value| prob(?:ability)?)?",
        r"drop(?:out)? ?rate",
        r"hidden dropout(?: rate| prob(?:ability)?)?",
    ),
    "attention_dropout": (r"attention dropout(?: rate)?", r"attn dropout"),
    "stochastic_depth": (
        r"stochastic depth(?: rate)?",
        r"drop ?path(?: rate)?",
        r"survival prob(?:ability)?",
        r"sd(?: rate)?",
    ),
    "label_smoothing": (r"[ϵε] ?ls", r"label smoothing"),
    "train_steps": (
        r"(?:train(?:ing)? |max )?steps",
        r"(?:train(?:ing)? )?iterations",
        r"max steps",
        r"(?:train(?:ing)? |total |max )?updates",
    ),
    "warmup_steps": (r"warm ?up (?:steps|updates|iterations)",),
    "warmup_epochs": (r"warm ?up epochs",),
    "learning_rate": (r"(?:base |peak |max |initial )?(?:learning rate|lr)", r"(?:adam |sgd )?step ?size"),
    "lr_schedule": (r"lr (?:decay|schedule)", r"learning rate (?:decay|schedule)", r"schedule"),
    "batch_size": (r"(?:train(?:ing)? )?(?:mini ?)?batch(?: size)?", r"bs"),
    "epochs": (r"(?:train(?:ing)? )?epochs?", r"num(?:ber of)? (?:train(?:ing)? )?epochs"),
    "weight_decay": (r"weight decay(?: rate)?", r"wd", r"l2(?: regulari[sz]ation| penalty| weight decay)?"),
    "patch_size": (r"patch(?: size)?",),
    "image_size": (
        r"image size",
        r"resolution",
        r"input (?:size|resolution)",
        r"img size",
        r"train(?:ing)? res(?:olution)?",
    ),
    "growth_rate": (r"growth rate", r"k"),
    "width_multiplier": (r"width multiplier", r"width mult", r"[αa] ?width", r"multiplier"),
    "vocab_size": (r"vocab(?:ulary)?(?: size)?",),
    "context_length": (
        r"context(?: length| size| window)?",
        r"(?:max(?:imum)? )?(?:input )?seq(?:uence)? len(?:gth)?",
        r"ctx",
    ),
    "grad_clip": (
        r"grad(?:ient)? clip(?:ping)?(?: norm| threshold)?",
        r"max(?:imum)? grad(?:ient)?(?: norm)?",
        r"clip(?:ping)? norm",
    ),
    "adam_beta1": (r"(?:adam )?[β] ?1", r"(?:adam )?beta ?1"),
    "adam_beta2": (r"(?:adam )?[β] ?2", r"(?:adam )?beta ?2"),
    "adam_eps": (r"(?:adam )?[ϵε]", r"(?:adam )?eps(?:ilon)?"),
    "momentum": (r"momentum",),
    # beside the canonical keys: a recurrent model's word embeddings, an adapter's rank and scaling
    "embedding_dim": (r"(?:word |token )embed(?:ding)?s? (?:dim(?:ension)?|size)", r"word embeddings?"),
    "lora_rank": (r"(?:lora|adapter) rank(?: r)?", r"rank r", r"lora r", r"lora config"),
    "lora_alpha": (r"lora [αa]", r"lora alpha", r"[αa] lora"),
}

# keys whose one-letter or symbol names are ambiguous outside a table with other canonical headers
SYMBOLS = {"l", "n", "d", "c", "k"}
# names meaning a retention (keep / survival) probability: stored as 1 - value
KEEP_RE = re.compile(r"\b(?:survival|keep|retention|retain)\b", re.I)
# a row label that asks for a unit word after the name ("Layers (#)", "Params in millions")
_UNIT_WORDS = r"(?: (?:m|b|k|millions?|billions?|thousands?|count|num|#))?"

_COMPILED = [(key, re.compile(rf"^(?:{'|'.join(names)}){_UNIT_WORDS}$")) for key, names in VOCAB.items()]


def normalise_label(text: str) -> str:
    """ "Params (M)" -> "params"; "d_model" -> "d model"; "Survival Prob." -> "survival prob"."""
    t = text.lower()
    t = re.sub(r"\(.*?\)|\[.*?\]|×\s?10\s?\d+|[∗*†‡§¶]", " ", t)
    t = re.sub(r"[^a-z0-9ϵεβα# ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def label_key(text: str, allow_symbols: bool = True) -> str | None:
    """The canonical key a table header or row label names, or None.

    Attention keys are tried before the bare ones (``attention dropout`` before ``dropout``), warmup before steps,
    and a one-letter symbol counts only with ``allow_symbols`` (in a table whose other headers are canonical)."""
    t = normalise_label(text)
    if not t or len(t) > 40:
        return None
    if t in SYMBOLS and not allow_symbols:
        return None
    for key in ("attention_dropout", "warmup_steps", "warmup_epochs", "d_head", "d_ff", "stochastic_depth"):
        if re.match(dict(_COMPILED)[key].pattern, t):
            return key
    for key, rx in _COMPILED:
        if rx.match(t):
            return key
    singular = " ".join(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in t.split()
    )
    return label_key(singular, allow_symbols) if singular != t else None  # "hidden sizes", "warmup epochs"


def is_keep_probability(text: str) -> bool:
    """ "Survival Prob", "keep probability": the value is kept, not dropped."""
    return bool(KEEP_RE.search(text))


_DEFINED = re.compile(
    r"\b(?P<word>[a-z][a-z ]{2,30}?)\s+(?P<syms>[a-zα-ω](?:\s*(?:,|and|or)\s*[a-zα-ω])*)(?=[\s.,;:)]|$)"
)


# "AH = number of attention heads; HS = hidden size": a symbol defined by name, as a caption's legend writes it
_LEGEND = re.compile(
    r"(?<![\w=])(?P<sym>[A-Za-z][A-Za-z0-9_]{0,4})\s*(?:=|:|denotes|is the)\s*(?:the\s+)?"
    r"(?P<name>[a-z][a-z -]{2,40}?)(?=\s*[;,.)]|\s+and\s|$)"
)


def caption_symbols(caption: str) -> dict[str, str]:
    """Symbols a caption defines for its headers: "models defined by multipliers a and b" -> {a, b: width_multiplier};
    a legend "AH = number of attention heads; HS = hidden size" -> {AH: num_heads, HS: d_model} (the name whole, or
    its first words: "feedforward network dimension" is the feed-forward size)."""
    out: dict[str, str] = {}
    for m in _LEGEND.finditer(caption):
        words = m.group("name").split()
        for n in range(len(words), 0, -1):
            key = label_key(" ".join(words[:n]), allow_symbols=False)
            if key:
                out.setdefault(m.group("sym"), key)
                break
    for m in _DEFINED.finditer(caption):
        words = m.group("word").split()
        for n in range(min(3, len(words)), 0, -1):
            name = " ".join(words[-n:])
            key = label_key(name, allow_symbols=False) or label_key(name.rstrip("s"), allow_symbols=False)
            if key:
                for sym in re.findall(r"[a-zα-ω]", m.group("syms").replace("and", " ").replace("or", " ")):
                    out.setdefault(sym, key)
                break
    return out
