"""Generated projects really train: every family's pilot, resume, torchrun DDP, mixed precision.

Each test runs the generated train.py as a subprocess on the CPU (one thread per process, so the
shared machine stays fair); pilots are tiny, so the loss must visibly go down within their steps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.training.learning import learning_check, losses_from_rows, num_classes_of
from mlintern.tools.workspace import Workspace
from test_scaffold_support import FAMILY_CASES, case_spec

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "error::UserWarning"}
# ruff from this environment (the [test] extra), never from PATH: a fresh machine has no global ruff.
RUFF = [
    sys.executable,
    "-m",
    "ruff",
    "check",
    "--isolated",
    "--no-cache",
    "--select",
    "E,F,W,I,B,UP",
    "--target-version",
    "py310",
    "--line-length",
    "110",
    "--quiet",
]


def make_project(tmp_path: Path, name: str, request: pytest.FixtureRequest) -> Path:
    """Scaffold FAMILY_CASES[name]; ground-truth cases use (and skip without) the shared_dir fixture."""
    case = FAMILY_CASES[name]
    spec, variant = case_spec(case, request.getfixturevalue("shared_dir") if case[0] == "gt" else None)
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    registry.call(
        "scaffold-model",
        {"spec": "spec.json", "output": name, "variant": variant},
        ToolContext(Workspace(tmp_path)),
    )
    return tmp_path / name


def run(project: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args], cwd=project, capture_output=True, text=True, env=ENV, timeout=timeout
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def metrics(project: Path, out: str = "out") -> list[dict]:
    """The training rows of metrics.jsonl (evaluation rows, which carry a "split", are left out)."""
    rows = [json.loads(line) for line in (project / out / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if "split" not in r]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FAMILY_CASES))
def test_pilot_trains_and_code_is_clean(tmp_path, name, request):
    project = make_project(tmp_path, name, request)
    lint = subprocess.run([*RUFF, "."], cwd=project, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    proc = run(project, "train.py", "--pilot")
    assert proc.stdout.count("MLINTERN_TOTAL_STEPS=") == 1
    assert "STAND-IN DATA" in proc.stderr
    rows = metrics(project)
    assert set(rows[0]) == {"step", "loss", "lr", "samples_per_s", "time"}
    total = int(proc.stdout.split("MLINTERN_TOTAL_STEPS=")[1].split()[0])
    assert [r["step"] for r in rows] == list(range(1, total + 1))
    config = json.loads((project / "config.json").read_text())
    # the check the agent and diagnose --verify use: a 5% fall, or 5% below log(num_classes)
    verdict = learning_check(losses_from_rows(rows), num_classes=num_classes_of(config))
    assert verdict["verified"], f"{verdict['reason']}: {[r['loss'] for r in rows]}"
    assert (project / "out" / "ckpt.pt").exists()
    check_heldout_and_claims(project, total)


# The paper's metric each task's evaluation must record, and a claim of that kind for the claims table.
TASK_METRIC = {
    "classify": ("accuracy", {"metric": "top-1 accuracy", "value": 76.1, "unit": "%"}),
    "segment": ("pixel_accuracy", {"metric": "mAP", "value": 50.0, "unit": None}),
    "lm": ("perplexity", {"metric": "perplexity", "value": 18.4, "unit": None}),
    "mlm": ("perplexity", {"metric": "perplexity", "value": 4.0, "unit": None}),
    "seq2seq": ("token_accuracy", {"metric": "BLEU", "value": 28.4, "unit": None}),
    "vae": ("reconstruction", {"metric": "ELBO", "value": -96.2, "unit": None}),
    "gan": ("discriminator_accuracy", {"metric": "log-likelihood", "value": 225.0, "unit": None}),
}


def check_heldout_and_claims(project: Path, total: int) -> None:
    """A pilot evaluates on val during and on val and test at the end, with its task's metric, and the
    claims table calls any comparison with the paper *not comparable* (pilot scale, stand-in data)."""
    from mlintern.tools.training import claims

    task = json.loads((project / "mlintern.json").read_text())["task"]
    key, claim = TASK_METRIC[task]
    evals, info = claims.read_run(project / "out")
    final = {r["split"]: r for r in evals if r["step"] == total}
    assert set(final) == {"val", "test"}, evals
    for record in final.values():
        assert (
            record["examples"] > 0 and isinstance(record["loss"], float) and isinstance(record[key], float)
        ), record
    assert any(r["split"] == "val" and r["step"] < total for r in evals)  # at the interval too
    assert info["pilot"] is True and info["paper_dataset"] is False and info["splits"]["test"] > 0
    rows = claims.compare([{**claim, "split": "test", "page": 1, "quote": "q", "main": True}], evals, info)
    assert len(rows) == 1 and rows[0]["verdict"] in ("not comparable", "not evaluated"), rows
    if rows[0]["verdict"] == "not comparable":
        assert (
            "pilot scale" in rows[0]["why"]
            and "stand-in data" in rows[0]["why"]
            and rows[0]["ours"] is not None
        )


@pytest.mark.slow
def test_resume_continues_where_it_stopped(tmp_path, request):
    project = make_project(tmp_path, "resnet_basic_cifar", request)
    run(project, "train.py", "--pilot", "--max-steps", "10", "--ckpt-every", "5")
    assert [r["step"] for r in metrics(project)] == list(range(1, 11))
    proc = run(project, "train.py", "--pilot", "--resume")
    assert "resumed from" in proc.stdout and "at step 10" in proc.stdout
    steps = [r["step"] for r in metrics(project)]
    assert steps == list(range(1, 11)) + list(range(11, steps[-1] + 1)) and steps[-1] > 10
    import torch

    ckpt = torch.load(project / "out" / "ckpt.pt", weights_only=False)
    assert ckpt["step"] == steps[-1] and set(ckpt) >= {"model", "optimizer", "config", "step"}


@pytest.mark.slow
def test_resume_reproduces_an_uninterrupted_run(tmp_path, request):
    """Data order and optimizer state come back exactly: the resumed losses equal the straight run's."""
    project = make_project(tmp_path, "mlp", request)
    run(project, "train.py", "--pilot", "--max-steps", "12", "--out-dir", "straight")
    run(project, "train.py", "--pilot", "--max-steps", "6", "--out-dir", "split")
    run(project, "train.py", "--pilot", "--max-steps", "12", "--out-dir", "split", "--resume")
    straight, split = metrics(project, "straight"), metrics(project, "split")
    assert [r["step"] for r in split] == list(range(1, 13))
    assert [r["loss"] for r in split] == pytest.approx([r["loss"] for r in straight], rel=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet_basic_cifar", "transformer_decoder"])
def test_torchrun_two_cpu_processes(tmp_path, name, request):
    project = make_project(tmp_path, name, request)
    proc = run(
        project,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "train.py",
        "--pilot",
        "--max-steps",
        "6",
    )
    assert "2 process(es)" in proc.stdout
    rows = metrics(project)
    assert [r["step"] for r in rows] == list(range(1, 7))  # rank 0 alone writes metrics
    assert proc.stdout.count("MLINTERN_TOTAL_STEPS=") == 1


@pytest.mark.slow
def test_mixed_precision_path_runs_on_cpu(tmp_path, request):
    """The GPU code path (autocast + gradient accumulation) exercised on the CPU with bf16."""
    project = make_project(tmp_path, "transformer_decoder", request)
    proc = run(
        project,
        "train.py",
        "--pilot",
        "--max-steps",
        "4",
        "--dtype",
        "bfloat16",
        "--micro-batch",
        "8",
        "--device",
        "cpu",
    )
    assert "x 2 accum" in proc.stdout
    assert all(r["loss"] == r["loss"] for r in metrics(project))  # finite, not NaN
