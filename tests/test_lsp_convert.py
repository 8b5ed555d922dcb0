"""Pure conversions between mlintern data and LSP types (server/lsp_convert.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from mlintern.server import lsp_convert as conv
from mlintern.tools.errors import ToolError

DATA = Path(__file__).parent / "test_data" / "lsp"
PROJECT = DATA / "project"


def diagnosis(**over) -> dict:
    base = {
        "id": "diag-1",
        "run_id": "run-1",
        "error": {
            "type": "RuntimeError",
            "message": "mat1 and mat2 shapes cannot be multiplied (4x784 and 512x10)",
        },
        "frames": [{"file": "model.py", "line": 14, "function": "forward", "user": True}],
        "category": "linear_in_features",
        "explanation": "fc1 expects 512 features but the flattened input has 784.",
        "location": {"file": "model.py", "line": 14},
        "fixes": [
            {
                "title": "Set fc1 in_features to 784",
                "confidence": 0.9,
                "edits": [
                    {
                        "path": "model.py",
                        "start_line": 14,
                        "end_line": 14,
                        "new_text": "        self.fc1 = nn.Linear(784, 10)",
                    }
                ],
            }
        ],
    }
    base.update(over)
    return base


# ---------------------------------------------------------------- edits and ranges
def test_one_line_edit_replaces_the_whole_line_including_its_newline():
    edit = conv.edit_to_text_edit({"path": "m.py", "start_line": 3, "end_line": 3, "new_text": "x = 1"})
    assert edit.range == types.Range(types.Position(2, 0), types.Position(3, 0))
    assert edit.new_text == "x = 1\n"


def test_multi_line_edit_and_insertion():
    many = conv.edit_to_text_edit({"path": "m.py", "start_line": 2, "end_line": 5, "new_text": "a\nb\n"})
    assert many.range == types.Range(types.Position(1, 0), types.Position(5, 0))
    insert = conv.edit_to_text_edit(
        {"path": "m.py", "start_line": 4, "end_line": 3, "new_text": "import torch"}
    )
    assert insert.range.start == insert.range.end == types.Position(3, 0)
    delete = conv.edit_to_text_edit({"path": "m.py", "start_line": 4, "end_line": 4, "new_text": ""})
    assert delete.new_text == "" and delete.range.end == types.Position(4, 0)


def apply(text: str, edit: types.TextEdit) -> str:
    """Apply a whole-line TextEdit the way an editor does, to check the line arithmetic end to end."""
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start.line, edit.range.end.line
    return "".join(lines[:start]) + edit.new_text + "".join(lines[end:])


def test_applied_edits_give_the_intended_text():
    text = "l1\nl2\nl3\nl4\n"
    assert (
        apply(text, conv.edit_to_text_edit({"path": "f", "start_line": 2, "end_line": 3, "new_text": "X"}))
        == "l1\nX\nl4\n"
    )
    assert (
        apply(text, conv.edit_to_text_edit({"path": "f", "start_line": 1, "end_line": 0, "new_text": "top"}))
        == "top\nl1\nl2\nl3\nl4\n"
    )


def test_bad_line_numbers_are_refused():
    with pytest.raises(ToolError, match="1-based"):
        conv.edit_to_text_edit({"path": "m.py", "start_line": 0, "end_line": 1, "new_text": ""})


def test_fix_becomes_a_workspace_edit_and_never_leaves_the_root(tmp_path):
    fix = diagnosis()["fixes"][0]
    edit = conv.fix_to_workspace_edit(fix, tmp_path)
    assert list(edit.changes) == [(tmp_path / "model.py").as_uri()]
    outside = {
        "title": "evil",
        "edits": [{"path": "../../etc/passwd", "start_line": 1, "end_line": 1, "new_text": "x"}],
    }
    with pytest.raises(ToolError) as info:
        conv.fix_to_workspace_edit(outside, tmp_path)
    assert info.value.code == "path_outside_workspace"
    with pytest.raises(ToolError, match="no edits"):
        conv.fix_to_workspace_edit({"title": "empty", "edits": []}, tmp_path)


# --------------------------------------------------------------------- diagnostics
def test_diagnosis_becomes_an_error_at_the_user_line(tmp_path):
    uri, diag = conv.diagnosis_to_lsp(diagnosis(), tmp_path)
    assert uri == (tmp_path / "model.py").as_uri()
    assert diag.range.start == types.Position(13, 0)
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.source == "mlintern" and diag.code == "linear_in_features"
    assert "784" in diag.message and "RuntimeError" in diag.message
    assert diag.data["diagnosis_id"] == "diag-1"


def test_diagnosis_without_location_falls_back_to_the_innermost_user_frame(tmp_path):
    frames = [
        {"file": "train.py", "line": 28, "function": "<module>", "user": True},
        {"file": "model.py", "line": 4, "function": "forward", "user": True},
        {"file": "/usr/lib/torch/nn/functional.py", "line": 99, "function": "linear", "user": False},
    ]
    uri, diag = conv.diagnosis_to_lsp(diagnosis(location=None, frames=frames), tmp_path)
    assert uri == (tmp_path / "model.py").as_uri() and diag.range.start.line == 3
    assert conv.diagnosis_to_lsp(diagnosis(location=None, frames=frames[2:]), tmp_path) is None


def test_duplicates_merge(tmp_path):
    grouped = conv.group_diagnostics(
        [diagnosis(), diagnosis(id="diag-2"), diagnosis(location=None, frames=[])], tmp_path
    )
    assert [len(v) for v in grouped.values()] == [1]


def test_code_action_carries_the_edit_and_confidence(tmp_path):
    d = diagnosis()
    _, lsp_diag = conv.diagnosis_to_lsp(d, tmp_path)
    action = conv.fix_to_code_action(d["fixes"][0], lsp_diag, tmp_path, preferred=True)
    assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred
    assert "90% confidence" in action.title
    assert action.edit.changes[(tmp_path / "model.py").as_uri()][0].new_text.startswith("        self.fc1")


def test_error_line_in_log():
    text = "step 1\nTraceback (most recent call last):\n  File x\nRuntimeError: boom\nwarning: bye\n"
    assert conv.error_line_in_log(text, diagnosis()) == 4
    assert conv.error_line_in_log("nothing\nhere", {"error": {"type": "KeyError"}}) == 2


# --------------------------------------------------------------------------- hover
def test_json_path_at_keys_and_values():
    text = (PROJECT / "config.json").read_text()
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if '"d_model": {"value": 512' in line)
    assert conv.json_path_at(text, row, lines[row].index("d_model")) == ["model", "d_model"]
    assert conv.json_path_at(text, row, lines[row].index("512") + 1) == ["model", "d_model", "value"]
    pilot_row = next(i for i, line in enumerate(lines) if '"model": {"d_model": 64' in line)
    col = lines[pilot_row].index("d_model")
    assert conv.json_path_at(text, pilot_row, col) == ["pilot", "model", "d_model"]
    assert conv.json_path_at(text, 0, 0) is None
    assert conv.json_path_at('{"a": ["x", "y"]}', 0, 8) is None  # inside an array
    assert conv.json_path_at('{"a": "b \\" c", "k": 1}', 0, 18) == ["k"]  # escaped quote skipped


def test_fact_key_for_path():
    config = json.loads((PROJECT / "config.json").read_text())
    assert conv.fact_key_for_path(config, ["model", "d_model", "quote"]) == "d_model"
    assert conv.fact_key_for_path(config, ["pilot", "train", "warmup_steps"]) == "warmup_steps"
    assert conv.fact_key_for_path(config, ["paper", "title"]) is None


def test_hover_text_for_each_source():
    config = json.loads((PROJECT / "config.json").read_text())
    paper = conv.hover_markdown(config, "d_model")
    assert "page 3" in paper and "> all sub-layers" in paper and "`512`" in paper
    table = conv.hover_markdown(config, "d_ff")
    assert "a table on page 8" in table
    inferred = conv.hover_markdown(config, "d_head")
    assert "inferred by mlintern" in inferred and "d_model / num_heads" in inferred
    default = conv.hover_markdown(config, "init_std")
    assert "assumed by mlintern: the paper does not state an init" in default
    assert "page" not in default  # a default never pretends to come from the paper
    pilot = conv.hover_markdown(config, "d_model", in_pilot=True)
    assert "pilot config: `64`" in pilot
    assert conv.hover_markdown(config, "unrelated") is None


def test_project_root_and_words(tmp_path):
    assert conv.find_project_root(PROJECT / "model.py") == PROJECT
    assert conv.find_project_root(tmp_path / "x.py") is None
    assert conv.word_at("    return config.d_model * 2", 22) == "d_model"
    assert conv.word_at("   ", 1) is None
    assert conv.code_key_candidates("D_MODEL") == ["D_MODEL", "d_model"]


# ------------------------------------------------------------------------- options
def test_options_default_and_camel_case():
    assert conv.options_from_json(None) == (conv.Options(), [])
    options, problems = conv.options_from_json(
        {"sandbox": False, "budgetMinutes": 5, "brain": "anthropic", "pythonPath": "/usr/bin/python3"}
    )
    assert problems == []
    assert options == conv.Options(
        sandbox=False, budget_minutes=5.0, brain="anthropic", python_path="/usr/bin/python3"
    )


def test_invalid_options_fall_back_to_defaults_with_a_reason():
    options, problems = conv.options_from_json(
        {"sandbox": "yes", "brain": "gpt", "budgetMinutes": -1, "colour": "red", "maxUsd": 2}
    )
    assert options == conv.Options(max_usd=2.0)
    assert len(problems) == 4
    assert any("'sandbox'" in p for p in problems) and any("unknown option 'colour'" in p for p in problems)
    assert conv.options_from_json([1, 2])[1] == ["initializationOptions must be an object, not list"]
    for budget in (0, float("inf"), float("nan"), True):
        assert conv.options_from_json({"budgetMinutes": budget})[0].budget_minutes == 30.0


def test_max_repairs_is_a_small_whole_number():
    assert conv.options_from_json({"maxRepairs": 5}) == (
        conv.Options(max_repairs=5, given=frozenset({"max_repairs"})),
        [],
    )
    for bad in (2.5, -1, 11, True, "3"):
        options, problems = conv.options_from_json({"max_repairs": bad})
        assert options.max_repairs == 3 and len(problems) == 1


def test_options_fill_only_what_a_tool_accepts_and_the_user_set():
    schema = {
        "properties": {
            "sandbox": {"type": "boolean"},
            "max_minutes": {"type": "number"},
            "project": {"type": "string"},
        }
    }
    options, _ = conv.options_from_json({"sandbox": False, "budgetMinutes": 5, "brain": "auto"})
    assert conv.fill_tool_defaults(schema, {"project": "p"}, options) == {
        "project": "p",
        "sandbox": False,
        "max_minutes": 5.0,
    }
    assert conv.fill_tool_defaults(schema, {"sandbox": True}, options) == {
        "sandbox": True,
        "max_minutes": 5.0,
    }
    assert conv.fill_tool_defaults(schema, {"project": "p"}, conv.Options()) == {"project": "p"}


# ------------------------------------------------------------------ commands/errors
def test_command_arguments():
    assert conv.command_arguments(None) == {}
    assert conv.command_arguments([]) == {}
    assert conv.command_arguments([{"a": 1}]) == {"a": 1}
    with pytest.raises(ToolError, match="must be a JSON object, not str"):
        conv.command_arguments(["text"])
    with pytest.raises(ToolError, match="one argument"):
        conv.command_arguments([{}, {}])


def test_tool_errors_become_rpc_errors():
    bad = conv.tool_error_to_rpc(
        ToolError("Invalid arguments for x: 'a' is required.", hint="Pass a.", code="invalid_arguments")
    )
    assert bad.code == -32602 and "Pass a." in bad.message and bad.data["error"] == "invalid_arguments"
    other = conv.tool_error_to_rpc(
        ToolError("The PDF is encrypted.", hint="Decrypt it.", code="encrypted_pdf")
    )
    assert other.code == conv.TOOL_ERROR_CODE and other.data["hint"] == "Decrypt it."


def test_progress_report_percentages():
    assert conv.progress_report(3, 12, "page 3").percentage == 25
    assert conv.progress_report(5, None, "x").percentage is None
    assert conv.progress_report(20, 10, None).percentage == 100


def test_result_document(tmp_path):
    (tmp_path / "spec.json").write_text("{}")
    assert conv.result_document({"spec_path": "spec.json"}, tmp_path) == (tmp_path / "spec.json").as_uri()
    assert conv.result_document({"spec_path": "missing.json"}, tmp_path) is None


def test_provenance_at_positions(tmp_path):
    model = (PROJECT / "model.py").read_text()
    row = model.split("\n").index("D_MODEL = 512")
    assert "page 3" in conv.provenance_at(PROJECT / "model.py", model, row, 2)
    assert conv.provenance_at(PROJECT / "model.py", model, row, 9) is None  # on the number, not a name
    assert conv.provenance_at(PROJECT / "model.py", model, 999, 0) is None  # past the end
    assert conv.provenance_at(tmp_path / "model.py", model, row, 2) is None  # not in a project
    config = (PROJECT / "config.json").read_text()
    assert conv.provenance_at(PROJECT / "config.json", config, 0, 0) is None
