"""Brains: ``offline`` (rules), ``anthropic`` (Claude), ``mcp-sampling`` (the host's model)."""

from __future__ import annotations

import os

from mlintern.tools.errors import ToolError
from mlintern.tools.reproduce.brains.base import BrainError, OfflineRules
from mlintern.tools.reproduce.brains.offline import OfflineBrain
from mlintern.tools.reproduce.budget import DEFAULT_PRICES, LLMSpend

__all__ = ["BrainError", "OfflineBrain", "OfflineRules", "make_brain"]


def make_brain(
    kind: str = "auto",
    *,
    max_usd: float = 1.0,
    model: str | None = None,
    base_url: str | None = None,
    prices: dict | None = None,
    **options,
) -> OfflineRules:
    """``auto`` is ``anthropic`` when ``ANTHROPIC_API_KEY`` is set, else ``offline``."""
    if kind == "auto":
        kind = "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"
    if kind == "offline":
        return OfflineBrain()
    if kind == "anthropic":
        if not os.environ.get("ANTHROPIC_API_KEY") and not options.get("api_key"):
            raise ToolError(
                "The anthropic brain needs ANTHROPIC_API_KEY.",
                hint="Export ANTHROPIC_API_KEY, or use --brain offline.",
                code="no_api_key",
            )
        from mlintern.tools.reproduce.brains.claude import ClaudeBrain

        spend = LLMSpend(max_usd=max_usd, prices=prices or dict(DEFAULT_PRICES))
        return ClaudeBrain(spend=spend, model=model, base_url=base_url, **options)
    raise ToolError(f"Unknown brain {kind!r}.", hint="Use offline, anthropic or auto.")
