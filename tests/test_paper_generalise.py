"""Rules that keep values of other regimes out of the main configuration on papers never seen before.

Each test builds a small PDF (or a one-page document) stating a value the way an unseen paper did and
checks that the value lands where the paper puts it: the main configuration, a setting, or nowhere.
"""

from __future__ import annotations

from mlintern.tools.paper.document import document_from_texts
from mlintern.tools.paper.extract import candidates
from mlintern.tools.paper.family import detect_family
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.registry import ToolContext
from test_paper_helpers import make_pdf, unicode_font


def spec_of(workspace, path) -> dict:
    spec = parse_paper_tool(ToolContext(workspace), paper=str(path))["spec"]
    validate_spec(spec)
    return spec


def optimizers(text: str) -> list[tuple[str, int]]:
    document = document_from_texts(["4 Training\n\n" + text])  # in a body section: no front-matter penalty
    return [(c.value, c.penalty) for c in candidates(document, [], None) if c.key == "optimizer"]


def test_a_flattened_table_with_one_column_per_task_gives_no_number(workspace, tmp_path):
    lines = [
        "D Hyperparameters",
        "",
        "Batch Size 4 4 8 8 # Epochs 10 20 30 10 Learning Rate 3E-04 4E-04 3E-04 2E-04",
        "",
        "Table 9: The hyperparameters we used for each task.",
        "",
        "Updates 100000 Batch Size 256 Warmup Updates 2048 Weight Decay 0.1",
        "",
        "Table 10: Training hyperparameters.",
    ]
    hp = spec_of(workspace, make_pdf(tmp_path / "grid.pdf", [lines]))["hyperparameters"]
    assert hp["batch_size"]["value"] == 256  # the one-value table is read, the per-task grid is not
    assert hp["warmup_steps"]["value"] == 2048 and hp["weight_decay"]["value"] == 0.1
    assert "learning_rate" not in hp


