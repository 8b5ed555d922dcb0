"""SLURM overhead: submit-to-first-step through the scheduler against a local launch of the same project.

    python bench/slurm_overhead.py [--repeats 3] [--sandbox | --no-sandbox]

Both go through the real run-training path on the test project (tests/test_data/training/tiny), in
the same run, alternating (local, slurm, local, slurm, ...) so machine load affects both alike: the
time from the run-training call to the first metrics line on disk. The SLURM side is the one-node
cluster of tests/slurm/start.sh (started here when SLURM is installed but not running and we are
root). Exits 0 with a message where SLURM is absent, so ``make bench`` runs everywhere.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.training import slurm
from mlintern.tools.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "test_data" / "training" / "tiny"


def cluster_up() -> str | None:
    """``None`` when a cluster answers, else why not."""
    if not slurm.available():
        return "SLURM is not installed here (apt-get install -y slurmctld slurmd slurm-client munge)"
    if subprocess.run(["sinfo", "-h"], capture_output=True, timeout=20).returncode != 0:
        done = subprocess.run(
            ["bash", str(REPO / "tests" / "slurm" / "start.sh")], capture_output=True, text=True
        )
        if done.returncode != 0:
            return f"no SLURM cluster answers and tests/slurm/start.sh failed: {done.stderr.strip()[-300:]}"
    return None


def first_step_seconds(ws: Workspace, launcher: str, sandbox: bool) -> float:
    """Seconds from the run-training call to the first metrics line; then waits for the run to succeed."""
    args = {"project": "proj", "max_steps": 3, "sandbox": sandbox, "launcher": launcher}
    if launcher == "slurm":
        args["yes"] = True
    started = time.perf_counter()
    run = registry.call("run-training", args, ToolContext(ws))
    metrics = Path(run["out_dir"]) / "metrics.jsonl"
    while not metrics.exists() or not metrics.read_text().strip():
        if time.perf_counter() - started > 300:
            raise SystemExit(f"no step after 300 s: {ws.require_run(run['run_id'])}")
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    while True:
        row = registry.call("training-status", {"run_id": run["run_id"]}, ToolContext(ws))
        if row["state"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    if row["state"] != "succeeded":
        raise SystemExit(f"{launcher} run {row['state']}: {row['summary']}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sandbox", action=argparse.BooleanOptionalAction, default=True)
    opts = parser.parse_args()
    why = cluster_up()
    if why:
        print(f"skipped: {why}")
        return
    times: dict[str, list[float]] = {"local": [], "slurm": []}
    with tempfile.TemporaryDirectory(prefix="mlintern-slurm-bench-") as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        shutil.copytree(TINY, root / "proj")
        ws = Workspace(root)
        for i in range(opts.repeats):
            for launcher in ("local", "slurm"):
                seconds = first_step_seconds(ws, launcher, opts.sandbox)
                times[launcher].append(seconds)
                print(f"  repeat {i + 1}: {launcher:<5} {seconds:6.2f} s to the first step", flush=True)
    local, remote = statistics.median(times["local"]), statistics.median(times["slurm"])
    print(f"submit-to-first-step, median of {opts.repeats} (sandbox {'on' if opts.sandbox else 'off'}):")
    print(f"  local launch: {local:.2f} s  (runs {', '.join(f'{x:.2f}' for x in times['local'])})")
    print(f"  SLURM job:    {remote:.2f} s  (runs {', '.join(f'{x:.2f}' for x in times['slurm'])})")
    print(f"  SLURM overhead: {remote - local:+.2f} s ({remote / local:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
