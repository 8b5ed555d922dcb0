"""REPORT.md and REPORT.html: what happened to one paper, honestly.

Written whatever ended the loop (success, budget, doom loop, a tool error),
from the loop's saved state and the files the tools left in the workspace:
provenance of every parsed value (page and quote), assumptions, the
parameter check against the paper, the pilot and full runs with their loss
curves, each repair as a diff, the cost, and a full-scale estimate. Its first
line says what was built (the paper's architecture, a baseline standing in, an
LLM-written model), on which data (the paper's or a stand-in), at which scale
(pilot, budget-cut, full) and what the paper's claims' verdicts are; the
claims table follows it. One function per section.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.reproduce import state as st
from mlintern.tools.reproduce.doc import Doc
from mlintern.tools.reproduce.estimate import full_scale
from mlintern.tools.reproduce.plan import load_spec
from mlintern.tools.reproduce.state import LoopState
from mlintern.tools.training import claims
from mlintern.tools.training.metrics import EVAL_METRICS

STOP_WORDS = {
    "budget_wall": "stopped by the wall-clock budget",
    "budget_training": "stopped by the training-time budget",
    "budget_repairs": "stopped: the repair limit was reached",
    "budget_usd": "stopped: the LLM dollar budget was spent",
    "doom_loop": "stopped by the doom-loop guard",
    "no_fix": "stopped: no fix to apply",
    "declined": "stopped: a needed step was not approved",
    "install_failed": "stopped: a package could not be installed",
    "unknown_package": "stopped: the run needs a package mlintern does not install on its own",
    "tool_error": "stopped: a tool failed",
    "internal_error": "stopped: mlintern hit a bug",
    "cancelled": "cancelled",
}


def _runs(state: LoopState) -> list[dict]:
    runs = [dict(r, label=f"pilot {i + 1}") for i, r in enumerate(state.pilots)]
    if state.full:
        runs.append(dict(state.full, label="full"))
    return runs


def plot_losses(state: LoopState, path: Path) -> Path | None:
    """Training loss of every run, with the full run's held-out losses next to it."""
    curves = [(r["label"], st.read_losses(r.get("run_dir"))) for r in _runs(state)]
    curves = [(label, c) for label, c in curves if c]
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for label, c in curves:
        ax.plot([s for s, _ in c], [v for _, v in c], label=f"{label} (training)", linewidth=1.2)
    evals = st.read_evals(state.full.get("run_dir")) if state.full else []
    for split, style in (("val", "o-"), ("test", "s")):
        held = [
            (r["step"], r["loss"])
            for r in evals
            if r.get("split") == split and isinstance(r.get("loss"), (int, float))
        ]
        if held:
            ax.plot([p[0] for p in held], [p[1] for p in held], style, markersize=3, label=f"full ({split})")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("Loss curves: pilot runs, full run, held-out evaluations")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _fact_rows(spec: dict) -> list[list]:
    rows = []
    for key, fact in sorted((spec.get("hyperparameters") or {}).items()):
        if isinstance(fact, dict):
            rows.append(
                [
                    key,
                    json.dumps(fact.get("value")),
                    fact.get("source"),
                    fact.get("page"),
                    (fact.get("quote") or fact.get("rule") or "")[:160],
                ]
            )
    for vname, facts in sorted((spec.get("variants") or {}).items()):
        for key, fact in sorted((facts or {}).items()) if isinstance(facts, dict) else []:
            if isinstance(fact, dict):
                rows.append(
                    [
                        f"{vname}.{key}",
                        json.dumps(fact.get("value")),
                        fact.get("source"),
                        fact.get("page"),
                        (fact.get("quote") or "")[:160],
                    ]
                )
    return rows


# ----------------------------------------------------------------------------- the first line
def architecture(state: LoopState) -> str:
    """Which architecture was built: the paper's, a baseline standing in, or LLM-written (and verified?)."""
    scaffold = state.steps.get("scaffold") or {}
    if not scaffold:
        return "no model was built"
    meta = _project_meta(scaffold.get("project"))
    family = scaffold.get("family") or meta.get("family") or "?"
    if meta.get("template") == "llm" or meta.get("llm_written"):
        # scaffold-model accepted the draft only after its checks (ruff, imports, parameter count, a few
        # steps in the sandbox); the loop's pilot is the verification that counts here
        learned = any(p.get("ok") for p in state.pilots)
        return (
            "an LLM-written model of the paper's architecture "
            f"({'verified: it passed the scaffold checks and its pilot learned' if learned else 'not verified: its pilot did not learn'})"
        )
    if meta.get("label"):
        return (
            f"a baseline standing in for the paper's architecture ({meta.get('template') or family} template)"
        )
    return f"the paper's architecture ({family})"