def test_a_table_of_values_changed_for_another_model_is_a_setting(workspace, tmp_path):
    lines = [
        "F Hyperparameters",
        "",
        "Batch Size 256 Warmup Updates 2048",
        "",
        "Table 17. Training hyperparameters.",
        "",
        "Batch Size 1024 Stochastic Depth 0.1",
        "",
        "Table 18. Hyperparameters changed for Large V2.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "changed.pdf", [lines]))
    assert spec["hyperparameters"]["batch_size"]["value"] == 256
    assert "stochastic_depth" not in spec["hyperparameters"]
    assert spec["settings"]["Large V2"]["facts"]["stochastic_depth"]["value"] == 0.1


def test_a_paragraph_opening_for_a_named_model_is_that_models_setting(workspace, tmp_path):
    lines = [
        "6 Experiments",
        "",
        "We train a GRU-based RNNSearch and a self-attention based Transformer on translation.",
        "Results of the RNNSearch and of the Transformer are in Table 2.",
        "",
        "A Appendix",
        "",
        "For RNNSearch, we use a batch size of 80. We apply Adam with a learning rate of 1e-4.",
        "",
        "We also experiment with Transformer, which has 8 attention heads.",
        "",
        "For example, we use dropout of 0.1 in every layer.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "lead.pdf", [lines]))
    hp, settings = spec["hyperparameters"], spec["settings"]
    assert settings["RNNSearch"]["facts"]["batch_size"]["value"] == 80
    assert settings["RNNSearch"]["facts"]["learning_rate"]["value"] == 1e-4  # the whole paragraph
    assert settings["Transformer"]["facts"]["num_heads"]["value"] == 8
    assert not {"batch_size", "learning_rate", "num_heads"} & set(hp)
    assert hp["dropout"]["value"] == 0.1  # "For example," names no model


def test_sibling_subsections_titled_by_models_are_settings(workspace, tmp_path):
    lines = [
        "4 Experiments",
        "",
        "We adapt RoBERTa and GPT-2 to many tasks; the GPT-2 runs and RoBERTa runs differ.",
        "",
        "D Hyperparameters",
        "",
        "D.1 RoBERTa",
        "",
        "We train with a batch size of 16 for ten epochs.",
        "",
        "D.2 GPT-2",
        "",
        "We train with a batch size of 8 and a weight decay of 0.01.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "siblings.pdf", [lines]))
    assert "batch_size" not in spec["hyperparameters"]
    assert spec["settings"]["RoBERTa"]["facts"]["batch_size"]["value"] == 16
    assert spec["settings"]["GPT-2"]["facts"]["weight_decay"]["value"] == 0.01


def test_the_smallest_model_is_not_the_main_configuration(workspace, tmp_path):
    lines = ["5 Results", "", "The smallest model, which has only 39 million parameters, is competitive."]
    spec = spec_of(workspace, make_pdf(tmp_path / "small.pdf", [lines]))
    assert "num_params" not in spec["hyperparameters"]


def test_sgd_joined_with_an_adaptive_rule_names_that_rule():
    assert optimizers("We use minibatch SGD together with Adadelta (Zeiler, 2012) to train each model.") == [
        ("adadelta", 0)
    ]
    # examples and alternatives are not a choice: both stay, penalised
    assert {
        v for v, p in optimizers("SGD variants such as momentum and Adagrad are used with SGD.") if p == 0
    } == set()
    assert ("sgd", 0) in optimizers("We train with SGD with momentum 0.9 and weight decay 1e-4.")


def test_a_paper_that_calls_adadelta_sgd_keeps_adadelta(workspace, tmp_path):
    lines = [
        "4 Training",
        "",
        "We use minibatch SGD together with Adadelta to train each model.",
        "Each SGD update direction is computed using a minibatch of 80 sentences.",
    ]
    hp = spec_of(workspace, make_pdf(tmp_path / "adadelta.pdf", [lines]))["hyperparameters"]
    assert hp["optimizer"]["value"] == "adadelta" and hp["batch_size"]["value"] == 80


def test_an_encoder_decoder_with_a_language_model_decoder_is_seq2seq():
    text = (
        "Robust Speech Recognition\n\nAbstract\n\nWe train speech models on a large corpus. Our decoder is an "
        "audio-conditional language model.\n\n1 Introduction\n\nWe chose an encoder-decoder Transformer as this "
        "architecture is well validated. The Transformer encoder feeds the Transformer decoder. We use the "
        "byte-level BPE tokenizer used in GPT-2."
    )
    assert detect_family(document_from_texts([text]))["value"] == "transformer_seq2seq"


def values(text: str, key: str) -> list:
    return [
        c.value for c in candidates(document_from_texts(["4 Training\n\n" + text]), [], None) if c.key == key
    ]


def test_recurrent_sizes_vocabulary_shortlists_and_clipping_thresholds_are_read():
    assert values("For all the models, the size of a hidden layer n is 1000.", "d_model") == [1000]
    assert values("The encoder and decoder have 1000 hidden units each.", "d_model") == [1000]
    assert (
        values("The classifier has 500 hidden units.", "d_model") == []
    )  # no recurrent context: not a model width
    assert values("We use a shortlist of 30,000 most frequent words in each language.", "vocab_size") == [
        30000
    ]
    assert values(
        "We normalized the L2-norm of the gradient to be at most a predefined threshold of 1.", "grad_clip"
    ) == [1]


def test_a_number_before_a_label_in_a_flattened_table_is_the_previous_cell():
    assert values("Batch Size 256 Warmup Updates 2048 Weight Decay 0.1", "warmup_steps") == [2048]


def test_sibling_experiments_with_different_values_keep_only_the_first_as_main(workspace, tmp_path):
    lines = [
        "A Appendix",
        "",
        "A.1 Machine Translation",
        "",
        "We apply Adam with a learning rate of 1e-4 and a batch size of 80.",
        "",
        "A.2 Reading Comprehension",
        "",
        "Models use Adam with a batch size of 64 and a learning rate of 8e-5.",
        "",
        "A.3 Image Retrieval",
        "",
        "All models use Adam, with a batch size of 128 and a learning rate of 1e-3.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "experiments.pdf", [lines]))
    assert spec["hyperparameters"]["learning_rate"]["value"] == 1e-4
    assert spec["hyperparameters"]["batch_size"]["value"] == 80
    assert spec["hyperparameters"]["optimizer"]["value"] == "adam"  # the same in every experiment: stays
    assert spec["settings"]["Reading Comprehension"]["facts"]["learning_rate"]["value"] == 8e-5
    assert spec["settings"]["Image Retrieval"]["facts"]["batch_size"]["value"] == 128


def test_one_key_changing_across_design_steps_is_no_separate_experiment(workspace, tmp_path):
    lines = [
        "2 Roadmap",
        "",
        "2.1 Training",
        "",
        "We train with a learning rate of 0.004.",
        "",
        "2.2 Large Kernels",
        "",
        "We will use 7×7 depthwise conv in each block.",
        "",
        "2.3 Micro Design",
        "",
        "We use 2×2 conv layers with stride 2 for downsampling.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "roadmap.pdf", [lines], font=unicode_font()))
    assert spec["hyperparameters"]["learning_rate"]["value"] == 0.004 and spec["settings"] == {}


def test_a_table_row_states_adam_betas_epsilon_and_the_gradient_norm():
    text = "Updates 1048576 Batch Size 256 Max grad norm 1.0 Optimizer AdamW β1 0.9 β2 0.98 ϵ 10−6"
    assert values(text, "adam_beta1") == [0.9] and values(text, "adam_beta2") == [0.98]
    assert values(text, "adam_eps") == [1e-6] and values(text, "grad_clip") == [1]


def test_a_fine_tuning_subsection_is_the_fine_tuning_setting_throughout(workspace, tmp_path):
    lines = [
        "B.1 Training",
        "",
        "We train with a learning rate of 0.001 for 300 epochs.",
        "",
        "B.1.1 Fine-tuning",
        "",
        "We use a learning rate of 0.01 and train for 2500 steps.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "ft-section.pdf", [lines]))
    assert (
        spec["hyperparameters"]["learning_rate"]["value"] == 0.001
        and "train_steps" not in spec["hyperparameters"]
    )
    assert spec["settings"]["fine-tuning"]["facts"]["train_steps"]["value"] == 2500


def test_another_papers_model_and_a_covariance_square_root_state_nothing():
    assert (
        values(
            "Wang et al. (2020b) proposed a model in which all convolutions with kernel size 3 × 3 are "
            "replaced by axial attention.",
            "kernel_size",
        )
        == []
    )
    assert values("Whitening requires the inverse square root of the covariance matrix.", "lr_schedule") == []
    assert values(
        "The learning rate decays with the inverse square root of the step number.", "lr_schedule"
    ) == ["inverse_sqrt"]


def test_slashed_values_name_one_value_per_variant():
    text = (
        "4 Training\n\nMultiple stochastic depth rates (e.g., 0.1/0.4/0.5) are for each model "
        "(e.g., Net-T/S/B) respectively."
    )
    got = {
        c.scope: c.value
        for c in candidates(document_from_texts([text]), ["Net-T", "Net-S", "Net-B"], None)
        if c.key == "stochastic_depth"
    }
    assert got == {("variant", "Net-T"): 0.1, ("variant", "Net-S"): 0.4, ("variant", "Net-B"): 0.5}
    # a model that is no variant of the paper (or a count mismatch) gives nothing rather than a guess
    assert not [
        c
        for c in candidates(document_from_texts([text]), ["Net-T", "Net-S"], None)
        if c.key == "stochastic_depth"
    ]


def test_a_method_applied_to_decoders_and_encoders_says_the_family_is_not_the_only_one(workspace, tmp_path):
    lines = [
        "Low-Rank Adaptation of Large Language Models",
        "",
        "Abstract",
        "",
        "We adapt GPT-3 and other large language models. Our language models adapt cheaply.",
        "",
        "1 Introduction",
        "",
        "We apply the method to RoBERTa and DeBERTa.",
        "RoBERTa base and RoBERTa large are evaluated. DeBERTa XXL is evaluated.",
        "RoBERTa is adapted on GLUE. DeBERTa is adapted on GLUE.",
        "",
        "2 Method",
        "",
        "GPT-2 and GPT-3 are language models.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "adapt.pdf", [lines]))
    assert spec["family"]["value"] == "transformer_decoder"
    assert any("also uses transformer_encoder" in w for w in spec["warnings"])


def test_sections_naming_a_model_set_apart_and_the_introductions_examples_stay_out(workspace, tmp_path):
    lines = [
        "1 Introduction",
        "",
        "Adapting Big-3 with 175 billion parameters is a challenge.",
        "We compare runs of Small-2 and runs of Big-3 and find that Small-2 trails Big-3.",
        "",
        "5 Experiments",
        "",
        "5.1 Scaling up to Big-3",
        "",
        "We train with a weight decay of 0.1.",
        "",
        "D Hyperparameters",
        "",
        "D.1 Small-2",
        "",
        "We train with a batch size of 8.",
        "",
        "D.2 Big-3",
        "",
        "We train with a batch size of 128.",
    ]
    spec = spec_of(workspace, make_pdf(tmp_path / "named.pdf", [lines]))
    assert not {"num_params", "batch_size", "weight_decay"} & set(spec["hyperparameters"])
    assert spec["settings"]["Big-3"]["facts"]["weight_decay"]["value"] == 0.1
    assert spec["settings"]["Big-3"]["facts"]["batch_size"]["value"] == 128
    assert spec["settings"]["Small-2"]["facts"]["batch_size"]["value"] == 8


def test_pre_activation_residual_blocks_normalise_before_each_sublayer():
    assert values("The transformer uses pre-activation residual blocks.", "norm_position") == ["pre"]


def test_kinds_named_in_a_comparison_are_alternatives_not_the_choice():
    document = document_from_texts(
        [
            "4 Ablations\n\nWe compare our gate with three common layers: local response "
            "normalization, group norm and weight norm."
        ]
    )
    assert [c for c in candidates(document, [], None) if c.key == "norm"] == []
    document = document_from_texts(
        ["4 Training\n\nWe apply local response normalization after the first layer."]
    )
    assert [c.value for c in candidates(document, [], None) if c.key == "norm"] == ["localresponsenorm"]
