"""A tiny project that follows run-training's train.py contract, with a real bug (fc2's in_features)."""

import argparse
import json
import os

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--out-dir", default="out")
parser.add_argument("--max-steps", type=int, default=40)
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=0)
args = parser.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
steps = min(args.max_steps, 40)
print(f"MLINTERN_TOTAL_STEPS={steps}", flush=True)

torch.manual_seed(0)
x = torch.randn(64, 10)
y = (x[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
with open(os.path.join(args.out_dir, "metrics.jsonl"), "a") as metrics:
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        metrics.write(json.dumps({"step": step, "loss": loss.item(), "lr": 1e-2}) + "\n")
