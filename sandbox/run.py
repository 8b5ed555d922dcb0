"""Run a short command in the sandbox and wait for it: how the server executes generated code it needs an
answer from (``scaffold-model`` counting parameters), never in its own process.

The strongest mode that works here is used; where only rlimits would (no namespaces) and the server is root,
the command still runs in a separate process with the scrubbed environment and the limits, never imported
into the server.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mlintern.sandbox.detect import available_mode
from mlintern.sandbox.launch import prepare
from mlintern.sandbox.policy import GiB, Limits, Policy
from mlintern.sandbox.proctree import kill_tree
from mlintern.tools.errors import ToolError

MAX_OUTPUT = 1024 * 1024


def run_sandboxed(cmd: list[str], workdir: Path, *, timeout: float = 300, memory_gb: float = 8,
                  hidden: tuple[Path, ...] = ()) -> tuple[int, str, str]:
    """``(returncode, stdout, stderr)`` of ``cmd`` run in ``workdir`` (its only writable folder), no network."""
    policy = Policy(workdir=workdir, writable=(workdir,), hidden=hidden, gpu=False,
                    limits=Limits(memory_bytes=int(memory_gb * GiB), max_procs=64, file_bytes=GiB))
    mode = available_mode()
    sandbox = not (mode == "rlimits" and os.geteuid() == 0)
    read_end, write_end = os.pipe()
    try:
        launch = prepare(cmd, policy, status_fd=write_end, sandbox=sandbox, mode=mode if sandbox else None)
        proc = subprocess.Popen(launch.argv, env=launch.env, cwd=launch.cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(write_end,),
                                preexec_fn=launch.apply_limits, start_new_session=True)
    finally:
        os.close(write_end)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.communicate()
        raise ToolError(f"The sandboxed command did not finish within {timeout:g} s and was killed.",
                        hint="The generated code is too slow to check here.", code="timeout") from None
    finally:
        os.close(read_end)
    return (proc.returncode, out[-MAX_OUTPUT:].decode(errors="replace"),
            err[-MAX_OUTPUT:].decode(errors="replace"))
