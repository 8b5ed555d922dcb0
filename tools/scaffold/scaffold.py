"""scaffold-model: a PaperSpec becomes a runnable, readable PyTorch project.

The pipeline: load the spec (a spec.json, a paper id of the workspace, or a PDF
parsed first) -> pick the variant -> resolve every model and training value
(the paper's, or the family's convention marked ``default``) -> render
model.py / train.py / data.py from the family's template -> count parameters of
the full and pilot configurations on the meta device -> write config.json,
README.md and mlintern.json, refusing to clobber files the user has edited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pprint
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from mlintern.tools.errors import ToolError
from mlintern.tools.scaffold import datasets, render
from mlintern.tools.scaffold import facts as F
from mlintern.tools.scaffold.families import Family, backbone_of_variant, family_for
from mlintern.tools.scaffold.fields import pilot
from mlintern.tools.scaffold.fields import resolve as resolve_fields
from mlintern.tools.scaffold.fit import fit_to_count
from mlintern.tools.scaffold.llm_model import Reading, unexpressed
from mlintern.tools.scaffold.project import write_project
from mlintern.tools.scaffold.readme import readme
from mlintern.tools.scaffold.training_fields import (
    SCHEDULES,
    applicable,
    dataset_name,
    resolve_training,
    train_features,
    training_fields,
)

PILOT_SCALE = {"tiny": 1, "small": 4, "medium": 16}  # multiplies the pilot's steps
TOLERANCE = 0.03
PILOT_NO_REGULARISATION = (
    "dropout",
    "attention_dropout",
    "stochastic_depth",
)  # |ours - paper| / paper above this is reported with its likely cause


def load_spec(ctx: Any, source: str) -> tuple[dict, str]:
    """The spec from a spec.json path, a workspace paper id, or a PDF (parsed first)."""
    ws = ctx.workspace
    if source.lower().endswith(".pdf"):
        from mlintern.tools import registry

        ctx.log(f"parsing {source} first")
        result = registry.call("parse-paper", {"paper": str(ws.path(source, must_exist=True))}, ctx)
        return _read_json(Path(result["spec_path"])), result["spec_path"]
    path = ws.path(source)
    if path.is_file():
        return _read_json(path), str(path)
    paper = ws.get_paper(source) if "/" not in source else None
    if paper and paper.get("spec_path"):
        return _read_json(Path(paper["spec_path"])), paper["spec_path"]
    raise ToolError(
        f"No spec at {source!r}: not a file, and no paper with that id in the workspace.",
        hint="Pass a spec.json made by `mlintern parse-paper`, a paper id it printed, or a PDF.",
        code="not_found",
    )


MAX_SPEC = 64 * 1024 * 1024


def _read_json(path: Path) -> dict:
    from mlintern.sandbox import files

    try:
        spec = json.loads(files.read_bytes(path, limit=MAX_SPEC).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ToolError(
            f"Cannot read the spec {path}: {err}.", hint="Pass a JSON file written by parse-paper."
        ) from err
    if not isinstance(spec, dict) or not isinstance(spec.get("family"), dict):
        raise ToolError(
            f"{path} is not a PaperSpec: it has no 'family' object.",
            hint="A PaperSpec has family: {value, evidence}, hyperparameters, variants, ...; "
            "make one with `mlintern parse-paper PAPER.pdf`.",
        )
    validate_spec(spec, path)
    return spec


TEXT_KEYS = ("quote", "rule", "reason", "title", "caption", "label", "text", "source", "name", "number")


def _spec_problems(node: Any, where: str, out: list[str], depth: int = 0) -> None:
    if depth > 40:
        out.append(f"{where}: nested too deeply")
        return
    if isinstance(node, dict):
        for key, value in node.items():
            at = f"{where}.{key}" if where else str(key)
            if (
                key == "page"
                and value is not None
                and (not isinstance(value, int) or isinstance(value, bool) or value < 0)
            ):
                out.append(f"{at} is {str(repr(value))[:60]}, not a page number")
            elif key in TEXT_KEYS and value is not None and not isinstance(value, str | dict | list):
                out.append(f"{at} is {type(value).__name__}, not text")
            else:
                _spec_problems(value, at, out, depth + 1)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _spec_problems(item, f"{where}[{i}]", out, depth + 1)


def validate_spec(spec: dict, path: Path | str) -> None:
    """Every spec is checked on load, whatever file it came from (a hand-edited or crafted spec.json reaches
    generated code): wherever they appear, pages are integers and quotes, rules and titles are text. The
    rendering escapes values too (``repr``, one-line comments); this makes a crafted spec a clear error."""
    problems: list[str] = []
    _spec_problems(spec, "", problems)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ToolError(
            f"{path} is not a valid PaperSpec: {problems[0]}{more}.",
            hint="Fix spec.json by hand (pages are integers, quotes are strings) or make it again with "
            "`mlintern parse-paper PAPER.pdf`.",
            code="invalid_spec",
        )


def choose_variant(spec: dict, variant: str | None) -> str | None:
    variants = spec.get("variants") or {}
    if not isinstance(variants, dict):
        raise ToolError(
            "The spec's 'variants' is not an object.", hint="Fix the spec: variants is {name: {key: fact}}."
        )
    if variant is not None:
        if variant not in variants:
            names = ", ".join(variants) or "(none)"
            raise ToolError(f"The spec has no variant {variant!r}.", hint=f"Variants in this spec: {names}.")
        return variant
    default = spec.get("default_variant")
    return default if default in variants else None


def spec_text(spec: dict) -> str:
    """Title and family evidence: where a layout choice (MobileNet v1/v2, Inception-BN) may be read."""
    parts = [str(spec.get("title") or ""), str(spec["family"].get("value") or "")]
    for ev in spec["family"].get("evidence") or []:
        if isinstance(ev, dict):
            parts.append(str(ev.get("quote") or ""))
    for fact in list((spec.get("hyperparameters") or {}).values()) + [
        f for v in (spec.get("variants") or {}).values() if isinstance(v, dict) for f in v.values()
    ]:
        if isinstance(fact, dict):
            parts.append(f"{fact.get('value')} {fact.get('quote') or ''}")
    return " ".join(parts)


def variant_text(spec: dict, variant: str | None) -> str:
    """The chosen variant's own name and quotes: where a per-variant template ("8x64d") may be read
    (the paper-wide text mixes every variant's rows). A quote that names another variant (a shared
    table header or row) is not the variant's own."""
    variants = spec.get("variants") or {}
    facts = variants.get(variant) if variant else None
    others = [str(o) for o in variants if o != variant and str(o) not in str(variant)]
    parts = [str(variant or "")]
    for fact in (facts or {}).values() if isinstance(facts, dict) else ():
        quote = str(fact.get("quote") or "") if isinstance(fact, dict) else ""
        if quote and not any(_names(o, quote) for o in others):
            parts.append(quote)
    return " ".join(parts)


