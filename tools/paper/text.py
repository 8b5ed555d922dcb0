"""Text folding and number reading shared by the document model and the extractors.

Two foldings live here on purpose:

* ``norm_quote`` is the comparison the quote check uses (the same one the
  evaluation uses): case, whitespace, hyphens/dashes, curly quotes and
  ligatures folded away. A quote is "verbatim" when its ``norm_quote`` occurs
  in the ``norm_quote`` of the cited page. Quotes are therefore cut from the
  page text with *only* whitespace, ligature and hyphenation changes, so they
  survive this check; the Unicode math (``10−9``, ``8 · 10−4``, ``β1``) stays in
  the quote and is read by ``parse_number`` instead.
* ``parse_number`` turns the ways papers write numbers into floats.
"""

from __future__ import annotations

import math
import re
import unicodedata

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIG_RE = re.compile("[" + "".join(LIGATURES) + "]")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"


def fold_ligatures(s: str) -> str:
    return _LIG_RE.sub(lambda m: LIGATURES[m.group(0)], s)


def norm_quote(s: str) -> str:
    """Lowercase, NFKC, ligatures and quotes folded, all whitespace and hyphens/dashes removed."""
    s = unicodedata.normalize("NFKC", s)
    s = fold_ligatures(s)
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u00ad", "")
    return re.sub(r"[\s\-" + _DASHES + r"]+", "", s).lower()


def clean_line(s: str) -> str:
    """Ligatures out, odd spaces to plain spaces; everything else kept (quotes must stay verbatim)."""
    s = (
        fold_ligatures(s)
        .replace("\u00ad", "")
        .replace("\u00a0", " ")
        .replace("\u2009", " ")
        .replace("\u202f", " ")
    )
    return re.sub(r"[ \t]+", " ", s).strip()


def join_lines(lines: list[str]) -> str:
    """Join text lines into running text, undoing end-of-line hyphenation ("hyphen-" + "ation")."""
    out = ""
    for line in lines:
        line = clean_line(line)
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and line[:1].islower() and len(out) > 1 and out[-2].isalpha():
            out = out[:-1] + line
        else:
            out += " " + line
    return out


# ------------------------------------------------------------------ numbers
WORD_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_WORD_NUM_RE = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))

_MINUS = "[-\u2212\u2013]"
_MULT = r"(?:×|x|\*|·|⋅|\\times|\\cdot)"
# A mantissa: 25,000 / 2, 000 / 60 000 / 0.1 / .5 / 4 ("1, 224" is a list, not 1224: a space after the
# comma is only read as a thousands separator in front of 000, where PDFs put one)
_MANT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:, 000)+(?!\d)|\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d.])|\d+(?:\.\d+)?|\.\d+)"
_SUFFIX = r"(?:[\s-]?(?:million|billion|thousand|trillion)\b|[kKMBT](?![a-zA-Z]))"
NUMBER = (
    rf"(?:{_MANT}\s?{_MULT}\s?10\s?(?:\^\s?)?(?:{_MINUS}\s?)?\d{{1,2}}(?!\d)"  # 8 · 10−4, 60 × 104, 13.6 · 106
    rf"|10\s?(?:\^\s?)?{_MINUS}\s?\d{{1,2}}(?!\d)"  # 10−9, 10^-4
    rf"|{_MANT}[eE]\s?{_MINUS}?\s?\d{{1,2}}(?!\d)"  # 1e-4, 3.0e−4
    rf"|{_MANT}{_SUFFIX}?"  # 25,000 / 4.2M / 3.4 million / 10k
    rf"|\b(?:{_WORD_NUM_RE})\b)"
)
NUMBER_RE = re.compile(NUMBER, re.IGNORECASE)
_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}


def _mant(s: str) -> float:
    s = s.strip()
    if re.fullmatch(r"\d{1,3}(?:,\s?\d{3})+", s) or re.fullmatch(r"\d{1,3}(?:[ \u2009\u202f]\d{3})+", s):
        s = re.sub(r"[,\s\u2009\u202f]", "", s)
    return float(s)


def parse_number(text: str) -> float | None:
    """Read one number as papers write it; ``None`` when ``text`` is not exactly one number."""
    t = unicodedata.normalize("NFKC", text).strip().rstrip(".,;:")
    t = t.replace("\u2212", "-").replace("\u2013", "-")
    if not t:
        return None
    low = t.lower()
    if low in WORD_NUMBERS:
        return float(WORD_NUMBERS[low])
    words = low.split()  # "one thousand", "two million"
    if (
        len(words) == 2
        and words[0] in WORD_NUMBERS
        and words[1] in ("hundred", "thousand", "million", "billion")
    ):
        return WORD_NUMBERS[words[0]] * (100.0 if words[1] == "hundred" else _SCALE[words[1]])
    m = re.fullmatch(rf"({_MANT})\s?{_MULT}\s?10\s?(?:\^\s?)?(-?)\s?(\d{{1,2}})", t)
    if m:
        return _mant(m.group(1)) * 10 ** (int(m.group(3)) * (-1 if m.group(2) else 1))
    m = re.fullmatch(r"10\s?(?:\^\s?)?-\s?(\d{1,2})", t)
    if m:
        return 10.0 ** -int(m.group(1))
    m = re.fullmatch(rf"({_MANT})[eE]\s?(-?)\s?(\d{{1,2}})", t)
    if m:
        return _mant(m.group(1)) * 10 ** (int(m.group(3)) * (-1 if m.group(2) else 1))
    m = re.fullmatch(rf"({_MANT})(?:\s?|-(?=[a-z]))(million|billion|thousand|trillion|[kKMBT])", t)
    if m:
        return _mant(m.group(1)) * _SCALE[m.group(2).lower()]
    try:
        return _mant(t)
    except ValueError:
        return None


def as_json_number(x: float) -> int | float:
    """Integers stay integers in the JSON (65000000, not 65000000.0); floats are rounded for noise."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e18:
        return int(x)
    return float(f"{x:.6g}")
