"""Size fixes must hold for every configuration: ``cfg.d_model``, not the pilot's number.

Each project here is real code run with real torch: the pilot crashes, the
diagnosis is built from its real stderr, the fix is applied, and then both
the pilot and the full configuration must build and run a forward pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.diagnose.apply import apply_edits
from mlintern.tools.diagnose.engine import diagnose_text
from mlintern.tools.diagnose.scope import run_configs
from mlintern.tools.diagnose.source import Sources
from mlintern.tools.registry import ToolContext

# train.py of a scaffold-like project: config.json "model" values, the "pilot" overrides with --pilot.
TRAIN = """
import json, sys
import torch
from model import Model, ModelConfig

config = json.load(open("config.json"))
args = {k: v["value"] for k, v in config["model"].items()}
if "--pilot" in sys.argv:
    args.update(config["pilot"]["model"])
cfg = ModelConfig(**args)
model = Model(cfg)
x = torch.randn(4, *(INPUT,))
print("out", tuple(model(x).shape))
"""


def make_project(root: Path, model: str, full: dict, pilot: dict, input_shape: str) -> Path:
    proj = root / "proj"
    proj.mkdir()
    (proj / "model.py").write_text(textwrap.dedent(model))
    (proj / "config.json").write_text(
        json.dumps(
            {
                "model": {k: {"value": v, "source": "paper"} for k, v in full.items()},
                "pilot": {"model": pilot},
            }
        )
    )
    (proj / "train.py").write_text(TRAIN.replace("INPUT,", input_shape + ","))
    return proj


def run(proj: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "train.py", *args], cwd=proj, capture_output=True, text=True, timeout=120
    )


def diagnose_and_apply(workspace, proj: Path, mode: str | None = "pilot") -> dict:
    failed = run(proj, "--pilot")
    assert failed.returncode != 0, failed.stdout
    diagnosis = diagnose_text(failed.stderr, workspace.root, proj, mode)
    assert diagnosis["fixes"], diagnosis["explanation"]
    apply_edits(workspace, diagnosis["fixes"][0]["edits"])
    return diagnosis


def assert_both_configs_run(proj: Path, pilot_out: tuple, full_out: tuple) -> None:
    for args, out in ((["--pilot"], pilot_out), ([], full_out)):
        done = run(proj, *args)
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"out {out}" in done.stdout


TRANSFORMER_BLOCK = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class ModelConfig:
    d_model: int = 64
    d_ff: int = 256
    num_classes: int = 2


class Model(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ff = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff), nn.ReLU(), nn.Linear(cfg.d_ff, cfg.d_model))
        self.head = nn.Linear(cfg.d_ff, cfg.num_classes)

    def forward(self, x):
        return self.head(self.ff(x))
"""


def test_linear_fix_uses_the_config_field_and_both_configs_run(workspace):
    # Pilot d_ff = 2 x d_model: the numbers alone also suggest a missing flatten; the names say otherwise.
    proj = make_project(
        workspace.root,
        TRANSFORMER_BLOCK,
        {"d_model": 64, "d_ff": 256, "num_classes": 2},
        {"d_model": 8, "d_ff": 16},
        "cfg.d_model",
    )
    diagnosis = diagnose_and_apply(workspace, proj)
    best = diagnosis["fixes"][0]
    assert best["title"].endswith("to `cfg.d_model` (= 8 in this run)"), best["title"]
    assert len(diagnosis["fixes"]) == 1 or diagnosis["fixes"][1]["confidence"] < best["confidence"]
    source = (proj / "model.py").read_text()
    assert "self.head = nn.Linear(cfg.d_model, cfg.num_classes)" in source
    assert "nn.Linear(8," not in source and "d_ff: int = 256" in source  # no literal, no edited default
    assert_both_configs_run(proj, (4, 2), (4, 2))


