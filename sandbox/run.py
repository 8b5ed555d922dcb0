"""Run a short command in the sandbox and wait for it: how the server executes generated code it needs an
answer from (``scaffold-model`` counting parameters), never in its own process.

The strongest mode that works here is used; where only rlimits would (no namespaces) and the server is root,
the command still runs in a separate process with the scrubbed environment and the limits, never imported
into the server.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from mlintern.sandbox.detect import available_mode
from mlintern.sandbox.launch import prepare
from mlintern.sandbox.policy import GiB, Limits, Policy
from mlintern.sandbox.proctree import kill_tree
from mlintern.tools.errors import ToolError

MAX_OUTPUT = 1024 * 1024


def run_sandboxed(
    cmd: list[str],
    workdir: Path,
    *,
    timeout: float = 300,
    memory_gb: float = 8,
    hidden: tuple[Path, ...] = (),
) -> tuple[int, str, str]:
    """``(returncode, stdout, stderr)`` of ``cmd`` run in ``workdir`` (its only writable folder), no network."""
    policy = Policy(
        workdir=workdir,
        writable=(workdir,),
        hidden=hidden,
        gpu=False,
        limits=Limits(memory_bytes=int(memory_gb * GiB), max_procs=64, file_bytes=GiB),
    )
    mode = available_mode()
    sandbox = not (mode == "rlimits" and os.geteuid() == 0)
    read_end, write_end = os.pipe()
    try:
        launch = prepare(cmd, policy, status_fd=write_end, sandbox=sandbox, mode=mode if sandbox else None)
        proc = subprocess.Popen(
            launch.argv,
            env=launch.env,
            cwd=launch.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_end,),
            preexec_fn=launch.apply_limits,
            start_new_session=True,
        )
    finally:
        os.close(write_end)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.communicate()
        raise ToolError(
            f"The sandboxed command did not finish within {timeout:g} s and was killed.",
            hint="The generated code is too slow to check here.",
            code="timeout",
        ) from None
    finally:
        os.close(read_end)
    return (
        proc.returncode,
        out[-MAX_OUTPUT:].decode(errors="replace"),
        err[-MAX_OUTPUT:].decode(errors="replace"),
    )


WORKER_SOURCE = (Path(__file__).with_name("worker.py")).read_text()


class Worker:
    """One sandboxed fork server (``sandbox/worker.py``) that imported torch once; each request runs in its
    own forked child inside the sandbox. Started on first use, restarted after a timeout or a crash."""

    def __init__(self, modules: tuple[str, ...] = ("torch",), memory_gb: float = 8) -> None:
        self.modules, self.memory_gb = modules, memory_gb
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self) -> None:
        import json
        import sys
        import tempfile

        workdir = Path(tempfile.mkdtemp(prefix="mlintern-worker-"))
        policy = Policy(
            workdir=workdir,
            writable=(workdir,),
            gpu=False,
            limits=Limits(memory_bytes=int(self.memory_gb * GiB), max_procs=64, file_bytes=GiB),
        )
        mode = available_mode()
        sandbox = not (mode == "rlimits" and os.geteuid() == 0)
        read_end, write_end = os.pipe()
        try:
            launch = prepare(
                [sys.executable, "-c", WORKER_SOURCE, json.dumps(list(self.modules))],
                policy,
                status_fd=write_end,
                sandbox=sandbox,
                mode=mode if sandbox else None,
            )
            self.proc = subprocess.Popen(
                launch.argv,
                env=launch.env,
                cwd=launch.cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=(write_end,),
                preexec_fn=launch.apply_limits,
                start_new_session=True,
            )
        finally:
            os.close(write_end)
            os.close(read_end)
        self.mode = launch.mode
        self._answer(timeout=300)  # {"ready": true} once torch is imported

    def _answer(self, timeout: float) -> dict:
        import json
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline(MAX_OUTPUT) if ready else b""
        if not line:
            self.stop()
            raise ToolError(
                f"The sandboxed worker gave no answer within {timeout:g} s (or died); it was killed.",
                hint="The generated code is too slow or crashed; try again.",
                code="timeout",
            )
        try:  # written by a process generated code ran in: a cut, deep or odd line is not an answer
            answer = json.loads(line) if line.endswith(b"\n") else None
        except (ValueError, RecursionError):
            answer = None
        if not isinstance(answer, dict) or not ({"ok", "error", "ready"} & answer.keys()):
            self.stop()  # the stream may be out of step: a fresh worker for the next request
            raise ToolError(
                "The sandboxed worker's answer was malformed (the generated code may have written to it); "
                "the worker was restarted.",
                hint="Check the generated model code; try again.",
                code="bad_answer",
            )
        return answer

    def request(self, payload: dict, timeout: float = 300) -> dict:
        import json

        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            self.proc.stdin.write((json.dumps(payload) + "\n").encode())
            self.proc.stdin.flush()
            return self._answer(timeout)

    def stop(self) -> None:
        if self.proc is not None:
            kill_tree(self.proc.pid)
            self.proc.wait()
            self.proc = None


_WORKERS: dict[str, Worker] = {}


def worker() -> Worker:
    """The shared counting worker for the sandbox mode in force now."""
    key = os.environ.get("MLINTERN_SANDBOX_MODE") or available_mode()
    if key not in _WORKERS:
        _WORKERS[key] = Worker()
    return _WORKERS[key]
