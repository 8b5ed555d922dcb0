"""SLURM as a first-class launcher: submit, follow, stream, cancel, budget, resume, re-attach.

``run-training launcher=slurm`` writes ``<run_dir>/job.sbatch`` and submits it with ``sbatch
--parsable`` (after approval). The job's stdout/stderr go straight to the run's ``stdout.log`` and
``stderr.log`` (the cluster's file system is shared with the login node, as on every SLURM cluster),
so ``training-status``, ``diagnose-traceback`` and the metrics/plot code read them as for a local run.

A detached *follower* (``python -m mlintern.tools.training.slurm follow ROOT RUN_ID``) polls the
scheduler every second (``squeue``; ``scontrol show job``; ``sacct`` once the controller forgot the
job), mirrors state, node list, elapsed time, exit code, steps and metrics into the ``runs`` row, and
enforces the wall-clock budget (``scancel --signal=TERM``, then ``scancel`` after the grace). Every
``training-status``/``run-training`` call reconciles: a SLURM run whose follower is gone (server or
machine restarted) is refreshed from the scheduler at once and a new follower is started, so a run
re-attaches without losing anything.

Inside the job, each ``srun`` task runs ``python -m mlintern.tools.training.slurm job RUN_DIR --
COMMAND``: with ``sandbox`` on and ``bwrap`` working on the node it runs the command in mlintern's
bwrap sandbox (the network stays shared, since torchrun's rendezvous crosses nodes); otherwise
no isolation from mlintern applies (the cluster's own does) and the job says so in ``stderr.log``.
The mode it used lands in the run record (``sandbox_mode``, ``isolation``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

from mlintern.sandbox.env import scrubbed_env
from mlintern.sandbox.policy import GiB, Limits
from mlintern.sandbox.proctree import alive, cmdline
from mlintern.tools.errors import ToolError
from mlintern.tools.training import launchers
from mlintern.tools.training import metrics as M

POLL_S = 1.0
GRACE_S = 10
CANCEL_WAIT_S = 15
ISOLATION_FILE = "slurm-isolation.json"
# SLURM job states -> mlintern run states (anything not listed counts as still live: "running")
QUEUED = {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED"}
ENDED = {
    "COMPLETED": "succeeded",
    "CANCELLED": "cancelled",
    "FAILED": "failed",
    "TIMEOUT": "failed",
    "NODE_FAIL": "failed",
    "BOOT_FAIL": "failed",
    "OUT_OF_MEMORY": "failed",
    "DEADLINE": "failed",
    "PREEMPTED": "failed",
    "REVOKED": "failed",
    "SPECIAL_EXIT": "failed",
}
SLURM_WHY = {
    "TIMEOUT": "SLURM's time limit (--time) was reached",
    "NODE_FAIL": "a node of the job failed",
    "BOOT_FAIL": "a node of the job failed to boot",
    "OUT_OF_MEMORY": "SLURM killed it: out of memory",
    "DEADLINE": "SLURM's deadline passed",
    "PREEMPTED": "the job was preempted by the scheduler",
}
NO_BWRAP = (
    "isolation: none from mlintern inside this SLURM job (no working bwrap on node {node}); "
    "the cluster's own isolation applies"
)


# --------------------------------------------------------------------------- the scheduler
def available() -> bool:
    return all(shutil.which(x) for x in ("sbatch", "squeue", "scontrol", "scancel"))


def _run(argv: list[str], timeout: float = 20) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _seconds(text: str) -> float | None:
    """SLURM durations: ``MM:SS``, ``HH:MM:SS``, ``D-HH:MM:SS``."""
    m = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)(?:\.\d+)?", text or "")
    if not m:
        return None
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return float(((d * 24 + h) * 60 + mi) * 60 + s)


class Unreachable(Exception):
    """The controller did not answer (down, restarting, overloaded): the job's state is unknown, not lost."""


