"""One sentence per way of stating a value: what the prose extractor reads, and what it refuses.

These run the extractor on one-page documents built from the sentence text (the
same path a PDF page takes after reading); the PDF-level behaviour is covered in
test_paper_fixtures.py.
"""

from __future__ import annotations

import pytest
from mlintern.tools.paper.document import document_from_texts
from mlintern.tools.paper.extract import candidates

STATED = [
    # "KEY (set to VALUE)": the value in parentheses after the key
    ("The weights are learnt by gradient descent with momentum (set to 0.95).", "momentum", 0.95),
    # "respectively" before the values
    ("The dropout and label smoothing were respectively set to 0.2 and 0.05.", "dropout", 0.2),
    ("The dropout and label smoothing were respectively set to 0.2 and 0.05.", "label_smoothing", 0.05),
    ("Momentum and weight decay are respectively chosen as 0.95 and 0.0002.", "weight_decay", 0.0002),
    # a polynomial decay, named before "learning rate schedule" or alone
    ("The rate follows a poly learning rate policy with power 0.9.", "lr_schedule", "polynomial"),
    ("We adopt polynomial decay of the learning rate towards zero.", "lr_schedule", "polynomial"),
    ("We use a learning rate of 3e-4 for all experiments.", "learning_rate", 3e-4),
    ("The initial learning rate is 0.1, divided by 10 at epochs 150 and 225.", "lr_schedule", "step"),
    ("We use a learning rate warmup over the first 5 epochs.", "warmup_epochs", 5),
    ("We use AdamW with a peak learning rate of 1e-3 and weight decay 0.05.", "weight_decay", 0.05),
    ("We use AdamW with a peak learning rate of 1e-3 and weight decay 0.05.", "learning_rate", 1e-3),
    ("The model has a hidden size of 768 and 12 attention heads.", "d_model", 768),
    ("The model has a hidden size of 768 and 12 attention heads.", "num_heads", 12),
    ("The intermediate size of the feed-forward layers is 3072.", "d_ff", 3072),
    ("We use a maximum sequence length of 512 tokens.", "context_length", 512),
    ("We use a vocabulary size of 30,000 word pieces.", "vocab_size", 30000),
    ("We train for 1M steps with a batch size of 256.", "train_steps", 1000000),
    # a flattened hyperparameter table: the row label, then the first column's value; later cells name no decay
    (
        "Optimizer AdamW AdamW LR decay schedule Cosine Linear Linear Weight decay 0.05",
        "lr_schedule",
        "cosine",
    ),
    ("The learning rate follows a linear warmup and then a linear decay to zero.", "lr_schedule", "linear"),
    ("We use gradient clipping with a maximum norm of 1.0.", "grad_clip", 1.0),
    ("We clip gradients at global norm 1.", "grad_clip", 1),
    ("We apply gradient clipping at global norm 1.", "grad_clip", 1),
    ("Weight decay and momentum are set to 0.0001 and 0.9, respectively.", "momentum", 0.9),
    ("Weight decay and momentum are set to 0.0001 and 0.9, respectively.", "weight_decay", 0.0001),
    ("We set the model size and FFN hidden size to be 512 and 2048, respectively.", "d_ff", 2048),
    ("We set the model size and FFN hidden size to be 512 and 2048, respectively.", "d_model", 512),
    ("Dropout and momentum are 0.1 and 10, respectively.", "momentum", None),
    ("We use SGD with momentum 0.9 and a batch size of 128.", "momentum", 0.9),
    ("We train the model for 300 epochs using SGD.", "epochs", 300),
    ("Dropout with a rate of 0.2 is applied after every layer.", "dropout", 0.2),
    ("We apply dropout of 0.1 to the attention weights.", "dropout", 0.1),
    ("The learning rate decays by a factor of 0.1 every 30 epochs.", "lr_schedule", "step"),
    ("We use a cosine learning rate schedule with 10,000 warmup steps.", "warmup_steps", 10000),
    ("Input images are resized to 224 × 224 pixels.", "image_size", 224),
    ("The model is trained with Adam (β1 = 0.9, β2 = 0.999, ϵ = 10−8).", "adam_eps", 1e-8),
    ("The model is trained with Adam (β1 = 0.9, β2 = 0.999, ϵ = 10−8).", "adam_beta2", 0.999),
    ("Our model contains 110M parameters.", "num_params", 110e6),
    ("We train on 8 GPUs with a total batch size of 2048.", "batch_size", 2048),
    ("We use label smoothing of 0.1.", "label_smoothing", 0.1),
    ("We use a stochastic depth rate of 0.2.", "stochastic_depth", 0.2),
    ("The learning rate is linearly warmed up for 2,500 steps.", "warmup_steps", 2500),
    ("All layers use GELU activations.", "activation", "gelu"),
    ("We use pre-norm Transformer blocks with LayerNorm.", "norm_position", "pre"),
    ("We trained for 90 epochs with a batch size of 1024 and a learning rate of 0.4.", "learning_rate", 0.4),
]

