"""Values stated in running text: the vocabulary per key and the general grammars (written for these tests).

Each sentence is invented for the test (no paper's sentence): it exercises one grammar over one key's
vocabulary - KEY of VALUE, VALUE KEY, SYMBOL = VALUE is the KEY, a run's end, a layout named by its norm - and
the refusals that keep precision: a post-norm mentioned as a kind of architecture, a side experiment against a
baseline, categories that are not classes, an activation another model uses.
"""

from __future__ import annotations

import pytest
from mlintern.tools.paper.document import document_from_texts
from mlintern.tools.paper.extract import candidates
from mlintern.tools.paper.grammar import defined_values
from mlintern.tools.paper.text import parse_number


def values(text: str, key: str) -> list:
    return [c for c in candidates(document_from_texts([text]), [], None) if c.key == key]


STATED = [
    # batch in tokens, with a scale suffix, "is" or "of"
    ("The training batch size is 2M tokens with a cosine schedule.", "batch_tokens", 2_000_000),
    ("We pre-train with a batch size of 0.25M tokens.", "batch_tokens", 250_000),
    # VALUE before the length's name
    ("Each batch holds sequences with 1024 maximal length.", "context_length", 1024),
    ("We pre-train on segments with a 4096 maximum sequence length.", "context_length", 4096),
    ("The generator emits 5,000 sequences of length 32 for training.", "context_length", 32),
    # a run length restated in steps, and the run's end
    ("We train the network on 40B tokens, i.e., 60k steps.", "train_steps", 60000),
    (
        "The rate then drops to 10−4 at 30K iterations, and training is stopped after 45K iterations.",
        "train_steps",
        45000,
    ),
    ("Training was terminated after 120 epochs on the full set.", "epochs", 120),
    ("By default we train during 250 epochs.", "epochs", 250),
    # a new learning rate at a milestone is a step schedule
    ("The learning rate is 0.05; the rate is changed to 0.005 after 20K iterations.", "lr_schedule", "step"),
    # VALUE UNIT warmup
    ("We use a 250 step linear warmup followed by cosine decay.", "warmup_steps", 250),
    ("The schedule uses 3,000 iterations of learning rate warm-up.", "warmup_steps", 3000),
    # head dimension as KEY SET VALUE
    ("In all models we set the head dimension to 128.", "d_head", 128),
    ("The dimension of each attention head is 96.", "d_head", 96),
    # vocabulary: VALUE (kind) vocabulary
    ("Text is tokenised with a 50k BPE vocabulary.", "vocab_size", 50000),
    ("We use the cased tokenizer with 32k vocabulary.", "vocab_size", 32000),
    # SYMBOL = VALUE is the KEY (the equation's where-clause), and NAME SYMBOL = VALUE
    ("The size is 3VD + 9D2L, where V = 32000 is the vocabulary size.", "vocab_size", 32000),
    ("Our encoder uses a hidden size H = 640 throughout.", "d_model", 640),
    # activation: plural names, a formula inside the block's definition
    ("We replace the tanh activations of the encoder with GELUs.", "activation", "gelu"),
    ("The block's FFN is computed as FFN(x) = gelu(xA)B with two matrices.", "activation", "gelu"),
    ("The value network is an MLP with three hidden layers and tanh nonlinearities.", "activation", "tanh"),
    ("We use the SiLU activation in every block.", "activation", "silu"),
    # an MLP's shape
    ("The policy is a fully-connected MLP with three hidden layers of 128 units.", "num_layers", 3),
    ("The policy is a fully-connected MLP with three hidden layers of 128 units.", "d_model", 128),
    ("Every network has 500 hidden units per layer and a softmax output.", "d_model", 500),
    # the layout named by its norm
    ("Blocks follow a pre-LayerNorm layout with residual connections.", "norm_position", "pre"),
    ("Blocks follow a pre-LayerNorm layout with residual connections.", "norm", "layernorm"),
    ("The model is trained with Pre-LN blocks.", "norm_position", "pre"),
    (
        "We swap the order of layer normalization and the residual connection in each block.",
        "norm_position",
        "pre",
    ),
    (
        "We swap the order of layer normalization and the residual connection in each block.",
        "norm",
        "layernorm",
    ),
    ("The output is h = x + f(Norm(x)), where Norm(·) is LayerNorm.", "norm", "layernorm"),
    ("We use post-LN residual blocks as in the original design.", "norm_position", "post"),
    # an explicit "no normalization", and a list of what the training uses
    ("The network does not contain any batch normalizations.", "norm", "none"),
    ("We use random crops, color jitter, batch normalization, and label noise.", "norm", "batchnorm"),
    # classes with a free qualifier; "VALUE class predictions"
    ("The clips are labelled into 64 gesture classes.", "num_classes", 64),
    ("Each box has 4 offsets, 1 objectness score and 20 class predictions.", "num_classes", 20),
    # crops and patches
    ("A 192 × 192 sub-image is randomly cropped from each frame.", "image_size", 192),
    ("The image is split into 8×8 patches at the stem.", "patch_size", 8),
    ("The stem sees 16×16 patches of size 14×14 each.", "patch_size", 14),
    # a count written "N-million-parameter"
    ("We trained this 230-million-parameter network on the full dataset.", "num_params", 230_000_000),
]