def _names(name: str, text: str) -> bool:
    """Does ``text`` name the variant ``name`` (as a whole word, not inside a longer name)?"""
    return bool(re.search(r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])", text))


def count(model_py: Path, pilot_values: dict) -> tuple[int, int]:
    """Parameters of the full and the pilot configuration, built on the meta device.

    The generated model.py runs in the sandbox, never in the server (the code was made from a spec the
    server does not control): a sandboxed worker that imported torch once forks a fresh child for it."""
    from mlintern.sandbox import files
    from mlintern.sandbox.run import worker

    source = files.read_text(model_py, limit=16 * files.MiB)
    answer = worker().request({"source": source, "call": "count_params", "args": [pilot_values]})
    if "ok" in answer:
        full, small = answer["ok"]
        return int(full), int(small)
    kind, message = answer.get("error") or ["Error", "no answer"]
    if kind in ("AssertionError", "ValueError", "RuntimeError", "KeyError", "TypeError", "ZeroDivisionError"):
        raise ToolError(
            f"The model cannot be built from these values: {kind}: {message}.",
            hint="Check the spec's architecture values (e.g. d_model divisible by num_heads); "
            "fix spec.json and scaffold again.",
            code="model_build_failed",
        )
    raise ToolError(
        f"Counting the generated model's parameters failed in the sandbox: {kind}: {message}.",
        hint="A bug in the template or the spec's values; nothing was written.",
        code="model_build_failed",
    )


