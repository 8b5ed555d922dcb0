"""Progress and cancellation of a real long tool (``run-training`` with ``wait``) over MCP stdio.

The project is a tiny real training script (``tests/test_data/mcp/slow_project``)
run by the real supervisor; cancelling the MCP request must stop that process
and mark the run cancelled in the workspace.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from mlintern.tools.workspace import Workspace

PROJECT = Path(__file__).parent / "test_data" / "mcp" / "slow_project"


@pytest.fixture
def root(tmp_path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(PROJECT, ws / "slow")
    return ws


def params(root: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "mlintern.server", "--workspace", str(root)]
    )


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


async def test_progress_reaches_a_handshake_era_client(root, tmp_path):
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done, total, message):
        seen.append((done, total, message))

    with (tmp_path / "server.log").open("w") as errlog:
        async with stdio_client(params(root), errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool(
                    "run-training",
                    {"project": "slow", "wait": True, "max_steps": 20},
                    progress_callback=on_progress,
                )
    assert not result.is_error, result.content[0].text
    assert result.structured_content["state"] == "succeeded"
    assert seen, "no progress notification arrived"
    steps = [done for done, _, _ in seen]
    assert steps == sorted(set(steps)), "progress values strictly increase"
    assert all(total == 20 for _, total, _ in seen if total is not None)
    assert any(message and message.startswith("step ") for _, _, message in seen)


async def test_cancelling_the_call_stops_the_training_process(root, tmp_path):
    log = tmp_path / "server.log"
    first_progress = anyio.Event()

    async def on_progress(done, total, message):
        first_progress.set()

    with log.open("w") as errlog:
        async with stdio_client(params(root), errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                async with anyio.create_task_group() as tg:

                    async def long_call():
                        await session.call_tool(
                            "run-training",
                            {"project": "slow", "wait": True, "max_steps": 100000},
                            progress_callback=on_progress,
                        )

                    tg.start_soon(long_call)
                    with anyio.fail_after(120):
                        await first_progress.wait()
                    tg.cancel_scope.cancel()  # the SDK sends notifications/cancelled
                ws = Workspace(root)
                (run,) = ws.runs()
                with anyio.fail_after(60):
                    while ws.require_run(run["id"])["status"] != "cancelled":
                        await anyio.sleep(0.2)
                    # the server logs the stop after the run reads "cancelled" (its tool thread polls the
                    # run): wait for that line here, before closing the session ends the server
                    while "its work stopped" not in log.read_text():
                        await anyio.sleep(0.2)
                after = await session.call_tool("workspace-status", {})
    run = ws.require_run(run["id"])
    pid = run["pid"]  # the host pid of the training process (train.pid may hold a sandbox-namespace pid)
    assert pid
    deadline = time.monotonic() + 30
    while not _process_gone(pid) and time.monotonic() < deadline:
        await anyio.sleep(0.2)
    assert _process_gone(pid), "the training process outlived the cancelled call"
    assert "cancelled by the caller" in (run["reason"] or "")
    rows = Path(run["meta"]["out_dir"], "metrics.jsonl").read_text().splitlines()
    assert 0 < len(rows) < 100000, "training had started and did not run to the end"
    assert [r["status"] for r in after.structured_content["runs"]] == ["cancelled"], "the server is still up"
    assert "its work stopped" in log.read_text()


async def test_progress_reaches_a_modern_era_client(root, tmp_path):
    seen = []

    async def on_progress(done, total, message):
        seen.append(done)

    with (tmp_path / "server.log").open("w") as errlog:
        async with Client(stdio_client(params(root), errlog=errlog)) as client:
            assert client.protocol_version == "2026-07-28"
            result = await client.call_tool(
                "run-training",
                {"project": "slow", "wait": True, "max_steps": 20},
                progress_callback=on_progress,
            )
    assert result.structured_content["state"] == "succeeded"
    assert seen and seen == sorted(set(seen))


def test_client_going_away_mid_call_stops_the_run_and_exits_cleanly(root):
    """The host quits (stdin closes) while a training call waits: the run is stopped, not orphaned."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlintern.server", "--workspace", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for message in (
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "0"},
                },
            },
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {
                    "name": "run-training",
                    "arguments": {"project": "slow", "wait": True, "max_steps": 100000},
                    "_meta": {"progressToken": "p"},
                },
            },
        ):
            proc.stdin.write(json.dumps(message) + "\n")
            proc.stdin.flush()
        for line in proc.stdout:  # wait until training reports its first step
            if json.loads(line).get("method") == "notifications/progress":
                break
        proc.stdin.close()
        assert proc.wait(timeout=90) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    (run,) = Workspace(root).runs()
    assert run["status"] == "cancelled", run
    assert _process_gone(run["pid"])
