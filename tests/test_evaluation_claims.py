"""The paper's claims against a run's held-out evaluation: the learning check, results extraction from a real
PDF, the dataset registry, per-claim verdicts, the model card's model-index and the report's first line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from mlintern.tools.reproduce import report
from mlintern.tools.reproduce.state import LoopState
from mlintern.tools.scaffold import datasets
from mlintern.tools.training import card, claims
from mlintern.tools.training.learning import learning_check, losses_from_rows

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits-mlp" / "paper.pdf"
CLAIM = {
    "metric": "accuracy",
    "value": 97.2,
    "unit": "%",
    "dataset": "digits (scikit-learn)",
    "split": "test",
    "page": 1,
    "quote": "the MLP reaches 97.2% accuracy on the held-out test split",
    "main": True,
}
PAPER_DATA = {
    "dataset": "digits",
    "paper_dataset": True,
    "pilot": False,
    "train_steps": 1000,
    "total_steps": 1000,
    "splits": {"train": 1294, "val": 144, "test": 359},
    "note": "seeded 20% test hold-out",
}


def evals(test_acc: float, step: int = 1000) -> list[dict]:
    return [
        {"split": "val", "step": step // 2, "loss": 0.3, "accuracy": 90.0},
        {"split": "val", "step": step, "loss": 0.1, "accuracy": 97.0},
        {"split": "test", "step": step, "loss": 0.1, "accuracy": test_acc},
    ]


# ----------------------------------------------------------------------------- learning check
def test_learning_check_needs_a_real_fall_and_never_verifies_nothing():
    assert not learning_check([])["verified"] and "no losses" in learning_check([])["reason"]
    assert not learning_check([(1, 2.3), (2, 2.2)])["verified"]  # too few points
    flat = [(i, 2.30 - 0.001 * (i % 3)) for i in range(1, 41)]  # noise around log(10)
    verdict = learning_check(flat)
    assert not verdict["verified"] and verdict["drop"] < 0.05, verdict
    # last < first by a hair was "it trains" before; the smoothed fall must reach 5%
    assert not learning_check([(i, 2.0 - 0.001 * i) for i in range(1, 41)])["verified"]
    falling = [(i, 2.3 * math.exp(-i / 20)) for i in range(1, 41)]
    assert learning_check(falling)["verified"]
    nan = learning_check([(1, 2.0), (2, float("nan")), (3, 1.0)])
    assert not nan["verified"] and "not finite" in nan["reason"]


def test_learning_check_accepts_a_loss_below_the_trivial_baseline():
    # already below log(10) = 2.30 from the start (a resumed run): it does not fall 5%, but it learned
    low = [(i, 0.50 - 0.001 * i) for i in range(1, 21)]
    assert not learning_check(low)["verified"]
    verdict = learning_check(low, num_classes=10)
    assert (
        verdict["verified"]
        and "baseline" in verdict["reason"]
        and verdict["baseline"] == pytest.approx(math.log(10))
    )


def test_evaluation_rows_are_not_training_losses():
    rows = [{"step": 1, "loss": 2.0}, {"split": "val", "step": 1, "loss": 9.0}, {"step": 2, "loss": 1.5}]
    assert losses_from_rows(rows) == [(1, 2.0), (2, 1.5)]


# ----------------------------------------------------------------------------- verdicts
def test_a_claim_on_the_papers_data_and_split_at_full_scale_is_reproduced_within_tolerance():
    row = claims.compare([CLAIM], evals(96.4), PAPER_DATA)[0]
    assert (
        row["verdict"] == "reproduced" and row["same_data"] and row["same_split"] and row["scale"] == "full"
    )
    assert row["ours"] == 96.4 and "±1 point" in row["why"]
    short = claims.compare([CLAIM], evals(95.0), PAPER_DATA)[0]
    assert short["verdict"] == "short by 2.2" and short["gap"] == pytest.approx(-2.2)


def test_error_rates_and_perplexity_are_compared_the_right_way_round():
    err = claims.compare([{**CLAIM, "metric": "error", "value": 2.8}], evals(97.5), PAPER_DATA)[0]
    assert err["ours"] == pytest.approx(2.5) and err["verdict"] == "reproduced"
    lm_data = {**PAPER_DATA, "dataset": "wikitext-103"}
    ppl = {
        "metric": "perplexity",
        "value": 18.0,
        "unit": None,
        "dataset": "WikiText-103",
        "split": "test",
        "page": 3,
        "quote": "q",
    }
    rows = [{"split": "test", "step": 1000, "loss": 3.2, "perplexity": 25.0}]
    row = claims.compare([ppl], rows, lm_data)[0]
    assert row["verdict"] == "short by 7" and "±5%" in row["why"]


def test_what_makes_a_claim_not_comparable_is_said_in_full():
    standin = {
        **PAPER_DATA,
        "dataset": "digits (scikit-learn), stand-in",
        "paper_dataset": False,
        "pilot": True,
    }
    row = claims.compare([CLAIM], evals(40.0, step=40), standin)[0]
    assert (
        row["verdict"] == "not comparable" and "stand-in data" in row["why"] and "pilot scale" in row["why"]
    )
    cut = claims.compare([CLAIM], evals(97.0, step=300), PAPER_DATA)[0]
    assert cut["verdict"] == "not comparable" and "budget-cut" in cut["why"] and cut["ours"] == 97.0
    other = claims.compare([{**CLAIM, "dataset": "CIFAR-10"}], evals(97.0), PAPER_DATA)[0]
    assert other["verdict"] == "not comparable" and "CIFAR-10" in other["why"]
    val_only = claims.compare([CLAIM], evals(97.0)[:2], PAPER_DATA)[0]
    assert val_only["verdict"] == "not comparable" and "other split" in val_only["why"]


def test_unimplemented_metrics_and_missing_evaluations_are_not_evaluated():
    bleu = claims.compare(
        [{**CLAIM, "metric": "BLEU", "value": 28.4, "unit": None}], evals(97.0), PAPER_DATA
    )[0]
    assert bleu["verdict"] == "not evaluated" and "BLEU" in bleu["why"] and bleu["ours"] is None
    none = claims.compare([CLAIM], [], PAPER_DATA, reached=1000)[0]
    assert none["verdict"] == "not evaluated" and "no held-out evaluation" in none["why"]
    # a run the budget stopped on stand-in data before it evaluated: not comparable, for every reason
    standin = {**PAPER_DATA, "dataset": "digits (scikit-learn), stand-in", "paper_dataset": False}
    cut = claims.compare([CLAIM], [], standin, reached=17)[0]
    assert cut["verdict"] == "not comparable" and cut["ours"] is None and cut["scale"] == "budget-cut"
    assert "stand-in data" in cut["why"] and "step 17 of the paper's 1000" in cut["why"]


def test_read_run_never_follows_a_link(tmp_path):
    (tmp_path / "real.jsonl").write_text(json.dumps({"split": "test", "step": 1, "loss": 1.0}) + "\n")
    (tmp_path / "metrics.jsonl").symlink_to(tmp_path / "real.jsonl")
    assert claims.read_run(tmp_path) == ([], {})


# ----------------------------------------------------------------------------- registry and extraction
def test_registry_maps_the_names_papers_use():
    assert datasets.lookup("digits (scikit-learn)") == "digits"
    assert (
        datasets.lookup("digits", "the handwritten digits of MNIST") is None
    )  # a bare "digits" needs its source
    assert datasets.lookup("CIFAR-10") == "cifar-10" and datasets.lookup("CIFAR-100") == "cifar-100"
    assert (
        datasets.lookup("WMT 2014 English-German") == "wmt14" and datasets.lookup("ImageNet-1K") == "imagenet"
    )
    assert datasets.entry("imagenet")["loader"] == "manual" and "aliases" not in datasets.entry("mnist")


def test_the_example_papers_claim_and_dataset_are_extracted(workspace):
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext

    (workspace.root / "paper.pdf").write_bytes(EXAMPLE.read_bytes())
    res = registry.call("parse-paper", {"paper": "paper.pdf"}, ToolContext(workspace))
    spec = json.loads(Path(res["spec_path"]).read_text())
    assert [d["name"] for d in spec["datasets"]] == ["digits (scikit-learn)"] and spec["datasets"][0]["main"]
    (claim,) = spec["results"]  # "classifies 97.2% of the test images correctly" is the same claim again
    assert claim["metric"] == "accuracy" and claim["value"] == 97.2 and claim["unit"] == "%"
    # the claim's sentence names no dataset: unstated (the paper's dataset is in ``datasets``; the claims
    # table compares it with the run on the paper's data all the same)
    assert claim["split"] == "test" and claim["dataset"] is None and claim["main"]
    assert claim["page"] == 1 and "97.2% accuracy on the held-out test split" in claim["quote"]


def test_results_grammar_skips_names_margins_and_headers():
    from mlintern.tools.paper.results import _matches

    def found(text):
        return [(m.group("v"), metric) for m, metric in _matches(text)]

    assert found("MaxViT achieves 86.5% ImageNet-1K top-1 accuracy") == [("86.5", "top-1 accuracy")]
    assert found("a top-5 error rate of 18.2%") == [("18.2", "top-5 error")]
    assert found("we obtain 28.4 BLEU on newstest2014") == [("28.4", "BLEU")]
    for text in (
        "Top 1 Accuracy",
        "16 feature maps",
        "5 EMPIRICAL EXPERIMENTS",
        "CIFAR-100 error",
        "better than 1/1000 accuracy",
    ):
        assert found(text) == [], text


# ----------------------------------------------------------------------------- card and report
def test_model_card_carries_model_index(tmp_path):
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in evals(96.9)) + "\n")
    (tmp_path / "data.json").write_text(json.dumps(PAPER_DATA))
    base = "---\nlibrary_name: pytorch\n---\n\n# t\n\n## Provenance\n"
    out = card.with_results(base, {"paper": {"results": [CLAIM]}}, tmp_path, "A paper")
    front = out.split("\n---\n")[0]
    assert "model-index:" in front and "value: 96.9" in front and "split: test" in front
    assert "reproduced" in front and out.index("## Results vs. the paper") < out.index("## Provenance")
    yaml = pytest.importorskip("yaml")  # the Hub parses the front matter as YAML
    meta = yaml.safe_load(front.removeprefix("---\n"))
    metric = meta["model-index"][0]["results"][0]["metrics"][0]
    assert metric["type"] == "accuracy" and metric["value"] == 96.9 and metric["verified"] is False


def _state(tmp_path: Path, rows: list[dict], info: dict, label: str | None = None) -> LoopState:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text(json.dumps({"family": "mlp", "template": "mlp", "label": label}))
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    s.steps = {
        "scaffold": {"project": str(project), "family": "mlp"},
        "full": {"run_id": "r", "status": "succeeded", "loss": {}},
        "evaluate": {
            "claims": rows,
            "data": info,
            "scale": claims.scale_of(info, evals(1.0)),
            "evaluation": {"test": {"split": "test", "step": 1000}},
        },
    }
    return s


def test_the_reports_first_line_tells_the_truth(tmp_path):
    ok = _state(tmp_path, claims.compare([CLAIM], evals(97.0), PAPER_DATA), PAPER_DATA)
    line = report.outcome(ok)
    assert line.startswith(
        "REPRODUCED: the paper's architecture (mlp), the paper's data (digits), full scale"
    )
    assert "97.2%" in line and "97%" in line

    standin = {**PAPER_DATA, "dataset": "digits (scikit-learn), stand-in", "paper_dataset": False}
    (tmp_path / "b").mkdir()
    label = "CLOSEST HONEST OPTION: no template for this architecture"
    bad = _state(tmp_path / "b", claims.compare([CLAIM], evals(97.5), standin), standin, label=label)
    line = report.outcome(bad)
    assert line.startswith("NOT COMPARABLE: a baseline standing in for the paper's architecture")
    assert "stand-in data" in line and "completed" not in line


def test_every_held_out_metric_train_py_records_is_shown_in_the_summaries(tmp_path):
    """EVAL_METRICS is what the report's first line and the loop's evaluate line show: every metric the
    generated train.py writes into a held-out record must be in it (F1 and BLEU were missing)."""
    import re

    from mlintern.tools.training.metrics import EVAL_METRICS

    template = (
        Path(__file__).resolve().parents[1] / "tools" / "scaffold" / "templates" / "train.py.tmpl"
    ).read_text(encoding="utf-8")
    body = template[template.index('record = {"split": split') : template.index("    return record")]
    recorded = set(re.findall(r'record\["(\w+)"\]\s*=', body))
    assert {"f1", "bleu", "perplexity"} <= recorded, recorded  # the template still records them
    assert recorded <= set(EVAL_METRICS), recorded - set(EVAL_METRICS)
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlintern.json").write_text('{"family": "transformer_seq2seq", "template": "seq2seq"}')
    s = LoopState(paper="p", source="p.pdf", brain="offline")
    test = {"split": "test", "step": 40, "loss": 2.5, "token_accuracy": 31.0, "bleu": 3.21, "f1": 55.5}
    s.steps = {
        "scaffold": {"project": str(project), "family": "transformer_seq2seq"},
        "evaluate": {
            "run": "full",
            "claims": [],
            "data": {"dataset": "digits, stand-in", "paper_dataset": False, "train_steps": 40},
            "scale": "full",
            "evaluation": {"test": test},
        },
    }
    line = report.outcome(s)
    assert "bleu 3.21" in line and "f1 55.5" in line, line