def test_without_the_runs_mode_the_pilot_values_are_tried_first(workspace):
    proj = make_project(
        workspace.root,
        TRANSFORMER_BLOCK,
        {"d_model": 64, "d_ff": 256, "num_classes": 2},
        {"d_model": 8, "d_ff": 16},
        "cfg.d_model",
    )
    diagnose_and_apply(workspace, proj, mode=None)
    assert "self.head = nn.Linear(cfg.d_model, cfg.num_classes)" in (proj / "model.py").read_text()
    assert_both_configs_run(proj, (4, 2), (4, 2))


def test_run_configs_follow_the_runs_mode(workspace):
    make_project(workspace.root, TRANSFORMER_BLOCK, {"d_model": 64, "d_ff": 256}, {"d_model": 8}, "8")
    proj = workspace.root / "proj"
    assert run_configs(Sources(workspace.root, proj, "full")) == [{"d_model": 64, "d_ff": 256}]
    assert run_configs(Sources(workspace.root, proj, "pilot")) == [{"d_model": 8, "d_ff": 256}]
    assert [c["d_model"] for c in run_configs(Sources(workspace.root, proj))] == [8, 64]
    assert run_configs(Sources(workspace.root, workspace.root / "elsewhere")) == [
        {}
    ]  # no config.json: defaults


PARAMS_AND_SELF = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class ModelConfig:
    d_in: int = 32
    hidden: int = 64
    num_classes: int = 3


class Model(nn.Module):
    def __init__(self, cfg: ModelConfig, scale: int = 1):
        super().__init__()
        self.width = cfg.hidden * scale
        self.body = nn.Sequential(nn.Linear(cfg.d_in, self.width), nn.Tanh())
        self.head = nn.Linear(cfg.d_in, cfg.num_classes)

    def forward(self, x):
        return self.head(self.body(x))
"""


def test_a_self_attribute_set_in_init_is_used(workspace):
    proj = make_project(
        workspace.root,
        PARAMS_AND_SELF,
        {"d_in": 32, "hidden": 64, "num_classes": 3},
        {"d_in": 8, "hidden": 12},
        "cfg.d_in",
    )
    diagnose_and_apply(workspace, proj)
    assert "self.head = nn.Linear(self.width, cfg.num_classes)" in (proj / "model.py").read_text()
    assert_both_configs_run(proj, (4, 3), (4, 3))


CONV_FLATTEN = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class ModelConfig:
    in_channels: int = 3
    channels: int = 16
    image_size: int = 32
    num_classes: int = 10


class Model(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.conv = nn.Conv2d(cfg.in_channels, cfg.channels, 3, padding=1)
        self.head = nn.Linear(cfg.channels * 8, cfg.num_classes)

    def forward(self, x):
        return self.head(self.conv(x).flatten(1))
"""


def test_flattened_conv_features_become_a_product_of_names(workspace):
    proj = make_project(
        workspace.root,
        CONV_FLATTEN,
        {"in_channels": 3, "channels": 16, "image_size": 32, "num_classes": 10},
        {"channels": 4, "image_size": 6},
        "cfg.in_channels, cfg.image_size, cfg.image_size",
    )
    diagnose_and_apply(workspace, proj)
    assert (
        "nn.Linear(cfg.channels * cfg.image_size * cfg.image_size, cfg.num_classes)"
        in (proj / "model.py").read_text()
    )
    assert_both_configs_run(proj, (4, 10), (4, 10))


LITERAL_ONLY = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class ModelConfig:
    d_in: int = 32
    num_classes: int = 3


class Model(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(cfg.d_in, 24), nn.ReLU())
        self.head = nn.Linear(20, cfg.num_classes)

    def forward(self, x):
        return self.head(self.body(x))
