"""PLAN.md: what the loop will do, what it should cost, and what it must assume.

Written right after parsing and the memory check (which scaffolds the variant to run), before anything is run, so a person can
read what is about to happen. The assumptions are the keys the paper leaves
unstated (the spec's ``missing``) and the values mlintern had to choose
(facts whose source is ``default``); the report later compares plan and outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlintern.tools.reproduce.doc import Doc

PARSE_S, SCAFFOLD_S, EXPORT_S = 5, 5, 5


def load_spec(agent) -> dict:
    path = (agent.s.steps.get("parse") or {}).get("spec_path")
    try:
        return json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}


def assumptions(spec: dict) -> list[dict]:
    """One entry per unstated or defaulted key: ``{key, value, why}``."""
    out: list[dict] = []
    seen = set()
    facts = dict(spec.get("hyperparameters") or {})
    for key, fact in facts.items():
        if isinstance(fact, dict) and fact.get("source") == "default":
            out.append(
                {
                    "key": key,
                    "value": fact.get("value"),
                    "why": fact.get("rule")
                    or fact.get("quote")
                    or "not stated in the paper; mlintern's default",
                }
            )
            seen.add(key)
    for item in spec.get("missing") or []:
        key = item.get("key") if isinstance(item, dict) else str(item)
        if key in seen:
            continue
        why = (item.get("reason") or item.get("why")) if isinstance(item, dict) else None
        out.append(
            {
                "key": key,
                "value": item.get("default") if isinstance(item, dict) else None,
                "why": why or "the paper does not state it; the scaffold will use the family's convention",
            }
        )
    return out


def _scale_line(spec: dict, train_minutes: float | None) -> str:
    """Which run the claims will be compared with, and at which scale, said before anything runs."""
    facts = spec.get("hyperparameters") or {}
    fact = facts.get("train_steps")
    steps = fact.get("value") if isinstance(fact, dict) else None
    epochs = (facts.get("epochs") or {}).get("value") if isinstance(facts.get("epochs"), dict) else None
    if (
        isinstance(epochs, (int, float))
        and epochs > 0
        and not (isinstance(steps, (int, float)) and steps > 0)
    ):
        paper = (
            f"the paper's {epochs:g} epochs (page {facts['epochs'].get('page')}, as steps on this run's data)"
        )
    elif isinstance(steps, (int, float)) and steps > 0 and fact.get("source") in ("paper", "table"):
        paper = f"the paper's {int(steps):,} training steps (page {fact.get('page')})"
    elif isinstance(steps, (int, float)) and steps > 0:
        paper = f"{int(steps):,} training steps ({fact.get('source') or 'inferred'}: the paper does not state them)"
    else:
        paper = "the paper's training length (not stated: the scaffold's default)"
    budget = (
        f"at most {train_minutes:.1f} min here" if train_minutes is not None else "what the budget leaves"
    )
    return (
        f"Scale: the full run gets {budget}; the claims are compared with its final held-out evaluation, "
        f"at full scale only if it reaches {paper}, else *not comparable: budget-cut*. If the full run "
        "records no held-out evaluation (stopped before its first one), the last pilot's records are used, "
        "at pilot scale (*not comparable*)."
    )


def comparison_plan(spec: dict, train_minutes: float | None = None) -> list[str]:
    """Before the run: which of the paper's claims will be compared with which held-out measurement, on
    which data, at which scale, and what would make the comparison impossible."""
    from mlintern.tools.scaffold import datasets
    from mlintern.tools.training.claims import METRICS, NOT_IMPLEMENTED

    named = [d for d in spec.get("datasets") or [] if isinstance(d, dict)]
    named.sort(key=lambda d: not d.get("main"))
    found = next(
        (
            (d, datasets.lookup(d.get("name"), d.get("quote") or ""))
            for d in named
            if datasets.lookup(d.get("name"), d.get("quote") or "")
        ),
        (None, None),
    )
    entry = datasets.entry(found[1])
    if entry is None:
        data = (
            "Data: the paper's dataset is "
            + (f"{named[0]['name']}, which mlintern cannot load" if named else "not named")
            + "; the run uses an announced stand-in, so every claim will be *not comparable*."
        )
    elif entry["loader"] == "manual":
        data = (
            f"Data: {entry['name']} needs a manual download ({entry['manual']}); without it the run uses an "
            "announced stand-in and every claim will be *not comparable*."
        )
    else:
        data = (
            f"Data: {entry['name']} ({datasets.loader_text(entry['name'])}); {entry['splits']}. If it cannot "
            "be loaded here, an announced stand-in is used and the claims become *not comparable*."
        )
    out = [data, _scale_line(spec, train_minutes)]
    for r in spec.get("results") or []:
        if not isinstance(r, dict):
            continue
        metric = str(r.get("metric"))
        mapping = METRICS.get(metric.lower())
        target = (
            f"our {'`' + mapping[0] + '`' if mapping[1] is None else f'100 - `{mapping[0]}`'} on the "
            f"{'val' if r.get('split') == 'val' else 'test'} split"
            if mapping
            else f"nothing: {NOT_IMPLEMENTED.get(metric, 'not implemented here')}"
        )
        out.append(
            f"{'Main claim' if r.get('main') else 'Claim'}: {metric} {r.get('value')}{r.get('unit') or ''}"
            f"{' on ' + str(r['dataset']) if r.get('dataset') else ' (its dataset unstated)'} (page {r.get('page')}) "
            f"vs {target}."
        )
    if not spec.get("results"):
        out.append(
            "The paper states no result mlintern could read: the report will show our held-out metrics "
            "without a claim to compare."
        )
    out.append(
        "A claim counts as *reproduced* within 1 point (metrics in %) or 5% of its value; a pilot-scale or "
        "budget-cut run is *not comparable*, whatever its numbers."
    )
    return out


def write_plan(agent) -> tuple[Path, list[dict], dict]:
    spec = load_spec(agent)
    parsed = agent.s.steps["parse"]
    opts, budget = agent.opts, agent.budget
    assumed = assumptions(spec)
    train_min = (
        opts.train_minutes
        if opts.train_minutes is not None
        else max((budget.wall_left - budget.reserve_s - PARSE_S - SCAFFOLD_S - EXPORT_S) / 60.0, 0)
    )
    llm = "0 (offline rules)" if not agent.brain.uses_llm else f"at most ${opts.max_usd:.2f}"
    doc = Doc(f"Plan: {parsed.get('title') or agent.key}")
    doc.p(
        f"Paper: {agent.source} · family: {parsed.get('family')} · brain: {agent.brain.name} · "
        f"spec: {parsed.get('spec_path')}"
    )
    doc.h("Steps")
    doc.table(
        ["#", "step", "what", "estimated time", "estimated cost"],
        [
            [1, "parse", "read the PDF into a cited spec (done)", f"{parsed.get('seconds', PARSE_S)} s", "-"],
            [2, "scaffold", "generate model.py, train.py, data.py, config.json", f"~{SCAFFOLD_S} s", "-"],
            [
                3,
                "pilot",
                "tiny config, a few steps, in the sandbox; the loss must fall",
                "~10-60 s",
                "CPU only",
            ],
            [
                4,
                "repair",
                f"on failure: diagnose, apply the best fix, pilot again (at most {opts.max_repairs})",
                f"up to {opts.max_repairs} x pilot",
                f"LLM: {llm}",
            ],
            [
                5,
                "full run",
                "the paper's config, as long as the budget allows",
                f"up to {train_min:.1f} min",
                "CPU only",
            ],
            [
                6,
                "evaluate + export",
                "held-out metrics vs the paper's claims, safetensors + model card",
                f"~{EXPORT_S} s",
                "-",
            ],
            [
                7,
                "report",
                "REPORT.md and REPORT.html with curves, repairs, cost, full-scale estimate",
                "~1 s",
                "-",
            ],
        ],
    )
    fitted = agent.s.steps.get("fit") or {}
    if fitted.get("message"):
        doc.h("What will run (memory)")
        said = fitted["message"]
        said = "will run " + said[4:] if said.startswith("ran ") else said
        doc.p(f"Memory check, before anything runs: {said}.")
        if fitted.get("variant") != fitted.get("paper_variant") and fitted.get("paper_variant"):
            doc.p(
                f"The paper's claims for {fitted['paper_variant']} are *not comparable: other variant*; a "
                f"claim the paper states for {fitted['variant']} is compared as usual."
            )
    doc.h("What will be compared")
    doc.bullets(comparison_plan(spec, train_min))
    doc.h("Budget (hard limits)")
    doc.bullets(
        [
            f"wall clock: {opts.budget_minutes:g} min for the whole loop",
            f"training time: {'whatever the wall budget leaves' if opts.train_minutes is None else f'{opts.train_minutes:g} min'}",
            f"repair attempts: {opts.max_repairs}",
            f"LLM spend: {llm}",
            f"approvals: {'pre-approved (--yes)' if opts.yes else 'asked before installs, hub pushes and multi-process launches'}",
        ]
    )
    doc.h("Assumptions (the paper is silent)")
    if assumed:
        doc.table(["key", "value", "why"], [[a["key"], a["value"], a["why"]] for a in assumed])
    else:
        doc.p("The paper states every key the spec requires.")
    doc.p(
        "The scaffold will fill secondary settings the paper does not state (e.g. Adam's epsilon, the seed) "
        "with its family's published conventions, each marked `default` with its reason in config.json; the "
        "report lists them."
    )
    if parsed.get("warnings"):
        doc.h("Parser warnings")
        doc.bullets([str(w) for w in parsed["warnings"]])
    path = agent.out_dir / "PLAN.md"
    path.write_text(doc.markdown(agent.out_dir), encoding="utf-8")
    estimates = {
        "parse": "done",
        "scaffold": f"~{SCAFFOLD_S} s",
        "pilot": "~10-60 s",
        "full": f"<= {train_min:.1f} min",
        "evaluate": "~1 s",
        "export": f"~{EXPORT_S} s",
    }
    return path, assumed, estimates
