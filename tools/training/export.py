"""export-model: a finished run's weights as safetensors, a config.json and a model card.

The checkpoint was written by untrusted training code, so it is loaded with
``torch.load(weights_only=True)``: a pickle that tries to run code is refused,
never executed in the server. Output goes to ``<project>/export/``:
``model.safetensors``, ``config.json`` (transformers-style: ``model_type``,
``architectures``, the model's constructor arguments at top level),
``README.md`` (the model card) and a copy of ``model.py`` so the folder loads
on its own with plain torch + safetensors.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.errors import ToolError
from mlintern.tools.training.card import with_results
from mlintern.tools.training.metrics import read_metrics
from mlintern.tools.training.runs import _pick

STANDIN_RE = re.compile(r"STAND-IN DATA \(([^)]*)\):\s*(.+?)(?:\. Results say|\n|$)")
STRIP_PREFIXES = ("module.", "_orig_mod.")
MAX_SOURCE = 8 * files.MiB  # model.py, config.json, mlintern.json: larger ones are not the scaffold's


def _check_size(fh, path: Path) -> None:
    """Refuse before ``torch.load`` allocates: a checkpoint the training wrote can claim anything. torch
    allocates what each zip member inflates to, so a few-MB file of deflated zeros took 2.3 GB of this
    server (tests/test_hostile_unseen.py); the old pickle-only format allocates sizes its header states."""
    sizes = files.zip_expansion(fh)
    if sizes is None:
        raise ToolError(
            f"{path.name} is not a zip checkpoint (torch.save's format since PyTorch 1.6); the legacy "
            "format allocates whatever sizes its header claims, so mlintern refuses to read it.",
            hint="Save with a plain torch.save(...) (the scaffold's train.py does).",
            code="unsafe_checkpoint",
        )
    inflated, stored = sizes
    if inflated > 4 * stored + 64 * files.MiB:
        raise ToolError(
            f"{path.name} would inflate from {stored / files.MiB:,.1f} MB to {inflated / files.MiB:,.0f} MB; "
            "torch.save writes uncompressed checkpoints, so mlintern refuses to read this one (a zip bomb).",
            hint="Save with a plain torch.save(...) (the scaffold's train.py does).",
            code="unsafe_checkpoint",
        )
    free = files.available_memory()
    if free is not None and inflated > free // 2:
        raise ToolError(
            f"{path.name} needs {inflated / files.MiB:,.0f} MB of memory to read, more than half of the "
            f"{free / files.MiB:,.0f} MB available; refusing rather than letting this server run out.",
            hint="Free memory, or export on a machine with more of it.",
            code="unsafe_checkpoint",
        )


def _load_checkpoint(path: Path, root: Path | None = None) -> dict:
    import pickle
    import warnings

    import torch

    try:
        with warnings.catch_warnings(), files.open_read(path, root=root) as fh:  # never a link or a FIFO
            _check_size(fh, path)
            # a non-default pickle protocol only warns; the safe loader decides
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            ckpt = torch.load(fh, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise ToolError(
            f"{path.name} holds Python objects beyond tensors and plain data; refusing to unpickle "
            "code written by the training (it could run anything in this server).",
            hint="Save checkpoints as dicts of tensors, numbers, strings and lists (the scaffold's "
            "train.py does).",
            code="unsafe_checkpoint",
        ) from err
    except (OSError, RuntimeError, EOFError) as err:
        raise ToolError(
            f"Cannot read checkpoint {path}: {err}.",
            hint="Is the run's checkpoint complete?",
            code="bad_checkpoint",
        ) from err
    if not isinstance(ckpt, dict):
        raise ToolError(f"{path.name} is not a dict checkpoint.", code="bad_checkpoint")
    return ckpt


def _weights(ckpt: dict) -> dict:
    import torch

    state = ckpt.get("model", ckpt)
    tensors = {}
    for key, value in state.items() if isinstance(state, dict) else ():
        if isinstance(value, torch.Tensor):
            for prefix in STRIP_PREFIXES:  # DDP / torch.compile wrappers
                key = key.removeprefix(prefix)
            tensors[key] = value
    if not tensors:
        raise ToolError(
            "The checkpoint has no model tensors (expected a 'model' state dict).",
            hint="train.py should save {'model': model.state_dict(), ...}.",
            code="bad_checkpoint",
        )
    seen: set[tuple[int, int]] = set()
    out = {}
    for key, value in tensors.items():  # safetensors refuses shared storage (tied weights): copy repeats
        ident = (value.untyped_storage().data_ptr(), value.storage_offset())
        out[key] = value.detach().clone().contiguous() if ident in seen else value.detach().contiguous()
        seen.add(ident)
    return out


def _training_data(run: dict, config: dict) -> tuple[str, bool]:
    """What the run really trained on: the data script's stand-in announcement wins over the paper's name."""
    run_dir = Path(run["run_dir"])
    text = "".join(files.head_and_tail(run_dir / name) for name in ("stderr.log", "stdout.log"))
    found = STANDIN_RE.search(text)
    if found:
        return (
            f"**Trained on an offline stand-in, not the paper's data** ({found.group(1)}): "
            f"{found.group(2).strip()}. Its metrics say nothing about the paper's results."
        ), True
    dataset = ((config.get("paper") or {}).get("dataset") or {}).get("value")
    if dataset:
        return f"The paper's dataset, {dataset}, as loaded by the project's data.py.", False
    return "Unknown: the run did not say which data it used.", False


def _provenance(section: dict) -> list[str]:
    rows = ["| key | value | source | page | quote |", "|---|---|---|---|---|"]
    for key, fact in section.items():
        if isinstance(fact, dict) and "value" in fact:
            quote = str(fact.get("quote") or fact.get("rule") or fact.get("reason") or "").replace("|", "\\|")
            rows.append(
                f"| {key} | `{json.dumps(fact['value'])}` | {fact.get('source', '')} | "
                f"{fact.get('page') if fact.get('page') is not None else ''} | {quote[:120]} |"
            )
    return rows


def _card(
    *,
    run: dict,
    config: dict,
    meta: dict,
    data_line: str,
    standin: bool,
    rows: list[dict],
    num_params: int,
    step: int | None,
) -> str:
    paper = config.get("paper") or {}
    title = paper.get("title") or meta.get("title") or Path(run["project"]).name
    arxiv = paper.get("arxiv_id")
    family = (
        (paper.get("family") or {}).get("value")
        if isinstance(paper.get("family"), dict)
        else meta.get("family")
    )
    last = rows[-1] if rows else {}
    first = rows[0] if rows else {}
    unfinished = run["status"] != "succeeded"
    lines = [
        "---",
        "library_name: pytorch",
        "tags:",
        "- mlintern",
        f"- {family or 'model'}",
        *(["- offline-stand-in-data"] if standin else []),
        "---",
        "",
        f"# {title} — reimplementation trained by mlintern",
        "",
        "## Paper",
        "",
        f"- Title: {title}",
    ]
    if arxiv:
        lines.append(f"- arXiv: [{arxiv}](https://arxiv.org/abs/{arxiv})")
    lines += [
        f"- Architecture family: {family or 'unknown'}; variant: {config.get('variant') or 'default'}",
        "",
        "## Training data",
        "",
        data_line,
        "",
        "## Training run",
        "",
        f"- Run `{run['id']}` ({run['mode']}, launcher {run['launcher']}), ended **{run['status']}**"
        + (f": {run['reason']}" if run.get("reason") else ""),
        f"- Steps: {step if step is not None else 'unknown'}; parameters: {num_params:,}",
        f"- Loss: first logged {first.get('loss', '—')}, last logged {last.get('loss', '—')}",
        f"- Last metrics: `{json.dumps(last)}`" if last else "- No metrics were logged.",
        "",
        "## Provenance",
        "",
        "Every value with its source: `paper`/`table` (page and the paper's words), `inferred` (rule) or "
        "`default` (mlintern's assumption, not the paper's).",
        "",
        "### Model",
        "",
        *_provenance(config.get("model") or {}),
        "",
        "### Training",
        "",
        *_provenance(config.get("train") or {}),
        "",
        "## Load",
        "",
        "```python",
        "import json, torch",
        "from safetensors.torch import load_file",
        "from model import *  # model.py is in this folder",
        "",
        'cfg = json.load(open("config.json"))',
        'args = {k: cfg[k] for k in cfg["mlintern"]["model_args"]}',
        'model = globals()[cfg["mlintern"]["model_class"]](globals()[cfg["mlintern"]["config_class"]](**args))',
        'model.load_state_dict(load_file("model.safetensors"))',
        "```",
        "",
        "## Limitations",
        "",
    ]
    limits = ["A reimplementation generated from the paper's text; it is not the authors' code or weights."]
    if standin:
        limits.append(
            "Trained on an offline stand-in dataset: the weights are a smoke test, not a usable model."
        )
    if run["mode"] == "pilot":
        limits.append("A pilot run: a tiny configuration for a few steps, not the paper's configuration.")
    if unfinished:
        limits.append(
            f"The run did not finish ({run['status']}); these are the weights of its last checkpoint."
        )
    defaults = [
        k
        for part in ("model", "train")
        for k, f in (config.get(part) or {}).items()
        if isinstance(f, dict) and f.get("source") == "default"
    ]
    if defaults:
        limits.append(f"Values the paper does not state were assumed: {', '.join(defaults)}.")
    lines += [f"- {item}" for item in limits]
    return "\n".join(lines) + "\n"


def _classes(model_py: Path, project: Path) -> tuple[str | None, str | None]:
    """The model and config class names in model.py (scaffold: Model / ModelConfig)."""
    text = files.try_read_text(model_py, root=project, limit=MAX_SOURCE)
    if text is None:
        return None, None
    config_cls = next(iter(re.findall(r"^class (\w*Config)\b", text, re.M)), None)
    model_cls = next((c for c in re.findall(r"^class (\w+)\(nn\.Module\)", text, re.M) if c == "Model"), None)
    if model_cls is None:
        found = re.findall(r"^class (\w+)\(nn\.Module\)", text, re.M)
        model_cls = found[-1] if found else None
    return model_cls, config_cls


def _push(export_dir: Path, repo: str, names: list[str], project: Path) -> str:
    """Upload exactly the files export wrote (not whatever else the training code put in export/)."""
    try:
        import huggingface_hub
    except ImportError as err:
        raise ToolError(
            "huggingface_hub is not installed; nothing was sent.",
            hint="pip install 'mlintern[hub]', then export again.",
            code="hub_unavailable",
        ) from err
    token = os.environ.get("HF_TOKEN") or huggingface_hub.get_token()
    if not token:
        raise ToolError(
            f"No Hugging Face token; nothing was sent to {repo}. The export is on disk at {export_dir}.",
            hint="Set HF_TOKEN or run `huggingface-cli login`, then export again.",
            code="hub_unavailable",
        )
    api = huggingface_hub.HfApi(token=token)
    try:
        api.create_repo(repo, exist_ok=True)
        ops = [
            huggingface_hub.CommitOperationAdd(
                path_in_repo=name,
                path_or_fileobj=files.read_bytes(
                    export_dir / name, root=project, limit=1024 * files.MiB * 64
                ),
            )
            for name in names
        ]
        info = api.create_commit(repo_id=repo, operations=ops, commit_message="mlintern export-model")
    except Exception as err:  # network down, auth refused, ...: the Hub's own exception types vary by version
        raise ToolError(
            f"Upload to {repo} failed ({type(err).__name__}: {err}); nothing was sent. The export is on "
            f"disk at {export_dir}.",
            hint="Check the network and the token's write access.",
            code="hub_unavailable",
        ) from err
    return str(getattr(info, "commit_url", None) or f"https://huggingface.co/{repo}")


def export_model(
    ctx, *, run_id: str = "latest", checkpoint: str | None = None, push_to_hub: str | None = None
) -> dict:
    from safetensors.torch import save

    ws = ctx.workspace
    run = _pick(ws, run_id)
    project = Path(run["project"])
    out_dir = Path(run["meta"].get("out_dir") or project / "out")
    ckpt_path = ws.path(checkpoint, must_exist=True) if checkpoint else out_dir / "ckpt.pt"
    if not files.is_regular(ckpt_path, root=None if checkpoint else out_dir):
        raise ToolError(
            f"Run {run['id']} has no checkpoint at {ckpt_path}.",
            hint="Run it (longer, or with ckpt_every) until it saves one, or pass checkpoint=PATH"
            + (
                " (a SLURM job writes it on the cluster's shared file system: copy it here)."
                if run["launcher"] == "slurm"
                else "."
            ),
            code="not_found",
        )
    if run["status"] in ("queued", "running"):
        raise ToolError(
            f"Run {run['id']} is still {run['status']}.",
            hint="Export after it ends (or stop it).",
            code="busy",
        )
    ckpt = _load_checkpoint(ckpt_path, root=None if checkpoint else out_dir)
    tensors = _weights(ckpt)
    config = _read_json(project / "config.json", project)
    meta = _read_json(project / "mlintern.json", project)
    model_args = (
        (ckpt.get("config") or {}).get("model") if isinstance(ckpt.get("config"), dict) else None
    ) or {}
    rows = [r for r in read_metrics(out_dir / "metrics.jsonl") if "split" not in r]  # training rows
    step = ckpt.get("step") if isinstance(ckpt.get("step"), int) else None
    data_line, standin = _training_data(run, config)
    num_params = sum(t.numel() for t in tensors.values())
    model_cls, config_cls = _classes(project / "model.py", project)

    # The project folder was writable by the training code: every file below is written without following
    # a link (export/ itself, or export/model.py -> a host file, is refused or replaced, never written through).
    export_dir = files.make_dir(project / "export", root=project)
    family = meta.get("family") or "model"
    files.write_bytes(
        export_dir / "model.safetensors",
        save(tensors, metadata={"format": "pt", "mlintern_run": run["id"], "step": str(step)}),
        root=project,
    )
    hf_config = {
        **model_args,
        "model_type": f"mlintern-{family}",
        "architectures": [model_cls] if model_cls else [],
        "torch_dtype": str(next(iter(tensors.values())).dtype).removeprefix("torch."),
        "num_parameters": num_params,
        "mlintern": {
            "run_id": run["id"],
            "step": step,
            "mode": run["mode"],
            "model_args": sorted(model_args),
            "model_class": model_cls,
            "config_class": config_cls,
            "family": family,
            "offline_standin": standin,
            "exported": time.time(),
        },
    }
    files.write_text(export_dir / "config.json", json.dumps(hf_config, indent=2) + "\n", root=project)
    card = _card(
        run=run,
        config=config,
        meta=meta,
        data_line=data_line,
        standin=standin,
        rows=rows,
        num_params=num_params,
        step=step,
    )
    card = with_results(
        card, config, out_dir, (config.get("paper") or {}).get("title") or family, step
    )  # card.py
    files.write_text(export_dir / "README.md", card, root=project)
    written = ["model.safetensors", "config.json", "README.md"]
    if files.is_regular(project / "model.py", root=project):  # a link or FIFO named model.py is not copied
        files.copy_file(
            project / "model.py",
            export_dir / "model.py",
            src_root=project,
            dst_root=project,
            limit=MAX_SOURCE,
        )
        written.append("model.py")
    hub_url = _push(export_dir, push_to_hub, written, project) if push_to_hub else None
    summary = [
        f"exported {run['id']} (step {step}) to {export_dir}: {', '.join(written)}",
        f"{len(tensors)} tensors, {num_params:,} parameters",
    ]
    if standin:
        summary.append("model card says: trained on an offline stand-in")
    if hub_url:
        summary.append(f"pushed to {hub_url}")
    return {
        "export_dir": str(export_dir),
        "files": written,
        "num_tensors": len(tensors),
        "num_params": num_params,
        "offline_standin": standin,
        "hub_url": hub_url,
        "summary": "\n".join(summary),
    }


def _read_json(path: Path, project: Path) -> dict:
    text = files.try_read_text(path, root=project, limit=MAX_SOURCE)
    try:
        data = json.loads(text) if text is not None else {}
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}
