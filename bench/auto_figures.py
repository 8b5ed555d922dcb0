"""Figures for the autonomous mode (``mlintern-server --auto``); prints a table, asserts nothing.

    python bench/auto_figures.py                  # example paper + the 14 development papers (long: ~1 h)
    python bench/auto_figures.py --example-only   # the example paper alone (~1-2 min)
    python bench/auto_figures.py --papers lenet resnet --budget-minutes 5

1. The example paper (offline brain): seconds from the command's start to the
   first training step (the first line of a pilot's metrics.jsonl; target < 20 s)
   and to the report (target < 180 s on 2 cores).
2. Each development paper (those in ../shared/papers/ground_truth.json):
   did ``--auto --once --budget-minutes 5`` reach a pilot run whose loss fell,
   after how many seconds, and how the loop ended.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "digits-mlp" / "paper.pdf"
SHARED = Path(os.environ.get("MLINTERN_SHARED", REPO.parent / "shared"))


def run_auto(pdf: Path, budget: float) -> dict:
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
        loaded = st.load_state(Workspace(ws_dir, confined=False), paper_key(str(pdf)))
        state = loaded.to_dict() if loaded else {}
        pilots = state.get("pilots") or []
        ok = any(p.get("ok") for p in pilots)
        return {
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
    args = ap.parse_args()

    ex = run_auto(EXAMPLE, 3.0)
    print("example paper (offline brain, --budget-minutes 3)")
    print(f"  first training step: {fmt(ex['first_step_s'])} s (target < 20 s)")
    print(f"  main claim:          {ex['verdict']}")
    print(
        f"  report written:      {fmt(ex['total_s'])} s (target < 180 s); pilot loss fell: {ex['pilot_loss_fell']}; "
        f"full run: {ex['full']}; stop: {ex['stop']}"
    )
    if args.example_only:
        return 0
    truth = SHARED / "papers" / "ground_truth.json"
    if not truth.is_file():
        print(f"{truth} is absent: no development papers to run")
        return 0
    names = args.papers or sorted(Path(p["file"]).stem for p in json.loads(truth.read_text())["papers"])
    print(f"\ndevelopment papers (offline brain, --budget-minutes {args.budget_minutes:g})")
    print(
        f"{'paper':<14}{'family':<22}{'pilot fell':<12}{'at s':>7}{'total s':>9}{'repairs':>9}  {'full':<18}stop"
    )
    reached = 0
    for name in names:
        r = run_auto(SHARED / "papers" / f"{name}.pdf", args.budget_minutes)
        reached += r["pilot_loss_fell"]
        print(
            f"{name:<14}{fmt(r['family']):<22}{str(r['pilot_loss_fell']):<12}{fmt(r['pilot_ok_s']):>7}"
            f"{fmt(r['total_s']):>9}{r['repairs']:>9}  {fmt(r['full']):<18}{r['stop']} {r['stop_message']}"
            f"\n{'':<14}main claim: {r['verdict']}",
            flush=True,
        )
    print(f"\n{reached}/{len(names)} papers reached a pilot whose loss fell (target: all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
