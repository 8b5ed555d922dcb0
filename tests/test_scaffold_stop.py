"""Generated train.py stops gracefully on SIGTERM/SIGINT, and epoch-based lengths follow the data used.

The stop tests run the real generated train.py (and torchrun) as subprocesses and signal them the way
run-training's stop and time budget do; the epoch tests check config.json and train.py's own count.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.scaffold.training_fields import standin_train_size
from mlintern.tools.workspace import Workspace
from test_scaffold_support import family_spec

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "error::UserWarning"}


def scaffold(tmp_path: Path, name: str, spec: dict) -> Path:
    (tmp_path / f"{name}.json").write_text(json.dumps(spec))
    registry.call(
        "scaffold-model", {"spec": f"{name}.json", "output": name}, ToolContext(Workspace(tmp_path))
    )
    return tmp_path / name


def long_pilot(project: Path) -> None:
    """Make the pilot far longer than any test waits, so only the signal can end it."""
    config = json.loads((project / "config.json").read_text())
    config["pilot"]["train"]["train_steps"] = 1_000_000
    (project / "config.json").write_text(json.dumps(config))


def signal_after_first_step(project: Path, argv: list[str], signum: int) -> tuple[int, str]:
    """Start train.py, send `signum` once the first metrics line is printed; (exit status, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, *argv],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        for line in proc.stdout:
            if line.startswith("step "):
                break
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


