"""The training half of config.json: optimizer, schedule, batch, steps, regularisation.

Every family shares these fields; a family only changes the conventions used
when the paper is silent (SGD with momentum for ConvNets, AdamW for
Transformers, ...). Derived values name their rule (``train_steps = epochs x
steps_per_epoch``, ``batch_size = batch_tokens / context_length``).
"""

from __future__ import annotations

import math
from typing import Any

from mlintern.tools.scaffold import datasets
from mlintern.tools.scaffold import facts as F
from mlintern.tools.scaffold.fields import Field, resolve


def dataset_name(spec: dict, family_task: str, model: dict[str, Any]) -> dict | None:
    """The paper's dataset as a fact (a name in tools/scaffold/datasets.py's registry): from the spec's
    ``datasets`` when named (the one marked ``main`` first), else inferred from the model's shapes."""
    named = [e for e in spec.get("datasets") or [] if isinstance(e, (str, dict))]
    named.sort(key=lambda e: not (isinstance(e, dict) and e.get("main")))
    for entry in named:
        text = entry if isinstance(entry, str) else str(entry.get("name") or entry.get("value") or "")
        name = datasets.lookup(text, "" if isinstance(entry, str) else str(entry.get("quote") or ""))
        if name:
            fact = {"value": name, "source": "paper"}
            if isinstance(entry, dict):
                fact.update({k: entry[k] for k in ("page", "quote", "protocol") if entry.get(k) is not None})
            return fact
    if family_task == "classify":
        classes, size = model.get("num_classes"), model.get("image_size")
        if classes == 1000:
            return F.inferred("imagenet", "1000 classes: the ImageNet-1k (ILSVRC) convention")
        if classes == 10 and size == 32 and model.get("in_channels", 3) == 3:
            return F.inferred("cifar-10", "10 classes of 32x32 colour images: CIFAR-10")
        if classes == 10 and size in (28, 32):
            return F.inferred("mnist", "10 classes of small single-channel images: MNIST")
    return None


# The pilot trains tiny models for a few dozen steps on a CPU, where large-batch recipes (SGD at 0.1,
# RMSprop, no batch norm) often show no progress yet. mlintern's pilot therefore uses Adam(W) at 1e-3
# (the paper's Adam variant when it uses one); the full run always uses the paper's optimizer.
PILOT_OPTIMIZER_LR = 1e-3


def _pilot_optimizer(full: dict, pilot: dict) -> str:
    return full["optimizer"] if full["optimizer"] in ("adam", "adamw") else "adamw"


def _kept(n: int, fraction: float) -> int:
    """Examples left after data.py's ``holdout(n, fraction)``."""
    return n - max(1, int(round(n * fraction)))


