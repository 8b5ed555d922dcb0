"""``mlintern-server --auto`` end to end, through the real tools (parse, scaffold, sandboxed training, export).

Each test starts the real command as a subprocess in a fresh workspace and
reads what it leaves: the event log, PLAN.md, REPORT.md/REPORT.html, the runs.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mlintern.tools.reproduce import state as st
from mlintern.tools.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "digits-mlp" / "paper.pdf"
SHARED_PAPERS = ("lenet", "resnet", "gpt1")


def auto(ws: Path, *args: str, timeout: float = 400, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "mlintern.server",
        "--auto",
        "--once",
        "--workspace",
        str(ws),
        "--json",
        *args,
    ]
    full_env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"} | (env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env, check=False)


def events(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def final_state(ws: Path, key: str) -> dict:
    state = st.load_state(Workspace(ws, confined=False), key)
    assert state is not None, f"no state saved for {key}"
    return state


@pytest.mark.slow
def test_example_paper_offline_end_to_end(tmp_path):
    started = time.monotonic()
    proc = auto(tmp_path, "--paper", str(EXAMPLE), "--brain", "offline", "--budget-minutes", "3")
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    evs = events(proc)
    assert evs and all("event" in e and "ts" in e for e in evs)  # one JSON event per line
    kinds = [e["event"] for e in evs]
    assert "plan" in kinds and kinds[-1] == "report"
    s = final_state(tmp_path, "paper")
    assert s.stop is None, s.stop
    assert s.pilots[-1]["ok"] and s.pilots[-1]["loss"]["fell"]
    assert s.steps["full"]["ok"]
    assert s.elapsed_s <= 180 and took < 240  # the README's promise: a report within 3 minutes
    out = tmp_path / "auto" / "paper"
    plan = (out / "PLAN.md").read_text()
    assert "## Steps" in plan and "## Assumptions" in plan
    report = (out / "REPORT.md").read_text()
    for section in (
        "provenance",
        "Assumptions",
        "parameter check",
        "Training runs",
        "Repairs",
        "Cost",
        "full-scale reproduction",
        "Export",
    ):
        assert section in report, section
    assert "| learning_rate | 0.001 | paper | 1 |" in report  # value, source and page cited
    assert "26,122" in report  # the paper's parameter count next to ours
    html = (out / "REPORT.html").read_text()
    assert "data:image/png;base64," in html  # the loss plot is embedded
    assert s.steps["export"]["path"] and Path(s.steps["export"]["path"]).is_dir()
    # The paper's claim next to ours, on the paper's data and split, at full scale (issue: make demo's target)
    first_line = report.split("\n\n")[1]
    assert first_line.startswith(
        "Outcome: REPRODUCED: the paper's architecture (mlp), the paper's data (digits), full scale"
    ), first_line
    claim = s.steps["evaluate"]["claims"][0]
    assert (
        claim["main"] and claim["claim"]["value"] == 97.2 and claim["split"] == "test" and claim["same_data"]
    )
    assert claim["verdict"] == "reproduced" and claim["ours"] >= 97.2 - 1.0, claim
    assert (
        "| accuracy (main) | 97.2% (p. 1:" in report
        and "## The paper's claims vs. this reproduction" in report
    )
    card = (Path(s.steps["export"]["path"]) / "README.md").read_text()
    assert "model-index:" in card.split("\n---\n")[0] and "paper: 97.2%; reproduced" in card


@pytest.mark.slow
@pytest.mark.needs_shared
@pytest.mark.parametrize("name", SHARED_PAPERS)
def test_real_papers_offline(tmp_path, shared_dir, name):
    budget = 2.0
    proc = auto(
        tmp_path,
        "--paper",
        str(shared_dir / "papers" / f"{name}.pdf"),
        "--brain",
        "offline",
        "--budget-minutes",
        str(budget),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = final_state(tmp_path, name)
    assert (tmp_path / "auto" / name / "REPORT.md").is_file()
    assert any(p["ok"] and p["loss"]["fell"] for p in s.pilots), s.pilots
    assert s.elapsed_s <= budget * 60 + 15  # the budget holds (the report itself takes a few seconds)


@pytest.mark.slow
@pytest.mark.needs_shared
def test_wall_budget_stops_a_long_full_run_and_the_report_says_so(tmp_path, shared_dir):
    # GPT-1's full configuration cannot finish on a CPU: only the budget can end its full run.
    budget = 1.25
    proc = auto(
        tmp_path,
        "--paper",
        str(shared_dir / "papers" / "gpt1.pdf"),
        "--brain",
        "offline",
        "--budget-minutes",
        str(budget),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = final_state(tmp_path, "gpt1")
    full = s.steps.get("full")
    stopped = s.stop or {}
    assert (full and full["stopped_by_budget"]) or stopped.get("kind") == "budget_wall", (full, stopped)
    assert s.elapsed_s <= budget * 60 + 15
    report = (tmp_path / "auto" / "gpt1" / "REPORT.md").read_text()
    assert "budget" in report.split("## Plan and outcome")[0]  # said at the top, not buried


@pytest.mark.slow
def test_killed_loop_resumes_where_it_stopped(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "mlintern.server",
        "--auto",
        "--once",
        "--workspace",
        str(tmp_path),
        "--json",
        "--paper",
        str(EXAMPLE),
        "--brain",
        "offline",
        "--budget-minutes",
        "3",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ws = None
    pending_run = None
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            ws = ws or (
                Workspace(tmp_path, confined=False)
                if (tmp_path / ".mlintern" / "state.db").exists()
                else None
            )
            s = st.load_state(ws, "paper") if ws else None
            if s and (s.pending or {}).get("mode") == "full":
                pending_run = s.pending["run_id"]
                break
        assert pending_run, "the loop never reached the full run"
    finally:
        proc.send_signal(signal.SIGKILL)  # no cleanup: as if the machine lost the process
        proc.wait(timeout=30)
    assert "report" not in st.load_state(ws, "paper").steps
    again = auto(tmp_path, "--paper", str(EXAMPLE), "--brain", "offline", "--budget-minutes", "3")
    assert again.returncode == 0, again.stderr[-3000:]
    s = final_state(tmp_path, "paper")
    assert s.resumes == 1
    assert s.steps["full"]["run_id"] == pending_run  # the run in flight was found again, not restarted
    calls = [e["data"]["tool"] for e in ws.events(kind="tool_call", limit=10000)]
    assert calls.count("parse-paper") == 1 and calls.count("scaffold-model") == 1  # done steps are not redone
    assert (tmp_path / "auto" / "paper" / "REPORT.md").is_file()


def test_bad_paper_gets_a_clear_error_and_a_report(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_text("this is not a PDF")
    proc = auto(tmp_path, "--paper", str(bad), "--brain", "offline", "--budget-minutes", "1")
    assert proc.returncode == 1
    s = final_state(tmp_path, "broken")
    assert s.stop["kind"] == "tool_error" and s.stop["step"] == "parse"
    report = (tmp_path / "auto" / "broken" / "REPORT.md").read_text()
    assert "stopped: a tool failed during parse" in report


def test_cli_rejects_bad_budgets_and_missing_key(tmp_path):
    proc = auto(tmp_path, "--paper", str(EXAMPLE), "--budget-minutes", "0")
    assert proc.returncode == 2 and json.loads(proc.stdout)["message"].startswith("Budgets must be positive")
    proc = auto(tmp_path, "--paper", str(EXAMPLE), "--brain", "anthropic")
    assert proc.returncode == 2 and "ANTHROPIC_API_KEY" in proc.stdout


def _load_messages_api():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "messages_api", Path(__file__).parent / "test_data" / "agent" / "messages_api.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_anthropic_brain_drives_the_loop_until_its_dollar_budget_is_spent(tmp_path):
    api = _load_messages_api()
    expensive = api.usage(inp=400_000, out=10_000)  # $1.35 at the default (sonnet) prices

    def script(req, n):
        names = [t["name"] for t in req.get("tools") or []]
        if "plan_full_run" not in names:  # a tool's own LLM path (e.g. a refinement): answer plainly
            return api.text("No change.", n=n, use=api.usage(inp=50, out=5))
        looked = any(
            b.get("type") == "tool_result"
            for m in req["messages"]
            if isinstance(m["content"], list)
            for b in m["content"]
        )
        if not looked:  # first look at the pilot through a read-only registry tool
            return api.tool_use("training-status", {"run_id": "latest"}, n=n)
        return api.tool_use(
            "plan_full_run",
            {"minutes": 0.3, "max_steps": 200, "reason": "a short full run"},
            n=n,
            use=expensive,
        )

    with api.MessagesAPI(script) as server:
        proc = auto(
            tmp_path,
            "--paper",
            str(EXAMPLE),
            "--brain",
            "anthropic",
            "--base-url",
            server.base_url,
            "--max-usd",
            "1.0",
            "--budget-minutes",
            "3",
            env={"ANTHROPIC_API_KEY": "test-key"},
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = final_state(tmp_path, "paper")
    plan = s.steps["full"]["plan"]
    assert plan["by"] == "anthropic" and plan["minutes"] == 0.3 and plan["max_steps"] == 200
    # the training-status call went back to Claude as a tool_result
    looked = [
        r
        for r in server.requests
        if any(
            b.get("type") == "tool_result" and "run-" in str(b.get("content"))
            for m in r["body"]["messages"]
            if isinstance(m["content"], list)
            for b in m["content"]
        )
    ]
    assert looked
    # the expensive answer spent the budget: nothing was sent after it, and the loop stopped and reported
    last = server.requests[-1]["body"]
    assert "plan_full_run" in [t["name"] for t in last.get("tools") or []]
    assert s.stop["kind"] == "budget_usd"
    assert s.llm["usd"] >= 1.0 and s.llm["calls"] == len(server.requests)
    report = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    assert "LLM dollar budget was spent" in report
    assert s.steps["full"]["ok"]  # the training itself was not lost


def test_papers_folder_once_and_watching(tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "first.pdf").write_text("not a pdf either")
    proc = auto(tmp_path, "--budget-minutes", "1")  # no --paper: the folder, once
    assert (tmp_path / "auto" / "first" / "REPORT.md").is_file()
    assert proc.returncode == 1  # the paper could not be parsed, and the report says so

    cmd = [
        sys.executable,
        "-m",
        "mlintern.server",
        "--auto",
        "--workspace",
        str(tmp_path),
        "--json",
        "--brain",
        "offline",
        "--budget-minutes",
        "1",
    ]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[dict] = []
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in watcher.stdout], daemon=True)
    reader.start()

    def wait_for(wanted, timeout: float) -> bool:
        """Read the watcher's events until one is ``wanted`` (REPORT.md is written before its event)."""
        deadline = time.monotonic() + timeout
        while not any(wanted(e) for e in seen):
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line.strip():
                seen.append(json.loads(line))
        return True

    try:
        assert wait_for(lambda e: e.get("step") == "watch", 60)  # the watcher says it is watching
        (tmp_path / "incoming.tmp").write_text("still not a pdf")
        (tmp_path / "incoming.tmp").rename(papers / "second.pdf")  # a finished copy lands
        assert wait_for(lambda e: e.get("event") == "report" and e.get("paper") == "second", 60), seen
        assert (tmp_path / "auto" / "second" / "REPORT.md").is_file()
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
        reader.join(timeout=5)
    assert watcher.returncode == 130, watcher.stderr.read()[-2000:]
