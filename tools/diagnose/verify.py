"""Re-run what failed, in the sandbox, and judge whether it now trains.

A fix is kept only when the re-run (a) ends without the error and (b) passes
the training check: the loss falls (the shared check of tools/training/learning.py: the
smoothed loss falls by 5% or ends below the trivial baseline) and every trainable parameter gets a
gradient. A fix that silences the error (a ``try``, ``.detach()`` on the loss,
freezing layers, skipping the step) passes (a) and fails (b).

Two ways to re-run:

* a scaffolded project: its pilot through ``run-training`` (losses from the
  run's ``metrics.jsonl``; the generated ``train.py`` checks gradients itself);
* any ``python script.py ...`` command (``--command``): the script runs inside
  the sandbox under a small observer (``OBSERVER`` below, passed with
  ``python -c``) that records the value of every scalar ``backward()`` and,
  at each optimizer step, which of the optimizer's trainable parameters hold
  a non-zero gradient. It prints one report line at exit (or at the time cap)
  tagged with a per-run nonce; the host reads only that line, from the tail of
  the log. The observer runs in the sandbox with the script: nothing of the
  script runs on the host.

A run that records fewer than ``MIN_LOSSES`` losses is never "verified".
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.training.learning import learning_check

MIN_LOSSES = 4
DEFAULT_TIMEOUT_S = 120
TAIL_BYTES = 200_000
TAG = "MLINTERN-VERIFY"

# Runs inside the sandbox as ``python -c OBSERVER NONCE CAP_S script.py args...`` (or ``-m module args``).
OBSERVER = (
    r'''
import json, math, os, runpy, signal, sys
_nonce, _cap = sys.argv[1], float(sys.argv[2])
_argv = sys.argv[3:]
_losses, _tracked, _got, _steps = [], {}, set(), [0]
_state = {"done": False, "optimizer": False}

def _report(status):
    if _state["done"]:
        return
    _state["done"] = True
    missing = [list(p.shape) for k, p in _tracked.items() if k not in _got]
    out = {"status": status, "losses": _losses[:200] + (_losses[-200:] if len(_losses) > 400 else _losses[200:]),
           "n_losses": len(_losses), "steps": _steps[0], "optimizer": _state["optimizer"],
           "trainable": len(_tracked), "missing": missing[:20], "n_missing": len(missing)}
    sys.stderr.write("\n%s %s %s\n" % ("'''
    + TAG
    + r"""", _nonce, json.dumps(out)))
    sys.stderr.flush()

try:
    import torch
    _backward = torch.Tensor.backward

    def backward(self, *a, **k):
        if self.numel() == 1 and self.is_floating_point() and len(_losses) < 100000:
            try:
                _losses.append(float(self.detach().float().reshape(())))
            except Exception:
                pass
        return _backward(self, *a, **k)

    torch.Tensor.backward = backward

    def _pre_step(opt, args, kwargs):
        _state["optimizer"] = True
        _steps[0] += 1
        for group in opt.param_groups:
            for p in group["params"]:
                if not p.requires_grad:
                    continue
                _tracked.setdefault(id(p), p)
                if id(p) not in _got and p.grad is not None and bool(p.grad.detach().abs().sum() > 0):
                    _got.add(id(p))

    from torch.optim.optimizer import register_optimizer_step_pre_hook
    register_optimizer_step_pre_hook(_pre_step)
except Exception as err:
    sys.stderr.write("mlintern observer: could not hook torch (%s)\n" % err)

def _on_cap(signum, frame):
    _report("time_cap")
    sys.stdout.flush()
    os._exit(0)

signal.signal(signal.SIGALRM, _on_cap)
signal.alarm(max(1, int(_cap)))
try:
    if _argv[:1] == ["-m"]:
        sys.argv = _argv[1:]
        runpy.run_module(_argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = _argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(_argv[0])))
        runpy.run_path(_argv[0], run_name="__main__")
except SystemExit as exit_:
    signal.alarm(0)
    if exit_.code in (None, 0):
        _report("finished")
    raise
