"""The paper's data protocol (split fractions, no validation set, input scaling) read from its text and
followed by the generated data.py; verdicts for results above the claim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools.paper.document import document_from_texts
from mlintern.tools.paper.results import protocol_in
from mlintern.tools.scaffold import datasets
from mlintern.tools.training import claims

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits-mlp" / "paper.pdf"
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def protocol(*paragraphs: str) -> dict:
    got = protocol_in(document_from_texts(["\n\n".join(paragraphs)]))
    return {k: v["value"] for k, v in got.items()}


# ----------------------------------------------------------------------------- reading the protocol
def test_split_fractions_and_validation_are_read_in_the_fields_words():
    held = protocol("We train on the digits, holding out a fifth of the images as the test split.")
    assert held == {"test_fraction": 0.2, "validation": "none"}  # a stated split naming no validation set
    both = protocol(
        "We randomly hold out 15% of the examples for testing.",
        "Of the remaining images, 10% of the training set is used for validation.",
    )
    assert both == {"test_fraction": 0.15, "val_fraction": 0.1}
    assert protocol("The data is divided into an 80/20 train/test split.") == {
        "test_fraction": 0.2,
        "validation": "none",
    }
    ratio = protocol("We use an 80/10/10 train/validation/test split of the corpus.")
    assert ratio["test_fraction"] == 0.1 and ratio["val_fraction"] == pytest.approx(0.1111, abs=1e-3)
    stated = protocol("We report accuracy on the official test set and use no validation set.")
    assert stated == {"validation": "none"}
    # a validation set mentioned anywhere keeps mlintern's validation hold-out
    assert protocol(
        "We hold out 20% of the data as the test set.", "Hyperparameters were tuned on a validation split."
    ) == {"test_fraction": 0.2}


def test_input_scaling_is_read_only_about_the_inputs():
    assert protocol("Pixel values are scaled to the range [0, 1].") == {"input_range": "unit"}
    assert protocol("We divide the pixel values by 255.") == {"input_range": "unit"}
    assert protocol("Images are normalized to [-1, 1] before training.") == {"input_range": "symmetric"}
    assert protocol(
        "For preprocessing, we normalize the data using the channel means and standard deviations."
    ) == {"input_range": "standardize"}
    assert protocol("We subtract the per-pixel mean of the training images.") == {"input_range": "center"}
    # about a layer's activations, not the inputs: no protocol
    assert protocol("Each layer normalizes its activations to zero mean and unit variance.") == {}


def test_an_appendix_experiment_is_not_the_papers_protocol():
    text = "B.3 Aesthetics\n\nWe split the dataset such that 20% of the data is used for testing."
    assert protocol(text) == {}


def test_the_example_papers_protocol_reaches_the_spec(workspace):
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext

    (workspace.root / "paper.pdf").write_bytes(EXAMPLE.read_bytes())
    res = registry.call("parse-paper", {"paper": "paper.pdf"}, ToolContext(workspace))
    spec = json.loads(Path(res["spec_path"]).read_text())
    facts = spec["datasets"][0]["protocol"]
    assert facts["test_fraction"]["value"] == 0.2 and facts["test_fraction"]["page"] == 1
    assert "holding out a fifth of the images as the test split" in facts["test_fraction"]["quote"]
    assert facts["validation"]["value"] == "none" and facts["validation"]["inferred"]
    assert (
        facts["input_range"]["value"] == "unit"
        and "scaled to the range from 0" in facts["input_range"]["quote"]
    )


# ----------------------------------------------------------------------------- the registry entry
def test_entry_follows_what_the_paper_states_and_says_so():
    fact = {"page": 3, "quote": "q"}
    entry = datasets.entry(
        "digits",
        {
            "test_fraction": {**fact, "value": 0.25},
            "validation": {**fact, "value": "none"},
            "input_range": {**fact, "value": "unit"},
        },
    )
    assert entry["test_fraction"] == 0.25 and entry["val_fraction"] == 0.0 and entry["input_range"] == "unit"
    assert len(entry["followed"]) == 3 and all("p. 3" in f for f in entry["followed"])
    # an official split is never replaced by the paper's fraction; no protocol: mlintern's choices stay
    cifar = datasets.entry("cifar-10", {"test_fraction": {**fact, "value": 0.25}})
    assert "test_fraction" not in cifar and "followed" not in cifar and "val_fraction" not in cifar
    assert "val_fraction" not in datasets.entry("digits") and datasets.entry("nope", {}) is None


@pytest.mark.slow
def test_the_generated_project_trains_on_the_papers_split_and_scaling(workspace):
    """The example paper: 1,438 training images (no validation split), 359 test, inputs in [0, 1]; the
    evaluations during training read test and the final one is on test."""
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext

    (workspace.root / "paper.pdf").write_bytes(EXAMPLE.read_bytes())
    ctx = ToolContext(workspace)
    registry.call("scaffold-model", {"spec": "paper.pdf", "output": "proj"}, ctx)
    project = workspace.root / "proj"
    probe = (
        "import json, data; e = data.load({'image_size': 8, 'in_channels': 1, 'num_classes': 10});"
        "x, y = e.get_batch('train', 512, __import__('torch').Generator().manual_seed(0));"
        "print(json.dumps({**e.describe(), 'min': float(x.min()), 'max': float(x.max())}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, env=ENV, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["paper_dataset"] and got["splits"] == {"train": 1438, "val": 0, "test": 359}
    assert got["min"] == 0.0 and got["max"] == 1.0  # the paper's [0, 1], not mlintern's [-1, 1]
    assert "no validation split" in got["note"] and "inputs scaled to [0, 1] (p. 1)" in got["note"]
    proc = subprocess.run(
        [sys.executable, "train.py", "--max-steps", "20"],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in (project / "out" / "metrics.jsonl").read_text().splitlines()]
    evals = [r for r in rows if "split" in r]
    assert evals and {r["split"] for r in evals} == {"test"} and evals[-1]["step"] == 20
    assert len(evals) > 1  # the curve during training, then the final evaluation


# ----------------------------------------------------------------------------- verdicts
CLAIM = {
    "metric": "accuracy",
    "value": 97.2,
    "unit": "%",
    "split": "test",
    "page": 1,
    "quote": "q",
    "main": True,
}
INFO = {"dataset": "digits", "paper_dataset": True, "pilot": False, "train_steps": 1000}


def _row(ours: float) -> dict:
    return claims.compare([CLAIM], [{"split": "test", "step": 1000, "loss": 0.1, "accuracy": ours}], INFO)[0]


def test_a_result_well_above_the_claim_differs_and_says_by_how_much():
    above = _row(98.61)
    assert above["verdict"] == "differs: +1.41" and "outside ±1 point" in above["why"]
    assert claims.outcome_word(above) == "DIFFERS"
    assert "differs: +1.41" in claims.headline_verdict([above])
    near = _row(98.05)
    assert near["verdict"] == "reproduced" and near["why"] == "within ±1 point: ours +0.85"
    assert claims.outcome_word(near) == "REPRODUCED" and "ours +0.85" in claims.headline_verdict([near])
    assert _row(96.2)["verdict"] == "reproduced" and claims.outcome_word(_row(96.0)) == "NOT REPRODUCED"
    assert claims.outcome_word(None) == "NOT EVALUATED"
    # two claims: the other's "differs" is counted as such
    text = claims.headline_verdict([near, {**above, "main": False}])
    assert text.endswith("other claims: 1 differs")


# ----------------------------------------------------------------------------- metrics: BLEU, F1, not implemented
def _claim(metric: str, value: float, unit: str | None = None) -> dict:
    return {**CLAIM, "metric": metric, "value": value, "unit": unit}


def test_unimplemented_metrics_say_so_in_the_table_and_the_readme():
    from mlintern.tools.scaffold.readme import evaluation_section

    rows = claims.compare(
        [_claim("mAP", 63.4), _claim("FID", 12.0)], [{"split": "test", "step": 1000, "loss": 0.1}], INFO
    )
    assert [r["verdict"] for r in rows] == ["not evaluated", "not evaluated"]
    assert rows[0]["why"] == "metric not implemented: detection mAP" and "FID" in rows[1]["why"]
    gan = "\n".join(evaluation_section({"results": []}, "gan"))
    assert "**Not implemented here:** FID and Inception score" in gan
    detection = "\n".join(
        evaluation_section({"results": [_claim("mAP", 63.4)], "dataset_loader": datasets.entry("coco")})
    )
    assert (
        "**Not implemented here:** detection mAP." in detection
        and "**not implemented**: detection mAP" in detection
    )


def test_f1_is_compared_in_the_papers_units():
    record = [{"split": "test", "step": 1000, "loss": 0.1, "accuracy": 90.0, "f1": 88.0}]
    fraction = claims.compare([_claim("F1", 0.885)], record, INFO)[0]
    assert fraction["ours"] == 0.88 and fraction["verdict"] == "reproduced"
    points = claims.compare([_claim("F1", 95.0)], record, INFO)[0]
    assert points["verdict"] == "short by 7" and "±5%" in points["why"]
    lm = claims.compare(
        [_claim("F1", 88.0)], [{"split": "test", "step": 1000, "loss": 2.0, "perplexity": 7.0}], INFO
    )[0]
    assert lm["verdict"] == "not evaluated" and "span F1 (SQuAD) is not implemented" in lm["why"]


def test_bleu_is_measured_with_sacrebleu_or_said_missing():
    record = [{"split": "test", "step": 1000, "loss": 1.0, "token_accuracy": 80.0, "bleu": 27.9}]
    row = claims.compare([_claim("BLEU", 28.4)], record, INFO)[0]
    assert row["verdict"] == "not comparable" and row["ours"] == 27.9 and "token ids" in row["why"]
    info = {**INFO, "not_evaluated": {"BLEU": "sacrebleu is not installed here (pip install sacrebleu)"}}
    missing = claims.compare([_claim("BLEU", 28.4)], [{**record[0], "bleu": None}], info)[0]
    assert missing["verdict"] == "not evaluated" and "sacrebleu is not installed" in missing["why"]


@pytest.mark.slow
def test_a_translation_projects_pilot_records_bleu(workspace):
    pytest.importorskip("sacrebleu")
    from mlintern.tools import registry
    from mlintern.tools.registry import ToolContext
    from test_scaffold_support import family_spec

    spec = family_spec("rnn_seq2seq", title="Sequence to Sequence Learning", num_layers=1, d_model=32)
    spec["results"] = [{**_claim("BLEU", 34.8), "dataset": "WMT 2014", "quote": "34.8 BLEU"}]
    (workspace.root / "spec.json").write_text(json.dumps(spec))
    registry.call("scaffold-model", {"spec": "spec.json", "output": "mt"}, ToolContext(workspace))
    project = workspace.root / "mt"
    assert "corpus BLEU (sacrebleu" in (project / "README.md").read_text()
    proc = subprocess.run(
        [sys.executable, "train.py", "--pilot"],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    evals, info = claims.read_run(project / "out")
    final = [r for r in evals if r["split"] == "test"][-1]
    assert isinstance(final["bleu"], float) and 0.0 <= final["bleu"] <= 100.0
    row = claims.compare(spec["results"], evals, info)[0]
    assert row["verdict"] == "not comparable" and row["ours"] == final["bleu"] and "pilot scale" in row["why"]


def test_a_hostile_not_evaluated_field_is_only_read_as_text():
    record = [{"split": "test", "step": 1000, "loss": 1.0, "token_accuracy": 80.0}]
    for told in (["x"], "x" * 10_000, {"BLEU": "y" * 10_000}):
        row = claims.compare([_claim("BLEU", 28.4)], record, {**INFO, "not_evaluated": told})[0]
        assert row["verdict"] == "not evaluated" and len(row["why"]) < 500
