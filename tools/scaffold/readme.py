"""README.md of a generated project: how to run it, where every value came from, what was assumed."""

from __future__ import annotations

from typing import Any

from mlintern.tools.scaffold import facts as F
from mlintern.tools.scaffold.families import Family


def _cell(text: Any) -> str:
    return F.one_line(str(text), 160).replace("|", "\\|")


def _source(fact: dict) -> tuple[str, str, str]:
    src = fact.get("source", "paper")
    page = str(fact.get("page", "")) if src not in ("default", "inferred") else ""
    words = (
        fact.get("quote") if src not in ("default", "inferred") else (fact.get("reason") or fact.get("rule"))
    )
    return src, page, words or ""


def provenance_table(facts: dict[str, dict]) -> list[str]:
    rows = ["| key | value | source | page | paper's words / mlintern's reason |", "|---|---|---|---|---|"]
    for key, fact in facts.items():
        src, page, words = _source(fact)
        rows.append(f"| `{key}` | `{_cell(repr(fact['value']))}` | {src} | {page} | {_cell(words)} |")
    return rows


def commands(launcher: str) -> list[str]:
    lines = [
        "```bash",
        "python train.py --pilot                  # the pilot config: same architecture, tiny, CPU seconds",
        "python train.py                          # the paper's configuration",
        "python train.py --resume                 # continue from out/ckpt.pt (saved on Ctrl-C/SIGTERM too)",
        "python model.py --count-params           # parameters of the paper's configuration (meta device)",
    ]
    if launcher in ("torchrun", "slurm"):
        lines.append("torchrun --standalone --nproc_per_node=NUM_GPUS train.py   # DDP on one machine")
    if launcher == "slurm":
        lines.append(
            "sbatch --nodes=N --gpus-per-node=G --wrap 'srun torchrun --nnodes=$SLURM_NNODES "
            "--nproc_per_node=G --rdzv_backend=c10d --rdzv_endpoint=$(hostname):29500 train.py'"
        )
    lines.append("```")
    return lines


# The paper's metrics each task cannot measure here, said whether or not a claim uses them.
TASK_NOT_IMPLEMENTED = {
    "gan": "FID and Inception score (the discriminator's held-out loss and accuracy are recorded instead)",
    "detection": "detection mAP",
}


def evaluation_section(paper: dict, task: str | None = None) -> list[str]:
    """What train.py measures on the held-out splits, and which of the paper's claims it can be compared with."""
    from mlintern.tools.training.claims import CONDITIONS, METRICS, NOT_IMPLEMENTED

    loader = paper.get("dataset_loader") or {}
    no_val = loader.get("val_fraction") == 0
    out = [
        "## Evaluation",
        "",
        (
            "`train.py` evaluates on the `test` split every `eval_every` steps (the paper uses no validation "
            "split; these evaluations select nothing) and at the end; "
            if no_val
            else "`train.py` evaluates on the `val` split every `eval_every` steps and on `val` and `test` at the end; "
        )
        + 'the records go to `out/metrics.jsonl` as `{"split", "step", "loss", <metric>}` and '
        "`out/data.json` says which data the run used and whether it is the paper's.",
    ]
    if loader.get("splits"):
        out += ["", f"Splits of {loader['name']}: {loader['splits']}."]
    if loader.get("followed"):
        out += ["", "The paper's data protocol, followed on its data: " + "; ".join(loader["followed"]) + "."]
    missing = [TASK_NOT_IMPLEMENTED[t] for t in (task, loader.get("task")) if t in TASK_NOT_IMPLEMENTED]
    missing += [
        NOT_IMPLEMENTED[str(c.get("metric"))]
        for c in paper.get("results") or []
        if str(c.get("metric")) in NOT_IMPLEMENTED
    ]
    if missing:
        out += ["", "**Not implemented here:** " + "; ".join(dict.fromkeys(missing)) + "."]
    claims = paper.get("results") or []
    if claims:
        out += ["", "| paper's claim | page | evaluated here as |", "|---|---|---|"]
        for c in claims:
            metric = str(c.get("metric"))
            how = (
                f"`{METRICS[metric.lower()][0]}` on {c.get('split') or 'test'}"
                + (f" ({CONDITIONS[metric.lower()]})" if metric.lower() in CONDITIONS else "")
                if metric.lower() in METRICS
                else f"**not implemented**: {NOT_IMPLEMENTED.get(metric, 'no such metric here')}"
            )
            out.append(
                f"| {_cell(metric)} {c.get('value')}{c.get('unit') or ''}"
                f"{' (' + _cell(c['dataset']) + ')' if c.get('dataset') else ''} | {c.get('page', '')} | {how} |"
            )
    else:
        out += ["", "The paper states no result mlintern could read; nothing will be compared."]
    return out


def readme(
    family: Family, config: dict, meta: dict, assumptions: list[str], spec: dict, launcher: str
) -> str:
    paper = config["paper"]
    variant = f" — variant `{config['variant']}`" if config["variant"] else ""
    out = [
        f"# {paper['title']}{variant}",
        "",
        f"A PyTorch project scaffolded by mlintern from the paper's spec: {family.summary}.",
        "",
    ]
    if family.label:
        out += [f"> **{family.label}**", ""]
    out += [
        "## Run",
        "",
        *commands(launcher),
        "",
        "`train.py` writes `out/metrics.jsonl` and `out/ckpt.pt` (model, optimizer, config, step). "
        "The paper's batch size is reached by gradient accumulation; see the first lines it prints.",
        "",
    ]
    dataset = paper.get("dataset")
    out += ["## Data", ""]
    if dataset:
        how = (
            "stated by the paper" if dataset.get("source") == "paper" else f"inferred: {dataset.get('rule')}"
        )
        out.append(
            f"Paper's dataset: **{dataset['value']}** ({how}). `data.py` loads it when it can; otherwise it "
            "uses a local stand-in and says so loudly."
        )
    else:
        out.append(
            "The spec names no dataset `data.py` can load; every run uses the local stand-in (announced)."
        )
    out += ["", *evaluation_section(paper, family.task)]
    out += [
        "",
        "## Parameter check",
        "",
        "| configuration | ours | paper's | delta |",
        "|---|---|---|---|",
        f"| full | {meta['params_full']:,} | "
        f"{format(meta['params_paper'], ',') if meta['params_paper'] else 'not stated'} | "
        f"{format(meta['params_delta'], '+.2%') if meta['params_delta'] is not None else '—'} |",
        f"| pilot | {meta['params_pilot']:,} | | |",
        "",
        meta["params_note"],
        "",
    ]
    out += [
        "## Model values (config.json `model`)",
        "",
        *provenance_table(config["model"]),
        "",
        "## Training values (config.json `train`)",
        "",
        *provenance_table(config["train"]),
        "",
        "## Pilot configuration",
        "",
        f"Overrides for `--pilot`: model `{config['pilot']['model']}`, train `{config['pilot']['train']}`.",
        "",
    ]
    out += ["## Assumptions (not stated in the paper)", ""] + [f"- {_cell(a)}" for a in assumptions] + [""]
    settings = spec.get("settings") or {}
    if isinstance(settings, dict) and settings:
        out += ["## Other regimes the paper states (not applied here)", ""]
        for name, setting in settings.items():
            desc = setting.get("description", "") if isinstance(setting, dict) else ""
            out.append(f"- `{name}`: {_cell(desc)}")
        out.append("")
    return "\n".join(out)
