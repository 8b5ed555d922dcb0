"""Red-team suite, second round: attacks the first hostile suite (test_hostile_run.py,
test_sandbox_escape.py) did not try. The list and the before/after figures are in
``tests/hostile_before.txt`` and docs/run-training.md ("Security").

Every attack is real training code run through run-training in the real sandbox; then mlintern's own
host-side paths (the supervisor, training-status, the CLI, export-model, diagnose-traceback, the
reproduce loop's readers) read what it left behind. Where an attack targets containment, the same code
first runs without the sandbox (approved, as a person would) to show that the test can tell contained
from not contained; where it targets a host reader, a naive read of the same file shows the attack
would work on code that trusted it.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from mlintern.sandbox.detect import mode_works
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

MODES = [m for m in ("bwrap", "unshare") if mode_works(m)]
pytestmark = pytest.mark.skipif(not MODES, reason="no namespace sandbox works on this machine")
FIRST = MODES[:1]  # host-reader attacks do not depend on the mode: one mode is enough

CKPT = """
import torch
torch.save({"model": {"w": torch.ones(3, 2), "b": torch.zeros(3)}, "step": 4, "config": {"model": {"width": 3}}},
           OUT + "/ckpt.pt")
"""
OUT_SNIPPET = "import sys\nOUT = sys.argv[sys.argv.index('--out-dir') + 1]\n"
DEEP = "[" * 200_000 + "]" * 200_000  # 400 kB of JSON nesting: RecursionError in json.loads


def _runner(mode: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", mode)
    (tmp_path / "ws").mkdir(exist_ok=True)
    ws = Workspace(tmp_path / "ws")

    def run(code: str, *, approve: bool = False, project: str = "proj", meta: bool = True, **arguments):
        folder = ws.root / project if project != "." else ws.root
        folder.mkdir(exist_ok=True)
        if meta:
            (folder / "mlintern.json").write_text(json.dumps({"family": "mlp"}))
        (folder / "train.py").write_text(OUT_SNIPPET + textwrap.dedent(code))
        ctx = ToolContext(ws, ask_approval=(lambda q: True) if approve else None)
        result = registry.call("run-training", {"project": project, "wait": True, **arguments}, ctx)
        registry.validate_output(registry.get("run-training"), result)
        if arguments.get("sandbox", True):
            assert result["sandbox_mode"] == mode
        return result

    run.ws, run.mode = ws, mode
    return run


@pytest.fixture(params=MODES)
def hostile(request, tmp_path, monkeypatch):
    """``hostile(code, **arguments)``: ``code`` as train.py in each sandbox mode; returns the finished run."""
    return _runner(request.param, tmp_path, monkeypatch)


@pytest.fixture(params=FIRST)
def hostile1(request, tmp_path, monkeypatch):
    """Like ``hostile`` in one mode only (the attack is on a host reader, not on the sandbox)."""
    return _runner(request.param, tmp_path, monkeypatch)


def call(ws: Workspace, name: str, arguments: dict) -> dict:
    result = registry.call(name, arguments, ToolContext(ws))
    registry.validate_output(registry.get(name), result)
    return result


# The peak is read by a small Python in between: a child started straight from the test process inherits that
# process's own high-water mark at exec (vfork shares its memory), which is the whole suite's, not the child's.
PEAK_RSS = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:])\n"
    "_pid, _status, usage = os.wait4(p.pid, 0)\n"
    "print(f'\\nPEAK_RSS_KB={usage.ru_maxrss}', flush=True)\n"
)


def cli_peak(ws: Workspace, *args: str) -> tuple[str, float]:
    """Run ``mlintern ARGS --workspace WS``; its output and its own peak memory in MB."""
    exe = Path(sys.executable).with_name("mlintern")
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(exe), *args, "--workspace", str(ws.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ws.root,
        timeout=300,
    )
    output = done.stdout.decode(errors="replace")
    return output, int(re.findall(r"^PEAK_RSS_KB=(\d+)$", output, re.M)[-1]) / 1024


def logs(result: dict) -> str:
    run_dir = Path(result["run_dir"])
    return (run_dir / "stdout.log").read_text() + (run_dir / "stderr.log").read_text()


def cli(ws: Workspace, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mlintern")
    return subprocess.run(
        [str(exe), *args, "--workspace", str(ws.root)],
        capture_output=True,
        timeout=120,
        cwd=str(cwd or ws.root),
        env={**os.environ, "NO_COLOR": "1"},
    )


# ---------------------------------------------------------------- 1 pickle: code in a checkpoint
class _Boom:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_checkpoint_pickle_never_runs_code_on_the_host(hostile1, tmp_path):
    marker = tmp_path / "host" / "pwned-by-pickle"
    marker.parent.mkdir()
    payload = pickle.dumps({"model": {}, "x": _Boom(str(marker))})
    result = hostile1(f"import torch, pickle\nopen(OUT + '/ckpt.pt', 'wb').write({payload!r})\n")
    assert result["state"] == "succeeded", result["summary"]
    ckpt = Path(result["out_dir"]) / "ckpt.pt"
    with pytest.raises(ToolError) as refused:
        call(hostile1.ws, "export-model", {"run_id": result["run_id"]})
    assert refused.value.code in ("unsafe_checkpoint", "bad_checkpoint")
    assert not marker.exists()
    pickle.loads(ckpt.read_bytes())  # control: a trusting reader runs the attacker's command
    assert marker.exists()


# --------------------------------------------------- 4-7 crafted metrics: types, depth, keys, volume
def test_metrics_with_wrong_types_deep_nesting_and_many_keys(hostile1):
    result = hostile1(f"""
