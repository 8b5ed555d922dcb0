"""SLURM launcher pieces that need no scheduler: the batch script, state mapping, durations, safety."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.training import launchers, slurm
from mlintern.tools.workspace import Workspace

TINY = Path(__file__).parent / "test_data" / "training" / "tiny"


def script(**kw) -> str:
    base = {
        "project": Path("/w/proj"),
        "script": Path("/w/proj/train.py"),
        "args": ["--out-dir", "/w/o x"],
        "run_dir": Path("/w/.mlintern/runs/r1"),
        "job_name": "mlintern-proj",
        "max_minutes": 90,
        "nproc_per_node": 1,
        "nnodes": 1,
    }
    return launchers.sbatch_script(**{**base, **kw})


def test_batch_script_shapes():
    one = script()
    assert "#SBATCH --time=01:30:00" in one and "#SBATCH --nodes=1" in one
    assert "torch.distributed.run" not in one and " -u /w/proj/train.py --out-dir '/w/o x'" in one
    assert "--standalone --nproc-per-node=4" in script(nproc_per_node=4)
    plain = script(nnodes=2, nproc_per_node=4)  # the copy for a cluster mlintern does not reach
    assert '--rdzv-backend=c10d --rdzv-id="$SLURM_JOB_ID" --rdzv-endpoint="$head:$port"' in plain
    wrapped = script(
        nnodes=2,
        tasks_per_node=2,
        wrapper=["py", "-m", "mlintern.tools.training.slurm", "job", "R"],
        logs=("/r/stdout.log", "/r/stderr.log"),
        max_minutes=0.2,
    )
    assert (
        "--nnodes=4" in wrapped
        and "--rdzv-backend=static" in wrapped
        and "#SBATCH --ntasks-per-node=2" in wrapped
    )
    assert (
        "srun --kill-on-bad-exit=1 --open-mode=append --output=/r/stdout.log --error=/r/stderr.log py -m mlintern.tools.training.slurm job R -- "
        in wrapped
    )
    assert (
        "#SBATCH --output=/w/.mlintern/runs/r1/slurm-%j.log" in wrapped
        and "#SBATCH --time=00:01:00" in wrapped
    )
    assert "port=$((20000 + SLURM_JOB_ID % 20000))" in wrapped
    assert subprocess.run(["bash", "-n"], input=wrapped, text=True).returncode == 0


def test_states_and_durations():
    assert slurm.run_state({"state": "PENDING"}) == "queued"
    assert slurm.run_state({"state": "RUNNING"}) == "running"
    assert slurm.run_state({"state": "COMPLETING"}) == "running"
    assert slurm.run_state({"state": "COMPLETED"}) == "succeeded"
    assert slurm.run_state({"state": "CANCELLED+"}) == "cancelled"
    assert slurm.run_state({"state": "TIMEOUT"}) == "failed"
    assert slurm.run_state(None) == "lost"
    assert slurm._seconds("00:07") == 7 and slurm._seconds("01:02:03") == 3723
    assert slurm._seconds("2-00:00:01") == 172801 and slurm._seconds("INVALID") is None


def test_host_side_reads_and_writes_do_not_follow_links(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("do not touch")
    link = tmp_path / "job.sbatch"
    link.symlink_to(secret)
    slurm._write_new(link, "#!/bin/bash\n")
    assert secret.read_text() == "do not touch" and not link.is_symlink()
    iso = tmp_path / slurm.ISOLATION_FILE
    iso.symlink_to(secret)
    assert slurm._isolation(tmp_path) == {}
    os.mkfifo(tmp_path / "stderr.log")
    assert slurm._last_error_line(tmp_path / "stderr.log") == ""  # a FIFO: not opened for reading, no hang


def test_scheduler_lines_are_not_the_reason(tmp_path):
    (tmp_path / "stderr.log").write_text(
        "Traceback ...\nRuntimeError: boom\n"
        "srun: error: vm: task 0: Exited with exit code 1\n"
        "slurmstepd-vm: error: *** STEP 3.0 CANCELLED ***\n"
    )
    assert slurm._last_error_line(tmp_path / "stderr.log") == "RuntimeError: boom"


def test_without_slurm_the_script_is_written_and_nothing_submitted(tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "available", lambda: False)  # a laptop: no sbatch on PATH
    (tmp_path / "ws").mkdir()
    shutil.copytree(TINY, tmp_path / "ws" / "proj")
    ws = Workspace(tmp_path / "ws")
    result = registry.call(
        "run-training",
        {"project": "proj", "launcher": "slurm", "nnodes": 2, "max_minutes": 90},
        ToolContext(ws),
    )
    assert result["state"] == "not_submitted" and result["run_id"] is None and ws.runs() == []
    text = Path(result["sbatch_script"]).read_text()
    assert (
        "#SBATCH --nodes=2" in text
        and "--rdzv-backend=c10d" in text
        and "mlintern.tools.training.slurm" not in text
    )


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_start_script_refuses_a_foreign_slurm_conf():
    text = (Path(__file__).parent / "slurm" / "start.sh").read_text()
    assert "not the test cluster's: not touching it" in text
    conf = (Path(__file__).parent / "slurm" / "slurm.conf").read_text()
    assert conf.splitlines()[0].startswith("# mlintern-test-cluster")
    assert subprocess.run(["bash", "-n", str(Path(__file__).parent / "slurm" / "start.sh")]).returncode == 0


def test_a_silent_controller_is_unreachable_not_lost(tmp_path, monkeypatch):
    """scontrol that cannot reach slurmctld (a real error text of SLURM 22.05) must not end the run."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "scontrol").write_text(
        "#!/bin/sh\necho 'slurm_load_jobs error: Unable to contact slurm controller "
        "(connect failure)' >&2\nexit 1\n"
    )
    (fake / "scontrol").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    with pytest.raises(slurm.Unreachable, match="Unable to contact"):
        slurm.job_info("12345")
    (fake / "scontrol").write_text(
        "#!/bin/sh\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n"
    )
    (fake / "sacct").write_text("#!/bin/sh\necho 'Slurm accounting storage is disabled' >&2\nexit 1\n")
    (fake / "sacct").chmod(0o755)
    assert slurm.job_info("12345") is None  # forgotten by the controller, no accounting: really unknown


def test_the_follower_does_not_read_a_fifo_or_a_link(tmp_path):
    """A job on a node without bwrap can swap its metrics file for a FIFO or a link: no hang, no leak."""
    ws = Workspace(tmp_path)
    run_dir = tmp_path / "run"
    (run_dir / "out").mkdir(parents=True)
    os.mkfifo(run_dir / "out" / "metrics.jsonl")
    os.mkfifo(run_dir / "stdout.log")
    ws.create_run(
        project=str(tmp_path),
        command=["sbatch"],
        launcher="slurm",
        mode="pilot",
        run_dir=str(run_dir),
        meta={"out_dir": str(run_dir / "out")},
        run_id="run-x",
    )
    follower = slurm.Follower(ws, "run-x")
    meta: dict = {}
    follower._metrics(meta, final=True)  # would block forever on either FIFO
    assert meta["step"] is None
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"step": 1, "loss": 0.5, "token": "s3cret"}\n')
    (run_dir / "out" / "metrics.jsonl").unlink()
    (run_dir / "out" / "metrics.jsonl").symlink_to(secret)
    follower._metrics(meta, final=True)
    assert "s3cret" not in str(meta)
