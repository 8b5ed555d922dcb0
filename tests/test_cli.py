"""The `mlintern` CLI, generated from the registry: help, exit codes, --json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry


def run_cli(*args: str, cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlintern.server.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_no_arguments_prints_usage_and_exits_2(tmp_path):
    proc = run_cli(cwd=tmp_path)
    assert proc.returncode == 2
    assert "usage: mlintern" in proc.stderr


def test_unknown_tool_is_a_usage_error(tmp_path):
    proc = run_cli("no-such-tool", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


@pytest.mark.parametrize("name", sorted(registry.tools()))
def test_every_tool_has_help_naming_each_argument(name, tmp_path):
    proc = run_cli(name, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    tool = registry.get(name)
    for prop in tool.input_schema.get("properties", {}):
        shown = prop.upper() if prop in tool.cli_positional else "--" + prop.replace("_", "-")
        assert shown in proc.stdout, f"{name} --help does not mention {prop}"


def test_missing_file_is_bad_input_with_a_hint(tmp_path):
    proc = run_cli("parse-paper", str(tmp_path / "absent.pdf"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "mlintern parse-paper: error:" in proc.stderr
    assert "absent.pdf" in proc.stderr


def test_json_error_object_on_bad_input(tmp_path):
    proc = run_cli("parse-paper", str(tmp_path / "absent.pdf"), "--json", cwd=tmp_path)
    assert proc.returncode == 2
    err = json.loads(proc.stdout)
    assert err["error"] and "absent.pdf" in err["message"]


def test_wrong_argument_type_is_a_usage_error(tmp_path):
    proc = run_cli("run-training", str(tmp_path), "--max-steps", "many", cwd=tmp_path)
    assert proc.returncode == 2
    assert "expected integer" in proc.stderr


def test_success_prints_summary_or_json(tmp_path):
    human = run_cli("training-status", cwd=tmp_path)
    assert human.returncode == 0, human.stderr
    assert human.stdout.strip() and not human.stdout.lstrip().startswith("{")
    machine = run_cli("training-status", "--json", cwd=tmp_path)
    assert machine.returncode == 0, machine.stderr
    result = json.loads(machine.stdout)
    registry.validate_output(registry.get("training-status"), result)
    assert (tmp_path / ".mlintern" / "state.db").exists()


def test_workspace_option_points_state_elsewhere(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    proc = run_cli("training-status", "--workspace", str(other), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (other / ".mlintern" / "state.db").exists()
    assert not (tmp_path / ".mlintern").exists()


def test_a_waited_run_that_fails_exits_1(tmp_path):
    """Bad input is 2; a call that worked but whose work failed (the training crashed) is 1."""
    project = tmp_path / "linear_bug"
    shutil.copytree(Path(__file__).parent / "test_data" / "lsp" / "linear_bug", project)
    proc = run_cli("run-training", str(project), "--pilot", "--wait", "--json", cwd=tmp_path, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["state"] == "failed"


def test_relative_paths_are_the_shells_not_the_workspaces(tmp_path):
    """With --workspace elsewhere, a relative path is read from the current folder, as in any shell tool."""
    here, ws = tmp_path / "here", tmp_path / "ws"
    here.mkdir()
    ws.mkdir()
    proc = run_cli("parse-paper", "absent.pdf", "--workspace", str(ws), cwd=here)
    assert proc.returncode == 2
    assert str(here / "absent.pdf") in proc.stderr
