"""Escape attempts, each run as "training code" through the real run-training path.

Every attempt must be contained (nothing outside changes, nothing leaks) and
reported as a failed run whose reason says what happened. The suite runs in
every namespace mode that works on this machine (bwrap, unshare).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest
from mlintern.sandbox.detect import mode_works
from mlintern.sandbox.proctree import cmdline
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.training import runs
from mlintern.tools.workspace import Workspace

MODES = [m for m in ("bwrap", "unshare") if mode_works(m)]
pytestmark = pytest.mark.skipif(not MODES, reason="no namespace sandbox works on this machine")


@pytest.fixture(params=MODES)
def attempt(request, tmp_path, monkeypatch):
    """Run ``code`` as the project's train.py in the given sandbox mode; return the finished run."""
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", request.param)
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws")

    def run(code: str, **arguments) -> dict:
        project = ws.root / "proj"
        project.mkdir(exist_ok=True)
        (project / "mlintern.json").write_text("{}")
        (project / "train.py").write_text(textwrap.dedent(code))
        result = registry.call("run-training", {"project": "proj", "wait": True, **arguments}, ToolContext(ws))
        registry.validate_output(registry.get("run-training"), result)
        assert result["sandbox_mode"] == request.param
        return result

    run.ws = ws
    return run


def logs(result: dict) -> str:
    run_dir = Path(result["run_dir"])
    return (run_dir / "stdout.log").read_text() + (run_dir / "stderr.log").read_text()


@pytest.mark.parametrize("where", ["outside_workspace", "workspace_sibling", "workspace_state"])
def test_cannot_read_a_secret_file_outside_the_project(attempt, tmp_path, where):
    secrets = {"outside_workspace": tmp_path / "secret.txt", "workspace_sibling": tmp_path / "ws/other/secret.txt",
               "workspace_state": tmp_path / "ws/.mlintern/state.db"}
    target = secrets[where]
    if where != "workspace_state":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("TOP-SECRET-42")
    result = attempt(f"print(open({str(target)!r}, 'rb').read())")
    assert result["state"] == "failed"
    assert "FileNotFoundError" in result["reason"]
    assert "TOP-SECRET-42" not in logs(result)


def test_password_hashes_are_masked(attempt):
    if not Path("/etc/shadow").is_file() or not Path("/etc/shadow").read_text():
        pytest.skip("no /etc/shadow content to protect here")
    result = attempt("data = open('/etc/shadow').read(); assert data, 'the shadow file reads empty'")
    assert result["state"] == "failed"
    # bwrap: /dev/null on a nodev mount cannot be opened; unshare: it reads empty. Either way, no hashes.
    assert "the shadow file reads empty" in result["reason"] or "PermissionError" in result["reason"]
    assert "root:" not in logs(result)


@pytest.mark.parametrize("where", ["site_packages", "etc", "workspace"])
def test_cannot_write_outside_the_project(attempt, tmp_path, where):
    import sysconfig

    targets = {"site_packages": Path(sysconfig.get_paths()["purelib"]) / "mlintern_evil.pth",
               "etc": Path("/etc/mlintern-evil"), "workspace": tmp_path / "ws" / "evil.txt"}
    target = targets[where]
    result = attempt(f"open({str(target)!r}, 'w').write('import os')")
    assert not target.exists()
    if where == "workspace" and result["state"] == "succeeded":
        # unshare mode: the write landed in the private /tmp and vanished with it; still contained
        assert attempt.ws.get_run(result["run_id"])["meta"]["sandbox_mode"] == "unshare"
        return
    assert result["state"] == "failed"
    assert "Read-only file system" in result["reason"]


def test_cannot_reach_a_loopback_server_outside(attempt):
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        result = attempt(f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5)")
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody got through
    finally:
        server.close()
    assert result["state"] == "failed"
    assert "ConnectionRefusedError" in result["reason"]


def test_cannot_reach_the_internet(attempt):
    result = attempt("import socket; socket.create_connection(('1.1.1.1', 53), timeout=5)")
    assert result["state"] == "failed"
    assert "Network is unreachable" in result["reason"] or "OSError" in result["reason"]


def test_fork_bomb_is_killed(attempt):
    result = attempt("""
        import os, time
        while True:
            os.fork()
            time.sleep(0.05)
    """, max_procs=32)
    assert result["state"] == "failed"
    assert "process limit" in result["reason"] or "Resource temporarily unavailable" in result["reason"]