def data_used(evaluate: dict) -> str:
    info = evaluate.get("data") or {}
    if not info:
        return "data unknown (no evaluation ran)"
    if info.get("paper_dataset"):
        return f"the paper's data ({info.get('dataset')})"
    return f"stand-in data ({info.get('dataset')}), not the paper's"


def scale_text(state: LoopState, evaluate: dict) -> str:
    scale = evaluate.get("scale")
    info = evaluate.get("data") or {}
    full = state.full
    failed = (
        bool(full) and not full.get("stopped_by_budget") and full.get("status") not in ("succeeded", None)
    )
    if str(evaluate.get("run") or "").startswith("pilot") and full:
        # the full run left no held-out record: its scale, and that the claims met the pilot's numbers
        planned = evaluate.get("full_planned")
        return (
            f"{'budget-cut' if full.get('stopped_by_budget') else 'pilot scale'} (the full run {_full_how(full)} "
            f"at step {evaluate.get('full_reached') or 0:,} of {f'{planned:,}' if isinstance(planned, int) else '?'} "
            f"before its first held-out evaluation; "
            f"{'the claims are compared with' if evaluate.get('claims') else 'the held-out metrics are'} "
            f"{evaluate['run']}'s, at pilot scale)"
        )
    if failed and scale != "full":  # cut short by a failure, not by the budget: say which
        reached = max(
            [r.get("step") or 0 for r in (evaluate.get("evaluation") or {}).values()]
            + [evaluate.get("reached") or 0]
        )
        return f"cut short (the full run {_full_how(full)} at step {reached:,} of {info.get('train_steps') or '?'})"
    reached = max(
        [r.get("step") or 0 for r in (evaluate.get("evaluation") or {}).values()]
        + [evaluate.get("reached") or 0]
    )
    if scale == "full":
        how = _steps_source(state)
        if how == "default":  # the paper states no length: the scaffold's nominal one was reached
            return (
                f"full length ({reached:,} of {info.get('train_steps'):,} steps, mlintern's nominal length: "
                "the paper states none)"
            )
        of = "the paper's" if how in ("paper", "table") else "the"
        extra = " (the paper's epochs as steps)" if how == "inferred" else ""
        return f"full scale ({reached:,} of {of} {info.get('train_steps'):,} steps{extra})"
    if scale == "budget-cut":
        return f"budget-cut ({reached:,} of {info.get('train_steps') or '?'} steps)"
    if state.full:
        return "budget-cut (the full run was not evaluated)"
    return "pilot scale only" if state.pilots else "no training run"


def outcome(state: LoopState) -> str:
    """The report's first line: what was built, on which data, at which scale, and what the claims say."""
    evaluate = state.steps.get("evaluate") or {}
    rows = evaluate.get("claims") or []
    main = next((r for r in rows if r.get("main")), rows[0] if rows else None)
    if evaluate and not rows and evaluate.get("evaluation"):
        word = "NO CLAIM TO COMPARE"  # measured, but the paper states no result mlintern could read
    else:
        word = claims.outcome_word(main)
    parts = [
        *variant_text(state),
        architecture(state),
        data_used(evaluate) if evaluate else "no held-out evaluation",
        scale_text(state, evaluate),
    ]
    text = f"{word}: {', '.join(parts)}; "
    text += claims.headline_verdict(rows) if evaluate else "the paper's claims were not compared"
    if evaluate and not rows and evaluate.get("evaluation"):
        split, rec = sorted(evaluate["evaluation"].items())[0]  # test before val
        shown = ", ".join(
            f"{k} {v:.4g}" for k, v in rec.items() if k in EVAL_METRICS and isinstance(v, (int, float))
        )
        text += f"; ours on {split} ({evaluate.get('run') or 'full'}): {shown or 'loss only'}"
    if state.stop:
        text += (
            f". The loop {STOP_WORDS.get(state.stop['kind'], 'stopped')} during {state.stop['step']}: "
            f"{state.stop['message']}"
        )
    return text


