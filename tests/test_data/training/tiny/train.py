"""A tiny but real training project for run-training's tests (the scaffold-model contract).

python train.py [--pilot] [--max-steps N] [--out-dir DIR] [--resume] [--ckpt-every N]
Writes DIR/metrics.jsonl ({"step", "loss", "lr", "samples_per_s", "time"}) and DIR/ckpt.pt;
prints MLINTERN_TOTAL_STEPS=<n>. Works alone and under torchrun (gloo, DDP).
TINY_STEP_SLEEP (seconds) slows each step so tests can act mid-run; TINY_WIDTH widens the model.
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from model import TinyConfig, TinyMLP

parser = argparse.ArgumentParser()
parser.add_argument("--pilot", action="store_true")
parser.add_argument("--max-steps", type=int, default=None)
parser.add_argument("--out-dir", default="out")
parser.add_argument("--resume", action="store_true")
parser.add_argument("--ckpt-every", type=int, default=10)
args = parser.parse_args()

ddp = int(os.environ.get("RANK", -1)) != -1
if ddp:
    import torch.distributed as dist

    dist.init_process_group("gloo")
rank = int(os.environ.get("RANK", 0))
master = rank == 0
torch.manual_seed(0)
torch.set_num_threads(1)

config = TinyConfig(d_hidden=int(os.environ.get("TINY_WIDTH", "32")))  # benchmarks widen it
total_steps = args.max_steps or (20 if args.pilot else 200)
model = TinyMLP(config)
net = torch.nn.parallel.DistributedDataParallel(model) if ddp else model
opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
out_dir = Path(args.out_dir)
out_dir.mkdir(parents=True, exist_ok=True)
ckpt_path = out_dir / "ckpt.pt"
step = 0
if args.resume:
    assert ckpt_path.exists(), f"--resume: no checkpoint at {ckpt_path}"
    ckpt = torch.load(ckpt_path, weights_only=False)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"]["model"])
    step = ckpt["step"]
    if master:
        print(f"resumed from {ckpt_path} at step {step}")


def save_checkpoint():
    state = {"model": model.state_dict(), "optimizer": {"model": opt.state_dict()},
             "config": {"model": config.__dict__, "train": {"lr": 3e-3}, "pilot": args.pilot}, "step": step}
    torch.save(state, out_dir / "ckpt.pt.tmp")
    os.replace(out_dir / "ckpt.pt.tmp", ckpt_path)


stopping = False


def on_term(signum, frame):  # graceful stop: finish the step, checkpoint, exit
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)
if master:
    print(f"MLINTERN_TOTAL_STEPS={total_steps}", flush=True)
    print("!! STAND-IN DATA (no dataset in tests): random Gaussian vectors labelled by the sign of a sum. "
          "Results say nothing about the paper's numbers.", file=sys.stderr, flush=True)
metrics = open(out_dir / "metrics.jsonl", "a") if master else None
pause = float(os.environ.get("TINY_STEP_SLEEP", "0"))
g = torch.Generator().manual_seed(1234 + rank)
t0 = t_last = time.time()
while step < total_steps and not stopping:
    x = torch.randn(config.batch_size, config.d_in, generator=g)
    y = (x[:, :4].sum(dim=1) > 0).long()  # a learnable rule: the loss goes down
    loss = F.cross_entropy(net(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    step += 1
    if pause:
        time.sleep(pause)
    if master:
        now = time.time()
        record = {"step": step, "loss": round(loss.item(), 6), "lr": 3e-3,
                  "samples_per_s": round(config.batch_size / max(now - t_last, 1e-9), 2), "time": round(now - t0, 3)}
        t_last = now
        metrics.write(json.dumps(record) + "\n")
        metrics.flush()
        print(f"step {step}/{total_steps} loss {loss.item():.4f}", flush=True)
        if step % args.ckpt_every == 0 or step == total_steps:
            save_checkpoint()
if master:
    if stopping:
        save_checkpoint()
        print(f"stopped by SIGTERM at step {step}; checkpoint saved", flush=True)
    metrics.close()
    print(f"done: {step} steps", flush=True)
if ddp:
    dist.destroy_process_group()