def test_unbounded_allocation_hits_the_memory_limit(attempt):
    result = attempt("""
        chunks = []
        while True:
            chunks.append(bytearray(64 * 2**20))
    """, max_memory_gb=0.5)
    assert result["state"] == "failed"
    assert "memory limit" in result["reason"]


def test_endless_loop_is_stopped_at_the_time_budget(attempt, monkeypatch):
    monkeypatch.setattr(runs, "GRACE_SECONDS", 1)
    started = time.time()
    result = attempt("""
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # refuse the graceful stop too
        while True:
            pass
    """, max_minutes=0.05)
    assert result["state"] == "failed"
    assert "time budget" in result["reason"]
    assert time.time() - started < 60


def _alive_with(marker: str) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and marker in cmdline(int(p))]


def test_setsid_daemon_is_killed_and_reported(attempt):
    marker = "313.25"  # a sleep duration no other process uses
    result = attempt(f"""
        import subprocess
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        print("daemon started")
    """)
    assert result["state"] == "failed"
    assert "background process" in result["reason"] and marker in result["reason"]
    assert _alive_with(f"sleep {marker}") == []


def test_parent_secret_env_vars_are_not_visible(attempt, monkeypatch):
    secrets = {"ANTHROPIC_API_KEY": "sk-ant-LEAK1", "HF_TOKEN": "hf_LEAK2", "AWS_SECRET_ACCESS_KEY": "LEAK3",
               "MY_SERVICE_TOKEN": "LEAK4", "OMP_NUM_THREADS_SECRET": "LEAK5"}
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    result = attempt(f"""
        import os
        for pid in os.listdir("/proc"):  # other processes' environments (the server's!)
            try:
                data = open(f"/proc/{{pid}}/environ", "rb").read()
            except OSError:
                continue
            assert b"LEAK" not in data, "found a secret in /proc/" + pid
        print(os.environ[{"ANTHROPIC_API_KEY"!r}])
    """)
    assert result["state"] == "failed"
    assert "KeyError: 'ANTHROPIC_API_KEY'" in result["reason"]
    assert "LEAK" not in logs(result)


def test_explicitly_passed_env_var_reaches_the_training(attempt, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_given_on_purpose")
    result = attempt("import os; assert os.environ['HF_TOKEN'] == 'hf_given_on_purpose'; "
                     "assert os.environ['EXTRA_TOKEN'] == 'value-123'", env=["HF_TOKEN", "EXTRA_TOKEN=value-123"])
    assert result["state"] == "succeeded", result["summary"]
    launch = (Path(result["run_dir"]) / "launch.json").read_text()
    assert "value-123" not in launch and "hf_given_on_purpose" not in launch  # values never hit the disk


def test_cannot_kill_the_server(attempt, tmp_path):
    server_pid = os.getpid()  # this test process plays the server
    result = attempt(f"""
        import os, signal
        os.kill({server_pid}, signal.SIGKILL)
    """)
    assert result["state"] == "failed"
    assert "ProcessLookupError" in result["reason"] or "PermissionError" in result["reason"]
    assert os.getpid() == server_pid  # still here


def test_sandbox_hides_the_home_folder(attempt):
    home = Path(os.path.expanduser("~"))
    if not home.is_dir() or not any(home.iterdir()):
        pytest.skip("no non-empty home folder to hide")
    result = attempt(f"import os; names = os.listdir({str(home)!r}); print(names); assert names == [] or "
                     f"all(n in ('.pyenv',) for n in names), names; raise SystemExit('home is empty')")
    assert result["state"] == "failed"
    assert "home is empty" in result["reason"] or "exit code 1" in result["reason"]


def test_sigterm_reaches_the_training_first(attempt, monkeypatch):
    """stop-training: the training gets SIGTERM (to checkpoint) before anything is killed."""
    result = attempt("""
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: (print("got SIGTERM, saving", flush=True), sys.exit(3)))
        time.sleep(60)
    """, max_minutes=0.04)
    assert "got SIGTERM, saving" in logs(result)
    assert result["state"] == "failed" and "time budget" in result["reason"]
    assert sys.platform.startswith("linux") and signal.SIGTERM
