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

from mlintern.sandbox import files
from mlintern.sandbox.detect import available_mode
from mlintern.sandbox.env import scrubbed_env
from mlintern.sandbox.launch import refuse_root_without_namespaces
from mlintern.sandbox.policy import GiB, Limits
from mlintern.sandbox.proctree import alive, cmdline, kill_tree
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.training import launchers, slurm
from mlintern.tools.training.project import check_project
from mlintern.tools.workspace import LOSS_PLOT, RUN_OUT_DIR, STDERR_LOG, STDOUT_LOG, Workspace, new_id

TERMINAL = ("succeeded", "failed", "cancelled", "lost")
LIVE = ("queued", "running")
GRACE_SECONDS = 10
START_RACE_SECONDS = 30  # a queued run younger than this may not have its supervisor pid yet


# --------------------------------------------------------------------------- run-training
def run_training(
    ctx,
    *,
    project: str,
    pilot: bool = False,
    launcher: str = "local",
    nproc_per_node: int = 1,
    max_minutes: float | None = None,
    max_steps: int | None = None,
    ckpt_every: int | None = None,
    sandbox: bool = True,
    resume: bool = False,
    wait: bool = False,
    env: list[str] | None = None,
    max_memory_gb: float | None = None,
    max_procs: int = 256,
    yes: bool = False,
    **rendezvous,
) -> dict:
    ws: Workspace = ctx.workspace
    folder = ws.path(project, must_exist=True, write=True)
    script = check_project(folder)
    reconcile(ws)
    if any(r["status"] in LIVE for r in ws.runs(project=str(folder))):
        live = next(r for r in ws.runs(project=str(folder)) if r["status"] in LIVE)
        raise ToolError(
            f"Run {live['id']} of this project is still {live['status']}.",
            hint=f"Wait for it, or stop it with `mlintern stop-training {live['id']}`.",
            code="busy",
        )
    scrubbed_env(passthrough=tuple(env or ()))  # unknown or malformed names fail now, not in the supervisor
    multi_node = int(rendezvous.get("nnodes") or 1) > 1
    if sandbox and launcher != "slurm":
        refuse_root_without_namespaces(available_mode())  # before anything is written
    approvals = []  # the switches that weaken the sandbox, each approved by the person (or --yes)
    if not sandbox and launcher != "slurm":
        approvals.append(
            _approve(
                ctx,
                "run the training code without the sandbox",
                f"{folder.name}: sandbox=false gives the generated code your files, network and processes",
            )
        )
    if multi_node and launcher != "slurm":
        approvals.append(
            _approve(
                ctx,
                "give the training code network access",
                f"{folder.name}: nnodes={rendezvous.get('nnodes')} needs the network for the "
                "rendezvous, so the sandbox's network is turned on",
            )
        )
    # NAME=value entries reach the supervisor through its environment: values never touch the disk.
    given = dict(item.split("=", 1) for item in env or () if "=" in item)
    env_names = [item.partition("=")[0] for item in env or ()]
    previous = _resumable(ws, folder) if resume else None
    run_id = new_id("run-")
    run_dir = ws.run_dir(run_id, create=True)
    out_dir = Path(previous["meta"]["out_dir"]) if previous else run_dir / RUN_OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    args = launchers.train_args(
        out_dir=out_dir, pilot=pilot, max_steps=max_steps, resume=resume, ckpt_every=ckpt_every
    )
    mode = "pilot" if pilot else "full"
    meta = {
        "out_dir": str(out_dir),
        "max_minutes": max_minutes,
        "max_steps": max_steps,
        "resumed_from": previous["id"] if previous else None,
        "sandbox": sandbox,
        "network": multi_node and launcher != "slurm",
        "approvals": approvals,
    }
    if launcher == "slurm":  # tools/training/slurm.py: submit, follow, cancel, re-attach
        out = slurm.submit(
            ctx,
            ws,
            folder=folder,
            script=script,
            args=args,
            run_id=run_id,
            run_dir=run_dir,
            mode=mode,
            meta=meta,
            max_minutes=max_minutes,
            nproc_per_node=nproc_per_node,
            nnodes=int(rendezvous.get("nnodes") or 1),
            tasks_per_node=int(rendezvous.get("tasks_per_node") or 1),
            sandbox=sandbox,
            env=env,
            yes=yes,
            max_memory_gb=max_memory_gb,
            max_procs=max_procs,
        )
        if wait and out.get("run_id"):
            out = {**describe(ws, _wait(ctx, ws, out["run_id"])), "sbatch_script": out["sbatch_script"]}
        return out
    if launcher == "torchrun":
        command = launchers.torchrun_command(
            script, args, nproc_per_node=nproc_per_node, rendezvous=rendezvous
        )
    else:
        command = launchers.local_command(script, args)
    limits = Limits()
    launch = {
        "project": str(folder),
        "command": command,
        "out_dir": str(out_dir),
        "sandbox": sandbox,
        "writable": [str(folder), str(out_dir)],
        "hidden": [str(ws.root), str(ws.state_dir)],
        "env_pass": env_names,
        "memory_bytes": int(max_memory_gb * GiB) if max_memory_gb else limits.memory_bytes,
        "max_procs": max_procs,
        "file_bytes": limits.file_bytes,
        "network": multi_node,
        "wall_seconds": max_minutes * 60 if max_minutes else None,
        "max_steps": max_steps,
        # RLIMIT_CPU backstop: every core busy for the whole budget, plus a minute
        "cpu_seconds": int(max_minutes * 60 * (os.cpu_count() or 1)) + 60 if max_minutes else None,
        "grace_seconds": GRACE_SECONDS,
    }
    (run_dir / "launch.json").write_text(json.dumps(launch, indent=1))
    run = ws.create_run(
        project=str(folder),
        command=command,
        launcher=launcher,
        mode=mode,
        run_dir=str(run_dir),
        meta=meta,
        run_id=run_id,
    )
    started = subprocess.run(
        [sys.executable, "-m", "mlintern.tools.training.supervisor", "--detach", str(ws.root), run_id],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=str(ws.root),
        timeout=60,
        env={**os.environ, **given},
    )
    if started.returncode != 0 or not started.stdout.strip().isdigit():
        ws.update_run(run_id, status="failed", ended=time.time(), reason="the supervisor did not start")
        raise RuntimeError(f"supervisor did not start: {started.stderr.strip()}")
    run = ws.update_run(run_id, meta={"supervisor_pid": int(started.stdout)})
    ws.log_event("run_started", {"run_id": run_id, "project": str(folder), "face": ctx.face})
    if wait:
        run = _wait(ctx, ws, run_id)
    return describe(ws, run, summary_prefix="started" if not wait else None)


