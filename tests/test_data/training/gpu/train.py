"""A GPU training project for the device check: trains on cuda, follows the scaffold contract."""

import argparse
import json
import os
import time
from pathlib import Path

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--max-steps", type=int, default=50)
parser.add_argument("--out-dir", default="out")
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=10)
args = parser.parse_args()
if not torch.cuda.is_available():
    try:
        torch.cuda.init()
    except Exception as err:  # say why, for the device check's log
        print("cuda init:", err, "| /dev:", sorted(n for n in os.listdir("/dev") if "nvidia" in n),
              "| LD_LIBRARY_PATH:", os.environ.get("LD_LIBRARY_PATH"), flush=True)
    raise SystemExit("no CUDA inside the sandbox")
print("device:", torch.cuda.get_device_name(0), "visible:", os.environ.get("CUDA_VISIBLE_DEVICES"), flush=True)
print(f"MLINTERN_TOTAL_STEPS={args.max_steps}", flush=True)
out = Path(args.out_dir)
out.mkdir(parents=True, exist_ok=True)
model = torch.nn.Sequential(torch.nn.Linear(1024, 4096), torch.nn.ReLU(), torch.nn.Linear(4096, 10)).cuda()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
t0 = time.time()
with open(out / "metrics.jsonl", "a") as metrics:
    for step in range(1, args.max_steps + 1):
        x = torch.randn(512, 1024, device="cuda")
        loss = torch.nn.functional.cross_entropy(model(x), (x[:, 0] > 0).long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        metrics.write(json.dumps({"step": step, "loss": loss.item(), "lr": 1e-3, "samples_per_s": 0,
                                  "time": time.time() - t0}) + "\n")
        metrics.flush()
torch.save({"model": model.state_dict(), "step": args.max_steps, "config": {"model": {}}}, out / "ckpt.pt")
print("done", flush=True)
