"""Training code as an attacker of the host-side code that reads back what the sandbox wrote.

Each test runs hostile ``train.py`` code through the real run-training path, in every namespace mode
that works here (bwrap, unshare), then lets mlintern's host-side code (the supervisor, training-status,
export-model) read the run's files. The attack must change nothing outside the sandbox and must not
stop the supervisor from enforcing its limits. Where containment itself is tested, the same code is
first run once without the sandbox (approved, as a person would) to prove the test can tell contained
from not contained.
"""

from __future__ import annotations

import json
import os
import socket
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from mlintern.sandbox.detect import mode_works
from mlintern.sandbox.proctree import cmdline
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.training import runs
from mlintern.tools.workspace import Workspace

MODES = [m for m in ("bwrap", "unshare") if mode_works(m)]
pytestmark = pytest.mark.skipif(not MODES, reason="no namespace sandbox works on this machine")

CKPT = """
import torch
torch.save({"model": {"w": torch.ones(3, 2), "b": torch.zeros(3)}, "step": 4, "config": {"model": {"width": 3}}},
           OUT + "/ckpt.pt")
"""


def _out_dir_snippet() -> str:
    return "import sys\nOUT = sys.argv[sys.argv.index('--out-dir') + 1]\n"


@pytest.fixture(params=MODES)
def hostile(request, tmp_path, monkeypatch):
    """``hostile(code, **arguments)`` runs ``code`` as train.py in one sandbox mode and returns the run."""
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", request.param)
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws")

    def run(code: str, *, approve: bool = False, **arguments) -> dict:
        project = ws.root / "proj"
        project.mkdir(exist_ok=True)
        (project / "mlintern.json").write_text(json.dumps({"family": "mlp"}))
        (project / "train.py").write_text(_out_dir_snippet() + textwrap.dedent(code))
        ctx = ToolContext(ws, ask_approval=(lambda q: True) if approve else None)
        result = registry.call("run-training", {"project": "proj", "wait": True, **arguments}, ctx)
        registry.validate_output(registry.get("run-training"), result)
        if arguments.get("sandbox", True):
            assert result["sandbox_mode"] == request.param
        return result

    run.ws, run.mode = ws, request.param
    return run


def call(ws: Workspace, name: str, arguments: dict) -> dict:
    result = registry.call(name, arguments, ToolContext(ws))
    registry.validate_output(registry.get(name), result)
    return result


# ------------------------------------------------------------------ finding 1: export follows links
def test_export_never_writes_through_or_copies_from_a_planted_link(hostile, tmp_path):
    victim = tmp_path / "host" / "sitecustomize.py"  # a host file the attacker wants to overwrite
    victim.parent.mkdir()
    victim.write_text("# untouched\n")
    secret = tmp_path / "host" / "id_rsa"  # a host file the attacker wants copied into the export
    secret.write_text("PRIVATE-KEY-77")
    result = hostile(
        CKPT
        + f"""
import os
proj = os.getcwd()
os.makedirs(proj + "/export", exist_ok=True)
os.symlink({str(victim)!r}, proj + "/export/model.py")          # export would write through it
os.symlink({str(victim)!r}, proj + "/export/README.md")
os.symlink({str(victim)!r}, proj + "/export/config.json")
os.symlink({str(secret)!r}, proj + "/model.py")                 # export would copy the secret
"""
    )
    assert result["state"] == "succeeded", result["summary"]
    exported = call(hostile.ws, "export-model", {"run_id": result["run_id"]})
    assert victim.read_text() == "# untouched\n"
    export = Path(exported["export_dir"])
    assert "model.py" not in exported["files"]  # the project's model.py is a link: not copied
    for name in exported["files"]:
        assert not (export / name).is_symlink() and (export / name).is_file()
        assert b"PRIVATE-KEY-77" not in (export / name).read_bytes()
    assert not (export / "model.py").exists() or b"PRIVATE" not in (export / "model.py").read_bytes()
    assert "| key |" in (export / "README.md").read_text()


def test_export_refuses_an_export_folder_that_is_a_link(hostile, tmp_path):
    target = tmp_path / "host_dir"
    target.mkdir()
    result = hostile(CKPT + f"import os; os.symlink({str(target)!r}, os.getcwd() + '/export')\n")
    assert result["state"] == "succeeded", result["summary"]
    with pytest.raises(ToolError) as refused:
        call(hostile.ws, "export-model", {"run_id": result["run_id"]})
    assert refused.value.code == "unsafe_file" and "export" in refused.value.message
    assert list(target.iterdir()) == []  # nothing written into the host folder


