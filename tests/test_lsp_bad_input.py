"""Bad input on the wire: malformed JSON-RPC, a closed stdin, stray output. Raw bytes, a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from test_lsp_helpers import SERVER_COMMAND, SERVER_ENV


def frame(message: dict | str) -> bytes:
    body = (message if isinstance(message, str) else json.dumps(message)).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(raw: bytes) -> list[dict]:
    """Split a stdout capture into JSON-RPC messages; fails if anything else is on stdout."""
    messages = []
    while raw:
        header, sep, rest = raw.partition(b"\r\n\r\n")
        assert sep and header.startswith(b"Content-Length: "), f"non-protocol bytes on stdout: {raw[:200]!r}"
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        messages.append(json.loads(rest[:length]))
        raw = rest[length:]
    return messages


def initialize(root) -> bytes:
    return frame(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
        }
    ) + frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})


def run_server(stdin: bytes, timeout: float = 30) -> tuple[int, list[dict], str, float]:
    started = time.monotonic()
    proc = subprocess.run(SERVER_COMMAND, input=stdin, capture_output=True, timeout=timeout, env=SERVER_ENV)
    return proc.returncode, read_messages(proc.stdout), proc.stderr.decode(), time.monotonic() - started


def test_closed_stdin_exits_cleanly(tmp_path):
    code, messages, _, _ = run_server(initialize(tmp_path))
    assert code == 0
    assert messages[0]["id"] == 1 and "capabilities" in messages[0]["result"]


def test_closed_stdin_before_anything_exits_cleanly():
    code, messages, _, _ = run_server(b"")
    assert code == 0 and messages == []


class RawServer:
    """The server as a subprocess, spoken to in raw JSON-RPC frames, one message at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER_COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=SERVER_ENV,
        )
        self.seen: list[dict] = []

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self) -> dict:
        headers = {}
        while (line := self.proc.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip()] = value.strip()
        assert "Content-Length" in headers, f"non-protocol output: {headers}"
        message = json.loads(self.proc.stdout.read(int(headers["Content-Length"])))
        self.seen.append(message)
        return message

    def response(self, msg_id: int) -> dict:
        while (message := self.read()).get("id") != msg_id or "method" in message:
            pass
        return message

    def close(self) -> int:
        self.send(frame({"jsonrpc": "2.0", "id": 99, "method": "shutdown"}))
        assert self.response(99)["result"] is None
        self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        return code


def test_malformed_messages_are_reported_and_the_server_keeps_answering(tmp_path):
    server = RawServer()
    server.send(initialize(tmp_path))
    assert "capabilities" in server.response(1)["result"]
    server.send(frame("{this is not json"))
    server.send(frame({"jsonrpc": "2.0", "id": 2, "method": "no/suchMethod", "params": {}}))
    assert server.response(2)["error"]["code"] == -32601  # method not found
    server.send(
        frame(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "workspace/executeCommand",
                "params": {"command": "mlintern.workspaceStatus", "arguments": [{}]},
            }
        )
    )
    assert "summary" in server.response(3)["result"]  # still answering after the garbage
    assert server.close() == 0
    shown = [m["params"]["message"] for m in server.seen if m.get("method") == "window/showMessage"]
    assert any("Error in server" in text for text in shown)  # the garbage was reported, not swallowed


def test_shutdown_with_a_request_in_flight_is_clean(tmp_path):
    stdin = initialize(tmp_path)
    stdin += frame(
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "workspace/executeCommand",
            "params": {"command": "mlintern.workspaceStatus", "arguments": [{}]},
        }
    )
    stdin += frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}) + frame(
        {"jsonrpc": "2.0", "method": "exit"}
    )
    code, messages, _, _ = run_server(stdin)
    assert code == 0
    by_id = {m.get("id"): m for m in messages if "id" in m}
    assert by_id[4] == {"jsonrpc": "2.0", "id": 4, "result": None}
    assert "result" in by_id[3] or by_id[3]["error"]["code"] == -32800  # answered or cancelled, never lost


def test_request_before_initialize_is_refused_without_crashing(tmp_path):
    stdin = frame(
        {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "workspace/executeCommand",
            "params": {"command": "mlintern.workspaceStatus", "arguments": [{}]},
        }
    ) + initialize(tmp_path)
    code, messages, _, _ = run_server(stdin)
    assert code == 0
    by_id = {m.get("id"): m for m in messages if "id" in m}
    assert "error" in by_id[7] and "initialize" in by_id[7]["error"]["message"]
    assert "result" in by_id[1]


PRINTING_SERVER = """
import os, sys
from mlintern.server import lsp_server

@lsp_server.SERVER.command("test.print")
def noisy(ls, *args):
    print("stray print from a tool")
    os.system("echo stray output of a child process")
    return {"ok": True}

lsp_server.serve_stdio(sys.argv[1])
"""


def test_prints_and_child_output_never_reach_the_protocol_stream(tmp_path):
    stdin = initialize(tmp_path) + frame(
        {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": {"command": "test.print"}}
    )
    proc = subprocess.run(
        [sys.executable, "-c", PRINTING_SERVER, str(tmp_path)],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=SERVER_ENV,
    )
    messages = read_messages(proc.stdout)  # fails on any non-protocol byte
    assert {"jsonrpc": "2.0", "id": 2, "result": {"ok": True}} in messages
    assert b"stray print from a tool" in proc.stderr and b"stray output of a child process" in proc.stderr
