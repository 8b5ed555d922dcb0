"""The repair loop with the real diagnose-traceback: a fix that works, and one that cannot (doom-loop guard).

The loop runs in-process on the example paper; a display hook plants a bug in
the freshly scaffolded project (as a person's bad edit would), then the real
pilot fails in the sandbox and the real diagnosis drives the repair.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlintern.server.agent.display import Display
from mlintern.tools.reproduce.brains import OfflineBrain
from mlintern.tools.reproduce.loop import Agent, Options
from mlintern.tools.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits-mlp" / "paper.pdf"

# Regenerated at every run, so a fix applied to helper.py is undone: the same failure comes back.
REGENERATED_BUG = """
import pathlib as _pl  # mlintern test: a generated helper with a wrong layer size
_pl.Path(__file__).with_name("helper.py").write_text(
    "import torch\\n\\nlayer = torch.nn.Linear(100, 10)\\n\\n\\ndef check(x):\\n    return layer(x)\\n")
import helper as _helper  # noqa: E402
_helper.check(__import__("torch").zeros(4, 64))
"""

# Written once: the fix sticks and the pilot trains.
ONE_TIME_BUG = """
import helper as _helper  # noqa: E402  (mlintern test: a helper with a wrong layer size)
_helper.check(__import__("torch").zeros(4, 64))
"""
HELPER = "import torch\n\nlayer = torch.nn.Linear(100, 10)\n\n\ndef check(x):\n    return layer(x)\n"


class PlantBug(Display):
    def __init__(self, bug: str, helper: str | None = None) -> None:
        super().__init__(quiet=True)
        self.bug, self.helper = bug, helper
        self.events: list[tuple[str, dict]] = []

    def event(self, kind: str, **data) -> None:
        self.events.append((kind, data))
        if kind == "done" and data.get("step") == "scaffold":
            project = self.project
            train = project / "train.py"
            lines = train.read_text().splitlines(keepends=True)
            # after the module docstring and imports: before the first top-level def/statement block
            cut = next(
                i for i, line in enumerate(lines) if line.startswith(("def ", "class ", "if __name__"))
            )
            train.write_text("".join(lines[:cut]) + self.bug + "\n\n" + "".join(lines[cut:]))
            if self.helper:
                (project / "helper.py").write_text(self.helper)


def run(tmp_path, display: PlantBug, **opts) -> dict:
    ws = Workspace(tmp_path, confined=False)
    agent = Agent(
        ws, str(EXAMPLE), brain=OfflineBrain(), options=Options(budget_minutes=3, **opts), display=display
    )
    display.project = agent.project
    return agent.run()


@pytest.mark.slow
def test_doom_loop_guard_stops_a_repair_that_keeps_failing_the_same_way(tmp_path):
    s = run(tmp_path, PlantBug(REGENERATED_BUG), max_repairs=3)
    assert s.stop["kind"] == "doom_loop", s.stop
    applied = [r for r in s.repairs if r.get("applied")]
    assert len(applied) == 1 and "helper.py" in applied[0]["diff"]
    assert len(s.pilots) == 2 and not any(p["ok"] for p in s.pilots)
    report = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    assert "doom-loop guard" in report and "```diff" in report


@pytest.mark.slow
def test_a_fix_that_works_is_applied_and_reported_as_a_diff(tmp_path):
    s = run(tmp_path, PlantBug(ONE_TIME_BUG, HELPER))
    assert s.stop is None, s.stop
    assert s.repairs and s.repairs[0]["applied"]
    assert not s.pilots[0]["ok"] and s.pilots[-1]["ok"]
    assert "nn.Linear(64" in (tmp_path / "auto" / "paper" / "project" / "helper.py").read_text()
    report = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    assert "## Repairs" in report and "+layer = torch.nn.Linear(64" in report


@pytest.mark.slow
def test_a_missing_package_is_not_installed_without_approval(tmp_path):
    s = run(tmp_path, PlantBug("import nltk  # noqa: F401\n"))
    assert s.stop["kind"] == "declined", s.stop
    assert s.installs == [{**s.installs[0], "package": "nltk", "approved": False, "installed": False}]
    assert s.approvals[0]["approved"] is False and "--yes" in s.approvals[0]["how"]
    report = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    assert "nltk" in report and "not approved" in report


@pytest.mark.slow
def test_a_package_named_only_by_generated_code_is_never_installed_even_with_yes(tmp_path):
    # The import name is the attacker's choice: pip would run that package's install hooks on the host.
    s = run(tmp_path, PlantBug("import mlintern_no_such_package_xyz  # noqa: F401\n"), yes=True)
    assert s.stop["kind"] == "unknown_package", s.stop
    assert s.installs == [
        {**s.installs[0], "package": "mlintern_no_such_package_xyz", "approved": False, "installed": False}
    ]
    assert not s.approvals  # nobody was asked: the name is refused before any approval
    report = (tmp_path / "auto" / "paper" / "REPORT.md").read_text()
    assert "mlintern_no_such_package_xyz" in report and "does not install on its own" in report
