"""Run the bug zoo and print the per-case table and the scores.

    python bench/bugzoo.py [--workers 2] [case ...]

Each case is a real training script with one real bug; see tests/bugzoo/harness.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bugzoo"))

from harness import CASES, REAL_CASES, run_zoo, score  # noqa: E402


def row(r: dict) -> None:
    fixed = "-" if not r["failed_before"] else (str(r["fixed_at"]) if r["fixed_at"] else "no")
    tries = " | ".join(
        ("ok " if a["ok"] else "SILENCED " if a["silenced"] else "fail ")
        + a["fix"][:50]
        + ("" if a["ok"] else f" -> {a['after'][:90]}")
        for a in r["attempts"]
    )
    print(
        f"{r['case']:28} {r['category'][:28]:28} {fixed:6} {tries or r.get('error', 'did not fail')[:120]}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="only these cases (folder names)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--zoo",
        choices=("built", "real", "heldout", "heldout2"),
        default="built",
        help="built: the 70 cases the rules were built with; real: the reproduced real reports; "
        "heldout: fresh cases written after the rules, measured once; "
        "heldout2: 15 more, written without reading the rules (tests/bugzoo_real/heldout2)",
    )
    parser.add_argument(
        "--apply-only",
        action="store_true",
        help="apply fix 1 and keep it, as `diagnose-traceback --apply` without verification",
    )
    parser.add_argument(
        "--tool",
        action="store_true",
        help='run the real tool: diagnose-traceback LOG --apply --command "python train.py" '
        "(verified in the sandbox), then re-run the script",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{'case':28} {'category':28} {'fixed':6} attempts")
    with tempfile.TemporaryDirectory(prefix="bugzoo-") as scratch:
        results = run_zoo(
            Path(scratch),
            workers=args.workers,
            only=args.cases or None,
            report=row,
            root={
                "built": CASES,
                "real": REAL_CASES,
                "heldout": REAL_CASES.parent / "heldout",
                "heldout2": REAL_CASES.parent / "heldout2",
            }[args.zoo],
            max_fixes=1 if args.apply_only else 3,
            tool=args.tool,
        )
    s = score(results)
    print()
    print(f"cases {s['cases']} (failing before the fix: {s['failing_cases']})")
    print(f"top-1 fix rate        {s['top1_rate']:.0%}   (target >= 80%)")
    print(f"fixed within 3        {s['within3_rate']:.0%}   (target >= 90%)")
    print(f"false fixes           {s['false_fix_rate']:.0%}   (target <= 5%; of applied fixes)")
    print(f"fixed                 {s['fixed']}/{s['failing_cases']}")
    if args.apply_only or args.tool:
        print(
            f"edited, still failing {s['edited_still_failing']}/{s['failing_cases']}  (a broken edit left behind)"
        )
    print(f"unrecognised          {s['unrecognised']}")
    print(f"edits outside         {s['edits_outside_workspace']}")
    print(f"wall time             {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
