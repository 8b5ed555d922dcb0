"""Steps per second of a generated train.py against a minimal hand-written loop, same model and data.

For the pilot configurations of a ViT, a GPT-style decoder and a ResNet: scaffold the project, run
its train.py (subprocess, one CPU thread) and a bare loop over the same Model, data.get_batch,
optimizer and gradient clipping (subprocess, one thread), alternating A/B/A/B so machine load hits
both alike, and print the median steps/s of each and their ratio (target >= 0.95).

Both loops do the same work per step: train.py runs with checkpoints and the periodic validation off
(``--ckpt-every 100000 --eval-every 0``; both are scheduled work outside the step, not loop overhead),
and the bare loop clips gradients when the recipe does (``grad_clip`` > 0). ``--with-eval`` adds a
column with train.py as configured for a pilot (validation every ``eval_every`` steps on up to
``eval_examples`` examples), to show what the evaluation costs.

``--clock cpu`` (the default) counts CPU seconds of the process instead of wall seconds, which a
machine shared with other jobs barely disturbs: the bare loop reads ``time.process_time()``, and
train.py runs as a copy (``bench_train.py``) whose metrics record also carries ``"cpu":
time.process_time()`` (that one added key is the only change; the bench stops if the line it patches
is not there). ``--clock wall`` uses the wall-clock ``time`` train.py writes and ``time.time()``.

    python bench/train_throughput.py [--steps 60] [--repeats 2] [--with-eval] [--clock cpu|wall]
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
    if t["grad_clip"] > 0:
        torch.nn.utils.clip_grad_norm_(net.parameters(), t["grad_clip"])
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


RECORD = '"time": round(now - t0, 3)}'
CPU_RECORD = '"time": round(now - t0, 3), "cpu": time.process_time()}'


def cpu_copy(project: Path) -> str:
    """bench_train.py: train.py whose metrics records also carry the process's CPU seconds."""
    source = (project / "train.py").read_text()
    if source.count(RECORD) != 1:
        raise SystemExit("train.py's metrics record changed; update RECORD in bench/train_throughput.py")
    (project / "bench_train.py").write_text(source.replace(RECORD, CPU_RECORD))
    return "bench_train.py"


def generated_rate(
    project: Path, steps: int, env: dict, evaluate: bool = False, clock: str = "wall"
) -> float:
    subprocess.run(
        [
            sys.executable,
            "train.py" if clock == "wall" else cpu_copy(project),
            "--pilot",
            "--max-steps",
            str(steps),
            "--log-every",
            "10",
            "--ckpt-every",
            "100000",
            *([] if evaluate else ["--eval-every", "0"]),
            "--out-dir",
            "bench_out",
        ],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    lines = (project / "bench_out" / "metrics.jsonl").read_text().splitlines()
    rows = [r for r in map(json.loads, lines) if "split" not in r]  # training records, not evaluations
    (project / "bench_out" / "metrics.jsonl").unlink()
    start = next(r for r in rows if r["step"] == WARMUP)
    key = "time" if clock == "wall" else "cpu"
    return (rows[-1]["step"] - start["step"]) / (rows[-1][key] - start[key])


def minimal_rate(project: Path, steps: int, env: dict, clock: str = "wall") -> float:
    code = MINIMAL if clock == "wall" else MINIMAL.replace("time.time()", "time.process_time()")
    out = subprocess.run(
        [sys.executable, "-c", code, str(steps), str(WARMUP)],
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
    parser.add_argument(
        "--with-eval", action="store_true", help="also time train.py with its pilot validation"
    )
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    unit = "steps/CPU-s" if args.clock == "cpu" else "steps/s"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = Workspace(root)
        extra = f" {'with eval':>10s} {'ratio':>6s}" if args.with_eval else ""
        print(f"{'model':12s} {'train.py ' + unit:>21s} {'minimal ' + unit:>20s} {'ratio':>6s}{extra}")
        for name, values in SPECS.items():
            (root / f"{name}.json").write_text(json.dumps(make_spec(values)))
            registry.call("scaffold-model", {"spec": f"{name}.json", "output": name}, ToolContext(ws))
            config = json.loads((root / name / "config.json").read_text())
            config["pilot"]["train"]["train_steps"] = max(args.steps, 1)  # --max-steps cannot go past it
            (root / name / "config.json").write_text(json.dumps(config))
            ours, bare, evaluating = [], [], []
            for _ in range(args.repeats):
                ours.append(generated_rate(root / name, args.steps, env, clock=args.clock))
                bare.append(minimal_rate(root / name, args.steps, env, clock=args.clock))
                if args.with_eval:
                    evaluating.append(generated_rate(root / name, args.steps, env, True, args.clock))
            a, b = statistics.median(ours), statistics.median(bare)
            extra = ""
            if evaluating:
                c = statistics.median(evaluating)
                extra = f" {c:10.2f} {c / b:6.3f}"
            print(f"{name:12s} {a:21.2f} {b:20.2f} {a / b:6.3f}{extra}", flush=True)


if __name__ == "__main__":
    main()