def params_check(family: Family, ours: int, paper: int | None, model: dict[str, dict]) -> dict:
    if not paper:
        return {"delta": None, "note": "The paper states no parameter count for this configuration."}
    delta = (ours - paper) / paper
    if abs(delta) <= TOLERANCE:
        return {"delta": delta, "note": f"Within {TOLERANCE:.0%} of the paper's count."}
    unstated = [f"{k}={fact['value']!r}" for k, fact in model.items() if fact.get("source") == "default"]
    note = (
        f"Off by {delta:+.1%} from the paper's {paper:,}. Likely cause: {family.mismatch}. "
        f"The architecture follows the spec and is not adjusted to hit the number."
    )
    if unstated:
        note += " Values the paper does not state (conventions used): " + ", ".join(unstated[:8]) + "."
    return {"delta": delta, "note": note}


def scaffold_model(
    ctx: Any,
    spec: str,
    output: str,
    variant: str | None = None,
    pilot_size: str = "tiny",
    launcher: str = "local",
    overwrite: bool = False,
) -> dict:
    paper_spec, spec_source = load_spec(ctx, spec)
    chosen = choose_variant(paper_spec, variant)
    out_dir = ctx.workspace.path(output, write=True)
    ctx.progress(1, 5, "resolving values")

    family_name = str(paper_spec["family"].get("value") or "other")
    family_name = backbone_of_variant(family_name, chosen) or family_name
    family = family_for(family_name, spec_text(paper_spec) + " " + (chosen or ""))
    stated = F.spec_facts(paper_spec, chosen)
    notes: list[str] = []
    seed = {
        "_spec": Reading(stated),
        "_text": spec_text(paper_spec),
        "_variant": chosen or "",
        "_variant_text": variant_text(paper_spec, chosen),
    }
    model = resolve_fields(family.fields, stated, notes, seed=seed)
    paper_count = (stated.get("num_params") or {}).get("value")
    paper_count = int(paper_count) if isinstance(paper_count, (int, float)) and paper_count > 0 else None
    if paper_count and family.fit is not None:
        model = _fit_shape(family, model, stated, seed, notes, paper_count) or model
    model_values = {k: f["value"] for k, f in model.items()}
    dataset = dataset_name(paper_spec, family.task, model_values)
    train = resolve_training(
        family.train, stated, model_values, dataset and dataset["value"], notes, family.task
    )
    scale = PILOT_SCALE[pilot_size]
    pilot_values = pilot(family.fields, model_values)
    for key in PILOT_NO_REGULARISATION:  # tiny models for a few steps: regularisation only hides progress
        if key in pilot_values:
            pilot_values[key] = 0.0
    pilot_model = {k: v for k, v in pilot_values.items() if v != model_values[k]}
    pilot_train_all = pilot(training_fields(family.train), {k: f["value"] for k, f in train.items()})
    pilot_train_all["train_steps"] *= scale
    optimizers = {train["optimizer"]["value"], pilot_train_all["optimizer"]}
    if train["lr_schedule"]["value"] not in SCHEDULES:
        notes.append(
            f"The schedule {train['lr_schedule']['value']!r} has no implementation here; train.py keeps "
            "the learning rate constant."
        )
    tags = train_features(optimizers, train["lr_schedule"]["value"])
    train = applicable(train, optimizers)
    pilot_train = {k: v for k, v in pilot_train_all.items() if k in train and v != train[k]["value"]}

    sections = paper_spec.get("sections") or []
    paper = {
        "title": F.one_line(paper_spec.get("title") or "untitled paper", 200),
        "arxiv_id": paper_spec.get("arxiv_id"),
        "family": {"value": family_name, "evidence": (paper_spec["family"].get("evidence") or [])[:3]},
        "dataset": dataset,
        "dataset_loader": datasets.entry(dataset["value"], dataset.get("protocol")) if dataset else None,
        # The paper's claims, compared with this project's evaluations in the report and the model card.
        "results": [
            {
                k: r.get(k)
                for k in ("metric", "value", "unit", "dataset", "split", "setting", "page", "quote", "main")
                if r.get(k) is not None
            }
            for r in paper_spec.get("results") or []
            if isinstance(r, dict)
        ],
    }
    config = {
        "paper": paper,
        "variant": chosen,
        "model": model,
        "train": train,
        "pilot": {"model": pilot_model, "train": pilot_train},
    }
    ctx.progress(2, 5, "rendering the project")
    files = _render_files(family, paper, model, sections, dataset, tags)
    files["config.json"] = json.dumps(config, indent=2) + "\n"
    writes_code = getattr(getattr(ctx, "brain", None), "uses_llm", False)
    if family.name == "other" and writes_code:
        family = _llm_model(
            ctx, family, files, notes, paper_spec, spec_source, stated, model_values, pilot_model
        )

    ctx.check_cancelled()
    ctx.progress(3, 5, "counting parameters on the meta device")
    params_full, params_pilot = _count_files(files, {**model_values, **pilot_model})
    gaps: list[str] = []  # stated facts the template does not express (llm_model.unexpressed)
    if family.name != "other":
        gaps = unexpressed(family, paper_spec, stated, model, chosen, files["model.py"], seed["_spec"].read)
        if paper_count and abs(params_full - paper_count) > TOLERANCE * paper_count:
            gaps.append(
                f"num_params = {paper_count:,} ({F.describe(stated['num_params'])}): the template builds "
                f"{params_full:,} ({(params_full - paper_count) / paper_count:+.1%}) from the stated values"
                + (" and the knobs fitted to the count" if family.fit else "")
            )
    if gaps and writes_code and family.task == "classify":  # the brain writes what the template lacks
        family = _llm_model(
            ctx, family, files, notes, paper_spec, spec_source, stated, model_values, pilot_model, gaps
        )
        if family.summary.startswith(LLM_SUMMARY):
            params_full, params_pilot = _count_files(files, {**model_values, **pilot_model})

    check = params_check(family, params_full, paper_count, model)
    assumptions = (
        ([family.label] if family.label else [])
        + [
            f"{k} = {f['value']!r}: {f['reason']}"
            for part in (model, train)
            for k, f in part.items()
            if f.get("source") == "default"
        ]
        + notes
    )
    meta = {
        "generator": "mlintern scaffold-model",
        "spec_digest": hashlib.sha256(json.dumps(paper_spec, sort_keys=True).encode()).hexdigest(),
        "spec_source": spec_source,
        "title": paper["title"],
        "family": family_name,
        "template": "llm" if family.summary.startswith(LLM_SUMMARY) else family.template,
        "task": family.task,
        "variant": chosen,
        "label": family.label,
        "params_full": params_full,
        "params_pilot": params_pilot,
        "params_paper": paper_count,
        "params_delta": check["delta"],
        "params_note": check["note"],
        "dataset": dataset and dataset["value"],
        "launcher": launcher,
        "pilot_size": pilot_size,
        "unexpressed": gaps,
    }
    files["README.md"] = readme(family, config, meta, assumptions, paper_spec, launcher) + _gaps_section(
        family, gaps
    )
    ctx.progress(4, 5, "writing files")
    written = write_project(out_dir, files, meta, overwrite=overwrite)
    ctx.progress(5, 5, "done")

    delta_text = "" if check["delta"] is None else f" ({check['delta']:+.1%} vs the paper's {paper_count:,})"
    summary = "\n".join(
        filter(
            None,
            [
                f"Scaffolded {family_name}{' / ' + chosen if chosen else ''} into {ctx.workspace.relative(out_dir)}",
                family.label,
                f"Parameters: {params_full:,} full{delta_text}; {params_pilot:,} pilot.",
                _gaps_line(family, gaps),
                f"{sum(1 for p in (model, train) for f in p.values() if f.get('source') != 'default')} values from the "
                f"paper, {len(assumptions)} assumptions (see README.md).",
                f"Try: cd {ctx.workspace.relative(out_dir)} && python train.py --pilot",
            ],
        )
    )
    return {
        "project": str(out_dir),
        "family": family_name,
        "variant": chosen,
        "params_full": params_full,
        "params_pilot": params_pilot,
        "params_paper": paper_count,
        "params_delta": check["delta"],
        "files": written,
        "assumptions": assumptions,
        "unexpressed": gaps,
        "summary": summary,
    }


