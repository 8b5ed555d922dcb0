"""REPORT.md and REPORT.html: what happened to one paper, honestly.

Written whatever ended the loop (success, budget, doom loop, a tool error),
from the loop's saved state and the files the tools left in the workspace:
provenance of every parsed value (page and quote), assumptions, the
parameter check against the paper, the pilot and full runs with their loss
curves, each repair as a diff, the cost, and a full-scale estimate.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from mlintern.tools.reproduce import state as st
from mlintern.tools.reproduce.doc import Doc
from mlintern.tools.reproduce.estimate import full_scale
from mlintern.tools.reproduce.plan import load_spec

STOP_WORDS = {
    "budget_wall": "stopped by the wall-clock budget",
    "budget_training": "stopped by the training-time budget",
    "budget_repairs": "stopped: the repair limit was reached",
    "budget_usd": "stopped: the LLM dollar budget was spent",
    "doom_loop": "stopped by the doom-loop guard",
    "no_fix": "stopped: no fix to apply",
    "declined": "stopped: a needed step was not approved",
    "install_failed": "stopped: a package could not be installed",
    "tool_error": "stopped: a tool failed",
    "internal_error": "stopped: mlintern hit a bug",
    "cancelled": "cancelled",
}


def _runs(state: dict) -> list[dict]:
    runs = [dict(r, label=f"pilot {i + 1}") for i, r in enumerate(state.get("pilots") or [])]
    full = (state.get("steps") or {}).get("full")
    if full:
        runs.append(dict(full, label="full"))
    return runs


def plot_losses(state: dict, path: Path) -> Path | None:
    curves = [(r["label"], st.read_losses(r.get("run_dir"))) for r in _runs(state)]
    curves = [(label, c) for label, c in curves if c]
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for label, c in curves:
        ax.plot([s for s, _ in c], [v for _, v in c], label=label, linewidth=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("Loss curves (pilot runs and full run)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _fact_rows(spec: dict) -> list[list]:
    rows = []
    for key, fact in sorted((spec.get("hyperparameters") or {}).items()):
        if isinstance(fact, dict):
            rows.append([key, json.dumps(fact.get("value")), fact.get("source"), fact.get("page"),
                         (fact.get("quote") or fact.get("rule") or "")[:160]])
    for vname, facts in sorted((spec.get("variants") or {}).items()):
        for key, fact in sorted((facts or {}).items()) if isinstance(facts, dict) else []:
            if isinstance(fact, dict):
                rows.append([f"{vname}.{key}", json.dumps(fact.get("value")), fact.get("source"),
                             fact.get("page"), (fact.get("quote") or "")[:160]])
    return rows


def outcome(state: dict) -> str:
    stop = state.get("stop")
    if stop:
        return f"{STOP_WORDS.get(stop['kind'], 'stopped')} during {stop['step']}: {stop['message']}"
    steps = state.get("steps") or {}
    full = steps.get("full") or {}
    exported = "and was exported" if steps.get("export") else "but was not exported"
    if full.get("ok") and full.get("stopped_by_budget"):
        return (f"completed within the budget: the full run trained (its loss fell) until the budget stopped it "
                f"after {full.get('seconds', 0):.0f} s, {exported}")
    if full.get("ok"):
        return f"completed: the model trained (its loss fell) {exported}"
    if full.get("stopped_by_budget"):
        pilot = "the pilot trained, but " if any(p.get("ok") for p in state.get("pilots") or []) else ""
        return (f"stopped by the budget: {pilot}the full run was stopped after "
                f"{full.get('seconds', 0):.0f} s, before its loss was seen to fall; the full-scale estimate below "
                f"says what a real run needs")
    return "completed with caveats: the full run did not show a falling loss; see the runs below"


def write_report(agent) -> tuple[Path, Path]:
    s, ws = agent.s, agent.ws
    steps = s.get("steps") or {}
    parsed, scaffold = steps.get("parse") or {}, steps.get("scaffold") or {}
    spec = load_spec(agent)
    doc = Doc(f"Report: {parsed.get('title') or agent.key}")
    doc.p(f"Outcome: {outcome(s).rstrip('.')}.")
    doc.p(f"Paper: {s.get('source')} · family: {parsed.get('family')} · brain: {s.get('brain')} · "
          f"written {time.strftime('%Y-%m-%d %H:%M:%S')}" + (f" · resumed {s['resumes']} time(s)" if s.get("resumes") else ""))
    doc.bullets(list(s.get("notes") or []))
    if (steps.get("review") or {}).get("note"):
        doc.h("Reviewer's note (by the LLM brain)")
        doc.p(steps["review"]["note"])

    doc.h("Plan and outcome")
    plan = steps.get("plan") or {}
    planned = plan.get("estimates") or {}
    rows = [[name, planned.get(name, ""), f"{steps[name].get('seconds', 0):.1f} s", steps[name].get("summary_line", "")]
            for name in ("parse", "plan", "scaffold") if name in steps]
    rows += [[r["label"], planned.get("pilot" if r["label"] != "full" else "full", ""), f"{r.get('seconds', 0):.1f} s",
              f"{r['status']}; loss {_loss(r)}; fell: {r['loss'].get('fell')}"] for r in _runs(s)]
    rows += [[name, planned.get(name, ""), f"{steps[name].get('seconds', 0):.1f} s", steps[name].get("summary_line", "")]
             for name in ("evaluate", "export", "review") if name in steps]
    doc.table(["step", "planned", "took", "result"], rows)
    if plan.get("path"):
        doc.p(f"The plan written before acting: {ws.relative(plan['path'])}.")

    doc.h("What the paper states (provenance)")
    rows = _fact_rows(spec)
    if rows:
        doc.table(["key", "value", "source", "page", "quote or rule"], rows)
    else:
        doc.p("No spec was parsed.")
    doc.h("Assumptions (the paper is silent)")
    assumed = plan.get("assumptions") or []
    doc.table(["key", "value", "why"], [[a["key"], json.dumps(a.get("value")), a["why"]] for a in assumed])
    extra = scaffold.get("assumptions") or []
    doc.bullets([a if isinstance(a, str) else json.dumps(a) for a in extra])
    if not assumed and not extra:
        doc.p("None recorded.")

    doc.h("Model and parameter check")
    if scaffold:
        delta = scaffold.get("params_delta")
        doc.table(["project", "family", "variant", "params (ours, paper config)", "params (paper)", "delta", "pilot params"],
                  [[ws.relative(scaffold.get("project") or agent.project), scaffold.get("family"),
                    scaffold.get("variant"), _num(scaffold.get("params_full")), _num(scaffold.get("params_paper")),
                    f"{delta:+.2%}" if isinstance(delta, (int, float)) else "not reported by the paper",
                    _num(scaffold.get("params_pilot"))]])
    else:
        doc.p("No project was scaffolded.")

    doc.h("Training runs")
    runs = _runs(s)
    doc.table(["run", "id", "status", "steps", "loss first -> last", "loss fell", "seconds", "budget stop"],
              [[r["label"], r["run_id"], r["status"] + (f" ({r['reason']})" if r.get("reason") else ""),
                r["loss"].get("steps"), _loss(r), r["loss"].get("fell"), r.get("seconds"),
                "yes" if r.get("stopped_by_budget") else "no"] for r in runs])
    plot = plot_losses(s, agent.out_dir / "loss.png")
    if plot:
        doc.image(plot, "loss curves")
    elif not runs:
        doc.p("No training run was started.")
    evaluate = steps.get("evaluate") or {}
    if evaluate.get("eval"):
        doc.table(["metric", "value"], [[k, f"{v:.4g}"] for k, v in evaluate["eval"].items()])

    doc.h("Repairs")
    if not s.get("repairs") and not s.get("installs"):
        doc.p("None were needed." if runs else "None.")
    for i, r in enumerate(s.get("repairs") or [], 1):
        err = r.get("error") or {}
        doc.h(f"Repair {i}: {r.get('category')}", 3)
        doc.p(f"Run {r['run_id']} failed with {err.get('type')}: {str(err.get('message'))[:300]}")
        doc.p(f"Diagnosis: {r.get('explanation')}")
        decision = r.get("decision") or {}
        if r.get("applied"):
            doc.p(f"Applied: {r.get('fix')} (confidence {r.get('confidence')}; chosen by "
                  f"{decision.get('by', s.get('brain'))}: {decision.get('reason')})")
            doc.code(r.get("diff") or "(no textual change)", "diff")
        else:
            doc.p(f"Not applied: {decision.get('reason')}")
    for inst in s.get("installs") or []:
        doc.p(f"Missing package {inst['package']}: install {'approved' if inst['approved'] else 'not approved'}; "
              f"{'installed' if inst.get('installed') else 'not installed'} (outside the sandbox, with pip).")

    doc.h("Cost")
    llm = s.get("llm") or {}
    doc.table(["item", "amount"], [
        ["wall time", f"{s.get('elapsed_s', 0):.1f} s of {agent.opts.budget_minutes:g} min"],
        ["training time", f"{s.get('train_spent_s', 0):.1f} s"],
        ["repairs", f"{len(s.get('repairs') or []) + len(s.get('installs') or [])} of {agent.opts.max_repairs}"],
        ["LLM calls", llm.get("calls", 0)],
        ["LLM tokens (in / out / cache write / cache read)",
         " / ".join(str(llm.get(k, 0)) for k in ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"))],
        ["LLM dollars", f"${llm.get('usd', 0):.4f} of ${agent.opts.max_usd:.2f}"],
        ["compute dollars", "$0 (local CPU)"],
    ])
    if s.get("approvals"):
        doc.table(["approval asked", "detail", "approved", "how"],
                  [[a["action"], a["detail"], a["approved"], a["how"]] for a in s["approvals"]])

    doc.h("What a full-scale reproduction would need")
    est = full_scale(spec, scaffold.get("params_full") or scaffold.get("params_paper"))
    if est.get("available"):
        doc.p(f"About {_hours(est['gpu_hours'])} of one GPU (~${est['usd']:,.2f} at "
              f"${est['usd_per_gpu_hour']:.2f}/GPU-hour).")
        doc.p(f"How: {est['how']}.")
    else:
        doc.p(f"No estimate: {est['how']}.")

    export = steps.get("export") or {}
    doc.h("Export")
    doc.p(f"Exported to {export.get('path')}." if export.get("path") else
          (export.get("skipped") or "Nothing was exported") + ".")
    if parsed.get("warnings"):
        doc.h("Parser warnings")
        doc.bullets([str(w) for w in parsed["warnings"]])

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


def _loss(run: dict) -> str:
    loss = run.get("loss") or {}
    return "n/a" if loss.get("first") is None else f"{loss['first']:.4f} -> {loss['last']:.4f}"
