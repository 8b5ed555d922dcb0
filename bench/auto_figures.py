"""Figures for the autonomous mode (``mlintern-server --auto``); prints a table, asserts nothing.

    python bench/auto_figures.py                  # example paper + the 14 development papers (long: ~1 h)
    python bench/auto_figures.py --example-only   # the example paper alone (~1-2 min)
    python bench/auto_figures.py --papers lenet resnet --budget-minutes 5
    python bench/auto_figures.py --skip-example --budget-minutes 2 --keep /tmp/reports   # keep each REPORT.md

1. The example paper (offline brain): seconds from the command's start to the
   first training step (the first line of a pilot's metrics.jsonl; target < 20 s)
   and to the report (target < 180 s on 2 cores).
2. Each development paper (those in ../shared/papers/ground_truth.json):
   did ``--auto --once --budget-minutes 5`` reach a pilot run whose loss fell,
   after how many seconds, and how the loop ended; then what its REPORT.md says:
   the first line, the number of rows of the claims table against the numeric
   claims the paper states, the verdict counts, and every verdict this bench
   finds dishonest (``honesty_flags``: *reproduced* on stand-in data, at pilot
   or budget-cut scale or on another split; a first line that disagrees with
   the table, the data or the scale; no claims table although the paper states
   results; a bare "completed").

The development papers are the first 14 of ground_truth.json (the original
set; ``--papers all`` runs every paper with ground truth).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "digits-mlp" / "paper.pdf"
SHARED = Path(os.environ.get("MLINTERN_SHARED", REPO.parent / "shared"))
DEV_PAPERS = 14  # the original development set: the first 14 entries of ground_truth.json
OUTCOME_WORDS = ("REPRODUCED", "NOT REPRODUCED", "NOT COMPARABLE", "NOT EVALUATED", "NO CLAIM TO COMPARE")


def report_first_line(md: str) -> str:
    """The report's outcome line (the first paragraph after the title)."""
    for line in md.splitlines():
        if line.strip() and not line.startswith("#"):
            return line.strip()
    return ""


def claims_table(md: str) -> list[list[str]] | None:
    """The rows of REPORT.md's claims table (None when the section has no table)."""
    sec = md.split("## The paper's claims vs. this reproduction", 1)
    if len(sec) < 2:
        return None
    lines = sec[1].split("\n## ", 1)[0].splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("| claim |")), None)
    if start is None:
        return None
    rows = []
    for ln in lines[start + 2 :]:  # past the header and its |---| line
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip().strip("|").split(" | ")])
    return rows


def compact(first: str) -> str:
    """The first line's five facts in a few words: verdict · architecture · data · scale · main claim."""
    word = next(
        (w for w in sorted(OUTCOME_WORDS, key=len, reverse=True) if first.startswith(f"Outcome: {w}")), "?"
    )
    arch = next(
        (
            short
            for long, short in (
                ("LLM-written", "LLM-written"),
                ("a baseline standing in", "baseline"),
                ("the paper's architecture", "paper's arch"),
                ("no model", "no model"),
            )
            if long in first
        ),
        "?",
    )
    data = (
        "stand-in data"
        if "stand-in data" in first
        else ("paper's data" if "the paper's data" in first else "?")
    )
    scale = next(
        (
            k
            for k in ("full scale", "full length", "budget-cut", "pilot scale", "no training run")
            if k in first
        ),
        "?",
    )
    if "compared with pilot" in first:
        scale += " (pilot's records)"
    main = re.search(
        r"main claim (.+?) vs ours (.+?): (reproduced|short by [\d.]+|not comparable|not evaluated)", first
    )
    said = f"{main.group(1)} vs {main.group(2)}: {main.group(3)}" if main else "no claim read"
    return f"{word} · {arch} · {data} · {scale} · {said}"


