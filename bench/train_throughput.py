"""Steps per second of a generated train.py against a minimal hand-written loop, same model and data.

For the pilot configurations of a ViT, a GPT-style decoder and a ResNet: scaffold the project, run
its train.py (subprocess, one CPU thread) and a bare loop over the same Model, data.get_batch and
optimizer (subprocess, one thread), alternating A/B/A/B so machine load hits both alike, and print
the median steps/s of each and their ratio (target >= 0.95).

    python bench/train_throughput.py [--steps 60] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

WARMUP = 10  # steps excluded from timing in both loops (train.py logs every 10 steps, its default)

SPECS = {
    "vit": {"family": "vit", "d_model": 768, "num_layers": 12, "num_heads": 12, "optimizer": "adamw"},
    "gpt_decoder": {
        "family": "transformer_decoder",
        "d_model": 768,
        "num_layers": 12,
        "num_heads": 12,
        "optimizer": "adamw",
    },
    "resnet": {"family": "resnet", "num_layers": 50, "optimizer": "sgd"},
}

MINIMAL = """
import json, sys, time
import torch, torch.nn.functional as F
import data, model
steps, warmup = int(sys.argv[1]), int(sys.argv[2])
cfg = json.load(open("config.json"))
m = {k: f["value"] for k, f in cfg["model"].items()}; m.update(cfg["pilot"]["model"])
t = {k: f["value"] for k, f in cfg["train"].items()}; t.update(cfg["pilot"]["train"])
torch.set_num_threads(1); torch.manual_seed(0)
net = model.Model(model.ModelConfig(**m))
wd = t["weight_decay"]
opt = (torch.optim.SGD(net.parameters(), lr=t["learning_rate"], momentum=t["momentum"], weight_decay=wd)
       if t["optimizer"] == "sgd" else torch.optim.AdamW(net.parameters(), lr=t["learning_rate"], weight_decay=wd))
ds = data.load(m, pilot=True, announce_to_user=False)
g = torch.Generator()
for i in range(steps):
    if i == warmup:
        t0 = time.time()
    g.manual_seed(i)
    x, y = ds.get_batch("train", t["micro_batch_size"], g)
    loss = F.cross_entropy(net(x).flatten(0, -2), y.flatten())
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
print((steps - warmup) / (time.time() - t0))
"""


def make_spec(values: dict) -> dict:
    facts = {
        k: {"value": v, "page": 1, "quote": f"{k} {v}", "source": "paper"}
        for k, v in values.items()
        if k != "family"
    }
    return {
        "title": f"bench {values['family']}",
        "family": {"value": values["family"], "evidence": []},
        "hyperparameters": facts,
        "variants": {},
        "default_variant": None,
    }


def generated_rate(project: Path, steps: int, env: dict) -> float:
    subprocess.run(
        [
            sys.executable,
            "train.py",
            "--pilot",
            "--max-steps",
            str(steps),
            "--log-every",
            "10",
            "--ckpt-every",
            "100000",
            "--out-dir",
            "bench_out",
        ],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    rows = [json.loads(line) for line in (project / "bench_out" / "metrics.jsonl").read_text().splitlines()]
    (project / "bench_out" / "metrics.jsonl").unlink()
    start = next(r for r in rows if r["step"] == WARMUP)
    return (rows[-1]["step"] - start["step"]) / (rows[-1]["time"] - start["time"])


def minimal_rate(project: Path, steps: int, env: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", MINIMAL, str(steps), str(WARMUP)],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = Workspace(root)
        print(f"{'model':12s} {'train.py steps/s':>17s} {'minimal steps/s':>16s} {'ratio':>6s}")
        for name, values in SPECS.items():
            (root / f"{name}.json").write_text(json.dumps(make_spec(values)))
            registry.call("scaffold-model", {"spec": f"{name}.json", "output": name}, ToolContext(ws))
            ours, bare = [], []
            for _ in range(args.repeats):
                ours.append(generated_rate(root / name, args.steps, env))
                bare.append(minimal_rate(root / name, args.steps, env))
            a, b = statistics.median(ours), statistics.median(bare)
            print(f"{name:12s} {a:17.2f} {b:16.2f} {a / b:6.3f}", flush=True)


if __name__ == "__main__":
    main()
