"""verify=true end to end: a failed pilot in the sandbox, diagnosed, fixed, and re-run through run-training."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext

PROJECT = Path(__file__).parent / "test_data" / "diagnose" / "verify_project"


@pytest.mark.slow
def test_verify_applies_the_fix_that_makes_the_pilot_train(workspace, tmp_path_factory):
    proj = workspace.root / "proj"
    shutil.copytree(PROJECT, proj)
    out_dir = tmp_path_factory.mktemp("failed-run")
    failed = subprocess.run(
        [sys.executable, "train.py", "--out-dir", str(out_dir), "--max-steps", "2"],
        cwd=proj,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failed.returncode != 0 and "mat1 and mat2" in failed.stderr
    result = registry.call(
        "diagnose-traceback",
        {"traceback": failed.stderr, "project": "proj", "verify": True},
        ToolContext(workspace),
    )
    registry.validate_output(registry.get("diagnose-traceback"), result)
    assert result["category"] == "shape_mismatch_linear"
    assert result["verified"] is True and result["applied"] == 1, result["summary"]
    assert "nn.Linear(32, 2)" in (proj / "train.py").read_text()
    assert result["attempts"][0]["worked"]
