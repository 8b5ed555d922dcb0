"""The Anthropic brain: Claude with tool use over the registry's JSON Schemas.

One conversation per paper. Each decision is a user turn; Claude may call the
read-only mlintern tools (their registry schemas, run through the loop's
guarded runner) and answers by calling the decision tool. Around every API
call: the dollar budget is checked first (no call once it is spent), 429, 5xx
and 529 "overloaded" are retried with exponential backoff (honouring
``retry-after``), usage is converted to dollars with the price table, and a
conversation whose prompt grows past ``compact_tokens`` has its old tool
results folded into stubs. The system prompt and the tool list carry
``cache_control`` so repeated turns hit the prompt cache.
"""

from __future__ import annotations

import json
import os
import time

from mlintern.tools.errors import ToolError
from mlintern.tools.reproduce.brains.base import BrainError, ToolRunner
from mlintern.tools.reproduce.brains.llm import SYSTEM_PROMPT, LLMBrain, validation_errors
from mlintern.tools.reproduce.budget import LLMSpend

DEFAULT_MODEL = "claude-sonnet-4-5"
RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}


class ClaudeBrain(LLMBrain):
    name = "anthropic"

    def __init__(
        self,
        *,
        spend: LLMSpend,
        model: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        max_tokens: int = 1024,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        max_turns: int = 6,
        compact_tokens: int = 60_000,
        timeout_s: float = 120.0,
    ) -> None:
        import anthropic

        self.spend = spend
        self.model = model or os.environ.get("MLINTERN_MODEL") or DEFAULT_MODEL
        self.client = anthropic.Anthropic(
            api_key=api_key or os.environ.get("ANTHROPIC_API_KEY"),
            base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
            max_retries=0,  # retries are ours: counted, logged and budget-checked
            timeout=timeout_s,
        )
        self.max_tokens = max_tokens
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_turns = max_turns
        self.compact_tokens = compact_tokens
        self.messages: list[dict] = []
        self.retries = 0
        self.compactions = 0
        self.last_input_tokens = 0

    # ------------------------------------------------------------------ API
    def _create(self, **kwargs) -> object:
        import anthropic

        for attempt in range(self.max_retries + 1):
            self.spend.check()  # raises BudgetExhausted: never a call past the budget
            try:
                response = self.client.messages.create(model=self.model, max_tokens=self.max_tokens, **kwargs)
            except anthropic.APIStatusError as err:
                if err.status_code not in RETRY_STATUS or attempt == self.max_retries:
                    raise BrainError(f"Anthropic API error {err.status_code}: {_message(err)}") from err
                self._wait(attempt, err.response.headers.get("retry-after"))
                continue
            except anthropic.APIConnectionError as err:
                if attempt == self.max_retries:
                    raise BrainError(f"cannot reach the Anthropic API: {err}") from err
                self._wait(attempt, None)
                continue
            usage = response.usage
            self.spend.add(self.model, usage)
            self.last_input_tokens = sum(
                int(getattr(usage, k, 0) or 0)
                for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
            )
            return response
        raise BrainError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        self.retries += 1
        delay = self.backoff_s * (2**attempt)
        try:
            delay = max(delay, min(float(retry_after), 60.0)) if retry_after else delay
        except ValueError:
            pass
        time.sleep(delay)

    def complete(self, system: str, prompt: str) -> str:
        response = self._create(system=system, messages=[{"role": "user", "content": prompt}])
        return "".join(b.text for b in response.content if b.type == "text")

    # ------------------------------------------------------------ decisions
    def _tools(self, decision: dict, tool_runner: ToolRunner | None) -> list[dict]:
        from mlintern.tools import registry

        tools = []
        if tool_runner is not None:
            for tool in registry.tools().values():
                if tool.read_only and tool.name != "reproduce-paper":
                    tools.append(
                        {
                            "name": tool.name,
                            "description": tool.description[:1000],
                            "input_schema": tool.input_schema,
                        }
                    )
        tools.append(
            {
                "name": decision["name"],
                "description": decision["description"],
                "input_schema": decision["schema"],
                "cache_control": {"type": "ephemeral"},
            }
        )
        return tools

    def _user_turn(self, content: list[dict]) -> None:
        """Append user content, merging into a trailing user turn (roles must alternate)."""
        if self.messages and self.messages[-1]["role"] == "user":
            self.messages[-1]["content"].extend(content)
        else:
            self.messages.append({"role": "user", "content": content})

    def decide(self, task: str, context: dict, decision: dict, tool_runner: ToolRunner | None) -> dict:
        tools = self._tools(decision, tool_runner)
        allowed = {t["name"] for t in tools}
        system = [{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}]
        self._user_turn([{"type": "text", "text": f"{task}\n\n{json.dumps(context, default=str)[:30000]}"}])
        for _ in range(self.max_turns):
            self._compact()
            response = self._create(system=system, tools=tools, messages=self.messages)
            self.messages.append({"role": "assistant", "content": _replayable(response.content)})
            uses = [b for b in response.content if b.type == "tool_use"]
            if not uses:
                self._user_turn(
                    [{"type": "text", "text": f"Answer by calling the `{decision['name']}` tool."}]
                )
                continue
            answer, results = None, []
            for use in uses:
                text, is_error = self._run(use, decision, allowed, tool_runner)
                if use.name == decision["name"] and not is_error:
                    answer = dict(use.input)
                results.append(
                    {
                        "type": "tool_result",
                        "tool_use_id": use.id,
                        "content": text,
                        **({"is_error": True} if is_error else {}),
                    }
                )
            self._user_turn(results)
            if answer is not None:
                return answer
        raise BrainError(f"no valid {decision['name']} call in {self.max_turns} turns")

    def _run(
        self, use, decision: dict, allowed: set[str], tool_runner: ToolRunner | None
    ) -> tuple[str, bool]:
        args = use.input if isinstance(use.input, dict) else {}
        if use.name == decision["name"]:
            errors = validation_errors(use.input, decision["schema"])
            if errors:
                return (
                    f"Invalid input: {'; '.join(errors)}. Call {decision['name']} again with valid input.",
                    True,
                )
            return "Recorded.", False
        if use.name not in allowed or tool_runner is None:
            return f"Unknown or unavailable tool {use.name!r}. Available: {', '.join(sorted(allowed))}.", True
        try:
            return json.dumps(tool_runner(use.name, args), default=str)[:20000], False
        except ToolError as err:
            return f"{err.message} {err.hint or ''}".strip(), True

    def _compact(self) -> None:
        """Fold old tool results and long texts into stubs once the prompt gets long.

        Keeps every tool_use/tool_result pair (the API requires them) and the last
        four turns verbatim; only the bulky contents of older turns shrink.
        """
        if self.last_input_tokens < self.compact_tokens or len(self.messages) <= 4:
            return
        for message in self.messages[:-4]:
            for block in message["content"] if isinstance(message["content"], list) else []:
                if block.get("type") == "tool_result" and len(str(block.get("content", ""))) > 200:
                    block["content"] = "[compacted] " + str(block["content"])[:160]
                elif block.get("type") == "text" and len(block.get("text", "")) > 600:
                    block["text"] = "[compacted] " + block["text"][:500]
        self.compactions += 1
        self.last_input_tokens = 0

    def usage(self) -> dict:
        return {
            **self.spend.as_dict(),
            "model": self.model,
            "retries": self.retries,
            "compactions": self.compactions,
        }


def _replayable(content) -> list[dict]:
    """The assistant's blocks as the API takes them back: text and tool_use, nothing else."""
    out = []
    for block in content:
        if block.type == "text" and block.text:
            out.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            out.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    return out or [{"type": "text", "text": "(no answer)"}]


def _message(err: Exception) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        return str((body.get("error") or {}).get("message") or body)[:300]
    return str(err)[:300]
