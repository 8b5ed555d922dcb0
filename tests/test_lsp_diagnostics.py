"""Diagnostics for failed runs (watched live) and quick fixes that apply the Diagnosis' edits.

The diagnoses are stored with ``Workspace.add_diagnosis`` in the contract's shape (test data);
the server, its watcher, the SQLite state and the client are all real.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from mlintern.server.lsp_convert import uri_to_path
from mlintern.tools.workspace import Workspace
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, DATA, copy_project, fixture, open_doc, start, wait_until


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


def shape_diagnosis(project: Path) -> dict:
    return {
        "error": {
            "type": "RuntimeError",
            "message": "mat1 and mat2 shapes cannot be multiplied (4x1024 and 2048x512)",
        },
        "frames": [{"file": str(project / "model.py"), "line": 15, "function": "width", "user": True}],
        "category": "linear_in_features",
        "explanation": "The layer expects 2048 input features but receives 1024.",
        "location": {"file": str(project / "model.py"), "line": 7},
        "fixes": [
            {
                "title": "Use d_ff = 1024",
                "confidence": 0.8,
                "edits": [
                    {
                        "path": str(project / "model.py"),
                        "start_line": 7,
                        "end_line": 7,
                        "new_text": "    d_ff: int = 1024",
                    }
                ],
            },
            {
                "title": "Reshape the input",
                "confidence": 0.3,
                "edits": [
                    {
                        "path": "project/model.py",
                        "start_line": 15,
                        "end_line": 15,
                        "new_text": "    return config.d_model * config.d_ff // 2",
                    }
                ],
            },
        ],
    }


def fail_run(ws: Workspace, project: Path, diagnosis: dict | None) -> str:
    """A run of ``project`` that failed, with its diagnosis stored before the failure is visible."""
    run = ws.create_run(
        project=str(project),
        command=["python", "train.py", "--pilot"],
        launcher="local",
        mode="pilot",
        run_dir=str(ws.subdir("runs", "r")),
    )
    if diagnosis is not None:
        ws.add_diagnosis(diagnosis, run_id=run["id"])
    ws.update_run(run["id"], status="failed", exit_code=1)
    return run["id"]


async def test_failed_run_gets_a_diagnostic_and_quick_fixes(client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    ws = Workspace(tmp_path)
    uri = (project / "model.py").as_uri()
    fail_run(ws, project, shape_diagnosis(project))  # after the server started: the watcher must see it

    await wait_until(lambda: client.diagnostics.get(uri))
    (diag,) = client.diagnostics[uri]
    assert diag.range.start == types.Position(line=6, character=0)
    assert diag.source == "mlintern" and diag.code == "linear_in_features"
    assert "2048 input features" in diag.message

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert [a.title for a in actions] == [
        "mlintern: Use d_ff = 1024 (80% confidence)",
        "mlintern: Reshape the input (30% confidence)",
    ]
    assert actions[0].is_preferred and not actions[1].is_preferred
    edit = actions[0].edit.changes[uri][0]
    assert edit.new_text == "    d_ff: int = 1024\n"
    assert edit.range == types.Range(types.Position(6, 0), types.Position(7, 0))


async def test_apply_fix_command_edits_through_the_client_and_clears(client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    ws = Workspace(tmp_path)
    uri = (project / "model.py").as_uri()
    fail_run(ws, project, shape_diagnosis(project))
    await wait_until(lambda: client.diagnostics.get(uri))
    diagnosis_id = client.diagnostics[uri][0].data["diagnosis_id"]

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.applyFix", arguments=[{"diagnosis_id": diagnosis_id, "fix_index": 1}]
        )
    )
    assert result["applied"] is True
    (params,) = client.applied_edits
    (text_edit,) = params.edit.changes[uri]
    assert text_edit.range.start.line == 14 and "// 2" in text_edit.new_text
    await wait_until(lambda: not client.diagnostics.get(uri))


async def test_apply_fix_rejects_bad_arguments(client: LanguageClient, tmp_path):
    for arguments in (
        [{"diagnosis_id": 3}],
        [{"diagnosis_id": "diag-nope", "fix_index": 0}],
        ["a", "b", "c"],
    ):
        try:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="mlintern.applyFix", arguments=arguments)
            )
        except Exception as err:  # noqa: BLE001 - pygls raises JsonRpcException subclasses
            assert "diagnosis" in str(err)
        else:
            raise AssertionError(f"{arguments} was accepted")
    assert client.applied_edits == []
    assert sum(m.type == types.MessageType.Error for m in client.messages) == 3


async def test_a_later_successful_run_clears_the_diagnostic(client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    ws = Workspace(tmp_path)
    uri = (project / "model.py").as_uri()
    fail_run(ws, project, shape_diagnosis(project))
    await wait_until(lambda: client.diagnostics.get(uri))
    run = ws.create_run(
        project=str(project),
        command=["python", "train.py"],
        launcher="local",
        mode="pilot",
        run_dir=str(ws.subdir("runs", "ok")),
    )
    ws.update_run(run["id"], status="succeeded", exit_code=0)
    await wait_until(lambda: not client.diagnostics.get(uri))


def failing_trainer(root: Path) -> Path:
    project = Path(shutil.copytree(DATA / "trainer", root / "trainer"))
    (project / "FAIL").write_text("crash at step 3\n")
    return project


async def test_opening_a_traceback_log_diagnoses_it(client: LanguageClient, tmp_path):
    project = failing_trainer(tmp_path)
    crash = subprocess.run(
        [sys.executable, "train.py", "--out-dir", "out"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crash.returncode != 0 and "RuntimeError" in crash.stderr
    log = project / "crash.log"
    log.write_text(crash.stdout + crash.stderr)
    log_uri = open_doc(client, log, "log")
    model_uri = (project / "model.py").as_uri()
    await wait_until(
        lambda: client.diagnostics.get(log_uri) and client.diagnostics.get(model_uri), timeout=60
    )
    (in_log,) = client.diagnostics[log_uri]
    assert "RuntimeError" in log.read_text().splitlines()[in_log.range.start.line]
    (in_code,) = client.diagnostics[model_uri]
    assert in_code.source == "mlintern" and in_code.range.start.line == 3  # the raise in model.py
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=log_uri))
    )
    await wait_until(lambda: not client.diagnostics.get(log_uri) and not client.diagnostics.get(model_uri))


async def test_a_real_failed_run_is_diagnosed_end_to_end(client: LanguageClient, tmp_path):
    """run-training -> the run fails in the sandbox -> the server diagnoses it -> a diagnostic in model.py."""
    project = failing_trainer(tmp_path)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.runTraining", arguments=[{"project": "trainer", "pilot": True, "wait": True}]
        )
    )
    assert result["state"] == "failed"
    model_uri = (project / "model.py").as_uri()
    await wait_until(lambda: client.diagnostics.get(model_uri), timeout=60)
    (diag,) = client.diagnostics[model_uri]
    assert diag.source == "mlintern" and diag.range.start.line == 3
    assert Workspace(tmp_path).diagnoses(run_id=result["run_id"])  # stored for the other faces


def apply_edit_like_an_editor(edit: types.WorkspaceEdit) -> None:
    """What the editor does with a quick fix's WorkspaceEdit (edits of one file, applied bottom-up)."""
    for uri, text_edits in edit.changes.items():
        path = uri_to_path(uri)
        lines = path.read_text().splitlines(keepends=True)
        for te in sorted(text_edits, key=lambda e: e.range.start.line, reverse=True):
            start, end = te.range.start, te.range.end
            head = "".join(lines[: start.line]) + (
                lines[start.line][: start.character] if start.character else ""
            )
            tail = (lines[end.line][end.character :] if end.line < len(lines) else "") + "".join(
                lines[end.line + 1 :]
            )
            lines = (head + te.new_text + tail).splitlines(keepends=True)
        path.write_text("".join(lines))


