"""The shared ``.mlintern/`` state: safe across processes, confined, and honest when broken."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from mlintern.tools.errors import ToolError
from mlintern.tools.workspace import Workspace

WRITERS = 4
WRITES = 200

# One writer process: an MCP server, an LSP server or the CLI would do the same.
WRITER = """
import sys
from mlintern.tools.workspace import Workspace
root, name, shared_run, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ws = Workspace(root)
own = ws.create_run(project=root, command=["python", "train.py"], launcher="local", mode="pilot",
                    run_dir=root, run_id="run-" + name)
for i in range(n):
    ws.log_event("step", {"writer": name, "i": i})
    ws.update_run(shared_run, meta={f"{name}-{i}": i})
    if i % 20 == 0:
        ws.update_run(own["id"], status="running", meta={"last": i})
ws.set_value(f"progress/{name}", n - 1)
ws.update_run(own["id"], status="succeeded", exit_code=0, meta={"last": n - 1})
"""


@pytest.mark.slow
def test_concurrent_processes_lose_nothing(tmp_path):
    ws = Workspace(tmp_path)
    shared = ws.create_run(
        project=str(tmp_path), command=["x"], launcher="local", mode="full", run_dir=str(tmp_path)
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), f"w{k}", shared["id"], str(WRITES)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(WRITERS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err

    events = ws.events(kind="step", limit=10_000)
    assert len(events) == WRITERS * WRITES
    for k in range(WRITERS):
        mine = [e["data"]["i"] for e in events if e["data"]["writer"] == f"w{k}"]
        assert mine == list(range(WRITES)), "each writer's events are all there, in order"
        run = ws.require_run(f"run-w{k}")
        assert (run["status"], run["exit_code"], run["meta"]["last"]) == ("succeeded", 0, WRITES - 1)
        assert ws.get_value(f"progress/w{k}") == WRITES - 1
    meta = ws.require_run(shared["id"])["meta"]
    assert len(meta) == WRITERS * WRITES, "meta updates merge; no writer clobbers another"


def test_wal_mode_is_on(workspace):
    con = sqlite3.connect(workspace.db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_paths_outside_the_workspace_are_refused(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    (root / "link").symlink_to(outside)
    ws = Workspace(root, confined=True)
    for escape in ("../secret.txt", str(outside), "link", "sub/../../secret.txt"):
        with pytest.raises(ToolError) as info:
            ws.path(escape)
        assert info.value.code == "path_outside_workspace"
        assert str(root) in info.value.message
    assert ws.path("papers/a.pdf") == root / "papers" / "a.pdf"
    with pytest.raises(ToolError, match="looks like an option"):
        ws.path("--help")
    with pytest.raises(ToolError, match="does not exist"):
        ws.path("missing.pdf", must_exist=True)


def test_unconfined_reads_anywhere_but_writes_only_inside(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    ws = Workspace(root, confined=False)
    assert ws.path(tmp_path / "paper.pdf") == tmp_path / "paper.pdf"
    with pytest.raises(ToolError):
        ws.path(tmp_path / "out", write=True)


def test_corrupt_database_gives_a_tool_error_and_keeps_the_file(tmp_path):
    state = tmp_path / ".mlintern"
    state.mkdir()
    garbage = b"this is not a sqlite database" * 100
    (state / "state.db").write_bytes(garbage)
    with pytest.raises(ToolError) as info:
        Workspace(tmp_path)
    assert info.value.code == "corrupt_state"
    assert "Move" in info.value.hint
    assert (state / "state.db").read_bytes() == garbage, "nothing is overwritten"


def test_missing_root_and_unknown_run(tmp_path, workspace):
    with pytest.raises(ToolError, match="does not exist"):
        Workspace(tmp_path / "nope")
    with pytest.raises(ToolError) as info:
        workspace.require_run("run-missing")
    assert info.value.code == "not_found"
    with pytest.raises(ValueError):
        workspace.update_run("run-missing", colour="red")


def test_state_survives_reopening(tmp_path):
    ws = Workspace(tmp_path)
    ws.record_paper("p1", source="paper.pdf", title="Attention")
    ws.record_paper("p1", family="transformer_seq2seq")
    ws.add_diagnosis(
        {"category": "shape_mismatch", "error": {"type": "RuntimeError", "message": "x"}}, run_id="r1"
    )
    again = Workspace(tmp_path)
    paper = again.get_paper("p1")
    assert (paper["title"], paper["family"], paper["source"]) == (
        "Attention",
        "transformer_seq2seq",
        "paper.pdf",
    )
    assert again.diagnoses(run_id="r1")[0]["category"] == "shape_mismatch"
    assert os.path.isdir(again.state_dir)


def test_layout_accessors_name_every_place_once(tmp_path):
    """Faces and tools reach the layout through these accessors (CONTRIBUTING.md, "Workspace")."""
    ws = Workspace(tmp_path)
    assert ws.paper_dir("p1") == tmp_path / ".mlintern" / "papers" / "p1" and not ws.paper_dir("p1").exists()
    assert ws.paper_dir("p1", create=True).is_dir()
    assert ws.spec_path({"id": "p1", "spec_path": None}) == ws.paper_dir("p1") / "spec.json"
    assert ws.spec_path({"id": "p1", "spec_path": str(tmp_path / "s.json")}) == tmp_path / "s.json"
    run = ws.create_run(
        project=str(tmp_path),
        command=["x"],
        launcher="local",
        mode="pilot",
        run_dir=str(ws.run_dir("run-1", create=True)),
        run_id="run-1",
    )
    assert ws.run_dir(run) == ws.run_dir("run-1") == tmp_path / ".mlintern" / "runs" / "run-1"
    assert ws.metrics_path(run) == ws.run_dir(run) / "out" / "metrics.jsonl"
    resumed = ws.update_run("run-1", meta={"out_dir": str(tmp_path / "first" / "out")})
    assert ws.metrics_path(resumed) == tmp_path / "first" / "out" / "metrics.jsonl"
    diag = ws.add_diagnosis({"category": "shape_mismatch", "fixes": []}, run_id="run-1")
    assert ws.get_diagnosis(diag) == {**ws.diagnoses()[0]} and ws.get_diagnosis(diag)["run_id"] == "run-1"
    assert ws.get_diagnosis("diag-none") is None


def test_workspace_status_reports_where_each_spec_is(tmp_path):
    """Clients (the VS Code extension) take the spec's path from the server, never from the layout."""
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext

    ws = Workspace(tmp_path)
    (ws.paper_dir("p1", create=True) / "spec.json").write_text("{}")
    ws.record_paper("p1", source="a.pdf", title="A")
    ws.record_paper("p2", source="b.pdf", title="B")
    result = registry.call("workspace-status", {}, ToolContext(ws))
    registry.validate_output(registry.get("workspace-status"), result)
    assert [(p["id"], p["has_spec"], p["spec"]) for p in result["papers"]] == [
        ("p1", True, ".mlintern/papers/p1/spec.json"),
        ("p2", False, None),
    ]