def variant_text(state: LoopState) -> list[str]:
    """ "ran ViT-Base instead of the paper's ViT-Huge: 632M params need ~35 GiB to train (...), this machine has
    17.7 GiB": said first when the run trained another variant than the paper's (the memory check chose a
    smaller one, or the person asked for one), changed its micro batch to fit, or does not fit at all."""
    fitted = state.steps.get("fit") or {}
    mem, avail = fitted.get("memory") or {}, (fitted.get("available") or {}).get("bytes")
    too_big = bool(mem.get("total") and avail and mem["total"] > avail * 0.9)  # fit.HEADROOM
    changed = fitted.get("variant") != fitted.get("paper_variant") or fitted.get("micro_batch") or too_big
    return [fitted["message"]] if fitted.get("message") and changed else []


def _steps_source(state: LoopState) -> str | None:
    """Where the project's ``train_steps`` came from: ``paper``/``table``, ``inferred`` (epochs) or ``default``."""
    path = Path((state.steps.get("scaffold") or {}).get("project") or "") / "config.json"
    try:  # written by the training code: no link, no FIFO, bounded size and depth (sandbox/files.py)
        fact = (files.read_json_object(path).get("train") or {}).get("train_steps")
        return fact.get("source") if isinstance(fact, dict) else None
    except AttributeError:
        return None


def _project_meta(project: str | None) -> dict:
    return files.read_json_object(Path(project or "") / "mlintern.json")  # no link/FIFO, bounded


# ----------------------------------------------------------------------------- sections
def _header(doc: Doc, agent, state: LoopState, parsed: dict) -> None:
    doc.p(f"Outcome: {outcome(state).rstrip('.')}.")
    doc.p(
        f"Paper: {state.source} · family: {parsed.get('family')} · brain: {state.brain} · "
        f"written {time.strftime('%Y-%m-%d %H:%M:%S')}"
        + (f" · resumed {state.resumes} time(s)" if state.resumes else "")
    )
    doc.bullets(list(state.notes))
    if (state.steps.get("review") or {}).get("note"):
        doc.h("Reviewer's note (by the LLM brain)")
        doc.p(state.steps["review"]["note"])


def _claims_section(doc: Doc, state: LoopState) -> None:
    doc.h("The paper's claims vs. this reproduction")
    evaluate = state.steps.get("evaluate")
    if not evaluate:
        doc.p("Not evaluated: the loop ended before the evaluation step.")
        return
    rows = evaluate.get("claims") or []
    if not rows:
        doc.p(
            "The paper states no result mlintern could read, so there is nothing to compare; our held-out "
            "metrics are below."
        )
    else:
        doc.table(
            ["claim", "paper (page: quote)", "ours", "split", "same data", "verdict"],
            [
                [
                    f"{r['claim'].get('metric')}{' (main)' if r.get('main') else ''}",
                    f"{claims.fmt_value(r['claim'].get('value'), r['claim'].get('unit'))} (p. {r['claim'].get('page')}: "
                    f'"{str(r["claim"].get("quote") or "")[:140]}")',
                    claims.fmt_value(r["ours"], r["claim"].get("unit")),
                    r.get("split") or "—",
                    "yes" if r["same_data"] else "no",
                    f"{r['verdict']}: {r['why']}",
                ]
                for r in rows
            ],
        )
        doc.p(
            f"Tolerance: {claims.TOLERANCE_POINTS:g} point for metrics in %, {claims.TOLERANCE_RELATIVE:.0%} of the "
            "paper's value otherwise. A run on stand-in data, at pilot scale or cut by the budget is never called "
            "a reproduction."
        )
    run = evaluate.get("run")
    if run and run != "full":
        doc.p(
            f"Measured on {run}'s held-out records: "
            + (
                "the full run recorded no held-out evaluation before it ended."
                if state.full
                else "there was no full run."
            )
        )
    if evaluate.get("after_stop"):
        doc.p(
            "The loop stopped before its evaluation step; this table was filled from the records its runs left."
        )
    info = evaluate.get("data") or {}
    if info:
        doc.p(
            f"Data used: {info.get('dataset')} ({'the paper' + chr(39) + 's' if info.get('paper_dataset') else 'a stand-in'}"
            f"; {info.get('note') or ''}); splits {json.dumps(info.get('splits'))}."
        )
    if evaluate.get("evaluation"):
        doc.table(
            ["split", "step", "metrics"],
            [
                [
                    split,
                    rec.get("step"),
                    ", ".join(
                        f"{k} {v:.4g}"
                        for k, v in rec.items()
                        if k not in ("split", "step", "time", "examples") and isinstance(v, (int, float))
                    ),
                ]
                for split, rec in sorted(evaluate["evaluation"].items(), reverse=True)
            ],
        )


