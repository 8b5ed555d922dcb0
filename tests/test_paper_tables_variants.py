"""Variant facts from tables and names, checked on the real papers the layouts come from (each rule is general:
a grouped-convolution suffix, a depth in a model's name, the parameter unit a paper states once)."""

from __future__ import annotations

import pytest
from mlintern.tools.paper.document import read_pdf
from mlintern.tools.paper.variants import _depth_names, _own_model, find_variants, own_model_names

pytestmark = pytest.mark.needs_shared


def _variants(shared_dir, paper: str) -> dict:
    return find_variants(read_pdf(shared_dir / "papers" / f"{paper}.pdf"))[0]


def test_a_grouped_version_takes_its_base_models_depths_and_multipliers_but_not_its_size(shared_dir):
    v = _variants(shared_dir, "repvgg")
    base, grouped = v["RepVGG-B1"], v["RepVGG-B1g4"]
    assert grouped["num_layers"]["value"] == base["num_layers"]["value"] == [1, 4, 6, 16, 1]
    assert grouped["width_multiplier"]["value"] == 2
    assert grouped["num_params"]["value"] == 36120000 != base["num_params"]["value"]


def test_params_without_a_unit_take_the_unit_the_paper_states_elsewhere(shared_dir):
    # Table 5's header says "Params"; Table 4's says "Params (M)"
    assert _variants(shared_dir, "repvgg")["RepVGG-B3"]["num_params"]["value"] == 110960000


def test_backbones_built_with_the_papers_unit_are_its_own_and_their_names_state_the_depth(shared_dir):
    doc = read_pdf(shared_dir / "papers" / "senet.pdf")
    own = own_model_names(doc)
    assert "senet" in own  # the title's initials: "Squeeze-and-Excitation Networks"
    assert _own_model("SE-ResNet-50", own) and not _own_model("ResNet-50", own)
    depths = {
        name: f["value"] for name, f in _depth_names(doc, own, "\n".join(p.text for p in doc.pages)).items()
    }
    assert depths["SE-ResNet-101"] == 101 and depths["SENet-154"] == 154 and depths["SE-VGG-16"] == 16
    assert "ResNet-101" not in depths  # a baseline of another paper


def test_a_results_table_with_percentages_gives_the_papers_own_models_their_sizes(shared_dir):
    v = _variants(shared_dir, "cspnet")
    assert v["CSPResNeXt-50"]["num_params"]["value"] == 20500000
    assert v["SECSPPeleeNet-swish"]["num_params"]["value"] == 2850000
    assert "ResNeXt-50" not in v and "PeleeNet" not in v  # the baselines they are compared with


def test_columns_named_by_depth_are_variants_named_family_and_depth(shared_dir):
    v = _variants(shared_dir, "resnet")
    assert {n: f["num_layers"]["value"] for n, f in v.items() if n.startswith("ResNet")} == {
        "ResNet18": 18,
        "ResNet34": 34,
        "ResNet50": 50,
        "ResNet101": 101,
        "ResNet152": 152,
    }


def test_a_second_datasets_model_is_named_by_its_table_row(shared_dir, tmp_path):
    from mlintern.tools.paper.parse import parse_paper_tool
    from mlintern.tools.registry import ToolContext
    from mlintern.tools.workspace import Workspace

    ws = Workspace(tmp_path, confined=False)
    spec = parse_paper_tool(ToolContext(ws), paper=str(shared_dir / "papers" / "densenet.pdf"))["spec"]
    cifar = spec["variants"]["CIFAR DenseNet-BC L250 k24"]  # the row "DenseNet-BC (k = 24) | 250 | 15.3M"
    assert cifar["num_layers"]["value"] == 250 and cifar["growth_rate"]["value"] == 24
    assert cifar["batch_size"]["value"] == 64


def test_vits_listed_by_size_and_patch_are_variants_with_their_patch_size(shared_dir):
    v = _variants(shared_dir, "mae")  # "The ViT models are B/16, L/16, H/14"
    assert v["ViT-H/14"]["patch_size"]["value"] == 14 and v["ViT-L"]["patch_size"]["value"] == 16


def test_a_vit_named_only_in_a_comparison_is_no_variant(shared_dir):
    assert not any("/" in name for name in _variants(shared_dir, "maxvit"))


def test_a_resolution_name_listed_with_confirmed_ones_is_a_resolution_too(shared_dir):
    v = _variants(shared_dir, "yolov3")  # "416 × 416" is never written; 320 × 320 and 608 × 608 are
    assert {n: f["image_size"]["value"] for n, f in v.items() if "image_size" in f} == {
        "YOLOv3-320": 320,
        "YOLOv3-416": 416,
        "YOLOv3-608": 608,
    }


def test_a_variant_named_by_an_activation_states_it(shared_dir):
    v = _variants(shared_dir, "cspnet")
    assert v["CSPPeleeNet-swish"]["activation"]["value"] == "silu"  # swish is SiLU
    assert "activation" not in v["CSPPeleeNet"]


def test_a_paper_comparing_activations_has_one_variant_per_activation_row(shared_dir):
    v = _variants(shared_dir, "xavier")
    assert {n: f["activation"]["value"] for n, f in v.items()} == {
        "Tanh": "tanh",
        "Tanh N": "tanh",
        "Sigmoid": "sigmoid",
    }  # "Softsign" has no canonical activation


def test_activation_rows_create_no_variants_where_the_paper_has_model_sizes(shared_dir):
    assert all("activation" not in f or "-" in n for n, f in _variants(shared_dir, "gmlp").items())


def test_without_a_base_model_or_one_named_in_the_abstract_the_default_is_the_largest():
    from mlintern.tools.paper.variants import default_reason

    variants = {
        "Net-A": {"num_params": {"value": 8_000_000}},
        "Net-B": {"num_params": {"value": 110_000_000}},
        "Net-C": {"num_params": {"value": 40_000_000}},
    }
    assert default_reason(variants, "We present Net.") == ("Net-B", "the largest variant by num_params")
    variants["Net-base"] = {}
    assert default_reason(variants, "")[0] == "Net-base"  # the paper's own reference model comes first
    tied = {"Net-A": {"num_layers": {"value": [2, 2]}}, "Net-B": {"num_layers": {"value": [1, 3]}}}
    assert default_reason(tied, "")[1] == "the first variant the paper lists"


def test_a_naming_the_papers_sizes_confirm_states_the_depth_of_another_size(shared_dir):
    v = _variants(shared_dir, "resmlp")  # S12 and S24 have 12 and 24 layers in Table 3; S36 is named twice
    assert v["ResMLP-S36"]["num_layers"]["value"] == 36


def test_sizes_named_by_letters_and_one_digit_state_no_depth(shared_dir):
    v = _variants(shared_dir, "repvgg")  # "RepVGG-A0": A0 is a size, its depths are per stage
    assert v["RepVGG-A0"]["num_layers"]["value"] == [1, 2, 4, 14, 1]
