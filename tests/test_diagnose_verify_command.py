"""--apply with --command: each fix is re-run in the sandbox and kept only when the error is gone AND it trains.

Real torch scripts, the real sandbox, the real observer; the brain is a scripted stand-in for the LLM (the
part under test is what the tool does with its answer: verify, keep or revert).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from mlintern.tools import registry
from mlintern.tools.diagnose.apply import apply_edits, apply_to_text, lsp_range
from mlintern.tools.diagnose.verify import judge, parse_command
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext

TRAINS = """import torch
torch.manual_seed(0)
x = torch.randn(64, 5)
labels = (x[:, 0] > 0).to(torch.int32)
model = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(30):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), labels)
    loss.backward()
    opt.step()
print("done")
"""

UNRECOGNISED = """import torch
torch.manual_seed(0)
x = torch.randn(64, 5)
y = x.sum(1, keepdim=True)
model = torch.nn.Linear(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(30):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    if step == 3:
        raise KeyError("frobnicate")
    loss.backward()
    opt.step()
"""


def _fail(ws, text: str) -> str:
    (ws.root / "train.py").write_text(text)
    proc = subprocess.run(
        [sys.executable, "train.py"], cwd=ws.root, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0
    (ws.root / "failure.log").write_text(proc.stderr)
    return proc.stderr


class ScriptedBrain:
    def __init__(self, reply: dict) -> None:
        self.reply = json.dumps(reply)
        self.prompts: list[str] = []

    def complete(self, system: str, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.reply


# ------------------------------------------------------------------ the verdict (pure)
def test_the_training_check_rejects_what_does_not_train():
    good = {
        "status": "finished",
        "losses": [2.0, 1.5, 1.0, 0.5],
        "optimizer": True,
        "trainable": 4,
        "n_missing": 0,
    }
    assert judge(good, 0, "", 60).ok
    assert not judge(None, 0, "", 60).ok  # no report: nothing shows it trains
    assert not judge(None, 1, "Traceback\nValueError: x", 60).ok
    assert not judge({**good, "losses": [1.0, 0.5]}, 0, "", 60).ok  # too few losses to judge
    assert not judge(
        {**good, "losses": [1.0, 1.0, 1.0, 1.0]}, 0, "", 60
    ).ok  # silenced: the loss does not fall
    assert not judge({**good, "losses": [1.0, float("nan"), 0.5, 0.4]}, 0, "", 60).ok
    frozen = judge({**good, "n_missing": 2, "missing": [[16, 5], [16]]}, 0, "", 60)
    assert not frozen.ok and "never get a gradient" in frozen.note
    assert not judge({**good, "optimizer": False}, 0, "", 60).ok
    capped = judge({**good, "status": "time_cap"}, 0, "", 60)
    assert capped.ok and "cap" in capped.note


def test_only_python_commands_are_accepted():
    assert parse_command("python train.py --epochs 1") == ["train.py", "--epochs", "1"]
    assert parse_command("python3 -u -m pkg.train") == ["-m", "pkg.train"]
    for bad in ("bash run.sh", "", "python", "python -c 'print(1)'"):
        with pytest.raises(ToolError):
            parse_command(bad)


# ------------------------------------------------------------------ the one applier
def test_the_applier_inserts_replaces_deletes_and_is_all_or_nothing(workspace):
    path = workspace.root / "m.py"
    path.write_text("a = 1\nb = 2\nc = 3\n")
    edits = [
        {"path": "m.py", "start_line": 2, "end_line": 1, "new_text": "inserted = 0"},
        {"path": "m.py", "start_line": 2, "end_line": 2, "new_text": "b = 20\n"},
        {"path": "m.py", "start_line": 3, "end_line": 3, "new_text": ""},
    ]
    originals = apply_edits(workspace, edits)
    assert path.read_text() == "a = 1\ninserted = 0\nb = 20\n"
    assert originals == {path.resolve(): "a = 1\nb = 2\nc = 3\n"}
    with pytest.raises(ToolError) as err:  # the second edit does not fit: nothing is written
        apply_edits(
            workspace,
            [
                {"path": "m.py", "start_line": 1, "end_line": 1, "new_text": "a = 9\n"},
                {"path": "m.py", "start_line": 7, "end_line": 7, "new_text": "z\n"},
            ],
        )
    assert err.value.code == "stale_edit" and path.read_text() == "a = 1\ninserted = 0\nb = 20\n"
    with pytest.raises(ToolError):
        apply_to_text(
            "x\n",
            [
                {"path": "m.py", "start_line": 1, "end_line": 1, "new_text": "y"},
                {"path": "m.py", "start_line": 1, "end_line": 1, "new_text": "z"},
            ],
        )


def test_the_lsp_range_is_the_same_edit():
    assert lsp_range({"start_line": 3, "end_line": 4, "new_text": "x"}) == (2, 4, "x\n")
    assert lsp_range({"start_line": 3, "end_line": 2, "new_text": "x\n"}) == (2, 2, "x\n")  # an insertion
    with pytest.raises(ToolError):
        lsp_range({"start_line": 3, "end_line": 1, "new_text": ""})


# ------------------------------------------------------------------ end to end, in the sandbox
@pytest.mark.slow
def test_a_rule_fix_is_kept_only_after_the_rerun_trains(workspace):
    _fail(workspace, TRAINS)
    result = registry.call(
        "diagnose-traceback",
        {"log": "failure.log", "apply": True, "command": "python train.py"},
        ToolContext(workspace),
    )
    registry.validate_output(registry.get("diagnose-traceback"), result)
    assert result["verified"] is True and result["applied"] == 1, result["summary"]
    assert "trains: loss" in result["attempts"][0]["note"]
    assert ".long()" in (workspace.root / "train.py").read_text()


@pytest.mark.slow
def test_a_silencing_patch_is_reverted_and_a_real_one_kept(workspace):
    _fail(workspace, UNRECOGNISED)
    original = (workspace.root / "train.py").read_text()
    silence = {
        "title": "skip the failing step",
        "explanation": "e",
        "edits": [
            {
                "path": "train.py",
                "start_line": 10,
                "end_line": 11,
                "new_text": "    if step >= 3:\n        continue\n",
            }
        ],
    }
    brain = ScriptedBrain(silence)
    result = registry.call(
        "diagnose-traceback",
        {"log": "failure.log", "apply": True, "command": "python train.py"},
        ToolContext(workspace, brain=brain),
    )
    assert brain.prompts and "KeyError" in brain.prompts[0] and "train.py" in brain.prompts[0]
    assert result["fixes"] == [] and not result["applied"]  # only 3 losses before the skip: never verified
    assert (workspace.root / "train.py").read_text() == original
    real = {
        "title": "remove the stray raise",
        "explanation": "e",
        "edits": [{"path": "train.py", "start_line": 10, "end_line": 11, "new_text": ""}],
    }
    result = registry.call(
        "diagnose-traceback",
        {"log": "failure.log", "apply": True, "command": "python train.py"},
        ToolContext(workspace, brain=ScriptedBrain(real)),
    )
    assert result["verified"] is True and result["applied"] == 1, result["summary"]
    assert "raise KeyError" not in (workspace.root / "train.py").read_text()


@pytest.mark.slow
def test_offline_an_unrecognised_error_stays_unrecognised_and_untouched(workspace):
    _fail(workspace, UNRECOGNISED)
    original = (workspace.root / "train.py").read_text()
    result = registry.call(
        "diagnose-traceback",
        {"log": "failure.log", "apply": True, "command": "python train.py"},
        ToolContext(workspace),
    )
    assert result["category"] == "unrecognised" and result["applied"] is None
    assert result["location"]["line"] == 11
    assert (workspace.root / "train.py").read_text() == original
