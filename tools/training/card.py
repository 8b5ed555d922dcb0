"""The model card's results: the paper's claims next to the run's evaluation, and the Hub's ``model-index``.

``with_results(card, config, out_dir, title)`` adds a ``model-index`` block to
the card's YAML front matter (so the Hub shows the results) and a "Results vs.
the paper" section. Each claim the run could measure becomes one Hub result:
the task, the dataset, our value (``verified: false``: nobody but mlintern
checked it) and, next to it, the paper's value and the verdict in words.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlintern.tools.training import claims as C

TASKS = {
    "accuracy": "image-classification",
    "top-1 accuracy": "image-classification",
    "top-5 accuracy": "image-classification",
    "error": "image-classification",
    "top-1 error": "image-classification",
    "top-5 error": "image-classification",
    "perplexity": "text-generation",
    "bits per token": "text-generation",
    "bits per character": "text-generation",
    "bits per byte": "text-generation",
    "bleu": "translation",
}


def _yaml_str(text: str) -> str:
    return json.dumps(str(text))  # a JSON string is a valid YAML scalar, with every character escaped


def model_index(name: str, rows: list[dict]) -> list[str]:
    """YAML lines of ``model-index`` for the measured claims (none when nothing was measured)."""
    measured = [r for r in rows if r["ours"] is not None]
    if not measured:
        return []
    lines = ["model-index:", f"- name: {_yaml_str(name)}", "  results:"]
    for r in measured:
        c = r["claim"]
        metric = str(c.get("metric"))
        label = f"{metric} (paper: {c.get('value')}{c.get('unit') or ''}; {r['verdict']})"
        lines += [
            "  - task:",
            f"      type: {TASKS.get(metric.lower(), 'other')}",
            "    dataset:",
            f"      name: {_yaml_str(r.get('dataset') or c.get('dataset') or 'unknown')}",
            f"      type: {_yaml_str(r.get('dataset') or 'unknown')}",
            f"      split: {r.get('split')}",
            "    metrics:",
            f"    - type: {_yaml_str(metric)}",
            f"      value: {r['ours']}",
            f"      name: {_yaml_str(label)}",
            "      verified: false",
        ]
    return lines


def results_section(rows: list[dict]) -> list[str]:
    out = ["## Results vs. the paper", ""]
    if not rows:
        return out + ["The paper states no result mlintern could read; nothing was compared.", ""]
    out += ["| claim | paper (page) | ours | split | same data | verdict |", "|---|---|---|---|---|---|"]
    for r in rows:
        c = r["claim"]
        out.append(
            f"| {c.get('metric')}{' (main)' if r['main'] else ''} | {C.fmt_value(c.get('value'), c.get('unit'))}"
            f" (p. {c.get('page')}) | {C.fmt_value(r['ours'], c.get('unit'))} | {r.get('split') or '—'} | "
            f"{'yes' if r['same_data'] else 'no'} | {r['verdict']}: {r['why']} |"
        )
    return out + [
        "",
        f"Tolerance: {C.TOLERANCE_POINTS:g} point for metrics in %, {C.TOLERANCE_RELATIVE:.0%} of the "
        "paper's value otherwise.",
        "",
    ]


def with_results(card: str, config: dict, out_dir: str | Path, title: str, reached: int | None = None) -> str:
    """``card`` with ``model-index`` in its front matter and the results section before "## Provenance"."""
    evals, info = C.read_run(out_dir)
    rows = C.compare((config.get("paper") or {}).get("results") or [], evals, info, reached)
    index = model_index(title, rows)
    if index and card.startswith("---\n"):
        end = card.index("\n---", 4)
        card = card[:end] + "\n" + "\n".join(index) + card[end:]
    section = "\n".join(results_section(rows)) + "\n"
    marker = "## Provenance"
    return card.replace(marker, section + marker, 1) if marker in card else card + "\n" + section
