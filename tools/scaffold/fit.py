"""Sizes given only as a count: derive the unstated shape knobs in the family's usual proportions.

When a variant states its parameter count but not the width (and depth) that produce it, a family's
``Fit`` names the knob(s) to derive: a width from a ladder of candidate values, and optionally a depth
chosen jointly. Parameters of stacked models are affine in the depth, so two cheap builds per width
(depth 1 and 2) give the exact count at any depth; the width is bisected on the family's usual depth for
it, then the neighbouring widths are tried with the depth that best matches the count, preferring the
family's usual proportions among those within 1%. Every derived value is an ``inferred`` fact whose rule
says how it was chosen and how close the count came. Stated values are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlintern.tools.scaffold import facts as F

MATCH = 0.01  # a derived shape must match the stated count within 1%


@dataclass(frozen=True)
class Fit:
    width: str  # the config field derived from the count
    widths: Callable[[dict], list]  # candidate values, ascending in size
    rule: str  # the family's proportions, in words (shown in README/config.json)
    depth: str | None = None  # optionally a depth field derived jointly (parameters are affine in it)
    usual_depth: Callable[[dict, Any], int] | None = None  # the family's usual depth for a width


def _stated(fact: dict | None) -> bool:
    """Only a value the family chose by convention (``default``) may be derived from the count."""
    return bool(fact) and fact.get("source") != "default"


def fit_to_count(
    fit: Fit,
    stated: dict[str, dict],
    model: dict[str, dict],
    target: int,
    count: Callable[[dict[str, dict]], int],
) -> dict[str, dict] | None:
    """Overrides (inferred facts) for the unstated knobs that bring the count to ``target``, or None.

    ``count(overrides)`` re-resolves the family's fields with ``overrides`` as if stated and returns the
    full configuration's parameter count.
    """
    if _stated(model.get(fit.width)) or fit.width in stated:
        return None
    fit_depth = fit.depth is not None and not _stated(model.get(fit.depth)) and fit.depth not in stated
    values = {k: f["value"] for k, f in model.items()}
    widths = list(fit.widths(values))
    if not widths:
        return None
    cache: dict[tuple, int] = {}

    def n(w: Any, depth: int | None = None) -> int:
        key = (repr(w), depth)
        if key not in cache:
            over = {fit.width: {"value": w, "source": "inferred"}}
            if depth is not None:
                over[fit.depth] = {"value": depth, "source": "inferred"}
            cache[key] = count(over)
        return cache[key]

    def affine(w: Any) -> tuple[int, int]:  # count = a + b * depth
        one = n(w, 1)
        per_layer = n(w, 2) - one
        return one - per_layer, per_layer

    def usual(w: Any) -> int:
        return max(1, int(fit.usual_depth(values, w))) if fit_depth and fit.usual_depth else values[fit.depth]

    def estimate(w: Any) -> int:
        if not fit_depth:
            return n(w)
        a, b = affine(w)
        return a + b * usual(w)

    lo, hi = 0, len(widths) - 1
    while lo < hi:  # first width whose usual-shape count reaches the target
        mid = (lo + hi) // 2
        if estimate(widths[mid]) < target:
            lo = mid + 1
        else:
            hi = mid
    best = None  # (within, preference, error, width, depth, count)
    for i in range(max(0, lo - 4), min(len(widths), lo + 5)):
        w = widths[i]
        if fit_depth:
            a, b = affine(w)
            depth = max(1, round((target - a) / b)) if b > 0 else usual(w)
            got = a + b * depth
            preference = abs(depth - usual(w)) / usual(w)
        else:
            depth, got, preference = None, n(w), 0.0
        error = abs(got - target) / target
        key = (error > MATCH, preference if error <= MATCH else error, error)
        if best is None or key < best[0]:
            best = (key, w, depth, got)
    _, w, depth, got = best
    now = count({})
    if abs(got - target) >= abs(now - target):
        return None
    how = f"chosen so the count ({got:,}) matches the paper's {target:,} ({(got - target) / target:+.2%})"
    out = {fit.width: F.inferred(w, f"{fit.rule}; {fit.width} {how}")}
    if depth is not None:
        out[fit.depth] = F.inferred(depth, f"{fit.rule}; {fit.depth} {how}")
    return out
