"""Score scaffold-model on architectures nobody tuned on (issue 12).

Runs ../shared/eval/score_scaffold.py on bench/data/unseen_architectures.json (papers that are not
among ../shared/papers; same format as its ground_truth.json) and writes its per-variant lines and
summary to OUT (default: stdout only).

    .venv/bin/python bench/scaffold_unseen.py [--out bench/data/unseen_architectures_after.txt]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GT = ROOT / "bench" / "data" / "unseen_architectures.json"
SCORER = ROOT.parent / "shared" / "eval" / "score_scaffold.py"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gt", default=str(GT))
    ap.add_argument("--out", default=None, help="also write the scorer's output here")
    ap.add_argument("--scorer", default=str(SCORER))
    args = ap.parse_args()
    venv = ROOT / ".venv" / "bin"
    with tempfile.TemporaryDirectory(prefix="scaffold-unseen-") as work:
        r = subprocess.run(
            [sys.executable, args.scorer, args.gt, str(venv / "mlintern"), str(venv / "python"), work],
            capture_output=True,
            text=True,
            check=False,
        )
    text = r.stdout + (r.stderr if r.returncode not in (0, 1) else "")
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    return 0 if r.returncode in (0, 1) else r.returncode


if __name__ == "__main__":
    sys.exit(main())
