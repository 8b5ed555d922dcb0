"""Number reading and text folding: every way of writing a number that the extractors rely on."""

from __future__ import annotations

import pytest
from mlintern.tools.paper.text import NUMBER_RE, as_json_number, join_lines, norm_quote, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4.2M", 4.2e6),
        ("3.4 million", 3.4e6),
        ("10k", 1e4),
        ("100K", 1e5),
        ("1e-4", 1e-4),
        ("2.5e-4", 2.5e-4),
        ("3.0e−4", 3e-4),
        ("10−9", 1e-9),
        ("10^-4", 1e-4),
        ("8 · 10−4", 8e-4),
        ("13.6 · 106", 13.6e6),
        ("60 × 104", 6e5),
        ("25,000", 25000),
        ("2, 000", 2000),
        ("60 000", 60000),
        (".5", 0.5),
        ("0.1", 0.1),
        ("twenty", 20),
        ("Eight", 8),
        ("6.7B", 6.7e9),
        ("65", 65),
    ],
)
def test_numbers_as_papers_write_them(text, value):
    assert parse_number(text) == pytest.approx(value)
    assert [m.group(0) for m in NUMBER_RE.finditer(text)] == [text]  # the scanner takes it as one number


@pytest.mark.parametrize("text", ["", "abc", "1/2", "--"])
def test_non_numbers_are_none(text):
    assert parse_number(text) is None


def test_a_list_after_a_comma_is_not_a_thousands_group():
    assert [m.group(0) for m in NUMBER_RE.finditer("(width multiplier 1, 224 × 224)")] == ["1", "224", "224"]


def test_json_numbers_keep_integers_integral():
    assert as_json_number(65e6) == 65000000 and isinstance(as_json_number(65e6), int)
    assert as_json_number(0.1 + 0.2) == 0.3


def test_hyphenation_and_ligatures_are_undone_but_math_is_kept():
    text = join_lines(["We use a regulari-", "zation with a ﬁxed rate 10−9 and", "self-", "Attention"])
    assert text == "We use a regularization with a fixed rate 10−9 and self- Attention"


def test_quote_folding_matches_the_evaluation():
    assert norm_quote("Layer-\nnorm  ﬁxed “x” β1 = 0.9") == norm_quote("layernorm fixed “x” β1=0.9")
    assert norm_quote("10−9") == "109"  # minus signs fold away like hyphens; values are read before folding
