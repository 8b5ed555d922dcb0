"""``reproduce-paper`` as a registry tool, and the sampling brain the MCP server plugs in."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.reproduce.brains.sampling import SamplingBrain

DIAGNOSIS = {
    "category": "x",
    "fixes": [
        {
            "title": "a",
            "confidence": 0.2,
            "edits": [{"path": "m.py", "start_line": 1, "end_line": 1, "new_text": "a"}],
        },
        {
            "title": "b",
            "confidence": 0.9,
            "edits": [{"path": "m.py", "start_line": 2, "end_line": 2, "new_text": "b"}],
        },
    ],
}


def test_reproduce_paper_tool_reports_a_bad_paper_through_the_registry(workspace):
    (workspace.root / "bad.pdf").write_bytes(b"%PDF-1.4 truncated")
    progress, logs = [], []
    ctx = registry.ToolContext(
        workspace, face="mcp", progress=lambda d, t, m: progress.append(m), log=logs.append
    )
    result = registry.call(
        "reproduce-paper", {"paper": "bad.pdf", "brain": "offline", "budget_minutes": 1}, ctx
    )
    registry.validate_output(registry.get("reproduce-paper"), result)
    assert result["stopped"] == "tool_error" and result["paper"] == "bad"
    assert result["report"].endswith("REPORT.md") and "stopped" in result["summary"]
    assert any("parse" in (m or "") for m in progress) and logs


def test_reproduce_paper_refuses_paths_outside_a_confined_workspace(workspace, tmp_path_factory):

    outside = tmp_path_factory.mktemp("elsewhere") / "p.pdf"
    outside.write_bytes(b"%PDF-1.4")
    ctx = registry.ToolContext(workspace, face="mcp")
    with pytest.raises(ToolError, match="outside the workspace"):
        registry.call("reproduce-paper", {"paper": str(outside)}, ctx)


def test_sampling_brain_decides_from_json_and_retries_bad_replies():
    replies = iter(["Sure! I'd pick the second one.", '{"fix": 1, "reason": "higher confidence"}'])
    prompts = []

    def sample(system, prompt):
        prompts.append((system, prompt))
        return next(replies)

    brain = SamplingBrain(sample)
    answer = brain.choose_fix(DIAGNOSIS, tried=[])
    assert answer == {"fix": 1, "reason": "higher confidence", "by": "mcp-sampling"}
    assert len(prompts) == 2 and "no JSON object" in prompts[1][1]
    assert "mlintern" in prompts[0][0]  # the system prompt explains the loop
    assert json.loads(prompts[0][1].split("schema (choose_fix")[1].split("\n", 1)[1])["required"] == [
        "fix",
        "reason",
    ]


def test_sampling_brain_falls_back_to_offline_rules_when_the_host_model_cannot_answer():
    brain = SamplingBrain(lambda s, p: '{"fix": "two"}', attempts=2)
    answer = brain.choose_fix(DIAGNOSIS, tried=[])
    assert answer["by"] == "offline" and answer["fix"] == 1 and "LLM brain failed" in answer["reason"]
    assert brain.usage()["calls"] == 2
    assert brain.complete("s", "p") == '{"fix": "two"}'


@pytest.mark.slow
def test_cancelling_reproduce_paper_stops_the_run_in_flight(workspace):
    pdf = workspace.root / "paper.pdf"
    shutil.copy(Path(__file__).resolve().parents[1] / "examples" / "digits-mlp" / "paper.pdf", pdf)
    cancel = threading.Event()
    ctx = registry.ToolContext(workspace, face="mcp", cancel_event=cancel)
    result: dict = {}
    worker = threading.Thread(
        target=lambda: result.update(
            registry.call(
                "reproduce-paper", {"paper": "paper.pdf", "brain": "offline", "budget_minutes": 3}, ctx
            )
        )
    )
    worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(r["status"] == "running" for r in workspace.runs()):
        time.sleep(0.2)
    cancel.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert result["stopped"] == "cancelled"
    runs = workspace.runs()
    assert runs and all(r["status"] not in ("queued", "running") for r in runs)  # nothing left behind
