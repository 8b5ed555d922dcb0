"""What a full-scale reproduction would need: training FLOPs -> GPU-hours -> dollars.

Training compute is estimated as 6 x parameters x examples processed (the
forward pass costs about 2 FLOPs per parameter per token or sample and the
backward about 4). For language models an example is a token; for vision and
other models it is a sample, which *under*-estimates convolutional networks
(their weights are reused at every spatial position) — the report says so.
The GPU is assumed to deliver ``gpu_tflops`` at ``mfu`` utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass

# Training-set sizes of datasets papers name, used when a paper gives epochs, not steps.
DATASET_SIZES = {
    "imagenet": 1_281_167,
    "cifar-10": 50_000,
    "cifar10": 50_000,
    "cifar-100": 50_000,
    "cifar100": 50_000,
    "mnist": 60_000,
    "svhn": 73_257,
    "digits": 1_437,
    "coco": 118_287,
    "pascal voc": 16_551,
    "wmt 2014 english-german": 4_500_000,
    "wmt14": 4_500_000,
    "wmt 2014 english-french": 36_000_000,
    "bookscorpus": 74_000_000,
}
LM_FAMILIES = {"transformer_decoder", "transformer_seq2seq", "transformer_encoder", "rnn_seq2seq", "word2vec"}


@dataclass(frozen=True)
class GPU:
    name: str = "NVIDIA A100 80GB (bf16)"
    tflops: float = 312.0
    mfu: float = 0.4
    usd_per_hour: float = 2.0


def _value(facts: dict, key: str):
    fact = facts.get(key)
    if isinstance(fact, dict):
        return fact.get("value")
    return fact


def full_scale(spec: dict, params: int | None, gpu: GPU = GPU()) -> dict:
    """A dict with ``flops``, ``gpu_hours``, ``usd`` and ``how`` (the formula, said plainly)."""
    hp = dict(spec.get("hyperparameters") or {})
    family = (
        (spec.get("family") or {}).get("value")
        if isinstance(spec.get("family"), dict)
        else spec.get("family")
    )
    if not params:
        return {"available": False, "how": "the parameter count is unknown, so no estimate"}
    steps = _value(hp, "train_steps")
    batch = _value(hp, "batch_size")
    batch_tokens = _value(hp, "batch_tokens")
    epochs = _value(hp, "epochs")
    context = _value(hp, "context_length")
    is_lm = family in LM_FAMILIES
    examples, how = None, ""
    if is_lm and isinstance(steps, (int, float)) and isinstance(batch_tokens, (int, float)):
        examples, how = steps * batch_tokens, f"{steps:,.0f} steps x {batch_tokens:,.0f} tokens per batch"
    elif isinstance(steps, (int, float)) and isinstance(batch, (int, float)):
        per = context if is_lm and isinstance(context, (int, float)) else 1
        examples = steps * batch * per
        how = f"{steps:,.0f} steps x batch {batch:,.0f}" + (f" x {per:,.0f} tokens" if per != 1 else "")
    elif isinstance(epochs, (int, float)):
        size = _dataset_size(spec)
        if size:
            examples, how = epochs * size[1], f"{epochs:g} epochs x {size[1]:,} samples ({size[0]})"
    if examples is None:
        return {
            "available": False,
            "params": params,
            "how": "the paper states neither steps with a batch size nor epochs over a known dataset",
        }
    flops = 6.0 * params * examples
    hours = flops / (gpu.tflops * 1e12 * gpu.mfu) / 3600.0
    unit = "tokens" if is_lm else "samples"
    note = "" if is_lm else " (per sample; convolutions reuse weights, so this is a lower bound)"
    return {
        "available": True,
        "params": params,
        "examples": examples,
        "flops": flops,
        "gpu_hours": hours,
        "usd": hours * gpu.usd_per_hour,
        "gpu": gpu.name,
        "gpu_tflops": gpu.tflops,
        "mfu": gpu.mfu,
        "usd_per_gpu_hour": gpu.usd_per_hour,
        "how": f"6 x {params:,} params x {examples:,.0f} {unit} = {flops:.3g} FLOPs{note}; {how}; "
        f"at {gpu.tflops:g} TFLOP/s x {gpu.mfu:.0%} utilisation on {gpu.name}",
    }


def _dataset_size(spec: dict) -> tuple[str, int] | None:
    for d in spec.get("datasets") or []:
        name = (d.get("name") if isinstance(d, dict) else str(d)) or ""
        low = name.lower()
        for key, size in DATASET_SIZES.items():
            if key in low:
                return name, size
    return None
