"""Guardrails and the loop's small parts: budget, doom-loop guard, approvals, edits, state, estimate."""

from __future__ import annotations

import json

import pytest
from mlintern.tools.errors import ToolError
from mlintern.tools.reproduce import state as st
from mlintern.tools.reproduce.brains import OfflineBrain, make_brain
from mlintern.tools.reproduce.budget import Budget, BudgetExhausted, price_for
from mlintern.tools.reproduce.doc import Doc
from mlintern.tools.reproduce.edits import apply_edits
from mlintern.tools.reproduce.estimate import GPU, full_scale
from mlintern.tools.reproduce.guards import Approver, DoomLoop, DoomLoopGuard, edit_signature


def diag(message="mat1 and mat2 shapes cannot be multiplied (64x64 and 100x10)", line=12, fixes=None):
    return {
        "category": "linear_in_features",
        "error": {"type": "RuntimeError", "message": message},
        "location": {"file": "model.py", "line": line},
        "fixes": fixes or [],
    }


def test_doom_loop_guard_stops_on_the_same_diagnosis_even_with_other_numbers():
    guard = DoomLoopGuard()
    guard.see_diagnosis(diag())
    with pytest.raises(DoomLoop, match="same diagnosis"):
        guard.see_diagnosis(diag("mat1 and mat2 shapes cannot be multiplied (32x64 and 100x10)"))
    guard.see_diagnosis(diag(line=30))  # another place is another diagnosis


def test_doom_loop_guard_stops_on_the_same_edit():
    edits = [{"path": "model.py", "start_line": 3, "end_line": 3, "new_text": "x = 1\n"}]
    guard = DoomLoopGuard()
    guard.see_edit(edits)
    with pytest.raises(DoomLoop, match="repeats an edit"):
        guard.see_edit([dict(e) for e in edits])
    # the guard's memory survives a restart (it is rebuilt from saved signatures)
    with pytest.raises(DoomLoop):
        DoomLoopGuard(seen_edits=guard.edits).see_edit(edits)


def test_offline_brain_picks_the_most_confident_untried_fix():
    e1 = [{"path": "a.py", "start_line": 1, "end_line": 1, "new_text": "a\n"}]
    e2 = [{"path": "b.py", "start_line": 1, "end_line": 1, "new_text": "b\n"}]
    d = diag(
        fixes=[
            {"title": "low", "confidence": 0.3, "edits": e1},
            {"title": "high", "confidence": 0.8, "edits": e2},
            {"title": "no edits", "confidence": 0.99, "edits": []},
        ]
    )
    brain = OfflineBrain()
    assert brain.choose_fix(d, tried=[])["fix"] == 1
    assert brain.choose_fix(d, tried=[edit_signature(e2)])["fix"] == 0
    assert brain.choose_fix(d, tried=[edit_signature(e1), edit_signature(e2)])["fix"] is None
    with pytest.raises(Exception, match="no language model"):
        brain.complete("s", "p")


def test_budget_clamps_training_and_counts_repairs():
    b = Budget(wall_minutes=1.0, train_minutes=0.25, max_repairs=1, reserve_s=10)
    assert b.training_seconds(1000) == pytest.approx(15, abs=0.5)  # training budget is the tighter limit
    b.train_spent_s = 15
    with pytest.raises(BudgetExhausted) as err:
        b.training_seconds(5)
    assert err.value.kind == "training"
    b.take_repair()
    with pytest.raises(BudgetExhausted) as err:
        b.take_repair()
    assert err.value.kind == "repairs"
    spent = Budget(wall_minutes=1.0, spent_before=61)  # a resumed loop keeps what earlier sessions used
    with pytest.raises(BudgetExhausted) as err:
        spent.check_wall()
    assert err.value.kind == "wall"


def test_wall_budget_leaves_the_reserve(monkeypatch):
    from mlintern.tools.reproduce import budget

    # the budget's clock, frozen 5 s after the start: a loaded machine's pause cannot move the answer
    monkeypatch.setattr(budget, "time", type("Clock", (), {"monotonic": staticmethod(lambda: 1005.0)}))
    b = Budget(wall_minutes=0.5, reserve_s=10, started=1000.0)
    assert b.training_seconds(1e9) == 15


def test_price_table_prefix_match():
    assert price_for("claude-opus-4-1")["output"] == 75.0
    assert price_for("some-other-model") == price_for("default")


def test_approver(monkeypatch):
    assert Approver(pre_approved=True).approve("install", "pip install x")
    asked = []
    approver = Approver(ask=lambda q: asked.append(q) or False)
    assert not approver.approve("push", "user/repo")
    assert asked and "push" in asked[0]
    assert approver.decisions == [
        {"action": "push", "detail": "user/repo", "approved": False, "how": "asked"}
    ]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    quiet = Approver()
    assert not quiet.approve("install", "pip install y")
    assert "--yes" in quiet.decisions[0]["how"]