def verdict_counts(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        v = "short" if r["verdict"].startswith("short") else r["verdict"]
        counts[v] = counts.get(v, 0) + 1
    return counts


def honesty_flags(
    first: str,
    md_rows: list[list[str]] | None,
    evaluate: dict,
    stated: list[dict],
    full: dict | None = None,
    meta: dict | None = None,
) -> list[str]:
    """Every way the report's verdicts could mislead a reader, judged from the run's own records
    (data.json, the evaluation rows, the full run's status, the project's mlintern.json) rather than from
    the report's words."""
    flags = []
    meta = meta or {}
    if meta.get("template") == "llm" and "LLM-written" not in first:
        flags.append("an LLM-written model not called so in the first line")
    elif meta.get("label") and re.search(r"(?<!standing in for )the paper's architecture \(", first):
        flags.append(f"a labelled stand-in ({meta.get('template')} template) called the paper's architecture")
    rows = evaluate.get("claims") or []
    info = evaluate.get("data") or {}
    scale = evaluate.get("scale")
    word = next(
        (w for w in sorted(OUTCOME_WORDS, key=len, reverse=True) if first.startswith(f"Outcome: {w}")), None
    )
    if word is None:
        flags.append(f"first line has no verdict word: {first[:60]!r}")
    if re.search(r"\bcompleted\b", first) and word is None:
        flags.append("'completed' alone as the outcome")
    for r in rows:
        if r["verdict"] != "reproduced":
            continue
        name = r["claim"].get("metric")
        if not info.get("paper_dataset"):
            flags.append(f"{name}: reproduced on stand-in data")
        if scale != "full":
            flags.append(f"{name}: reproduced at {scale} scale")
        if not r.get("same_split"):
            flags.append(f"{name}: reproduced on another split")
    main = next((r for r in rows if r.get("main")), rows[0] if rows else None)
    if word == "REPRODUCED" and (main is None or main["verdict"] != "reproduced"):
        flags.append("first line says REPRODUCED but the main claim is not")
    if info and not info.get("paper_dataset") and "the paper's data" in first:
        flags.append("first line claims the paper's data on a stand-in")
    if scale in ("pilot", "budget-cut") and "full scale" in first:
        flags.append(f"first line says full scale on a {scale} run")
    if (
        "budget-cut" in first
        and full
        and not full.get("stopped_by_budget")
        and full.get("status") != "succeeded"
    ):
        flags.append(
            f"first line says budget-cut but the full run {full.get('status')}: {str(full.get('reason'))[:60]}"
        )
    numeric = [c for c in stated if isinstance(c, dict) and isinstance(c.get("value"), (int, float))]
    if numeric and md_rows is None:
        flags.append(f"no claims table although the paper states {len(numeric)} result(s)")
    elif md_rows is not None and len(md_rows) != len(numeric):
        flags.append(f"claims table has {len(md_rows)} rows for {len(numeric)} stated results")
    return flags


def run_auto(pdf: Path, budget: float, keep: Path | None = None) -> dict:
    """Run the loop on one paper in a fresh workspace; watch for the first metrics line."""
    from mlintern.tools.reproduce import state as st
    from mlintern.tools.reproduce.loop import paper_key
    from mlintern.tools.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="mlintern-bench-") as tmp:
        ws_dir = Path(tmp)
        cmd = [
            sys.executable,
            "-m",
            "mlintern.server",
            "--auto",
            "--once",
            "--workspace",
            str(ws_dir),
            "--json",
            "--brain",
            "offline",
            "--budget-minutes",
            str(budget),
            "--paper",
            str(pdf),
        ]
        env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
        t0 = time.monotonic()
        wall0 = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        first_step = None
        while proc.poll() is None:
            if first_step is None and any(
                p.stat().st_size > 0 for p in ws_dir.glob(".mlintern/runs/*/out/metrics.jsonl")
            ):
                first_step = time.monotonic() - t0
            time.sleep(0.05)
        total = time.monotonic() - t0
        out = proc.stdout.read() if proc.stdout else ""
        pilot_ok_at = None
        for line in out.splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if pilot_ok_at is None and str(ev.get("step", "")).startswith("pilot") and ev.get("ok"):
                pilot_ok_at = ev["ts"] - wall0
        key = paper_key(str(pdf))
        loaded = st.load_state(Workspace(ws_dir, confined=False), key)
        state = loaded.to_dict() if loaded else {}
        pilots = state.get("pilots") or []
        ok = any(p.get("ok") for p in pilots)
        steps = state.get("steps") or {}
        evaluate = steps.get("evaluate") or {}
        report = ws_dir / "auto" / key / "REPORT.md"
        md = report.read_text(encoding="utf-8") if report.is_file() else ""
        if keep is not None and md:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(report, keep / f"{pdf.stem}.REPORT.md")
            plan = ws_dir / "auto" / key / "PLAN.md"
            if plan.is_file():
                shutil.copyfile(plan, keep / f"{pdf.stem}.PLAN.md")
        stated = _stated_results(steps.get("parse"))
        md_rows = claims_table(md)
        first = report_first_line(md)
        return {
            "first_line": first,
            "claims": len(md_rows or []),
            "stated": sum(isinstance(c.get("value"), (int, float)) for c in stated if isinstance(c, dict)),
            "verdicts": verdict_counts(evaluate.get("claims") or []),
            "flags": honesty_flags(
                first, md_rows, evaluate, stated, steps.get("full"), _meta(steps.get("scaffold"))
            )
            if md
            else ["no REPORT.md"],
            "full_loss_fell": bool((steps.get("full") or {}).get("ok")),
            "paper": pdf.stem,
            "returncode": proc.returncode,
            "first_step_s": first_step,
            "total_s": total,
            "pilot_loss_fell": ok,
            "pilot_ok_s": pilot_ok_at if ok else None,
            "repairs": len(state.get("repairs") or []),
            "family": ((state.get("steps") or {}).get("parse") or {}).get("family"),
            "full": _full_outcome((state.get("steps") or {}).get("full")),
            "verdict": _main_verdict((state.get("steps") or {}).get("evaluate")),
            "stop": (state.get("stop") or {}).get("kind") or "-",
            "stop_message": (state.get("stop") or {}).get("message", "")[:100],
        }


