"""SLURM end to end against a real scheduler (the one-node cluster of tests/slurm/start.sh).

Every run goes through the registry exactly as MCP, LSP and the CLI call it: run-training with
launcher=slurm submits with ``sbatch --parsable``; training-status follows the job (squeue/scontrol),
stop-training cancels it with scancel, diagnose-traceback reads the job's log, export-model packages
the finished job. Skipped, with the reason, where SLURM is not installed; where it is installed but
not running, the fixture starts it with tests/slurm/start.sh (root only). MLINTERN_REQUIRE_SLURM=1
(set by .ci/run) turns those skips into failures.
"""

from __future__ import annotations

import asyncio
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
from mlintern.sandbox.proctree import alive
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.training import slurm
from mlintern.tools.workspace import Workspace

HERE = Path(__file__).parent
TINY = HERE / "test_data" / "training" / "tiny"
START = HERE / "slurm" / "start.sh"
TERMINAL = ("succeeded", "failed", "cancelled", "lost")


def _unavailable(reason: str):
    if os.environ.get("MLINTERN_REQUIRE_SLURM") == "1":
        pytest.fail(f"MLINTERN_REQUIRE_SLURM=1 but {reason}")
    pytest.skip(reason)


def _cluster_answers() -> bool:
    try:
        done = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and any(s.startswith(("idle", "mix", "alloc")) for s in done.stdout.split())


@pytest.fixture(scope="module")
def cluster() -> None:
    if not slurm.available() or not shutil.which("sinfo"):
        _unavailable(
            "SLURM is not installed here (apt-get install -y slurmctld slurmd slurm-client munge, "
            "then tests/slurm/start.sh)"
        )
    if not _cluster_answers():
        if os.geteuid() != 0:
            _unavailable(
                "SLURM is installed but no cluster answers, and starting one needs root "
                "(sudo tests/slurm/start.sh)"
            )
        done = subprocess.run(["bash", str(START)], capture_output=True, text=True, timeout=180)
        if done.returncode != 0 or not _cluster_answers():
            _unavailable(f"tests/slurm/start.sh could not start a cluster: {done.stderr.strip()[-500:]}")


@pytest.fixture
def ws(tmp_path, cluster) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(TINY, root / "proj")
    return Workspace(root)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory, cluster) -> Path:
    """A real scaffold-model project (the MLP family: small enough for a CPU pilot in seconds)."""
    from test_scaffold_support import FAMILY_CASES, case_spec

    src = tmp_path_factory.mktemp("scaffold")
    spec, variant = case_spec(FAMILY_CASES["mlp"], None)
    (src / "spec.json").write_text(json.dumps(spec))
    registry.call(
        "scaffold-model",
        {"spec": "spec.json", "output": "mlp", "variant": variant},
        ToolContext(Workspace(src)),
    )
    return src / "mlp"


def call(ws: Workspace, name: str, arguments: dict, **ctx_kw) -> dict:
    result = registry.call(name, arguments, ToolContext(ws, **ctx_kw))
    registry.validate_output(registry.get(name), result)
    return result


