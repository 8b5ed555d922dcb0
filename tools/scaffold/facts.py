"""Facts: one value plus where it came from, as the PaperSpec and config.json carry them.

A fact from the paper keeps its page and verbatim quote; a value mlintern chose
is a ``default`` fact with the reason, and a value derived by a rule is
``inferred`` with the rule named. Nothing here presents a default as the paper's.
"""

from __future__ import annotations

import re
from typing import Any

from mlintern.tools.errors import ToolError

PAPER_SOURCES = ("paper", "table")


def default(value: Any, reason: str) -> dict:
    return {"value": value, "source": "default", "reason": reason}


def inferred(value: Any, rule: str) -> dict:
    return {"value": value, "source": "inferred", "rule": rule}


def from_spec(fact: Any, key: str) -> dict:
    """Normalise a spec fact (``{value, page, quote, source}``) into a config.json fact."""
    if not isinstance(fact, dict) or "value" not in fact:
        raise ToolError(
            f"Spec key {key!r} is not a fact object with a 'value'.",
            hint='Each hyperparameter must look like {"value": ..., "page": ..., "quote": ..., '
            '"source": ...}; re-run parse-paper or fix the spec by hand.',
        )
    out = {"value": fact["value"], "source": fact.get("source") or "paper"}
    for extra in ("page", "quote", "rule", "reason"):
        if fact.get(extra) is not None:
            out[extra] = fact[extra]
    return out


# Variants that are a model's sub-networks, not sizes (a GAN's generator and discriminator): their facts
# are that sub-network's, so they are also offered under the role's prefix ("generator_activation").
SUB_NETWORK = re.compile(r"^(generator|discriminator|critic)(?:[ _-]?net(?:work)?)?$", re.I)


def spec_facts(spec: dict, variant: str | None) -> dict[str, dict]:
    """Paper-wide hyperparameters overlaid with the chosen variant's facts; facts of sub-network variants
    (generator, discriminator) also under the role's prefix."""
    facts = {k: from_spec(v, k) for k, v in (spec.get("hyperparameters") or {}).items()}
    for name, values in (spec.get("variants") or {}).items():
        role = SUB_NETWORK.match(str(name).strip())
        if role and isinstance(values, dict):
            prefix = "discriminator" if role.group(1).lower() == "critic" else role.group(1).lower()
            for k, v in values.items():
                facts.setdefault(f"{prefix}_{k}", from_spec(v, k))
    if variant is not None:
        facts.update({k: from_spec(v, k) for k, v in (spec.get("variants") or {})[variant].items()})
    return facts


def one_line(text: str, limit: int = 100) -> str:
    """A quote made safe for a one-line code comment: no newlines, no control characters, bounded."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe(fact: dict, sections: list | None = None) -> str:
    """How a comment cites a fact: ``p.5 (3.2 Attention): "quote"`` or ``mlintern default: reason``."""
    source = fact.get("source")
    if source in PAPER_SOURCES or (source not in ("default", "inferred") and fact.get("quote")):
        page = fact.get("page")
        # only an integer page is printed: a crafted "page" must not reach generated code
        where = f"p.{page}" if isinstance(page, int) and not isinstance(page, bool) else "paper"
        section = section_at(sections or [], fact.get("page"))
        if section:
            where += f" ({section})"
        quote = one_line(fact.get("quote") or "", 90)
        return f'{where}: "{quote}"' if quote else where
    if source == "inferred":
        return "inferred: " + one_line(
            fact.get("rule") or fact.get("quote") or "derived from other values", 100
        )
    return "mlintern default: " + one_line(fact.get("reason") or "not stated in the paper", 100)


def section_at(sections: list, page: Any) -> str | None:
    """The section a page belongs to, when that is certain: the last section started on an earlier page,
    provided no section starts on ``page`` itself (then the quote could sit in either)."""
    if not isinstance(page, int):
        return None
    starts = [
        s for s in sections if isinstance(s, dict) and isinstance(s.get("page"), int) and s.get("title")
    ]
    if any(s["page"] == page for s in starts):
        return None
    before = [s for s in starts if s["page"] < page]
    return one_line(before[-1]["title"], 40) if before else None


def doc_safe(text: str) -> str:
    """Text for inside a generated docstring: one line, no quotes or backslashes that could end it."""
    return one_line(text, 200).replace("\\", "/").replace('"', "'").replace("{{", "{ {")
