"""The MCP Inspector CLI (npm ``@modelcontextprotocol/inspector``) against ``mlintern-server``.

Install it with ``npm ci --prefix tests/inspector`` (CI does); the test is
skipped with that hint when it is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace

INSPECTOR = Path(__file__).parent / "inspector" / "node_modules" / ".bin" / "mcp-inspector"

pytestmark = pytest.mark.skipif(
    not INSPECTOR.exists() or shutil.which("node") is None,
    reason="MCP Inspector not installed: run `npm ci --prefix tests/inspector` (needs node)",
)


def inspect(root: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        str(INSPECTOR),
        "--cli",
        "-e",
        f"MLINTERN_WORKSPACE={root}",
        sys.executable,
        "-m",
        "mlintern.server",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root)


def test_inspector_lists_and_calls_tools(tmp_path):
    Workspace(tmp_path).record_paper("p-insp", source="a.pdf", title="Seen by the Inspector")
    listed = inspect(tmp_path, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    tools = {t["name"]: t for t in json.loads(listed.stdout)["tools"]}
    assert list(tools) == list(registry.tools())
    assert tools["workspace-status"]["annotations"]["readOnlyHint"] is True

    called = inspect(
        tmp_path, "--method", "tools/call", "--tool-name", "workspace-status", "--tool-arg", "runs_limit=3"
    )
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert result["isError"] is False
    assert [p["title"] for p in result["structuredContent"]["papers"]] == ["Seen by the Inspector"]


@pytest.mark.slow
def test_inspector_sees_errors_resources_and_prompts(tmp_path):
    Workspace(tmp_path).record_paper("p-insp", source="a.pdf")
    bad = inspect(
        tmp_path, "--method", "tools/call", "--tool-name", "workspace-status", "--tool-arg", "runs_limit=0"
    )
    assert bad.returncode == 5 and "tool_is_error" in bad.stderr, "the Inspector flags isError results"
    result = json.loads(bad.stdout)
    assert result["isError"] is True and "runs_limit" in result["content"][0]["text"]

    unknown = inspect(tmp_path, "--method", "tools/call", "--tool-name", "no-such-tool")
    assert unknown.returncode != 0 and "no-such-tool" in unknown.stdout + unknown.stderr

    papers = inspect(tmp_path, "--method", "resources/read", "--uri", "mlintern://papers")
    assert papers.returncode == 0, papers.stderr
    assert "p-insp" in json.loads(papers.stdout)["contents"][0]["text"]

    prompt = inspect(
        tmp_path,
        "--method",
        "prompts/get",
        "--prompt-name",
        "reproduce-paper",
        "--prompt-args",
        "paper=attention.pdf",
    )
    assert prompt.returncode == 0, prompt.stderr
    assert "attention.pdf" in json.loads(prompt.stdout)["messages"][0]["content"]["text"]