def test_export_reads_no_checkpoint_through_a_link_or_fifo(hostile, tmp_path):
    result = hostile("import os\nos.mkfifo(OUT + '/ckpt.pt')\n")
    assert result["state"] == "succeeded", result["summary"]
    started = time.time()
    with pytest.raises(ToolError) as refused:  # old code: ``is_file()`` is False... or blocks on open()
        call(hostile.ws, "export-model", {"run_id": result["run_id"]})
    assert refused.value.code == "not_found" and time.time() - started < 30


# ------------------------------------------------ finding 4: the supervisor trusts the out folder
def test_fifo_metrics_cannot_block_the_supervisor_limits(hostile, monkeypatch):
    monkeypatch.setattr(runs, "GRACE_SECONDS", 1)
    started = time.time()
    result = hostile(
        """
import os, signal, subprocess, time
os.mkfifo(OUT + "/metrics.jsonl")                 # the supervisor's metrics reader would block in open()
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.1)
""",
        max_minutes=0.05,
    )
    assert result["state"] == "failed" and "time budget" in result["reason"], result["summary"]
    assert time.time() - started < 90
    status = call(hostile.ws, "training-status", {"run_id": result["run_id"]})  # no block here either
    assert status["state"] == "failed"


def test_crafted_metrics_lines_and_a_huge_sparse_file(hostile):
    """NaN, a 1 MB line, invalid UTF-8, a 400 MB sparse hole: progress stays bounded and valid JSON."""
    result = hostile("""
import json
with open(OUT + "/metrics.jsonl", "wb") as fh:
    fh.write(b'{"step": 1, "loss": 2.0, "time": 0.1}\\n')
    fh.write(b'{"step": 2, "loss": ' + b"9" * (1 << 20) + b'}\\n')        # a 1 MB line
    fh.write(b'{"step": 3, "loss": 1.5, "note": "\\xff\\xfe bad utf8"}\\n')
    fh.write(b'{"step": "x"}\\n[1, 2]\\n' + b"\\x00" * 1000 + b"\\n")
    fh.seek(400 * 2**20, 1)                                                # a 400 MB sparse hole
    fh.write(b'\\n{"step": 6, "loss": 1.25, "time": 0.6}\\n')
    fh.write(b'{"step": 7, "loss": NaN, "time": 0.7}\\n')                   # the loss diverged
print("x" * (8 << 20))                                                     # 8 MB of stdout on one line
""")
    assert result["state"] == "succeeded", result["summary"]
    last = result["last_metrics"]
    assert result["step"] == 7 and last["loss"] is None  # NaN is recorded as null
    json.dumps(result, allow_nan=False)  # every face can send it (NaN is not JSON)
    assert all(len(line) <= 2000 for line in result["log_tail"])
    status = call(hostile.ws, "training-status", {"run_id": result["run_id"], "log_lines": 5})
    json.dumps(status, allow_nan=False)


def test_stop_training_stops_a_run_whose_files_are_fifos(hostile):
    ws = hostile.ws
    project = ws.root / "proj"
    project.mkdir(exist_ok=True)
    (project / "mlintern.json").write_text("{}")
    (project / "train.py").write_text(
        _out_dir_snippet()
        + textwrap.dedent("""
        import os, time
        os.mkfifo(OUT + "/metrics.jsonl")
        print("ready", flush=True)
        time.sleep(600)
    """)
    )
    started = registry.call("run-training", {"project": "proj"}, ToolContext(ws))
    deadline = time.time() + 120
    log = Path(started["run_dir"]) / "stdout.log"  # the supervisor creates it once the run starts
    while not (log.is_file() and "ready" in log.read_text()) and time.time() < deadline:
        time.sleep(0.2)
    stopped = call(ws, "stop-training", {"run_id": started["run_id"]})
    assert stopped["state"] == "cancelled"
    supervisor = ws.get_run(started["run_id"])["meta"]["supervisor_pid"]
    deadline = time.time() + 30  # it writes the final status first, then exits: slowly on a loaded machine
    while started["run_id"] in cmdline(supervisor) and time.time() < deadline:
        time.sleep(0.1)
    assert started["run_id"] not in cmdline(supervisor)  # the supervisor ended too