import json
with open(OUT + "/metrics.jsonl", "w") as fh:
    fh.write('{{"step": 1, "loss": 2.0, "time": 0.1}}\\n')
    fh.write({DEEP!r} + "\\n")                                  # 400 kB of nesting
    fh.write('{{"step": 2, "loss": "' + "\\u0000" * 10 + 'abc", "time": "soon"}}\\n')   # a string loss
    fh.write('{{"step": 3, "loss": [1, 2], "time": {{"a": 1}}, "accuracy": "high"}}\\n')
    fh.write('{{"step": 4, "loss": 1e999, "time": -1e308, "split": "val", "accuracy": "x"}}\\n')
    fh.write(json.dumps(dict({{"step": 5, "loss": "NaN"}}, **{{f"k{{i}}": i for i in range(20000)}})) + "\\n")
    fh.write('{{"step": 6, "loss": true, "time": 0.6}}\\n')
    fh.write('{{"step": 7, "loss": "1.0", "time": 0.7}}\\n')
print("MLINTERN_TOTAL_STEPS=" + "9" * 5000, flush=True)      # a number too long for int()
""")
    assert result["state"] == "succeeded", result["summary"]
    json.dumps(result, allow_nan=False)
    assert len(json.dumps(result)) < 200_000  # 20,000 keys do not reach the result
    status = call(hostile1.ws, "training-status", {"run_id": result["run_id"]})
    json.dumps(status, allow_nan=False)
    shown = cli(hostile1.ws, "training-status", result["run_id"])
    assert shown.returncode == 0, shown.stderr.decode()[-2000:]
    from mlintern.tools.training import claims

    evals, _info = claims.read_run(result["out_dir"])
    for row in evals:  # whatever a row holds, the claim code can format it
        claims.fmt_value(row.get("accuracy"), "%")


def test_dense_metrics_file_is_read_in_bounded_time(hostile1):
    result = hostile1("""
line = b'{"step": 1, "loss": 2.0, "time": 0.1, "pad": "' + b"p" * 150 + b'"}\\n'
with open(OUT + "/metrics.jsonl", "wb") as fh:
    for _ in range(8):
        fh.write(line * 50_000)                       # 80 MB of valid lines