def standin_train_size(task: str, model: dict[str, Any]) -> int:
    """Training examples in the offline stand-in that data.py uses for ``task`` (after its test and val
    hold-outs): scikit-learn's 1,797 digits, 20,000 reversal pairs, or windows of context_length bytes
    (half overlapping) over CPython's bundled documentation. Mirrors templates/data.py.tmpl."""
    if task == "seq2seq":
        return _kept(_kept(20_000, 0.1), 0.1)
    if task in ("lm", "mlm"):
        from pydoc_data.topics import topics

        length = int(len("\n\n".join(topics[k] for k in sorted(topics)).encode("utf-8")) * 0.9)
        context = max(2, int(model.get("context_length") or 2))
        return max(1, _kept(len(range(0, max(1, length - context - 1), context // 2 or 1)), 0.1))
    return _kept(_kept(1_797, 0.2), 0.1)  # the digits, for every image task


def _steps_per_epoch(v: dict) -> int:
    size = datasets.train_size(v.get("_dataset")) or v["_standin_size"]
    return max(1, math.ceil(size / v["batch_size"]))


def _steps_per_epoch_rule(v: dict) -> str:
    if datasets.train_size(v.get("_dataset")):
        return f"ceil({v['_dataset']} training set ({datasets.train_size(v['_dataset']):,}) / batch_size)"
    return (
        f"ceil(the offline stand-in's {v['_standin_size']:,} training examples / batch_size): the paper's "
        "dataset is not known here; train.py recomputes it from the data it loads"
    )


def training_fields(conv: dict[str, Any]) -> tuple[Field, ...]:
    """Training fields with the family's conventions ``conv`` (optimizer, learning_rate, batch_size, ...)."""

    def lr_default(v):
        if v["lr_schedule"] == "inverse_sqrt" and v.get("_d_model"):
            return round(v["_d_model"] ** -0.5 * max(v["warmup_steps"], 1) ** -0.5, 8)
        return conv["learning_rate"]

    def lr_reason(v):
        if v["lr_schedule"] == "inverse_sqrt" and v.get("_d_model"):
            return "peak of the inverse-sqrt (Noam) schedule: d_model^-0.5 * warmup_steps^-0.5"
        return conv["lr_reason"]

    return (
        Field("optimizer", conv["optimizer"], conv["why"], pilot=_pilot_optimizer),
        Field("lr_schedule", conv["lr_schedule"], conv["why"]),
        Field(
            "batch_size",
            lambda v: v["_batch_from_tokens"] or conv["batch_size"],
            lambda v: "batch_tokens / context_length" if v["_batch_from_tokens"] else conv["why"],
            inferred=lambda v: bool(v["_batch_from_tokens"]),
            kind=int,
            pilot=16,
        ),
        Field("epochs", None, "not stated; train_steps decides the length", kind=float, pilot=None),
        Field("steps_per_epoch", _steps_per_epoch, _steps_per_epoch_rule, keys=None, pilot=10, inferred=True),
        Field(
            "warmup_steps",
            lambda v: round(v["_warmup_epochs"] * v["steps_per_epoch"]) if v["_warmup_epochs"] else 0,
            lambda v: "warmup_epochs x steps_per_epoch" if v["_warmup_epochs"] else "no warmup stated",
            pilot=lambda full, p: min(full["warmup_steps"], 3),
            kind=int,
            inferred=lambda v: bool(v["_warmup_epochs"]),
        ),
        Field(
            "train_steps",
            lambda v: round(v["epochs"] * v["steps_per_epoch"]) if v["epochs"] else conv["train_steps"],
            lambda v: "epochs x steps_per_epoch" if v["epochs"] else "not stated; a nominal length",
            pilot=conv.get("pilot_steps", 40),
            kind=int,
            inferred=lambda v: bool(v["epochs"]),
        ),
        Field(
            "learning_rate", lr_default, lr_reason, kind=float, pilot=conv.get("pilot_lr", PILOT_OPTIMIZER_LR)
        ),
        Field("weight_decay", conv.get("weight_decay", 0.0), "not stated; no weight decay", kind=float),
        Field("momentum", 0.9, "not stated; the common SGD/RMSprop momentum", kind=float),
        Field("adam_beta1", 0.9, "not stated; Adam's default (Kingma & Ba, 2015)", kind=float),
        Field("adam_beta2", 0.999, "not stated; Adam's default (Kingma & Ba, 2015)", kind=float),
        Field("adam_eps", 1e-8, "not stated; Adam's default (Kingma & Ba, 2015)", kind=float),
        Field("label_smoothing", 0.0, "not stated; no label smoothing", kind=float),
        Field(
            "grad_clip", conv.get("grad_clip", 0.0), "not stated; no gradient clipping (0 = off)", kind=float
        ),
        Field("lr_min_ratio", 0.0, "cosine schedules decay to 0 unless the paper says otherwise", keys=None),
        Field(
            "lr_gamma",
            lambda v: 0.97 if v["lr_schedule"] == "exponential" else 0.1,
            lambda v: (
                "decay factor per epoch (mlintern's choice)"
                if v["lr_schedule"] == "exponential"
                else "divide by 10 at each milestone (the common step decay)"
            ),
            keys=None,
        ),
        Field(
            "lr_milestones",
            [0.5, 0.75],
            "step decay at 50% and 75% of training (mlintern's choice)",
            keys=None,
        ),
        Field("lr_power", 1.0, "polynomial decay power (mlintern's choice)", keys=None),
        Field("plateau_factor", 0.1, "plateau: divide the learning rate by 10", keys=None),
        Field(
            "plateau_patience",
            5,
            "plateau: after 5 epochs without improvement of the training loss "
            "(mlintern's choice; no validation metric here)",
            keys=None,
        ),
        Field(
            "micro_batch_size",
            lambda v: min(v["batch_size"], conv["micro_batch"]),
            "examples per forward pass on one device; gradient accumulation reaches batch_size",
            keys=None,
            pilot=16,
        ),
        Field("log_every", 10, "write a metrics line every 10 steps", keys=None, pilot=1),
        Field("ckpt_every", 1000, "checkpoint every 1000 steps (and at the end)", keys=None, pilot=10),
        Field(
            "eval_every",
            lambda v: max(1, v["train_steps"] // 10),
            "evaluate on the val split 10 times per run, and on val and test at the end (mlintern's choice)",
            keys=None,
            kind=int,
            pilot=10,
        ),
        Field(
            "eval_examples",
            10_000,
            "evaluate on at most this many examples of a split (mlintern's choice)",
            keys=None,
            kind=int,
            pilot=512,
        ),
        Field("seed", 1337, "fixed seed for reproducibility", keys=None),
    )


def resolve_training(
    conv: dict[str, Any],
    spec: dict[str, dict],
    model: dict[str, Any],
    dataset: str | None,
    notes: list[str],
    task: str = "classify",
) -> dict[str, dict]:
    """Training facts; the helpers (``_d_model`` ...) feed the conventions but are not written out."""
    tokens = (spec.get("batch_tokens") or {}).get("value")
    context = model.get("context_length")
    from_tokens = None
    if isinstance(tokens, (int, float)) and isinstance(context, int) and context > 0:
        from_tokens = max(1, round(tokens / context))
    seed = {
        "_d_model": model.get("d_model") if isinstance(model.get("d_model"), int) else None,
        "_dataset": dataset,
        "_standin_size": standin_train_size(task, model),
        "_warmup_epochs": (spec.get("warmup_epochs") or {}).get("value"),
        "_batch_from_tokens": from_tokens,
    }
    return resolve(training_fields(conv), spec, notes, seed)


# What train.py renders: only the optimizer(s) and schedule a project uses (its pilot may use Adam(W) where the
# paper's optimizer is not), and config.json keeps only the conventions that apply to them.
SUBSTITUTES = {"lamb": "adamw", "lars": "sgd", "adafactor": "adamw"}  # not in torch: the closest that is
SCHEDULES = ("constant", "step", "cosine", "linear", "inverse_sqrt", "polynomial", "exponential", "plateau")
SCHEDULE_KEYS = {
    "lr_min_ratio": {"cosine"},
    "lr_gamma": {"step", "exponential"},
    "lr_milestones": {"step"},
    "lr_power": {"polynomial"},
    "plateau_factor": {"plateau"},
    "plateau_patience": {"plateau"},
}
OPTIMIZER_KEYS = {
    "momentum": {"sgd", "rmsprop"},
    "adam_beta1": {"adam", "adamw"},
    "adam_beta2": {"adam", "adamw"},
    "adam_eps": {"adam", "adamw", "rmsprop"},
}


def train_features(optimizers: set[str], schedule: str) -> tuple[str, ...]:
    """Template tags for train.py: ``opt_<name>`` per torch optimizer used, ``opt_substitute`` when the paper's
    optimizer is not in torch, and ``sched_<schedule>`` (an unknown schedule renders as constant)."""
    names = {SUBSTITUTES.get(o, o) for o in optimizers}
    tags = [f"opt_{n}" for n in sorted(names)]
    if optimizers & set(SUBSTITUTES):
        tags.append("opt_substitute")
    tags.append(f"sched_{schedule if schedule in SCHEDULES else 'constant'}")
    return tuple(tags)


def applicable(train: dict[str, dict], optimizers: set[str]) -> dict[str, dict]:
    """``train`` without mlintern's conventions for an optimizer or schedule the project does not use (step-decay
    factors for a constant schedule, momentum for Adam); values the paper states are kept with their citation."""
    names = {SUBSTITUTES.get(o, o) for o in optimizers}
    schedule = train["lr_schedule"]["value"]

    def used(key: str) -> bool:
        return (key not in SCHEDULE_KEYS or schedule in SCHEDULE_KEYS[key]) and (
            key not in OPTIMIZER_KEYS or bool(names & OPTIMIZER_KEYS[key])
        )

    return {k: f for k, f in train.items() if used(k) or f.get("source") not in ("default", "inferred")}