@pytest.mark.parametrize(("text", "key", "want"), STATED)
def test_running_text_states_the_value(text, key, want):
    got = [c.value for c in values(text, key) if c.scope is None]
    if isinstance(want, float):
        assert got and got[0] == pytest.approx(want)
    else:
        assert got[:1] == [want], got


REFUSED = [
    # a post-norm named as a kind of architecture, not the paper's layout
    ("This eases the training of deep architectures with post-LN components.", "norm_position"),
    # tasks grouped in categories are not output classes
    ("No framework performs best for the tasks of three main categories.", "num_classes"),
    # an activation another model uses
    ("The swish activation function used by other mobile networks is slow on GPUs.", "activation"),
    # a grid of patches is not the patch size
    ("The stem sees 16×16 patches of size 14×14 each.", "image_size"),
    # a milestone step count is not the run length
    ("The rate is changed to 10−4 after 30K iterations.", "train_steps"),
    # a symbol named by no key of the vocabulary
    ("where n = 10 is the number of samples per class.", "num_layers"),
]


@pytest.mark.parametrize(("text", "key"), REFUSED)
def test_running_text_refuses(text, key):
    assert [c.value for c in values(text, key) if c.scope is None] == []


def test_a_validation_experiment_in_an_appendix_is_a_setting():
    page = (
        "E Small Embedding Check\n\n"
        "This section presents an experimental validation of the small embedding. In the baseline "
        "configuration the embeddings are drawn at random. The experiments were conducted with a batch size of 300."
    )
    doc = document_from_texts(["1 Introduction\n\nWe study language models.", page])
    got = [c for c in candidates(doc, [], None) if c.key == "batch_size"]
    assert got and all(c.scope and c.scope[0] == "setting" for c in got)


def test_defined_values_reads_both_orders_and_keep_probabilities():
    assert defined_values("where V = 32000 is the vocabulary size") == [("vocab_size", 32000.0, 6, 38)]
    got = defined_values("a hidden size H = 640 and number of layers L = 20.")
    assert [(k, v) for k, v, _, _ in got] == [("d_model", 640.0), ("num_layers", 20.0)]
    # a survival probability is stored as the drop probability
    got = defined_values("with a survival probability p = 0.8.")
    assert [(k, round(v, 6)) for k, v, _, _ in got] == [("stochastic_depth", 0.2)]
    assert defined_values("we set T = 2048 for all runs") == []


def test_hyphenated_scale_words_are_numbers():
    assert parse_number("557-million") == 557e6
    assert parse_number("1.5-billion") == 1.5e9
    assert parse_number("3-5") is None


MORE = [
    ("The rate is decreased by a factor of 10 every 20 epochs.", "lr_schedule", "step"),
    ("The body uses only 5 × 5 conv and ReLU.", "kernel_size", 5),
    ("Our network uses successive 3 × 3 and 1 × 1 convolutional layers.", "kernel_size", 3),
    ("The set has 40K images from 200 different classes.", "num_classes", 200),
    ("We set the attention head size to be 48 for all blocks.", "d_head", 48),
    ("We use a learning rate initialized as 0.2 and cosine annealing.", "learning_rate", 0.2),
    ("Note that we use BN after every convolution.", "norm", "batchnorm"),
    ("We also adopt common designs, including LayerNorm [4] and GELU.", "norm", "layernorm"),
    ("We mainly adopt the pre-normalized attention of prior work.", "norm_position", "pre"),
    ("Our base network (width multiplier 0.5, 160 × 160) runs on phones.", "image_size", 160),
]


@pytest.mark.parametrize(("text", "key", "want"), MORE)
def test_more_running_text_values(text, key, want):
    got = [c.value for c in values(text, key) if c.scope is None]
    assert got[:1] == [want], got


def test_a_cited_work_using_a_kernel_is_not_the_model():
    assert (
        values("For example, the classic model [17] uses 3×3 convolutions everywhere.", "kernel_size") == []
    )


def test_the_own_design_stated_inside_an_ablation_section_stays_the_paper():
    doc = document_from_texts(
        [
            "1 Method\n\nWe train with SGD for 90 epochs and a batch size of 256 and a learning rate of 0.1.",
            "4 Ablations\n\nOur network configuration does not contain any layer normalizations. "
            "We vary the depth from 12 to 24 layers.",
        ]
    )
    got = [c for c in candidates(doc, [], None) if c.key == "norm"]
    assert got and got[0].value == "none" and got[0].scope is None


