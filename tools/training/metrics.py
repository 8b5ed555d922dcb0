"""Read ``metrics.jsonl`` as it grows; draw the loss curve; estimate the time left.

Every face's progress (MCP notifications, LSP work-done, the CLI line) comes
from these lines, so there is one source of truth for "how far along is it".
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from mlintern.sandbox.files import MiB, Tail, printable

TOTAL_RE = re.compile(rb"MLINTERN_TOTAL_STEPS=(\d+)")
MAX_LINE = 64 * 1024  # a metrics line longer than this is not a metrics line: dropped
MAX_ROWS = 20_000  # rows kept in memory: the first ones and the latest ones
MAX_READ = 64 * MiB  # read_metrics reads at most this much of a file


# The task metrics the generated train.py writes into its held-out evaluation records (besides "loss").
EVAL_METRICS = (
    "accuracy",
    "top5_accuracy",
    "perplexity",
    "bits_per_token",
    "pixel_accuracy",
    "token_accuracy",
    "f1",
    "bleu",
)


# Values every reader formats as numbers (``f"{loss:.4g}"``, sums, plots): anything else written under
# these names (a string, a list, a boolean) becomes ``None``, so no reader meets a type it did not expect.
NUMERIC = frozenset({"step", "loss", "time", "lr", "learning_rate", "epoch", *EVAL_METRICS})


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _row(line: bytes | str) -> dict | None:
    """One metrics row, or ``None``: a JSON object whose ``step`` is a finite number. Other values are kept
    only when they are finite numbers, short strings or booleans (NaN/inf become ``None``)."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(row, dict) or not _finite(row.get("step")):
        return None
    clean = {}
    for key, value in list(row.items())[:64]:
        key = printable(str(key)[:64])  # names and strings reach terminals: no escape sequences
        if key in NUMERIC:
            clean[key] = value if _finite(value) else None  # NaN/inf: the loss diverged, kept as null
        elif isinstance(value, bool) or _finite(value):
            clean[key] = value
        elif isinstance(value, float):
            clean[key] = None
        elif isinstance(value, str):
            clean[key] = printable(value[:200])
    return clean


def _parse(lines) -> list[dict]:
    return [row for row in map(_row, lines) if row is not None]


def _bounded(rows: list[dict]) -> list[dict]:
    """The first rows and the latest ones, at most MAX_ROWS in all."""
    if len(rows) <= MAX_ROWS:
        return rows
    keep = MAX_ROWS // 10
    return rows[:keep] + rows[-(MAX_ROWS - keep) :]


def read_metrics(path: Path) -> list[dict]:
    """Every complete JSON object line (a half-written last line is skipped, not an error).

    The file was written by the training code: a link, FIFO or device reads as no metrics, over-long
    lines are dropped, and at most MAX_READ bytes are read."""
    tail = Tail(path, chunk=MAX_READ, max_line=MAX_LINE)
    return _bounded(_parse(tail.lines(final=True)))


def split_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """``(training rows, evaluation rows)``: evaluation rows carry ``"split": "val"|"test"``."""
    evals = [r for r in rows if r.get("split") in ("val", "test")]
    return [r for r in rows if r.get("split") is None], evals


def last_evaluations(evals: list[dict]) -> dict:
    """The latest evaluation record of each split: ``{"val": {...}, "test": {...}}``."""
    return {r["split"]: r for r in evals}


class MetricsTail:
    """Reads only what was appended since the last call (long runs log hundreds of thousands of lines),
    a bounded chunk per call; ``count`` is every row seen, ``rows`` keeps the first and the latest ones."""

    def __init__(self, path: Path) -> None:
        self.tail = Tail(path, chunk=4 * MiB, max_line=MAX_LINE)
        self.rows: list[dict] = []
        self.new: list[dict] = []  # the rows the last read added
        self.count = 0

    @property
    def path(self) -> Path:
        return self.tail.path

    def read(self) -> list[dict]:
        new = _parse(self.tail.lines())
        self.new = new
        self.count += len(new)
        self.rows = _bounded(self.rows + new) if new else self.rows
        return self.rows


class TotalSteps:
    """Finds the ``MLINTERN_TOTAL_STEPS=<n>`` the train script prints, reading the log incrementally."""

    def __init__(self, stdout_log: Path) -> None:
        self.tail = Tail(stdout_log, chunk=4 * MiB, max_line=4096)
        self.value: int | None = None

    def read(self) -> int | None:
        for line in self.tail.lines():
            found = TOTAL_RE.findall(line)
            if found:
                self.value = int(found[-1])
        return self.value


def total_steps(stdout_log: Path) -> int | None:
    """The ``MLINTERN_TOTAL_STEPS=<n>`` the train script prints once (last one wins; first 64 MiB)."""
    scan = TotalSteps(stdout_log)
    scan.tail.chunk = MAX_READ
    return scan.read()


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
        held = [
            (r["step"], r["loss"])
            for r in evals
            if r["split"] == split and isinstance(r.get("loss"), int | float)
        ]
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

    def update(self, new_rows: list[dict]) -> None:
        """Add rows not mirrored yet (the caller passes only new ones)."""
        if self.writer is None:
            return
        for row in new_rows:
            for key, value in row.items():
                if key not in ("step", "time") and isinstance(value, int | float):
                    self.writer.add_scalar(key, value, int(row["step"]))
        self.written += len(new_rows)
        self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
