"""MCP server start-up figures: ``mlintern-server`` beside a minimal one-tool ``MCPServer``, same run.

Measures over stdio, for each server:
  * cold start: process spawn -> the ``initialize`` answer (median of --starts runs);
  * ``tools/list`` round trip p50 / p95 over --calls sequential requests;
  * idle RSS after the handshake and the calls.
Targets (issue 2): start <= 1.2x the minimal server, tools/list p50 < 10 ms, RSS <= 1.3x.

    python bench/startup.py [--starts 5] [--calls 50]

The host is shared, so compare the ratios rather than the absolute numbers, and
run it twice when the machine is busy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

MINIMAL = '''
from mcp.server.mcpserver import MCPServer

mcp = MCPServer("minimal", version="0")


@mcp.tool()
def echo(text: str) -> str:
    """Echo the text."""
    return text


mcp.run()
'''

INIT = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "0"},
    },
}


def _send(proc: subprocess.Popen, message: dict) -> None:
    proc.stdin.write(json.dumps(message) + "\n")
    proc.stdin.flush()


def _answer(proc: subprocess.Popen, id_: int) -> dict:
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"server exited: {proc.stderr.read()[-2000:]}")
        message = json.loads(line)
        if message.get("id") == id_:
            return message


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(command: list[str], calls: int) -> dict:
    """Spawn, handshake; with ``calls`` also time tools/list round trips and read the idle RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        _send(proc, INIT)
        _answer(proc, 0)
        out: dict = {"start_s": time.perf_counter() - t0, "list_ms": []}
        if calls:
            _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
            for i in range(1, calls + 1):
                t1 = time.perf_counter()
                _send(proc, {"jsonrpc": "2.0", "id": i, "method": "tools/list"})
                _answer(proc, i)
                out["list_ms"].append((time.perf_counter() - t1) * 1000)
            time.sleep(0.5)
            out["rss_mb"] = _rss_mb(proc.pid)
        proc.stdin.close()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return out


def measure(commands: dict[str, list[str]], starts: int, calls: int) -> dict[str, dict]:
    """Alternate the servers start by start, so a load spike on the shared host hits both alike."""
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    for attempt in range(starts):
        for name, command in commands.items():
            runs[name].append(one_start(command, calls if attempt == 0 else 0))
    figures = {}
    for name, series in runs.items():
        ordered = sorted(series[0]["list_ms"])
        figures[name] = {
            "start_s": statistics.median(r["start_s"] for r in series),
            "list_p50_ms": statistics.median(ordered),
            "list_p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
            "rss_mb": series[0]["rss_mb"],
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5, help="cold starts per server (median reported)")
    parser.add_argument("--calls", type=int, default=50, help="tools/list round trips per server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp, "minimal_server.py")
        minimal.write_text(MINIMAL)
        workspace = Path(tmp, "ws")
        workspace.mkdir()
        script = Path(sysconfig.get_path("scripts"), "mlintern-server")
        ours = [str(script)] if script.exists() else [sys.executable, "-m", "mlintern.server"]
        ours += ["--workspace", str(workspace)]
        figures = measure(
            {"minimal": [sys.executable, str(minimal)], "mlintern": ours}, args.starts, args.calls
        )
    base, mine = figures["minimal"], figures["mlintern"]

    rows = [
        (
            "cold start to initialize (s)",
            "start_s",
            "{:.3f}",
            f"<= 1.2x minimal ({1.2 * base['start_s']:.3f})",
            mine["start_s"] <= 1.2 * base["start_s"],
        ),
        ("tools/list p50 (ms)", "list_p50_ms", "{:.2f}", "< 10 ms", mine["list_p50_ms"] < 10),
        ("tools/list p95 (ms)", "list_p95_ms", "{:.2f}", "", None),
        (
            "idle RSS (MB)",
            "rss_mb",
            "{:.1f}",
            f"<= 1.3x minimal ({1.3 * base['rss_mb']:.1f})",
            mine["rss_mb"] <= 1.3 * base["rss_mb"],
        ),
    ]
    print(f"{'measure':<30} {'mlintern':>10} {'minimal':>10} {'ratio':>7}  target")
    for label, key, fmt, target, ok in rows:
        ratio = mine[key] / base[key] if base[key] else float("nan")
        verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
        print(
            f"{label:<30} {fmt.format(mine[key]):>10} {fmt.format(base[key]):>10} {ratio:>6.2f}x  {target}{verdict}"
        )
    print(f"({args.starts} cold starts each, {args.calls} tools/list calls; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
