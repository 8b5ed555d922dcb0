"""The detached process that owns one run: ``python -m mlintern.tools.training.supervisor ROOT RUN_ID``.

It is started in its own session by ``run-training`` and outlives the server
that started it, so a run launched over MCP keeps going (and keeps its status
up to date in the workspace database) when that server exits or crashes. It
spawns the sandboxed command, watches it (wall-clock budget, process count,
stop requests), mirrors progress into the ``runs`` row, refreshes the loss
plot, and writes the final status with a plain-words reason. If the
supervisor itself is killed, the sandbox dies with it (parent-death signal)
and ``training-status`` later marks the run ``lost`` (resumable).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from mlintern.sandbox import Limits, Policy, files, prepare
from mlintern.sandbox.disk import DiskGuard
from mlintern.sandbox.proctree import cmdline, descendants, kill_tree, signal_quietly
from mlintern.sandbox.reaper import MARKER
from mlintern.tools.training import metrics as M
from mlintern.tools.workspace import Workspace

POLL_S = 0.05
METRICS_EVERY_S = 1.0
PLOT_EVERY_S = 5.0
MEMORY_SIGNS = (
    "MemoryError",
    "std::bad_alloc",
    "Cannot allocate memory",
    "DefaultCPUAllocator: can't allocate",
)


class Supervisor:
    def __init__(self, root: str, run_id: str) -> None:
        self.ws = Workspace(root, confined=False)
        self.run = self.ws.require_run(run_id)
        self.run_id = run_id
        self.run_dir = Path(self.run["run_dir"])
        self.cfg = json.loads((self.run_dir / "launch.json").read_text())
        self.out_dir = Path(self.cfg["out_dir"])
        self.stop_reason: str | None = None  # set once we decide to end the run
        self.stop_status = "failed"
        self.stop_deadline = float("inf")  # when a stop was asked, kill everything at this time
        self.metrics = M.MetricsTail(self.out_dir / "metrics.jsonl")
        self.metrics_seen = 0
        self.evaluation: dict[str, dict] = {}  # the latest held-out record per split ("val", "test")
        self.total: int | None = None
        self.last_plot = 0.0
        self.tb = None
        self.signalled: int | None = None
        self.reason_from_record = False
        self.lock = threading.Lock()
        self.total_scan = M.TotalSteps(self.run_dir / "stdout.log")
        self.refresh_error: str | None = None

    # ------------------------------------------------------------ signals
    def _on_signal(self, signum: int, _frame) -> None:
        """SIGTERM/SIGINT from stop-training or a cancelled caller; handled by the guard thread, not here
        (a signal handler must not open a database transaction the loop may be in)."""
        self.signalled = signum

    def _handle_signal(self) -> None:
        name = signal.Signals(self.signalled).name
        self.request_stop(f"stopped by {name}", "cancelled")
        self.reason_from_record = True  # finish() prefers the reason stop-training wrote in the run record

    def request_stop(self, reason: str, status: str) -> None:
        with self.lock:
            if self.stop_reason is not None:
                return
            self.stop_reason, self.stop_status = reason, status
            self.stop_deadline = time.time() + self.cfg.get("grace_seconds", 10)
        reaper = self._reaper_pid()
        if reaper:
            signal_quietly(reaper, signal.SIGTERM)

    def _reaper_pid(self) -> int | None:
        """The reaper inside the sandbox (bwrap's and unshare's own argv hold its source too: skip them)."""
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            line = cmdline(pid)
            if line.startswith(sys.executable + " ") and MARKER in line:
                return pid
        return None

    def kill_all(self) -> None:
        kill_tree(self.proc.pid, signal.SIGKILL)

    # ------------------------------------------------------------- launch
    def start(self) -> None:
        c = self.cfg
        limits = Limits(
            memory_bytes=c["memory_bytes"],
            cpu_seconds=c.get("cpu_seconds"),
            max_procs=c["max_procs"],
            file_bytes=c["file_bytes"],
        )
        policy = Policy(
            workdir=Path(c["project"]),
            writable=tuple(Path(p) for p in c["writable"]),
            env_pass=tuple(c["env_pass"]),
            env_set=c.get("env_set", {}),
            limits=limits,
            network=c.get("network", False),
            hidden=tuple(Path(p) for p in c["hidden"]),
        )
        read_end, write_end = os.pipe()
        launch = prepare(c["command"], policy, status_fd=write_end, sandbox=c["sandbox"], mode=c.get("mode"))
        self.status_pipe = os.fdopen(read_end, "rb")
        stdout = open(self.run_dir / "stdout.log", "ab")
        stderr = open(self.run_dir / "stderr.log", "ab")
        if launch.warning:
            stderr.write(f"[mlintern] {launch.warning}\n".encode())
            stderr.flush()
        self.proc = subprocess.Popen(
            launch.argv,
            env=launch.env,
            cwd=launch.cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(write_end,),
            preexec_fn=launch.apply_limits,
            start_new_session=True,
        )
        os.close(write_end)
        stdout.close()
        stderr.close()
        self.started = time.time()
        self.ws.update_run(
            self.run_id,
            status="running",
            pid=self.proc.pid,
            pgid=self.proc.pid,
            started=self.started,
            meta={
                "supervisor_pid": os.getpid(),
                "sandbox_mode": launch.mode,
                "sandbox_warning": launch.warning,
            },
        )
        self.tb = M.TensorBoardMirror(self.run_dir / "tensorboard") if c.get("tensorboard", True) else None

    # -------------------------------------------------------------- watch
    def watch(self) -> int:
        """Enforce the limits from a guard thread that never reads a file the sandbox wrote, while this
        thread mirrors progress (reads of run files are bounded and never block, but the limits must not
        depend on that)."""
        done = threading.Event()
        guard = threading.Thread(target=self._guard, args=(done,), name="mlintern-guard", daemon=True)
        guard.start()
        next_metrics = 0.0
        try:
            while self.proc.poll() is None:
                if time.time() >= next_metrics:
                    self._refresh_safely()
                    next_metrics = time.time() + METRICS_EVERY_S
                time.sleep(POLL_S)
        finally:
            done.set()
            guard.join(timeout=5)
        return self.proc.returncode

    def _guard(self, done: threading.Event) -> None:
        wall = self.cfg.get("wall_seconds")
        max_procs = self.cfg["max_procs"]
        disk = DiskGuard([self.out_dir, Path(self.cfg["project"])])
        while not done.is_set() and self.proc.poll() is None:
            now = time.time()
            full = disk.check() if self.stop_reason is None else None
            if full:
                self.request_stop(full, "failed")
            if self.signalled and self.stop_reason is None:
                self._handle_signal()
            if self.stop_reason is None and wall and now - self.started > wall:
                self.request_stop(
                    f"time budget of {wall / 60:g} min reached; stopped (resume with resume=true)", "failed"
                )
            if self.stop_reason is not None and now > self.stop_deadline:
                self.kill_all()
            if max_procs and len(descendants(self.proc.pid)) > max_procs + 4:
                with self.lock:
                    if self.stop_reason is None:
                        self.stop_reason = (
                            f"process limit exceeded (more than {max_procs} processes; fork "
                            "bomb?); the whole sandbox was killed"
                        )
                    self.stop_deadline = 0.0  # no grace for a fork bomb
                self.kill_all()
            done.wait(POLL_S)

    def _refresh_safely(self) -> None:
        """Progress is best effort: a hostile metrics file must not end the supervision."""
        try:
            self.refresh()
        except Exception as err:  # noqa: BLE001 - logged once, the run goes on
            if self.refresh_error is None:
                self.refresh_error = f"{type(err).__name__}: {err}"
                print(
                    f"[mlintern] progress mirroring failed: {self.refresh_error}", file=sys.stderr, flush=True
                )

    def refresh(self, final: bool = False) -> None:
        self.metrics.read()
        rows, new = self.metrics.rows, self.metrics.new
        if self.total is None:  # printed once; read incrementally until found
            self.total = self.total_scan.read()
        total = self.total or self.cfg.get("max_steps")
        self.evaluation.update(M.last_evaluations(M.split_rows(new)[1]))  # the latest record per split, kept
        if self.metrics.count != self.metrics_seen or final:
            train, _ = M.split_rows(rows)
            last = train[-1] if train else {}
            self.ws.update_run(
                self.run_id,
                meta={
                    "step": last.get("step"),
                    "total_steps": total,
                    "last_metrics": last,
                    "eta_seconds": M.eta_seconds(train, total),
                    "evaluation": dict(self.evaluation),
                },
            )
            if self.tb is not None:
                self.tb.update(new)
            if rows and (final or time.time() - self.last_plot > PLOT_EVERY_S):
                M.plot_loss(rows, self.run_dir / "loss.png", f"{self.run_id} ({self.run['mode']})")
                self.last_plot = time.time()
            self.metrics_seen = self.metrics.count

    # ------------------------------------------------------------- finish
    def finish(self, returncode: int) -> None:
        report = self._read_report()
        if self.reason_from_record:
            asked = (self.ws.get_run(self.run_id) or {}).get("meta", {}).get("stop_reason")
            self.stop_reason = asked or self.stop_reason
        status, reason = self.verdict(returncode, report)
        reason = files.printable(reason) if reason else reason  # stderr lines, daemons' command lines
        self._refresh_safely()
        if self.tb is not None:
            self.tb.close()
        self.ws.update_run(
            self.run_id,
            status=status,
            reason=reason,
            ended=time.time(),
            exit_code=(report or {}).get("returncode", returncode),
        )
        self.ws.log_event("run_ended", {"run_id": self.run_id, "status": status, "reason": reason})

    def _read_report(self) -> dict | None:
        """The reaper's one JSON line from the status pipe: at most 64 KiB, waiting at most 5 s for the
        pipe to close (a process that kept a copy of it open cannot hold the supervisor)."""
        fd = self.status_pipe.fileno()
        os.set_blocking(fd, False)
        data, deadline = b"", time.time() + 5
        while len(data) < 65536 and time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            data += chunk
        for line in reversed(data.decode(errors="replace").splitlines()):
            try:
                report = json.loads(line)
            except ValueError:
                continue
            if isinstance(report, dict) and isinstance(report.get("returncode"), int):
                return report
        return None

    def verdict(self, returncode: int, report: dict | None) -> tuple[str, str | None]:
        if self.stop_reason is not None:
            return self.stop_status, self.stop_reason
        if report is None:
            how = (
                f"signal {signal.Signals(-returncode).name}" if returncode < 0 else f"exit code {returncode}"
            )
            return "failed", (
                f"the sandbox ended abnormally ({how}) without the command's exit report: its "
                "supervising process was killed, by the training code or from outside"
            )
        if report.get("setup_error"):
            return "failed", f"the sandbox could not be set up: {report['setup_error']}"
        code, sig = report["returncode"], report.get("signal")
        if report.get("leftovers"):
            left = "; ".join(str(x)[:200] for x in report["leftovers"][:3])
            tail = _last_error_line(self.run_dir / "stderr.log")
            if "Resource temporarily unavailable" in tail:  # fork() refused by RLIMIT_NPROC
                return "failed", (
                    f"process limit reached (at most {self.cfg['max_procs']} processes; fork bomb?): "
                    f"{tail}; {len(report['leftovers'])} leftover process(es) killed by the sandbox"
                )
            return "failed", (
                f"left {len(report['leftovers'])} background process(es) behind after exiting "
                f"(killed by the sandbox): {left}"
            )
        if code == 0:
            return "succeeded", None
        if sig:
            name = signal.Signals(sig).name
            what = {
                "SIGKILL": "killed (SIGKILL)",
                "SIGXCPU": "CPU-time limit reached",
                "SIGXFSZ": "file-size limit reached",
                "SIGSEGV": "crashed (segmentation fault)",
            }
            return "failed", f"training process {what.get(name, 'killed by ' + name)}"
        tail = _last_error_line(self.run_dir / "stderr.log")
        if any(sign in tail for sign in MEMORY_SIGNS) or _stderr_has(
            self.run_dir / "stderr.log", MEMORY_SIGNS
        ):
            gib = self.cfg["memory_bytes"] / 1024**3 if self.cfg["memory_bytes"] else None
            return "failed", f"memory limit reached ({gib:.1f} GiB address space): {tail}" if gib else tail
        return "failed", f"exit code {code}: {tail}" if tail else f"exit code {code}"


def _stderr_has(path: Path, signs: tuple[str, ...]) -> bool:
    text = files.try_read_text(path, limit=20000, tail=True) or ""
    return any(s in text for s in signs)


def _last_error_line(path: Path) -> str:
    """The last non-empty stderr line that is not mlintern's own warning (usually the exception)."""
    lines = (files.try_read_text(path, limit=20000, tail=True) or "").splitlines()
    for line in reversed(lines):
        if line.strip() and not line.startswith("[mlintern]"):
            return line.strip()[:300]
    return ""


def detach(argv: list[str]) -> None:
    """Fork, print the child's pid and exit: the supervisor is re-parented to init, so it is never
    left a zombie of the server that started it, and it outlives that server."""
    pid = os.fork()
    if pid:
        print(pid, flush=True)
        os._exit(0)
    os.setsid()
    log = os.open(
        Path(argv[0]) / ".mlintern" / "runs" / argv[1] / "supervisor.log",
        os.O_WRONLY | os.O_CREAT | os.O_APPEND,
        0o644,
    )
    for fd in (1, 2):
        os.dup2(log, fd)
    os.close(log)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--detach":
        argv = argv[1:]
        detach(argv)
    sup = Supervisor(argv[0], argv[1])
    signal.signal(signal.SIGTERM, sup._on_signal)
    signal.signal(signal.SIGINT, sup._on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        sup.start()
        sup.finish(sup.watch())
    except BaseException as err:  # the run must never stay "running" with nobody watching it
        sup.ws.update_run(
            sup.run_id,
            status="failed",
            ended=time.time(),
            reason=f"mlintern's supervisor failed: {type(err).__name__}: {err}",
        )
        if getattr(sup, "proc", None) is not None:
            sup.kill_all()
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
