"""The sandbox's pure parts: environment scrub, mount plan, mode detection, process trees, metrics."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlintern.sandbox import Policy, prepare
from mlintern.sandbox.detect import available_mode, mode_works
from mlintern.sandbox.env import looks_secret, scrubbed_env
from mlintern.sandbox.launch import mount_plan
from mlintern.sandbox.proctree import alive, descendants, kill_tree
from mlintern.tools.errors import ToolError
from mlintern.tools.training import metrics as M

PARENT = {
    "PATH": "/evil/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C",
    "OMP_NUM_THREADS": "2",
    "HOME": "/root",
    "ANTHROPIC_API_KEY": "a",
    "HF_TOKEN": "b",
    "AWS_ACCESS_KEY_ID": "c",
    "GITHUB_TOKEN": "d",
    "DB_PASSWORD": "e",
    "MY_SECRET_THING": "f",
    "NCCL_SOCKET_IFNAME": "lo",
    "NCCL_AUTH_TOKEN": "g",
    "PYTHONPATH": "/somewhere",
    "LD_PRELOAD": "/evil.so",
    "SSH_AUTH_SOCK": "/tmp/ssh",
}


def test_scrub_keeps_only_harmless_variables():
    env = scrubbed_env(PARENT)
    assert env["LANG"] == "C.UTF-8" and env["LC_ALL"] == "C" and env["OMP_NUM_THREADS"] == "2"
    assert env["NCCL_SOCKET_IFNAME"] == "lo"
    for name in (
        "ANTHROPIC_API_KEY",
        "HF_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "GITHUB_TOKEN",
        "DB_PASSWORD",
        "MY_SECRET_THING",
        "NCCL_AUTH_TOKEN",
        "PYTHONPATH",
        "LD_PRELOAD",
        "SSH_AUTH_SOCK",
    ):
        assert name not in env, name
    assert env["HOME"] == "/tmp/home" and env["PATH"].split(":")[0] == str(Path(sys.executable).parent)


def test_scrub_passes_what_the_caller_names():
    env = scrubbed_env(PARENT, passthrough=("HF_TOKEN", "SEED=7"))
    assert env["HF_TOKEN"] == "b" and env["SEED"] == "7"
    with pytest.raises(ToolError, match="NOPE"):
        scrubbed_env(PARENT, passthrough=("NOPE",))
    with pytest.raises(ToolError, match="not NAME"):
        scrubbed_env(PARENT, passthrough=("BAD NAME=1",))


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",
        "hf_token",
        "X_SECRET",
        "MY_PASSWORD",
        "AWS_REGION",
        "WANDB_API_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ],
)
def test_secret_names_are_recognised(name):
    assert looks_secret(name)


def test_mount_plan_orders_parents_first_and_seals_hidden_folders():
    plan = mount_plan(
        hidden=[Path("/tmp"), Path("/root"), Path("/ws"), Path("/ws/.mlintern")],
        readable=[Path("/root/.pyenv/versions/3.11")],
        writable=[Path("/ws/proj"), Path("/ws/.mlintern/runs/r1/out")],
    )
    assert plan.index(("tmpfs", "/ws")) < plan.index(("rw", "/ws/proj"))
    assert plan.index(("tmpfs", "/ws/.mlintern")) < plan.index(("rw", "/ws/.mlintern/runs/r1/out"))
    assert plan.index(("tmpfs", "/root")) < plan.index(("ro", "/root/.pyenv/versions/3.11"))
    assert ("seal", "/root") in plan and ("seal", "/ws") in plan and ("seal", "/tmp") not in plan
    assert all(kind == "seal" for kind, _ in plan[-3:])  # sealed only after the binds inside exist


def test_secret_files_are_masked_last():
    plan = mount_plan(
        hidden=[Path("/tmp")], readable=[], writable=[Path("/tmp/p")], masked=[Path("/etc/shadow")]
    )
    assert plan[-1] == ("mask", "/etc/shadow")


def test_project_as_workspace_root_hides_its_state_folder():
    plan = mount_plan(
        hidden=[Path("/ws"), Path("/ws/.mlintern")],
        readable=[],
        writable=[Path("/ws"), Path("/ws/.mlintern/runs/r/out")],
    )
    assert plan[:4] == [
        ("tmpfs", "/ws"),
        ("rw", "/ws"),
        ("tmpfs", "/ws/.mlintern"),
        ("rw", "/ws/.mlintern/runs/r/out"),
    ]


def test_bwrap_launch_cuts_network_and_drops_capabilities(tmp_path):
    if not mode_works("bwrap"):
        pytest.skip("bubblewrap does not work here")
    launch = prepare(["true"], Policy(workdir=tmp_path, writable=(tmp_path,)), status_fd=3, mode="bwrap")
    argv = launch.argv
    assert (
        "--unshare-all" in argv and "--share-net" not in argv and argv[argv.index("--cap-drop") + 1] == "ALL"
    )
    assert "--die-with-parent" in argv and launch.pidns
    networked = prepare(
        ["true"], Policy(workdir=tmp_path, writable=(tmp_path,), network=True), status_fd=3, mode="bwrap"
    )
    assert "--share-net" in networked.argv


def test_opting_out_is_mode_none_with_a_warning(tmp_path):
    launch = prepare(["true"], Policy(workdir=tmp_path), status_fd=3, sandbox=False)
    assert launch.mode == "none" and "sandbox disabled" in launch.warning and not launch.pidns


def test_forcing_an_unknown_mode_is_an_error(monkeypatch):
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", "chroot")
    with pytest.raises(ToolError, match="not a sandbox mode"):
        available_mode()


def test_kill_tree_kills_grandchildren():
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, time; subprocess.Popen(['sleep', '97.5']); time.sleep(60)",
        ],
        start_new_session=True,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not descendants(parent.pid):
            time.sleep(0.05)
        children = descendants(parent.pid)
        assert children
        kill_tree(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.time() + 10  # SIGKILL is sent, not waited for: death takes a moment under load
        while any(alive(pid) for pid in children) and time.time() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in children)
    finally:
        parent.kill()
        parent.wait()


def test_metrics_reader_skips_a_half_written_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text(
        json.dumps({"step": 1, "loss": 2.0, "time": 0.5})
        + "\n"
        + json.dumps({"step": 2, "loss": 1.5, "time": 1.5})
        + "\n"
        + '{"step": 3, "lo'
    )
    rows = M.read_metrics(path)
    assert [r["step"] for r in rows] == [1, 2]
    assert M.eta_seconds(rows, 10) == pytest.approx(8.0)
    assert M.read_metrics(tmp_path / "absent.jsonl") == []


def test_metrics_tail_reads_appended_lines_once(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = M.MetricsTail(path)
    assert tail.read() == []
    path.write_text('{"step": 1, "loss": 1}\n{"step": 2, "lo')
    assert [r["step"] for r in tail.read()] == [1]
    with path.open("a") as fh:
        fh.write('ss": 0.5}\n{"step": 3}\n')
    assert [r["step"] for r in tail.read()] == [1, 2, 3]


def test_eta_uses_only_the_stretch_after_a_resume():
    rows = [{"step": s, "time": float(s)} for s in range(1, 11)]  # 1 s per step
    rows += [{"step": 10 + s, "time": 0.1 * s} for s in range(1, 6)]  # resumed: 0.1 s per step
    assert M.eta_seconds(rows, 25) == pytest.approx(1.0)


def test_loss_plot_is_a_png(tmp_path):
    rows = [{"step": s, "loss": 1 / s} for s in range(1, 30)]
    png = M.plot_loss(rows, tmp_path / "loss.png", "test")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert M.plot_loss([{"step": 1}], tmp_path / "none.png", "t") is None


def test_total_steps_is_read_from_stdout(tmp_path):
    log = tmp_path / "stdout.log"
    log.write_bytes(b"hello\nMLINTERN_TOTAL_STEPS=120\nstep 1\n")
    assert M.total_steps(log) == 120
    assert M.total_steps(tmp_path / "absent.log") is None
