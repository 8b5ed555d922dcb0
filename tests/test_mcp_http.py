"""``mlintern-server --http HOST:PORT``: streamable HTTP at /mcp, with both protocol eras."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import anyio
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace

SLOW_PROJECT = Path(__file__).parent / "test_data" / "mcp" / "slow_project"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(proc: subprocess.Popen, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start listening")


@pytest.fixture
def served(tmp_path):
    """``(url, workspace folder)`` of a fresh ``mlintern-server --http`` subprocess."""
    Workspace(tmp_path).record_paper("p-http", source="a.pdf", title="Over HTTP")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlintern.server",
            "--workspace",
            str(tmp_path),
            "--http",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_listening(proc, port)
        yield f"http://127.0.0.1:{port}/mcp", tmp_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


async def test_modern_client_over_http(served):
    async with Client(served[0]) as client:
        assert client.protocol_version == "2026-07-28"
        tools = (await client.list_tools()).tools
        result = await client.call_tool("workspace-status", {})
        bad = await client.call_tool("workspace-status", {"runs_limit": 0})
        spec = await client.read_resource("mlintern://papers")
    assert {t.name: t.input_schema for t in tools} == {n: t.input_schema for n, t in registry.tools().items()}
    assert [p["title"] for p in result.structured_content["papers"]] == ["Over HTTP"]
    assert bad.is_error and "runs_limit" in bad.content[0].text
    assert "p-http" in spec.contents[0].text


async def test_handshake_client_over_http(served):
    async with streamable_http_client(served[0]) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = (await session.list_tools()).tools
            result = await session.call_tool("workspace-status", {"events_limit": 0})
            prompt = await session.get_prompt("reproduce-paper", {"paper": "2401.00001"})
    assert init.protocol_version == "2025-11-25"
    assert [t.name for t in tools] == list(registry.tools())
    assert not result.is_error and result.structured_content["events"] == []
    assert "2401.00001" in prompt.messages[0].content.text


async def _cancel_after_first_progress(call) -> None:
    first = anyio.Event()

    async def on_progress(done, total, message):
        first.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(partial(call, progress_callback=on_progress))
        with anyio.fail_after(120):
            await first.wait()
        tg.cancel_scope.cancel()


async def _wait_cancelled(root: Path) -> dict:
    ws = Workspace(root)
    with anyio.fail_after(60):
        while not ws.runs() or ws.runs()[0]["status"] != "cancelled":
            await anyio.sleep(0.2)
    return ws.runs()[0]


@pytest.mark.parametrize("era", ["2026-07-28", "2025-11-25"])
async def test_progress_and_cancellation_over_http(served, era):
    url, root = served
    shutil.copytree(SLOW_PROJECT, root / "slow")
    arguments = {"project": "slow", "wait": True, "max_steps": 100000}
    seen = []

    async def on_progress(done, total, message):
        seen.append(done)

    if era == "2026-07-28":
        async with Client(url) as client:
            short = await client.call_tool(
                "run-training", {**arguments, "max_steps": 15}, progress_callback=on_progress
            )
            await _cancel_after_first_progress(partial(client.call_tool, "run-training", arguments))
            run = await _wait_cancelled(root)
    else:
        async with streamable_http_client(url) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                short = await session.call_tool(
                    "run-training", {**arguments, "max_steps": 15}, progress_callback=on_progress
                )
                await _cancel_after_first_progress(partial(session.call_tool, "run-training", arguments))
                run = await _wait_cancelled(root)
    assert short.structured_content["state"] == "succeeded"
    assert seen and seen == sorted(set(seen))
    assert run["reason"] == "cancelled by the caller"
