"""A tiny stand-in training script that honours run-training's contract, slowly.

It trains nothing heavy (a running mean), so the MCP tests can watch progress
and cancel a real supervised run in seconds: ``--out-dir DIR --max-steps N``,
``MLINTERN_TOTAL_STEPS=<n>`` on stdout and one ``metrics.jsonl`` line per step.
"""

import argparse
import json
import os
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--out-dir", required=True)
parser.add_argument("--max-steps", type=int, default=1000)
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=0)
parser.add_argument("--step-seconds", type=float, default=float(os.environ.get("STEP_SECONDS", "0.1")))
args = parser.parse_args()

out = Path(args.out_dir)
out.mkdir(parents=True, exist_ok=True)
print(f"MLINTERN_TOTAL_STEPS={args.max_steps}", flush=True)
loss, started = 4.0, time.time()
with open(out / "metrics.jsonl", "a") as metrics:
    for step in range(1, args.max_steps + 1):
        time.sleep(args.step_seconds)
        loss = 0.9 * loss + 0.1 * 1.0
        row = {"step": step, "loss": loss, "lr": 1e-3, "samples_per_s": 1 / args.step_seconds,
               "time": time.time() - started}
        metrics.write(json.dumps(row) + "\n")
        metrics.flush()
        print(f"step {step} loss {loss:.4f}", flush=True)
