"""A brain backed by a plain callable ``sample(system, prompt) -> str``.

The MCP server plugs the host's model in here when the client offers sampling:
``SamplingBrain(lambda system, prompt: ...)``. Decisions are asked for as a JSON
object matching the decision's schema; an answer that does not parse or
validate is asked for once more, then the offline rules decide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from mlintern.tools.reproduce.brains.base import BrainError, ToolRunner
from mlintern.tools.reproduce.brains.llm import SYSTEM_PROMPT, LLMBrain, validation_errors


class SamplingBrain(LLMBrain):
    name = "mcp-sampling"

    def __init__(self, sample: Callable[[str, str], str], *, attempts: int = 2) -> None:
        self.sample = sample
        self.attempts = attempts
        self.calls = 0

    def complete(self, system: str, prompt: str) -> str:
        self.calls += 1
        return self.sample(system, prompt)

    def decide(self, task: str, context: dict, decision: dict, tool_runner: ToolRunner | None) -> dict:
        prompt = (
            f"{task}\n\nContext:\n{json.dumps(context, indent=1, default=str)[:20000]}\n\n"
            f"Reply with only a JSON object matching this schema ({decision['name']}: "
            f"{decision['description']}):\n{json.dumps(decision['schema'])}"
        )
        problem = ""
        for _ in range(self.attempts):
            text = self.complete(SYSTEM_PROMPT, prompt + problem)
            match = re.search(r"\{.*\}", text or "", re.S)
            try:
                answer = json.loads(match.group(0)) if match else None
            except json.JSONDecodeError:
                answer = None
            if not isinstance(answer, dict):
                problem = "\n\nYour last reply held no JSON object. Reply with the JSON object only."
                continue
            errors = validation_errors(answer, decision["schema"])
            if not errors:
                return answer
            problem = f"\n\nYour last reply did not match the schema: {'; '.join(errors)}. Try again."
        raise BrainError(f"no valid {decision['name']} answer after {self.attempts} tries")

    def usage(self) -> dict:
        return {"calls": self.calls, "usd": 0.0, "note": "the host's model; the host pays"}
