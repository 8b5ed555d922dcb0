"""A multilayer perceptron is a family of its own, and a short run's stated step count is its length.

Each test builds a small PDF stating the model or the run the way a paper does, parses it with the real
tool, and checks the family (with its evidence) or the ``train_steps`` value that lands in the spec.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.registry import ToolContext
from test_paper_helpers import make_pdf

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits-mlp" / "paper.pdf"


def spec_of(workspace, path) -> dict:
    spec = parse_paper_tool(ToolContext(workspace), paper=str(path))["spec"]
    validate_spec(spec)
    return spec


def paper(tmp_path, name: str, abstract: list[str], body: list[str]) -> Path:
    title = {
        "mlp": "A Simple Classifier for Tabular Data",
        "gan": "Adversarial Training of Generators",
        "transformer": "Attention for Translation",
        "mixer": "An All-MLP Architecture for Vision",
        "steps": "Short Runs",
    }[name]
    lines = [
        title,
        "",
        "Abstract",
        "",
        *abstract,
        "",
        "1 Introduction",
        "",
        "We describe the model and its training.",
        "",
        "2 Method",
        "",
        *body,
    ]
    return make_pdf(tmp_path / f"{name}.pdf", [lines])


def test_a_paper_about_a_multilayer_perceptron_is_the_mlp_family_with_evidence(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "mlp",
        [
            "We propose a multilayer perceptron (MLP) for tabular classification.",
            "The network is a fully connected feed-forward network with three hidden layers.",
        ],
        [
            "Our MLP has 3 hidden layers of 256 units with ReLU activations.",
            "We train the MLP with Adam and a learning rate of 0.001.",
        ],
    )
    family = spec_of(workspace, pdf)["family"]
    assert family["value"] == "mlp"
    assert family["evidence"] and all(e["page"] == 1 for e in family["evidence"])
    assert any("multilayer perceptron" in e["quote"] for e in family["evidence"])


def test_the_mlps_of_a_gan_leave_the_family_gan(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "gan",
        [
            "We propose generative adversarial nets, trained as a minimax game.",
            "In the case where G and D are multilayer perceptrons, the system is trained with backpropagation.",
        ],
        [
            "The generator is a multilayer perceptron with two hidden layers.",
            "G is represented by a multilayer perceptron with parameters theta.",
            "We define a second multilayer perceptron D that outputs a single scalar.",
            "Multilayer perceptrons are a reasonable model for both networks.",
            "Adversarial nets are trained with Adam and a learning rate of 0.0002.",
        ],
    )
    assert spec_of(workspace, pdf)["family"]["value"] == "gan"


def test_a_transformers_mlp_blocks_and_feed_forward_sublayers_are_not_an_mlp(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "transformer",
        ["We propose a Transformer encoder-decoder for machine translation."],
        [
            "Each layer has a self-attention sublayer and an MLP block.",
            "The MLP contains two layers with a GELU non-linearity.",
            "Each position uses a fully connected feed-forward network with one hidden layer.",
            "The MLP uses an inner dimension of 2048.",
        ],
    )
    assert spec_of(workspace, pdf)["family"]["value"] == "transformer_seq2seq"


def test_mlp_mixer_stays_its_own_family(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "mixer",
        [
            "We propose MLP-Mixer, an architecture based exclusively on multi-layer perceptrons.",
            "MLP-Mixer contains two types of layers: token-mixing MLPs and channel-mixing MLPs.",
        ],
        ["MLP-Mixer uses a patch size of 16.", "Each MLP block has two fully connected layers."],
    )
    assert spec_of(workspace, pdf)["family"]["value"] == "mlp_mixer"


def test_a_short_run_keeps_its_stated_step_count(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "steps",
        ["We train a small network on a toy task."],
        ["We train the network for 460 training steps with a batch size of 32."],
    )
    hp = spec_of(workspace, pdf)["hyperparameters"]
    assert hp["train_steps"]["value"] == 460
    assert "460 training steps" in hp["train_steps"]["quote"]


def test_a_warmup_or_an_evaluation_interval_is_not_the_run_length(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "steps",
        ["We train a small network on a toy task."],
        [
            "The learning rate is warmed up linearly for 500 steps during training.",
            "During training we evaluate the model for 200 iterations every epoch.",
            "We use a linear warmup for 50 steps and train for 800 steps in total.",
        ],
    )
    hp = spec_of(workspace, pdf)["hyperparameters"]
    assert hp["train_steps"]["value"] == 800


def test_the_bundled_example_paper_is_an_mlp_with_all_its_values(workspace, tmp_path):
    spec = spec_of(workspace, shutil.copy(EXAMPLE, tmp_path / "paper.pdf"))
    assert spec["family"]["value"] == "mlp" and spec["family"]["evidence"]
    values = {k: v["value"] for k, v in spec["hyperparameters"].items()}
    assert values == {
        "activation": "relu",
        "adam_beta1": 0.9,
        "adam_beta2": 0.999,
        "batch_size": 64,
        "d_model": 128,
        "dropout": 0.1,
        "epochs": 45,
        "image_size": 8,
        "learning_rate": 0.001,
        "lr_schedule": "constant",
        "norm": "none",  # "We use no normalization layers."
        "num_classes": 10,
        "num_layers": 2,
        "num_params": 26122,
        "optimizer": "adam",
        "train_steps": 1000,
        "weight_decay": 0.0001,
    }


def test_a_power_of_two_read_as_one_number_is_not_a_step_count(workspace, tmp_path):
    """ "trained for 2^20 updates" has plain text "trained for 220 updates": 220 is not the run's length."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    make_lines = ["Short Runs", "", "2 Method", "", "We train a small network on a toy task."]
    for i, line in enumerate(make_lines):
        if line:
            page.insert_text((50, 72 + 13 * i), line, fontsize=9)
    x, y = 50, 72 + 13 * (len(make_lines) + 1)
    for text, size, rise in (
        ("The models are trained for 2", 9, 0),
        ("20", 6, 3.5),
        (" updates in total.", 9, 0),
    ):
        page.insert_text((x, y - rise), text, fontsize=size)
        x += pymupdf.get_text_length(text, fontsize=size)
    doc.save(tmp_path / "power.pdf")
    doc.close()
    assert "train_steps" not in spec_of(workspace, tmp_path / "power.pdf")["hyperparameters"]


def test_betas_written_in_ascii_are_read(workspace, tmp_path):
    pdf = paper(
        tmp_path,
        "steps",
        ["We train a small network on a toy task."],
        ["We use Adam with beta1 = 0.9, beta_2 = 0.98 and a learning rate of 0.0003."],
    )
    hp = spec_of(workspace, pdf)["hyperparameters"]
    assert (hp["adam_beta1"]["value"], hp["adam_beta2"]["value"]) == (0.9, 0.98)
    assert "beta1 = 0.9" in hp["adam_beta1"]["quote"]