def _meta(scaffold: dict | None) -> dict:
    """The scaffolded project's mlintern.json (template, label): what was really built."""
    try:
        data = json.loads(
            (Path((scaffold or {}).get("project") or "") / "mlintern.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stated_results(parse: dict | None) -> list:
    """The results the parsed spec states (what the claims table should have one row each for)."""
    try:
        spec = json.loads(Path((parse or {}).get("spec_path") or "").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    results = spec.get("results")
    return results if isinstance(results, list) else []


def _main_verdict(evaluate: dict | None) -> str:
    """The verdict on the paper's main claim (the claims table of the report), or why there is none."""
    if not evaluate:
        return "not evaluated"
    rows = evaluate.get("claims") or []
    main = next((r for r in rows if r.get("main")), rows[0] if rows else None)
    return f"{main['verdict']} ({main['why']})" if main else "no claim read"


def _full_outcome(full: dict | None) -> str | None:
    if not full:
        return None
    how = "budget-stop" if full.get("stopped_by_budget") else full.get("status")
    return f"{how}{'+fell' if full.get('ok') else ''}"


def fmt(x) -> str:
    return "-" if x is None else (f"{x:.1f}" if isinstance(x, float) else str(x))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--example-only", action="store_true")
    ap.add_argument("--papers", nargs="*", help="development paper names (default: all 14 with ground truth)")
    ap.add_argument("--budget-minutes", type=float, default=5.0)
    ap.add_argument("--skip-example", action="store_true", help="only the development papers")
    ap.add_argument("--keep", type=Path, help="copy each paper's REPORT.md and PLAN.md into this folder")
    args = ap.parse_args()

    if not args.skip_example:
        ex = run_auto(EXAMPLE, 3.0, args.keep)
        print("example paper (offline brain, --budget-minutes 3)")
        print(f"  first training step: {fmt(ex['first_step_s'])} s (target < 20 s)")
        print(f"  main claim:          {ex['verdict']}")
        print(
            f"  report written:      {fmt(ex['total_s'])} s (target < 180 s); pilot loss fell: "
            f"{ex['pilot_loss_fell']}; full run: {ex['full']}; stop: {ex['stop']}"
        )
        print(f"  first line:          {ex['first_line']}")
        print(f"  honesty flags:       {ex['flags'] or 'none'}", flush=True)
    if args.example_only:
        return 0
    truth = SHARED / "papers" / "ground_truth.json"
    if not truth.is_file():
        print(f"{truth} is absent: no development papers to run")
        return 0
    every = [Path(p["file"]).stem for p in json.loads(truth.read_text())["papers"]]
    names = every if args.papers == ["all"] else (args.papers or every[:DEV_PAPERS])
    print(f"\ndevelopment papers (offline brain, --budget-minutes {args.budget_minutes:g})")
    print(
        f"{'paper':<14}{'family':<22}{'pilot fell':<12}{'at s':>7}{'total s':>9}{'repairs':>9}  {'full':<18}stop"
    )
    reached = 0
    results = []
    for name in names:
        r = run_auto(SHARED / "papers" / f"{name}.pdf", args.budget_minutes, args.keep)
        results.append((name, r))
        reached += r["pilot_loss_fell"]
        print(
            f"{name:<14}{fmt(r['family']):<22}{str(r['pilot_loss_fell']):<12}{fmt(r['pilot_ok_s']):>7}"
            f"{fmt(r['total_s']):>9}{r['repairs']:>9}  {fmt(r['full']):<18}{r['stop']} {r['stop_message']}"
            f"\n{'':<14}first line: {r['first_line']}"
            f"\n{'':<14}claims table: {r['claims']} rows for {r['stated']} stated results; verdicts "
            f"{json.dumps(r['verdicts'])}; main claim: {r['verdict']}"
            f"\n{'':<14}honesty flags: {'; '.join(r['flags']) or 'none'}",
            flush=True,
        )
    print(f"\n{reached}/{len(names)} papers reached a pilot whose loss fell (target: all)")
    flagged = [n for n, r in results if r["flags"]]
    print(
        f"{len(names) - len(flagged)}/{len(names)} reports with no dishonest verdict (flagged: {flagged or 'none'})"
    )
    print("\n| paper | first line | claims (rows/stated) | verdicts | loss fell (pilot/full) | seconds |")
    print("|---|---|---|---|---|---|")
    for name, r in results:
        verdicts = ", ".join(f"{n} {v}" for v, n in r["verdicts"].items()) or "-"
        print(
            f"| {name} | {compact(r['first_line'])} | {r['claims']}/{r['stated']} | {verdicts} | "
            f"{'yes' if r['pilot_loss_fell'] else 'no'}/{'yes' if r['full_loss_fell'] else 'no'} | {r['total_s']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