""")
    assert result["state"] == "succeeded", result["summary"]
    started = time.time()
    status = call(hostile1.ws, "training-status", {"run_id": result["run_id"]})
    assert time.time() - started < 20
    json.dumps(status, allow_nan=False)


# ------------------------------------------------- 8 data.json / config.json / mlintern.json bombs
def test_run_written_json_bombs_do_not_crash_the_host_readers(hostile1, tmp_path):
    result = hostile1(f"""
import os
open(OUT + "/data.json", "w").write({DEEP[:90_000]!r})     # under the 100 kB cap, 45,000 deep
proj = os.getcwd()
open(proj + "/config.json", "w").write({DEEP!r})
open(proj + "/mlintern.json", "w").write({DEEP!r})
""")
    assert result["state"] == "succeeded", result["summary"]
    project = hostile1.ws.root / "proj"
    from mlintern.tools.reproduce import report
    from mlintern.tools.reproduce.state import LoopState
    from mlintern.tools.training import claims

    assert claims.read_run(result["out_dir"]) == ([], {})
    assert report._project_meta(str(project)) == {}
    state = LoopState(paper="p", source="s", brain="offline")
    state.steps["scaffold"] = {"project": str(project)}
    assert report._steps_source(state) is None
    from mlintern.tools.diagnose import scope
    from mlintern.tools.diagnose.source import Sources

    assert not any(scope._read_run_configs(Sources(hostile1.ws.root, project, "full")))  # no crash, no config
    fake = f'Traceback (most recent call last):\n  File "{project}/train.py", line 3, in <module>\nNameError: x\n'
    call(hostile1.ws, "diagnose-traceback", {"traceback": fake, "project": "proj"})  # reads config.json
    with pytest.raises(RecursionError):  # control: a plain json.loads of the same file blows up
        json.loads((project / "config.json").read_text())


def test_project_files_the_run_replaces_with_fifos_do_not_hang_the_host(hostile1):
    """The run deletes mlintern.json and leaves FIFOs named train.py / config.json behind; the next
    run-training (the reproduce loop starts one after every repair) and the loop's readers must answer."""
    result = hostile1("""
import os
proj = os.getcwd()
os.unlink(proj + "/mlintern.json")
os.rename(proj + "/train.py", proj + "/train.py.old")
os.mkfifo(proj + "/train.py")
os.mkfifo(proj + "/config.json")
""")
    assert result["state"] == "succeeded", result["summary"]
    project = hostile1.ws.root / "proj"
    answer: dict = {}

    def again():
        try:
            answer["result"] = registry.call("run-training", {"project": "proj"}, ToolContext(hostile1.ws))
        except Exception as err:  # noqa: BLE001 - any answer is fine, a hang is not
            answer["error"] = err

    fifos = [project / "train.py", project / "config.json"]
    assert _answers(again, fifos), "run-training blocked on a FIFO planted by the previous run"
    assert isinstance(answer.get("error"), ToolError), answer
    from mlintern.tools.reproduce import loop

    agent = loop.Agent.__new__(loop.Agent)
    agent.project = project
    assert _answers(lambda: answer.update(classes=agent._num_classes()), fifos), "the loop blocked"
    assert answer["classes"] is None


def _answers(fn, fifos: list[Path], seconds: float = 20) -> bool:
    """Run ``fn`` in a thread; False when it is still blocked after ``seconds`` (then unblock it)."""
    worker = threading.Thread(target=fn, daemon=True)
    worker.start()
    worker.join(seconds)
    hung = worker.is_alive()
    while worker.is_alive():  # release a reader blocked in open() so the test process can end
        for fifo in fifos:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        worker.join(1)
    return not hung


