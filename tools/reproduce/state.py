"""The loop's memory, kept in the workspace event log so a killed loop resumes.

After every step the loop appends an ``auto.step`` event holding the paper's
whole state (small: ids, paths, figures, diffs — never the spec itself).
Resuming replays the log: the last snapshot for the paper after its last
``auto.reset`` is where the loop stands. Nothing else is needed: the tools'
own results (spec files, projects, runs) live in the workspace already.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

STEP_EVENT = "auto.step"
RESET_EVENT = "auto.reset"


def load_state(workspace, paper_key: str) -> dict | None:
    """The last saved state of ``paper_key``, or None when it never started (or was reset)."""
    last: dict | None = None
    since = 0
    while True:
        batch = workspace.events(since_id=since, limit=1000)
        if not batch:
            return last
        for ev in batch:
            if ev["data"].get("paper") != paper_key:
                continue
            if ev["kind"] == RESET_EVENT:
                last = None
            elif ev["kind"] == STEP_EVENT:
                last = ev["data"]["state"]
        since = batch[-1]["id"]


def save_state(workspace, paper_key: str, step: str, state: dict) -> None:
    workspace.log_event(STEP_EVENT, {"paper": paper_key, "step": step, "state": copy.deepcopy(state)})


def reset_state(workspace, paper_key: str) -> None:
    workspace.log_event(RESET_EVENT, {"paper": paper_key})


def read_metrics(run_dir: str | None) -> list[dict]:
    """The rows of ``metrics.jsonl`` in ``run_dir`` or its ``out/`` (a line cut by a kill is skipped)."""
    if not run_dir:
        return []
    path = next((p for p in (Path(run_dir) / "metrics.jsonl", Path(run_dir) / "out" / "metrics.jsonl")
                 if p.is_file()), None)
    if path is None:
        return []
    from mlintern.sandbox import files

    rows = []  # written by the training code: no link, no FIFO, a bounded tail
    for line in (files.try_read_text(path, limit=64 * files.MiB, tail=True) or "").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def read_losses(run_dir: str | None) -> list[tuple[int, float]]:
    """``(step, loss)`` pairs (finite losses only)."""
    return [(int(r["step"]), float(r["loss"])) for r in read_metrics(run_dir)
            if isinstance(r.get("loss"), (int, float)) and math.isfinite(r["loss"]) and isinstance(r.get("step"), int)]


def loss_summary(losses: list[tuple[int, float]]) -> dict:
    """First/last loss (averaged over a tenth of the curve, at least one point) and whether it fell."""
    if len(losses) < 2:
        return {"points": len(losses), "fell": False, "first": losses[0][1] if losses else None,
                "last": losses[-1][1] if losses else None}
    k = max(1, len(losses) // 10)
    first = sum(v for _, v in losses[:k]) / k
    last = sum(v for _, v in losses[-k:]) / k
    return {"points": len(losses), "first": first, "last": last, "fell": last < first,
            "steps": losses[-1][0]}
