"""Will the paper's configuration train on this machine? The memory of one training step, and the choice of
what to run when it does not fit.

A training step holds the weights, their gradients and the optimizer's state (each per parameter, fp32 as
train.py keeps them: 4 + 4 bytes, plus 8 for Adam's two moments, 4 for SGD's momentum), the activations
saved for the backward pass (per example, times the micro batch that one forward sees; train.py reaches the
paper's batch by gradient accumulation), and the runtime's own overhead. The activations are *measured*,
not guessed per family: the generated model is built on PyTorch's meta device (no memory, no compute) in
the sandbox, one example goes through it, and a saved-tensor hook adds up what autograd keeps for the
backward pass (parameters excluded). A model whose input the measurement cannot build (GANs, VAEs) is
estimated without activations, and the estimate says so.

Against: the memory the run may use (GPU memory when CUDA is present, else the RAM available, at most the
sandbox's address-space limit), or the ``--memory-gb`` limit a person gives (the run then gets that limit).
When the paper's variant does not fit: a smaller micro batch first (the paper's variant and batch are kept;
only the accumulation changes), else the largest variant the paper lists that fits. A variant the person
names is run as named, with the estimate said.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

GiB = 1024**3
HEADROOM = 0.9  # use at most 90% of what is available
OVERHEAD_BYTES = int(1.5 * GiB)  # the Python/torch runtime, data loading, the address space's slack
# What autograd saves is not all: the backward pass holds gradient buffers of the activations too. Measured
# on ConvNeXt-T on CPU (peak RSS of an AdamW step at micro batch 2 and 8): 0.128 GiB per example against
# 0.100 GiB saved, so the saved bytes are scaled by 1.3.
BACKWARD_FACTOR = 1.3
OPTIMIZER_BYTES = {  # optimizer state per parameter (fp32)
    "adam": 8,
    "adamw": 8,
    "lamb": 8,
    "nadam": 8,
    "radam": 8,
    "adafactor": 4,
    "sgd": 4,
    "nesterov": 4,
    "momentum": 4,
    "rmsprop": 4,
    "adagrad": 4,
    "adadelta": 8,
    "lars": 4,
}

# Run in the sandbox, in the project folder: builds ModelConfig() (the full configuration) on the meta device,
# feeds one example shaped from the config's own fields, and sums the bytes autograd saves for backward.
MEASURE = r"""
import json, sys
import torch
sys.path.insert(0, ".")
import model as M
task = sys.argv[1]
cfg = M.ModelConfig()
def ids(n):
    return torch.zeros(1, n, dtype=torch.long, device="meta")
with torch.device("meta"):
    net = M.Model(cfg)
params = {id(p) for p in net.parameters()}
n_params = sum(p.numel() for p in net.parameters())
saved = {}
def pack(t):
    base = t._base if t._base is not None else t  # a view shares its base's memory: counted once
    if id(base) not in params and base.device.type == "meta":  # a weight (or its transpose) is no activation
        saved[id(base)] = base.numel() * base.element_size()
    return t
length = getattr(cfg, "context_length", None) or getattr(cfg, "max_len", None) or 128
if task in ("classify", "segment"):
    size = getattr(cfg, "image_size", None)
    chans = getattr(cfg, "in_channels", None)
    x = (torch.zeros(1, chans, size, size, device="meta"),) if size and chans else None
elif task in ("lm", "mlm"):
    x = (ids(length),)
elif task == "seq2seq":
    x = (ids(length), ids(length))
else:
    x = None
if x is None:
    print(json.dumps({"params": n_params, "per_example": None, "why": f"no input built for task {task}"}))
    sys.exit(0)