WORDS = [
    (
        "The nets were optimized with stochastic back-propagation on mini-batches of size twenty.",
        "optimizer",
        "sgd",
    ),
    (
        "The nets were optimized with stochastic back-propagation on mini-batches of size twenty.",
        "batch_size",
        20,
    ),
    ("We trained networks with two hidden layers and one thousand hidden units per layer.", "d_model", 1000),
    ("Discount 0.98 Adam stepsize 2.5 × 10−4 Num. epochs 4 Minibatch size 32", "learning_rate", 2.5e-4),
    ("Discount 0.98 Adam stepsize 2.5 × 10−4 Num. epochs 4 Minibatch size 32", "epochs", 4),
    ("The number of epochs is 90 for every model.", "epochs", 90),
]


@pytest.mark.parametrize(("text", "key", "want"), WORDS)
def test_number_words_and_rl_vocabulary(text, key, want):
    got = [c.value for c in values(text, key)]
    if isinstance(want, float):
        assert got and got[0] == pytest.approx(want)
    else:
        assert got[:1] == [want], got


def test_a_depth_stated_with_a_pronoun_takes_the_previous_sentence_subject():
    doc = document_from_texts(
        ["3 Method\n\nOverall, our default decoder is light. It has 6 blocks and a width of 256-d."]
    )
    got = {c.key: c.value for c in candidates(doc, [], None)}
    assert got.get("num_decoder_layers") == 6 and "num_layers" not in got
    doc = document_from_texts(
        ["3 Method\n\nOur new network is deeper. It has 41 convolutional layers in total."]
    )
    assert {c.key: c.value for c in candidates(doc, [], None)}.get("num_layers") == 41
    # a pronoun whose subject is not the paper's own model states nothing
    doc = document_from_texts(
        ["2 Related Work\n\nA classic detector is fast. It has 19 convolutional layers."]
    )
    assert "num_layers" not in {c.key for c in candidates(doc, [], None)}


def test_a_table_with_its_caption_in_its_own_block_is_read_by_its_caption_not_the_section():
    page1 = "A.3 Segmentation on the XYZ set\n\nFor XYZ experiments, we use a batch size of 16 and a toolbox."
    page2 = (
        "config value optimizer AdamW base learning rate 3e-4 weight decay 0.02 batch size 2048 warmup epochs 20 "
        "Table 9. Pre-training setting."
    )
    doc = document_from_texts(["1 Introduction\n\nWe study XYZ models.", page1, page2])
    got = {c.key: c for c in candidates(doc, [], None) if c.page == 3}
    assert got["batch_size"].value == 2048 and got["batch_size"].scope is None
    assert got["warmup_epochs"].value == 20 and got["learning_rate"].value == pytest.approx(3e-4)


def test_a_definition_list_paragraph_scopes_all_its_sentences_to_the_variant():
    text = (
        "Net-Fast: Net-Base with the changes of Sec. 3. The initial learning rate was increased by a factor of 4, "
        "to 0.008. Training is otherwise unchanged."
    )
    got = [
        c
        for c in candidates(document_from_texts([text]), ["Net-Base", "Net-Fast"], None)
        if c.key == "learning_rate"
    ]
    assert [(c.value, c.scope) for c in got] == [(0.008, ("variant", "Net-Fast"))]


def test_one_value_for_pre_training_and_fine_tuning_is_the_main_configuration():
    got = values(
        "The default pre-training, fine-tuning, and testing resolution is 288 × 288 pixels.", "image_size"
    )
    assert got and got[0].value == 288 and got[0].scope is None
    got = values("For fine-tuning we use a learning rate of 2e-5.", "learning_rate")
    assert got and got[0].scope == ("setting", "fine-tuning")


def test_resolution_and_depthwise_kernel_vocabulary():
    assert [c.value for c in values("The backbones are trained at resolution 256 × 256.", "image_size")] == [
        256
    ]
    assert [c.value for c in values("Each block starts with a depthwise Conv5x5 layer.", "kernel_size")] == [
        5
    ]


def test_a_lead_clause_listing_models_scopes_the_values_to_the_named_variants():
    text = "For the large models including OtherNet-L, Net-L and Net-XL, we use 10-epoch warmup and train for 300 epochs."
    got = [
        c
        for c in candidates(document_from_texts([text]), ["Net-S", "Net-L", "Net-XL"], None)
        if c.key == "epochs"
    ]
    assert sorted((c.scope, c.value) for c in got) == [
        (("variant", "Net-L"), 300),
        (("variant", "Net-XL"), 300),
    ]


def test_pseudocode_norm_before_the_block_is_pre_and_defines_classes():
    code = "def block(x): shortcut = x x = norm(x, axis='channel') x = proj(x) return x + shortcut"
    assert [c.value for c in values(code, "norm_position")] == ["pre"]
    assert [
        c.value for c in values("The label set therefore defines twelve shape classes.", "num_classes")
    ] == [12]
