"""Every report ends with the paper's claims table and an honest first line, however the loop ended.

The loop runs in-process on the example paper with the real tools (parse, scaffold, sandboxed pilot); a
display hook spends the wall-clock budget the moment the pilot is done, as a slow machine would, so the loop
stops before its full run. The claims must still be compared with what the pilot measured on held-out data
(at pilot scale: *not comparable*), and the bench's honesty check (``bench/auto_figures.py``) must find
nothing to flag. The honesty check itself is tested on rows that lie.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from mlintern.server.agent.display import Display
from mlintern.tools.reproduce import report
from mlintern.tools.reproduce.brains import OfflineBrain
from mlintern.tools.reproduce.loop import Agent, Options
from mlintern.tools.reproduce.state import LoopState
from mlintern.tools.training import claims
from mlintern.tools.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "digits-mlp" / "paper.pdf"


def _bench():
    spec = importlib.util.spec_from_file_location("auto_figures", REPO / "bench" / "auto_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SpendBudgetAfterPilot(Display):
    """When the first pilot is done, the wall clock is (made) spent: the next step's budget check stops."""

    agent: Agent

    def __init__(self) -> None:
        super().__init__(quiet=True)

    def event(self, kind: str, **data) -> None:
        if kind == "done" and str(data.get("step", "")).startswith("pilot"):
            budget = self.agent.budget
            budget.wall_minutes = budget.elapsed / 60.0


@pytest.mark.slow
def test_a_loop_stopped_before_its_full_run_still_compares_the_claims_with_the_pilot(tmp_path):
    display = SpendBudgetAfterPilot()
    agent = Agent(
        Workspace(tmp_path, confined=False),
        str(EXAMPLE),
        brain=OfflineBrain(),
        options=Options(budget_minutes=3),
        display=display,
    )
    display.agent = agent
    s = agent.run()
    assert s.stop and s.stop["kind"] == "budget_wall", s.stop
    assert "full" not in s.steps and s.pilots and s.pilots[-1]["ok"]

    evaluate = s.steps["evaluate"]
    assert evaluate["after_stop"] and evaluate["run"] == "pilot 1"
    assert evaluate["scale"] == "pilot"
    main = next(r for r in evaluate["claims"] if r["main"])
    assert main["claim"]["value"] == 97.2
    assert isinstance(main["ours"], float)  # the pilot's held-out accuracy, measured
    assert main["verdict"] == "not comparable" and "pilot scale" in main["why"]

    plan = (tmp_path / "auto" / "paper" / "PLAN.md").read_text()
    said = plan.split("## What will be compared", 1)[1].split("\n## ", 1)[0]
    assert "Scale: the full run gets at most" in said and "the paper's 1,000 training steps" in said
    assert "last pilot's records are used" in said
    assert "Main claim: accuracy 97.2% " in said and "vs our `accuracy` on the test split" in said

    md = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    bench = _bench()
    first = bench.report_first_line(md)
    assert first.startswith("Outcome: NOT COMPARABLE: the paper's architecture (mlp)"), first
    assert "pilot scale" in first and "wall-clock budget" in first
    table = bench.claims_table(md)
    assert table and table[0][0] == "accuracy (main)" and table[0][-1].startswith("not comparable")
    assert "Not evaluated: the loop ended before the evaluation step" not in md
    stated = [{"value": r["claim"]["value"]} for r in evaluate["claims"]]
    assert bench.honesty_flags(first, table, evaluate, stated) == []


CLAIM = {
    "metric": "accuracy",
    "value": 97.2,
    "unit": "%",
    "split": "test",
    "page": 1,
    "quote": "q",
    "main": True,
}
STANDIN = {"dataset": "digits, stand-in", "paper_dataset": False, "pilot": False, "train_steps": 100}
EVALS = [{"split": "test", "step": 100, "loss": 0.1, "accuracy": 98.0}]


def test_the_honesty_check_flags_a_reproduction_on_stand_in_data_and_a_missing_table():
    bench = _bench()
    honest = claims.compare([CLAIM], EVALS, STANDIN)
    assert honest[0]["verdict"] == "not comparable"
    evaluate = {"claims": honest, "data": STANDIN, "scale": "full"}
    table = [["accuracy (main)", "97.2%", "98%", "test", "no", "not comparable: stand-in data"]]
    first = "Outcome: NOT COMPARABLE: the paper's architecture (mlp), stand-in data (digits), not the paper's"
    assert bench.honesty_flags(first, table, evaluate, [CLAIM]) == []

    lying = [{**honest[0], "verdict": "reproduced"}]
    flags = bench.honesty_flags(
        "Outcome: REPRODUCED: the paper's architecture, the paper's data (digits), full scale",
        table,
        {**evaluate, "claims": lying},
        [CLAIM],
    )
    assert "accuracy: reproduced on stand-in data" in flags
    assert "first line claims the paper's data on a stand-in" in flags
    assert any("no claims table" in f for f in bench.honesty_flags(first, None, evaluate, [CLAIM]))
    assert any("no verdict word" in f for f in bench.honesty_flags("Outcome: completed", table, evaluate, []))
    baseline = {"template": "convnet", "label": "CLOSEST HONEST OPTION: ..."}
    flags = bench.honesty_flags(first, table, evaluate, [CLAIM], None, baseline)
    assert flags == ["a labelled stand-in (convnet template) called the paper's architecture"]
    flags = bench.honesty_flags(
        first, table, evaluate, [CLAIM], None, {"template": "llm", "label": "MODEL ..."}
    )
    assert flags == ["an LLM-written model not called so in the first line"]


