"""MCP sampling as a brain, and elicitation as approval: the host's model and the
person behind it, reachable from a tool's worker thread.

When the connected client declared the ``sampling`` capability and the
connection can carry server-initiated requests (the ``initialize`` era; the
2026-07-28 era has no back-channel), each tool call gets
``ToolContext.brain`` = the agent's ``SamplingBrain`` over
``sampling/createMessage``. Tools treat ``ctx.brain is None`` as "no LLM;
use the offline rules".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import anyio.from_thread
from mcp import types as mt
from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPDeprecationWarning

MAX_TOKENS = 2048


def client_supports(ctx: ServerRequestContext, capability: str) -> bool:
    """Whether the client declared ``capability`` ("sampling" or "elicitation") and can be asked now."""
    caps = ctx.session.client_capabilities
    declared = caps is not None and getattr(caps, capability, None) is not None
    return declared and ctx.session.can_send_request


def sampler(ctx: ServerRequestContext) -> Callable[[str, str], str]:
    """``sample(system, prompt) -> text`` through the client's model; call it from a worker thread only."""

    async def ask(system: str, prompt: str) -> mt.CreateMessageResult:
        message = mt.SamplingMessage(role="user", content=mt.TextContent(type="text", text=prompt))
        with warnings.catch_warnings():  # deprecated by the 2026-07-28 spec, and still the way to sample here
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            return await ctx.session.create_message(
                messages=[message],
                max_tokens=MAX_TOKENS,
                system_prompt=system or None,
                related_request_id=ctx.request_id,
            )

    def sample(system: str, prompt: str) -> str:
        result = anyio.from_thread.run(ask, system, prompt)
        return result.content.text if isinstance(result.content, mt.TextContent) else ""

    return sample


def sampling_brain(ctx: ServerRequestContext):
    """The agent's ``SamplingBrain`` when the client offers sampling, else ``None`` (imported only then)."""
    if not client_supports(ctx, "sampling"):
        return None
    from mlintern.tools.reproduce.brains.sampling import SamplingBrain

    return SamplingBrain(sampler(ctx))


APPROVAL_SCHEMA = {
    "type": "object",
    "properties": {
        "approve": {
            "type": "boolean",
            "title": "Approve",
            "description": "Let mlintern go ahead with this step.",
        }
    },
    "required": ["approve"],
}


def approver(ctx: ServerRequestContext) -> Callable[[str], bool] | None:
    """``ask(question) -> bool`` through elicitation when the client offers it, else ``None``.

    Only an explicit "accept" with ``approve: true`` approves; decline, cancel or
    an error mean no.
    """
    if not client_supports(ctx, "elicitation"):
        return None

    async def ask(question: str) -> mt.ElicitResult:
        return await ctx.session.elicit_form(question, APPROVAL_SCHEMA, related_request_id=ctx.request_id)

    def approve(question: str) -> bool:
        result = anyio.from_thread.run(ask, question)
        return result.action == "accept" and bool((result.content or {}).get("approve"))

    return approve