def job_info(job_id: str) -> dict | None:
    """The job as the scheduler sees it now: ``{state, exit_code, signal, nodes, elapsed, reason,
    source}``; ``None`` when neither the controller nor accounting knows it (any more).
    Raises :class:`Unreachable` when the controller does not answer."""
    done = _run(["scontrol", "show", "job", "-o", str(job_id)])
    if done is None or (done.returncode != 0 and "Invalid job id" not in done.stderr):
        raise Unreachable((done.stderr.strip() if done else "scontrol timed out") or "scontrol failed")
    if done is not None and done.returncode == 0 and "JobState=" in done.stdout:
        fields: dict[str, str] = {}
        for key, value in re.findall(r"(?:^|\s)(\w+)=(\S*)", done.stdout.splitlines()[0]):
            fields.setdefault(key, value)
        code, _, sig = fields.get("ExitCode", "0:0").partition(":")
        return {
            "state": fields.get("JobState", "UNKNOWN"),
            "exit_code": int(code or 0),
            "signal": int(sig or 0),
            "nodes": None if fields.get("NodeList") in (None, "", "(null)") else fields["NodeList"],
            "elapsed": _seconds(fields.get("RunTime", "")),
            "reason": fields.get("Reason"),
            "source": "scontrol",
        }
    done = _run(["sacct", "-X", "-n", "-P", "-j", str(job_id), "-o", "State,ExitCode,NodeList,Elapsed"])
    if done is not None and done.returncode == 0 and done.stdout.strip():
        state, code, nodes, elapsed = (done.stdout.strip().splitlines()[0].split("|") + ["", "", "", ""])[:4]
        code, _, sig = code.partition(":")
        return {
            "state": state.split()[0] if state else "UNKNOWN",
            "exit_code": int(code or 0),
            "signal": int(sig or 0),
            "nodes": nodes or None,
            "elapsed": _seconds(elapsed),
            "reason": None,
            "source": "sacct",
        }
    return None


def scancel(job_id: str, *, signal_name: str | None = None) -> None:
    argv = [
        "scancel",
        *([f"--signal={signal_name}"] if signal_name else []),
        str(job_id),
    ]  # the steps, not bash
    done = _run(argv)
    if done is None or done.returncode != 0:
        raise ToolError(
            f"scancel {job_id} failed: {(done.stderr.strip() if done else 'scancel did not answer')}",
            hint=f"Cancel it yourself on the cluster: scancel {job_id}",
        )


def run_state(info: dict | None) -> str:
    if info is None:
        return "lost"
    state = info["state"].rstrip("+")
    if state in ENDED:
        return ENDED[state]
    return "queued" if state in QUEUED else "running"


def summary_line(info: dict) -> str:
    elapsed = info.get("elapsed")
    return (
        f"SLURM job {info.get('job_id')}: {info.get('state')}"
        + (f" on {info['nodes']}" if info.get("nodes") else "")
        + (f", {elapsed:.0f} s elapsed" if elapsed is not None else "")
        + (f", exit code {info['exit_code']}" if info.get("exit_code") not in (None, 0) else "")
        + (f" (scheduler not answering: {info['unreachable']})" if info.get("unreachable") else "")
    )


# ------------------------------------------------------------------------------ submit
def _approve(ctx, yes: bool, what: str) -> str:
    if yes:
        return "pre-approved (yes=true / --yes)"
    if ctx.ask_approval is None:
        raise ToolError(
            f"Submitting to SLURM needs approval: {what}.",
            hint="Pass yes=true (CLI: --yes) to approve, or ask from a face that can ask you.",
            code="approval_required",
        )
    if not ctx.ask_approval(f"Submit to SLURM: {what}. Proceed?"):
        raise ToolError(
            "Submitting to SLURM was declined; nothing was submitted.",
            hint="Run again and approve, or use launcher=local.",
            code="declined",
        )
    return f"asked over {ctx.face}"