def follow(ws: Workspace, run_id: str, until, timeout: float = 240) -> dict:
    """Poll training-status (a fresh Workspace each time, as another face would) until ``until(status)``."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = call(Workspace(ws.root), "training-status", {"run_id": run_id})
        if until(status):
            return status
        if status["state"] in TERMINAL:
            raise AssertionError(
                f"run ended {status['state']} first: {status['summary']}\n" + "\n".join(status["log_tail"])
            )
        time.sleep(0.5)
    raise AssertionError(
        f"timed out following {run_id}: {status['summary']}\n" + "\n".join(status["log_tail"])
    )


def squeue_state(job: str) -> str:
    done = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True, timeout=20)
    return done.stdout.strip()


def test_scaffolded_pilot_completes_with_metrics_and_exports(tmp_path, scaffolded):
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(scaffolded, root / "mlp")
    ws = Workspace(root)
    started = call(ws, "run-training", {"project": "mlp", "pilot": True, "launcher": "slurm", "yes": True})
    assert started["state"] in ("queued", "running") and started["launcher"] == "slurm"
    job = started["slurm"]["job_id"]
    assert job.isdigit() and "sbatch" in ws.get_run(started["run_id"])["command"]
    assert Path(started["sbatch_script"]).read_text().count("srun ") == 1

    done = follow(ws, started["run_id"], lambda s: s["state"] in TERMINAL and s["state"] == "succeeded")
    assert done["step"] == done["total_steps"] and done["step"] > 0, done["summary"]
    assert isinstance(done["last_metrics"]["loss"], float)
    assert done["slurm"]["state"] == "COMPLETED" and done["slurm"]["nodes"]
    assert done["slurm"]["elapsed"] is not None and done["exit_code"] == 0
    assert f"SLURM job {job}: COMPLETED" in done["summary"]
    assert any(line.startswith("done:") for line in done["log_tail"])  # the job's log, streamed
    assert done["sandbox_mode"] in ("bwrap", "none") and done["isolation"]
    assert done["loss_plot"] and Path(done["loss_plot"]).read_bytes()[:4] == b"\x89PNG"

    listing = call(Workspace(root), "training-status", {})  # the list every face shows
    assert any(r["run_id"] == started["run_id"] and r["launcher"] == "slurm" for r in listing["runs"])

    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlintern.server.cli",
            "training-status",
            started["run_id"],
            "--json",
            "--workspace",
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    seen = json.loads(cli.stdout)  # the CLI, another process, reads the same row
    assert seen["state"] == "succeeded" and seen["slurm"]["job_id"] == job, cli.stderr

    exported = call(ws, "export-model", {"run_id": started["run_id"]})
    assert (Path(exported["export_dir"]) / "model.safetensors").is_file() and exported["num_params"] > 0


def test_stop_training_cancels_the_job_within_15_s(ws):
    started = call(
        ws,
        "run-training",
        {
            "project": "proj",
            "launcher": "slurm",
            "max_steps": 400,
            "yes": True,
            "env": ["TINY_STEP_SLEEP=0.2"],
        },
    )
    run_id, job = started["run_id"], started["slurm"]["job_id"]
    follow(ws, run_id, lambda s: s["state"] == "running" and (s["step"] or 0) >= 2)
    t0 = time.time()
    stopped = call(ws, "stop-training", {"run_id": run_id}, face="lsp")
    took = time.time() - t0
    assert stopped["state"] == "cancelled" and took < 15, (took, stopped["summary"])
    assert "stop-training" in stopped["reason"] and stopped["slurm"]["state"] in ("CANCELLED", "COMPLETING")
    assert squeue_state(job) in ("", "CANCELLED", "COMPLETING")  # no longer running for SLURM either
    steps = stopped["step"]
    time.sleep(2)
    assert ws.get_run(run_id)["meta"]["step"] == steps < 400


def test_failing_job_is_diagnosed_from_its_log(ws):
    train = ws.root / "proj" / "train.py"
    text = train.read_text()
    marker = "config = TinyConfig("
    assert marker in text
    train.write_text(
        text.replace(marker, "torch.zeros(4, 32) @ torch.zeros(16, 2)  # a shape bug\n" + marker, 1)
    )
    asked = []
    started = call(
        ws,
        "run-training",
        {"project": "proj", "pilot": True, "launcher": "slurm"},
        ask_approval=lambda question: asked.append(question) or True,
    )
    assert asked and "SLURM" in asked[0] and "mlintern-proj" in asked[0]
    approval = ws.get_run(started["run_id"])["meta"]["approvals"][-1]
    assert approval["action"] == "submit a SLURM job" and approval["how"] == "asked over cli"
    failed = follow(ws, started["run_id"], lambda s: s["state"] == "failed")
    assert failed["slurm"]["state"] == "FAILED" and failed["exit_code"] != 0
    assert "mat1 and mat2" in failed["reason"], failed["reason"]
    diagnosis = call(ws, "diagnose-traceback", {"run_id": started["run_id"]})
    assert diagnosis["category"] != "unrecognised", diagnosis
    assert "train.py" in json.dumps(diagnosis["location"]) or "train.py" in json.dumps(diagnosis["frames"])
    assert "mat1 and mat2" in json.dumps(diagnosis["error"]) and "srun" not in json.dumps(diagnosis["error"])
    assert any(line.startswith("[slurm] ") for line in failed["log_tail"])  # SLURM's own notices, apart


@pytest.mark.parametrize("shape", [{"nnodes": 2}, {"tasks_per_node": 2}], ids=["2-nodes", "2-tasks-1-node"])
def test_two_task_srun_torchrun_ddp_pilot(tmp_path, scaffolded, shape):
    """Two srun tasks, one torchrun agent each, one DDP group (gloo): on two nodes (the cluster's
    mlintern-1 and mlintern-2) and as two agents on one node."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(scaffolded, root / "mlp")
    ws = Workspace(root)
    started = call(
        ws,
        "run-training",
        {"project": "mlp", "pilot": True, "launcher": "slurm", "yes": True, "max_minutes": 4, **shape},
    )
    script = Path(started["sbatch_script"]).read_text()
    assert f"#SBATCH --nodes={shape.get('nnodes', 1)}" in script
    assert f"#SBATCH --ntasks-per-node={shape.get('tasks_per_node', 1)}" in script
    assert "--nnodes=2" in script and '--master-addr="$head"' in script and "srun " in script
    done = follow(ws, started["run_id"], lambda s: s["state"] == "succeeded")
    log = (Path(done["run_dir"]) / "stdout.log").read_text()
    assert "x 2 process(es)" in log, log[-2000:]  # two ranks (one per srun task) in one DDP group
    assert done["step"] == done["total_steps"]
    if "nnodes" in shape:
        assert "," in done["slurm"]["nodes"] or "[" in done["slurm"]["nodes"], done["slurm"]  # two nodes


