"""The bug zoo: every case fails under real torch, is diagnosed from its real traceback, and must train
after the fix (loss finite and falling, every parameter gets a gradient). Takes a few minutes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "bugzoo"))

from harness import case_dirs, run_zoo, score  # noqa: E402


def test_the_zoo_is_large_enough_and_has_multi_file_cases():
    cases = case_dirs()
    assert len(cases) >= 40
    assert sum(len(list(c.glob("*.py"))) > 1 for c in cases) >= 8


@pytest.mark.slow
def test_bug_zoo_fix_rates(tmp_path):
    results = run_zoo(tmp_path, workers=2)
    not_failing = [r["case"] for r in results if not r["failed_before"]]
    assert not not_failing, f"these cases no longer fail under this torch: {not_failing}"
    s = score(results)
    table = "\n".join(f"{r['case']}: {r['category']} fixed_at={r['fixed_at']} {r['attempts']}" for r in results)
    assert s["edits_outside_workspace"] == 0
    assert s["top1_rate"] >= 0.80, table
    assert s["within3_rate"] >= 0.90, table
    assert s["false_fix_rate"] <= 0.05, table