# ------------------------------------------- 9 mlintern.json rewritten to weaken the next run
def test_project_settings_written_by_a_run_do_not_weaken_the_next_run(hostile1, monkeypatch):
    monkeypatch.setenv("MLINTERN_TEST_SECRET", "LEAK-9")
    settings = {
        "family": "mlp",
        "sandbox": False,
        "network": True,
        "env": ["MLINTERN_TEST_SECRET"],
        "nnodes": 2,
        "writable": ["/"],
        "launcher": "torchrun",
    }
    first = hostile1(f"import os, json\njson.dump({settings!r}, open(os.getcwd() + '/mlintern.json', 'w'))\n")
    assert first["state"] == "succeeded", first["summary"]
    probe = """
import os, socket
assert "MLINTERN_TEST_SECRET" not in os.environ, "secret passed"
try:
    open("/etc/mlintern-probe", "w")
    raise SystemExit("wrote /etc")
except OSError:
    pass
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("1.1.1.1", 53))
    raise SystemExit("network on")
except OSError:
    pass
print("STILL CONTAINED")
"""
    second = hostile1(probe, meta=False)
    assert second["state"] == "succeeded", second["summary"]
    assert "STILL CONTAINED" in logs(second)
    assert second["sandbox_mode"] == hostile1.mode


# ---------------------------------------------- 10 TOCTOU: metrics swapped with a link during reads
def test_metrics_swapped_with_a_link_while_the_supervisor_reads(hostile1, tmp_path):
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / "metrics.jsonl").write_text('{"step": 999, "loss": 0.123, "secret": "HOST-METRICS-10"}\n')
    result = hostile1(f"""
import os, time
m = OUT + "/metrics.jsonl"
real = OUT + "/real.jsonl"
open(real, "w").write('{{"step": 1, "loss": 2.0, "time": 0.1}}\\n')
end = time.time() + 4
while time.time() < end:             # swap file <-> link as fast as possible while the supervisor polls
    try:
        os.unlink(m)
    except FileNotFoundError:
        pass
    os.symlink({str(host / "metrics.jsonl")!r}, m + ".l")
    os.rename(m + ".l", m)
    os.link(real, m + ".r")
    os.rename(m + ".r", m)
""")
    assert result["state"] == "succeeded", result["summary"]
    status = call(hostile1.ws, "training-status", {"run_id": result["run_id"]})
    assert "HOST-METRICS-10" not in json.dumps(status) + json.dumps(result)
    assert result["step"] != 999 and status["step"] != 999


# ----------------------------------- 12-15 inherited descriptors, abstract sockets, /dev/shm, /var/tmp
def test_no_host_descriptor_socket_or_shared_folder_reaches_the_sandbox(hostile, tmp_path):
    read_end, write_end = os.pipe()  # a descriptor the server holds (say, its MCP stdout pipe)
    os.set_inheritable(write_end, True)
    os.set_blocking(read_end, False)
    name = f"mlintern-test-{uuid.uuid4().hex[:8]}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + name)  # X11 / D-Bus style: no file, so hiding folders does not cover it
    abstract.listen(4)
    abstract.setblocking(False)
    shm = Path("/dev/shm") / f"{name}.secret"
    vartmp = Path("/var/tmp") / f"{name}.secret"
    for path in (shm, vartmp):
        path.write_text("HOST-SHARED-SECRET")
    code = f"""
import os, socket
hits = []
for fd in range(3, 256):
    try:
        os.write(fd, b"ESCAPED-FD")
        hits.append("fd%d" % fd)
    except OSError:
        pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\\0{name}")
    s.sendall(b"ESCAPED")
    hits.append("abstract")
except OSError:
    pass
for path in ({str(shm)!r}, {str(vartmp)!r}):
    try:
        if "HOST-SHARED-SECRET" in open(path).read():
            hits.append("read " + path)
    except OSError:
        pass
    try:
        open(path + ".planted", "w").write("x")
    except OSError:
        pass
for name in ("stdout.log", "launch.json", "meta.json"):  # the run's own record, next to OUT
    try:
        open(os.path.join(os.path.dirname(OUT), name), "a").write("x")
        hits.append("wrote ../" + name)
    except OSError:
        pass
print("HITS", hits, flush=True)
"""

    def received() -> bytes:
        try:
            conn, _ = abstract.accept()
        except BlockingIOError:
            return b""
        conn.settimeout(5)
        with conn:
            return conn.recv(100)

    try:
        if hostile.mode == MODES[0]:  # the same code without the sandbox gets through
            control = hostile(code, sandbox=False, approve=True)
            shown = logs(control)
            assert "abstract" in shown and "read /dev/shm" in shown and "read /var/tmp" in shown, shown
            assert received() == b"ESCAPED"
            assert Path(f"{shm}.planted").exists() and Path(f"{vartmp}.planted").exists()
            for path in (shm, vartmp):
                Path(f"{path}.planted").unlink(missing_ok=True)
        result = hostile(code)
        assert result["state"] == "succeeded", result["summary"]
        assert "HITS []" in logs(result), logs(result)
        assert received() == b""
        try:
            assert b"ESCAPED" not in os.read(read_end, 100)
        except BlockingIOError:
            pass
        assert not Path(f"{shm}.planted").exists() and not Path(f"{vartmp}.planted").exists()
    finally:
        abstract.close()
        os.close(read_end)
        os.close(write_end)
        for path in (shm, vartmp, Path(f"{shm}.planted"), Path(f"{vartmp}.planted")):
            path.unlink(missing_ok=True)