def _approve(ctx, action: str, detail: str) -> dict:
    """Ask the person behind the face (MCP elicitation; the CLI's --yes pre-approves); refuse when nobody
    can be asked or they decline. Returns the decision for the run record."""
    ask = getattr(ctx, "ask_approval", None)
    if ask is None:
        raise ToolError(
            f"Refusing to {action} without approval ({detail}); nobody could be asked.",
            hint="Approve it when your client asks (MCP elicitation), or pass --yes on the command "
            "line (`mlintern run-training --yes ...`) if you trust this code.",
            code="approval_required",
        )
    if not ask(f"Approve: {action}? {detail}."):
        raise ToolError(
            f"Not approved: {action}; nothing was started.",
            hint="Run it with the sandbox and without nnodes > 1, or approve when asked.",
            code="declined",
        )
    return {"action": action, "detail": detail, "approved": True, "how": f"asked over {ctx.face}"}


def _resumable(ws: Workspace, folder: Path) -> dict:
    for run in ws.runs(project=str(folder)):
        if run["meta"].get("out_dir") and Path(run["meta"]["out_dir"]).is_dir():
            return run
    raise ToolError(
        f"No earlier run of {folder} to resume.", hint="Start it without resume first.", code="not_found"
    )


def _wait(ctx, ws: Workspace, run_id: str) -> dict:
    """Report progress until the run ends; a cancelled caller stops the run (then re-raises)."""
    while True:
        run = ws.require_run(run_id)
        _progress(ctx, run["meta"])  # at the end too: a short run may finish between two polls
        if run["status"] in TERMINAL:
            return run
        try:
            ctx.sleep(0.5)
        except Cancelled:
            stop_run(ws, run_id, reason="cancelled by the caller")
            raise
        reconcile(ws, [run])


def _progress(ctx, meta: dict) -> None:
    step, total = meta.get("step"), meta.get("total_steps")
    if step is not None:
        loss = (meta.get("last_metrics") or {}).get("loss")
        shown = f" loss {loss:.4g}" if isinstance(loss, int | float) else ""  # the run wrote it: any type
        ctx.progress(step, total, f"step {step}/{total or '?'}{shown}")


# ----------------------------------------------------------------------------- reconcile
def _supervisor_alive(run: dict) -> bool:
    pid = run["meta"].get("supervisor_pid")
    return bool(pid) and alive(pid) and run["id"] in cmdline(pid)


def reconcile(ws: Workspace, runs: list[dict] | None = None) -> None:
    """Mark live-looking runs whose supervisor is gone as ``lost`` (resumable). Servers call this at start."""
    for run in runs if runs is not None else ws.runs(status=None, limit=1000):
        if run["status"] in LIVE and run["launcher"] == "slurm":
            slurm.reconcile(ws, run)
        if run["status"] not in LIVE or run["launcher"] == "slurm":
            continue
        if not run["meta"].get("supervisor_pid") and time.time() - run["created"] < START_RACE_SECONDS:
            continue
        if not _supervisor_alive(run):
            fresh = ws.get_run(run["id"])
            if fresh and fresh["status"] in LIVE:  # it may have finished meanwhile
                ws.update_run(
                    run["id"],
                    status="lost",
                    ended=time.time(),
                    reason="its supervisor process is gone (killed, or the machine restarted); "
                    "resume from the last checkpoint with resume=true",
                )


