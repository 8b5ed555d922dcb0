"""workspace/executeCommand: every registry tool is a command; errors become messages and JSON-RPC errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lsprotocol import types
from mlintern.tools import registry
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, fixture, start


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    lsp_client.initialize_result = await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


async def test_every_tool_is_advertised(client: LanguageClient, tmp_path):
    commands = set(client.initialize_result.capabilities.execute_command_provider.commands)
    assert {t.lsp_command for t in registry.tools().values()} <= commands
    assert "mlintern.applyFix" in commands


async def test_execute_a_real_tool(client: LanguageClient, tmp_path):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mlintern.workspaceStatus", arguments=[{"runs_limit": 5}])
    )
    registry.validate_output(registry.get("workspace-status"), result)
    assert result["summary"]
    assert any(m.type == types.MessageType.Info and "Workspace" in m.message for m in client.messages)


async def call(client: LanguageClient, command: str, arguments: list | None):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)
    )


async def test_no_argument_means_an_empty_arguments_object(client: LanguageClient, tmp_path):
    result = await call(client, "mlintern.workspaceStatus", None)
    registry.validate_output(registry.get("workspace-status"), result)


@pytest.mark.parametrize(
    "arguments, expected",
    [
        ([{"runs_limit": "ten"}], "runs_limit"),  # wrong type
        ([{"nonsense": 1}], "nonsense"),  # unknown argument
        (["runs_limit=5"], "must be a JSON object"),  # not an object
        ([{}, {}], "one argument"),  # too many
    ],
)
async def test_bad_arguments_give_an_error_response_and_a_message(
    client: LanguageClient, tmp_path, arguments, expected
):
    with pytest.raises(JsonRpcException) as info:
        await call(client, "mlintern.workspaceStatus", arguments)
    assert info.value.code == -32602
    assert expected in info.value.message
    (shown,) = client.messages
    assert shown.type == types.MessageType.Error and expected in shown.message


async def test_unknown_command_is_an_invalid_params_error(client: LanguageClient, tmp_path):
    with pytest.raises(JsonRpcException) as info:
        await call(client, "mlintern.makeCoffee", [{}])
    assert info.value.code == -32602 and "mlintern.makeCoffee" in info.value.message
    # the server is still up
    assert (await call(client, "mlintern.workspaceStatus", [{}]))["summary"]


def test_server_start_imports_neither_torch_nor_pymupdf():
    code = (
        "import sys\n"
        "from mlintern.server import lsp_server\n"
        "lsp_server.register_tool_commands(lsp_server.SERVER)\n"
        "heavy = sorted(m for m in ('torch', 'fitz', 'pymupdf', 'numpy', 'matplotlib') if m in sys.modules)\n"
        "print(len(lsp_server.SERVER.protocol.fm.commands), heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    count, heavy = out.stdout.split(" ", 1)
    assert int(count) == len(registry.tools()) + 1
    assert heavy.strip() == "[]"
