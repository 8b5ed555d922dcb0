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


# the 14 papers parse-paper was developed on; the other papers of ../shared/papers were added later (see
# docs/parse-paper.md for the before-looking figures and the split into halves)
DEV = {
    "transformer",
    "resnet",
    "vit",
    "alexnet",
    "lenet",
    "seq2seq",
    "gpt1",
    "mobilenetv2",
    "densenet",
    "gan",
    "convnext",
    "llama",
    "batchnorm",
    "yolo",
}


def totals(rows):
    tp = sum(r["tp"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    invented = sum(r["invented"] for r in rows)
    fn = sum(r["fn"] for r in rows)
    return tp / (tp + wrong + invented), tp / (tp + fn), invented


def test_precision_recall_and_no_invented_values_on_the_development_papers(scored):
    dev = [r for r in scored if r["paper"] in DEV]
    precision, recall, invented = totals(dev)
    assert invented == 0, [r["errors"] for r in dev if r["invented"]]
    assert precision >= 0.95, (precision, [(r["paper"], r["errors"]) for r in dev if r["errors"]])
    assert recall >= 0.97, recall  # 0.992 measured after the third round


def test_all_papers_stay_at_least_at_the_measured_figures(scored):
    """A floor just under the figures measured after the third round (P 0.975, R 0.915, 1 invented on all 32
    papers; the second round gave P 0.948, R 0.685, 3 invented, the first P 0.914, R 0.681, 11 invented): a
    change that loses them fails here."""
    precision, recall, invented = totals(scored)
    assert precision >= 0.965 and recall >= 0.90 and invented <= 2, (precision, recall, invented)


def test_every_quote_is_on_its_page(scored):
    checked = sum(r["quote_checked"] for r in scored)
    assert checked > 200 and sum(r["quote_ok"] for r in scored) == checked


def test_family_is_right_on_every_development_paper_and_most_others(scored):
    assert [(r["paper"], r["family"]) for r in scored if not r["family_ok"] and r["paper"] in DEV] == []
    assert sum(1 for r in scored if r["family_ok"]) >= 31  # 32/32 measured after the second round


@pytest.mark.parametrize("name", ["bahdanau_attention", "rmsnorm", "lora", "whisper"])
def test_papers_without_ground_truth_parse_cleanly(shared_dir, tmp_path, name):
    ws = Workspace(tmp_path, confined=False)
    result = parse_paper_tool(ToolContext(ws), paper=str(shared_dir / "papers" / f"{name}.pdf"))
    validate_spec(result["spec"])
    assert result["title"] and result["counts"]["pages"] > 5
