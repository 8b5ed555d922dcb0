"""parse-paper on the real development papers, scored with the evaluation's own functions."""

from __future__ import annotations

import importlib.util
import json

import pytest
from mlintern.tools import registry
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

pytestmark = [pytest.mark.slow, pytest.mark.needs_shared]


def scorer(shared_dir):
    spec = importlib.util.spec_from_file_location("score_parse", shared_dir / "eval" / "score_parse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scored(shared_dir, tmp_path_factory):
    score = scorer(shared_dir)
    truth = json.loads((shared_dir / "papers" / "ground_truth.json").read_text())["papers"]
    ws = Workspace(tmp_path_factory.mktemp("ws"), confined=False)
    rows = []
    for gt in truth:
        pdf = shared_dir / "papers" / gt["file"]
        result = parse_paper_tool(ToolContext(ws), paper=str(pdf))
        registry.validate_output(registry.get("parse-paper"), result)
        validate_spec(result["spec"])
        rows.append(score.score_paper(gt, result["spec"], pdf))
    return rows


def test_precision_recall_and_no_invented_values(scored):
    tp = sum(r["tp"] for r in scored)
    wrong = sum(r["wrong"] for r in scored)
    invented = sum(r["invented"] for r in scored)
    fn = sum(r["fn"] for r in scored)
    precision = tp / (tp + wrong + invented)
    recall = tp / (tp + fn)
    assert invented == 0, [r["errors"] for r in scored if r["invented"]]
    assert precision >= 0.95, (precision, [(r["paper"], r["errors"]) for r in scored if r["errors"]])
    assert recall >= 0.80, recall


def test_every_quote_is_on_its_page(scored):
    checked = sum(r["quote_checked"] for r in scored)
    assert checked > 200 and sum(r["quote_ok"] for r in scored) == checked


def test_family_is_right_on_every_paper(scored):
    assert [(r["paper"], r["family"]) for r in scored if not r["family_ok"]] == []


@pytest.mark.parametrize("name", ["bahdanau_attention", "rmsnorm", "lora", "whisper"])
def test_papers_without_ground_truth_parse_cleanly(shared_dir, tmp_path, name):
    ws = Workspace(tmp_path, confined=False)
    result = parse_paper_tool(ToolContext(ws), paper=str(shared_dir / "papers" / f"{name}.pdf"))
    validate_spec(result["spec"])
    assert result["title"] and result["counts"]["pages"] > 5
