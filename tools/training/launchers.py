"""The command line for each launcher. No home-made scheduler: local, torchrun, SLURM.

The train script contract (CONTRIBUTING.md): ``train.py`` takes ``--pilot``,
``--max-steps N``, ``--out-dir DIR``, ``--resume`` and ``--ckpt-every N``.
"""

from __future__ import annotations

import math
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from mlintern.tools.errors import ToolError

RDZV_FLAGS = {  # run-training argument -> torchrun flag
    "nnodes": "--nnodes",
    "node_rank": "--node-rank",
    "rdzv_endpoint": "--rdzv-endpoint",
    "rdzv_backend": "--rdzv-backend",
    "rdzv_id": "--rdzv-id",
    "master_addr": "--master-addr",
    "master_port": "--master-port",
}


def train_args(
    *, out_dir: Path, pilot: bool, max_steps: int | None, resume: bool, ckpt_every: int | None
) -> list[str]:
    args = ["--out-dir", str(out_dir)]
    if pilot:
        args.append("--pilot")
    if max_steps:
        args += ["--max-steps", str(max_steps)]
    if resume:
        args.append("--resume")
    if ckpt_every:
        args += ["--ckpt-every", str(ckpt_every)]
    return args


def local_command(script: Path, args: list[str]) -> list[str]:
    return [sys.executable, "-u", str(script), *args]


def torchrun_command(script: Path, args: list[str], *, nproc_per_node: int, rendezvous: dict) -> list[str]:
    """``python -m torch.distributed.run``: the same torchrun, without relying on PATH shims."""
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={nproc_per_node}"]
    if not rendezvous.get("nnodes") or int(rendezvous["nnodes"]) == 1:
        cmd.append("--standalone")
    for key, flag in RDZV_FLAGS.items():
        value = rendezvous.get(key)
        if value not in (None, ""):
            text = str(value)
            if text.startswith("-"):
                raise ToolError(
                    f"Rendezvous value {key}={text!r} looks like an option.",
                    hint="Pass a host:port, a number or an id.",
                )
            cmd.append(f"{flag}={text}")
    return [*cmd, str(script), *args]


def sbatch_script(
    *,
    project: Path,
    script: Path,
    args: list[str],
    run_dir: Path,
    job_name: str,
    max_minutes: float | None,
    nproc_per_node: int,
    nnodes: int,
    tasks_per_node: int = 1,
    wrapper: list[str] | None = None,
    logs: tuple[str, str] | None = None,
) -> str:
    """A plain SLURM batch script: one ``srun`` task per node, torchrun inside with c10d rendezvous.

    The rendezvous comes from SLURM's environment: the first host of ``$SLURM_JOB_NODELIST`` is the
    endpoint, ``$SLURM_JOB_ID`` the rendezvous id and the port is derived from it (two jobs sharing a
    node do not collide). One process on one node skips torchrun (``python -u train.py``); one node
    with several processes uses ``--standalone``. ``wrapper`` (mlintern's in-job launcher, which puts the
    command in bwrap when the node has it) goes between ``srun`` and the command; ``logs`` are the
    tasks' stdout/stderr files (``srun --output/--error``; SLURM's own messages then go to
    ``<run_dir>/slurm-%j.log``); without them everything goes to ``<run_dir>/slurm-%j.out``. ``tasks_per_node`` > 1 starts several
    torchrun agents per node (each with ``nproc_per_node`` processes); the rendezvous counts every agent.
    Under the wrapper the rendezvous is static (node rank = ``$SLURM_PROCID``, set by the wrapper): c10d
    tells agents apart by host name and pid, and agents that share a node each in their own bwrap PID
    namespace have the same pid.
    """
    minutes = max(1, math.ceil(max_minutes)) if max_minutes else None  # none: the partition's default limit
    py = shlex.quote(sys.executable)
    agents = nnodes * tasks_per_node
    if agents > 1 and wrapper:  # static rendezvous: the wrapper adds --node-rank=$SLURM_PROCID per task
        command = (
            f"{py} -m torch.distributed.run --nnodes={agents} --nproc-per-node={nproc_per_node} "
            f'--rdzv-backend=static --master-addr="$head" --master-port="$port"'
        )
    elif agents > 1:
        command = (
            f"{py} -m torch.distributed.run --nnodes={agents} --nproc-per-node={nproc_per_node} "
            f'--rdzv-backend=c10d --rdzv-id="$SLURM_JOB_ID" --rdzv-endpoint="$head:$port"'
        )
    elif nproc_per_node > 1:
        command = f"{py} -m torch.distributed.run --standalone --nproc-per-node={nproc_per_node}"
    else:
        command = f"{py} -u"
    out = err = "slurm-%j.out" if str(run_dir) == "." else f"{run_dir}/slurm-%j.out"
    step_io = ""
    if (
        logs
    ):  # the tasks' output to the run's logs; SLURM's own messages (srun: error: ...) to slurm-<job>.log
        out = err = f"{run_dir}/slurm-%j.log"
        step_io = f"--open-mode=append --output={shlex.quote(logs[0])} --error={shlex.quote(logs[1])} "
    prefix = " ".join(shlex.quote(a) for a in wrapper) + " -- " if wrapper else ""
    return "\n".join(
        [
            "#!/bin/bash",
            f"# Written by mlintern run-training for {project.name}. Submit with: sbatch {script.parent.name}/mlintern_job.sbatch",
            f"#SBATCH --job-name={job_name}",
            f"#SBATCH --nodes={nnodes}",
            f"#SBATCH --ntasks-per-node={tasks_per_node}",
            f"#SBATCH --cpus-per-task={nproc_per_node}",
            *([f"#SBATCH --time={minutes // 60:02d}:{minutes % 60:02d}:00"] if minutes else []),
            f"#SBATCH --output={out}",
            f"#SBATCH --error={err}",
            f"#SBATCH --chdir={project}",
            "set -euo pipefail",
            'head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
            "addr=$(scontrol show node \"$head\" -o 2>/dev/null | sed -n 's/.* NodeAddr=\\([^ ]*\\).*/\\1/p')",
            "head=${addr:-$head}  # the address SLURM reaches the first node at",
            "port=$((20000 + SLURM_JOB_ID % 20000))",
            'echo "[mlintern] SLURM job $SLURM_JOB_ID on $SLURM_JOB_NODELIST (rendezvous $head:$port)" >&2',
            f"srun --kill-on-bad-exit=1 {step_io}{prefix}{command} {shlex.quote(str(script))} "
            f"{' '.join(shlex.quote(a) for a in args)}",
            "",
        ]
    )


def submit_sbatch(path: Path, *, env: dict | None = None) -> str | None:
    """Submit with ``sbatch --parsable``; the job id, or ``None`` when SLURM is not installed here."""
    exe = shutil.which("sbatch")
    if exe is None:
        return None
    done = subprocess.run(
        [exe, "--parsable", "--", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise ToolError(
            f"sbatch refused the job: {done.stderr.strip() or done.stdout.strip()}",
            hint=f"Check the script {path} and your SLURM account/partition.",
        )
    job = done.stdout.strip().split(";")[0]
    if not job.isdigit():
        raise ToolError(f"sbatch answered {done.stdout.strip()!r}, not a job id.", hint=f"Check {path}.")
    return job
