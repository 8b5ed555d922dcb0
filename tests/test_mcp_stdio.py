"""The MCP server as a subprocess over stdio, through the SDK's real clients.

``ClientSession`` speaks the ``initialize`` era (2025-11-25); ``mcp.Client``
speaks 2026-07-28. Both must see the registry's tools exactly as declared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client, ClientSession, MCPError, StdioServerParameters, stdio_client
from mlintern.server import __version__
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace


def server_params(root: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "mlintern.server", "--workspace", str(root)]
    )


@asynccontextmanager
async def session(root: Path, log: Path, **callbacks):
    """A ``ClientSession`` (2025-11-25 handshake) to a fresh server; its stderr goes to ``log``."""
    with log.open("w") as errlog:
        async with stdio_client(server_params(root), errlog=errlog) as (read, write):
            async with ClientSession(read, write, **callbacks) as s:
                yield s, await s.initialize()


@pytest.fixture
def root(tmp_path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


async def test_handshake_era_lists_tools_exactly_as_declared(root, tmp_path):
    async with session(root, tmp_path / "server.log") as (s, init):
        assert init.protocol_version == "2025-11-25"
        assert (init.server_info.name, init.server_info.version) == ("mlintern", __version__)
        assert "parse-paper" in init.instructions and "workspace-status" in init.instructions
        listed = {t.name: t for t in (await s.list_tools()).tools}
    assert list(listed) == list(registry.tools())
    for name, tool in registry.tools().items():
        got = listed[name]
        assert got.input_schema == tool.input_schema
        assert got.output_schema == tool.output_schema
        assert (got.title, got.description) == (tool.title, tool.description)
        hints = got.annotations
        assert (
            hints.read_only_hint,
            hints.destructive_hint,
            hints.idempotent_hint,
            hints.open_world_hint,
        ) == (tool.read_only, tool.destructive, tool.idempotent, tool.open_world)


async def test_call_returns_structured_content_and_summary_text(root, tmp_path):
    Workspace(root).record_paper("p-1", source="attention.pdf", title="Attention Is All You Need")
    async with session(root, tmp_path / "server.log") as (s, _):
        result = await s.call_tool("workspace-status", {"runs_limit": 5})
    assert not result.is_error
    data = result.structured_content
    registry.validate_output(registry.get("workspace-status"), data)
    assert [p["title"] for p in data["papers"]] == ["Attention Is All You Need"]
    text = result.content[0].text
    assert text.startswith(data["summary"])
    assert json.loads(text[len(data["summary"]) :]) == data
    assert Workspace(root).events(kind="tool_call")[-1]["data"] == {
        "tool": "workspace-status",
        "face": "mcp",
        "seconds": pytest.approx(0, abs=60),
    }


async def test_bad_input_gives_clear_errors_and_the_server_stays_up(root, tmp_path):
    async with session(root, tmp_path / "server.log") as (s, _):
        wrong_type = await s.call_tool("workspace-status", {"runs_limit": "ten"})
        unknown_arg = await s.call_tool("workspace-status", {"verbose": True})
        with pytest.raises(MCPError, match="Unknown tool 'parse-papr'.*workspace-status"):
            await s.call_tool("parse-papr", {})
        still_up = await s.call_tool("workspace-status", {})
    assert wrong_type.is_error
    assert "runs_limit: 'ten' is not of type 'integer'" in wrong_type.content[0].text
    assert "Hint: Accepted arguments" in wrong_type.content[0].text
    assert wrong_type.structured_content is None
    assert wrong_type.meta["mlintern/error"]["error"] == "invalid_arguments"
    assert unknown_arg.is_error and "'verbose' was unexpected" in unknown_arg.content[0].text
    assert not still_up.is_error


async def test_modern_era_client(root, tmp_path):
    with (tmp_path / "server.log").open("w") as errlog:
        async with Client(stdio_client(server_params(root), errlog=errlog)) as client:
            assert client.protocol_version == "2026-07-28"
            names = [t.name for t in (await client.list_tools()).tools]
            result = await client.call_tool("workspace-status", {"events_limit": 0})
            bad = await client.call_tool("workspace-status", {"events_limit": -1})
    assert names == list(registry.tools())
    assert result.structured_content["events"] == []
    assert bad.is_error and "events_limit" in bad.content[0].text


def _populate(root: Path) -> tuple[str, str]:
    ws = Workspace(root)
    paper_dir = ws.subdir("papers", "p-1")
    (paper_dir / "spec.json").write_text(json.dumps({"title": "Attention", "hyperparameters": {}}))
    (paper_dir / "paper.md").write_text("# Attention\n\n<!-- page 1 -->\nThe dominant sequence models...\n")
    ws.record_paper("p-1", source="attention.pdf", title="Attention", spec_path=str(paper_dir / "spec.json"))
    run_dir = ws.subdir("runs", "run-a")
    (run_dir / "out").mkdir()  # where the train script writes them (its --out-dir), not next to the logs
    (run_dir / "out" / "metrics.jsonl").write_text('{"step": 1, "loss": 2.5}\n{"step": 2, "loss": 2.1}\n')
    (run_dir / "stdout.log").write_text("step 1 loss 2.5\n" + "x" * 70_000 + "\nstep 2 loss 2.1\n")
    ws.create_run(
        project=str(root),
        command=["python", "train.py"],
        launcher="local",
        mode="pilot",
        run_dir=str(run_dir),
        run_id="run-a",
    )
    # A run whose recorded folder lies outside the workspace: its files must not be served.
    ws.create_run(
        project=str(root), command=["x"], launcher="local", mode="pilot", run_dir="/etc", run_id="run-out"
    )
    return "p-1", "run-a"


async def test_resources_list_and_read(root, tmp_path):
    paper_id, run_id = _populate(root)
    async with session(root, tmp_path / "server.log") as (s, _):
        uris = [r.uri for r in (await s.list_resources()).resources]
        templates = [t.uri_template for t in (await s.list_resource_templates()).resource_templates]
        papers = json.loads((await s.read_resource("mlintern://papers")).contents[0].text)
        runs = json.loads((await s.read_resource("mlintern://runs")).contents[0].text)
        spec = (await s.read_resource(f"mlintern://papers/{paper_id}/spec")).contents[0]
        markdown = (await s.read_resource(f"mlintern://papers/{paper_id}/markdown")).contents[0].text
        metrics = (await s.read_resource(f"mlintern://runs/{run_id}/metrics")).contents[0].text
        log = (await s.read_resource(f"mlintern://runs/{run_id}/log")).contents[0].text
        with pytest.raises(MCPError, match="outside the workspace"):
            await s.read_resource("mlintern://runs/run-out/log")
        with pytest.raises(MCPError, match="No paper 'nope'"):
            await s.read_resource("mlintern://papers/nope/spec")
        with pytest.raises(MCPError, match="Unknown resource"):
            await s.read_resource("mlintern://papers/../../etc/passwd/spec")
    assert {
        "mlintern://papers",
        "mlintern://runs",
        f"mlintern://papers/{paper_id}/spec",
        f"mlintern://runs/{run_id}/metrics",
    } <= set(uris)
    assert set(templates) == {
        "mlintern://papers/{paper_id}/spec",
        "mlintern://papers/{paper_id}/markdown",
        "mlintern://runs/{run_id}/metrics",
        "mlintern://runs/{run_id}/log",
    }
    assert [p["id"] for p in papers] == [paper_id]
    assert {r["id"] for r in runs} == {run_id, "run-out"}
    assert spec.mime_type == "application/json" and json.loads(spec.text)["title"] == "Attention"
    assert "<!-- page 1 -->" in markdown
    assert [json.loads(line)["loss"] for line in metrics.splitlines()] == [2.5, 2.1]
    assert "step 2 loss 2.1" in log and "earlier bytes omitted" in log and "step 1 loss" not in log


async def test_prompts_guide_through_registered_tools(root, tmp_path):
    async with session(root, tmp_path / "server.log") as (s, _):
        prompts = {p.name: p for p in (await s.list_prompts()).prompts}
        reproduce = await s.get_prompt("reproduce-paper", {"paper": "papers/attention.pdf"})
        fix = await s.get_prompt("fix-training-failure", {"traceback": "Traceback ...\nValueError: boom"})
        with pytest.raises(MCPError, match="needs the argument `paper`"):
            await s.get_prompt("reproduce-paper", {})
        with pytest.raises(MCPError, match="needs `run_id` or `traceback`"):
            await s.get_prompt("fix-training-failure", {})
    assert set(prompts) == {"reproduce-paper", "fix-training-failure"}
    assert [a.name for a in prompts["reproduce-paper"].arguments] == ["paper"]
    text = reproduce.messages[0].content.text
    assert "papers/attention.pdf" in text
    named = {word.strip(".,;:`()") for word in text.split()} & _tool_like_words()
    assert named and named <= set(registry.tools()), "prompts only name tools this install has"
    assert "ValueError: boom" in fix.messages[0].content.text


def _tool_like_words() -> set[str]:
    return {
        "workspace-status",
        "parse-paper",
        "scaffold-model",
        "run-training",
        "training-status",
        "stop-training",
        "diagnose-traceback",
        "export-model",
    }


async def test_runs_orphaned_by_a_crash_are_marked_lost_at_start(root, tmp_path):
    ws = Workspace(root)
    gone = subprocess.Popen(["true"])  # a supervisor pid that no longer exists
    gone.wait()
    run = ws.create_run(
        project=str(root),
        command=["python", "train.py"],
        launcher="local",
        mode="full",
        run_dir=str(ws.subdir("runs", "run-crashed")),
        run_id="run-crashed",
    )
    ws.update_run(run["id"], status="running", meta={"supervisor_pid": gone.pid})
    async with session(root, tmp_path / "server.log") as (s, _):
        status = await s.call_tool("workspace-status", {})
    assert [(r["id"], r["status"]) for r in status.structured_content["runs"]] == [("run-crashed", "lost")]


async def test_paths_outside_the_workspace_are_refused(root, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "train.py").write_text("# --out-dir --max-steps\n")
    async with session(root, tmp_path / "server.log") as (s, _):
        results = [
            await s.call_tool("run-training", {"project": project})
            for project in ("../elsewhere", str(outside), "/etc")
        ]
    for result in results:
        assert result.is_error
        assert result.meta["mlintern/error"]["error"] == "path_outside_workspace"
        assert "is outside the workspace" in result.content[0].text
    assert Workspace(root).runs() == [], "nothing was started"


async def test_markdown_resource_is_built_from_the_cached_pdf(root, tmp_path):
    import pymupdf

    ws = Workspace(root)
    folder = ws.subdir("papers", "0123456789abcdef")
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "A Tiny Paper About Attention", fontsize=16)
    page.insert_text(
        (72, 120), "We train the model with a learning rate of 0.001 for 10 epochs.", fontsize=10
    )
    doc.save(folder / "paper.pdf")
    doc.close()
    ws.record_paper("0123456789abcdef", source="tiny.pdf", pdf_path=str(folder / "paper.pdf"))
    async with session(root, tmp_path / "server.log") as (s, _):
        markdown = (await s.read_resource("mlintern://papers/0123456789abcdef/markdown")).contents[0]
    assert markdown.mime_type == "text/markdown"
    assert "<!-- page 1 -->" in markdown.text and "learning rate of 0.001" in markdown.text
    assert (folder / "paper.md").read_text(encoding="utf-8") == markdown.text, "built once, then kept"
