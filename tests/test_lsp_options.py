"""initializationOptions: a typed, defaulted Options; invalid ones give a warning and defaults."""

from __future__ import annotations

import shutil

from lsprotocol import types
from mlintern.tools.workspace import Workspace
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, DATA, fixture, start, wait_until


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_invalid_options_warn_and_the_server_works(client: LanguageClient, tmp_path):
    await start(client, tmp_path, options={"sandbox": "maybe", "brain": "gpt-9", "colour": 3})
    await wait_until(lambda: client.messages)
    (warning,) = client.messages
    assert warning.type == types.MessageType.Warning
    assert "'sandbox'" in warning.message and "'brain'" in warning.message and "'colour'" in warning.message
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mlintern.workspaceStatus", arguments=[{}])
    )
    assert result["summary"]


async def test_valid_options_say_nothing(client: LanguageClient, tmp_path):
    await start(client, tmp_path, options={"sandbox": True, "brain": "offline", "budgetMinutes": 3})
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mlintern.workspaceStatus", arguments=[{}])
    )
    assert [m.type for m in client.messages] == [types.MessageType.Info]  # only the command's own summary


async def test_options_reach_the_tools(client: LanguageClient, tmp_path):
    shutil.copytree(DATA / "trainer", tmp_path / "trainer")
    await start(client, tmp_path, options={"sandbox": False, "budgetMinutes": 2})
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.runTraining",
            arguments=[{"project": "trainer", "pilot": True, "wait": True, "max_steps": 2}],
        )
    )
    assert result["state"] == "succeeded"
    (run,) = Workspace(tmp_path).runs()
    assert run["meta"]["sandbox"] is False and run["meta"]["max_minutes"] == 2.0


async def test_changed_settings_apply_to_the_next_command(client: LanguageClient, tmp_path):
    shutil.copytree(DATA / "trainer", tmp_path / "trainer")
    await start(client, tmp_path)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"mlintern": {"sandbox": False, "brain": "nonsense"}})
    )
    await wait_until(lambda: client.messages)
    assert "'brain'" in client.messages[0].message  # the bad one is reported, the good one kept
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.runTraining",
            arguments=[{"project": "trainer", "pilot": True, "wait": True, "max_steps": 1}],
        )
    )
    (run,) = Workspace(tmp_path).runs()
    assert run["meta"]["sandbox"] is False
