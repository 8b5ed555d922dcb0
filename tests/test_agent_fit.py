"""The loop checks that the paper's configuration fits the machine's memory before it runs anything.

Real papers, real parse and scaffold, the activations measured in the sandbox on the meta device; the memory
is a parameter (``Options.memory_gb``, ``--memory-gb``) so that the tests do not depend on this machine. A
display hook spends the wall-clock budget once PLAN.md is written, so most tests stop there (the report is
still written); the slow one runs the loop's pilot and a budget-cut full run of the variant it chose.
"""

from __future__ import annotations

import json

import pytest
from mlintern.server.agent.display import Display
from mlintern.tools.reproduce import fit
from mlintern.tools.reproduce.brains import OfflineBrain
from mlintern.tools.reproduce.loop import Agent, Options
from mlintern.tools.training import claims
from mlintern.tools.workspace import Workspace

pytestmark = pytest.mark.needs_shared


class StopAfter(Display):
    """When ``step`` is done the wall clock is (made) spent: the loop stops and writes its report."""

    agent: Agent

    def __init__(self, step: str) -> None:
        super().__init__(quiet=True)
        self.step = step
        self.events: list[tuple[str, dict]] = []

    def event(self, kind: str, **data) -> None:
        self.events.append((kind, data))
        if self.step and kind == "done" and data.get("step") == self.step:
            self.agent.budget.wall_minutes = self.agent.budget.elapsed / 60.0


def _run(tmp_path, pdf, stop_after: str | None = "plan", **options):
    tmp_path.mkdir(parents=True, exist_ok=True)
    display = StopAfter(stop_after or "")
    agent = Agent(
        Workspace(tmp_path, confined=False),
        str(pdf),
        brain=OfflineBrain(),
        options=Options(**{"budget_minutes": 5, **options}),
        display=display,
    )
    display.agent = agent
    state = agent.run()
    out = tmp_path / "auto" / pdf.stem
    return state, display, out


def test_a_variant_that_cannot_fit_gives_way_to_the_largest_listed_one_that_does(shared_dir, tmp_path):
    state, display, out = _run(tmp_path, shared_dir / "papers" / "convnext.pdf", memory_gb=6)
    fitted = state.steps["fit"]
    assert fitted["paper_variant"] == "ConvNeXt-XL"
    assert fitted["variant"] == "ConvNeXt-L"  # XL's weights, gradients and AdamW state alone need > 5.4 GiB
    tried = [t["variant"] for t in fitted["tried"]]
    assert tried == ["ConvNeXt-XL", "ConvNeXt-L"], tried
    xl, chosen = fitted["paper_memory"], fitted["memory"]
    # XL's weights, gradients and optimizer state alone do not fit: its activations are not even measured
    assert not fit.fits(xl["static"], 6 * fit.GiB) and xl["per_example"] is None
    assert chosen["per_example"] and chosen["per_example"] > 0  # measured, not assumed
    assert fit.fits(chosen["total"], 6 * fit.GiB)
    # the paper's batch is kept by accumulation: the micro batch was cut to what fits
    config = json.loads((out / "project" / "config.json").read_text())
    assert config["variant"] == "ConvNeXt-L"
    assert config["train"]["micro_batch_size"]["value"] == fitted["micro_batch"] < 32
    assert config["train"]["batch_size"]["value"] == 4096
    message = fitted["message"]
    assert message.startswith("ran ConvNeXt-L instead of the paper's ConvNeXt-XL: 350M params need at least ")
    assert "this machine has 6 GiB (the memory limit given)" in message
    plan = (out / "PLAN.md").read_text()
    assert "will run " + message[4:] in plan and "*not comparable: other variant*" in plan
    first = (out / "REPORT.md").read_text().split("\n\n", 2)[1]
    assert first.startswith("Outcome: ") and message in first, first
    warned = [d for k, d in display.events if k == "warning" and d.get("variant") == "ConvNeXt-L"]
    assert warned and warned[0]["paper_variant"] == "ConvNeXt-XL"


def test_the_papers_variant_keeps_its_batch_with_a_smaller_micro_batch_when_only_activations_do_not_fit(
    shared_dir, tmp_path
):
    state, _, out = _run(tmp_path, shared_dir / "papers" / "convnext.pdf", memory_gb=12)
    fitted = state.steps["fit"]
    assert fitted["variant"] == fitted["paper_variant"]  # the paper's variant, not a smaller one
    micro = fitted["micro_batch"]
    assert isinstance(micro, int) and 1 <= micro < fitted["paper_memory"]["micro_batch"]
    assert fit.fits(fitted["memory"]["total"], 12 * fit.GiB)
    assert not fit.fits(fitted["paper_memory"]["total"], 12 * fit.GiB)
    assert "with micro batch" in fitted["message"] and "keeps the paper's batch of 4096" in fitted["message"]
    config = json.loads((out / "project" / "config.json").read_text())
    assert config["train"]["micro_batch_size"]["value"] == micro