def test_make_brain(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert make_brain("auto").name == "offline"
    with pytest.raises(ToolError, match="ANTHROPIC_API_KEY"):
        make_brain("anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    assert make_brain("auto", base_url="http://127.0.0.1:9").name == "anthropic"
    with pytest.raises(ToolError):
        make_brain("psychic")


def test_apply_edits_returns_a_diff_and_stays_in_the_project(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "model.py").write_text("a = 1\nb = 2\nc = 3\n")
    diff = apply_edits(
        project,
        tmp_path,
        [
            {"path": "model.py", "start_line": 2, "end_line": 2, "new_text": "b = 20"},
            {
                "path": str(project / "model.py"),
                "start_line": 3,
                "end_line": 3,
                "new_text": "c = 30\nd = 40\n",
            },
        ],
    )
    assert (project / "model.py").read_text() == "a = 1\nb = 20\nc = 30\nd = 40\n"
    assert "-b = 2\n" in diff and "+b = 20\n" in diff and "a/model.py" in diff
    (tmp_path / "outside.py").write_text("x\n")
    with pytest.raises(ToolError, match="not a file inside the project"):
        apply_edits(
            project, tmp_path, [{"path": "../outside.py", "start_line": 1, "end_line": 1, "new_text": "y"}]
        )
    with pytest.raises(ToolError, match="do not fit"):
        apply_edits(
            project, tmp_path, [{"path": "model.py", "start_line": 9, "end_line": 9, "new_text": "y"}]
        )
    assert (tmp_path / "outside.py").read_text() == "x\n"


def test_state_replays_from_the_event_log(workspace, tmp_path):
    assert st.load_state(workspace, "p") is None
    st.save_state(workspace, "p", "parse", {"steps": {"parse": {}}})
    st.save_state(workspace, "other", "parse", {"steps": {}})
    st.save_state(workspace, "p", "plan", {"steps": {"parse": {}, "plan": {}}})
    assert set(st.load_state(workspace, "p").steps) == {"parse", "plan"}
    st.reset_state(workspace, "p")
    assert st.load_state(workspace, "p") is None
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "metrics.jsonl").write_text(
        "\n".join(json.dumps({"step": i, "loss": 3.0 - 0.1 * i}) for i in range(20)) + '\n{"step": 20, "lo'
    )
    losses = st.read_losses(str(tmp_path / "m"))
    assert len(losses) == 20  # the line cut by a kill is skipped
    summary = st.loss_summary(losses)
    assert summary["fell"] and summary["first"] > summary["last"]
    assert not st.loss_summary([(0, 1.0)])["fell"]


def test_full_scale_estimate():
    lm = {
        "family": {"value": "transformer_decoder"},
        "hyperparameters": {"train_steps": {"value": 100_000}, "batch_tokens": {"value": 1_000_000}},
    }
    est = full_scale(lm, 1_000_000_000, GPU(tflops=100.0, mfu=0.5, usd_per_hour=2.0))
    assert est["flops"] == pytest.approx(6e9 * 1e11)
    assert est["gpu_hours"] == pytest.approx(6e20 / 5e13 / 3600)
    assert est["usd"] == pytest.approx(est["gpu_hours"] * 2)
    vision = {
        "family": {"value": "mlp"},
        "hyperparameters": {"epochs": {"value": 20}},
        "datasets": [{"name": "scikit-learn digits"}],
    }
    est = full_scale(vision, 26_122)
    assert est["available"] and "lower bound" in est["how"] and est["examples"] == 20 * 1_437
    assert not full_scale({"hyperparameters": {}}, 10)["available"]


def test_doc_renders_markdown_and_self_contained_html(tmp_path):
    import base64

    png = tmp_path / "x.png"
    png.write_bytes(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        )
    )
    doc = Doc("T")
    doc.table(["a", "b"], [["1|2", None]])
    doc.code("-old\n+new", "diff")
    doc.image(png, "plot")
    md = doc.markdown(tmp_path)
    assert "| 1\\|2 |  |" in md and "![plot](x.png)" in md and "```diff" in md
    html = doc.html()
    assert "data:image/png;base64," in html and "<span class='add'>+new</span>" in html


def test_example_paper_is_rebuilt_byte_for_byte_from_the_project_text(tmp_path, repo_dir):
    import importlib.util

    import pymupdf

    folder = repo_dir / "examples" / "digits-mlp"
    spec = importlib.util.spec_from_file_location("make_paper", folder / "make_paper.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.make(tmp_path / "paper.pdf")
    assert rebuilt.read_bytes() == (folder / "paper.pdf").read_bytes(), (
        "run examples/digits-mlp/make_paper.py"
    )
    with pymupdf.open(rebuilt) as doc:
        text = " ".join(page.get_text() for page in doc)
    assert "learning rate of 0.001" in text and "Table 1: Hyperparameters of the MLP." in text
