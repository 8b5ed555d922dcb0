"""diagnose-traceback through the registry: inputs, output schema, storage, apply, confinement, LLM path."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.diagnose.apply import apply_edits
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext

DATA = Path(__file__).parent / "test_data" / "diagnose"
CASES = Path(__file__).parent / "bugzoo" / "cases"


def call(ws, **args):
    tool = registry.get("diagnose-traceback")
    result = registry.call("diagnose-traceback", args, ToolContext(ws))
    registry.validate_output(tool, result)
    return result


@pytest.fixture
def conv_case(workspace):
    shutil.copytree(CASES / "linear_after_conv", workspace.root / "proj")
    return workspace


def test_traceback_text_names_the_layer_to_change_and_stores_the_diagnosis(conv_case):
    text = (DATA / "zoo_linear_after_conv.log").read_text()
    result = call(conv_case, traceback=text)
    assert result["category"] == "shape_mismatch_linear"
    assert result["location"] == {
        "file": "proj/train.py",
        "line": 13,
    }  # the nn.Linear, not the line that raised
    assert "576" in result["explanation"] and "400" in result["explanation"]
    edit = result["fixes"][0]["edits"][0]
    assert edit["path"] == "proj/train.py" and edit["start_line"] == 13
    assert "nn.Linear(16 * 5 * 5, 32)" in edit["new_text"]
    assert result["applied"] is None and result["verified"] is None
    stored = conv_case.diagnoses()
    assert stored[0]["id"] == result["diagnosis_id"]
    assert stored[0]["category"] == "shape_mismatch_linear" and stored[0]["fixes"] == result["fixes"]


def test_log_file_and_apply_writes_the_fix(conv_case):
    shutil.copy(DATA / "zoo_linear_after_conv.log", conv_case.root / "run.log")
    result = call(conv_case, log="run.log", apply=True)
    assert result["applied"] == 1
    source = (conv_case.root / "proj" / "train.py").read_text()
    assert "nn.Linear(16 * 5 * 5, 32)" in source and "16 * 6 * 6" not in source
    assert "applied fix 1" in result["summary"]


def test_run_id_reads_the_runs_stderr_and_defaults_the_project(conv_case):
    run_dir = conv_case.subdir("runs", "run-x")
    (run_dir / "stderr.log").write_text((DATA / "zoo_linear_after_conv.log").read_text())
    (run_dir / "stdout.log").write_text("step 0\n")
    conv_case.create_run(
        project=str(conv_case.root / "proj"),
        command=["python", "train.py"],
        launcher="local",
        mode="pilot",
        run_dir=str(run_dir),
        run_id="run-x",
    )
    conv_case.update_run("run-x", status="failed")
    result = call(conv_case, run_id="latest")
    assert result["category"] == "shape_mismatch_linear"
    assert conv_case.diagnoses(run_id="run-x")[0]["id"] == result["diagnosis_id"]


def test_two_file_project_fix_lands_in_the_file_that_defines_the_layer(workspace):
    shutil.copytree(CASES / "misspelt_layer", workspace.root / "p")
    result = call(workspace, traceback=(DATA / "zoo_misspelt_layer.log").read_text())
    assert result["category"] == "misspelt_api"
    assert result["location"]["file"] == "p/model.py"
    assert "nn.ReLU()" in result["fixes"][0]["edits"][0]["new_text"]


def test_unrecognised_error_is_honest_and_offers_no_fix(workspace):
    result = call(workspace, traceback=(DATA / "chained.log").read_text())
    assert result["category"] == "unrecognised"
    assert result["fixes"] == []
    assert "No fix is offered" in result["explanation"]
    assert result["error"]["type"] == "TypeError"


def test_garbage_input_is_unrecognised_not_a_crash(workspace):
    result = call(workspace, traceback="\x00\x01 nothing to see \n" * 3)
    assert result["category"] == "unrecognised" and result["fixes"] == []


def test_module_not_found_gives_the_distribution_name(workspace):
    result = call(workspace, traceback=(DATA / "ansi_noise.log").read_text())
    assert result["category"] == "module_not_found"
    assert "pip install opencv-python" in result["explanation"]


@pytest.mark.parametrize("args", [{}, {"traceback": "x", "run_id": "r"}])
def test_exactly_one_input_is_required(workspace, args):
    with pytest.raises(ToolError, match="exactly one"):
        call(workspace, **args)


def test_missing_log_file_and_unknown_run_are_clear_errors(workspace):
    with pytest.raises(ToolError) as err:
        call(workspace, log="nope.log")
    assert err.value.code == "not_found"
    with pytest.raises(ToolError) as err:
        call(workspace, run_id="run-missing")
    assert err.value.code == "not_found"


def test_an_edit_outside_the_workspace_is_refused_and_nothing_is_written(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "victim.py"
    outside.write_text("x = 1\n")
    (workspace.root / "a.py").write_text("y = 1\n")
    edits = [
        {"path": "a.py", "start_line": 1, "end_line": 1, "new_text": "y = 2\n"},
        {"path": str(outside), "start_line": 1, "end_line": 1, "new_text": "x = 2\n"},
    ]
    with pytest.raises(ToolError) as err:
        apply_edits(workspace, edits)
    assert err.value.code == "path_outside_workspace"
    assert outside.read_text() == "x = 1\n" and (workspace.root / "a.py").read_text() == "y = 1\n"


def test_stale_edits_are_refused_whole(workspace):
    (workspace.root / "a.py").write_text("a = 1\nb = 2\n")
    edits = [
        {"path": "a.py", "start_line": 1, "end_line": 1, "new_text": "a = 3\n"},
        {"path": "a.py", "start_line": 5, "end_line": 6, "new_text": "z\n"},
    ]
    with pytest.raises(ToolError) as err:
        apply_edits(workspace, edits)
    assert err.value.code == "stale_edit"
    assert (workspace.root / "a.py").read_text() == "a = 1\nb = 2\n"


class ScriptedBrain:
    """A test double for an LLM brain: returns a canned reply and records the prompt."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def complete(self, system: str, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.reply