def test_the_persons_variant_always_wins_and_enough_memory_changes_nothing(shared_dir, tmp_path):
    state, _, _ = _run(
        tmp_path / "a", shared_dir / "papers" / "convnext.pdf", memory_gb=6, variant="ConvNeXt-XL"
    )
    fitted = state.steps["fit"]
    assert fitted["variant"] == "ConvNeXt-XL" and [t["variant"] for t in fitted["tried"]] == ["ConvNeXt-XL"]
    assert fitted["message"].startswith("ran ConvNeXt-XL as asked, although it may not fit")
    state, _, out = _run(tmp_path / "b", shared_dir / "papers" / "convnext.pdf", memory_gb=512)
    fitted = state.steps["fit"]
    assert fitted["variant"] == "ConvNeXt-XL" and fitted["micro_batch"] is None
    assert fitted["message"].startswith("ran the paper's ConvNeXt-XL: 350M params need")
    assert (
        "ran the paper's" not in (out / "REPORT.md").read_text().split("\n\n", 2)[1]
    )  # nothing to say first


def test_claims_on_the_papers_variant_are_not_comparable_when_another_variant_ran():
    info = {"dataset": "imagenet", "paper_dataset": True, "pilot": False, "train_steps": 100}
    evals = [{"split": "test", "step": 100, "loss": 1.0, "accuracy": 87.5}]
    ran = {"ran": "ConvNeXt-L", "paper": "ConvNeXt-XL", "names": ["ConvNeXt-L", "ConvNeXt-XL"]}
    main = {"metric": "accuracy", "value": 87.8, "unit": "%", "split": "test", "page": 1, "quote": "q"}
    row = claims.compare([main], evals, info, 100, ran)[0]
    assert row["verdict"] == "not comparable"
    assert row["why"] == "other variant: the claim is on the paper's ConvNeXt-XL, the run trained ConvNeXt-L"
    own = claims.compare([{**main, "setting": "ConvNeXt-L"}], evals, info, 100, ran)[0]
    assert own["verdict"] == "reproduced", own  # a claim the paper states for the variant that ran
    other = claims.compare([{**main, "setting": "convnext-xl"}], evals, info, 100, ran)[0]
    assert other["why"].startswith("other variant: the claim is on ConvNeXt-XL")
    same = claims.compare([main], evals, info, 100, {**ran, "ran": "ConvNeXt-XL"})[0]
    assert same["verdict"] == "reproduced"


@pytest.mark.slow
def test_the_chosen_variant_really_trains_under_the_memory_limit(shared_dir, tmp_path):
    """The whole loop: the pilot learns, the full run of ConvNeXt-L (micro batch cut to fit 6 GiB, the runs'
    address-space limit set to it) starts and is cut by the budget, not by the memory."""
    state, _, out = _run(
        tmp_path, shared_dir / "papers" / "convnext.pdf", stop_after=None, memory_gb=6, budget_minutes=2.5
    )
    assert state.steps["fit"]["variant"] == "ConvNeXt-L"
    assert state.pilots and state.pilots[-1]["ok"], state.pilots
    full = state.steps.get("full") or {}
    assert full.get("stopped_by_budget") or full.get("status") == "succeeded", full
    rows = state.steps["evaluate"]["claims"]
    assert rows and all(r["verdict"] != "reproduced" for r in rows)
    first = (out / "REPORT.md").read_text().split("\n\n", 2)[1]
    assert "ran ConvNeXt-L instead of the paper's ConvNeXt-XL" in first


def test_the_estimate_never_follows_a_link_the_generated_code_may_have_planted(tmp_path):
    """The model is measured in the sandbox with the project as its writable folder: what it leaves there
    is read through the hardened readers."""
    from mlintern.tools.errors import ToolError

    project = tmp_path / "project"
    project.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"train": {}}')
    (project / "config.json").symlink_to(secret)
    (project / "mlintern.json").write_text('{"params_full": 10, "task": "classify"}')
    with pytest.raises(ToolError):
        fit.training_memory(project, measure=False)
    (project / "config.json").unlink()
    (project / "config.json").write_text(
        '{"train": {"optimizer": {"value": "sgd"}, "batch_size": {"value": 8}}}'
    )
    mem = fit.training_memory(project, measure=False)
    assert mem["weights_grads_optimizer"] == 10 * (8 + 4) and mem["micro_batch"] == 8
    assert "at least" in fit.describe(mem)


def test_the_first_line_says_when_the_run_cannot_fit_even_without_a_switch():
    from mlintern.tools.reproduce import report
    from mlintern.tools.reproduce.state import LoopState

    s = LoopState(paper="p", source="p.pdf", brain="offline")
    said = "ran the paper's ViT-Base: 95.5M params need ~3803.2 GiB to train (...) (it does not fit; ...)"
    fitted = {"variant": "ViT-Base", "paper_variant": "ViT-Base", "micro_batch": None, "message": said}
    s.steps = {"fit": {**fitted, "memory": {"total": 3803 * fit.GiB}, "available": {"bytes": 16 * fit.GiB}}}
    assert report.variant_text(s) == [said]
    s.steps["fit"]["memory"] = {"total": fit.GiB}  # it fits: nothing to say before the rest
    assert report.variant_text(s) == []