def _gaps_line(family: Family, gaps: list[str]) -> str | None:
    if not gaps:
        return None
    if family.summary.startswith(LLM_SUMMARY):
        return f"A language model extended the template to express {len(gaps)} stated fact(s) (README.md)."
    return f"The {family.name} template does not express {len(gaps)} stated fact(s): " + "; ".join(gaps)


def _gaps_section(family: Family, gaps: list[str]) -> str:
    """README: the stated facts the template does not express (and whether a language model added them)."""
    if not gaps:
        return ""
    if family.summary.startswith(LLM_SUMMARY):
        head = (
            "The template alone did not express these stated facts; the language model was asked to add "
            "them to model.py. mlintern verified the count and the pilot, not each block: check them."
        )
    else:
        head = (
            "model.py does NOT build these facts the spec states (no block or field of the template "
            "takes them); the model differs from the paper there. A brain that writes code "
            "(`mlintern-server --auto --brain anthropic`, or an MCP host with sampling) can extend the "
            "template, verified before use."
        )
    out = ["", "## Stated facts the template does not express", "", head, ""]
    return "\n".join(out + [f"- {F.one_line(g, 400)}" for g in gaps]) + "\n"


LLM_SUMMARY = "the paper's architecture as written by a language model"


def _count_files(files: dict[str, str], pilot_values: dict) -> tuple[int, int]:
    with tempfile.TemporaryDirectory(prefix="mlintern-scaffold-") as staging:  # nothing lands in out_dir yet
        (Path(staging) / "model.py").write_text(files["model.py"])
        return count(Path(staging) / "model.py", pilot_values)


