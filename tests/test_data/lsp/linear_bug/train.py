"""A small real torch training script with a real bug (fc1 expects 20 features, the data has 16).

Keeps run-training's contract: --out-dir, --pilot, --max-steps, --resume, --ckpt-every."""

import argparse
import json
import time
from pathlib import Path

import torch

from model import IN_FEATURES, Net

parser = argparse.ArgumentParser()
parser.add_argument("--out-dir", default="out")
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--max-steps", type=int, default=None)
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=None)
args = parser.parse_args()

torch.manual_seed(0)
steps = args.max_steps or 20
print(f"MLINTERN_TOTAL_STEPS={steps}", flush=True)
x = torch.randn(64, IN_FEATURES)
y = (x.sum(dim=1) > 0).long()
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
out = Path(args.out_dir)
out.mkdir(parents=True, exist_ok=True)
with open(out / "metrics.jsonl", "a") as metrics:
    for step in range(1, steps + 1):
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        metrics.write(json.dumps({"step": step, "loss": loss.item(), "lr": 0.1, "time": time.time()}) + "\n")