# ------------------------------------------------------------------------- stop-training
def stop_run(ws: Workspace, run_id: str, *, reason: str, wait_s: float = GRACE_SECONDS + 10) -> dict:
    run = ws.require_run(run_id)
    if run["status"] in TERMINAL:
        return run
    if run["launcher"] == "slurm":
        return slurm.cancel(ws, run, reason=reason)
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
            raise ToolError(
                "No runs in this workspace yet.", hint="Start one with run-training.", code="not_found"
            )
        return runs[0]
    return ws.require_run(run_id)


def training_status(ctx, *, run_id: str | None = None, log_lines: int = 20) -> dict:
    ws: Workspace = ctx.workspace
    reconcile(ws)
    if run_id is None:
        runs = ws.runs(limit=50)
        rows = [
            {
                "run_id": r["id"],
                "state": r["status"],
                "project": r["project"],
                "mode": r["mode"],
                "launcher": r["launcher"],
                "step": r["meta"].get("step"),
                "total_steps": r["meta"].get("total_steps"),
                "created": r["created"],
            }
            for r in runs
        ]
        lines = [
            f"{r['run_id']}  {r['state']:<9}  {r['mode']:<5}  step {r['step'] or 0}/{r['total_steps'] or '?'}"
            f"  {Path(r['project']).name}"
            for r in rows
        ]
        return {"runs": rows, "summary": "\n".join(lines) or "No runs yet."}
    return describe(ws, _pick(ws, run_id), log_lines=log_lines)


def _tail(path: Path, n: int) -> list[str]:
    """The last ``n`` lines of a log (its last 64 kB; never the whole file, never through a link)."""
    data = files.try_read_text(path, limit=64_000, tail=True) or ""
    return [files.printable(line[:2000]) for line in data.splitlines()[-n:]] if n else []


def describe(ws: Workspace, run: dict, *, log_lines: int = 20, summary_prefix: str | None = None) -> dict:
    """One run as every face shows it."""
    meta, run_dir = run["meta"], Path(run["run_dir"])
    png = run_dir / LOSS_PLOT
    tail = _tail(run_dir / STDOUT_LOG, log_lines) + [
        f"[stderr] {x}" for x in _tail(run_dir / STDERR_LOG, max(3, log_lines // 4))
    ]
    out = {
        "run_id": run["id"],
        "state": run["status"],
        "project": run["project"],
        "mode": run["mode"],
        "launcher": run["launcher"],
        "sandbox_mode": meta.get("sandbox_mode"),
        "step": meta.get("step"),
        "total_steps": meta.get("total_steps"),
        "last_metrics": meta.get("last_metrics") or {},
        "eta_seconds": meta.get("eta_seconds") if run["status"] in LIVE else None,
        "reason": files.printable(run["reason"]) if run["reason"] else run["reason"],
        "exit_code": run["exit_code"],
        "started": run["started"],
        "ended": run["ended"],
        "run_dir": str(run_dir),
        "out_dir": meta.get("out_dir"),
        "loss_plot": str(png) if png.exists() else None,
        "log_tail": tail,
        "warning": meta.get("sandbox_warning"),
        "evaluation": meta.get("evaluation") or {},
        "network": bool(meta.get("network")),
        "approvals": meta.get("approvals") or [],
    }
    step = (
        f"step {out['step']}/{out['total_steps'] or '?'}" if out["step"] is not None else "no step logged yet"
    )
    loss = out["last_metrics"].get("loss")
    head = f"{run['id']}: {run['status']}" + (f" ({summary_prefix})" if summary_prefix else "")
    lines = [head, f"{step}" + (f", loss {loss:.4g}" if isinstance(loss, int | float) else "")]
    for split, row in sorted(out["evaluation"].items(), reverse=True):  # "val" before "test"
        shown = ", ".join(
            f"{k} {v:.4g}"
            for k, v in row.items()
            if k not in ("split", "step", "examples", "time") and isinstance(v, int | float)
        )
        lines.append(f"{split} @ step {row.get('step')}: {shown}")
    if out["eta_seconds"]:
        lines.append(f"about {out['eta_seconds'] / 60:.1f} min left")
    if out["reason"]:
        lines.append(f"reason: {out['reason']}")
    if run["launcher"] == "slurm" and meta.get("slurm"):
        out["slurm"] = meta["slurm"]
        out["isolation"] = meta.get("isolation")
        lines.append(slurm.summary_line(meta["slurm"]))
        out["log_tail"] += [f"[slurm] {x}" for x in slurm.scheduler_log(run_dir, meta["slurm"], 3)]
    if out["warning"]:
        lines.append(out["warning"])
    for approval in out["approvals"]:
        lines.append(f"approved: {approval['action']} ({approval['how']})")
    if out["loss_plot"]:
        lines.append(f"loss curve: {out['loss_plot']}")
    out["summary"] = "\n".join(lines)
    return out
