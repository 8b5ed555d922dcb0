"""run-training, training-status and stop-training on a small real torch project.

The project (tests/test_data/training/tiny) follows the scaffold-model
contract. Runs go through the registry exactly as MCP, LSP and the CLI call them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mlintern.sandbox.proctree import cmdline, descendants
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

TINY = Path(__file__).parent / "test_data" / "training" / "tiny"
SLOW_STEPS = "TINY_STEP_SLEEP=0.15"  # each step sleeps: tests act mid-run


@pytest.fixture
def ws(tmp_path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(TINY, root / "proj")
    return Workspace(root)


def call(ws: Workspace, name: str, arguments: dict, **ctx_kw) -> dict:
    result = registry.call(name, arguments, ToolContext(ws, **ctx_kw))
    registry.validate_output(registry.get(name), result)
    return result


def wait_for(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def step_of(ws: Workspace, run_id: str) -> int:
    return ws.get_run(run_id)["meta"].get("step") or 0


def ended(ws: Workspace, run_id: str) -> dict | None:
    run = ws.get_run(run_id)
    return run if run["status"] in ("succeeded", "failed", "cancelled", "lost") else None


def test_pilot_run_trains_reports_progress_and_plots(ws):
    seen = []
    result = call(
        ws,
        "run-training",
        {"project": "proj", "pilot": True, "wait": True},
        progress=lambda done, total, msg: seen.append((done, total, msg)),
    )
    assert result["state"] == "succeeded", result["summary"]
    assert result["sandbox_mode"] in ("bwrap", "unshare", "rlimits")
    assert result["step"] == 20 and result["total_steps"] == 20
    rows = [json.loads(line) for line in (Path(result["out_dir"]) / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 21))
    assert {"step", "loss", "lr", "samples_per_s", "time"} <= set(rows[0])
    assert Path(result["loss_plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (Path(result["out_dir"]) / "ckpt.pt").is_file()
    assert seen and seen[-1][0] == 20 and all(total == 20 for _, total, _ in seen)
    assert [d for d, _, _ in seen] == sorted({d for d, _, _ in seen})
    assert "done: 20 steps" in "\n".join(result["log_tail"])

    latest = call(ws, "training-status", {"run_id": "latest"})
    assert latest["run_id"] == result["run_id"] and latest["state"] == "succeeded"
    listing = call(ws, "training-status", {})
    assert [r["run_id"] for r in listing["runs"]] == [result["run_id"]]


def test_run_returns_at_once_and_other_processes_see_it(ws):
    started = time.time()
    result = call(ws, "run-training", {"project": "proj", "pilot": True, "env": [SLOW_STEPS]})
    assert time.time() - started < 10
    assert result["state"] in ("queued", "running")
    seen_elsewhere = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; from mlintern.tools import registry; "
            "from mlintern.tools.workspace import Workspace; "
            "r = registry.call('training-status', {'run_id': sys.argv[2]}, registry.ToolContext(Workspace(sys.argv[1]))); "
            "print(json.dumps(r))",
            str(ws.root),
            result["run_id"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(seen_elsewhere.stdout)["state"] in ("queued", "running", "succeeded")
    final = wait_for(lambda: ended(ws, result["run_id"]), what="the run to end")
    assert final["status"] == "succeeded"


def test_stop_training_is_graceful_then_final(ws):
    result = call(ws, "run-training", {"project": "proj", "env": [SLOW_STEPS]})
    wait_for(lambda: step_of(ws, result["run_id"]) >= 3, what="step 3")
    stopped = call(ws, "stop-training", {"run_id": result["run_id"]})
    assert stopped["state"] == "cancelled"
    assert "stop-training" in stopped["reason"]
    stdout = (Path(stopped["run_dir"]) / "stdout.log").read_text()
    assert "stopped by SIGTERM" in stdout and "checkpoint saved" in stdout  # the training saw SIGTERM first
    again = call(ws, "stop-training", {"run_id": result["run_id"]})
    assert again["state"] == "cancelled" and "already ended" in again["summary"]


def test_cancelling_a_waiting_call_stops_the_run(ws):
    cancel = threading.Event()

    def progress(done, total, message):
        if done >= 3:
            cancel.set()

    with pytest.raises(Cancelled):
        call(
            ws,
            "run-training",
            {"project": "proj", "wait": True, "env": [SLOW_STEPS]},
            progress=progress,
            cancel_event=cancel,
        )
    run = ws.runs()[0]
    assert run["status"] == "cancelled" and run["reason"] == "cancelled by the caller"
    assert not run["pid"] or not descendants(run["pid"])


def _training_pid(run: dict) -> int:
    def find():
        return next(
            (
                p
                for p in descendants(run["pid"])
                if "train.py" in cmdline(p) and "mlintern-reaper" not in cmdline(p)
            ),
            None,
        )

    return wait_for(find, what="the training process")


@pytest.mark.slow
def test_kill_9_fails_with_reason_and_resume_loses_at_most_one_interval(ws):
    result = call(
        ws, "run-training", {"project": "proj", "max_steps": 30, "ckpt_every": 5, "env": [SLOW_STEPS]}
    )
    run_id = result["run_id"]
    wait_for(lambda: step_of(ws, run_id) >= 12, what="step 12")
    os.kill(_training_pid(ws.get_run(run_id)), signal.SIGKILL)
    final = wait_for(lambda: ended(ws, run_id), what="the killed run to end")
    killed_at = final["meta"]["step"]
    assert final["status"] == "failed"
    assert "SIGKILL" in final["reason"]

    resumed = call(
        ws,
        "run-training",
        {"project": "proj", "resume": True, "max_steps": 30, "ckpt_every": 5, "wait": True},
    )
    assert resumed["state"] == "succeeded", resumed["summary"]
    stdout = (Path(resumed["run_dir"]) / "stdout.log").read_text()
    resumed_at = int(stdout.split("at step ")[1].split()[0])
    assert killed_at - 5 <= resumed_at <= killed_at
    assert resumed["step"] == 30 and resumed["out_dir"] == final["meta"]["out_dir"]
    assert ws.get_run(resumed["run_id"])["meta"]["resumed_from"] == run_id


SERVER = """
import sys
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace
ws = Workspace(sys.argv[1])
r = registry.call("run-training", {"project": "proj", "env": ["TINY_STEP_SLEEP=0.1"], "max_steps": 25},
                  registry.ToolContext(ws, face="mcp"))
