"""A tiny stand-in training script that keeps run-training's contract without torch (seconds, no CPU).

It prints MLINTERN_TOTAL_STEPS, appends metrics.jsonl lines to --out-dir, and, when the project
holds a file named FAIL, crashes at step 3 inside model.py (a user frame for diagnostics)."""

import argparse
import json
import time
from pathlib import Path

import model

parser = argparse.ArgumentParser()
parser.add_argument("--out-dir", default="out")
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--max-steps", type=int, default=None)
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=None)
args = parser.parse_args()

total = args.max_steps or 8
print(f"MLINTERN_TOTAL_STEPS={total}", flush=True)
out = Path(args.out_dir)
out.mkdir(parents=True, exist_ok=True)
fail = (Path(__file__).parent / "FAIL").exists()
with open(out / "metrics.jsonl", "a") as metrics:
    for step in range(1, total + 1):
        loss = model.forward(step, fail)
        metrics.write(json.dumps({"step": step, "loss": loss, "lr": 0.001, "samples_per_s": 100.0,
                                  "time": time.time()}) + "\n")
        metrics.flush()
        time.sleep(0.25)