def test_hardlink_to_a_host_file_is_refused(hostile, tmp_path):
    code = f"""
import os
try:
    os.link({sys.executable!r}, os.getcwd() + "/python-hardlink")
    print("LINKED", flush=True)
except OSError as err:
    print("REFUSED", err.errno, flush=True)
"""
    result = hostile(code)
    assert result["state"] == "succeeded", result["summary"]
    assert "REFUSED" in logs(result)


# ------------------------------------------ 16 diagnose reads a hidden file through a planted link
def test_diagnose_never_reads_source_through_a_planted_link(hostile1):
    sibling = hostile1.ws.root / "sibling"  # another project: hidden from this run by the sandbox
    sibling.mkdir()
    (sibling / "secret.py").write_text("TOKEN = 'SIBLING-SECRET-16'\nx = undefined_name\n")
    result = hostile1("""
import os, sys
proj = os.getcwd()
os.unlink(proj + "/mlintern.json")
os.symlink("../sibling/secret.py", proj + "/model.py")      # dangling in here, resolves on the host
sys.stderr.write('Traceback (most recent call last):\\n'
                 '  File "' + proj + '/model.py", line 2, in <module>\\n'
                 "    x = undefined_name\\n"
                 "NameError: name 'undefined_name' is not defined\\n")
sys.exit(1)
""")
    assert result["state"] == "failed"
    diagnosis = call(hostile1.ws, "diagnose-traceback", {"run_id": result["run_id"]})
    assert "SIBLING-SECRET-16" not in json.dumps(diagnosis)
    assert "SIBLING-SECRET-16" in (hostile1.ws.root / "proj" / "model.py").read_text()  # control


# ---------------------------- 17-18 files a host tool would import or execute (.git, sitecustomize)
PLANTS = {
    "json.py": "import os; open({m!r} + '-json', 'w')",
    "sitecustomize.py": "import os; open({m!r} + '-sitecustomize', 'w')",
    "usercustomize.py": "import os; open({m!r} + '-usercustomize', 'w')",
    "zz-evil.pth": "import os; open({m!r} + '-pth', 'w')",
    "conftest.py": "open({m!r} + '-conftest', 'w')",
    "mlintern/__init__.py": "open({m!r} + '-mlintern', 'w')",
}