def _llm_model(
    ctx, family, files, notes, spec, spec_source, stated, model_values, pilot_model, gaps=None
) -> Family:
    """No template covers the paper, or the template lacks what ``gaps`` lists: the brain writes model.py
    (from the template's, for a known family), accepted only once verified (llm_model.py)."""
    from mlintern.tools.scaffold.llm_model import ROUNDS, write_model

    ctx.progress(2, 5, "a language model writes model.py (verified before it is accepted)")
    paper_count = (stated.get("num_params") or {}).get("value")
    paper_count = int(paper_count) if isinstance(paper_count, (int, float)) and paper_count > 0 else None
    start = {"family": family.name, "source": files["model.py"], "lacks": gaps} if gaps else None
    got = write_model(
        ctx, spec, spec_source, stated, model_values, {**model_values, **pilot_model}, paper_count, start
    )
    if got["source"] is None:
        kept = f"the {family.name} template" if gaps else "the MLP baseline"
        notes.append(
            f"A language model was asked to write the paper's architecture ({ROUNDS} rounds at most); no draft "
            f"passed mlintern's checks, so this is {kept}. What differed: " + " | ".join(got["errors"])
        )
        return family
    files["model.py"] = got["source"]
    why = (
        f"the {family.name} template does not express {len(gaps)} stated fact(s) (listed below)"
        if gaps
        else "no template covers this paper"
    )
    return dataclasses.replace(
        family,
        summary=LLM_SUMMARY + " (verified: ruff, imports, count, pilot loss falls)",
        mismatch="the language model's reading of the architecture",
        label=(
            f"MODEL WRITTEN BY A LANGUAGE MODEL (draft {got['rounds']}): {why}. mlintern "
            "verified that model.py parses, passes ruff, imports only torch and the standard library and that "
            "its parameter count (computed in the sandbox) matches the paper's within 3% where one is stated. "
            "Review it against the paper."
        ),
    )


