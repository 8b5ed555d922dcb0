"""The MCP server starts without the heavy libraries: torch, pymupdf and pygls load only when a tool needs them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "torch",
    "fitz",
    "pymupdf",
    "pymupdf4llm",
    "pygls",
    "lsprotocol",
    "anthropic",
    "matplotlib",
    "sklearn",
)

PROBE = """
import json, sys
import anyio
from mcp import Client
from mlintern.server.mcp_server import build_server

async def main():
    async with Client(build_server(sys.argv[1]).server) as client:  # runs the server's start-up too
        tools = (await client.list_tools()).tools
    print(json.dumps({"tools": [t.name for t in tools], "modules": sorted(sys.modules)}))

anyio.run(main)
"""


def test_starting_the_server_and_listing_tools_imports_nothing_heavy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert "workspace-status" in report["tools"]
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert not loaded & set(HEAVY), f"imported at server start: {sorted(loaded & set(HEAVY))}"
