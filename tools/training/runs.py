"""run-training, training-status, stop-training: start, watch and stop supervised runs.

Layout: ``.mlintern/runs/<run_id>/`` holds ``launch.json`` (what was asked),
``stdout.log``, ``stderr.log``, ``supervisor.log``, ``loss.png``; the train
script's ``--out-dir`` is ``<run_dir>/out`` (``metrics.jsonl``, checkpoints),
shared with the runs that resume it. The ``runs`` table is the registry every
face reads, so a run started over MCP shows up over LSP and in the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlintern.sandbox.env import scrubbed_env
from mlintern.sandbox.policy import GiB, Limits
from mlintern.sandbox.proctree import alive, cmdline, kill_tree
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.training import launchers
from mlintern.tools.training.project import check_project
from mlintern.tools.workspace import Workspace, new_id

TERMINAL = ("succeeded", "failed", "cancelled", "lost")
LIVE = ("queued", "running")
GRACE_SECONDS = 10
START_RACE_SECONDS = 30  # a queued run younger than this may not have its supervisor pid yet


# --------------------------------------------------------------------------- run-training
def run_training(ctx, *, project: str, pilot: bool = False, launcher: str = "local", nproc_per_node: int = 1,
                 max_minutes: float | None = None, max_steps: int | None = None, ckpt_every: int | None = None,
                 sandbox: bool = True, resume: bool = False, wait: bool = False, env: list[str] | None = None,
                 max_memory_gb: float | None = None, max_procs: int = 256, **rendezvous) -> dict:
    ws: Workspace = ctx.workspace
    folder = ws.path(project, must_exist=True, write=True)
    script = check_project(folder)
    reconcile(ws)
    if any(r["status"] in LIVE for r in ws.runs(project=str(folder))):
        live = next(r for r in ws.runs(project=str(folder)) if r["status"] in LIVE)
        raise ToolError(f"Run {live['id']} of this project is still {live['status']}.",
                        hint=f"Wait for it, or stop it with `mlintern stop-training {live['id']}`.", code="busy")
    scrubbed_env(passthrough=tuple(env or ()))  # unknown or malformed names fail now, not in the supervisor
    # NAME=value entries reach the supervisor through its environment: values never touch the disk.
    given = dict(item.split("=", 1) for item in env or () if "=" in item)
    env_names = [item.partition("=")[0] for item in env or ()]
    previous = _resumable(ws, folder) if resume else None
    run_id = new_id("run-")
    run_dir = ws.subdir("runs", run_id)
    out_dir = Path(previous["meta"]["out_dir"]) if previous else run_dir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    args = launchers.train_args(out_dir=out_dir, pilot=pilot, max_steps=max_steps, resume=resume,
                                ckpt_every=ckpt_every)
    mode = "pilot" if pilot else "full"
    meta = {"out_dir": str(out_dir), "max_minutes": max_minutes, "max_steps": max_steps,
            "resumed_from": previous["id"] if previous else None, "sandbox": sandbox}
    if launcher == "slurm":
        return _slurm(ws, folder, script, args, run_id, run_dir, mode, meta, max_minutes, nproc_per_node,
                      int(rendezvous.get("nnodes") or 1))
    if launcher == "torchrun":
        command = launchers.torchrun_command(script, args, nproc_per_node=nproc_per_node, rendezvous=rendezvous)
    else:
        command = launchers.local_command(script, args)
    multi_node = int(rendezvous.get("nnodes") or 1) > 1
    limits = Limits()
    launch = {
        "project": str(folder), "command": command, "out_dir": str(out_dir), "sandbox": sandbox,
        "writable": [str(folder), str(out_dir)], "hidden": [str(ws.root), str(ws.state_dir)], "env_pass": env_names,
        "memory_bytes": int(max_memory_gb * GiB) if max_memory_gb else limits.memory_bytes,
        "max_procs": max_procs, "file_bytes": limits.file_bytes, "network": multi_node,
        "wall_seconds": max_minutes * 60 if max_minutes else None, "max_steps": max_steps,
        # RLIMIT_CPU backstop: every core busy for the whole budget, plus a minute
        "cpu_seconds": int(max_minutes * 60 * (os.cpu_count() or 1)) + 60 if max_minutes else None,
        "grace_seconds": GRACE_SECONDS,
    }
    (run_dir / "launch.json").write_text(json.dumps(launch, indent=1))
    run = ws.create_run(project=str(folder), command=command, launcher=launcher, mode=mode, run_dir=str(run_dir),
                        meta=meta, run_id=run_id)
    started = subprocess.run([sys.executable, "-m", "mlintern.tools.training.supervisor", "--detach",
                              str(ws.root), run_id], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             cwd=str(ws.root), timeout=60, env={**os.environ, **given})
    if started.returncode != 0 or not started.stdout.strip().isdigit():
        ws.update_run(run_id, status="failed", ended=time.time(), reason="the supervisor did not start")
        raise RuntimeError(f"supervisor did not start: {started.stderr.strip()}")
    run = ws.update_run(run_id, meta={"supervisor_pid": int(started.stdout)})
    ws.log_event("run_started", {"run_id": run_id, "project": str(folder), "face": ctx.face})
    if wait:
        run = _wait(ctx, ws, run_id)
    return describe(ws, run, summary_prefix="started" if not wait else None)


def _resumable(ws: Workspace, folder: Path) -> dict:
    for run in ws.runs(project=str(folder)):
        if run["meta"].get("out_dir") and Path(run["meta"]["out_dir"]).is_dir():
            return run
    raise ToolError(f"No earlier run of {folder} to resume.", hint="Start it without resume first.",
                    code="not_found")


def _slurm(ws, folder, script, args, run_id, run_dir, mode, meta, max_minutes, nproc, nnodes) -> dict:
    path = folder / "mlintern_job.sbatch"
    path.write_text(launchers.sbatch_script(project=folder, script=script, args=args, run_dir=run_dir,
                                            job_name=f"mlintern-{folder.name}", max_minutes=max_minutes,
                                            nproc_per_node=nproc, nnodes=nnodes))
    job = launchers.submit_sbatch(path)
    if job is None:
        return {"run_id": None, "state": "not_submitted", "sbatch_script": str(path), "project": str(folder),
                "summary": f"sbatch is not installed here; nothing was submitted. Wrote {path}.\n"
                           f"On the cluster's login node run: sbatch {path}"}
    run = ws.create_run(project=str(folder), command=["sbatch", str(path)], launcher="slurm", mode=mode,
                        run_dir=str(run_dir), meta={**meta, "slurm_job_id": job}, run_id=run_id)
    out = describe(ws, run, summary_prefix=f"submitted SLURM job {job}")
    out["sbatch_script"] = str(path)
    return out


def _wait(ctx, ws: Workspace, run_id: str) -> dict:
    """Report progress until the run ends; a cancelled caller stops the run (then re-raises)."""
    while True:
        run = ws.require_run(run_id)
        if run["status"] in TERMINAL:
            return run
        meta = run["meta"]
        step, total = meta.get("step"), meta.get("total_steps")
        if step is not None:
            loss = (meta.get("last_metrics") or {}).get("loss")
            ctx.progress(step, total, f"step {step}/{total or '?'}" + (f" loss {loss:.4g}" if loss is not None else ""))
        try:
            ctx.sleep(0.5)
        except Cancelled:
            stop_run(ws, run_id, reason="cancelled by the caller")
            raise
        reconcile(ws, [run])


# ----------------------------------------------------------------------------- reconcile
def _supervisor_alive(run: dict) -> bool:
    pid = run["meta"].get("supervisor_pid")
    return bool(pid) and alive(pid) and run["id"] in cmdline(pid)


def reconcile(ws: Workspace, runs: list[dict] | None = None) -> None:
    """Mark live-looking runs whose supervisor is gone as ``lost`` (resumable). Servers call this at start."""
    for run in runs if runs is not None else ws.runs(status=None, limit=1000):
        if run["status"] not in LIVE or run["launcher"] == "slurm":
            continue
        if not run["meta"].get("supervisor_pid") and time.time() - run["created"] < START_RACE_SECONDS:
            continue
        if not _supervisor_alive(run):
            fresh = ws.get_run(run["id"])
            if fresh and fresh["status"] in LIVE:  # it may have finished meanwhile
                ws.update_run(run["id"], status="lost", ended=time.time(),
                              reason="its supervisor process is gone (killed, or the machine restarted); "
                                     "resume from the last checkpoint with resume=true")


# ------------------------------------------------------------------------- stop-training
def stop_run(ws: Workspace, run_id: str, *, reason: str, wait_s: float = GRACE_SECONDS + 10) -> dict:
    run = ws.require_run(run_id)
    if run["status"] in TERMINAL:
        return run
    ws.update_run(run_id, meta={"stop_reason": reason})
    if _supervisor_alive(run):
        os.kill(run["meta"]["supervisor_pid"], signal.SIGTERM)
        deadline = time.time() + wait_s
        while time.time() < deadline:
            run = ws.require_run(run_id)
            if run["status"] in TERMINAL:
                return run
            time.sleep(0.1)
    if run.get("pid"):  # supervisor gone or stuck: take the tree down ourselves
        kill_tree(run["pid"])
    return ws.update_run(run_id, status="cancelled", ended=time.time(), reason=reason)


def stop_training(ctx, *, run_id: str = "latest") -> dict:
    ws: Workspace = ctx.workspace
    run = _pick(ws, run_id)
    if run["status"] in TERMINAL:
        return describe(ws, run, summary_prefix="already ended")
    run = stop_run(ws, run["id"], reason=f"stopped with stop-training (from {ctx.face})")
    return describe(ws, run)


# ----------------------------------------------------------------------- training-status
def _pick(ws: Workspace, run_id: str) -> dict:
    if run_id in ("", "latest"):
        runs = ws.runs(limit=1)
        if not runs:
            raise ToolError("No runs in this workspace yet.", hint="Start one with run-training.", code="not_found")
        return runs[0]
    return ws.require_run(run_id)


def training_status(ctx, *, run_id: str | None = None, log_lines: int = 20) -> dict:
    ws: Workspace = ctx.workspace
    reconcile(ws)
    if run_id is None:
        runs = ws.runs(limit=50)
        rows = [{"run_id": r["id"], "state": r["status"], "project": r["project"], "mode": r["mode"],
                 "launcher": r["launcher"], "step": r["meta"].get("step"),
                 "total_steps": r["meta"].get("total_steps"), "created": r["created"]} for r in runs]
        lines = [f"{r['run_id']}  {r['state']:<9}  {r['mode']:<5}  step {r['step'] or 0}/{r['total_steps'] or '?'}"
                 f"  {Path(r['project']).name}" for r in rows]
        return {"runs": rows, "summary": "\n".join(lines) or "No runs yet."}
    return describe(ws, _pick(ws, run_id), log_lines=log_lines)


def _tail(path: Path, n: int) -> list[str]:
    try:
        data = path.read_bytes()[-64_000:].decode(errors="replace")
    except OSError:
        return []
    return data.splitlines()[-n:] if n else []


def describe(ws: Workspace, run: dict, *, log_lines: int = 20, summary_prefix: str | None = None) -> dict:
    """One run as every face shows it."""
    meta, run_dir = run["meta"], Path(run["run_dir"])
    png = run_dir / "loss.png"
    tail = _tail(run_dir / "stdout.log", log_lines) + [f"[stderr] {x}" for x in _tail(run_dir / "stderr.log",
                                                                                       max(3, log_lines // 4))]
    out = {
        "run_id": run["id"], "state": run["status"], "project": run["project"], "mode": run["mode"],
        "launcher": run["launcher"], "sandbox_mode": meta.get("sandbox_mode"), "step": meta.get("step"),
        "total_steps": meta.get("total_steps"), "last_metrics": meta.get("last_metrics") or {},
        "eta_seconds": meta.get("eta_seconds") if run["status"] in LIVE else None,
        "reason": run["reason"], "exit_code": run["exit_code"], "started": run["started"], "ended": run["ended"],
        "run_dir": str(run_dir), "out_dir": meta.get("out_dir"), "loss_plot": str(png) if png.exists() else None,
        "log_tail": tail, "warning": meta.get("sandbox_warning"), "evaluation": meta.get("evaluation") or {},
    }
    step = f"step {out['step']}/{out['total_steps'] or '?'}" if out["step"] is not None else "no step logged yet"
    loss = out["last_metrics"].get("loss")
    head = f"{run['id']}: {run['status']}" + (f" ({summary_prefix})" if summary_prefix else "")
    lines = [head, f"{step}" + (f", loss {loss:.4g}" if isinstance(loss, int | float) else "")]
    for split, row in sorted(out["evaluation"].items(), reverse=True):  # "val" before "test"
        shown = ", ".join(f"{k} {v:.4g}" for k, v in row.items()
                          if k not in ("split", "step", "examples", "time") and isinstance(v, int | float))
        lines.append(f"{split} @ step {row.get('step')}: {shown}")
    if out["eta_seconds"]:
        lines.append(f"about {out['eta_seconds'] / 60:.1f} min left")
    if out["reason"]:
        lines.append(f"reason: {out['reason']}")
    if out["warning"]:
        lines.append(out["warning"])
    if out["loss_plot"]:
        lines.append(f"loss curve: {out['loss_plot']}")
    out["summary"] = "\n".join(lines)
    return out