def _write_new(path: Path, text: str) -> None:
    """Write a file mlintern owns without following a link someone planted at that name."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode) or not stat.S_ISREG(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def submit(
    ctx,
    ws,
    *,
    folder: Path,
    script: Path,
    args: list[str],
    run_id: str,
    run_dir: Path,
    mode: str,
    meta: dict,
    max_minutes: float | None,
    nproc_per_node: int,
    nnodes: int,
    tasks_per_node: int,
    sandbox: bool,
    env: list[str] | None,
    yes: bool,
    max_memory_gb: float | None,
    max_procs: int,
) -> dict:
    from mlintern.tools.training.runs import describe

    job_name = f"mlintern-{folder.name}"
    common = {
        "project": folder,
        "script": script,
        "args": args,
        "run_dir": run_dir,
        "job_name": job_name,
        "max_minutes": max_minutes,
        "nproc_per_node": nproc_per_node,
        "nnodes": nnodes,
        "tasks_per_node": tasks_per_node,
    }
    # For a cluster mlintern does not reach: plain srun + torchrun (c10d), paths relative to the project.
    copy = folder / "mlintern_job.sbatch"
    portable = [*args]
    if "--out-dir" in portable:
        portable[portable.index("--out-dir") + 1] = "out"
    _write_new(copy, launchers.sbatch_script(**{**common, "args": portable, "run_dir": Path(".")}))
    if not available():
        return {
            "run_id": None,
            "state": "not_submitted",
            "sbatch_script": str(copy),
            "project": str(folder),
            "summary": f"sbatch is not installed here; nothing was submitted. Wrote {copy}.\n"
            f"On the cluster's login node run: sbatch {copy}",
        }
    what = (
        f"job {job_name} ({nnodes} node(s) x {tasks_per_node * nproc_per_node} process(es)"
        + (f", {max_minutes:g} min budget" if max_minutes else ", no time budget")
        + ")"
    )
    approval = _approve(ctx, yes, what)
    limits = Limits()
    launch = {
        "project": str(folder),
        "out_dir": meta["out_dir"],
        "sandbox": sandbox,
        "writable": [str(folder), meta["out_dir"]],
        "hidden": [str(ws.root), str(ws.state_dir)],
        "env_pass": [item.partition("=")[0] for item in env or ()],
        "memory_bytes": int(max_memory_gb * GiB) if max_memory_gb else limits.memory_bytes,
        "max_procs": max_procs,
        "file_bytes": limits.file_bytes,
        "network": True,
    }
    (run_dir / "launch.json").write_text(json.dumps(launch, indent=1))
    job_file = run_dir / "job.sbatch"
    wrapper = [sys.executable, "-m", "mlintern.tools.training.slurm", "job", str(run_dir)]
    _write_new(
        job_file,
        launchers.sbatch_script(
            **common, wrapper=wrapper, logs=(str(run_dir / "stdout.log"), str(run_dir / "stderr.log"))
        ),
    )
    # The job inherits sbatch's environment (--export=ALL): give it the scrubbed one, never the server's secrets.
    job_env = scrubbed_env(passthrough=tuple(env or ()), home=os.environ.get("HOME", "/tmp"))
    job_env["PATH"] = os.pathsep.join([job_env["PATH"], os.environ.get("PATH", "")])
    for name in ("SLURM_CONF", "SBATCH_PARTITION", "SBATCH_ACCOUNT", "SBATCH_QOS"):
        if name in os.environ:
            job_env[name] = os.environ[name]
    isolation = (
        "bwrap on the node when it works there, else none from mlintern (the cluster's own)"
        if sandbox
        else "none (sandbox=false)"
    )
    ws.create_run(
        project=str(folder),
        command=["sbatch", "--parsable", str(job_file)],
        launcher="slurm",
        mode=mode,
        run_dir=str(run_dir),
        run_id=run_id,
        meta={
            **meta,
            "isolation": isolation,
            "submitted": time.time(),
            "approvals": [
                *meta.get("approvals", []),
                {"action": "submit a SLURM job", "detail": what, "approved": True, "how": approval},
            ],
        },
    )
    try:
        job = launchers.submit_sbatch(job_file, env=job_env)
    except ToolError as err:
        ws.update_run(run_id, status="failed", ended=time.time(), reason=err.message)
        raise
    ws.update_run(run_id, meta={"slurm_job_id": job, "slurm": {"job_id": job, "state": "PENDING"}})
    start_follower(ws, run_id)
    ws.log_event(
        "run_started", {"run_id": run_id, "project": str(folder), "face": ctx.face, "slurm_job_id": job}
    )
    out = describe(ws, ws.require_run(run_id), summary_prefix=f"submitted SLURM job {job}")
    out["sbatch_script"] = str(job_file)
    return out


# ------------------------------------------------------------------------------ follow
def start_follower(ws, run_id: str) -> int | None:
    started = subprocess.run(
        [sys.executable, "-m", "mlintern.tools.training.slurm", "follow", str(ws.root), run_id],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=str(ws.root),
        timeout=60,
    )
    if started.returncode != 0 or not started.stdout.strip().isdigit():
        return None
    pid = int(started.stdout)
    ws.update_run(run_id, meta={"follower_pid": pid})
    return pid


def follower_alive(run: dict) -> bool:
    pid = run["meta"].get("follower_pid")
    return bool(pid) and alive(pid) and run["id"] in cmdline(pid)


def _read_small(path: Path, limit: int = 4096) -> str | None:
    """A file the job wrote: no links, no FIFOs, bounded."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(limit).decode(errors="replace")