@pytest.mark.slow
async def test_quick_fix_from_a_real_diagnosis_makes_the_run_train(client: LanguageClient, tmp_path):
    """The whole story in the editor: a real torch run fails, the diagnostic and its quick fix appear,
    the fix is applied, the next run trains, and the diagnostic goes away."""
    project = Path(shutil.copytree(DATA / "linear_bug", tmp_path / "linear_bug"))
    model_uri = (project / "model.py").as_uri()
    run = {"command": "mlintern.runTraining", "arguments": [{"project": "linear_bug", "wait": True}]}
    failed = await client.workspace_execute_command_async(types.ExecuteCommandParams(**run))
    assert failed["state"] == "failed"
    await wait_until(lambda: client.diagnostics.get(model_uri), timeout=60)
    (diag,) = client.diagnostics[model_uri]
    assert diag.range.start.line == 9 and "expects 20 input features" in diag.message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=model_uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions[0].is_preferred and "16" in actions[0].title
    apply_edit_like_an_editor(actions[0].edit)
    # the fix names the constant that holds 16, so it stays right for any data.py
    assert "nn.Linear(IN_FEATURES, 32)" in (project / "model.py").read_text()
    trained = await client.workspace_execute_command_async(types.ExecuteCommandParams(**run))
    assert trained["state"] == "succeeded"
    await wait_until(lambda: not client.diagnostics.get(model_uri))


@fixture(config=CONFIG)
async def polling_client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path, options={"watch": False})  # as on a network filesystem
    yield
    await lsp_client.shutdown_session()


async def test_without_watchdog_the_server_polls(polling_client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    await asyncio.sleep(1.0)  # after the refresh at start: only polling can see what follows
    fail_run(Workspace(tmp_path), project, shape_diagnosis(project))
    uri = (project / "model.py").as_uri()
    await wait_until(lambda: polling_client.diagnostics.get(uri))
    assert polling_client.diagnostics[uri][0].code == "linear_in_features"
