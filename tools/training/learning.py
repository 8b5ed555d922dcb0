"""Does a run learn? One check shared by the autonomous loop, diagnose --verify and the tests.

"The loss fell" as ``last < first`` passes on noise, and a run that recorded no
losses at all must never count as training. The check here smooths the curve
(the mean of its first and last fifth, at least one point each), then asks for
one of two things:

* the smoothed loss fell by at least ``MIN_DROP`` (5%) of its starting value, or
* it ended below the trivial baseline when one is known: ``log(num_classes)``,
  the cross-entropy of predicting every class equally (``log(vocab)`` for
  language models), with a margin of ``MIN_DROP`` as well.

5% of a smoothed curve is far above batch noise (a fifth of a 40-step pilot averages 8 batches), and
every family's pilot reaches it (DenseNet's slowest, at 8%); "last < first" passed on noise alone.

Fewer than ``MIN_POINTS`` finite losses, or any non-finite loss, is "not
verified" with a reason. The API, for every caller::

    from mlintern.tools.training.learning import learning_check, losses_from_rows, num_classes_of
    verdict = learning_check(losses_from_rows(rows), num_classes=num_classes_of(config_json))
    verdict["verified"], verdict["reason"], verdict["first"], verdict["last"], verdict["drop"]

``losses_from_rows`` keeps the training rows of ``metrics.jsonl`` (evaluation rows carry a ``split``);
``num_classes_of`` reads ``num_classes`` / ``vocab_size`` from a project's config.json.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

MIN_DROP = 0.05  # the smoothed loss must fall by this fraction of its start (or end below baseline by it)
MIN_POINTS = 3  # fewer recorded losses say nothing about learning
_FIFTH = 5


def losses_from_rows(rows: Iterable[dict]) -> list[tuple[int, float]]:
    """``(step, loss)`` of the training rows of a ``metrics.jsonl`` (evaluation rows, with a
    ``split``, are left out; so are rows without an integer step or a numeric loss)."""
    out = []
    for row in rows:
        if not isinstance(row, dict) or row.get("split") not in (None, "train"):
            continue
        loss, step = row.get("loss"), row.get("step")
        if isinstance(loss, (int, float)) and not isinstance(loss, bool) and isinstance(step, int):
            out.append((step, float(loss)))
    return out


def trivial_baseline(num_classes: int | None) -> float | None:
    """Cross-entropy of the uniform guess over ``num_classes`` (None when unknown or < 2)."""
    return math.log(num_classes) if isinstance(num_classes, int) and num_classes >= 2 else None


def learning_check(
    losses: list[tuple[int, float]] | list[float],
    *,
    num_classes: int | None = None,
    baseline: float | None = None,
    min_drop: float = MIN_DROP,
) -> dict[str, Any]:
    """Whether ``losses`` (``(step, loss)`` pairs or plain values, in step order) show learning.

    Returns ``{verified, reason, points, first, last, drop, baseline, steps}``: ``first``/``last``
    are the smoothed start and end, ``drop`` the fraction the loss fell by (negative: it rose).
    """
    values = [v[1] if isinstance(v, tuple) else float(v) for v in losses]
    steps = losses[-1][0] if losses and isinstance(losses[-1], tuple) else len(values)
    base = baseline if baseline is not None else trivial_baseline(num_classes)
    out: dict[str, Any] = {
        "verified": False,
        "points": len(values),
        "first": None,
        "last": None,
        "drop": None,
        "baseline": base,
        "steps": steps,
        "min_drop": min_drop,
    }
    if not values:
        return {**out, "reason": "no losses were recorded, so learning cannot be verified"}
    if not all(math.isfinite(v) for v in values):
        bad = next(i for i, v in enumerate(values) if not math.isfinite(v))
        return {**out, "reason": f"the loss is not finite (point {bad + 1} of {len(values)})"}
    k = max(1, len(values) // _FIFTH)
    first, last = sum(values[:k]) / k, sum(values[-k:]) / k
    drop = (first - last) / abs(first) if first else 0.0
    out.update(first=first, last=last, drop=drop)
    if len(values) < MIN_POINTS:
        return {
            **out,
            "reason": f"only {len(values)} loss value(s) recorded; at least {MIN_POINTS} are needed",
        }
    if drop >= min_drop:
        return {
            **out,
            "verified": True,
            "reason": f"the smoothed loss fell by {drop:.0%} ({first:.4g} -> {last:.4g}; needed {min_drop:.0%})",
        }
    if base is not None and last < base * (1 - min_drop):
        return {
            **out,
            "verified": True,
            "reason": f"the smoothed loss ends at {last:.4g}, below the trivial baseline {base:.4g}",
        }
    why = (
        f"the smoothed loss fell by only {drop:.0%} ({first:.4g} -> {last:.4g}; needed {min_drop:.0%})"
        if drop > 0
        else f"the smoothed loss did not fall ({first:.4g} -> {last:.4g})"
    )
    if base is not None:
        why += f" and ends above {1 - min_drop:.0%} of the trivial baseline {base:.4g}"
    return {**out, "reason": why}


def num_classes_of(config: dict) -> int | None:
    """The classes (or vocabulary) a project's loss is over, from its config.json ``model`` facts: what the
    trivial baseline is computed from. None when the config names neither."""
    model = config.get("model") if isinstance(config, dict) else None
    for key in ("num_classes", "vocab_size", "tgt_vocab_size"):
        fact = (model or {}).get(key)
        value = fact.get("value") if isinstance(fact, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