def test_budget_stops_the_job_and_resume_continues(ws):
    started = call(
        ws,
        "run-training",
        {
            "project": "proj",
            "launcher": "slurm",
            "max_steps": 400,
            "yes": True,
            "max_minutes": 0.15,
            "ckpt_every": 2,
            "env": ["TINY_STEP_SLEEP=0.2"],
        },
    )
    assert "#SBATCH --time=00:01:00" in Path(started["sbatch_script"]).read_text()
    over = follow(ws, started["run_id"], lambda s: s["state"] in TERMINAL, timeout=120)
    assert over["state"] == "failed" and "time budget of 0.15 min" in over["reason"], over["summary"]
    assert 0 < over["step"] < 400

    resumed = call(
        ws,
        "run-training",
        {"project": "proj", "launcher": "slurm", "max_steps": 20, "yes": True, "resume": True},
    )
    assert "--resume" in Path(resumed["sbatch_script"]).read_text()
    done = follow(ws, resumed["run_id"], lambda s: s["state"] == "succeeded")
    assert any("resumed from" in line for line in done["log_tail"]), done["log_tail"]


def test_a_restarted_server_reattaches_to_the_job(ws):
    started = call(
        ws,
        "run-training",
        {
            "project": "proj",
            "launcher": "slurm",
            "max_steps": 30,
            "yes": True,
            "env": ["TINY_STEP_SLEEP=0.2"],
        },
    )
    run_id = started["run_id"]
    follow(ws, run_id, lambda s: (s["step"] or 0) >= 2)
    pid = ws.get_run(run_id)["meta"]["follower_pid"]
    os.kill(pid, signal.SIGKILL)  # the follower (and the server that started it) are gone
    deadline = time.time() + 10
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    fresh = Workspace(ws.root)  # a new server process: nothing but the database and the scheduler
    done = follow(fresh, run_id, lambda s: s["state"] == "succeeded")
    assert done["step"] == 30
    assert fresh.get_run(run_id)["meta"]["follower_pid"] != pid