def test_files_left_for_host_python_or_git_are_never_imported_or_run(hostile1, tmp_path):
    """The run plants modules a host Python would import and a git config whose fsmonitor runs a command
    in its project folder; then every host path that follows a run (status, the CLI started from that
    folder, export, diagnose, the next run's supervisor) must not import or run any of them. (Planting
    them in the workspace root, the supervisor's working folder, fails: it is read-only in the sandbox.)"""
    marker = str(tmp_path / "host" / "imported")
    Path(marker).parent.mkdir()
    plants = {name: body.format(m=marker) for name, body in PLANTS.items()}
    code = (
        CKPT
        + f"""
import os
root = os.getcwd()
for name, body in {plants!r}.items():
    os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
    open(os.path.join(root, name), "w").write(body + "\\n")
os.makedirs(root + "/.git/hooks", exist_ok=True)
open(root + "/.git/HEAD", "w").write("ref: refs/heads/main\\n")
open(root + "/.git/config", "w").write("[core]\\n\\tfsmonitor = touch {marker}-git\\n")
"""
    )
    result = hostile1(code)
    assert result["state"] == "succeeded", result["summary"]
    ws = hostile1.ws
    call(ws, "training-status", {"run_id": result["run_id"]})
    project = ws.root / "proj"
    cli(ws, "training-status", result["run_id"], cwd=project)
    cli(ws, "export-model", result["run_id"], cwd=project)
    call(ws, "diagnose-traceback", {"traceback": f'File "{project}/train.py", line 1\nNameError: x'})
    second = hostile1("print('again')\n", meta=False)  # a fresh supervisor
    assert second["state"] == "succeeded", second["summary"]
    found = sorted(p.name for p in Path(marker).parent.iterdir())
    assert found == [], f"host imported or ran planted files: {found}"
    # control: a host Python started in that folder the ordinary way imports the planted module
    subprocess.run([sys.executable, "-c", "import json"], cwd=project, check=False, timeout=60)
    assert Path(marker + "-json").exists()


# ----------------------------------------------------------- 20 terminal escapes through the CLI
def test_terminal_escape_sequences_never_reach_the_terminal(hostile1):
    result = hostile1(r"""
import json, sys
print("\x1b]52;c;cHduZWQ=\x07clipboard \x1b[2J\x1b[H screen cleared \x1b]0;title\x07", flush=True)
with open(OUT + "/metrics.jsonl", "w") as fh:
    fh.write(json.dumps({"step": 1, "loss": 1.0, "\x1b[31mkey": "\x1b]52;c;eA==\x07v"}) + "\n")
sys.stderr.write("RuntimeError: \x1b]52;c;cHduZWQ=\x07 boom\n")
sys.exit(1)
""")
    assert result["state"] == "failed"
    assert "\x1b" in logs(result)  # control: the raw log holds the sequences
    shown = cli(hostile1.ws, "training-status", result["run_id"])
    assert b"\x1b" not in shown.stdout + shown.stderr, shown.stdout[-2000:]
    assert "\x1b" not in json.dumps(
        call(hostile1.ws, "training-status", {"run_id": result["run_id"]}), ensure_ascii=False
    )
    diagnosed = cli(hostile1.ws, "diagnose-traceback", "--run-id", result["run_id"])  # quotes the error
    assert b"\x1b" not in diagnosed.stdout + diagnosed.stderr, diagnosed.stdout[-2000:]


# ------------------------------------------------------------------ 19 filling the host's disk
def test_a_run_filling_the_disk_is_stopped_before_the_host_runs_out(hostile1, monkeypatch, tmp_path):
    free_mb = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize // 2**20
    if free_mb < 1200:
        pytest.skip("needs about 1 GB of free disk")
    monkeypatch.setenv("MLINTERN_DISK_RESERVE_MB", str(free_mb - 150))  # 150 MB left for the run
    result = hostile1("""
import os, time
with open(OUT + "/fill.bin", "wb") as fh:
    for _ in range(60):                                   # 600 MB if nothing stops it
        fh.write(os.urandom(10 * 2**20))
        fh.flush()
        os.fsync(fh.fileno())
        time.sleep(0.1)
print("FILLED", flush=True)
""")
    written = (Path(result["out_dir"]) / "fill.bin").stat().st_size // 2**20
    (Path(result["out_dir"]) / "fill.bin").unlink()
    assert result["state"] == "failed" and "disk" in result["reason"], (result["reason"], written)
    assert written < 450


