"""Stated values reach the model; unstated sizes are derived from a stated count; names give sizes; the
family comes from evidence about the architecture; re-parameterisable blocks fold exactly."""

from __future__ import annotations

import json

import pytest
import torch
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from test_scaffold_support import family_spec, load_model_module


def scaffold(workspace, spec: dict, name: str, variant: str | None = None) -> tuple[dict, dict]:
    (workspace.root / f"{name}.json").write_text(json.dumps(spec))
    args = {"spec": f"{name}.json", "output": name} | ({"variant": variant} if variant else {})
    result = registry.call("scaffold-model", args, ToolContext(workspace))
    config = json.loads((workspace.root / name / "config.json").read_text())
    return result, config["model"]


def with_variants(spec: dict, variants: dict[str, dict]) -> dict:
    spec["variants"] = {
        name: {
            k: {"value": v, "page": 2, "quote": f"{name} {v}", "source": "paper"} for k, v in facts.items()
        }
        for name, facts in variants.items()
    }
    return spec


def test_a_count_alone_gives_a_decoder_shape_within_one_percent(workspace):
    spec = with_variants(
        family_spec("transformer_decoder"),
        {"small": {"num_params": 40_000_000}, "large": {"num_params": 3_000_000_000}},
    )
    shapes = []
    for variant in ("small", "large"):
        result, model = scaffold(workspace, spec, f"dec-{variant}", variant)
        assert abs(result["params_delta"]) <= 0.01
        for key in ("d_model", "num_layers"):
            assert model[key]["source"] == "inferred"
            assert "matches the paper's" in model[key]["rule"]
        shapes.append((model["num_layers"]["value"], model["d_model"]["value"]))
        readme = (workspace.root / f"dec-{variant}" / "README.md").read_text()
        assert "matches the paper's" in readme  # the rule is shown where the user reads the values
    assert shapes[1][0] > shapes[0][0] and shapes[1][1] > shapes[0][1]  # bigger in both, usual proportions


def test_stated_values_are_never_refitted(workspace):
    spec = with_variants(
        family_spec("transformer_decoder"), {"v": {"num_params": 40_000_000, "d_model": 512, "num_layers": 6}}
    )
    result, model = scaffold(workspace, spec, "dec-stated", "v")
    assert model["d_model"] == {"value": 512, "source": "paper", "page": 2, "quote": "v 512"}
    assert model["num_layers"]["value"] == 6 and model["num_layers"]["source"] == "paper"


def test_a_named_tokenizer_gives_the_vocabulary_with_its_sentence(workspace):
    spec = family_spec("transformer_decoder", num_layers=2, d_model=64)
    spec["hyperparameters"]["num_layers"]["quote"] = (
        "We train 2 layers and use the GPT-2 tokenizer for all models."
    )
    _, model = scaffold(workspace, spec, "tok")
    assert model["vocab_size"]["value"] == 50257
    assert model["vocab_size"]["source"] == "inferred"
    assert "GPT-2 tokenizer" in model["vocab_size"]["rule"]


def test_a_stated_vocabulary_beats_a_named_tokenizer(workspace):
    spec = family_spec("transformer_decoder", num_layers=2, d_model=64, vocab_size=1000)
    spec["hyperparameters"]["num_layers"]["quote"] = "We use the GPT-2 tokenizer."
    _, model = scaffold(workspace, spec, "tok2")
    assert model["vocab_size"]["value"] == 1000 and model["vocab_size"]["source"] == "paper"


def test_a_named_dataset_gives_the_classes(workspace):
    spec = family_spec("resnet", num_layers=18)
    spec["hyperparameters"]["num_layers"]["quote"] = "We train an 18-layer network on CIFAR-100."
    _, model = scaffold(workspace, spec, "classes")
    assert model["num_classes"]["value"] == 100 and model["num_classes"]["source"] == "inferred"


def test_one_stated_width_becomes_one_per_stage(workspace):
    spec = family_spec("convnext", d_model=40, num_layers=[2, 2, 6, 2])
    _, model = scaffold(workspace, spec, "cnx")
    assert model["d_model"]["value"] == [40, 80, 160, 320]
    assert model["d_model"]["source"] == "inferred" and "d_model = 40" in model["d_model"]["rule"]


def test_family_layout_comes_from_architecture_evidence_not_title_words(workspace):
    spec = family_spec("mobilenet", title="MobileNets v2 of a totally different kind")
    _, model = scaffold(workspace, spec, "mbv1")
    assert model["version"]["value"] == "v1"  # "v2" in the title says nothing about the blocks
    spec["family"]["evidence"] = [
        {"page": 1, "quote": "built from inverted residual blocks with linear bottlenecks"}
    ]
    _, model = scaffold(workspace, spec, "mbv2")
    assert model["version"]["value"] == "v2"


def test_squeeze_excitation_and_cardinality_reach_a_residual_network(workspace):
    plain = family_spec("resnet", num_layers=50)
    base, _ = scaffold(workspace, plain, "r50")
    assert base["params_full"] == 25_557_032  # torchvision's ResNet-50
    se = family_spec("resnet", num_layers=50, cardinality=32)
    se["family"]["evidence"] = [
        {"page": 1, "quote": "we add squeeze-and-excitation blocks to a 32x4d ResNeXt"}
    ]
    result, model = scaffold(workspace, se, "se-rx50")
    assert model["se_reduction"]["value"] == 16 and model["group_width"]["value"] == 4
    assert result["params_full"] == 27_559_896  # SE-ResNeXt-50 (32x4d), as in the reference implementation


def test_reparameterised_blocks_fold_into_one_conv_with_the_same_output(workspace, tmp_path):
    spec = family_spec("vgg", num_layers=[1, 2, 2, 1], width_multiplier=0.25, groups=2)
    spec["family"]["evidence"] = [
        {
            "page": 1,
            "quote": "a training-time model with branches, an inference-time "
            "body of 3x3 convolutions (structural re-parameterization)",
        }
    ]
    _, model = scaffold(workspace, spec, "rep")
    assert model["groups"]["value"] == 2
    module = load_model_module(workspace.root / "rep" / "model.py")
    torch.manual_seed(0)
    net = module.Model(module.ModelConfig(image_size=32, num_classes=5))
    for m in net.modules():  # non-trivial batch-norm statistics, so folding has something to fold
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    before = net(x)
    trained_params = sum(p.numel() for p in net.parameters())
    net.fuse()
    assert torch.allclose(net(x), before, atol=1e-4)
    assert sum(p.numel() for p in net.parameters()) < trained_params
    assert all(not isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())


@pytest.mark.parametrize(
    "words,template",
    [
        ("Retentive networks replace attention with retention", "retnet"),
        ("Receptance Weighted Key Value (RWKV) time-mixing", "rwkv"),
    ],
)
def test_language_model_families_from_their_vocabulary(workspace, words, template):
    spec = family_spec("other", num_layers=2, d_model=64)
    spec["family"]["evidence"] = [{"page": 1, "quote": words}]
    result, _ = scaffold(workspace, spec, template)
    meta = json.loads((workspace.root / template / "mlintern.json").read_text())
    assert meta["template"] == template and meta["label"] is None
