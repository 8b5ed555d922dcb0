"""Long commands: work-done progress fed by the tool's ctx.progress, and cancellation that stops the work.

run-training (a real registry tool, with its real supervisor and sandbox) trains the fixture project
``trainer``, whose train.py keeps the training contract without torch so the test takes seconds."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import signal
import time

import pytest
from lsprotocol import types
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, DATA, fixture, start, wait_until


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    shutil.copytree(DATA / "trainer", tmp_path / "trainer")
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


def train(client: LanguageClient, **extra):
    return client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.runTraining",
            arguments=[{"project": "trainer", "pilot": True, "wait": True, **extra}],
        )
    )


async def test_long_command_reports_work_done_progress(client: LanguageClient, tmp_path):
    runs_seen = []
    client.feature("mlintern/runs")(lambda params: runs_seen.append(params))
    # the list the server sends at start (empty): wait for it, or a slow first refresh may already see the run
    await wait_until(lambda: runs_seen)
    result = await train(client, max_steps=16)  # 4 s: run-training polls the run twice a second
    assert result["state"] == "succeeded"
    (reports,) = client.progress_reports.values()
    kinds = [type(r).__name__ for r in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert kinds.count("WorkDoneProgressReport") >= 2  # several steps were seen
    percentages = [r.percentage for r in reports[1:-1]]
    assert percentages == sorted(percentages) and percentages[-1] > 0
    assert any("step" in (r.message or "") for r in reports[1:-1])
    assert reports[0].title == registry.get("run-training").title and reports[0].cancellable
    assert any(m.type == types.MessageType.Info for m in client.messages)
    # the status-bar notification follows the run to its end
    await wait_until(lambda: runs_seen and runs_seen[-1].runs[0].status == "succeeded")
    assert runs_seen[-1].runs[0].step == 16 and runs_seen[-1].runs[0].run_id == result["run_id"]
    assert runs_seen[0].runs == [] and any(n.runs and n.runs[0].status == "running" for n in runs_seen)


async def test_cancelling_the_progress_stops_the_run(client: LanguageClient, tmp_path):
    call = asyncio.ensure_future(train(client, max_steps=40))  # 10 s if nobody stops it
    await wait_until(lambda: any(len(r) >= 2 for r in client.progress_reports.values()))
    (token,) = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    with pytest.raises(JsonRpcException) as info:
        await call
    assert info.value.code == -32800  # RequestCancelled
    (run,) = Workspace(tmp_path).runs()
    assert run["meta"]["stop_reason"] == "cancelled by the caller"
    assert run["status"] == "cancelled" and run["meta"]["step"] < 40
    assert type(client.progress_reports[token][-1]).__name__ == "WorkDoneProgressEnd"


def _start_run_then_close_stdin(tmp_path, supervisor_stopped_s: float = 0.0) -> tuple[int, dict, float]:
    """Start a waited run-training, close the server's stdin once it runs; (exit code, run at exit, seconds).

    ``supervisor_stopped_s`` keeps the run's supervisor off the CPU (SIGSTOP) for that long after the
    close, as a loaded machine does: the stop then takes longer than a quick exit would allow."""
    from test_lsp_bad_input import RawServer, frame, initialize

    shutil.copytree(DATA / "trainer", tmp_path / "trainer")
    server = RawServer()
    server.send(initialize(tmp_path))
    server.response(1)
    server.send(
        frame(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "workspace/executeCommand",
                "params": {
                    "command": "mlintern.runTraining",
                    "arguments": [{"project": "trainer", "pilot": True, "wait": True, "max_steps": 200}],
                },
            }
        )
    )
    ws = Workspace(tmp_path)
    deadline = time.monotonic() + 30
    while (
        not (ws.runs() and ws.runs()[0]["status"] == "running" and ws.runs()[0]["meta"].get("supervisor_pid"))
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    supervisor = ws.runs()[0]["meta"]["supervisor_pid"]
    started = time.monotonic()
    try:
        if supervisor_stopped_s:
            os.kill(supervisor, signal.SIGSTOP)
        server.proc.stdin.close()
        if supervisor_stopped_s:
            time.sleep(supervisor_stopped_s)
            os.kill(supervisor, signal.SIGCONT)
        code = server.proc.wait(timeout=60)
    finally:
        if supervisor_stopped_s:
            os.kill(supervisor, signal.SIGCONT)
        server.proc.stdout.close()
    (run,) = ws.runs()
    return code, run, time.monotonic() - started


def test_closed_stdin_during_a_run_stops_it_and_exits(tmp_path):
    """The editor dies mid-run: the server cancels the tool (which stops the run) and exits on its own."""
    code, run, _ = _start_run_then_close_stdin(tmp_path)
    assert code == 0
    assert run["status"] == "cancelled" and (run["meta"].get("step") or 0) < 200


def test_closed_stdin_waits_for_a_slow_stop(tmp_path):
    """Under load the stop takes seconds (the supervisor stops the trainer, then writes the status). The
    server used to give tools 5 s and exit: the cancel was not lost, only late, and the run read
    "running" after the server had gone. It now waits for the stop, within its own bound."""
    from mlintern.server import lsp_server
    from mlintern.tools.training import runs

    stop_wait = inspect.signature(runs.stop_run).parameters["wait_s"].default
    assert lsp_server.EXIT_GRACE_S > stop_wait, "the server must outwait run-training's own stop"
    code, run, took = _start_run_then_close_stdin(tmp_path, supervisor_stopped_s=7)
    assert code == 0 and took >= 7
    assert run["status"] == "cancelled" and (run["meta"].get("step") or 0) < 200