def test_without_anything_to_rerun_the_brain_is_not_asked_and_nothing_is_offered(workspace):
    (workspace.root / "train.py").write_text("import json\nprint(json.loads('{'))\n")
    text = (
        'Traceback (most recent call last):\n  File "train.py", line 2, in <module>\n'
        "    print(json.loads('{'))\njson.decoder.JSONDecodeError: Expecting property name: line 1 column 2\n"
    )
    brain = ScriptedBrain(
        json.dumps(
            {
                "title": "t",
                "explanation": "e",
                "edits": [{"path": "train.py", "start_line": 2, "end_line": 2, "new_text": "print({})\n"}],
            }
        )
    )
    result = registry.call("diagnose-traceback", {"traceback": text}, ToolContext(workspace, brain=brain))
    assert result["category"] == "unrecognised" and result["fixes"] == []
    assert brain.prompts == []  # an unverifiable LLM guess is never offered, so it is not asked for


def test_llm_garbage_reply_gives_no_fix(workspace):
    brain = ScriptedBrain("I think you should try harder.")
    result = registry.call(
        "diagnose-traceback",
        {"traceback": (DATA / "chained.log").read_text(), "project": "."},
        ToolContext(workspace, brain=brain),
    )
    assert result["fixes"] == []


def test_diagnosis_path_does_not_import_torch(conv_case):
    import subprocess

    code = (
        "import sys; from pathlib import Path; from mlintern.tools.diagnose.engine import diagnose_text; "
        f"d = diagnose_text(Path({str(DATA / 'zoo_linear_after_conv.log')!r}).read_text(), "
        f"Path({str(conv_case.root)!r})); assert d['fixes']; assert 'torch' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
