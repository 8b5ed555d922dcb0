"""Model FLOPs utilisation of a generated decoder on one GPU (bf16, AMP, device placement: train.py's paths).

Scaffolds a GPT-style decoder sized to fill an 80 GB GPU (about 1.3B parameters, 2048-token context),
runs its generated train.py for a few dozen steps with --compile and bf16 autocast, and reports
tokens/s and MFU = 6 N + 12 L d T FLOPs per token (PaLM appendix B) over the GPU's dense bf16 peak.
Self-contained: works from a plain checkout (no install) and finishes in under 3 minutes.

    python bench/gpu_mfu.py [--steps 40] [--layers 24] [--d-model 2048] [--micro-batch 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEAK_BF16 = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12, "L4": 121e12}


def import_mlintern():
    """Import mlintern from the checkout when it is not installed (a bare GPU machine)."""
    try:
        import mlintern.tools.scaffold.scaffold  # noqa: F401

        return
    except ImportError:
        pass
    pkg = types.ModuleType("mlintern")
    pkg.__path__ = []
    sys.modules["mlintern"] = pkg
    for name in ("tools",):
        spec = importlib.util.spec_from_file_location(
            f"mlintern.{name}", REPO / name / "__init__.py", submodule_search_locations=[str(REPO / name)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"mlintern.{name}"] = module
        spec.loader.exec_module(module)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--d-model", type=int, default=2048)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument(
        "--cpu-check",
        action="store_true",
        help="dry run of the same path on the CPU with the sizes given (no MFU)",
    )
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available() and not args.cpu_check:
        raise SystemExit("gpu_mfu.py needs a CUDA GPU (or --cpu-check with small sizes for a dry run)")
    import_mlintern()
    from mlintern.tools.registry import ToolContext
    from mlintern.tools.scaffold.scaffold import scaffold_model
    from mlintern.tools.workspace import Workspace

    name = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    peak = next((v for k, v in PEAK_BF16.items() if k in name), None)
    values = {
        "num_layers": args.layers,
        "d_model": args.d_model,
        "num_heads": args.d_model // 128,
        "context_length": args.context,
        "vocab_size": 32000,
        "optimizer": "adamw",
        "learning_rate": 3e-4,
        "batch_size": args.micro_batch,
        "dropout": 0.0,
        "warmup_steps": 10,
    }
    spec = {
        "title": "MFU benchmark decoder",
        "family": {"value": "transformer_decoder", "evidence": []},
        "hyperparameters": {
            k: {"value": v, "page": 1, "quote": f"{k} {v}", "source": "paper"} for k, v in values.items()
        },
        "variants": {},
        "default_variant": None,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "spec.json").write_text(json.dumps(spec))
        result = scaffold_model(ToolContext(Workspace(root)), "spec.json", "decoder")
        n = result["params_full"]
        cmd = [
            sys.executable,
            "train.py",
            "--max-steps",
            str(args.steps),
            "--micro-batch",
            str(args.micro_batch),
            "--log-every",
            "5",
            "--ckpt-every",
            "0",
            "--dtype",
            "bfloat16",
            "--out-dir",
            "out",
        ]
        if not args.no_compile:
            cmd.append("--compile")
        if args.cpu_check:
            cmd += ["--device", "cpu"]
        started = time.time()
        proc = subprocess.run(
            cmd,
            cwd=root / "decoder",
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        print(proc.stdout[-1500:])
        if proc.returncode:
            print(proc.stderr[-4000:])
            raise SystemExit(proc.returncode)
        rows = [json.loads(x) for x in (root / "decoder" / "out" / "metrics.jsonl").read_text().splitlines()]
    steady = rows[len(rows) // 2 :]  # after compilation and warm-up
    seq_per_s = sum(r["samples_per_s"] for r in steady) / len(steady)
    tokens_per_s = seq_per_s * args.context
    flops_per_token = 6 * n + 12 * args.layers * args.d_model * args.context
    achieved = tokens_per_s * flops_per_token
    print(
        f"device: {name}; parameters: {n:,}; context {args.context}; micro-batch {args.micro_batch}; "
        f"compile: {not args.no_compile}; wall {time.time() - started:.0f}s"
    )
    print(f"tokens/s: {tokens_per_s:,.0f}; model TFLOP/s: {achieved / 1e12:.1f}")
    if peak:
        print(f"MFU: {achieved / peak:.1%} of {peak / 1e12:.0f} TFLOP/s dense bf16 peak")
    else:
        print("MFU: unknown peak for this device; divide the TFLOP/s above by its dense bf16 peak")


if __name__ == "__main__":
    main()
