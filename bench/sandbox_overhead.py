"""Sandbox overhead: time to the first logged step, and training throughput, with and without the sandbox.

    python bench/sandbox_overhead.py [--repeats 3] [--steps 300] [--width 1024]

Uses the real run-training path on the test project (tests/test_data/training/tiny), alternating sandboxed
and unsandboxed runs so machine load affects both alike. Prints medians. Targets: the sandbox adds
< 0.3 s before the first step; throughput ratio (inside / outside) >= 0.98.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlintern.sandbox import Policy, prepare
from mlintern.sandbox.detect import mode_works
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

TINY = Path(__file__).resolve().parents[1] / "tests" / "test_data" / "training" / "tiny"


def launch_seconds(folder: Path, mode: str | None) -> float:
    """Spawn ``python -c pass`` through the sandbox launch path and wait for its exit report."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    launch = prepare(
        [sys.executable, "-c", "pass"],
        Policy(workdir=folder, writable=(folder,)),
        status_fd=write_end,
        sandbox=mode is not None,
        mode=mode,
    )
    proc = subprocess.Popen(
        launch.argv,
        env=launch.env,
        cwd=launch.cwd,
        pass_fds=(write_end,),
        preexec_fn=launch.apply_limits,
        start_new_session=True,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as status:
        report = json.loads(status.read())
    proc.wait()
    assert report["returncode"] == 0, report
    return time.perf_counter() - started


def first_step_seconds(ws: Workspace, sandbox: bool) -> float:
    """Wall time from the run-training call to the first metrics line on disk."""
    started = time.perf_counter()
    run = registry.call(
        "run-training",
        {"project": "proj", "sandbox": sandbox, "max_steps": 3, "env": ["TINY_WIDTH=32"]},
        ToolContext(ws),
    )
    metrics = Path(run["out_dir"]) / "metrics.jsonl"
    while not metrics.exists() or not metrics.read_text().strip():
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    _wait_end(ws, run["run_id"])
    return elapsed


def throughput(ws: Workspace, sandbox: bool, steps: int, width: int) -> float:
    """Steps per second over the run's logged steps (skipping the first 10% as warm-up)."""
    run = registry.call(
        "run-training",
        {
            "project": "proj",
            "sandbox": sandbox,
            "max_steps": steps,
            "wait": True,
            "env": [f"TINY_WIDTH={width}"],
        },
        ToolContext(ws),
    )
    assert run["state"] == "succeeded", run["summary"]
    rows = [json.loads(x) for x in (Path(run["out_dir"]) / "metrics.jsonl").read_text().splitlines()]
    rows = rows[len(rows) // 10 :]
    return (rows[-1]["step"] - rows[0]["step"]) / (rows[-1]["time"] - rows[0]["time"])


def _wait_end(ws: Workspace, run_id: str) -> None:
    while ws.get_run(run_id)["status"] in ("queued", "running"):
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--launches", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = {}
        for mode in [None] + [m for m in ("bwrap", "unshare") if mode_works(m)]:
            bare[mode or "none"] = statistics.median(
                launch_seconds(Path(tmp), mode) for _ in range(args.launches)
            )
        for mode, seconds in bare.items():
            print(
                f"launch of `python -c pass` in mode {mode}: {seconds:.3f} s"
                + (f" ({seconds - bare['none']:+.3f} s vs none)" if mode != "none" else "")
            )
        root = Path(tmp) / "ws"
        root.mkdir()
        shutil.copytree(TINY, root / "proj")
        ws = Workspace(root)
        mode = registry.call(
            "run-training", {"project": "proj", "max_steps": 1, "wait": True}, ToolContext(ws)
        )["sandbox_mode"]
        first = {True: [], False: []}
        speed = {True: [], False: []}
        for _ in range(args.repeats):
            for sandbox in (True, False):
                first[sandbox].append(first_step_seconds(ws, sandbox))
                speed[sandbox].append(throughput(ws, sandbox, args.steps, args.width))
    inside, outside = statistics.median(first[True]), statistics.median(first[False])
    ratio = statistics.median(speed[True]) / statistics.median(speed[False])
    print(f"sandbox mode: {mode}; {args.repeats} repeats; medians")
    print(
        f"time to first logged step: sandboxed {inside:.3f} s, unsandboxed {outside:.3f} s, "
        f"added {inside - outside:+.3f} s (target < 0.3 s)"
    )
    print(
        f"throughput: sandboxed {statistics.median(speed[True]):.1f} steps/s, unsandboxed "
        f"{statistics.median(speed[False]):.1f} steps/s, ratio {ratio:.3f} (target >= 0.98)"
    )


if __name__ == "__main__":
    main()
