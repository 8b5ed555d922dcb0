"""Hard limits that no brain can lift: wall clock, training time, repairs, LLM dollars.

The loop asks the budget before every step; a brain only ever *proposes*
numbers (how long the full run should be), and the budget clamps them. The
budget survives a restart: a resumed loop carries the seconds already spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


class BudgetExhausted(Exception):
    """A hard limit was reached; ``kind`` is ``wall``, ``training``, ``repairs`` or ``usd``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# Dollars per million tokens. Override with ``--price-table FILE.json`` (same shape).
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "claude-opus-4": {"input": 15.0, "output": 75.0, "cache_write": 18.75, "cache_read": 1.5},
    "claude-sonnet-4": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30},
    "claude-haiku-4": {"input": 1.0, "output": 5.0, "cache_write": 1.25, "cache_read": 0.10},
    "default": {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.30},
}


def price_for(model: str, table: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """The longest table key that prefixes ``model`` (``claude-sonnet-4-5`` -> ``claude-sonnet-4``)."""
    table = table or DEFAULT_PRICES
    best = max((k for k in table if k != "default" and model.startswith(k)), key=len, default="default")
    return table.get(best) or DEFAULT_PRICES["default"]


@dataclass
class LLMSpend:
    """Token accounting for one brain, converted to dollars with a price table."""

    max_usd: float
    prices: dict[str, dict[str, float]] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    usd: float = 0.0

    def check(self) -> None:
        """Raise before a call once the money is spent: no API call past the budget."""
        if self.usd >= self.max_usd:
            raise BudgetExhausted("usd", f"LLM budget spent: ${self.usd:.4f} of ${self.max_usd:.2f}.")

    def add(self, model: str, usage: object) -> float:
        p = price_for(model, self.prices)
        inp = int(getattr(usage, "input_tokens", 0) or 0)
        out = int(getattr(usage, "output_tokens", 0) or 0)
        cw = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
        cr = int(getattr(usage, "cache_read_input_tokens", 0) or 0)
        cost = (inp * p["input"] + out * p["output"] + cw * p["cache_write"] + cr * p["cache_read"]) / 1e6
        self.calls += 1
        self.input_tokens += inp
        self.output_tokens += out
        self.cache_write_tokens += cw
        self.cache_read_tokens += cr
        self.usd += cost
        return cost

    def as_dict(self) -> dict:
        return {
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "usd": round(self.usd, 6),
            "max_usd": self.max_usd,
        }


@dataclass
class Budget:
    """Wall-clock and training-time limits for one paper, plus the repair count.

    ``spent_before`` is the wall time earlier (interrupted) sessions already used,
    so a resumed loop does not get a fresh budget.
    """

    wall_minutes: float = 10.0
    train_minutes: float | None = None  # None: whatever the wall budget leaves
    max_repairs: int = 3
    reserve_s: float = 20.0  # kept back for a graceful stop (10 s), export and the report
    spent_before: float = 0.0
    started: float = field(default_factory=time.monotonic)
    train_spent_s: float = 0.0
    repairs: int = 0

    @property
    def elapsed(self) -> float:
        return self.spent_before + time.monotonic() - self.started

    @property
    def wall_left(self) -> float:
        return self.wall_minutes * 60 - self.elapsed

    def check_wall(self) -> None:
        if self.wall_left <= 0:
            raise BudgetExhausted("wall", f"wall-clock budget of {self.wall_minutes:g} min spent.")

    def training_seconds(self, wanted: float) -> float:
        """Seconds a training run may take now: ``wanted`` clamped by every limit."""
        self.check_wall()
        wall_avail = self.wall_left - self.reserve_s
        train_avail = (
            float("inf") if self.train_minutes is None else self.train_minutes * 60 - self.train_spent_s
        )
        left = min(wall_avail, train_avail)
        if left <= 1:
            kind = "training" if train_avail < wall_avail else "wall"
            raise BudgetExhausted(kind, f"no {kind} budget left for another run ({max(left, 0):.0f} s).")
        return min(wanted, left)

    def take_repair(self) -> None:
        if self.repairs >= self.max_repairs:
            raise BudgetExhausted("repairs", f"repair limit of {self.max_repairs} attempts reached.")
        self.repairs += 1