def _plan_section(doc: Doc, agent, state: LoopState) -> None:
    steps = state.steps
    doc.h("Plan and outcome")
    plan = steps.get("plan") or {}
    planned = plan.get("estimates") or {}
    rows = [
        [
            name,
            planned.get(name, ""),
            f"{steps[name].get('seconds', 0):.1f} s",
            steps[name].get("summary_line", ""),
        ]
        for name in ("parse", "fit", "plan", "scaffold")
        if name in steps
    ]
    rows += [
        [
            r["label"],
            planned.get("pilot" if r["label"] != "full" else "full", ""),
            f"{r.get('seconds', 0):.1f} s",
            f"{_status(r)}; loss {_loss(r)}; learned: "
            + (
                str(r["loss"].get("fell"))
                if r["loss"].get("first") is not None
                else "not measured (no loss logged)"
            ),
        ]
        for r in _runs(state)
    ]
    rows += [
        [
            name,
            planned.get(name, ""),
            f"{steps[name].get('seconds', 0):.1f} s",
            steps[name].get("summary_line", ""),
        ]
        for name in ("evaluate", "export", "review")
        if name in steps
    ]
    doc.table(["step", "planned", "took", "result"], rows)
    if plan.get("path"):
        doc.p(f"The plan written before acting: {agent.ws.relative(plan['path'])}.")


def _provenance_section(doc: Doc, state: LoopState, spec: dict) -> None:
    doc.h("What the paper states (provenance)")
    rows = _fact_rows(spec)
    if rows:
        doc.table(["key", "value", "source", "page", "quote or rule"], rows)
    else:
        doc.p("No spec was parsed.")
    doc.h("Assumptions (the paper is silent)")
    assumed = (state.steps.get("plan") or {}).get("assumptions") or []
    doc.table(["key", "value", "why"], [[a["key"], json.dumps(a.get("value")), a["why"]] for a in assumed])
    extra = (state.steps.get("scaffold") or {}).get("assumptions") or []
    doc.bullets([a if isinstance(a, str) else json.dumps(a) for a in extra])
    if not assumed and not extra:
        doc.p("None recorded.")


def _model_section(doc: Doc, agent, state: LoopState) -> None:
    scaffold = state.steps.get("scaffold") or {}
    doc.h("Model and parameter check")
    if not scaffold:
        doc.p("No project was scaffolded.")
        return
    delta = scaffold.get("params_delta")
    doc.table(
        [
            "project",
            "family",
            "variant",
            "params (ours, paper config)",
            "params (paper)",
            "delta",
            "pilot params",
        ],
        [
            [
                agent.ws.relative(scaffold.get("project") or agent.project),
                scaffold.get("family"),
                scaffold.get("variant"),
                _num(scaffold.get("params_full")),
                _num(scaffold.get("params_paper")),
                f"{delta:+.2%}" if isinstance(delta, (int, float)) else "not reported by the paper",
                _num(scaffold.get("params_pilot")),
            ]
        ],
    )


def _runs_section(doc: Doc, agent, state: LoopState) -> None:
    doc.h("Training runs")
    runs = _runs(state)
    doc.table(
        ["run", "id", "status", "steps", "loss first -> last", "learned", "seconds", "budget stop"],
        [
            [
                r["label"],
                r["run_id"],
                r["status"] + (f" ({r['reason']})" if r.get("reason") else ""),
                r["loss"].get("steps"),
                _loss(r),
                f"{r['loss'].get('fell')}: {r['loss'].get('why') or ''}".rstrip(": "),
                r.get("seconds"),
                "yes" if r.get("stopped_by_budget") else "no",
            ]
            for r in runs
        ],
    )
    plot = plot_losses(state, agent.out_dir / "loss.png")
    if plot:
        doc.image(plot, "loss curves")
    elif not runs:
        doc.p("No training run was started.")


def _repairs_section(doc: Doc, state: LoopState) -> None:
    doc.h("Repairs")
    if not state.repairs and not state.installs:
        doc.p("None were needed." if _runs(state) else "None.")
    for i, r in enumerate(state.repairs, 1):
        err = r.get("error") or {}
        doc.h(f"Repair {i}: {r.get('category')}", 3)
        doc.p(f"Run {r['run_id']} failed with {err.get('type')}: {str(err.get('message'))[:300]}")
        doc.p(f"Diagnosis: {r.get('explanation')}")
        decision = r.get("decision") or {}
        if r.get("applied"):
            doc.p(
                f"Applied: {r.get('fix')} (confidence {r.get('confidence')}; chosen by "
                f"{decision.get('by', state.brain)}: {decision.get('reason')})"
            )
            doc.code(r.get("diff") or "(no textual change)", "diff")
        else:
            doc.p(f"Not applied: {decision.get('reason')}")
    for inst in state.installs:
        doc.p(
            f"Missing package {inst['package']}: install {'approved' if inst['approved'] else 'not approved'}; "
            f"{'installed' if inst.get('installed') else 'not installed'} (outside the sandbox, with pip)."
        )


