"""Read ``metrics.jsonl`` as it grows; draw the loss curve; estimate the time left.

Every face's progress (MCP notifications, LSP work-done, the CLI line) comes
from these lines, so there is one source of truth for "how far along is it".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TOTAL_RE = re.compile(rb"MLINTERN_TOTAL_STEPS=(\d+)")


def _parse(lines: list[str]) -> list[dict]:
    rows = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("step"), int | float):
            rows.append(row)
    return rows


def read_metrics(path: Path) -> list[dict]:
    """Every complete JSON object line (a half-written last line is skipped, not an error)."""
    try:
        raw = path.read_text(errors="replace")
    except OSError:
        return []
    return _parse(raw.splitlines())


def split_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """``(training rows, evaluation rows)``: evaluation rows carry ``"split": "val"|"test"``."""
    evals = [r for r in rows if r.get("split") in ("val", "test")]
    return [r for r in rows if r.get("split") is None], evals


def last_evaluations(evals: list[dict]) -> dict:
    """The latest evaluation record of each split: ``{"val": {...}, "test": {...}}``."""
    return {r["split"]: r for r in evals}


class MetricsTail:
    """Reads only what was appended since the last call (long runs log hundreds of thousands of lines)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.rows: list[dict] = []

    def read(self) -> list[dict]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except OSError:
            return self.rows
        complete = chunk[:chunk.rfind(b"\n") + 1]  # keep a half-written last line for next time
        self.offset += len(complete)
        self.rows.extend(_parse(complete.decode(errors="replace").splitlines()))
        return self.rows


def total_steps(stdout_log: Path) -> int | None:
    """The ``MLINTERN_TOTAL_STEPS=<n>`` the train script prints once (last one wins)."""
    try:
        found = TOTAL_RE.findall(stdout_log.read_bytes())
    except OSError:
        return None
    return int(found[-1]) if found else None


def eta_seconds(rows: list[dict], total: int | None) -> float | None:
    """Seconds left, from the pace of the logged steps (``time`` is seconds since start)."""
    if not total or len(rows) < 2:
        return None
    start = len(rows) - 1  # ``time`` restarts at 0 when a run resumes: use the latest stretch only
    while start > 0 and _seconds(rows[start - 1]) <= _seconds(rows[start]):
        start -= 1
    first, last = rows[start], rows[-1]
    steps = last["step"] - first["step"]
    try:
        elapsed = float(last["time"]) - float(first["time"])
    except (KeyError, TypeError, ValueError):
        return None
    if steps <= 0 or elapsed <= 0:
        return None
    return max(0.0, (total - last["step"]) * elapsed / steps)


def _seconds(row: dict) -> float:
    try:
        return float(row["time"])
    except (KeyError, TypeError, ValueError):
        return float("nan")


def plot_loss(rows: list[dict], png: Path, title: str) -> Path | None:
    """Write the loss curve; atomic (write then rename) so readers never see half a PNG."""
    train, evals = split_rows(rows)
    points = [(r["step"], r["loss"]) for r in train if isinstance(r.get("loss"), int | float)]
    if not points:
        return None
    try:
        from matplotlib.figure import Figure  # the object API draws without a display or pyplot state
    except ImportError:  # a declared dependency, but a bare GPU box may lack it: no plot beats no run
        return None

    fig = Figure(figsize=(6, 3.5), dpi=100)
    ax = fig.add_subplot()
    ax.plot([p[0] for p in points], [p[1] for p in points], linewidth=1.2, label="training loss")
    for split, style in (("val", "o-"), ("test", "s")):  # held-out losses next to the training loss
        held = [(r["step"], r["loss"]) for r in evals if r["split"] == split and isinstance(r.get("loss"), int | float)]
        if held:
            ax.plot([p[0] for p in held], [p[1] for p in held], style, markersize=3, label=f"{split} loss")
    if evals:
        ax.legend(fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    tmp = png.with_suffix(".tmp.png")
    fig.savefig(tmp)
    tmp.replace(png)
    return png


class TensorBoardMirror:
    """Mirror metrics into TensorBoard event files when ``tensorboard`` is installed; else do nothing."""

    def __init__(self, logdir: Path) -> None:
        self.writer = None
        self.logdir = logdir
        self.written = 0
        try:
            import tensorboard  # noqa: F401
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            return
        self.writer = SummaryWriter(str(logdir))

    def update(self, rows: list[dict]) -> None:
        if self.writer is None:
            return
        for row in rows[self.written:]:
            for key, value in row.items():
                if key not in ("step", "time") and isinstance(value, int | float):
                    self.writer.add_scalar(key, value, int(row["step"]))
        self.written = len(rows)
        self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