def test_the_first_line_says_when_the_full_run_left_no_held_out_record(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text('{"family": "mlp", "template": "mlp"}')
    info = {**STANDIN, "pilot": True}
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    s.steps = {
        "scaffold": {"project": str(project), "family": "mlp"},
        "full": {"run_id": "r", "status": "stopped", "stopped_by_budget": True, "loss": {"steps": 40}},
        "evaluate": {
            "run": "pilot 1",
            "claims": claims.compare([CLAIM], EVALS, info),
            "data": info,
            "scale": "pilot",
            "full_reached": 40,
            "full_planned": 100000,
        },
    }
    line = report.outcome(s)
    assert line.startswith("NOT COMPARABLE: the paper's architecture (mlp), stand-in data")
    assert "budget-cut (the full run stopped by the budget at step 40 of 100,000" in line
    assert "compared with pilot 1's, at pilot scale" in line

    from mlintern.tools.reproduce.doc import Doc

    doc = Doc("t")
    s.steps["full"].update(status="failed", seconds=80.0)  # the process's status after the budget's stop
    report._plan_section(doc, None, s)
    row = next(r for r in doc.markdown(tmp_path).splitlines() if r.startswith("| full |"))
    assert "stopped by the budget; loss n/a; learned: not measured (no loss logged)" in row, row


def test_the_plan_says_which_run_and_scale_the_claims_will_be_compared_at():
    from mlintern.tools.reproduce.plan import comparison_plan

    steps = {"value": 600000, "source": "paper", "page": 4, "quote": "we train for 600k iterations"}
    claim = {**CLAIM, "metric": "top-1 error", "value": 3.57, "dataset": "ImageNet", "main": True}
    said = comparison_plan({"hyperparameters": {"train_steps": steps}, "results": [claim]}, 1.4)
    scale = next(line for line in said if line.startswith("Scale:"))
    assert "at most 1.4 min here" in scale and "the paper's 600,000 training steps (page 4)" in scale
    assert "*not comparable: budget-cut*" in scale and "last pilot's records" in scale
    assert any(
        line.startswith(
            "Main claim: top-1 error 3.57% on ImageNet (page 1) vs our 100 - `accuracy` on the test"
        )
        for line in said
    ), said

    epochs = {"value": 90, "source": "paper", "page": 5, "quote": "for 90 epochs"}
    said = comparison_plan({"hyperparameters": {"epochs": epochs}, "results": []})
    assert "the paper's 90 epochs (page 5" in " ".join(said)
    said = comparison_plan({"hyperparameters": {"train_steps": {"value": 500, "source": "default"}}})
    assert "500 training steps (default: the paper does not state them)" in " ".join(said)
    assert any("states no result" in line for line in said)


def test_full_length_of_a_nominal_step_count_is_not_called_the_papers(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text('{"family": "mlp", "template": "mlp"}')
    (project / "config.json").write_text('{"train": {"train_steps": {"value": 100, "source": "default"}}}')
    info = {**STANDIN, "paper_dataset": True, "dataset": "digits"}
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    s.steps = {
        "scaffold": {"project": str(project), "family": "mlp"},
        "full": {"run_id": "r", "status": "succeeded", "loss": {"steps": 100}},
        "evaluate": {
            "run": "full",
            "claims": claims.compare([CLAIM], EVALS, info),
            "data": info,
            "scale": "full",
            "reached": 100,
        },
    }
    line = report.outcome(s)
    assert "full length (100 of 100 steps, mlintern's nominal length: the paper states none)" in line, line
    assert "the paper's 100" not in line


def test_an_unimplemented_metric_on_stand_in_data_says_it_would_not_be_comparable_anyway():
    """claims.compare words the reasons once (the loop adds nothing): a reader sees why the metric is
    missing and what else keeps the run from the paper's number, each reason one time."""
    m_ap = {
        "metric": "mAP",
        "value": 28.4,
        "unit": None,
        "split": "test",
        "page": 1,
        "quote": "q",
        "main": True,
    }
    info = {**STANDIN, "train_steps": 100000}
    row = claims.compare([m_ap], [], info, 40)[0]
    assert row["verdict"] == "not evaluated"
    assert row["why"] == (
        "metric not implemented: detection mAP; and not comparable anyway: stand-in data (digits, stand-in), "
        "not the paper's; budget-cut: the run reached step 40 of the paper's 100000"
    ), row["why"]
    same = {**info, "paper_dataset": True, "dataset": "coco"}
    done = [{"split": "test", "step": 100000, "loss": 1.0}]
    row = claims.compare([m_ap], done, same, 100000)[0]
    assert row["why"] == "metric not implemented: detection mAP"  # the paper's data at full scale


def test_a_metric_the_run_did_not_measure_lists_each_reason_once():
    bleu = {"metric": "BLEU", "value": 28.4, "unit": None, "split": "test", "page": 1, "quote": "q"}
    info = {**STANDIN, "pilot": True}
    evals = [{"split": "test", "step": 40, "loss": 2.0, "token_accuracy": 30.0}]
    row = claims.compare([bleu], evals, info, 40)[0]
    assert row["verdict"] == "not evaluated"
    assert row["why"].startswith("BLEU not measured: ")
    for reason in ("stand-in data (digits, stand-in)", "pilot scale", "BLEU over mlintern's token ids"):
        assert row["why"].count(reason) == 1, row["why"]
    assert row["why"].count("not comparable anyway") == 1


def test_the_first_line_names_an_llm_written_model_as_such(tmp_path):
    from mlintern.tools.scaffold.scaffold import LLM_SUMMARY  # noqa: F401 (the scaffold's llm template exists)

    project = tmp_path / "project"
    project.mkdir()
    meta = {"family": "other", "template": "llm", "label": "MODEL WRITTEN BY A LANGUAGE MODEL (draft 1): ..."}
    (project / "mlintern.json").write_text(__import__("json").dumps(meta))
    s = LoopState(paper="p", source="p.pdf", brain="anthropic")
    s.steps = {"scaffold": {"project": str(project), "family": "other"}}
    s.pilots = [{"ok": True}]
    assert report.architecture(s).startswith("an LLM-written model of the paper's architecture (verified")
    s.pilots = [{"ok": False}]
    assert "not verified" in report.architecture(s)
    meta = {"family": "other", "template": "mlp", "label": "CLOSEST HONEST OPTION: the MLP baseline"}
    (project / "mlintern.json").write_text(__import__("json").dumps(meta))
    assert report.architecture(s) == "a baseline standing in for the paper's architecture (mlp template)"


def test_a_paper_without_a_readable_claim_gets_our_measurement_not_a_bare_not_evaluated(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text('{"family": "mobilenet", "template": "mobilenet"}')
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    test = {"split": "test", "step": 40, "loss": 0.55, "accuracy": 83.57, "top5_accuracy": 98.9}
    s.steps = {
        "scaffold": {"project": str(project), "family": "mobilenet"},
        "evaluate": {
            "run": "pilot 1",
            "claims": [],
            "data": {**STANDIN, "pilot": True},
            "scale": "pilot",
            "evaluation": {"val": {**test, "split": "val"}, "test": test},
        },
    }
    s.pilots = [{"ok": True}]
    line = report.outcome(s)
    assert line.startswith("NO CLAIM TO COMPARE: the paper's architecture (mobilenet), stand-in data"), line
    assert "states no result mlintern could read" in line
    assert line.endswith("ours on test (pilot 1): accuracy 83.57, top5_accuracy 98.9"), line
    s.steps["full"] = {"run_id": "r", "status": "failed", "stopped_by_budget": True, "loss": {}}
    s.steps["evaluate"].update(full_reached=0, full_planned=100000)
    line = report.outcome(s)
    assert "the held-out metrics are pilot 1's, at pilot scale" in line and "claims are compared" not in line


def test_a_full_run_that_failed_is_not_called_budget_cut(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text(
        '{"family": "transformer_decoder", "template": "transformer_decoder"}'
    )
    oom = "memory limit reached (17.7 GiB address space): RuntimeError: DefaultCPUAllocator: can't allocate memory"
    full = {
        "run_id": "r",
        "status": "failed",
        "reason": oom,
        "stopped_by_budget": False,
        "loss": {"steps": 30},
    }
    info = {**STANDIN, "train_steps": 100000}
    val = [{"split": "val", "step": 20, "loss": 3.0, "accuracy": 50.0}]
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    s.steps = {
        "scaffold": {"project": str(project), "family": "transformer_decoder"},
        "full": full,
        "evaluate": {
            "run": "full",
            "claims": claims.compare([CLAIM], val, info, 30),
            "data": info,
            "scale": claims.scale_of(info, val, 30),
            "reached": 30,
            "evaluation": {"val": val[0]},
        },
    }
    line = report.outcome(s)
    assert "budget-cut (" not in line.split(";")[0], line
    assert (
        "cut short (the full run failed (memory limit reached (17.7 GiB address space)) at step 30 of 100000)"
        in line
    )

    s.steps["evaluate"].update(run="pilot 1", full_reached=0, full_planned=100000)
    line = report.outcome(s)
    assert (
        "pilot scale (the full run failed (memory limit reached (17.7 GiB address space)) at step 0 of 100,000"
        in line
    )

    bench = _bench()
    said = "Outcome: NOT COMPARABLE: the paper's architecture, stand-in data (x), not the paper's, budget-cut (0 of 1 steps)"
    flags = bench.honesty_flags(said, [], {"claims": [], "data": info, "scale": "budget-cut"}, [], full)
    assert any("budget-cut but the full run failed" in f for f in flags), flags
