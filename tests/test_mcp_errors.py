"""How the MCP face reports failures: bugs are told apart from caller errors, in process (fast).

The tool functions are replaced here only to make them fail on purpose; the
server, the registry validation and the client are the real ones.
"""

from __future__ import annotations

import pytest
from mcp import Client, types
from mlintern.server.mcp_server import ERROR_META_KEY, build_server
from mlintern.tools import workspace_tools
from mlintern.tools.errors import Cancelled, ToolError


@pytest.fixture
def face(tmp_path):
    return build_server(str(tmp_path))


async def test_a_bug_is_reported_as_an_internal_error_with_the_traceback_on_stderr(face, monkeypatch, capsys):
    def broken(ctx, **arguments):
        return {}["missing"]

    monkeypatch.setattr(workspace_tools, "workspace_status", broken)
    async with Client(face.server) as client:
        result = await client.call_tool("workspace-status", {})
    assert result.is_error
    assert result.content[0].text.startswith(
        "internal error in mlintern while running workspace-status: KeyError"
    )
    assert result.meta[ERROR_META_KEY]["error"] == "internal_error"
    assert "Traceback" in capsys.readouterr().err


async def test_tool_error_and_cancelled_keep_their_code_and_hint(face, monkeypatch):
    def refuses(ctx, **arguments):
        raise ToolError("The PDF is encrypted.", hint="Decrypt it first.", code="encrypted_pdf")

    def stops(ctx, **arguments):
        raise Cancelled("stopped by stop-training")

    async with Client(face.server) as client:
        monkeypatch.setattr(workspace_tools, "workspace_status", refuses)
        refused = await client.call_tool("workspace-status", {})
        monkeypatch.setattr(workspace_tools, "workspace_status", stops)
        stopped = await client.call_tool("workspace-status", {})
    assert (
        refused.is_error
        and refused.content[0].text == "Error: The PDF is encrypted.\nHint: Decrypt it first."
    )
    assert refused.meta[ERROR_META_KEY] == {
        "error": "encrypted_pdf",
        "message": "The PDF is encrypted.",
        "hint": "Decrypt it first.",
    }
    assert refused.structured_content is None, "errors must not break the output schema"
    assert stopped.is_error and stopped.meta[ERROR_META_KEY]["error"] == "cancelled"
    assert "stopped by stop-training" in stopped.content[0].text


async def test_a_client_offering_sampling_becomes_the_tools_brain(face, monkeypatch):
    """ctx.brain is the host's model when the client declared sampling; None otherwise."""
    asked = []

    async def host_model(context, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        asked.append((params.system_prompt, params.messages[0].content.text))
        return types.CreateMessageResult(
            role="assistant", model="host-llm", content=types.TextContent(type="text", text="four")
        )

    def asks_the_brain(ctx, **arguments):
        result = real_status(ctx, **arguments)
        answer = ctx.brain.complete("Be brief.", "2+2?") if ctx.brain is not None else "no brain"
        return {**result, "summary": answer}

    real_status = workspace_tools.workspace_status
    monkeypatch.setattr(workspace_tools, "workspace_status", asks_the_brain)
    async with Client(face.server, mode="legacy", sampling_callback=host_model) as client:
        with_sampling = await client.call_tool("workspace-status", {})
    async with Client(face.server, mode="legacy") as client:
        without = await client.call_tool("workspace-status", {})
    assert with_sampling.structured_content["summary"] == "four"
    assert asked == [("Be brief.", "2+2?")]
    assert without.structured_content["summary"] == "no brain"


async def test_a_client_offering_elicitation_is_asked_for_approval(face, monkeypatch):
    """ctx.ask_approval asks the person through elicitation; only an explicit yes approves."""
    questions = []

    def answering(action: str, approve: bool):
        async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
            questions.append(params.message)
            return types.ElicitResult(
                action=action, content={"approve": approve} if action == "accept" else None
            )

        return elicit

    def asks_approval(ctx, **arguments):
        result = real_status(ctx, **arguments)
        if ctx.ask_approval is None:
            return {**result, "summary": "nobody to ask"}
        return {**result, "summary": str(ctx.ask_approval("Install scikit-learn?"))}

    real_status = workspace_tools.workspace_status
    monkeypatch.setattr(workspace_tools, "workspace_status", asks_approval)
    answers = {}
    for label, callback in {
        "yes": answering("accept", True),
        "no": answering("accept", False),
        "declined": answering("decline", False),
    }.items():
        async with Client(face.server, mode="legacy", elicitation_callback=callback) as client:
            answers[label] = (await client.call_tool("workspace-status", {})).structured_content["summary"]
    async with Client(face.server, mode="legacy") as client:
        answers["no client support"] = (await client.call_tool("workspace-status", {})).structured_content[
            "summary"
        ]
    assert answers == {
        "yes": "True",
        "no": "False",
        "declined": "False",
        "no client support": "nobody to ask",
    }
    assert questions == ["Install scikit-learn?"] * 3
