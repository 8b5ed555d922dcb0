"""Values of another system or of part of the data stay out of the main configuration; the paper's own
models for a second dataset become variants that scaffold-model can build.

Each test writes a small PDF stating things the way a development paper did (ViT's hybrids, LeNet's late
check-reading system, LLaMA's per-domain epochs, ResNet/DenseNet's CIFAR depths, the BN paper's Inception)
and checks where parse-paper puts them; one goes on through scaffold-model to the parameter count.
"""

from __future__ import annotations

import pytest
from mlintern.tools import registry
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.registry import ToolContext
from test_paper_helpers import make_pdf


def spec_of(workspace, path) -> dict:
    spec = parse_paper_tool(ToolContext(workspace), paper=str(path))["spec"]
    validate_spec(spec)
    return spec


def test_a_value_stated_for_the_hybrids_is_their_setting(workspace, tmp_path):
    lines = [
        "3 Method",
        "",
        "The Vision Transformer splits each image into patches with a patch size of 16.",
        "",
        "For the hybrids, we feed the feature maps into the Transformer with patch size of one pixel.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "hybrid.pdf", [lines]))
    assert spec["hyperparameters"]["patch_size"]["value"] == 16
    assert spec["settings"]["hybrid"]["facts"]["patch_size"]["value"] == 1


def test_what_another_paper_uses_states_nothing_about_this_one(workspace, tmp_path):
    lines = [
        "3 Method",
        "",
        "Moreover, Cordonnier et al. (2020) use a small patch size of 2 x 2 pixels on small images.",
        "",
        "We train the models with a batch size of 4096.",
    ]
    hp = spec_of(workspace, make_pdf(tmp_path / "others.pdf", [lines]))["hyperparameters"]
    assert "patch_size" not in hp and hp["batch_size"]["value"] == 4096


@pytest.mark.parametrize(
    "sentence",
    [
        "Closest to ours is the model of Doe et al. (2019), which extracts patches of size 4 x 4 from the image.",
        "Roe et al. (2021), who work on small images, take a patch size of 4.",
    ],
)
def test_a_cited_models_configuration_states_nothing_about_this_one(workspace, tmp_path, sentence):
    lines = [
        "2 Related Work",
        "",
        sentence,
        "",
        "3 Method",
        "",
        "We train the models with a batch size of 512.",
    ]
    hp = spec_of(workspace, make_pdf(tmp_path / "cited.pdf", [lines]))["hyperparameters"]
    assert "patch_size" not in hp and hp["batch_size"]["value"] == 512


def test_the_base_model_of_an_ablation_grid_is_its_setting(workspace, tmp_path):
    lines = [
        "D Additional Analyses",
        "",
        "All configurations are based on a ViT model with 8 layers and a patch size of 32.",
        "",
        "We train the models with a batch size of 4096.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "grid.pdf", [lines]))
    assert "patch_size" not in spec["hyperparameters"] and "num_layers" not in spec["hyperparameters"]
    assert spec["settings"]["ablation base model"]["facts"]["patch_size"]["value"] == 32
    assert spec["hyperparameters"]["batch_size"]["value"] == 4096


def test_a_class_count_of_a_later_system_is_not_the_main_one(workspace, tmp_path):
    main = [
        "3 Experiments",
        "",
        "We train the network on the MNIST dataset of handwritten digits.",
        "",
        "The MNIST images are centered in a 32x32 field.",
    ]
    filler = ["5 Discussion", "", "Gradient-based learning builds the whole system end to end."]
    late = ["7 Check Reading", "", "The recognizer classifies segment images into one of 95 classes."]
    spec = spec_of(workspace, make_pdf(tmp_path / "late.pdf", [main, filler, filler, late]))
    assert "num_classes" not in spec["hyperparameters"]
    assert spec["settings"]["Check Reading"]["facts"]["num_classes"]["value"] == 95
    # the same sentence early in the paper, among the main experiments, is the paper's class count
    spec = spec_of(
        workspace, make_pdf(tmp_path / "early.pdf", [main + ["", late[-1]], filler, filler, filler])
    )
    assert spec["hyperparameters"]["num_classes"]["value"] == 95


def test_epochs_over_part_of_the_data_are_not_the_run_length(workspace, tmp_path):
    lines = [
        "2 Approach",
        "",
        "Each token is used only once during training, with the exception of the Books domain, over which we "
        "perform approximately two epochs.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "epochs.pdf", [lines]))
    assert "epochs" not in spec["hyperparameters"]
    assert spec["settings"]["part of the data"]["facts"]["epochs"]["value"] == 2


def _resnet_pages() -> list[list[str]]:
    imagenet = [
        "Deep Residual Learning for Image Recognition",
        "",
        "3 ImageNet Classification",
        "",
        "We train residual networks (ResNet) on ImageNet with a mini-batch size of 256.",
        "",
        "The images are 224x224 crops and the ResNet has 1000 classes.",
    ]
    cifar = [
        "4 CIFAR-10 Experiments",
        "",
        "We conducted more studies on the CIFAR-10 dataset, which consists of images in 10 classes.",
        "",
        "The network inputs are 32x32 images. We use a mini-batch size of 128.",
        "",
        "We further explore n = 18 that leads to a 110-layer ResNet.",
        "",
        "Our 110-layer ResNet has only 1.7M parameters.",
        "",
        "The 1001-layer deep DenseNet has 10.2M parameters.",
    ]
    return [imagenet, cifar]


def test_a_depth_built_for_a_second_dataset_is_a_variant_with_its_values(workspace, tmp_path):
    spec = spec_of(workspace, make_pdf(tmp_path / "resnet.pdf", _resnet_pages()))
    assert list(spec["variants"]) == ["CIFAR-10 110-layer"]  # not the other family's 1001-layer model
    variant = spec["variants"]["CIFAR-10 110-layer"]
    assert variant["num_layers"]["value"] == 110 and variant["num_params"]["value"] == 1_700_000
    assert (
        variant["image_size"]["value"] == 32 and variant["batch_size"]["value"] == 128
    )  # the dataset's values
    assert spec["hyperparameters"]["batch_size"]["value"] == 256  # the main configuration keeps its own
    assert spec["default_variant"] is None  # the main dataset's model stays the default


def test_scaffold_builds_the_second_dataset_variant_at_the_papers_size(workspace, tmp_path):
    (workspace.root / "resnet.pdf").write_bytes(
        make_pdf(tmp_path / "resnet.pdf", _resnet_pages()).read_bytes()
    )
    ctx = ToolContext(workspace)
    registry.call("parse-paper", {"paper": "resnet.pdf", "output": "resnet.json"}, ctx)
    result = registry.call(
        "scaffold-model", {"spec": "resnet.json", "output": "cifar", "variant": "CIFAR-10 110-layer"}, ctx
    )
    assert result["params_paper"] == 1_700_000
    assert abs(result["params_delta"]) <= 0.03  # the CIFAR stem and 16/32/64 stages, not an ImageNet ResNet


def test_a_one_word_name_in_a_list_of_definitions_is_a_variant(workspace, tmp_path):
    lines = [
        "4 Accelerating BN Networks",
        "",
        "Inception: the network described in Section 4, trained with the initial learning rate of 0.0015.",
        "BN-Baseline: Same as Inception with Batch Normalization before each nonlinearity.",
        "BN-x5: Inception with Batch Normalization and the modifications of Section 4.2.",
        "",
        "Note: all networks are evaluated on the same validation images.",
        "",
        "BN-Baseline and BN-x5 reach the accuracy of Inception in fewer steps.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "defs.pdf", [lines]))
    assert list(spec["variants"])[:3] == ["Inception", "BN-Baseline", "BN-x5"]
    assert spec["variants"]["Inception"]["learning_rate"]["value"] == 0.0015
    assert "Note" not in spec["variants"]


def test_a_language_modeling_section_of_a_classification_paper_is_its_own_setting(workspace, tmp_path):
    lines = [
        "3 Image Classification",
        "",
        "We train the gated network on ImageNet with a batch size of 2048 for 250 epochs.",
        "",
        "4 Masked Language Modeling",
        "",
        "For this task the models use a maximum sequence length of 256 and a batch size of 512.",
        "",
        "4.1 Results",
        "",
        "The final runs use a sequence length of 128 and we train for 500k steps.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "lm.pdf", [lines]))
    hp = spec["hyperparameters"]
    assert hp["batch_size"]["value"] == 2048 and hp["epochs"]["value"] == 250
    assert (
        "context_length" not in hp and "train_steps" not in hp
    )  # the subsection belongs to its parent's task
    lm = [s["facts"] for name, s in spec["settings"].items() if "Language Model" in name]
    assert any(f.get("batch_size", {}).get("value") == 512 for f in lm)


def test_an_analysis_section_is_a_setting_even_when_little_else_is_stated(workspace, tmp_path):
    lines = [
        "2 Method",
        "",
        "We train the network with the RMSProp optimizer.",
        "",
        "3 Performance Analyses",
        "",
        "To measure throughput we use a benchmark model with 16 attention heads and a batch size of 64.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "analysis.pdf", [lines]))
    hp = spec["hyperparameters"]
    assert hp["optimizer"]["value"] == "rmsprop"
    assert "num_heads" not in hp and "batch_size" not in hp


def test_a_point_in_training_and_a_synthetic_data_generator_are_not_the_models_configuration(
    workspace, tmp_path
):
    lines = [
        "4 Experiments",
        "",
        "After roughly 80 training epochs, the baseline and our method reach a stable loss.",
        "",
        "To set up the synthetic data experiments, we initialize a random network",
        "with a standard deviation of 0.5 and use it as the data source.",
        "",
        "We train the generator for 40 epochs.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "point.pdf", [lines]))
    assert spec["hyperparameters"]["epochs"]["value"] == 40
    assert "init_std" not in spec["hyperparameters"]
    assert spec["settings"]["synthetic data"]["facts"]["init_std"]["value"] == 0.5, spec["settings"]
