"""The offline brain: deterministic rules, no network, always available."""

from __future__ import annotations

from mlintern.tools.reproduce.brains.base import OfflineRules


class OfflineBrain(OfflineRules):
    """Decides by rule (see ``OfflineRules``); ``ctx.brain`` stays None so tools skip LLM paths."""