def _plain(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _isolation(run_dir: Path) -> dict:
    text = _read_small(run_dir / ISOLATION_FILE)
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) and data.get("mode") in ("bwrap", "none") else {}


SCHEDULER_LINES = ("srun:", "slurmstepd", "[mlintern]", "sbatch:")


def _last_error_line(path: Path) -> str:
    """The job's last stderr line that is not SLURM's or mlintern's own (usually the exception)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return ""
        size = os.fstat(fh.fileno()).st_size
        fh.seek(max(0, size - 20000))
        text = fh.read(20000).decode(errors="replace")
    for line in reversed(text.splitlines()):
        if line.strip() and not line.lstrip().startswith(SCHEDULER_LINES):
            return line.strip()[:300]
    return ""


def scheduler_log(run_dir: Path, info: dict, n: int) -> list[str]:
    """The last lines of the batch script's own log (``srun: error: ...``, SLURM's cancel notices)."""
    job = str(info.get("job_id") or "")
    if not job.isdigit():
        return []
    text = _read_small(run_dir / f"slurm-{job}.log", 20000) or ""
    return [line for line in text.splitlines() if line.strip()][-n:] if n else []


def _failure_reason(run_dir: Path, info: dict) -> str:
    state = info["state"].rstrip("+")
    if state in SLURM_WHY:
        return SLURM_WHY[state]
    tail = _last_error_line(run_dir / "stderr.log")
    how = f"exit code {info['exit_code']}" + (f" (signal {info['signal']})" if info.get("signal") else "")
    return f"SLURM job {state.lower()}, {how}" + (f": {tail}" if tail else "")


class Follower:
    """One pass per call to :meth:`poll`; used by the follower process and by reconcile."""

    def __init__(self, ws, run_id: str) -> None:
        self.ws, self.run_id = ws, run_id
        run = ws.require_run(run_id)
        self.run_dir = Path(run["run_dir"])
        self.out_dir = Path(run["meta"]["out_dir"])
        self.metrics = M.MetricsTail(self.out_dir / "metrics.jsonl")
        self.seen = -1
        self.total: int | None = None
        self.last_plot = 0.0

    def poll(self) -> dict:
        run = self.ws.require_run(self.run_id)
        if run["status"] not in ("queued", "running"):
            return run
        meta, job = run["meta"], run["meta"].get("slurm_job_id")
        try:
            info = job_info(job) if job else None
        except Unreachable as err:  # keep the last known state; say why it is not fresh
            slurm = {**(meta.get("slurm") or {}), "unreachable": str(err)[:200]}
            return self.ws.update_run(self.run_id, meta={"slurm": slurm})
        state = run_state(info)
        if state == "running" and meta.get("stop_reason") and info and info["state"].startswith("COMPLETING"):
            state = meta.get("stop_status") or "cancelled"  # scancel'd: SLURM is killing its processes
        now = time.time()
        update: dict = {}
        slurm = {
            "job_id": job,
            **(
                {k: info[k] for k in ("state", "nodes", "elapsed", "exit_code", "reason", "source")}
                if info
                else {"state": "UNKNOWN"}
            ),
        }
        update_meta: dict = {"slurm": slurm}
        iso = {} if meta.get("sandbox_mode") else _isolation(self.run_dir)  # first sight wins (see docs)
        if iso:
            update_meta["sandbox_mode"] = iso["mode"]
            if iso["mode"] == "none":
                update_meta["sandbox_warning"] = NO_BWRAP.format(node=iso.get("node", "?"))
        self._metrics(update_meta, final=state not in ("queued", "running"))
        if state == "running" and run["status"] == "queued":
            update.update(status="running", started=now - (info.get("elapsed") or 0))
        budget = meta.get("max_minutes")
        elapsed = (info or {}).get("elapsed") or 0
        if state == "running" and budget and elapsed > budget * 60 and not meta.get("budget_stop"):
            update_meta.update(
                budget_stop=now,
                stop_status="failed",
                stop_reason=f"time budget of {budget:g} min reached; stopped (resume with resume=true)",
            )
            _quiet_cancel(job, "TERM")
        elif state == "running" and meta.get("budget_stop") and now - meta["budget_stop"] > GRACE_S:
            _quiet_cancel(job)
        if state not in ("queued", "running"):
            if meta.get("stop_reason"):
                status, reason = meta.get("stop_status") or "cancelled", meta["stop_reason"]
            elif state == "lost":
                status, reason = (
                    "lost",
                    (
                        f"SLURM no longer knows job {job} (purged, and no accounting to ask); "
                        f"see {self.run_dir}/stdout.log, resume with resume=true"
                    ),
                )
            elif state == "cancelled":
                status, reason = "cancelled", f"SLURM job {job} was cancelled outside mlintern (scancel)"
            else:
                status, reason = state, None if state == "succeeded" else _failure_reason(self.run_dir, info)
            if status == "succeeded" and info and info["exit_code"] != 0:
                status = "failed"
            update.update(
                status=status, reason=reason, ended=now, exit_code=info["exit_code"] if info else None
            )
            if not run["started"]:
                update["started"] = now - elapsed
        if self.ws.require_run(self.run_id)["status"] not in ("queued", "running"):
            return self.ws.require_run(
                self.run_id
            )  # another poller (cancel, a status call) ended it meanwhile
        update_meta["slurm"]["unreachable"] = None
        run = self.ws.update_run(self.run_id, meta=update_meta, **update)
        if run["status"] not in ("queued", "running"):
            self.ws.log_event(
                "run_ended", {"run_id": self.run_id, "status": run["status"], "reason": run["reason"]}
            )
        return run

    def _metrics(self, update_meta: dict, final: bool) -> None:
        # Without bwrap on the node the job can replace these files: read only plain files (no FIFO, no link).
        rows = self.metrics.read() if _plain(self.out_dir / "metrics.jsonl") else self.metrics.rows
        if self.total is None and _plain(self.run_dir / "stdout.log"):
            self.total = M.total_steps(self.run_dir / "stdout.log")
        if len(rows) == self.seen and not final:
            return
        last = rows[-1] if rows else {}
        max_steps = self.ws.require_run(self.run_id)["meta"].get("max_steps")
        total = self.total or max_steps
        update_meta.update(
            step=last.get("step"),
            total_steps=total,
            last_metrics=last,
            eta_seconds=M.eta_seconds(rows, total),
        )
        if rows and (final or time.time() - self.last_plot > 5):
            M.plot_loss(rows, self.run_dir / "loss.png", f"{self.run_id} (SLURM)")
            self.last_plot = time.time()
        self.seen = len(rows)


def _quiet_cancel(job: str | None, signal_name: str | None = None) -> None:
    if job:
        try:
            scancel(job, signal_name=signal_name)
        except ToolError:
            pass


def reconcile(ws, run: dict) -> dict:
    """Called for every live SLURM run on each status call: re-attach when nobody follows it."""
    if follower_alive(run):
        return run
    run = Follower(ws, run["id"]).poll()
    if run["status"] in ("queued", "running"):
        start_follower(ws, run["id"])
    return run


def cancel(ws, run: dict, *, reason: str, wait_s: float = CANCEL_WAIT_S) -> dict:
    """stop-training: scancel (SIGTERM to every step, SIGKILL after SLURM's KillWait), wait for the end."""
    ws.update_run(run["id"], meta={"stop_reason": reason, "stop_status": "cancelled"})
    job = run["meta"].get("slurm_job_id")
    if job:
        try:
            scancel(job)
        except ToolError:
            try:
                still = run_state(job_info(job)) in ("queued", "running")
            except Unreachable:
                still = True
            if still:
                raise  # really still there (or nobody can tell): say so, with the command to run by hand
    follower = Follower(ws, run["id"])
    deadline = time.time() + wait_s
    while True:
        run = follower.poll()
        if run["status"] not in ("queued", "running"):
            return run
        if time.time() > deadline:
            return ws.update_run(
                run["id"],
                status="cancelled",
                ended=time.time(),
                reason=reason + f" (SLURM still ending job {job})",
            )
        time.sleep(0.25)


def follow_main(root: str, run_id: str) -> int:
    from mlintern.tools.workspace import Workspace

    ws = Workspace(root, confined=False)
    follower = Follower(ws, run_id)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    failures = 0
    while True:
        try:
            if follower.poll()["status"] not in ("queued", "running"):
                return 0
            failures = 0
        except ToolError:  # the run is gone from the database
            return 1
        except Exception as err:  # noqa: BLE001 - a locked database, a transient error: keep following
            failures += 1
            print(f"follower: {type(err).__name__}: {err}", flush=True)
            if failures > 60:
                raise
        time.sleep(POLL_S)


# ---------------------------------------------------------------------------- in the job
def job_main(run_dir: str, command: list[str]) -> int:
    """One srun task: run ``command`` in bwrap when the node has a working one, else as is."""
    from mlintern.sandbox import Policy, available_mode, prepare

    if "torch.distributed.run" in command and "--rdzv-backend=static" in command:
        at = command.index("torch.distributed.run") + 1  # this task's node rank, from SLURM
        command = [*command[:at], f"--node-rank={int(os.environ.get('SLURM_PROCID', '0'))}", *command[at:]]
    run_path = Path(run_dir)
    cfg = json.loads((run_path / "launch.json").read_text())
    node = socket.gethostname()
    mode = "none"
    if cfg.get("sandbox") and shutil.which("bwrap"):
        try:
            mode = "bwrap" if available_mode() == "bwrap" else "none"
        except Exception:  # noqa: BLE001 - a node without namespaces: say so, run unsandboxed
            mode = "none"
    if os.environ.get("SLURM_PROCID", "0") == "0":
        try:
            _write_new(run_path / ISOLATION_FILE, json.dumps({"mode": mode, "node": node}))
        except OSError:
            pass
    if mode == "none":
        sys.stderr.write("[mlintern] " + NO_BWRAP.format(node=node) + "\n")
        sys.stderr.flush()
        env = scrubbed_env(passthrough=tuple(cfg.get("env_pass", ())), home=os.environ.get("HOME", "/tmp"))
        return subprocess.call(command, env=env, cwd=cfg["project"])
    limits = Limits(
        memory_bytes=cfg["memory_bytes"], max_procs=cfg["max_procs"], file_bytes=cfg["file_bytes"]
    )
    policy = Policy(
        workdir=Path(cfg["project"]),
        writable=tuple(Path(p) for p in cfg["writable"]),
        env_pass=tuple(cfg.get("env_pass", ())),
        limits=limits,
        network=cfg.get("network", True),
        hidden=tuple(Path(p) for p in cfg["hidden"]),
    )
    read_end, write_end = os.pipe()
    launch = prepare(command, policy, status_fd=write_end, sandbox=True, mode="bwrap")
    proc = subprocess.Popen(
        launch.argv,
        env=launch.env,
        cwd=launch.cwd,
        stdin=subprocess.DEVNULL,
        pass_fds=(write_end,),
        preexec_fn=launch.apply_limits,
    )
    os.close(write_end)

    def forward(signum, _frame):  # scancel / the budget: pass it on to the sandbox
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, forward)
    code = proc.wait()
    with os.fdopen(read_end, "rb") as pipe:
        try:
            report = json.loads(pipe.read().decode() or "null")
        except ValueError:
            report = None
    if isinstance(report, dict) and isinstance(report.get("returncode"), int):
        code = report["returncode"]
        if report.get("signal"):
            code = 128 + int(report["signal"])
    return code if code >= 0 else 128 - code


def main(argv: list[str]) -> int:
    if argv[:1] == ["follow"] and len(argv) == 3:
        from mlintern.tools.training.supervisor import detach

        detach(argv[1:])
        return follow_main(argv[1], argv[2])
    if argv[:1] == ["job"] and len(argv) >= 4 and argv[2] == "--":
        return job_main(argv[1], argv[3:])
    sys.stderr.write(
        "usage: python -m mlintern.tools.training.slurm follow ROOT RUN_ID | job RUN_DIR -- COMMAND\n"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