signal.alarm(0)
_report("finished")
"""
)


@dataclass
class Outcome:
    ok: bool
    note: str
    error_tail: str = ""  # the last lines of the log when the run failed


def parse_command(command: str) -> list[str]:
    """``python [flags] script.py args`` or ``python -m module args`` -> the argv after the interpreter."""
    try:
        argv = shlex.split(command)
    except ValueError as err:
        raise ToolError(
            f"Cannot parse the command {command!r}: {err}.",
            hint='e.g. --command "python train.py --epochs 1"',
        ) from err
    if not argv:
        raise ToolError("The command is empty.", hint='e.g. --command "python train.py --epochs 1"')
    exe = Path(argv[0]).name
    if not (exe.startswith("python") or exe == sys.executable):
        raise ToolError(
            f"Only `python script.py ...` or `python -m module ...` commands can be re-run and checked "
            f"(got {argv[0]!r}).",
            hint="Give the Python command your launcher runs, for one process.",
        )
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        if rest[0] in ("-u", "-B", "-O", "-OO", "-s", "-E"):
            rest = rest[1:]
            continue
        raise ToolError(
            f"Interpreter option {rest[0]!r} is not supported in --command.",
            hint="Drop it, or give `python script.py ...`.",
        )
    if not rest or (rest[0] == "-m" and len(rest) < 2):
        raise ToolError("The command names no script.", hint='e.g. --command "python train.py"')
    return rest


def judge(report: dict | None, returncode: int, tail: str, cap_s: float) -> Outcome:
    """The verdict from the observer's report and the exit status."""
    last = "\n".join(line for line in tail.strip().splitlines()[-3:])
    if report is None:
        if returncode != 0:
            return Outcome(False, f"still fails (exit {returncode}): {_last_line(tail)}", last)
        return Outcome(
            False, "the run ended without the training report (it exited early); not verified", last
        )
    if report.get("status") == "finished" and returncode != 0:
        return Outcome(False, f"still fails (exit {returncode}): {_last_line(tail)}", last)
    losses = [v for v in report.get("losses", []) if isinstance(v, int | float)]
    capped = (
        f" (stopped at the {cap_s:g}s cap; the rest of the run was not seen)"
        if report.get("status") == "time_cap"
        else ""
    )
    if len(losses) < MIN_LOSSES:
        return Outcome(
            False,
            f"the error is gone but only {len(losses)} loss value(s) were recorded{capped}: "
            "cannot tell whether it trains; not verified",
            last,
        )
    verdict = learning_check(losses)  # the check every caller shares (tools/training/learning.py)
    if not verdict["verified"]:
        return Outcome(False, f"the error is gone but it does not learn: {verdict['reason']}{capped}", last)
    first, final = verdict["first"], verdict["last"]
    if not report.get("optimizer"):
        return Outcome(
            False,
            "the error is gone and the loss falls, but no optimizer step was seen: cannot check "
            "that every trainable parameter gets a gradient; not verified",
            last,
        )
    if report.get("n_missing"):
        shapes = ", ".join(str(s) for s in report.get("missing", [])[:4])
        return Outcome(
            False,
            f"the error is gone but {report['n_missing']} of {report.get('trainable')} trainable "
            f"parameters never get a gradient (shapes {shapes}){capped}",
            last,
        )
    return Outcome(
        True,
        f"trains: loss {first:.4g} -> {final:.4g} over {report.get('n_losses')} steps, all "
        f"{report.get('trainable')} trainable parameter tensors get gradients{capped}",
    )


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip() and not ln.startswith(TAG)]
    return lines[-1][:300] if lines else "(no output)"


def _tail(path: Path) -> str:
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > TAIL_BYTES:
            f.seek(size - TAIL_BYTES)
        return f.read().decode("utf-8", errors="replace")


def _report_from(text: str, nonce: str) -> dict | None:
    marker = f"{TAG} {nonce} "
    for line in reversed(text.splitlines()):
        if line.startswith(marker):
            try:
                data = json.loads(line[len(marker) :])
            except json.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
    return None


def rerun_command(
    workspace,
    command: str,
    cwd: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    sandbox: bool = True,
) -> Outcome:
    """Run ``command`` (a Python command) in the sandbox, in ``cwd`` (default: the workspace root)."""
    from mlintern.sandbox.launch import prepare
    from mlintern.sandbox.policy import Policy
    from mlintern.sandbox.proctree import kill_tree

    rest = parse_command(command)
    root = Path(workspace.root).resolve()
    cwd = (cwd or root).resolve()
    nonce = secrets.token_hex(8)
    cmd = [sys.executable, "-c", OBSERVER, nonce, str(int(timeout_s)), *rest]
    state_dir = root / ".mlintern"
    policy = Policy(
        workdir=cwd,
        writable=(root,),
        hidden=(state_dir,) if state_dir.is_dir() else (),
        env_set={"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"},
    )
    read_end, write_end = os.pipe()
    try:
        launch = prepare(cmd, policy, status_fd=write_end, sandbox=sandbox)
    except Exception:
        os.close(read_end)
        os.close(write_end)
        raise
    with tempfile.TemporaryDirectory(prefix="mlintern-verify-") as tmp:
        log = Path(tmp) / "output.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                launch.argv,
                env=launch.env,
                cwd=launch.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(write_end,),
                preexec_fn=launch.apply_limits,
                start_new_session=True,
            )
        os.close(write_end)
        deadline = (
            time.monotonic() + timeout_s + 30
        )  # the observer stops itself at the cap; this is the backstop
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    kill_tree(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                    break
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                kill_tree(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            os.close(read_end)
        text = _tail(log)
    return judge(_report_from(text, nonce), proc.returncode, text, timeout_s)