REFUSED_OR_SCOPED = [
    ("Prior work used a learning rate of 0.5 which we found unstable.", "learning_rate", "penalised"),
    ("Table 4 shows results for batch sizes of 64, 128 and 256.", "batch_size", None),
    ("We report top-1 accuracy after 100 epochs on the validation set of 50,000 images.", "epochs", None),
    ("Our model reaches 28.4 BLEU with 213M parameters.", "num_params", None),
    ("ResNet-50 has 25M parameters.", "num_params", 25e6),
    ("The dataset contains 1.2 million images in 1000 classes.", "num_classes", 1000),
    ("We sweep the learning rate over {0.001, 0.01, 0.1}.", "learning_rate", None),
    ("The learning rate is chosen from 1e-5, 2e-5 and 5e-5.", "learning_rate", None),
    # what would not work is not what was done
    (
        "It is not sufficient to simply pick a fixed coefficient and optimize the objective with SGD; more changes are "
        "needed.",
        "optimizer",
        None,
    ),
    ("We optimize the objective with SGD.", "optimizer", "sgd"),
    # a finding of cited work about a kind is no choice of this paper
    (
        "The tanh non-linearity has been shown to saturate early in training (Doe et al., 2001).",
        "activation",
        None,
    ),
    ("Every hidden layer uses the tanh non-linearity.", "activation", "tanh"),
    ("We use a batch size of 32 per GPU on 8 GPUs.", "batch_size", 32),
    ("The momentum of the batch normalization layers is 0.99.", "momentum", None),
    ("We use a weight decay of 5 × 10−4.", "weight_decay", 5e-4),
    ("We use a dropout rate of 10%.", "dropout", None),
    ("For fine-tuning, we use a learning rate of 2e-5.", "learning_rate", "setting"),
]


def values(text: str, key: str) -> list:
    return [c for c in candidates(document_from_texts([text]), [], None) if c.key == key]


@pytest.mark.parametrize(
    ("text", "key", "want"), STATED, ids=lambda x: x if isinstance(x, str) and len(x) < 20 else ""
)
def test_stated_values_are_read(text, key, want):
    got = [c.value for c in values(text, key)]
    if want is None:
        assert got == []  # an implausible "respectively" reading gives nothing
    elif isinstance(want, float):
        assert got and got[0] == pytest.approx(want)
    else:
        assert got[:1] == [want]


@pytest.mark.parametrize(
    ("text", "key", "want"), REFUSED_OR_SCOPED, ids=lambda x: x if isinstance(x, str) and len(x) < 20 else ""
)
def test_lists_sweeps_and_other_regimes_are_not_main_values(text, key, want):
    got = values(text, key)
    if want is None:
        assert got == []
    elif want == "penalised":
        assert got and all(c.penalty > 0 for c in got)
    elif want == "setting":
        assert got and all(c.scope == ("setting", "fine-tuning") for c in got)
    else:
        assert got and got[0].value == pytest.approx(want)