"""


def test_without_a_matching_name_the_literal_says_it_fits_this_configuration_only(workspace):
    proj = make_project(workspace.root, LITERAL_ONLY, {"d_in": 32, "num_classes": 3}, {"d_in": 8}, "cfg.d_in")
    diagnosis = diagnose_and_apply(workspace, proj)
    best = diagnosis["fixes"][0]
    assert best["title"].endswith("to 24 (the value for this configuration only)"), best["title"]
    assert best["confidence"] == 0.85  # ranked below a named size (0.9)
    assert "self.head = nn.Linear(24, cfg.num_classes)" in (proj / "model.py").read_text()
    assert_both_configs_run(proj, (4, 3), (4, 3))


def test_batch_size_is_never_taken_for_a_layer_size(workspace):
    (workspace.root / "train.py").write_text(
        textwrap.dedent("""
        import torch
        import torch.nn as nn

        BATCH_SIZE = 32
        model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(16, 2))
        model(torch.randn(BATCH_SIZE, 10))
        """)
    )
    failed = subprocess.run(
        [sys.executable, "train.py"], cwd=workspace.root, capture_output=True, text=True, timeout=120
    )
    fixes = diagnose_text(failed.stderr, workspace.root)["fixes"]
    assert "nn.Linear(32, 2)" in fixes[0]["edits"][0]["new_text"]


@pytest.mark.slow
def test_scaffolded_project_pilot_is_repaired_with_the_config_field(workspace):
    """The real flow: scaffold-model, a bug in model.py, run-training --pilot, diagnose-traceback --verify."""
    spec = {
        "title": "A test paper",
        "family": {"value": "mlp", "evidence": []},
        "hyperparameters": {
            "num_layers": {"value": 2, "page": 1, "quote": "num_layers = 2", "source": "paper"}
        },
        "variants": {},
        "default_variant": None,
    }
    (workspace.root / "spec.json").write_text(json.dumps(spec))
    ctx = ToolContext(workspace)
    registry.call("scaffold-model", {"spec": "spec.json", "output": "proj"}, ctx)
    model = workspace.root / "proj" / "model.py"
    right = "nn.Linear(cin, config.num_classes))"
    assert right in model.read_text()
    model.write_text(model.read_text().replace(right, "nn.Linear(config.num_classes, config.num_classes))"))
    failed = registry.call("run-training", {"project": "proj", "pilot": True, "wait": True}, ctx)
    assert failed["state"] == "failed"
    result = registry.call("diagnose-traceback", {"run_id": "latest", "apply": True, "verify": True}, ctx)
    assert result["verified"] is True, result["summary"]
    assert "(= 64 in this run)" in result["fixes"][0]["title"]  # the pilot's d_model
    assert "nn.Linear(config.d_model, config.num_classes))" in model.read_text()
    full = subprocess.run(
        [
            sys.executable,
            "-c",
            "import torch; from model import Model, ModelConfig; "
            "print(tuple(Model(ModelConfig())(torch.randn(2, 1, 28, 28)).shape))",
        ],
        cwd=model.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert full.returncode == 0 and "(2, 10)" in full.stdout, full.stderr[-2000:]


CLASS_HEAD = """
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelConfig:
    d_model: int = 64
    num_classes: int = 100


class Model(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.body = nn.Linear(cfg.d_model, cfg.d_model)
        self.head = nn.Linear(cfg.d_model, 5)

    def forward(self, x):
        logits = self.head(self.body(x))
        F.cross_entropy(logits, torch.full((x.shape[0],), LABEL))  # a label of the pilot's 12 classes
        return logits
"""


# 11: above the head's 5 outputs; 5: equal to them, where "labels start at 1" is a rival explanation.
@pytest.mark.parametrize("label", [11, 5])
def test_a_classifier_head_gets_the_config_class_count(workspace, label):
    proj = make_project(
        workspace.root,
        CLASS_HEAD.replace("LABEL", str(label)),
        {"d_model": 64, "num_classes": 100},
        {"d_model": 8, "num_classes": 12},
        "cfg.d_model",
    )
    diagnosis = diagnose_and_apply(workspace, proj)
    assert diagnosis["category"] == "target_out_of_bounds"
    assert "self.head = nn.Linear(cfg.d_model, cfg.num_classes)" in (proj / "model.py").read_text()
