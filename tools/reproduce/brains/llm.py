"""Common ground of the LLM brains: validated decisions with an offline fallback."""

from __future__ import annotations

import json

from mlintern.tools.reproduce.brains.base import (
    CHOOSE_FIX,
    PLAN_FULL_RUN,
    BrainError,
    OfflineRules,
    ToolRunner,
)

SYSTEM_PROMPT = """You are the decision-maker inside mlintern's autonomous loop, which reproduces an ML \
paper: parse the PDF into a cited spec, scaffold a PyTorch project, run a short pilot in a sandbox, \
repair failures, run the full training within a budget, export, and report.

The loop, its order and its limits (wall clock, training time, repair attempts, LLM dollars, the \
doom-loop guard, approvals) are fixed; you cannot change them. You answer one question at a time by \
calling the decision tool named in the question, exactly once, with arguments that match its schema. \
You may first call the other (read-only) mlintern tools to look at runs or specs; keep such calls few.
Prefer fixes that make the model train as the paper describes over fixes that silence an error. \
Never invent values the paper does not state."""


def validation_errors(value: object, schema: dict) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    return [
        ("/".join(str(p) for p in e.absolute_path) + ": " if e.absolute_path else "") + e.message
        for e in validator.iter_errors(value)
    ]


class LLMBrain(OfflineRules):
    """Subclasses implement ``decide(task, context, decision, tool_runner)`` and ``complete``."""

    uses_llm = True

    def decide(self, task: str, context: dict, decision: dict, tool_runner: ToolRunner | None) -> dict:
        raise NotImplementedError

    def _ask(
        self,
        task: str,
        context: dict,
        decision: dict,
        tool_runner: ToolRunner | None,
        fallback: dict,
        check=None,
    ) -> dict:
        try:
            answer = self.decide(task, context, decision, tool_runner)
            if check is not None:
                check(answer)
            return {**answer, "by": self.name}
        except BrainError as err:
            return {**fallback, "by": "offline", "reason": f"{fallback['reason']} (LLM brain failed: {err})"}

    def choose_fix(self, diagnosis: dict, *, tried: list[str], tool_runner: ToolRunner | None = None) -> dict:
        n = len(diagnosis.get("fixes") or [])

        def check(answer: dict) -> None:
            if answer["fix"] is not None and answer["fix"] >= n:
                raise BrainError(f"fix index {answer['fix']} is out of range (there are {n} fixes)")

        context = {"diagnosis": _slim(diagnosis), "already_tried_edit_signatures": tried}
        task = (
            f"The pilot run failed. Choose a fix with the `{CHOOSE_FIX['name']}` tool "
            f"(index into diagnosis.fixes, or null to stop)."
        )
        return self._ask(
            task,
            context,
            CHOOSE_FIX,
            tool_runner,
            OfflineRules.choose_fix(self, diagnosis, tried=tried),
            check,
        )

    def plan_full_run(self, facts: dict, *, tool_runner: ToolRunner | None = None) -> dict:
        task = (
            f"The pilot trained. Plan the full run with the `{PLAN_FULL_RUN['name']}` tool; at most "
            f"{facts['train_seconds_available'] / 60:.2f} minutes are available."
        )
        return self._ask(task, facts, PLAN_FULL_RUN, tool_runner, OfflineRules.plan_full_run(self, facts))

    def review(self, facts: dict) -> str | None:
        try:
            return self.complete(SYSTEM_PROMPT, _review_prompt(facts)).strip() or None
        except BrainError as err:
            return f"(no reviewer's note: {err})"


def _review_prompt(facts: dict) -> str:
    return (
        "Write a short reviewer's note (at most 120 words, plain text) on this reproduction attempt: did it "
        "train, what is trustworthy, what should a person check first. Facts:\n"
        + json.dumps(facts, default=str)[:20000]
    )


def _slim(diagnosis: dict) -> dict:
    """What the model needs of a diagnosis (frames and long texts trimmed)."""
    keep = {k: diagnosis.get(k) for k in ("category", "explanation", "location", "error")}
    keep["fixes"] = [
        {"index": i, "title": f.get("title"), "confidence": f.get("confidence"), "edits": f.get("edits")}
        for i, f in enumerate(diagnosis.get("fixes") or [])
    ]
    return json.loads(json.dumps(keep, default=str))
