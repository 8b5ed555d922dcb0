"""The paper's claims next to what a run measured, with an honest verdict per claim.

Inputs: the paper's ``results`` (from parse-paper, copied into the project's
config.json as ``paper.results``), the run's evaluation records
(``metrics.jsonl`` rows with a ``split``) and its ``data.json`` (which data was
used, whether it is the paper's, pilot or not, how many steps were planned).

Verdicts, in the order they are decided:

* *not evaluated*: the paper's metric is not implemented here (BLEU, mAP, FID,
  ...), or the run recorded no evaluation;
* *not comparable*: stand-in data, another dataset than the claim's, pilot
  scale, a run the budget cut short of the paper's steps, or another split;
* *reproduced*: ours is within the tolerance of the paper's value, either way (the
  reason gives the signed gap: "within ±1 point: ours +0.85");
* *short by X*: ours is worse by more than the tolerance;
* *differs: +X*: ours is better by more than the tolerance. A result well above the
  claim is not a reproduction of it either: the paper's procedure, its split or its
  number differs from ours, and the report says so rather than celebrate.

Tolerance: ``TOLERANCE_POINTS`` (1.0) percentage points for metrics in %, and
``TOLERANCE_RELATIVE`` (5%) of the paper's value for the others.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mlintern.tools.scaffold import datasets as registry

TOLERANCE_POINTS = 1.0
TOLERANCE_RELATIVE = 0.05
# the paper's metric -> (our record's key, transform of ours into the paper's metric, higher is better)
METRICS: dict[str, tuple[str, Any, bool]] = {
    "accuracy": ("accuracy", None, True),
    "top-1 accuracy": ("accuracy", None, True),
    "top-5 accuracy": ("top5_accuracy", None, True),
    "error": ("accuracy", lambda a: 100.0 - a, False),
    "top-1 error": ("accuracy", lambda a: 100.0 - a, False),
    "top-5 error": ("top5_accuracy", lambda a: 100.0 - a, False),
    "perplexity": ("perplexity", None, False),
    "bits per token": ("bits_per_token", None, False),
    "bits per byte": ("bits_per_token", None, False),
    "bits per character": ("bits_per_token", None, False),
    "bleu": ("bleu", None, True),
    "f1": ("f1", None, True),
}
# What the measured metrics depend on, said where a claim uses them.
CONDITIONS = {
    "bleu": "corpus BLEU (sacrebleu, when installed where the run ran) of greedy decodes over mlintern's token "
    "ids, not over the paper's tokenizer and detokenized text",
    "f1": "F1 of classification runs (class 1's F1 for two classes, else the macro average); span F1 (SQuAD) "
    "is not implemented",
}
# The paper's metrics train.py does not measure: the claims table says "not evaluated: metric not implemented".
NOT_IMPLEMENTED = {
    "mAP": "detection mAP",
    "FID": "FID (train.py records the discriminator's held-out loss instead)",
    "exact match": "exact match (span extraction)",
    "ELBO": "the paper's ELBO units (train.py records -ELBO in nats per example)",
    "log-likelihood": "log-likelihood",
    "score": "a benchmark suite's aggregate score (e.g. GLUE: fine-tuning on each task is not implemented)",
}


def read_run(out_dir: str | Path | None) -> tuple[list[dict], dict]:
    """``(evaluation rows, data.json)`` of a run's output folder. Both were written by the training code:
    read through the hardened readers (no link, no FIFO, a bounded size)."""
    if not out_dir:
        return [], {}
    from mlintern.sandbox import files
    from mlintern.tools.training.metrics import read_metrics

    out = Path(out_dir)
    rows = [r for r in read_metrics(out / "metrics.jsonl") if r.get("split") in ("val", "test")]
    return rows, files.read_json_object(out / "data.json", limit=100_000)


def scale_of(info: dict, evals: list[dict], reached: int | None = None) -> str:
    """``pilot``, ``full`` (the run reached the paper's steps) or ``budget-cut``; ``reached`` is the last
    training step when known (else the last evaluated one)."""
    if info.get("pilot"):
        return "pilot"
    planned = info.get("train_steps")
    reached = max([r.get("step") or 0 for r in evals] + [reached or 0])
    if isinstance(planned, int) and reached >= planned:
        return "full"
    return "budget-cut"


def _final(evals: list[dict], split: str) -> dict | None:
    rows = [r for r in evals if r.get("split") == split]
    return rows[-1] if rows else None


def tolerance(claim: dict) -> tuple[float, str]:
    if claim.get("unit") == "%":
        return TOLERANCE_POINTS, f"±{TOLERANCE_POINTS:g} point"
    value = abs(float(claim.get("value") or 0.0))
    return value * TOLERANCE_RELATIVE, f"±{TOLERANCE_RELATIVE:.0%}"


def compare(
    results: list[dict],
    evals: list[dict],
    info: dict,
    reached: int | None = None,
    variant: dict | None = None,
) -> list[dict]:
    """One row per claim: ``{claim, ours, split, same_data, same_split, scale, verdict, why, tolerance}``;
    ``reached``: the run's last training step (a run the budget stopped may have no evaluation);
    ``variant``: ``{"ran", "paper", "names"}``, the variant the run trained, the paper's default one and the
    names the paper lists (a claim is on the variant its setting names, else on the paper's)."""
    scale = scale_of(info, evals, reached)
    reached = max([r.get("step") or 0 for r in evals] + [reached or 0])
    our_dataset = info.get("dataset")
    rows = []
    for claim in results or []:
        if not isinstance(claim, dict) or not isinstance(claim.get("value"), (int, float)):
            continue
        metric = str(claim.get("metric") or "")
        want_split = "val" if claim.get("split") == "val" else "test"
        record = _final(evals, want_split) or _final(evals, "test") or _final(evals, "val")
        claim_ds = (
            registry.lookup(claim.get("dataset"), claim.get("quote") or "") if claim.get("dataset") else None
        )
        same_data = bool(info.get("paper_dataset")) and (claim_ds is None or claim_ds == our_dataset)
        same_split = record is not None and record.get("split") == want_split
        tol, tol_text = tolerance(claim)
        row: dict[str, Any] = {
            "claim": claim,
            "ours": None,
            "split": record.get("split") if record else None,
            "step": record.get("step") if record else None,
            "dataset": our_dataset,
            "same_data": same_data,
            "same_split": same_split,
            "scale": scale,
            "tolerance": tol_text,
            "main": bool(claim.get("main")),
        }
        apart = _apart(claim, info, claim_ds, scale, reached, record, want_split)
        other = _other_variant(claim, variant)
        if other:
            apart.insert(0, other)
        mapping = METRICS.get(metric.lower()) or METRICS.get(metric)
        if mapping is None:
            why = "metric not implemented: " + NOT_IMPLEMENTED.get(metric, repr(metric))
            rows.append({**row, "verdict": "not evaluated", "why": _anyway(why, apart)})
            continue
        key, transform, higher = mapping
        if key == "bleu":
            apart.append("BLEU over mlintern's token ids, not the paper's tokenizer")
        ours = record.get(key) if record else None
        if not isinstance(ours, (int, float)) or not math.isfinite(ours):
            if record is None:
                verdict, missing = (
                    ("not comparable" if apart else "not evaluated"),
                    "no held-out evaluation was recorded",
                )
            else:  # the run evaluated but could not measure this metric: nothing to compare, whatever the data
                told = info.get(
                    "not_evaluated"
                )  # written by the training code: a dict of short strings, or not
                said = told.get(metric) if isinstance(told, dict) else None
                verdict = "not evaluated"
                missing = f"{metric} not measured: " + (
                    str(said)[:200] if said else CONDITIONS.get(key, f"no {key}")
                )
            why = "; ".join([missing, *apart]) if verdict == "not comparable" else _anyway(missing, apart)
            rows.append({**row, "verdict": verdict, "why": why})
            continue
        ours = float(transform(ours) if transform else ours)
        if key == "f1" and claim["value"] <= 1.0 and claim.get("unit") != "%":
            ours /= 100.0  # the paper states F1 as a fraction, ours is in %
        row["ours"] = round(ours, 4)
        gap = (ours - claim["value"]) if higher else (claim["value"] - ours)  # > 0: ours is better
        row["gap"] = round(gap, 4)
        if apart:
            verdict, why = "not comparable", "; ".join(apart)
        elif abs(gap) <= tol:
            verdict, why = "reproduced", f"within {tol_text}: ours {_signed(gap)}"
        elif gap > tol:
            verdict = f"differs: {_signed(gap)}"
            why = f"ours is {abs(gap):.3g} better than the paper's value, outside {tol_text}"
        else:
            verdict, why = f"short by {abs(gap):.3g}", f"outside {tol_text}"
        rows.append({**row, "verdict": verdict, "why": why})
    return rows


def _apart(
    claim: dict,
    info: dict,
    claim_ds: str | None,
    scale: str,
    reached: int,
    record: dict | None,
    want_split: str,
) -> list[str]:
    """Every reason the run's numbers cannot be compared with the claim (not just the first one). The one
    place these reasons are worded: a claim that is *not evaluated* lists them too, once."""
    apart = []
    our_dataset = info.get("dataset")
    if not info:
        apart.append("the run did not say which data it used")
    elif not info.get("paper_dataset"):
        apart.append(f"stand-in data ({our_dataset or 'unknown'}), not the paper's")
    elif claim_ds is not None and claim_ds != our_dataset:
        apart.append(f"the claim is on {claim.get('dataset')}, the run on {our_dataset}")
    if scale == "pilot":
        apart.append("pilot scale (a tiny configuration for a few steps)")
    elif scale == "budget-cut":
        apart.append(
            f"budget-cut: the run reached step {reached} of the paper's {info.get('train_steps') or '?'}"
        )
    if record is not None and record.get("split") != want_split:
        apart.append(f"other split: the claim is on {want_split}, ours on {record.get('split')}")
    return apart


def _norm(name: object) -> str:
    return "".join(ch for ch in str(name or "").lower() if ch.isalnum())


def _other_variant(claim: dict, variant: dict | None) -> str | None:
    """ "other variant: ..." when the claim is on a variant the run did not train."""
    if not variant or not variant.get("ran"):
        return None
    names = {_norm(n): str(n) for n in variant.get("names") or []}
    own = names.get(_norm(claim.get("setting"))) or names.get(_norm(claim.get("variant")))
    on = own or variant.get("paper")
    if not on or _norm(on) == _norm(variant["ran"]):
        return None
    whose = "" if own else "the paper's "
    return f"other variant: the claim is on {whose}{on}, the run trained {variant['ran']}"


def _anyway(missing: str, apart: list[str]) -> str:
    """A claim *not evaluated* still says what would have kept it from being comparable: a reader must not
    think only the metric stood between this run and the paper's number."""
    return f"{missing}; and not comparable anyway: {'; '.join(apart)}" if apart else missing


def _signed(gap: float) -> str:
    return f"{gap:+.3g}"


def outcome_word(row: dict | None) -> str:
    """The report's first word for the main claim's verdict: REPRODUCED, NOT REPRODUCED (short by X),
    DIFFERS (better than the paper by more than the tolerance), NOT COMPARABLE or NOT EVALUATED."""
    verdict = str((row or {}).get("verdict") or "")
    if verdict == "reproduced":
        return "REPRODUCED"
    if verdict.startswith("short"):
        return "NOT REPRODUCED"
    if verdict.startswith("differs"):
        return "DIFFERS"
    return "NOT COMPARABLE" if verdict == "not comparable" else "NOT EVALUATED"


def headline_verdict(rows: list[dict]) -> str:
    """The claims' verdicts in one phrase: the main claim first, then counts."""
    if not rows:
        return "the paper states no result mlintern could read, so nothing was compared"
    main = next((r for r in rows if r["main"]), rows[0])
    c = main["claim"]
    ours = (
        f"ours {main['ours']:.4g}{c.get('unit') or ''}" if main["ours"] is not None else "ours not measured"
    )
    text = (
        f"main claim {c.get('metric')} {c['value']:g}{c.get('unit') or ''}"
        f"{' (' + c['split'] + ')' if c.get('split') else ''} vs {ours}: {main['verdict']}"
    )
    if main.get("why"):
        text += f" ({main['why']})"
    others = [r["verdict"].split(" by ")[0].split(":")[0] for r in rows if r is not main]
    if others:
        counts: dict[str, int] = {}
        for v in others:
            counts[v] = counts.get(v, 0) + 1
        text += "; other claims: " + ", ".join(f"{n} {v}" for v, n in counts.items())
    return text


def fmt_value(value: Any, unit: str | None) -> str:
    return "—" if value is None else f"{value:.4g}{unit or ''}"
