"""What a brain decides, and the rules every brain falls back to.

The loop is fixed (parse, scaffold, pilot, repair, full run, export, report) and
its guardrails are not the brain's to change. A brain answers the loop's
questions: which fix to apply to a failed pilot, and how long the full run
should be within what the budget allows. ``complete(system, prompt)`` is the
plain text path that parse-paper's refinement and diagnose's LLM path use
through ``ctx.brain``.

``OfflineRules`` are deterministic and always available; an LLM brain whose
answer is unusable falls back to them and says so.
"""

from __future__ import annotations

from collections.abc import Callable

ToolRunner = Callable[[str, dict], dict]

# The decisions the loop asks for, as JSON Schemas (an LLM brain answers through them).
CHOOSE_FIX = {
    "name": "choose_fix",
    "description": "Pick the fix to apply to the failed pilot run, by its index in `fixes`, or null to stop "
    "repairing (no fix looks right). Give a one-sentence reason.",
    "schema": {
        "type": "object",
        "properties": {
            "fix": {"type": ["integer", "null"], "minimum": 0},
            "reason": {"type": "string", "minLength": 1},
        },
        "required": ["fix", "reason"],
        "additionalProperties": False,
    },
}
PLAN_FULL_RUN = {
    "name": "plan_full_run",
    "description": "Decide the full training run: minutes (the budget caps it) and optionally max_steps. "
    "Give a one-sentence reason.",
    "schema": {
        "type": "object",
        "properties": {
            "minutes": {"type": "number", "exclusiveMinimum": 0},
            "max_steps": {"type": ["integer", "null"], "minimum": 1},
            "reason": {"type": "string", "minLength": 1},
        },
        "required": ["minutes", "reason"],
        "additionalProperties": False,
    },
}


class BrainError(Exception):
    """The brain could not produce a usable answer (the loop falls back to the offline rules)."""


class OfflineRules:
    """Deterministic decisions: the most confident untried fix; the full run gets the budget."""

    name = "offline"
    uses_llm = False
    spend = None

    def choose_fix(self, diagnosis: dict, *, tried: list[str], tool_runner: ToolRunner | None = None) -> dict:
        from mlintern.tools.reproduce.guards import edit_signature

        fixes = diagnosis.get("fixes") or []
        ranked = sorted(range(len(fixes)), key=lambda i: -float(fixes[i].get("confidence", 0)))
        for i in ranked:
            edits = fixes[i].get("edits") or []
            if edits and edit_signature(edits) not in tried:
                return {
                    "fix": i,
                    "reason": f"highest-confidence untried fix ({fixes[i].get('confidence', 0):.2f})",
                }
        return {"fix": None, "reason": "no untried fix with edits"}

    def plan_full_run(self, facts: dict, *, tool_runner: ToolRunner | None = None) -> dict:
        minutes = max(facts["train_seconds_available"] / 60.0, 0.05)
        return {
            "minutes": round(minutes, 2),
            "max_steps": facts.get("paper_steps"),
            "reason": "the budget decides the length: train until the paper's step count or the budget, first",
        }

    def review(self, facts: dict) -> str | None:
        """A short reviewer's note for the report (LLM brains); the offline rules add none."""
        return None

    def complete(self, system: str, prompt: str) -> str:
        raise BrainError("the offline brain has no language model; configure --brain anthropic")

    def usage(self) -> dict:
        return {"calls": 0, "usd": 0.0}
