"""Raw JSON-RPC over the server's stdin/stdout: garbage in, the server stays up; EOF, it exits cleanly."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading

import pytest
from mlintern.tools.workspace import Workspace

TIMEOUT = 60


class RawServer:
    """``mlintern-server`` with pipes, read line by line on a thread so reads can time out."""

    def __init__(self, root) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlintern.server", "--workspace", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.stdout.append(line)
            self.lines.put(line)

    def send(self, raw: str) -> None:
        self.proc.stdin.write(raw + "\n")
        self.proc.stdin.flush()

    def request(self, id_: int, method: str, params: dict | None = None) -> dict:
        self.send(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.lines.get(timeout=TIMEOUT))
            if message.get("id") == id_:
                return message

    def close(self) -> tuple[int, str]:
        self.proc.stdin.close()
        code = self.proc.wait(timeout=TIMEOUT)
        return code, self.proc.stderr.read()


@pytest.fixture
def server(tmp_path):
    srv = RawServer(tmp_path)
    yield srv
    if srv.proc.poll() is None:
        srv.proc.kill()
        srv.proc.wait()
    for stream in (srv.proc.stdin, srv.proc.stdout, srv.proc.stderr):
        if not stream.closed:
            stream.close()


def initialize(server: RawServer) -> dict:
    reply = server.request(
        1,
        "initialize",
        {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"},
        },
    )
    server.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    return reply


def test_malformed_lines_do_not_bring_the_server_down(server, tmp_path):
    Workspace(tmp_path).record_paper("kept", source="a.pdf")
    assert initialize(server)["result"]["serverInfo"]["name"] == "mlintern"
    for garbage in ("this is not json", '{"jsonrpc": "2.0", "id": 5', '{"foo": 1}', "[1, 2", "\x00\x01"):
        server.send(garbage)
    unknown = server.request(7, "no/such/method")
    assert unknown["error"]["code"] == -32601
    bad_params = server.request(8, "tools/call", {"arguments": {}})
    assert "error" in bad_params, "a tools/call without a name is a protocol error"
    tools = server.request(9, "tools/list")
    assert "workspace-status" in [t["name"] for t in tools["result"]["tools"]]
    called = server.request(10, "tools/call", {"name": "workspace-status", "arguments": {}})
    assert called["result"]["isError"] is False
    assert [p["id"] for p in called["result"]["structuredContent"]["papers"]] == ["kept"]
    code, stderr = server.close()
    assert code == 0, stderr
    for line in server.stdout:  # nothing but JSON-RPC on stdout
        assert json.loads(line)["jsonrpc"] == "2.0"
    assert Workspace(tmp_path).get_paper("kept") is not None, "nothing in the workspace is lost"


def test_closed_stdin_exits_cleanly_before_and_after_the_handshake(tmp_path, server):
    code, stderr = server.close()
    assert code == 0, stderr
    second = RawServer(tmp_path)
    try:
        initialize(second)
        code, stderr = second.close()
        assert code == 0, stderr
        assert "Traceback" not in stderr
    finally:
        for stream in (second.proc.stdout, second.proc.stderr):
            stream.close()


def test_missing_workspace_is_a_clear_startup_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mlintern.server", "--workspace", str(tmp_path / "nope")],
        input="",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert proc.stdout == ""