# ------------------------------------------------------- finding 5: host unix sockets
def _listener(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    server.setblocking(False)
    return server


def _received(server: socket.socket) -> bytes:
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return b""
    conn.settimeout(5)
    with conn:
        return conn.recv(100)


@pytest.mark.parametrize("where", ["/run", "/tmp"])
def test_host_unix_sockets_are_unreachable(hostile, where):
    folder = Path(where)
    if not os.access(folder, os.W_OK):
        pytest.skip(f"cannot create a listener in {where}")
    path = folder / f"mlintern-test-{uuid.uuid4().hex[:8]}.sock"
    server = _listener(path)
    code = f"""
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect({str(path)!r})
s.sendall(b"ESCAPED")
s.close()
"""
    try:
        control = hostile(code, sandbox=False, approve=True)  # proves the attack works when not contained
        assert control["state"] == "succeeded" and _received(server) == b"ESCAPED"
        result = hostile(code)
        assert _received(server) == b""
    finally:
        server.close()
        path.unlink()
    assert result["state"] == "failed"
    assert "FileNotFoundError" in result["reason"] or "PermissionError" in result["reason"], result["reason"]


# ------------------------------------------------ finding 3: devices and root in the sandbox
DEVICE_PROBE = """
import os
found = []
for name in sorted(os.listdir("/dev")):
    path = "/dev/" + name
    if name in ("null", "zero", "full", "random", "urandom", "tty", "shm", "pts", "fd", "stdin", "stdout",
                "stderr", "ptmx", "console", "core", "mqueue") or name.startswith("nvidia"):
        continue
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        found.append(name)
    except OSError:
        pass
print("OPENED", found, flush=True)
assert not found, "opened host devices: " + ", ".join(found)
"""


def test_no_host_device_opens_in_the_sandbox(hostile):
    if os.geteuid() != 0 or not any(Path("/dev").glob("loop*")):
        pytest.skip("needs root and a host /dev with loop devices to be meaningful")
    control = hostile(DEVICE_PROBE, sandbox=False, approve=True)
    assert control["state"] == "failed" and "opened host devices" in control["reason"]  # the probe can fail
    result = hostile(DEVICE_PROBE)
    assert result["state"] == "succeeded", result["summary"]


def test_unshare_mode_runs_the_code_as_an_unprivileged_host_user(hostile):
    if hostile.mode != "unshare":
        pytest.skip("bwrap: the user namespace maps the caller's own uid (capabilities dropped)")
    result = hostile("""
import os
print("UID", os.getuid(), os.geteuid(), flush=True)
assert os.geteuid() != 0 or open("/proc/self/uid_map").read().split()[1] != "0", "root on the host"
open(os.getcwd() + "/written.txt", "w").write("ok")   # the project is still writable
""")
    assert result["state"] == "succeeded", result["summary"]
    assert (hostile.ws.root / "proj" / "written.txt").read_text() == "ok"


# ------------------------------------------------- finding 2: a crafted spec runs code in the server
# Ran in the server on bd68697 (scaffold-model imported the generated model.py to count its parameters).
INJECTED_PAGE = "1\n    __import__('os').environ.__setitem__('MLINTERN_PWNED', '1')\n    #"


def _crafted_spec() -> dict:
    return {
        "title": "A crafted paper",
        "family": {"value": "mlp", "evidence": []},
        "variants": {},
        "default_variant": None,
        "hyperparameters": {
            "num_layers": {"value": 2, "page": INJECTED_PAGE, "quote": "num_layers = 2", "source": "paper"}
        },
    }


def test_crafted_spec_page_is_refused_on_load_and_never_reaches_code(tmp_path, monkeypatch):
    from mlintern.tools.scaffold import facts

    monkeypatch.delenv("MLINTERN_PWNED", raising=False)
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws")
    (ws.root / "spec.json").write_text(json.dumps(_crafted_spec()))
    try:
        with pytest.raises(ToolError) as refused:
            registry.call("scaffold-model", {"spec": "spec.json", "output": "proj"}, ToolContext(ws))
        assert "MLINTERN_PWNED" not in os.environ  # the payload did not run in this process
    finally:
        os.environ.pop("MLINTERN_PWNED", None)
    assert refused.value.code == "invalid_spec" and "hyperparameters.num_layers.page" in refused.value.message
    assert not (ws.root / "proj").exists()
    fact = _crafted_spec()["hyperparameters"]["num_layers"]
    assert "\n" not in facts.describe(fact) and "__import__" not in facts.describe(
        fact
    )  # rendering escapes too


def test_generated_model_is_counted_in_the_sandbox_not_in_the_server(tmp_path, monkeypatch):
    """count() executes model.py: it must happen in a sandboxed process, not by importing it here."""
    from mlintern.tools.scaffold.scaffold import count

    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", MODES[0])
    outside = tmp_path / "outside.txt"
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "model.py").write_text(
        textwrap.dedent(f"""
        import os
        from dataclasses import dataclass
        try:
            open({str(outside)!r}, "w").write(str(os.getpid()))
        except OSError:
            pass

        @dataclass
        class ModelConfig:
            width: int = 4

        def count_params(cfg):
            return cfg.width * 10
    """)
    )
    assert count(staging / "model.py", {"width": 2}) == (40, 20)
    assert not outside.exists()  # the write outside its folder was contained (old code: done by the server)