with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    out = net(*x)
print(json.dumps({"params": n_params, "per_example": int(sum(saved.values()))}))
"""


def available_memory(limit_gb: float | None = None) -> dict:
    """``{bytes, what}``: the memory a training run may use here."""
    if limit_gb:
        return {"bytes": int(limit_gb * GiB), "what": f"{limit_gb:g} GiB (the memory limit given)"}
    try:
        import torch

        if torch.cuda.is_available():
            free, _ = torch.cuda.mem_get_info()
            return {
                "bytes": int(free),
                "what": f"{free / GiB:.1f} GiB free on {torch.cuda.get_device_name()}",
            }
    except Exception:  # noqa: BLE001 - no torch or no usable GPU: the RAM is what counts
        pass
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    avail = total
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    usable = min(avail, int(total * 0.75))  # the sandbox caps a run's address space at 3/4 of the RAM
    return {"bytes": usable, "what": f"{usable / GiB:.1f} GiB of RAM available"}


def _value(section: dict, key: str):
    fact = (section or {}).get(key)
    return fact.get("value") if isinstance(fact, dict) else fact


def measure_activations(project: Path, task: str, timeout: float = 120) -> tuple[int | None, str | None]:
    """Bytes of activations one example needs in a training step: what it keeps for the backward pass,
    measured in the sandbox on the meta device, times ``BACKWARD_FACTOR``; ``(None, why)`` when the model's
    input cannot be built or the measurement fails."""
    from mlintern.sandbox.run import run_sandboxed
    from mlintern.tools.errors import ToolError

    try:
        code, out, err = run_sandboxed(
            [sys.executable, "-c", MEASURE, task], project, timeout=timeout, memory_gb=8
        )
    except ToolError as e:
        return None, f"the measurement failed: {e.message}"
    line = (out.strip().splitlines() or [""])[-1]
    try:
        answer = json.loads(line) if code == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        tail = (err.strip().splitlines() or ["no output"])[-1][:200]
        return None, f"the measurement failed: {tail}"
    per = answer.get("per_example")  # printed by the generated model's process: a number, or not
    if not isinstance(per, int) or isinstance(per, bool) or per < 0:
        return None, str(answer.get("why") or "not measured")[:200]
    return int(per * BACKWARD_FACTOR), None


def training_memory(project: Path, *, measure: bool = True, available: int | None = None) -> dict:
    """The memory one training step of the project's full configuration needs, part by part. With
    ``available``, the activations are measured only when the rest fits (else nothing could help: the
    measurement, a sandboxed process, is skipped)."""
    from mlintern.sandbox import files

    # read through the hardened readers (no link, no FIFO, a bounded size): the project folder is the
    # sandbox's writable folder while the generated model is measured
    config = json.loads(files.read_text(project / "config.json", limit=4 * files.MiB, root=project))
    meta = json.loads(files.read_text(project / "mlintern.json", limit=4 * files.MiB, root=project))
    train = config.get("train") or {}
    params = int(meta.get("params_full") or 0)
    optimizer = str(_value(train, "optimizer") or "adam").lower()
    opt_bytes = OPTIMIZER_BYTES.get(optimizer, 8)
    batch = _value(train, "batch_size")
    batch = int(batch) if isinstance(batch, (int, float)) and batch > 0 else 1
    micro = _value(train, "micro_batch_size")
    micro = min(int(micro), batch) if isinstance(micro, (int, float)) and micro > 0 else batch
    static = params * (8 + opt_bytes) + OVERHEAD_BYTES
    if available is not None and not fits(static, available):
        measure, skipped = False, "not measured: the weights, gradients and optimizer state alone do not fit"
    else:
        skipped = "not measured"
    per_example, why = (
        measure_activations(project, str(meta.get("task") or "")) if measure else (None, skipped)
    )
    total = static + (per_example or 0) * micro
    return {
        "params": params,
        "optimizer": optimizer,
        "weights_grads_optimizer": params * (8 + opt_bytes),
        "overhead": OVERHEAD_BYTES,
        "per_example": per_example,
        "activations_why": why,
        "batch": batch,
        "micro_batch": micro,
        "static": static,
        "total": total,
    }


def fits(need: int, available: int) -> bool:
    return need <= available * HEADROOM


def largest_micro_batch(mem: dict, available: int) -> int | None:
    """The largest micro batch (at most the configured one) whose step fits, or None when even one example
    does not (the weights, gradients and optimizer state alone are too much)."""
    per = mem.get("per_example")
    if not per:
        return None
    room = available * HEADROOM - mem["static"]
    if room < per:
        return None
    return max(1, min(mem["micro_batch"], int(room // per)))


def at_micro_batch(mem: dict, micro: int) -> dict:
    """The same estimate with another micro batch (gradient accumulation keeps the batch)."""
    return {**mem, "micro_batch": micro, "total": mem["static"] + (mem.get("per_example") or 0) * micro}


def gib(n: int | float | None) -> str:
    if n is None:
        return "?"
    return f"{n / GiB:.1f} GiB" if n >= 0.1 * GiB else f"{n / 2**20:.1f} MiB"


def describe(mem: dict) -> str:
    """'632M params need ~14.2 GiB (weights, gradients, adam state 9.4 GiB + activations 3.3 GiB at micro
    batch 32 + 1.5 GiB runtime)'."""
    if mem.get("per_example"):
        acts = (
            f"activations {gib(mem['per_example'] * mem['micro_batch'])} at micro batch {mem['micro_batch']}"
        )
        need = f"~{gib(mem['total'])}"
    else:
        acts = f"activations {mem.get('activations_why')}"
        need = f"at least {gib(mem['total'])}"
    return (
        f"{_params(mem['params'])} params need {need} to train (weights, gradients and "
        f"{mem['optimizer']} state {gib(mem['weights_grads_optimizer'])} + {acts} + {gib(mem['overhead'])} runtime)"
    )


def _params(n: int) -> str:
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return f"{n / div:.3g}{unit}"
    return str(n)


def variant_order(spec: dict, exclude: str | None) -> list[str]:
    """The spec's other variants, largest first by the parameter count the paper states (unstated counts
    last, in the paper's order)."""
    variants = spec.get("variants") or {}
    names = [n for n in variants if n != exclude and isinstance(variants[n], dict)]

    def size(name: str) -> float:
        v = _value(variants[name], "num_params")
        return float(v) if isinstance(v, (int, float)) else -1.0

    return sorted(names, key=lambda n: -size(n))
