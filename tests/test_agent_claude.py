"""The anthropic brain through the real ``anthropic`` SDK against a scripted Messages API on loopback."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from mlintern.tools.reproduce.brains.base import CHOOSE_FIX, PLAN_FULL_RUN, BrainError
from mlintern.tools.reproduce.brains.claude import ClaudeBrain
from mlintern.tools.reproduce.budget import BudgetExhausted, LLMSpend

_spec = importlib.util.spec_from_file_location(
    "messages_api", Path(__file__).parent / "test_data" / "agent" / "messages_api.py"
)
api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api)

DIAGNOSIS = {
    "category": "linear_in_features",
    "explanation": "fc1 expects 100 features but gets 64.",
    "error": {
        "type": "RuntimeError",
        "message": "mat1 and mat2 shapes cannot be multiplied (64x64 and 100x10)",
    },
    "location": {"file": "model.py", "line": 12},
    "fixes": [
        {
            "title": "Set fc1 in_features to 64",
            "confidence": 0.9,
            "edits": [
                {
                    "path": "model.py",
                    "start_line": 12,
                    "end_line": 12,
                    "new_text": "fc1 = nn.Linear(64, 10)\n",
                }
            ],
        },
        {
            "title": "Flatten differently",
            "confidence": 0.4,
            "edits": [
                {"path": "model.py", "start_line": 20, "end_line": 20, "new_text": "x = x.flatten(1)\n"}
            ],
        },
    ],
}


def brain(server, *, max_usd: float = 5.0, **kw) -> ClaudeBrain:
    return ClaudeBrain(
        spend=LLMSpend(max_usd=max_usd),
        model="claude-sonnet-4-5",
        api_key="test-key",
        base_url=server.base_url,
        backoff_s=0.01,
        **kw,
    )


def test_tool_use_turns_then_decision(workspace):
    from mlintern.tools import registry

    def script(req, n):
        if n == 0:  # look at the workspace first, through a registry tool
            return api.tool_use("workspace-status", {"runs_limit": 5}, n=n, text="Let me look.")
        return api.tool_use("choose_fix", {"fix": 1, "reason": "the flatten is wrong"}, n=n)

    calls = []

    def runner(name, args):
        calls.append(name)
        return registry.call(name, args, registry.ToolContext(workspace, face="agent"))

    with api.MessagesAPI(script) as server:
        b = brain(server)
        answer = b.choose_fix(DIAGNOSIS, tried=[], tool_runner=runner)
    assert answer == {"fix": 1, "reason": "the flatten is wrong", "by": "anthropic"}
    assert calls == ["workspace-status"]
    first, second = (r["body"] for r in server.requests)
    assert server.requests[0]["path"] == "/v1/messages"
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert "test-key" in (headers.get("x-api-key", "") + headers.get("authorization", ""))
    # prompt caching on the system prompt and the tool list; registry schemas offered as tools
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    names = [t["name"] for t in first["tools"]]
    assert "workspace-status" in names and names[-1] == "choose_fix"
    assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "reproduce-paper" not in names and "run-training" not in names  # the brain only looks
    # the tool result went back, paired with its tool_use id
    result = second["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_0000"
    assert '"workspace"' in result["content"] and not result.get("is_error")
    assert b.spend.calls == 2 and b.spend.usd > 0


def test_rate_limit_then_success(workspace):
    def script(req, n):
        if n == 0:
            return api.error(429, "rate_limit_error", "slow down")
        return api.tool_use("plan_full_run", {"minutes": 1.5, "reason": "fits the budget"}, n=n)

    with api.MessagesAPI(script) as server:
        b = brain(server)
        answer = b.plan_full_run({"train_seconds_available": 120.0, "paper_steps": None})
    assert answer["minutes"] == 1.5 and answer["by"] == "anthropic"
    assert len(server.requests) == 2 and b.retries == 1
    assert b.spend.calls == 1  # the 429 cost nothing


def test_overloaded_529_retried_then_gives_up_to_offline_rules():
    def script(req, n):
        return api.error(529, "overloaded_error", "Overloaded")

    with api.MessagesAPI(script) as server:
        b = brain(server, max_retries=2)
        answer = b.choose_fix(DIAGNOSIS, tried=[])
    assert len(server.requests) == 3 and b.retries == 2
    # the LLM failed; the offline rule decided, and says so
    assert answer["by"] == "offline" and answer["fix"] == 0
    assert "529" in answer["reason"]


def test_overloaded_once_then_success():
    def script(req, n):
        if n == 0:
            return api.error(529, "overloaded_error", "Overloaded", retry_after=None)
        return api.tool_use("choose_fix", {"fix": 0, "reason": "matches the shapes"}, n=n)

    with api.MessagesAPI(script) as server:
        answer = brain(server).choose_fix(DIAGNOSIS, tried=[])
    assert answer["fix"] == 0 and answer["by"] == "anthropic" and len(server.requests) == 2


def test_malformed_tool_input_is_returned_as_error_and_corrected():
    def script(req, n):
        if n == 0:
            return api.tool_use("choose_fix", {"fix": "first", "why": "?"}, n=n)
        if n == 1:
            return api.tool_use("choose_fix", {"fix": 7, "reason": "out of range"}, n=n)
        return api.tool_use("choose_fix", {"fix": 0, "reason": "valid now"}, n=n)

    with api.MessagesAPI(script) as server:
        b = brain(server)
        first = b.choose_fix(DIAGNOSIS, tried=[])
    # schema-invalid input goes back as an is_error tool_result and Claude tries again
    err = server.requests[1]["body"]["messages"][-1]["content"][0]
    assert err["type"] == "tool_result" and err["is_error"] is True and "Invalid input" in err["content"]
    # index 7 validates against the schema but not against the diagnosis: offline rules decide
    assert first["by"] == "offline" and first["fix"] == 0 and "out of range" in first["reason"]
    assert len(server.requests) == 2


def test_budget_spent_means_no_further_call():
    big = api.usage(inp=400_000, out=10_000)  # $1.35 at sonnet prices

    def script(req, n):
        return api.tool_use("plan_full_run", {"minutes": 1, "reason": "ok"}, n=n, use=big)

    with api.MessagesAPI(script) as server:
        b = brain(server, max_usd=1.0)
        b.plan_full_run({"train_seconds_available": 60.0})
        assert b.spend.usd == pytest.approx(400_000 * 3 / 1e6 + 10_000 * 15 / 1e6)
        with pytest.raises(BudgetExhausted) as err:
            b.choose_fix(DIAGNOSIS, tried=[])
        with pytest.raises(BudgetExhausted):
            b.complete("system", "prompt")
    assert err.value.kind == "usd"
    assert len(server.requests) == 1  # nothing was sent past the budget


def test_price_table_and_cache_tokens_counted():
    spend = LLMSpend(
        max_usd=1.0, prices={"claude-x": {"input": 1, "output": 2, "cache_write": 4, "cache_read": 8}}
    )

    class U:
        input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens = 1e6, 1e6, 1e6, 1e6

    assert spend.add("claude-x-2", U()) == pytest.approx(15.0)
    assert spend.as_dict()["cache_read_tokens"] == 1_000_000


def test_context_compaction_keeps_tool_pairs():
    def script(req, n):
        if n % 2 == 0:
            return api.tool_use("workspace-status", {}, n=n, use=api.usage(inp=70_000))
        return api.tool_use("choose_fix", {"fix": 0, "reason": "r"}, n=n)

    long_result = {"blob": "x" * 5000}
    with api.MessagesAPI(script) as server:
        b = brain(server, compact_tokens=50_000)
        for _ in range(3):
            b.choose_fix(DIAGNOSIS, tried=[], tool_runner=lambda name, args: long_result)
    assert b.compactions >= 1
    last = server.requests[-1]["body"]["messages"]
    results = [
        blk
        for m in last
        if isinstance(m["content"], list)
        for blk in m["content"]
        if blk.get("type") == "tool_result"
    ]
    uses = [
        blk
        for m in last
        if isinstance(m["content"], list)
        for blk in m["content"]
        if blk.get("type") == "tool_use"
    ]
    assert {r["tool_use_id"] for r in results} == {u["id"] for u in uses}  # every pair survives
    assert any(str(r["content"]).startswith("[compacted]") for r in results)


def test_non_retryable_error_is_a_brain_error():
    def script(req, n):
        return api.error(400, "invalid_request_error", "bad request")

    with api.MessagesAPI(script) as server:
        b = brain(server)
        with pytest.raises(BrainError, match="400"):
            b.decide("t", {}, CHOOSE_FIX, None)
    assert len(server.requests) == 1


def test_text_only_reply_is_nudged_to_the_decision_tool():
    def script(req, n):
        if n == 0:
            return api.text("I think five minutes.", n=n)
        return api.tool_use("plan_full_run", {"minutes": 5, "reason": "as said"}, n=n)

    with api.MessagesAPI(script) as server:
        answer = brain(server).decide("plan", {}, PLAN_FULL_RUN, None)
    assert answer["minutes"] == 5
    nudge = server.requests[1]["body"]["messages"][-1]
    assert nudge["role"] == "user" and "plan_full_run" in nudge["content"][-1]["text"]