print(r["run_id"], flush=True)
import time; time.sleep(600)
"""


def test_server_killed_and_restarted_finds_the_run_again(ws):
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(ws.root)], stdout=subprocess.PIPE, text=True)
    run_id = server.stdout.readline().strip()
    wait_for(lambda: step_of(ws, run_id) >= 2, what="step 2")
    server.kill()  # the server dies (SIGKILL); the run must not
    server.wait()
    restarted = Workspace(ws.root)  # a new server on the same workspace
    status = call(restarted, "training-status", {"run_id": run_id})
    assert status["state"] == "running"
    final = wait_for(lambda: ended(restarted, run_id), what="the run to finish")
    assert final["status"] == "succeeded" and final["meta"]["step"] == 25


def test_supervisor_killed_marks_the_run_lost_and_resumable(ws):
    result = call(
        ws, "run-training", {"project": "proj", "max_steps": 200, "ckpt_every": 2, "env": [SLOW_STEPS]}
    )
    run_id = result["run_id"]
    wait_for(lambda: step_of(ws, run_id) >= 3, what="step 3")
    run = ws.get_run(run_id)
    training = _training_pid(run)
    os.kill(run["meta"]["supervisor_pid"], signal.SIGKILL)
    status = wait_for(
        lambda: (s := call(ws, "training-status", {"run_id": run_id}))["state"] == "lost" and s, what="lost"
    )
    assert "resume" in status["reason"]
    wait_for(
        lambda: not Path(f"/proc/{training}").exists() or "train.py" not in cmdline(training),
        timeout=60,
        what="the orphaned training to die with its supervisor",
    )
    resumed = call(ws, "run-training", {"project": "proj", "resume": True, "max_steps": 8, "wait": True})
    assert resumed["state"] == "succeeded"


@pytest.mark.slow
def test_torchrun_two_cpu_processes(ws):
    result = call(
        ws,
        "run-training",
        {"project": "proj", "pilot": True, "launcher": "torchrun", "nproc_per_node": 2, "wait": True},
    )
    assert result["state"] == "succeeded", "\n".join(result["log_tail"])
    command = ws.get_run(result["run_id"])["command"]
    assert "torch.distributed.run" in command and "--nproc-per-node=2" in command
    assert result["step"] == 20


def test_slurm_writes_an_sbatch_script(ws):
    if shutil.which("sbatch"):
        pytest.skip("sbatch exists here; this test checks the no-SLURM path")
    result = call(
        ws,
        "run-training",
        {"project": "proj", "launcher": "slurm", "nnodes": 2, "nproc_per_node": 4, "max_minutes": 90},
    )
    assert result["state"] == "not_submitted" and result["run_id"] is None
    script = Path(result["sbatch_script"]).read_text()
    assert "#SBATCH --nodes=2" in script and "#SBATCH --time=01:30:00" in script
    assert "--nproc-per-node=4" in script and "--rdzv-backend=c10d" in script and "--out-dir" in script
    assert "nothing was submitted" in result["summary"]
    assert ws.runs() == []


def test_no_sandbox_is_explicit_approved_and_warned(ws):
    with pytest.raises(ToolError) as refused:  # nobody to ask (an MCP client without elicitation, a script)
        call(ws, "run-training", {"project": "proj", "pilot": True, "max_steps": 3, "sandbox": False})
    assert refused.value.code == "approval_required" and "--yes" in refused.value.hint
    with pytest.raises(ToolError) as declined:
        call(ws, "run-training", {"project": "proj", "sandbox": False}, ask_approval=lambda q: False)
    assert declined.value.code == "declined"
    assert ws.runs() == []  # nothing started
    asked = []
    result = call(
        ws,
        "run-training",
        {"project": "proj", "pilot": True, "max_steps": 3, "sandbox": False, "wait": True},
        ask_approval=lambda q: asked.append(q) or True,
    )
    assert result["state"] == "succeeded"
    assert result["sandbox_mode"] == "none" and "sandbox disabled" in result["warning"]
    assert "without the sandbox" in asked[0]
    assert [a["action"] for a in result["approvals"]] == ["run the training code without the sandbox"]
    assert ws.get_run(result["run_id"])["meta"]["approvals"] == result["approvals"]  # in the run record
    assert "approved: run the training code without the sandbox" in result["summary"]


def test_multi_node_network_needs_approval_and_is_recorded(ws):
    with pytest.raises(ToolError) as refused:
        call(ws, "run-training", {"project": "proj", "nnodes": 2})
    assert refused.value.code == "approval_required" and "network" in refused.value.message
    assert ws.runs() == []
    result = call(
        ws,
        "run-training",
        {"project": "proj", "pilot": True, "max_steps": 1, "nnodes": 2, "wait": True},
        ask_approval=lambda q: True,
    )
    assert result["network"] is True
    assert [a["action"] for a in result["approvals"]] == ["give the training code network access"]
    launch = json.loads((Path(result["run_dir"]) / "launch.json").read_text())
    assert launch["network"] is True


def test_cli_yes_pre_approves_and_without_it_nothing_starts(ws):
    env = {**os.environ, "MLINTERN_WORKSPACE": str(ws.root)}
    base = [
        str(Path(sys.executable).with_name("mlintern")),
        "run-training",
        "proj",
        "--no-sandbox",
        "--pilot",
        "--max-steps",
        "1",
        "--wait",
    ]
    refused = subprocess.run(
        base, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120, cwd=ws.root
    )
    assert refused.returncode != 0 and "--yes" in refused.stderr and ws.runs() == []
    done = subprocess.run(
        [*base, "--yes"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        cwd=ws.root,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert ws.runs()[0]["meta"]["approvals"][0]["approved"] is True


def test_missing_train_py_is_a_clear_error(ws):
    (ws.root / "empty").mkdir()
    with pytest.raises(ToolError) as err:
        call(ws, "run-training", {"project": "empty"})
    assert err.value.code == "not_found" and "scaffold-model" in err.value.hint
    assert ws.runs() == []


def test_project_from_another_tool_is_refused(ws):
    other = ws.root / "other"
    other.mkdir()
    (other / "train.py").write_text("import sys; print('my own trainer', sys.argv)\n")
    with pytest.raises(ToolError) as err:
        call(ws, "run-training", {"project": "other"})
    assert err.value.code == "foreign_project" and "--out-dir" in err.value.hint
    assert (other / "train.py").read_text().startswith("import sys")  # nothing touched


def test_project_outside_the_workspace_is_refused(ws, tmp_path):
    with pytest.raises(ToolError) as err:
        call(ws, "run-training", {"project": str(tmp_path)})
    assert err.value.code == "path_outside_workspace"


def test_second_run_while_one_is_live_is_refused(ws):
    first = call(ws, "run-training", {"project": "proj", "env": [SLOW_STEPS]})
    try:
        with pytest.raises(ToolError) as err:
            call(ws, "run-training", {"project": "proj"})
        assert err.value.code == "busy" and first["run_id"] in str(err.value)
    finally:
        call(ws, "stop-training", {"run_id": first["run_id"]})


def test_resume_without_an_earlier_run_and_unknown_env_are_errors(ws):
    with pytest.raises(ToolError, match="resume"):
        call(ws, "run-training", {"project": "proj", "resume": True})
    with pytest.raises(ToolError, match="NOT_SET_ANYWHERE"):
        call(ws, "run-training", {"project": "proj", "env": ["NOT_SET_ANYWHERE"]})
    with pytest.raises(ToolError, match="No run"):
        call(ws, "training-status", {"run_id": "run-nope"})


PROBE = (
    "import sys; from mlintern.tools import registry; from mlintern.tools.workspace import Workspace\n"
    "try:\n    registry.call('run-training', {'project': 'proj'}, registry.ToolContext(Workspace(sys.argv[1])))\n"
    "except Exception as e:\n    print(type(e).__name__, getattr(e, 'code', ''), e)\n"
)
needs_mounts = pytest.mark.skipif(
    not shutil.which("unshare") or os.geteuid() != 0,
    reason="needs root and unshare for a private mount namespace",
)


def _in_private_mounts(setup: str, ws: Workspace) -> str:
    """Run run-training in a private mount namespace after ``setup`` (shell) changed the project's mount."""
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            setup + ' && exec "$0" -c "$1" "$2"',
            sys.executable,
            PROBE,
            str(ws.root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


@needs_mounts
def test_unwritable_project_folder_is_a_clear_error(ws):
    """A read-only bind mount (permission bits do not stop root) over the project."""
    proj = ws.root / "proj"
    out = _in_private_mounts(f'mount --bind "{proj}" "{proj}" && mount -o remount,bind,ro "{proj}"', ws)
    assert "ToolError not_writable" in out and "Nothing was started" in out, out
    assert ws.runs() == []


@needs_mounts
def test_full_disk_is_a_clear_error_and_loses_nothing(ws):
    """The project on a tiny tmpfs filled to the brim: the write probe meets ENOSPC."""
    proj = ws.root / "proj"
    before = {p.name: p.read_bytes() for p in proj.iterdir() if p.is_file()}
    out = _in_private_mounts(
        f'mount -t tmpfs -o size=256k tmpfs "{proj}" && cp -r "{TINY}/." "{proj}/" && '
        f'(dd if=/dev/zero of="{proj}/filler" bs=4k 2>/dev/null || true)',
        ws,
    )
    assert "ToolError not_writable" in out and "No space left on device" in out, out
    assert {
        p.name: p.read_bytes() for p in proj.iterdir() if p.is_file()
    } == before  # the real folder untouched
    assert ws.runs() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="rlimits mode refuses root (test_rlimits_mode_refuses_root)")