# ------------------------------------- 23 the editor starts mlintern's servers in the project folder
def test_editor_launch_never_imports_modules_planted_in_the_project(hostile1, tmp_path):
    """VS Code starts ``python -m mlintern.server`` with the opened folder as working folder: a package
    named ``mlintern`` left in a project the user opens would replace mlintern itself, on the host. And a
    folder's .vscode/settings.json (which the run can write) must not pick the interpreter."""
    repo = Path(__file__).resolve().parents[1]
    manifest = json.loads((repo / "vscode-client" / "package.json").read_text())
    properties = manifest["contributes"]["configuration"]["properties"]
    for key in ("mlintern.pythonPath", "mlintern.sandbox"):  # the interpreter; the sandbox switch (approval)
        scope = properties[key].get("scope")
        assert scope in ("machine", "application"), (
            f"a folder's .vscode/settings.json can set {key} ({scope})"
        )
    marker = tmp_path / "host" / "shadowed"
    marker.parent.mkdir()
    result = hostile1(f"""
import os
os.makedirs(os.getcwd() + "/mlintern", exist_ok=True)
open(os.getcwd() + "/mlintern/__init__.py", "w").write("open({str(marker)!r}, 'w')\\n")
""")
    assert result["state"] == "succeeded", result["summary"]
    project = hostile1.ws.root / "proj"
    # the environment settings.ts gives both servers (its unit test checks serverEnvironment/mcpEnvironment)
    sources = (repo / "vscode-client" / "src" / "settings.ts").read_text()
    safe = 'env.PYTHONSAFEPATH = "1"' in sources and 'PYTHONSAFEPATH: "1"' in sources
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    if safe:
        env["PYTHONSAFEPATH"] = "1"
    launch = [sys.executable, "-m", "mlintern.server", "--version"]  # interpreter.ts lspServerArgs()
    subprocess.run(launch, cwd=project, env=env, capture_output=True, timeout=120)
    assert not marker.exists(), "the editor's server launch imported the run's mlintern/ package"
    bare = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    subprocess.run(launch, cwd=project, env=bare, capture_output=True, timeout=120)
    assert marker.exists()  # control: without the safe path the planted package wins


# ------------------------------------------------------- 2 a checkpoint that inflates on the host
BOMB = """
import io, zipfile, torch
buf = io.BytesIO()
torch.save({"model": {"w": torch.ones(4)}, "step": 1}, buf)
src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
n = 512 * 2**20                                          # 512 M floats: 2 GiB once inflated
with zipfile.ZipFile(OUT + "/ckpt.pt", "w") as out:
    for name in src.namelist():
        data = src.read(name)
        if name.endswith("/data.pkl"):
            data = data.replace(b"K\\x04", b"J" + n.to_bytes(4, "little"), 1)
        if name.endswith("/data/0"):
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with out.open(info, "w", force_zip64=True) as fh:
                zeros = bytes(64 * 2**20)
                for _ in range(32):
                    fh.write(zeros)
            continue
        out.writestr(zipfile.ZipInfo(name), data)
"""


def test_a_checkpoint_that_inflates_is_refused_before_it_fills_host_memory(hostile1):
    result = hostile1(BOMB)
    assert result["state"] == "succeeded", result["summary"]
    assert (Path(result["out_dir"]) / "ckpt.pt").stat().st_size < 16 * 2**20  # a few MB on disk
    output, peak_mb = cli_peak(hostile1.ws, "export-model", result["run_id"])
    assert peak_mb < 1200, f"export grew to {peak_mb:.0f} MB reading a few-MB checkpoint"
    assert "ckpt.pt" in output and ("inflate" in output or "refus" in output.lower()), output[-1500:]


