"""Speed of one diagnosis with its source: p50 / p95 over real zoo tracebacks, without importing torch.

    python bench/diagnose_speed.py [--repeat 20]

Each round copies nothing: it parses the stored log, resolves the frames onto a
copy of the case's source and runs the rules (ast over the user's files), as
the tool does. Target: p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "test_data" / "diagnose"
CASES = REPO / "tests" / "bugzoo" / "cases"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from mlintern.tools.diagnose.engine import diagnose_text

    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for log in sorted(DATA.glob("*.log")):
            case = log.stem.removeprefix("zoo_")
            if (CASES / case).is_dir():
                shutil.copytree(CASES / case, root / case)
        logs = [p.read_text() for p in sorted(DATA.glob("*.log"))]
        for _ in range(args.repeat):
            for text in logs:
                started = time.perf_counter()
                diagnose_text(text, root)
                samples.append((time.perf_counter() - started) * 1000)
    assert "torch" not in sys.modules, "the diagnosis path imported torch"
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"diagnoses: {len(samples)} ({len(logs)} logs x {args.repeat})")
    print(f"p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {samples[-1]:.1f} ms   (target p50 < 50 ms)")
    print("torch imported: no")


if __name__ == "__main__":
    main()