def _fit_shape(
    family: Family,
    model: dict[str, dict],
    stated: dict[str, dict],
    seed: dict,
    notes: list[str],
    paper_count: int,
) -> dict[str, dict] | None:
    """The model facts with the knobs the paper leaves unsaid derived from its stated count (see fit.py)."""
    values = {"DOC": "", "NAME": family.name, "TITLE": "", "TASK": family.task}
    text = render.render(family.template, family.task, values, model, [])
    from mlintern.sandbox.run import worker

    def count_with(overrides: dict[str, dict]) -> int:
        """The full configuration's count with ``overrides``: the generated code runs in the sandbox."""
        facts = resolve_fields(family.fields, stated, [], seed=seed, forced=overrides)
        answer = worker().request(
            {"source": text, "call": "count_each", "args": [[{k: f["value"] for k, f in facts.items()}]]}
        )
        got = (answer.get("ok") or [None])[0]
        return got if isinstance(got, int) else 10**18  # a shape this family cannot build is never chosen

    overrides = None
    for fit in family.fit:  # the first knob the paper leaves unsaid that moves the count closer
        overrides = fit_to_count(fit, stated, model, paper_count, count_with)
        if overrides:
            break
    if not overrides:
        return None
    notes.append(
        "The paper states the count but not " + " / ".join(overrides) + "; derived from the count "
        "in the family's usual proportions (marked inferred)."
    )
    return resolve_fields(family.fields, stated, [], seed=seed, forced=overrides)


def _render_files(
    family: Family, paper: dict, model: dict, sections: list, dataset: dict | None, tags: tuple[str, ...]
) -> dict[str, str]:
    title = F.doc_safe(paper["title"])
    arxiv = f" (arXiv {F.doc_safe(str(paper['arxiv_id']))})" if paper.get("arxiv_id") else ""
    label = "\n\n" + textwrap.fill(family.label, 100) if family.label else ""
    doc = (
        textwrap.fill(f"{family.summary[0].upper()}{family.summary[1:]}.", 100) + "\n\n"
        f"{textwrap.fill('Implements: ' + title + arxiv + '.', 100)}{label}\n\n"
        "Generated by mlintern. Comments marked `Paper` quote the page they cite; comments marked `mlintern`\n"
        "are mlintern's own choices (the family's published conventions), never the paper's words.\n"
        "`python model.py --count-params` prints the full configuration's parameter count as its last line.\n"
    )
    values = {"DOC": doc, "NAME": family.name, "TITLE": title, "TASK": family.task}
    standin = STANDINS[family.task]
    data_values = {
        **values,
        "DATASET": pprint.pformat(
            datasets.entry(dataset["value"], dataset.get("protocol")) if dataset else None,
            width=100,
            sort_dicts=False,
        ),
        "DATASET_TEXT": f"the paper's {dataset['value']}" if dataset else "the paper's dataset is not named",
        "LOADER_TEXT": datasets.loader_text(dataset["value"] if dataset else None),
        "STANDIN_TEXT": standin,
        "STANDIN": standin.replace('"', "'"),
    }
    return {
        "model.py": render.render(family.template, family.task, values, model, sections),
        "train.py": render.render("train", family.task, values, tags=tags),
        "data.py": render.render("data", family.task, data_values),
    }


STANDINS = {
    "classify": "scikit-learn's bundled 8x8 digits, resized to the model's input size",
    "segment": "scikit-learn's bundled digits, resized; the mask marks ink pixels",
    "gan": "scikit-learn's bundled 8x8 digits, resized and flattened",
    "vae": "scikit-learn's bundled 8x8 digits, resized and flattened",
    "lm": "Python's own pydoc_data topics text as byte-level tokens",
    "mlm": "Python's own pydoc_data topics text as byte-level tokens, 15% masked",
    "seq2seq": "a synthetic task: the target is the source sequence reversed",
}
