"""Escape attempts, each run as "training code" through the real run-training path.

Every attempt must be contained (nothing outside changes, nothing leaks) and
reported as a failed run whose reason says what happened. The suite runs in
every namespace mode that works on this machine (bwrap, unshare). Each
containment test first runs the same attack once without the sandbox
(``attempt.uncontained``, approved as a person would) and checks that it
succeeds there: a test that passes whatever the sandbox does proves nothing.
"""

from __future__ import annotations

import json
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

    def run(code: str, *, sandbox: bool = True, **arguments) -> dict:
        project = ws.root / "proj"
        project.mkdir(exist_ok=True)
        (project / "mlintern.json").write_text("{}")
        (project / "train.py").write_text(textwrap.dedent(code))
        ctx = ToolContext(ws, ask_approval=None if sandbox else (lambda q: True))
        result = registry.call(
            "run-training", {"project": "proj", "wait": True, "sandbox": sandbox, **arguments}, ctx
        )
        registry.validate_output(registry.get("run-training"), result)
        assert result["sandbox_mode"] == (request.param if sandbox else "none")
        return result

    def uncontained(code: str, **arguments) -> dict | None:
        """The same attack without the sandbox (once per test, in the first mode): it must get through."""
        if request.param != MODES[0]:
            return None
        return run(code, sandbox=False, **arguments)

    run.ws, run.uncontained = ws, uncontained
    return run


def logs(result: dict) -> str:
    run_dir = Path(result["run_dir"])
    return (run_dir / "stdout.log").read_text() + (run_dir / "stderr.log").read_text()


@pytest.mark.parametrize("where", ["outside_workspace", "workspace_sibling", "workspace_state"])
def test_cannot_read_a_secret_file_outside_the_project(attempt, tmp_path, where):
    secrets = {
        "outside_workspace": tmp_path / "secret.txt",
        "workspace_sibling": tmp_path / "ws/other/secret.txt",
        "workspace_state": tmp_path / "ws/.mlintern/state.db",
    }
    target = secrets[where]
    if where != "workspace_state":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("TOP-SECRET-42")
    code = f"print(open({str(target)!r}, 'rb').read())"
    control = attempt.uncontained(code)
    if control is not None and where != "workspace_state":
        assert control["state"] == "succeeded" and "TOP-SECRET-42" in logs(control)
    result = attempt(code)
    assert result["state"] == "failed"
    assert "FileNotFoundError" in result["reason"]
    assert "TOP-SECRET-42" not in logs(result)


def test_password_hashes_are_masked(attempt):
    if not Path("/etc/shadow").is_file() or not Path("/etc/shadow").read_text():
        pytest.skip("no /etc/shadow content to protect here")
    code = "data = open('/etc/shadow').read(); assert data, 'the shadow file reads empty'; print(data[:5])"
    control = attempt.uncontained(code)
    assert control is None or (control["state"] == "succeeded" and "root:" in logs(control))
    result = attempt(code)
    assert result["state"] == "failed"
    # bwrap: /dev/null on a nodev mount cannot be opened; unshare: it reads empty. Either way, no hashes.
    assert "the shadow file reads empty" in result["reason"] or "PermissionError" in result["reason"]
    assert "root:" not in logs(result)


@pytest.mark.parametrize("where", ["site_packages", "etc", "workspace"])
def test_cannot_write_outside_the_project(attempt, tmp_path, where):
    import sysconfig

    targets = {
        "site_packages": Path(sysconfig.get_paths()["purelib"]) / "mlintern_evil.pth",
        "etc": Path("/etc/mlintern-evil"),
        "workspace": tmp_path / "ws" / "evil.txt",
    }
    target = targets[where]
    code = f"open({str(target)!r}, 'w').write('import os')"
    control = attempt.uncontained(code)
    if control is not None:
        assert control["state"] == "succeeded" and target.exists()
        target.unlink()
    result = attempt(code)
    assert not target.exists()
    if where == "workspace" and result["state"] == "succeeded":
        # the write landed in the private /tmp and vanished with it; still contained
        return
    assert result["state"] == "failed"
    # bwrap: the system is mounted read-only; unshare: also an unprivileged user, refused by permissions
    assert "Read-only file system" in result["reason"] or "PermissionError" in result["reason"], result[
        "reason"
    ]


def test_cannot_reach_a_loopback_server_outside(attempt):
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'x')"
    try:
        control = attempt.uncontained(code)
        if control is not None:
            assert control["state"] == "succeeded"
            server.accept()[0].close()  # the uncontained run got through
        result = attempt(code)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody got through
    finally:
        server.close()
    assert result["state"] == "failed"
    assert "ConnectionRefusedError" in result["reason"]


