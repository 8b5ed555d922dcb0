"""Benchmark: mlintern's LSP server against a minimal pygls server, measured in the same run.

Prints, for each server: cold start to the ``initialize`` answer (median of N starts), a
``workspace/executeCommand`` round trip p50/p90 (mlintern: the real ``mlintern.workspaceStatus``
tool; minimal: a command returning a constant), and the idle RSS after start. Then the ratios
against the targets (start <= 1.2x minimal, RSS <= 1.3x minimal).

On a shared, loaded machine the wall-clock start mostly measures the scheduler; the CPU time the
server process spent until it answered (``/proc/PID/task/*/schedstat``, Linux) is the steadier figure.

Run: python bench/lsp_startup.py [--starts 7] [--calls 50]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL_SERVER = """
from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("minimal", "0.1")


@server.command("minimal.ping")
def ping(ls, *args):
    return {"summary": "pong"}


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls, params):
    return None


server.start_io()
"""


class Server:
    """One server subprocess spoken to in raw JSON-RPC over its stdio."""

    def __init__(self, command: list[str], cwd: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "MLINTERN_WORKSPACE"}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        self.next_id = 0

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            headers = {}
            while (line := self.proc.stdout.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip()] = value.strip()
            message = json.loads(self.proc.stdout.read(int(headers["Content-Length"])))
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def cpu_s(self) -> float:
        """CPU time all the server's threads have used so far (Linux; NaN elsewhere)."""
        try:
            return (
                sum(
                    int(Path(f).read_text().split()[0])
                    for f in glob.glob(f"/proc/{self.proc.pid}/task/*/schedstat")
                )
                / 1e9
            )
        except (OSError, ValueError, IndexError):
            return float("nan")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.request("shutdown", {})
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def one_start(command: list[str], workspace: str, ping: str | None, calls: int) -> dict:
    """Start a server, time its initialize answer, optionally time round trips, read its idle RSS."""
    server = Server(command, workspace)
    server.request(
        "initialize", {"processId": os.getpid(), "rootUri": Path(workspace).as_uri(), "capabilities": {}}
    )
    figures: dict = {
        "start_s": time.perf_counter() - server.started,
        "start_cpu_s": server.cpu_s(),
        "command": [],
        "hover": [],
    }
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    loose = Path(workspace, "loose.py").as_uri()  # not in a scaffolded project: hover answers null
    for _ in range(calls if ping else 0):
        began = time.perf_counter()
        answer = server.request("workspace/executeCommand", {"command": ping, "arguments": [{}]})
        assert "result" in answer, answer
        figures["command"].append(time.perf_counter() - began)
        began = time.perf_counter()
        server.request(
            "textDocument/hover", {"textDocument": {"uri": loose}, "position": {"line": 0, "character": 0}}
        )
        figures["hover"].append(time.perf_counter() - began)
    time.sleep(1.0)  # idle
    figures["rss_mb"] = server.rss_mb()
    server.close()
    return figures


def percentile_ms(values: list[float], q: float) -> float:
    values = sorted(values)
    return 1000 * values[int(q * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50)
    ns = parser.parse_args()
    servers = {
        "mlintern": (
            "mlintern.workspaceStatus",
            [sys.executable, "-m", "mlintern.server", "--lsp", "--stdio"],
        ),
        "minimal": ("minimal.ping", None),
    }
    runs: dict[str, list[dict]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory() as workspace:
        minimal_path = Path(workspace) / "minimal_server.py"
        minimal_path.write_text(MINIMAL_SERVER)
        servers["minimal"] = ("minimal.ping", [sys.executable, str(minimal_path)])
        one_start(servers["mlintern"][1], workspace, None, 0)  # creates .mlintern/ once, outside the figures
        for index in range(ns.starts):  # interleaved, so load changes hit both alike
            for name, (ping, command) in servers.items():
                runs[name].append(one_start(command, workspace, ping if index == 0 else None, ns.calls))
    table = {}
    for name, figures in runs.items():
        table[name] = {
            "start_s": statistics.median(f["start_s"] for f in figures),
            "start_cpu_s": statistics.median(f["start_cpu_s"] for f in figures),
            "cmd_p50_ms": percentile_ms(figures[0]["command"], 0.5),
            "cmd_p90_ms": percentile_ms(figures[0]["command"], 0.9),
            "hover_p50_ms": percentile_ms(figures[0]["hover"], 0.5),
            "rss_mb": statistics.median(f["rss_mb"] for f in figures),
        }
    ours, minimal = table["mlintern"], table["minimal"]
    print(
        f"{ns.starts} interleaved cold starts each; {ns.calls} round trips; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':30}{'mlintern':>10}{'minimal':>10}{'ratio':>8}   target")
    rows = [
        ("start to initialize answer (s)", "start_s", "<= 1.2x"),
        ("  CPU used until then (s)", "start_cpu_s", "<= 1.2x (steadier under load)"),
        ("command round trip p50 (ms)", "cmd_p50_ms", "(mlintern runs a real tool)"),
        ("command round trip p90 (ms)", "cmd_p90_ms", ""),
        ("hover round trip p50 (ms)", "hover_p50_ms", ""),
        ("idle RSS (MB)", "rss_mb", "<= 1.3x"),
    ]
    for label, key, target in rows:
        ratio = ours[key] / minimal[key] if minimal[key] else float("nan")
        print(f"{label:30}{ours[key]:>10.3f}{minimal[key]:>10.3f}{ratio:>8.2f}   {target}")


if __name__ == "__main__":
    main()