def metrics(project: Path, out: str = "out") -> list[dict]:
    """The training rows of metrics.jsonl (evaluation rows, which carry a "split", are left out)."""
    rows = [json.loads(line) for line in (project / out / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if "split" not in r]


def checkpoint(project: Path) -> dict:
    import torch

    return torch.load(project / "out" / "ckpt.pt", weights_only=False)


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_and_resume_continues(tmp_path):
    project = scaffold(tmp_path, "mlp", family_spec("mlp", num_layers=2))
    long_pilot(project)
    code, err = signal_after_first_step(project, ["train.py", "--pilot", "--ckpt-every", "0"], signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, err[-2000:]
    rows = metrics(project)
    reached = rows[-1]["step"]
    assert rows[-1]["stopped"] == "SIGTERM" and [r["step"] for r in rows] == list(range(1, reached + 1))
    assert f"stopped by SIGTERM at step {reached}/" in err
    ckpt = checkpoint(project)  # saved although no periodic checkpoint was asked for
    assert ckpt["step"] == reached and set(ckpt) >= {"model", "optimizer", "config", "step"}
    assert ckpt["config"]["pilot"] is True

    resumed = subprocess.run(
        [sys.executable, "train.py", "--pilot", "--resume", "--max-steps", str(reached + 3)],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"at step {reached}" in resumed.stdout
    assert [r["step"] for r in metrics(project)][-4:] == [reached, reached + 1, reached + 2, reached + 3]
    assert checkpoint(project)["step"] == reached + 3


@pytest.mark.slow
def test_torchrun_stop_saves_once_after_the_same_step_on_every_process(tmp_path):
    """torchrun forwards the signal to both workers; they agree on the step, so neither waits on the other."""
    spec = family_spec("transformer_decoder", num_layers=2, context_length=64)
    project = scaffold(tmp_path, "decoder", spec)
    long_pilot(project)
    argv = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "train.py", "--pilot"]
    code, err = signal_after_first_step(project, argv, signal.SIGTERM)
    assert code != 0
    rows = metrics(project)
    assert rows[-1]["stopped"] == "SIGTERM" and err.count("stopped by SIGTERM") == 1, err[-3000:]
    assert checkpoint(project)["step"] == rows[-1]["step"]


def test_epochs_use_the_known_dataset_size(tmp_path):
    project = scaffold(tmp_path, "mlp", family_spec("mlp", num_layers=2, epochs=20, batch_size=128))
    config = json.loads((project / "config.json").read_text())
    assert config["paper"]["dataset"]["value"] == "mnist"
    train = config["train"]
    assert (
        train["steps_per_epoch"]["value"] == math.ceil(60_000 / 128)
        and "60,000" in train["steps_per_epoch"]["rule"]
    )
    assert train["train_steps"] == {
        "value": 20 * 469,
        "source": "inferred",
        "rule": "epochs x steps_per_epoch",
    }


def test_epochs_use_the_standin_size_when_the_dataset_is_unknown(tmp_path):
    project = scaffold(tmp_path, "vae", family_spec("vae", epochs=20, batch_size=100))
    config = json.loads((project / "config.json").read_text())
    assert config["paper"]["dataset"] is None
    spe = config["train"]["steps_per_epoch"]
    # the digits after data.py's 20% test and 10% val hold-outs: 1,797 -> 1,438 -> 1,294 training images
    assert spe["value"] == math.ceil(1_294 / 100) and "1,294" in spe["rule"] and spe["source"] == "inferred"
    assert config["train"]["train_steps"]["value"] == 20 * 13  # not 20 x a nominal 1000


@pytest.mark.parametrize(
    "family,values,task",
    [
        ("vae", {}, "vae"),
        ("transformer_decoder", {"context_length": 64}, "lm"),
        ("transformer_seq2seq", {"num_layers": 2}, "seq2seq"),
    ],
)
def test_standin_size_matches_the_generated_data_module(tmp_path, family, values, task):
    """The scaffold's count of stand-in examples is the one the generated data.py really yields."""
    project = scaffold(tmp_path, family, family_spec(family, **values))
    config = json.loads((project / "config.json").read_text())
    model_args = {k: fact["value"] for k, fact in config["model"].items()}
    found = importlib.util.spec_from_file_location(f"data_{family}", project / "data.py")
    data = importlib.util.module_from_spec(found)
    found.loader.exec_module(data)
    assert data.TASK == task
    assert data.stand_in(model_args).num_examples("train") == standin_train_size(data.TASK, model_args)


def test_train_py_recomputes_epoch_length_from_the_data_it_loads(tmp_path):
    """A stale steps_per_epoch in config.json (the old nominal 1000) is replaced by the loaded data's count."""
    project = scaffold(tmp_path, "vae", family_spec("vae", epochs=20, batch_size=100))
    config = json.loads((project / "config.json").read_text())
    config["train"]["steps_per_epoch"]["value"], config["train"]["train_steps"]["value"] = 1000, 20_000
    (project / "config.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [sys.executable, "train.py", "--max-steps", "1", "--device", "cpu"],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1,294 training examples: 13 steps per epoch, train_steps = 20 epochs x 13 = 260" in proc.stdout
    assert "MLINTERN_TOTAL_STEPS=1" in proc.stdout


@pytest.mark.slow
def test_stop_training_reports_cancelled_and_resume_training_continues(tmp_path):
    """Through run-training's supervisor and sandbox: stop-training ends the run 'cancelled' (not a
    crash), the checkpoint holds the step reached, and run-training resume=true continues from it."""
    ws = Workspace(tmp_path)
    ctx = ToolContext(ws)
    project = scaffold(tmp_path, "mlp", family_spec("mlp", num_layers=2))
    long_pilot(project)
    run = registry.call("run-training", {"project": "mlp", "pilot": True}, ctx)
    deadline = time.time() + 180
    while not (ws.get_run(run["run_id"])["meta"].get("step") or 0) and time.time() < deadline:
        time.sleep(0.1)
    stopped = registry.call("stop-training", {"run_id": run["run_id"]}, ctx)
    assert stopped["state"] == "cancelled" and "stop-training" in stopped["reason"]
    assert stopped["exit_code"] == 128 + signal.SIGTERM
    out = Path(stopped["out_dir"])
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    rows = [r for r in rows if "split" not in r]  # training rows
    assert rows[-1]["stopped"] == "SIGTERM"
    import torch

    assert torch.load(out / "ckpt.pt", weights_only=False)["step"] == rows[-1]["step"]
    resumed = registry.call(
        "run-training",
        {"project": "mlp", "pilot": True, "resume": True, "wait": True, "max_steps": rows[-1]["step"] + 2},
        ctx,
    )
    assert resumed["state"] == "succeeded", resumed["summary"]
    assert resumed["step"] == rows[-1]["step"] + 2