def test_forced_rlimits_mode_runs_with_a_loud_warning(ws, monkeypatch):
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", "rlimits")
    result = call(ws, "run-training", {"project": "proj", "pilot": True, "max_steps": 2, "wait": True})
    assert result["state"] == "succeeded"
    assert result["sandbox_mode"] == "rlimits" and "WARNING" in result["warning"]
    assert "[mlintern] WARNING" in (Path(result["run_dir"]) / "stderr.log").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="root only")
def test_rlimits_mode_refuses_root(ws, monkeypatch):
    """Without namespaces the code would run as root on the host: refused before anything starts."""
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", "rlimits")
    with pytest.raises(ToolError) as refused:
        call(ws, "run-training", {"project": "proj", "pilot": True})
    assert refused.value.code == "sandbox_unavailable" and "--no-sandbox" in refused.value.hint
    assert ws.runs() == []


def test_setsid_daemon_is_killed_even_without_namespaces(ws, monkeypatch):
    """rlimits mode (sandbox=false for root) has no PID namespace: the reaper, a child subreaper, still
    finds the orphan, however the daemon's fork races the reaper's scan (repeated 3 times)."""
    if os.geteuid() == 0:
        arguments, approve = {"sandbox": False}, (lambda q: True)
    else:
        monkeypatch.setenv("MLINTERN_SANDBOX_MODE", "rlimits")
        arguments, approve = {}, None
    for attempt in range(3):
        _setsid_daemon_attempt(ws, arguments, approve, marker=f"271.7{attempt}")


def _setsid_daemon_attempt(ws, arguments, approve, marker):
    (ws.root / "proj" / "train.py").write_text(
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import os, time; os.fork() or time.sleep({marker})'],"
        " start_new_session=True)\n"
    )  # a double-forked, setsid daemon: its parent exits at once
    result = call(ws, "run-training", {"project": "proj", "wait": True, **arguments}, ask_approval=approve)
    assert result["state"] == "failed" and "background process" in result["reason"]
    time.sleep(0.3)
    assert not [p for p in os.listdir("/proc") if p.isdigit() and f"time.sleep({marker})" in cmdline(int(p))]