# ------------------------------------------------ finding 7: LaTeX sources outside the folder
def test_latex_folder_never_follows_a_link_out(tmp_path):
    from mlintern.tools.paper.sources import read_latex

    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET-TOKEN-99")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "more.tex").write_text("OUTSIDE-DIR-88")
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tex").write_text(
        "\\documentclass{article}\\begin{document}We use a learning rate of 0.1.\\end{document}"
    )
    (src / "appendix.tex").symlink_to(secret)
    (src / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    os.mkfifo(src / "pipe.tex")
    text = read_latex(src)
    assert "learning rate of 0.1" in text
    assert "SECRET-TOKEN-99" not in text and "OUTSIDE-DIR-88" not in text


def test_latex_tarball_expansion_is_capped(tmp_path):
    import io
    import tarfile

    from mlintern.tools.paper.sources import read_latex

    bomb = tmp_path / "paper.tar.gz"
    chunk = b"word " * (19_000_000 // 5)  # each member just under the per-file cap
    with tarfile.open(bomb, "w:gz") as tar:
        for i in range(4):
            info = tarfile.TarInfo(f"part{i}.tex")
            info.size = len(chunk)
            tar.addfile(info, io.BytesIO(chunk))
    assert bomb.stat().st_size < 1_000_000  # a small download
    text = read_latex(bomb)
    assert len(text) <= 40_000_000  # 76 MB of text without the cap


# ---------------------------------------- finding 8: a fake traceback aims diagnose --apply elsewhere
def test_fake_traceback_cannot_make_diagnose_edit_another_project(hostile):
    import shutil

    here = Path(__file__).parent
    victim = hostile.ws.root / "victim"
    shutil.copytree(here / "bugzoo" / "cases" / "linear_after_conv", victim)
    before = (victim / "train.py").read_text()
    fake = (
        (here / "test_data" / "diagnose" / "zoo_linear_after_conv.log")
        .read_text()
        .replace("/work/main/tests/bugzoo/cases/linear_after_conv/train.py", str(victim / "train.py"))
    )
    result = hostile(f"import sys\nsys.stderr.write({fake!r})\nsys.exit(1)\n")
    assert result["state"] == "failed"
    diagnosed = call(hostile.ws, "diagnose-traceback", {"run_id": result["run_id"]})
    assert diagnosed["fixes"] and diagnosed["fixes"][0]["edits"][0]["path"].startswith("victim/")  # the bait
    with pytest.raises(ToolError) as refused:
        call(hostile.ws, "diagnose-traceback", {"run_id": result["run_id"], "apply": True})
    assert refused.value.code == "outside_project"
    assert (victim / "train.py").read_text() == before


# --------------------------------------------------------------- finding 9: HTTP transport
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}


def _serve(tmp_path, bind: str, env: dict):
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlintern.server", "--workspace", str(tmp_path), "--http", f"{bind}:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
    raise AssertionError("server did not start")


def _post(port: int, headers: dict) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp",
        data=json.dumps(INIT).encode(),
        method="POST",
        headers={
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _stop(proc) -> str:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except Exception:  # noqa: BLE001
        proc.kill()
        proc.wait()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return err


def test_http_on_a_non_loopback_bind_needs_the_bearer_token(tmp_path):
    proc, port = _serve(tmp_path, "0.0.0.0", {"MLINTERN_HTTP_TOKEN": "tok-123456"})
    try:
        assert _post(port, {}) == 401
        assert _post(port, {"Authorization": "Bearer wrong"}) == 401
        assert _post(port, {"Authorization": "Bearer tok-123456"}) == 200
        assert _post(port, {"Authorization": "Bearer tok-123456", "Origin": "http://evil.example"}) == 403
    finally:
        _stop(proc)


def test_http_generated_token_is_printed_once_and_works(tmp_path):
    import re

    proc, port = _serve(tmp_path, "0.0.0.0", {"MLINTERN_HTTP_TOKEN": None})
    try:
        assert _post(port, {}) == 401
    finally:
        err = _stop(proc)
    tokens = re.findall(r"Bearer (\S+)", err)
    assert len(tokens) == 1 and len(tokens[0]) >= 32


def test_http_origin_is_checked_on_every_bind(tmp_path):
    proc, port = _serve(tmp_path, "127.0.0.1", {})
    try:
        assert _post(port, {"Origin": "http://evil.example"}) == 403
        assert _post(port, {"Origin": "http://localhost:3000"}) == 200
        assert _post(port, {}) == 200  # non-browser clients send no Origin; loopback needs no token
    finally:
        _stop(proc)


# ------------------------------------------- the file module itself, attacked directly (no sandbox run)
def test_safe_reads_refuse_links_fifos_and_cap_sizes(tmp_path):
    from mlintern.sandbox import files

    secret = tmp_path / "secret"
    secret.write_text("SECRET")
    run = tmp_path / "run"
    run.mkdir()
    (run / "link").symlink_to(secret)
    os.mkfifo(run / "fifo")
    (run / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    (run / "big").write_bytes(b"a" * 5000)
    started = time.time()
    for name in ("link", "fifo", "dirlink/secret"):
        with pytest.raises(files.UnsafeFile):
            files.read_bytes(run / name, root=run)
        assert files.try_read_text(run / name, root=run) is None
    assert time.time() - started < 5  # the FIFO did not block
    with pytest.raises(files.UnsafeFile):
        files.read_bytes(run / "big", limit=100)
    assert files.read_bytes(run / "big", limit=100, tail=True) == b"a" * 100


def test_safe_write_replaces_a_planted_link_and_refuses_a_linked_folder(tmp_path):
    from mlintern.sandbox import files

    victim = tmp_path / "victim"
    victim.write_text("keep")
    project = tmp_path / "project"
    (project / "export").mkdir(parents=True)
    (project / "export" / "README.md").symlink_to(victim)
    files.write_text(project / "export" / "README.md", "card", root=project)
    assert victim.read_text() == "keep" and not (project / "export" / "README.md").is_symlink()
    (project / "out").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(files.UnsafeFile):
        files.write_text(project / "out" / "victim", "x", root=project)
    assert victim.read_text() == "keep"


def test_tail_reads_incrementally_drops_long_lines_and_jumps_over_holes(tmp_path):
    from mlintern.sandbox.files import Tail
    from mlintern.tools.training import metrics as M

    log = tmp_path / "stdout.log"
    log.write_bytes(b"y" * (300 * 1024) + b"\n" + b"ok 1\n" + b"z" * (3 * 2**20) + b"\nok 1b\n")
    tail = Tail(log, chunk=2**20, max_line=64 * 1024)
    assert tail.lines() == [b"ok 1"]  # the long line was dropped; one chunk read, not the whole file
    assert tail.offset <= 2**20
    while b"ok 1b" not in tail.lines():  # the next calls go on from the offset
        assert tail.offset < log.stat().st_size
    with log.open("ab") as fh:
        fh.truncate(200 * 2**20)  # a 200 MB hole
        fh.seek(0, 2)
        fh.write(b"\nMLINTERN_TOTAL_STEPS=77\nok 2\n")
    assert b"ok 2" in tail.lines()  # far behind: jumped near the end instead of reading 200 MB
    scan = M.TotalSteps(log)
    for _ in range(5):
        if scan.read() == 77:
            break
    assert scan.value == 77 and scan.tail.dropped >= 1
