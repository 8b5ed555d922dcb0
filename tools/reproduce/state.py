"""The loop's memory, kept in the workspace event log so a killed loop resumes.

After every step the loop appends an ``auto.step`` event holding the paper's
whole state (small: ids, paths, figures, diffs — never the spec itself).
Resuming replays the log: the last snapshot for the paper after its last
``auto.reset`` is where the loop stands. Nothing else is needed: the tools'
own results (spec files, projects, runs) live in the workspace already.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from mlintern.tools.training.learning import learning_check, losses_from_rows
from mlintern.tools.training.metrics import read_metrics as read_metrics_file
from mlintern.tools.workspace import METRICS_FILE, metrics_file

STEP_EVENT = "auto.step"
RESET_EVENT = "auto.reset"


@dataclass
class LoopState:
    """Everything the loop knows about one paper; saved after every step, replayed on resume.

    ``steps`` maps a finished step's name (parse, plan, scaffold, full, evaluate, export, review, report) to
    its result; ``pilots`` are the pilot runs in order; ``pending`` is a run in flight when the loop stopped.
    """

    paper: str
    source: str
    brain: str
    steps: dict[str, dict] = field(default_factory=dict)
    pilots: list[dict] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)
    installs: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stop: dict | None = None  # {kind, step, message} when something ended the loop early
    pending: dict | None = None  # {mode, run_id} of a run in flight
    resumes: int = 0
    started: float | None = None
    elapsed_s: float = 0.0
    train_spent_s: float = 0.0
    llm: dict[str, Any] = field(default_factory=dict)
    approvals: list[dict] = field(default_factory=list)
    seen_diagnoses: list | None = None
    seen_edits: list | None = None

    @classmethod
    def from_dict(cls, data: dict) -> LoopState:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("paper", "source", "brain"):
            values.setdefault(key, "")
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def full(self) -> dict:
        return self.steps.get("full") or {}


def load_state(workspace, paper_key: str) -> LoopState | None:
    """The last saved state of ``paper_key``, or None when it never started (or was reset)."""
    last: dict | None = None
    since = 0
    while True:
        batch = workspace.events(since_id=since, limit=1000)
        if not batch:
            return LoopState.from_dict(last) if last is not None else None
        for ev in batch:
            if ev["data"].get("paper") != paper_key:
                continue
            if ev["kind"] == RESET_EVENT:
                last = None
            elif ev["kind"] == STEP_EVENT:
                last = ev["data"]["state"]
        since = batch[-1]["id"]


def save_state(workspace, paper_key: str, step: str, state: LoopState | dict) -> None:
    data = state.to_dict() if isinstance(state, LoopState) else copy.deepcopy(state)
    workspace.log_event(STEP_EVENT, {"paper": paper_key, "step": step, "state": data})


def reset_state(workspace, paper_key: str) -> None:
    workspace.log_event(RESET_EVENT, {"paper": paper_key})


def read_metrics(run_dir: str | None) -> list[dict]:
    """The rows of ``metrics.jsonl`` in ``run_dir`` (a run's out dir) or in a run folder's ``out/``;
    read as the training code's output is read everywhere (no link, no FIFO, bounded)."""
    if not run_dir:
        return []
    here = Path(run_dir) / METRICS_FILE
    return read_metrics_file(here if here.is_file() else metrics_file(run_dir))


def read_losses(run_dir: str | None) -> list[tuple[int, float]]:
    """``(step, loss)`` of the training rows (evaluation rows carry a ``split`` and are left out)."""
    return [(s, v) for s, v in losses_from_rows(read_metrics(run_dir)) if math.isfinite(v)]


def read_evals(run_dir: str | None) -> list[dict]:
    """The evaluation rows (``{"split": "val"|"test", "step", "loss", <metric>...}``), in order."""
    return [r for r in read_metrics(run_dir) if r.get("split") in ("val", "test")]


def loss_summary(losses: list[tuple[int, float]], num_classes: int | None = None) -> dict:
    """The shared learning check (tools/training/learning.py); ``fell`` is its verdict."""
    check = learning_check(losses, num_classes=num_classes)
    return {
        "points": check["points"],
        "first": check["first"],
        "last": check["last"],
        "fell": check["verified"],
        "drop": check["drop"],
        "why": check["reason"],
        "steps": check["steps"] if losses else None,
    }