def _cost_section(doc: Doc, agent, state: LoopState) -> None:
    doc.h("Cost")
    llm = state.llm
    doc.table(
        ["item", "amount"],
        [
            ["wall time", f"{state.elapsed_s:.1f} s of {agent.opts.budget_minutes:g} min"],
            ["training time", f"{state.train_spent_s:.1f} s"],
            ["repairs", f"{len(state.repairs) + len(state.installs)} of {agent.opts.max_repairs}"],
            ["LLM calls", llm.get("calls", 0)],
            [
                "LLM tokens (in / out / cache write / cache read)",
                " / ".join(
                    str(llm.get(k, 0))
                    for k in ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")
                ),
            ],
            ["LLM dollars", f"${llm.get('usd', 0):.4f} of ${agent.opts.max_usd:.2f}"],
            ["compute dollars", "$0 (local CPU)"],
        ],
    )
    if state.approvals:
        doc.table(
            ["approval asked", "detail", "approved", "how"],
            [[a["action"], a["detail"], a["approved"], a["how"]] for a in state.approvals],
        )


def _estimate_section(doc: Doc, state: LoopState, spec: dict) -> None:
    scaffold = state.steps.get("scaffold") or {}
    doc.h("What a full-scale reproduction would need")
    est = full_scale(spec, scaffold.get("params_full") or scaffold.get("params_paper"))
    if est.get("available"):
        doc.p(
            f"About {_hours(est['gpu_hours'])} of one GPU (~${est['usd']:,.2f} at "
            f"${est['usd_per_gpu_hour']:.2f}/GPU-hour)."
        )
        doc.p(f"How: {est['how']}.")
    else:
        doc.p(f"No estimate: {est['how']}.")


def _export_section(doc: Doc, state: LoopState, parsed: dict) -> None:
    export = state.steps.get("export") or {}
    doc.h("Export")
    doc.p(
        f"Exported to {export.get('path')}."
        if export.get("path")
        else (export.get("skipped") or "Nothing was exported") + "."
    )
    if parsed.get("warnings"):
        doc.h("Parser warnings")
        doc.bullets([str(w) for w in parsed["warnings"]])


def write_report(agent) -> tuple[Path, Path]:
    state: LoopState = agent.s
    parsed = state.steps.get("parse") or {}
    spec = load_spec(agent)
    doc = Doc(f"Report: {parsed.get('title') or agent.key}")
    _header(doc, agent, state, parsed)
    _claims_section(doc, state)
    _plan_section(doc, agent, state)
    _provenance_section(doc, state, spec)
    _model_section(doc, agent, state)
    _runs_section(doc, agent, state)
    _repairs_section(doc, state)
    _cost_section(doc, agent, state)
    _estimate_section(doc, state, spec)
    _export_section(doc, state, parsed)
    md = agent.out_dir / "REPORT.md"
    html = agent.out_dir / "REPORT.html"
    md.write_text(doc.markdown(agent.out_dir), encoding="utf-8")
    html.write_text(doc.html(), encoding="utf-8")
    return md, html


def _hours(h: float) -> str:
    if h >= 1:
        return f"{h:,.1f} GPU-hours"
    return f"{h * 60:.2g} GPU-minutes" if h * 60 >= 1 else f"{h * 3600:.2g} GPU-seconds"


def _num(n) -> str:
    return f"{n:,}" if isinstance(n, int) else ("-" if n is None else str(n))


def _full_how(full: dict) -> str:
    """How the full run ended, in words: stopped by the budget, or failed with its reason."""
    if full.get("stopped_by_budget"):
        return "stopped by the budget"
    reason = str(full.get("reason") or "").split(":")[0].strip()
    return f"{full.get('status') or 'ended'}" + (
        f" ({reason})" if reason and full.get("status") != "succeeded" else ""
    )


def _status(run: dict) -> str:
    """A run the budget stopped is said to be stopped by the budget, whatever status its process ended with."""
    return "stopped by the budget" if run.get("stopped_by_budget") else str(run.get("status"))


def _loss(run: dict) -> str:
    loss = run.get("loss") or {}
    return "n/a" if loss.get("first") is None else f"{loss['first']:.4f} -> {loss['last']:.4f}"