@pytest.mark.parametrize(
    ("title", "abstract", "family"),
    [
        (
            "Language Models are Few-Shot Learners",
            "We train a decoder-only Transformer language model with 175B "
            "parameters. Our language model is evaluated on many tasks.",
            "transformer_decoder",
        ),
        (
            "Pre-training of Deep Bidirectional Transformers",
            "We introduce BERT, a bidirectional encoder trained as a masked "
            "language model. BERT is fine-tuned on each task.",
            "transformer_encoder",
        ),
        (
            "Very Deep Convolutional Networks for Recognition",
            "We study very deep convolutional networks with very small "
            "(3×3) convolution filters. Our VGG models win.",
            "vgg",
        ),
        (
            "Adversarial Training of Image Generators",
            "We propose generative adversarial networks. The generative "
            "adversarial process pits two networks against each other.",
            "gan",
        ),
        (
            "On the Importance of Initialisation",
            "We study how the scale of random weights changes optimisation.",
            "other",
        ),
        # the abstract's proposal sentence names the paper's own architecture, however often others are compared
        (
            "Gated Perceptrons for Text",
            "BERT is strong. We introduce GateNet, an architecture built upon MLPs with "
            "gates, and it performs as well as BERT. Against BERT, GateNet matches BERT on every task. BERT is bigger than "
            "GateNet, but BERT needs attention.",
            "mlp_mixer",
        ),
        (
            "Plain Networks Again",
            "We present a convolutional network with a VGG-like body that runs faster than ResNet-50. "
            "ResNets use residual networks. Compared with ResNet-101, residual learning costs more. Our model beats "
            "ResNet-152.",
            "vgg",
        ),
        (
            "Recurrence Returns",
            "We propose StreamNet, a model that combines the training of Transformers with the "
            "inference of RNNs. Our language model scales. The language model matches decoder-only language models.",
            "other",
        ),
    ],
)
def test_family_from_what_the_paper_says_about_itself(title, abstract, family):
    from mlintern.tools.paper.family import detect_family

    result = detect_family(
        document_from_texts([f"{title}\n\nAbstract\n\n{abstract}\n\n1 Introduction\n\nText."])
    )
    assert result["value"] == family
    assert result["evidence"] or family == "other"
    if title.startswith("On the Importance"):  # no architecture named at all: no evidence either
        assert result["evidence"] == []


def test_the_batch_of_a_speed_benchmark_is_not_the_training_batch():
    got = values("Throughput is measured on one GPU with a batch size of 16 images.", "batch_size")
    assert got and all(c.scope == ("setting", "speed measurement") for c in got)
    got = values("We train with a batch size of 1024 on 8 GPUs.", "batch_size")
    assert got and got[0].scope is None and got[0].value == 1024


def test_a_figure_illustrates_a_shape_but_its_training_facts_stand():
    text = (
        "4 Experiments\n\nFigure 3: Loss surface of a toy network with two layers, trained with a batch size of "
        "512.\n\nWe train the models with the Adam optimizer."
    )
    got = {c.key: c.value for c in candidates(document_from_texts([text]), [], None)}
    assert "num_layers" not in got and got.get("batch_size") == 512
    plain = {
        c.key: c.value
        for c in candidates(document_from_texts(["4 Model\n\nOur network has two layers."]), [], None)
    }
    assert plain.get("num_layers") == 2


def test_a_slashed_table_row_under_a_header_of_model_groups_gives_one_value_per_model():
    header = "(Otter-S/M/L) (Otter-L/XL)"
    row = "Drop path 0.1/0.25/0.5 0.3/0.4 Center crop True False Train epochs 200 40"
    doc = document_from_texts([f"Title\n\n1 Setup\n\n{header}\n\n{row}"])
    doc_cands = candidates(doc, ["Otter-S", "Otter-M", "Otter-L", "Otter-XL"], None)
    got = {c.scope[1]: c.value for c in doc_cands if c.key == "stochastic_depth" and c.scope}
    assert got == {"Otter-S": 0.1, "Otter-M": 0.25, "Otter-L": 0.5}
    # without the header of groups the slashed cell names no model and gives nothing
    doc = document_from_texts([f"Title\n\n1 Setup\n\n{row}"])
    cands = candidates(doc, ["Otter-S", "Otter-M", "Otter-L", "Otter-XL"], None)
    assert not [c for c in cands if c.key == "stochastic_depth"]
