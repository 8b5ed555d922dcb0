"""Speed of one diagnosis with its own source: p50 / p95 over the zoos' real tracebacks, without importing torch.

    python bench/diagnose_speed.py [--repeat 5]
    python bench/diagnose_speed.py --record     # (re)record the logs: runs every zoo case once under torch

Each zoo case's real failure log (``tests/bugzoo*/logs/CASE.log``, recorded from running the case under
torch) is diagnosed against a copy of that same case's folder, and only that folder: the frames resolve to
the case's own files, as they do for a user. Timed: parsing the log, resolving the frames and running the
rules (ast over the user's files), as the tool does without verification. Target: p50 < 50 ms.
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
ZOOS = [REPO / "tests" / "bugzoo", REPO / "tests" / "bugzoo_real"]


def pairs() -> list[tuple[Path, Path]]:
    """(log, its own case folder) for every recorded log."""
    out = []
    for zoo in ZOOS:
        for log in sorted((zoo / "logs").glob("*.log")):
            case = zoo / "cases" / log.stem
            if (case / "train.py").is_file():
                out.append((log, case))
    return out


def record() -> None:
    sys.path.insert(0, str(REPO / "tests" / "bugzoo"))
    from harness import HERE, _run, case_dirs, stop_servers  # noqa: PLC0415

    try:
        for zoo in ZOOS:
            (zoo / "logs").mkdir(exist_ok=True)
            for case in case_dirs(zoo / "cases"):
                with tempfile.TemporaryDirectory() as tmp:
                    ws = Path(tmp) / case.name
                    shutil.copytree(case, ws)
                    shutil.copy(HERE / "zoocheck.py", ws / "zoocheck.py")
                    rc, log = _run(ws)
                if rc != 0:
                    (zoo / "logs" / f"{case.name}.log").write_text(log)
                print(f"{zoo.name}/{case.name}: exit {rc}", flush=True)
    finally:
        stop_servers()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="record the logs first (needs torch; minutes)")
    args = parser.parse_args()
    if args.record:
        record()
        return
    from mlintern.tools.diagnose.engine import diagnose_text

    found = pairs()
    if not found:
        sys.exit("no recorded logs: run `python bench/diagnose_speed.py --record` first")
    samples = []
    unrecognised = 0
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for log, case in found:
            own = Path(tmp) / case.parent.parent.name / case.name
            shutil.copytree(case, own)
            jobs.append((log.read_text(), own))
        for round_ in range(args.repeat):
            for text, own in jobs:
                started = time.perf_counter()
                d = diagnose_text(text, own)
                samples.append((time.perf_counter() - started) * 1000)
                unrecognised += round_ == 0 and d["category"] == "unrecognised"
    assert "torch" not in sys.modules, "the diagnosis path imported torch"
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"diagnoses: {len(samples)} ({len(jobs)} logs, each with its own case folder, x {args.repeat})")
    print(f"p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {samples[-1]:.1f} ms   (target p50 < 50 ms)")
    print(f"unrecognised: {unrecognised} of {len(jobs)}")
    print("torch imported: no")


if __name__ == "__main__":
    main()