# ------------------------------------------------- 21 a deep tree and many files left in the project
def test_a_deep_tree_and_many_files_do_not_stall_the_next_run(hostile):
    result = hostile(
        CKPT
        + """
import os
proj = os.getcwd()
os.makedirs(proj + "/many", exist_ok=True)
for i in range(20000):
    open(proj + "/many/f%05d" % i, "w").close()
d = os.open(proj, os.O_RDONLY)
for i in range(600):                                  # paths past PATH_MAX: every walk must cope
    os.mkdir("dddddddd", dir_fd=d)
    nxt = os.open("dddddddd", os.O_RDONLY, dir_fd=d)
    os.close(d)
    d = nxt
os.symlink("/", "loop", dir_fd=d)
"""
    )
    assert result["state"] == "succeeded", result["summary"]
    started = time.time()
    again = hostile("print('next run')\n")
    assert again["state"] == "succeeded", again["summary"]
    assert time.time() - started < 120
    call(hostile.ws, "export-model", {"run_id": result["run_id"]})
    call(hostile.ws, "training-status", {"run_id": again["run_id"]})


def test_a_huge_sparse_train_py_is_not_read_whole_by_the_next_run(hostile1):
    """The run deletes mlintern.json and leaves a 1.5 GB sparse train.py: run-training's project check
    (does train.py take the contract flags?) must not read it into the server's memory."""
    result = hostile1("""
import os
proj = os.getcwd()
os.unlink(proj + "/mlintern.json")
with open(proj + "/train.py.new", "wb") as fh:
    fh.write(b"# --pilot --max-steps --out-dir --resume --ckpt-every\\n")
    fh.truncate(1536 * 2**20)                         # sparse: no disk used
os.rename(proj + "/train.py.new", proj + "/train.py")
""")
    assert result["state"] == "succeeded", result["summary"]
    output, peak_mb = cli_peak(hostile1.ws, "run-training", "proj")
    assert peak_mb < 800, f"run-training grew to {peak_mb:.0f} MB checking a sparse train.py"
    assert "train.py" in output, output[-1500:]


# ------------------------------- 25 generated model code vs the counting worker's answer protocol
FORGER = """
import os
from dataclasses import dataclass


@dataclass
class ModelConfig:
    width: int = 3


def count_params(config):
    for fd in range(3, 64):   # the answer pipe is one of these: forge two answers, one for the NEXT request
        try:
            os.write(fd, b'{"ok": [1, 1]}\\n{"ok": [666, 666]}\\n')
        except OSError:
            pass
    deep = []
    for _ in range(100_000):
        deep = [deep]
    return deep               # and an answer too deep to encode
"""
HONEST = """
from dataclasses import dataclass


@dataclass
class ModelConfig:
    width: int = 3


def count_params(config):
    return config.width * 10
"""


def test_model_code_cannot_forge_or_desync_the_counting_workers_answers(monkeypatch):
    monkeypatch.setenv("MLINTERN_SANDBOX_MODE", MODES[0])
    from mlintern.sandbox.run import Worker

    counting = Worker()
    try:
        try:
            first = counting.request({"source": FORGER, "call": "count_params", "args": [{"width": 5}]})
        except ToolError:
            first = None  # refusing the forged answer is fine
        honest = counting.request({"source": HONEST, "call": "count_params", "args": [{"width": 5}]})
        assert honest == {"ok": [30, 50]}, f"the next request got another's answer: {honest} (first: {first})"
    finally:
        counting.stop()


# ------------------------------- 20b the autonomous agent's terminal display quotes run text
def test_agent_display_shows_run_text_without_escapes_or_markup(monkeypatch):
    import io

    from mlintern.server.agent.display import Display

    monkeypatch.setenv("FORCE_COLOR", "1")  # as on a real terminal: rich emits styles and hyperlinks
    buf = io.StringIO()
    shown = Display(stream=buf)
    reason = "exit code 1: [link=https://evil.example/x]click[/link] \x1b]52;c;eA==\x07 \x1b[2J boom"
    shown.event("stop", step="full", message=f"run failed: {reason}")
    out = buf.getvalue()
    assert "\x1b]" not in out and "\x1b[2J" not in out, repr(out)  # no OSC (clipboard, hyperlink), no clear
    assert "[link=https://evil.example/x]" in out  # the text is shown as written