def _host_address() -> str | None:
    """This machine's address on its outward interface (no packet is sent), or None when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_cannot_reach_the_network(attempt):
    """No route out: a server on the host's own outward address stands in for the internet (offline-safe)."""
    address = _host_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    server = socket.create_server((address, 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    code = f"import socket; socket.create_connection(({address!r}, {port}), timeout=5).sendall(b'x')"
    try:
        control = attempt.uncontained(code)
        if control is not None:
            assert control["state"] == "succeeded"
            server.accept()[0].close()
        result = attempt(code)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()
    assert result["state"] == "failed"
    assert "Network is unreachable" in result["reason"], result["reason"]


def test_fork_bomb_is_killed(attempt):
    result = attempt(
        """
        import os, time
        while True:
            os.fork()
            time.sleep(0.05)
    """,
        max_procs=32,
    )
    assert result["state"] == "failed"
    assert "process limit" in result["reason"] or "Resource temporarily unavailable" in result["reason"]


def test_unbounded_allocation_hits_the_memory_limit(attempt):
    result = attempt(
        """
        chunks = []
        while True:
            chunks.append(bytearray(64 * 2**20))
    """,
        max_memory_gb=0.5,
    )
    assert result["state"] == "failed"
    assert "memory limit" in result["reason"]


def test_endless_loop_is_stopped_at_the_time_budget(attempt, monkeypatch):
    monkeypatch.setattr(runs, "GRACE_SECONDS", 1)
    started = time.time()
    result = attempt(
        """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # refuse the graceful stop too
        while True:
            pass
    """,
        max_minutes=0.05,
    )
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
    secrets = {
        "ANTHROPIC_API_KEY": "sk-ant-LEAK1",
        "HF_TOKEN": "hf_LEAK2",
        "AWS_SECRET_ACCESS_KEY": "LEAK3",
        "MY_SERVICE_TOKEN": "LEAK4",
        "OMP_NUM_THREADS_SECRET": "LEAK5",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    code = f"""
        import os
        for pid in os.listdir("/proc"):  # other processes' environments (the server's!)
            try:
                data = open(f"/proc/{{pid}}/environ", "rb").read()
            except OSError:
                continue
            assert b"LEAK" not in data, "found a secret in /proc/" + pid
        print(os.environ[{"ANTHROPIC_API_KEY"!r}])
    """
    control = attempt.uncontained(code)  # no PID namespace: the server's environment is one read away
    assert control is None or "found a secret in /proc/" in control["reason"]
    result = attempt(code)
    assert result["state"] == "failed"
    assert "KeyError: 'ANTHROPIC_API_KEY'" in result["reason"]
    assert "LEAK" not in logs(result)


def test_explicitly_passed_env_var_reaches_the_training(attempt, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_given_on_purpose")
    result = attempt(
        "import os; assert os.environ['HF_TOKEN'] == 'hf_given_on_purpose'; "
        "assert os.environ['EXTRA_TOKEN'] == 'value-123'",
        env=["HF_TOKEN", "EXTRA_TOKEN=value-123"],
    )
    assert result["state"] == "succeeded", result["summary"]
    launch = (Path(result["run_dir"]) / "launch.json").read_text()
    assert "value-123" not in launch and "hf_given_on_purpose" not in launch  # values never hit the disk


def test_cannot_kill_the_server(attempt, tmp_path):
    server_pid = os.getpid()  # this test process plays the server
    control = attempt.uncontained(f"import os; os.kill({server_pid}, 0); print('SERVER VISIBLE')")  # signal 0
    assert control is None or "SERVER VISIBLE" in logs(control)
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
    code = f"import json, os; print('HOME_ENTRIES=' + json.dumps(sorted(os.listdir({str(home)!r}))))"
    control = attempt.uncontained(code)
    real = sorted(os.listdir(home))
    if control is not None:
        assert f"HOME_ENTRIES={json.dumps(real)}" in logs(control)  # without the sandbox the probe sees it
    result = attempt(code)
    assert result["state"] == "succeeded", result["summary"]
    seen = json.loads(logs(result).split("HOME_ENTRIES=")[1].splitlines()[0])
    # only the interpreter's own folders, bound read-only, may show (a pyenv Python lives in the home)
    allowed = {p.relative_to(home).parts[0] for p in map(Path, sys.path) if p.is_relative_to(home)}
    assert set(seen) <= allowed, seen
    assert set(real) - allowed, "nothing in the home folder would be hidden: the test proves nothing here"


def test_sigterm_reaches_the_training_first(attempt, monkeypatch):
    """stop-training: the training gets SIGTERM (to checkpoint) before anything is killed."""
    result = attempt(
        """
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: (print("got SIGTERM, saving", flush=True), sys.exit(3)))
        time.sleep(60)
    """,
        max_minutes=0.04,
    )
    assert "got SIGTERM, saving" in logs(result)
    assert result["state"] == "failed" and "time budget" in result["reason"]
    assert sys.platform.startswith("linux") and signal.SIGTERM