def test_submitting_needs_approval(ws):
    before = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True).stdout
    with pytest.raises(ToolError) as err:
        call(ws, "run-training", {"project": "proj", "pilot": True, "launcher": "slurm"})
    assert err.value.code == "approval_required" and "yes" in err.value.hint
    with pytest.raises(ToolError) as err:
        call(
            ws,
            "run-training",
            {"project": "proj", "pilot": True, "launcher": "slurm"},
            ask_approval=lambda question: False,
        )
    assert err.value.code == "declined"
    assert ws.runs() == []
    assert subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True).stdout == before


def test_the_portable_script_runs_as_written_on_two_nodes(ws):
    """The <project>/mlintern_job.sbatch copy (for clusters mlintern does not reach) is submitted by hand
    with plain sbatch, as its header says, and trains on two nodes with the c10d rendezvous."""
    started = call(
        ws, "run-training", {"project": "proj", "pilot": True, "launcher": "slurm", "yes": True, "nnodes": 2}
    )
    call(ws, "stop-training", {"run_id": started["run_id"]})  # only its portable copy is wanted here
    copy = ws.root / "proj" / "mlintern_job.sbatch"
    text = copy.read_text()
    assert (
        "--rdzv-backend=c10d" in text and "--out-dir out" in text and "#SBATCH --output=slurm-%j.out" in text
    )
    done = subprocess.run(
        ["sbatch", "--parsable", copy.name], cwd=copy.parent, capture_output=True, text=True, timeout=60
    )
    job = done.stdout.strip()
    assert job.isdigit(), done.stderr
    deadline = time.time() + 180
    while slurm.run_state(slurm.job_info(job)) in ("queued", "running") and time.time() < deadline:
        time.sleep(0.5)
    log = (ws.root / "proj" / f"slurm-{job}.out").read_text()
    assert slurm.job_info(job)["state"] == "COMPLETED", log[-3000:]
    rows = (ws.root / "proj" / "out" / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 20 and "done: 20 steps" in log


def test_cancelling_a_waiting_call_cancels_the_job(ws):
    """wait=true follows the job with progress; the caller's cancel (MCP cancel, LSP cancel, Ctrl-C) scancels it."""
    cancel, seen, box = threading.Event(), [], {}

    def run() -> None:
        try:
            call(
                ws,
                "run-training",
                {
                    "project": "proj",
                    "launcher": "slurm",
                    "max_steps": 400,
                    "yes": True,
                    "wait": True,
                    "env": ["TINY_STEP_SLEEP=0.2"],
                },
                cancel_event=cancel,
                progress=lambda done, total, msg: seen.append(done),
            )
        except Cancelled as err:
            box["cancelled"] = err

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 180
    while len(seen) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert len(seen) >= 2, "no progress reported while waiting on the SLURM job"
    cancel.set()
    thread.join(30)
    assert not thread.is_alive() and "cancelled" in box
    run = ws.runs()[0]
    assert run["status"] == "cancelled" and "cancelled by the caller" in run["reason"]
    assert squeue_state(run["meta"]["slurm_job_id"]) in ("", "CANCELLED", "COMPLETING")


async def test_over_mcp_a_job_outlives_its_server_and_the_next_server_follows_it(ws, tmp_path):
    """Submit through a real MCP server over stdio, let that server exit, follow the job from a new one."""
    from test_mcp_stdio import session

    async with session(ws.root, tmp_path / "server1.log") as (s, _):
        result = await s.call_tool(
            "run-training",
            {
                "project": "proj",
                "launcher": "slurm",
                "max_steps": 25,
                "yes": True,
                "env": ["TINY_STEP_SLEEP=0.2"],
            },
        )
        assert not result.is_error, result.content[0].text
        started = result.structured_content
    assert started["state"] in ("queued", "running") and started["slurm"]["job_id"].isdigit()
    async with session(ws.root, tmp_path / "server2.log") as (s, _):
        deadline = time.time() + 180
        while time.time() < deadline:
            status = (await s.call_tool("training-status", {"run_id": started["run_id"]})).structured_content
            if status["state"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.5)
    assert status["state"] == "succeeded" and status["step"] == 25, status["summary"]
    assert f"SLURM job {started['slurm']['job_id']}: COMPLETED" in status["summary"]
