"""One entry per architecture family: its template, its config fields and their conventions.

Values the paper states come from the spec; everything else is the family's
published convention (the original paper of the family or its reference
implementation), marked ``default`` with the reason. Layouts that follow from a
stated value by a published table (ResNet-50's blocks per stage, DenseNet-121's
block sizes) are ``inferred`` with the table named.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from mlintern.tools.errors import ToolError
from mlintern.tools.scaffold.fields import DERIVE, Field, scale
from mlintern.tools.scaffold.fit import Fit
from mlintern.tools.scaffold.named import dataset_classes, tokenizer_vocab


@dataclass(frozen=True)
class Family:
    name: str
    template: str  # templates/<template>.py.tmpl
    task: str  # classify | lm | mlm | seq2seq | segment | gan | vae
    fields: tuple[Field, ...]
    train: dict[str, Any]  # training conventions when the paper is silent
    summary: str  # one line for README.md: what the generated model is
    mismatch: str  # likely causes when the count differs from the paper's
    label: str | None = None  # said loudly when the template is only the closest honest option
    fit: tuple[Fit, ...] | None = None  # unstated knobs derived from a stated parameter count (fit.py)


def _round_up(x: float, multiple: int) -> int:
    return int(multiple * math.ceil(x / multiple))


def _heads(v: dict) -> int:
    return max(1, v["d_model"] // 64)


# ------------------------------------------------------------------------------------ conventions
TRANSFORMER_TRAIN = dict(
    optimizer="adamw",
    lr_schedule="cosine",
    learning_rate=3e-4,
    batch_size=64,
    train_steps=100_000,
    micro_batch=8,
    grad_clip=1.0,
    why="not stated; the common Transformer recipe (AdamW, cosine)",
    lr_reason="not stated; the common Transformer learning rate",
)
CNN_TRAIN = dict(
    optimizer="sgd",
    lr_schedule="step",
    learning_rate=0.1,
    batch_size=256,
    train_steps=100_000,
    micro_batch=32,
    weight_decay=1e-4,
    why="not stated; the common ConvNet recipe (SGD with momentum, step decay)",
    lr_reason="not stated; the common ConvNet learning rate for batch 256",
)
SMALL_TRAIN = dict(
    optimizer="adam",
    lr_schedule="constant",
    learning_rate=1e-3,
    batch_size=128,
    train_steps=10_000,
    micro_batch=128,
    why="not stated; Adam with a constant rate",
    lr_reason="not stated; Adam's usual 1e-3",
)


def _is_modern(v: dict) -> bool:
    return v.get("norm") == "rmsnorm" or v.get("activation") == "swiglu"


def _d_ff(v: dict) -> int:
    if v["activation"] == "swiglu":
        return _round_up(2 * 4 * v["d_model"] / 3, 256)
    return 4 * v["d_model"]


def _d_ff_reason(v: dict) -> str:
    if v["activation"] == "swiglu":
        return "SwiGLU convention: 2/3 * 4 * d_model rounded up to a multiple of 256 (as in LLaMA)"
    return "not stated; 4 * d_model, the Transformer convention"


def _d_head(v: dict) -> int:
    if v["d_model"] % v["num_heads"]:
        raise ToolError(
            f"d_model {v['d_model']} does not split into {v['num_heads']} heads.",
            hint="Check d_model and num_heads in the spec (or state d_head); then scaffold again.",
            code="inconsistent_spec",
        )
    return v["d_model"] // v["num_heads"]


def _transformer_core(
    layers: int, d_model: int, *, pilot_layers: int = 2, pilot_d: int = 64
) -> tuple[Field, ...]:
    return (
        Field(
            "num_layers",
            layers,
            f"not stated; {layers} layers (the base-size convention)",
            pilot=pilot_layers,
            kind=int,
        ),
        Field(
            "d_model",
            d_model,
            f"not stated; width {d_model} (the base-size convention)",
            pilot=pilot_d,
            kind=int,
        ),
        Field(
            "num_heads",
            _heads,
            "not stated; d_model / 64 heads (head size 64, the usual convention)",
            pilot=4,
            kind=int,
        ),
        Field("d_head", _d_head, "d_model / num_heads", pilot=DERIVE, kind=int, inferred=True),
    )


def _transformer_tail(*, activation: str, norm_position: str, dropout: float, tie: bool | None) -> tuple:
    return (
        Field(
            "activation", activation, f"not stated; {activation} (the family's usual non-linearity)", kind=str
        ),
        Field("norm", "layernorm", "not stated; LayerNorm, the Transformer convention", kind=str),
        Field("norm_position", norm_position, f"not stated; {norm_position}-norm residual blocks", kind=str),
        Field("d_ff", _d_ff, _d_ff_reason, pilot=scale("d_ff", "d_model"), kind=int),
        Field("dropout", dropout, f"not stated; {dropout} (the family's usual rate)", kind=float),
        Field("attention_dropout", lambda v: v["dropout"], "not stated; same as dropout", kind=float),
        Field(
            "rotary",
            _is_modern,
            lambda v: (
                "RMSNorm/SwiGLU decoder: rotary positions as in LLaMA-style models"
                if _is_modern(v)
                else "learned absolute positions (GPT convention)"
            ),
            keys=None,
            inferred=_is_modern,
        ),
        Field(
            "bias",
            lambda v: not _is_modern(v),
            lambda v: "no biases, as in LLaMA-style models" if _is_modern(v) else "linear layers keep biases",
            keys=None,
            inferred=_is_modern,
        ),
        Field(
            "tie_embeddings",
            lambda v: _tied(v, tie)[0],
            lambda v: _tied(v, tie)[1],
            keys=("tie_embeddings",),
            kind=bool,
            inferred=lambda v: _tie_evidence(v) is not None,
        ),
    )


# What a paper says about sharing the input embedding with the output (pre-softmax) projection.
UNTIED = (
    r"\buntied\b[^.]{0,40}\bembedding|\bembedding[^.]{0,60}\buntied\b|\bnot (?:tie|share)\b[^.]{0,40}\bembedding"
    r"|\bseparate (?:input and output |output |un)?embedding (?:and unembedding )?(?:matrices|weights)"
)
TIED = (
    r"\btied\b[^.]{0,40}\bembedding|\bembedding[^.]{0,60}\btied\b|\bweight tying\b|\btie the (?:input|word)"
    r"|\bshare[sd]? the same weight matrix between the two embedding layers"
)


def _tie_evidence(v: dict) -> tuple[bool, str] | None:
    text = v.get("_text", "")
    for pattern, tied in ((UNTIED, False), (TIED, True)):
        m = re.search(pattern, text, re.I)
        if m:
            return tied, m.group(0)
    return None


def _tied(v: dict, convention: bool | None) -> tuple[bool, str]:
    """Tied input/output embeddings: as the paper says ("untied embedding and unembedding matrices",
    "weight tying"), else the family convention (LLaMA-style decoders untie, GPT-style ones tie)."""
    said = _tie_evidence(v)
    if said is not None:
        return said[0], f"the paper: {said[1]!r}"
    tie = convention if convention is not None else not _is_modern(v)
    return tie, (
        "shared input/output embedding (the family convention)"
        if tie
        else "separate output projection (LLaMA-style)"
    )


def _vocab(default: Any, why: Any, pilot: int = 256) -> Field:
    """vocab_size: the stated number; else the size of a tokenizer the paper names (inferred); else a default."""

    def named(v: dict) -> tuple[int, str] | None:
        return tokenizer_vocab(v.get("_text", ""))

    return Field(
        "vocab_size",
        lambda v: named(v)[0] if named(v) else (default(v) if callable(default) else default),
        lambda v: named(v)[1] if named(v) else (why(v) if callable(why) else why),
        pilot=pilot,
        kind=int,
        inferred=lambda v: bool(named(v)),
    )


def _stated_modern(v: dict) -> bool:
    """LLaMA-style by the stated norm/activation (the vocabulary is resolved before those fields)."""
    return _is_modern({k: f.get("value") for k, f in (v.get("_spec") or {}).items()}) or _is_modern(v)


def _decoder_vocab(v: dict) -> int:
    return 32000 if _stated_modern(v) else 50257


def _decoder_vocab_reason(v: dict) -> str:
    if _stated_modern(v):
        return (
            "not stated and no tokenizer named; 32000, the SentencePiece vocabulary of LLaMA-style "
            "(RMSNorm/SwiGLU) decoders"
        )
    return "not stated and no tokenizer named; 50257, GPT-2's byte-level BPE (the GPT lineage's vocabulary)"


# GPT-3 (Brown et al. 2020, Table 2.1): d_model -> layers; the usual proportions of a decoder family.
GPT3_SHAPES = [(768, 12), (1024, 24), (1536, 24), (2048, 24), (2560, 32), (4096, 32), (5120, 40), (12288, 96)]


def _usual_layers(v: dict, d_model: int) -> int:
    if d_model <= GPT3_SHAPES[0][0]:
        return max(2, round(d_model / 64))
    for (d0, l0), (d1, l1) in zip(GPT3_SHAPES, GPT3_SHAPES[1:], strict=False):
        if d_model <= d1:
            return round(l0 + (l1 - l0) * (d_model - d0) / (d1 - d0))
    return round(GPT3_SHAPES[-1][1] * d_model / GPT3_SHAPES[-1][0])


DECODER_FIT = Fit(
    "d_model",
    lambda v: list(range(64, 32768 + 1, 64)),
    "decoder proportions of GPT-3 Table 2.1 (layers for a width), heads of 64",
    depth="num_layers",
    usual_depth=_usual_layers,
)


def _init_std() -> Field:
    return Field(
        "init_std", 0.02, "not stated; normal(0, 0.02) initialisation (GPT/BERT convention)", kind=float
    )


TRANSFORMER_DECODER = Family(
    "transformer_decoder",
    "transformer_decoder",
    "lm",
    (
        _vocab(_decoder_vocab, _decoder_vocab_reason),
        Field("context_length", 1024, "not stated; 1024 tokens", pilot=64, kind=int),
        *_transformer_core(12, 768),
        *_transformer_tail(activation="gelu", norm_position="pre", dropout=0.1, tie=None),
        Field("causal", True, "decoder-only: each position attends to earlier ones", keys=None),
        _init_std(),
    ),
    TRANSFORMER_TRAIN,
    "decoder-only Transformer language model (masked self-attention)",
    "vocabulary size (often unstated), tied vs untied output embedding, or biases",
    fit=(DECODER_FIT,),
)

TRANSFORMER_ENCODER = Family(
    "transformer_encoder",
    "transformer_decoder",
    "mlm",
    (
        _vocab(30522, "not stated and no tokenizer named; BERT's WordPiece vocabulary of 30522"),
        Field("context_length", 512, "not stated; 512 tokens (BERT)", pilot=64, kind=int),
        *_transformer_core(12, 768),
        *_transformer_tail(activation="gelu", norm_position="post", dropout=0.1, tie=True),
        Field("causal", False, "encoder: every position attends to every other", keys=None),
        _init_std(),
    ),
    TRANSFORMER_TRAIN,
    "bidirectional Transformer encoder trained by masked-token prediction",
    "vocabulary size, segment/position embeddings, or the pooler and MLM transform (not generated)",
)

TRANSFORMER_SEQ2SEQ = Family(
    "transformer_seq2seq",
    "transformer_seq2seq",
    "seq2seq",
    (
        _vocab(
            32000, "not stated and no tokenizer named; a shared source/target vocabulary of 32000", pilot=64
        ),
        Field(
            "context_length", 512, "not stated; longest sequence for the positional table", pilot=16, kind=int
        ),
        Field(
            "num_encoder_layers",
            6,
            "not stated; 6 (the base Transformer)",
            keys=("num_encoder_layers", "num_layers"),
            pilot=2,
            kind=int,
        ),
        Field(
            "num_decoder_layers",
            6,
            "not stated; 6 (the base Transformer)",
            keys=("num_decoder_layers", "num_layers"),
            pilot=2,
            kind=int,
        ),
        *_transformer_core(6, 512)[1:],
        *_transformer_tail(activation="relu", norm_position="post", dropout=0.1, tie=True),
    ),
    TRANSFORMER_TRAIN,
    "encoder-decoder Transformer (self-attention, cross-attention, sinusoidal positions)",
    "vocabulary size (papers often state it approximately) or how embeddings are shared",
)

VIT = Family(
    "vit",
    "vit",
    "classify",
    (
        Field("image_size", 224, "not stated; 224x224 inputs (ImageNet convention)", pilot=16, kind=int),
        Field("patch_size", 16, "not stated; 16x16 patches (the /16 models)", pilot=4, kind=int),
        Field("in_channels", 3, "RGB images", kind=int),
        Field("num_classes", 1000, "not stated; 1000 classes (ImageNet-1k head)", kind=int, pilot=10),
        *_transformer_core(12, 768),
        *_transformer_tail(activation="gelu", norm_position="pre", dropout=0.0, tie=False)[:6],
        Field("rotary", False, "ViT uses learned 1D position embeddings", keys=None),
        Field("bias", True, "linear layers keep biases", keys=None),
    ),
    dict(TRANSFORMER_TRAIN, batch_size=4096, micro_batch=32),
    "Vision Transformer: patches -> linear embedding + [class] token -> Transformer encoder -> head",
    "patch size or number of classes of the head (pre-training datasets have more classes)",
)


# ------------------------------------------------------------------------------------ ConvNets
def _image(
    size: int = 224, classes: int = 1000, channels: int = 3, pilot_size: int = 32
) -> tuple[Field, ...]:
    return (
        Field("image_size", size, f"not stated; {size}x{size} inputs", pilot=pilot_size, kind=int),
        Field("in_channels", channels, "RGB images" if channels == 3 else "single-channel images", kind=int),
        Field(
            "num_classes",
            lambda v: (dataset_classes(v.get("_text", "")) or (classes,))[0],
            lambda v: (dataset_classes(v.get("_text", "")) or (None, f"not stated; {classes} classes"))[1],
            kind=int,
            pilot=10,
            inferred=lambda v: bool(dataset_classes(v.get("_text", ""))),
        ),
    )


RESNET_IMAGENET = {
    18: ("basic", [2, 2, 2, 2]),
    34: ("basic", [3, 4, 6, 3]),
    50: ("bottleneck", [3, 4, 6, 3]),
    101: ("bottleneck", [3, 4, 23, 3]),
    152: ("bottleneck", [3, 8, 36, 3]),
}


def _stated_stage_widths(v: dict) -> int:
    """How many per-stage widths the paper states (0 when it states none or one)."""
    stated = ((v.get("_spec") or {}).get("d_model") or {}).get("value")
    return len(stated) if isinstance(stated, list) else 0


def _resnet_cifar(v: dict) -> bool:
    """Three-stage residual networks on small images (He et al. Sec. 4.2 and its descendants): a depth
    outside the ImageNet table on <= 64-pixel inputs in one of the three-stage forms (6n+2 basic, 6n+4
    basic with counted projection shortcuts, 9n+2 bottleneck), or three stated stage widths."""
    n = v["num_layers"]
    if _stated_stage_widths(v) == 3:
        return True
    if n in RESNET_IMAGENET or v["image_size"] > 64 or _stated_stage_widths(v) == 4:
        return False
    return (n - 2) % 6 in (0, 2) or (n - 2) % 9 == 0


def _cifar_bottleneck(v: dict) -> bool:
    """9n+2 layers with bottleneck blocks when the depth is not also 6n+2 (basic blocks preferred, as in
    He et al.), or when the paper's template is grouped (ResNeXt's "C x Wd" blocks are bottlenecks)."""
    n = v["num_layers"]
    if _cardinality(v)[0] > 1 and (n - 2) % 9 == 0:
        return True
    return (n - 2) % 9 == 0 and (n - 2) % 6 not in (0, 2)


def _resnet_layout(v: dict) -> tuple[str, list[int]]:
    if _resnet_cifar(v):
        if _cifar_bottleneck(v):
            return "bottleneck", [max(1, (v["num_layers"] - 2) // 9)] * 3
        return "basic", [max(1, (v["num_layers"] - 2) // 6)] * 3
    depth = min(RESNET_IMAGENET, key=lambda d: abs(d - v["num_layers"]))
    return RESNET_IMAGENET[depth]


def _resnet_reason(v: dict) -> str:
    n = v["num_layers"]
    if _resnet_cifar(v):
        if _cifar_bottleneck(v):
            return f"three-stage ResNet of bottleneck blocks: {n} = 9n+2 layers, n = {(n - 2) // 9}"
        extra = " (the +2: 1x1 projection shortcuts counted as layers)" if (n - 2) % 6 == 2 else ""
        return (
            f"three-stage (CIFAR) ResNet (He et al. Sec. 4.2): {n} = 6n+2{extra} layers, n = {(n - 2) // 6}"
        )
    depth = min(RESNET_IMAGENET, key=lambda d: abs(d - v["num_layers"]))
    exact = "" if depth == v["num_layers"] else f" (nearest to the stated {v['num_layers']})"
    return f"ResNet-{depth} row of He et al. Table 1{exact}"


def _resnet_shortcut(v: dict) -> str:
    """He et al.'s CIFAR option A (zero-padded identity) only for their 6n+2 basic form; projections
    where the depth counts them (6n+4), for bottlenecks and on ImageNet (option B)."""
    cifar = _resnet_cifar(v) and not _cifar_bottleneck(v) and (v["num_layers"] - 2) % 6 == 0
    return "zero_pad" if cifar else "projection"


def _resnet_widths(v: dict) -> tuple[list[int], str]:
    """Per-stage base widths: the stated d_model (each stage's output channels, as ResNet tables print
    them; a bottleneck's inner width is a quarter of its output), else the published widths."""
    stages = len(v["depths"])
    published = [16, 32, 64] if _resnet_cifar(v) else [64, 128, 256, 512]
    fact = (v.get("_spec") or {}).get("d_model") or {}
    stated = fact.get("value")
    expansion = 4 if v["block"] == "bottleneck" else 1
    where = f"p.{fact['page']}" if fact.get("page") is not None else "the spec"
    if isinstance(stated, (int, float)) and not isinstance(stated, bool) and stated > 0:
        stated = [int(stated) * 2**i for i in range(stages)]
        how = f"the stated d_model = {fact['value']} ({where}) for the first stage, x2 per stage"
    elif isinstance(stated, list) and len(stated) == stages and all(isinstance(x, int) for x in stated):
        how = f"the stated d_model = {fact['value']} ({where}), each stage's output width"
    else:
        return published, _resnet_reason(v)
    widths = [max(1, w // expansion) for w in stated]
    if expansion > 1:
        how += f", divided by the bottleneck expansion {expansion}"
    return widths, how


SQUEEZE_EXCITE = r"squeeze[- ]and[- ]excitation|squeeze[- ]excit|\bSE[- ](?:block|module|ResNe)"


def _se_reduction(v: dict) -> int:
    return 16 if re.search(SQUEEZE_EXCITE, v.get("_text", ""), re.I) else 0


def _se_field(placement: str) -> Field:
    """Squeeze-and-excitation (reduction 16, the SE convention) when the paper describes SE blocks."""
    return Field(
        "se_reduction",
        _se_reduction,
        lambda v: (
            f"the paper describes squeeze-and-excitation blocks; reduction ratio 16{placement}"
            if _se_reduction(v)
            else "no squeeze-and-excitation"
        ),
        keys=("se_reduction", "reduction_ratio"),
        inferred=_se_reduction,
        kind=int,
    )


_TEMPLATE = r"\b(\d+)\s*[x×]\s*(\d+)\s*d\b"  # ResNeXt's "C x Wd": C groups of W channels
_CARDINALITY = r"\bC\s*=\s*(\d+)\b|\bcardinality(?:\s+(?:of|C))?\s*=?\s*(\d+)"


def _cardinality(v: dict) -> tuple[int, int, str]:
    """(groups, channels per group in the first stage or 0, rule) from the chosen variant's own name and
    quotes: a "C x Wd" template ("32x4d", "8x64d") or a stated cardinality ("C = 32"). A stated
    ``groups``/``cardinality`` fact is read by the field itself."""
    own = v.get("_variant_text", "")
    m = re.search(_TEMPLATE, own)
    if m and int(m.group(1)) > 1:
        return (
            int(m.group(1)),
            int(m.group(2)),
            (f"the variant's {m.group(0)} template: {m.group(1)} groups of {m.group(2)} channels"),
        )
    m = re.search(_CARDINALITY, own, re.I)
    if m and int(m.group(1) or m.group(2)) > 1:
        c = int(m.group(1) or m.group(2))
        return c, 0, f"the variant's stated cardinality {m.group(0)!r}"
    return 1, 0, "not stated; no grouped convolutions"


def _group_width(v: dict) -> tuple[int, str]:
    """ResNeXt's "32x4d": cardinality 32, 4 channels per group in the first stage (doubling per stage)."""
    groups, width, rule = _cardinality(v)
    if v["groups"] > 1 and width and groups == v["groups"]:
        return width, rule
    m = re.search(_TEMPLATE, v.get("_text", ""))
    if v["groups"] > 1 and m and int(m.group(1)) == v["groups"]:
        return int(
            m.group(2)
        ), f"the paper's {m.group(0)} template: {m.group(1)} groups of {m.group(2)} channels"
    if v["groups"] > 1:
        return (
            4,
            "not stated; 4 channels per group in the first stage (the 32x4d template), doubling per stage",
        )
    return 0, "no grouped convolutions"


RESNET = Family(
    "resnet",
    "resnet",
    "classify",
    (
        *_image(),
        Field("num_layers", 50, "not stated; ResNet-50", kind=int),
        Field("block", lambda v: _resnet_layout(v)[0], _resnet_reason, keys=None, inferred=True),
        Field(
            "depths",
            lambda v: _resnet_layout(v)[1],
            _resnet_reason,
            keys=None,
            inferred=True,
            pilot=lambda full, p: [1] * len(full["depths"]),
        ),
        Field(
            "widths",
            lambda v: _resnet_widths(v)[0],
            lambda v: _resnet_widths(v)[1],
            keys=("widths",),
            kind=list,
            inferred=True,
            pilot=lambda full, p: [max(16, w // 4) for w in full["widths"]],
        ),
        Field(
            "stem",
            lambda v: "cifar" if _resnet_cifar(v) else "imagenet",
            _resnet_reason,
            keys=None,
            inferred=True,
        ),
        Field(
            "shortcut",
            _resnet_shortcut,
            lambda v: (
                "option A: identity shortcuts, zero-padded when widths grow (Sec. 4.2)"
                if _resnet_shortcut(v) == "zero_pad"
                else "option B: 1x1 projections only where the shape changes (Sec. 3.3)"
            ),
            keys=None,
            inferred=True,
        ),
        Field(
            "width_multiplier",
            1.0,
            "not stated; width multiplier 1 (k = 1)",
            keys=("width_multiplier", "widen_factor"),
            kind=float,
        ),
        Field(
            "groups",
            lambda v: _cardinality(v)[0],
            lambda v: _cardinality(v)[2],
            keys=("groups", "cardinality"),
            kind=int,
            inferred=lambda v: _cardinality(v)[0] > 1,
            pilot=lambda full, p: min(full["groups"], 4),
        ),
        Field(
            "group_width",
            lambda v: _group_width(v)[0],
            lambda v: _group_width(v)[1],
            keys=("group_width", "bottleneck_width"),
            inferred=lambda v: bool(_group_width(v)[0]),
            pilot=lambda full, p: 4 if full["group_width"] else 0,
        ),
        _se_field(", the SE convention"),
    ),
    CNN_TRAIN,
    "residual network (He et al. 2016): stem, four (or three) stages of residual blocks, head",
    "the shortcut option (A: zero-padding, B: projection) or the classifier size",
)

DENSENET_IMAGENET = {121: [6, 12, 24, 16], 169: [6, 12, 32, 32], 201: [6, 12, 48, 32], 264: [6, 12, 64, 48]}


def _densenet_cifar(v: dict) -> bool:
    return v["num_layers"] not in DENSENET_IMAGENET and (v["num_layers"] - 4) % 6 == 0


def _densenet_reason(v: dict) -> str:
    if _densenet_cifar(v):
        n = (v["num_layers"] - 4) // 6
        return f"DenseNet-BC on CIFAR (Huang et al. Sec. 3): L = 6n+4 = {v['num_layers']}, n = {n} per block"
    return f"DenseNet-{v['num_layers']} row of Huang et al. Table 1"


DENSENET = Family(
    "densenet",
    "densenet",
    "classify",
    (
        Field("num_layers", 121, "not stated; DenseNet-121", kind=int),
        Field(
            "image_size",
            lambda v: 32 if _densenet_cifar(v) else 224,
            _densenet_reason,
            inferred=True,
            pilot=32,
            kind=int,
        ),
        Field("in_channels", 3, "RGB images", kind=int),
        Field(
            "num_classes",
            lambda v: 10 if _densenet_cifar(v) else 1000,
            lambda v: "CIFAR-10 classes" if _densenet_cifar(v) else "ImageNet-1k classes",
            inferred=True,
            kind=int,
        ),
        Field(
            "growth_rate",
            lambda v: 12 if _densenet_cifar(v) else 32,
            "not stated; k = 32 (ImageNet) or 12 (CIFAR)",
            pilot=8,
            kind=int,
        ),
        Field(
            "block_config",
            lambda v: (
                [(v["num_layers"] - 4) // 6] * 3
                if _densenet_cifar(v)
                else DENSENET_IMAGENET.get(v["num_layers"], DENSENET_IMAGENET[121])
            ),
            _densenet_reason,
            keys=None,
            inferred=True,
            pilot=[2, 2, 2],
        ),
        Field(
            "stem",
            lambda v: "cifar" if _densenet_cifar(v) else "imagenet",
            _densenet_reason,
            keys=None,
            inferred=True,
            pilot="cifar",
        ),
        Field(
            "bn_size",
            4,
            "not stated; DenseNet-B: 1x1 bottleneck to 4k channels (Sec. 3)",
            keys=("bn_size",),
            kind=int,
        ),
        Field(
            "compression",
            0.5,
            "not stated; DenseNet-C: transitions halve the channels, theta = 0.5 (Sec. 3)",
            keys=("compression", "compression_factor"),
            kind=float,
        ),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
    ),
    dict(CNN_TRAIN, batch_size=64),
    "densely connected network (Huang et al. 2017): dense blocks and transitions",
    "the compression factor, the classifier size, or counting BN parameters",
)


def per_stage(count_from: str, growth: float = 2.0) -> Any:
    """Field.expand: one stated width becomes a width per stage, growing by ``growth`` at each stage."""

    def expand(value: Any, v: dict) -> tuple[list, str] | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        n = len(v[count_from]) if isinstance(v.get(count_from), list) else 4
        widths = [int(round(value * growth**i)) for i in range(n)]
        return widths, f"the stated width for the first stage, x{growth:g} at each of the {n} stages"

    return expand


def repeat_stage(count_from: str) -> Any:
    """Field.expand: one stated number (heads, kernel size) used in every stage."""

    def expand(value: Any, v: dict) -> tuple[list, str] | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        n = len(v[count_from]) if isinstance(v.get(count_from), list) else 4
        return [int(value)] * n, f"the stated value in each of the {n} stages"

    return expand


def _mentions(pattern: str) -> Any:
    return lambda v: bool(re.search(pattern, v.get("_text", ""), re.I))


_GRN = r"global response normali[sz]ation|\bGRN\b"

CONVNEXT = Family(
    "convnext",
    "convnext",
    "classify",
    (
        *_image(),
        Field("num_layers", [3, 3, 9, 3], "not stated; ConvNeXt-T depths", kind=list, pilot=[1, 1, 1, 1]),
        Field(
            "d_model",
            [96, 192, 384, 768],
            "not stated; ConvNeXt-T widths",
            keys=("d_model",),
            kind=list,
            pilot=[16, 32, 64, 128],
            expand=per_stage("num_layers"),
        ),
        Field(
            "grn",
            _mentions(_GRN),
            lambda v: (
                "the paper describes global response normalisation in each block"
                if _mentions(_GRN)(v)
                else "the paper does not mention global response normalisation"
            ),
            keys=None,
            inferred=True,
        ),
        Field("kernel_size", 7, "not stated; 7x7 depthwise convolutions", kind=int),
        Field("patch_size", 4, "not stated; 4x4 patchify stem", kind=int),
        Field("stochastic_depth", 0.0, "not stated; no stochastic depth", kind=float),
        Field(
            "layer_scale_init",
            1e-6,
            "Layer Scale initialised to 1e-6 (ConvNeXt's published setting)",
            keys=None,
        ),
    ),
    dict(
        CNN_TRAIN,
        optimizer="adamw",
        lr_schedule="cosine",
        learning_rate=4e-3,
        batch_size=4096,
        weight_decay=0.05,
        why="not stated; the ConvNeXt/DeiT recipe (AdamW, cosine)",
        lr_reason="not stated; 4e-3 for batch 4096",
    ),
    "ConvNeXt (Liu et al. 2022): patchify stem, four stages of 7x7 depthwise blocks with LayerNorm",
    "the number of classes or Layer Scale parameters",
)


# Evidence about the blocks, never a title's words: compound depth/width/resolution scaling is
# EfficientNet's; inverted residuals with linear bottlenecks are MobileNetV2's (its name says the same).
COMPOUND_SCALING = (
    r"compound (?:scaling|coefficient)|scal\w* (?:up )?(?:network )?depth, width,? and resolution"
)
INVERTED_RESIDUAL = r"mobilenet[- ]?v2|inverted residual|linear bottleneck"


def _mobilenet_version(spec_text: str) -> str:
    if re.search(COMPOUND_SCALING, spec_text, re.I):
        return "efficientnet"
    if re.search(INVERTED_RESIDUAL, spec_text, re.I):  # the architecture, not "v2"
        return "v2"
    return "v1"


# Compound scaling (Tan & Le 2019, Sec. 3.3, Eq. 3): depth alpha^phi, width beta^phi, resolution gamma^phi,
# with the published alpha = 1.2, beta = 1.1 found for the B0 baseline by grid search.
COMPOUND_ALPHA, COMPOUND_BETA = 1.2, 1.1


def _compound_fields(compound: bool) -> tuple[Field, ...]:
    """Width and depth multipliers; in a compound-scaled family both follow one coefficient phi, so a
    variant that states only its parameter count gets phi fitted to it (see COMPOUND_FIT)."""
    if not compound:
        return (
            Field("width_multiplier", 1.0, "not stated; width multiplier 1.0", kind=float, pilot=0.25),
            Field(
                "depth_multiplier",
                1.0,
                "not stated; depth multiplier 1.0",
                keys=("depth_multiplier", "depth_coefficient"),
                kind=float,
                pilot=lambda full, p: 0.34,
            ),
        )
    phi = "compound_coefficient"
    return (
        Field(
            phi,
            0.0,
            "not stated; phi = 0, the baseline network",
            keys=(phi, "phi"),
            kind=float,
            pilot=0.0,
        ),
        Field(
            "width_multiplier",
            lambda v: round(COMPOUND_BETA ** v[phi], 4),
            lambda v: f"compound scaling (Tan & Le 2019, Eq. 3): width beta^phi = {COMPOUND_BETA}^{v[phi]:g}",
            kind=float,
            inferred=lambda v: v[phi] != 0,
            pilot=0.25,
        ),
        Field(
            "depth_multiplier",
            lambda v: round(COMPOUND_ALPHA ** v[phi], 4),
            lambda v: (
                f"compound scaling (Tan & Le 2019, Eq. 3): depth alpha^phi = {COMPOUND_ALPHA}^{v[phi]:g}"
            ),
            keys=("depth_multiplier", "depth_coefficient"),
            kind=float,
            inferred=lambda v: v[phi] != 0,
            pilot=lambda full, p: 0.34,
        ),
    )


COMPOUND_FIT = Fit(
    "compound_coefficient",
    lambda v: [round(0.02 * i, 2) for i in range(0, 501)],
    f"compound scaling of the baseline: depth {COMPOUND_ALPHA}^phi, width {COMPOUND_BETA}^phi (Tan & Le 2019, "
    "Eq. 3, their alpha and beta)",
)


def mobilenet_family(version: str) -> Family:
    defaults = {
        "v1": (0.001, "MobileNet v1 (Howard et al. 2017, Table 1)"),
        "v2": (0.2, "MobileNetV2 (Sandler et al. 2018, Table 2)"),
        "efficientnet": (0.2, "EfficientNet-B0 (Tan & Le 2019, Table 1)"),
    }
    dropout, source = defaults[version]
    return Family(
        "mobilenet" if version != "efficientnet" else "efficientnet",
        "mobilenet",
        "classify",
        (
            *_image(pilot_size=64),
            Field(
                "version",
                version,
                f"layout of {source}, from evidence about the blocks (compound scaling, inverted residuals)",
                keys=None,
                inferred=True,
            ),
            *_compound_fields(version == "efficientnet"),
            Field(
                "dropout",
                dropout,
                f"not stated; {dropout} before the classifier ({source.split(' (')[0]})",
                kind=float,
            ),
            Field("stochastic_depth", 0.2 if version == "efficientnet" else 0.0, "not stated", kind=float),
            Field(
                "se_reduction",
                lambda v: _se_reduction(v) if version == "v1" else 0,
                lambda v: (
                    "the paper describes squeeze-and-excitation blocks; reduction ratio 16"
                    if version == "v1" and _se_reduction(v)
                    else "the layout's own squeeze-excitation only"
                ),
                keys=("se_reduction", "reduction_ratio"),
                kind=int,
                inferred=lambda v: version == "v1" and bool(_se_reduction(v)),
            ),
        ),
        dict(
            CNN_TRAIN,
            optimizer="rmsprop",
            lr_schedule="exponential",
            learning_rate=0.045,
            batch_size=96,
            weight_decay=4e-5,
            why="not stated; the MobileNet recipe (RMSprop, exponential decay)",
            lr_reason="not stated; 0.045 (MobileNet recipe)",
        ),
        f"{source}: depthwise-separable convolutions" + (", inverted residuals" if version != "v1" else ""),
        "papers round small counts; BN parameters and the classifier are often counted differently",
        fit=(COMPOUND_FIT,) if version == "efficientnet" else None,
    )


# The Inception-BN layout (Ioffe & Szegedy 2015, Fig. 5): its 5x5 branches replaced by two 3x3 layers, or a
# paper that states batch normalisation as the norm of an Inception configuration ("batchnorm" is the
# canonical value a fact carries; a title's "Batch Normalization" is not evidence about the layout).
DOUBLE_3X3 = (
    r"5\s*[x×]\s*5[^.]{0,80}\breplaced\b[^.]{0,40}\btwo\b|\btwo (?:consecutive |stacked )?(?:layers of )?"
    r"3\s*[x×]\s*3\b[^.]{0,60}\b5\s*[x×]\s*5|\bdouble[- ]3\s*[x×]\s*3\b"
)
STATED_BATCHNORM = r"(?<![\w-])batchnorm(?![\w-])"


def _inception_layout(spec_text: str) -> tuple[str, str]:
    if re.search(DOUBLE_3X3, spec_text, re.I):
        return "bn_inception", "the paper replaces 5x5 convolutions by two 3x3 layers"
    if re.search(STATED_BATCHNORM, spec_text):
        return "bn_inception", "the paper states batch normalisation in its Inception network"
    return "v1", "no evidence of the Inception-BN changes (double 3x3 branches, batch normalisation)"


def googlenet_family(layout: str, evidence: str = "") -> Family:
    source = (
        "Inception with batch normalisation (Ioffe & Szegedy 2015, Fig. 5)"
        if layout == "bn_inception"
        else "GoogLeNet (Szegedy et al. 2015, Table 1)"
    )
    return Family(
        "googlenet",
        "googlenet",
        "classify",
        (
            *_image(pilot_size=64),
            Field(
                "layout",
                layout,
                f"{source}; chosen because {evidence or 'the layout was named'}",
                keys=None,
                inferred=True,
            ),
            Field("norm", "none", "not stated; no normalisation", kind=str),
            Field("activation", "relu", "not stated; ReLU", kind=str),
            Field(
                "dropout",
                0.4 if layout == "v1" else 0.0,
                "not stated; the layout's published rate",
                kind=float,
            ),
            Field(
                "width",
                1.0,
                "not stated; channel counts of the published table (1.0 = as published)",
                keys=("width_multiplier",),
                kind=float,
                pilot=0.125,
            ),
        ),
        dict(CNN_TRAIN, learning_rate=0.045, batch_size=32, lr_schedule="exponential"),
        f"{source}: stacked Inception modules (parallel 1x1, 3x3, 5x5/double-3x3 and pooling branches)",
        "the published module table gives this count (re-implementations of the table agree); a paper's "
        "figure may count layers its table does not list, such as auxiliary classifiers (not generated here)",
    )


# ------------------------------------------------------------------------------ stated layer counts
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_COUNT = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _stated_count(v: dict, noun: str) -> int | None:
    """How many layers of a kind the num_layers fact's own quote names ("24 convolutional layers followed
    by 2 fully connected layers", "the first five are convolutional and the remaining three are
    fully-connected"): the sentence that states the total also says how it splits."""
    quote = str(((v.get("_spec") or {}).get("num_layers") or {}).get("quote") or "")
    found = re.search(rf"\b{_COUNT}\s+(?:(?:are|of them are|layers are)\s+)?{noun}", quote, re.I)
    return _number(found.group(1)) if found else None


_CONV = r"conv(?:olution(?:al)?)?\b"
_FC = r"(?:fully[- ]connected|connected|dense|linear)\b"


def _conv_count(v: dict, published_conv: int, published_fc: int) -> tuple[int, str]:
    """Convolutional layers: as the num_layers quote splits them, else num_layers less the published
    number of fully-connected layers, else the published number."""
    stated = (v.get("_spec") or {}).get("num_layers")
    if stated is None:
        return published_conv, f"not stated; {published_conv} convolutional layers (the published layout)"
    n = _stated_count(v, _CONV)
    if n:
        return n, f"the num_layers quote names {n} convolutional layers"
    n = max(1, v["num_layers"] - published_fc)
    return n, f"num_layers = {v['num_layers']} less the published {published_fc} fully-connected layers"


def _fc_count(v: dict, convs: int, published_fc: int) -> tuple[int, str]:
    """Fully-connected layers including the classifier: as the quote says, else num_layers - convs."""
    stated = (v.get("_spec") or {}).get("num_layers")
    if stated is None:
        return published_fc, f"not stated; {published_fc} fully-connected layers (the published layout)"
    n = _stated_count(v, _FC)
    if n:
        return n, f"the num_layers quote names {n} fully-connected layers"
    n = max(1, v["num_layers"] - convs)
    return n, f"num_layers = {v['num_layers']} less {convs} convolutional layers"


def _fit_length(published: list, n: int) -> list:
    """A published per-layer list cut or extended (repeating its last entry) to n layers."""
    return list(published[:n]) + [published[-1]] * max(0, n - len(published))


_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def _ordinal_layer(v: dict, key: str | None, n: int) -> int | None:
    """The layer a stated scalar belongs to when its quote names one ("The first convolutional layer
    filters ... with 96 kernels of size 11x11"), as an index into n layers."""
    if key is None:
        return None
    quote = str(((v.get("_spec") or {}).get(key) or {}).get("quote") or "")
    found = re.search(rf"\b({'|'.join(_ORDINALS)}|last|final)\s+(?:{_CONV}\s*)?layer", quote, re.I)
    if not found:
        return None
    word = found.group(1).lower()
    index = n - 1 if word in ("last", "final") else _ORDINALS.index(word)
    return index if index < n else None


def _stated_key(v: dict, keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in (v.get("_spec") or {})), None)


def per_layer(count_from: str | Any, published: list | None = None, keys: tuple[str, ...] = ()) -> Any:
    """Field.expand: one stated number for every layer (a kernel size, a width); when its quote names
    one layer ("the first convolutional layer ... 11x11") and a published list exists, only that layer."""

    def expand(value: Any, v: dict) -> tuple[list, str] | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        n = count_from(v) if callable(count_from) else len(v[count_from])
        at = _ordinal_layer(v, _stated_key(v, keys), n) if published else None
        if at is not None:
            out = _fit_length(published, n)
            out[at] = int(value)
            return out, f"the stated value in layer {at + 1} (its quote names the layer), published elsewhere"
        return [int(value)] * n, f"the stated value in each of the {n} layers"

    return expand


def scaled_table(published: list, count: Any, keys: tuple[str, ...] = ()) -> Any:
    """Field.expand: one stated width for the first layer (or the layer its quote names); the others keep
    the published proportions."""

    def expand(value: Any, v: dict) -> tuple[list, str] | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        table = _fit_length(published, count(v))
        at = _ordinal_layer(v, _stated_key(v, keys), len(table)) or 0
        widths = [max(1, int(round(value * w / table[at]))) for w in table]
        return widths, f"the stated width of layer {at + 1}, the others in the published proportions {table}"

    return expand


def _list_field(name: str, published: list, what: str, keys: tuple, count: Any, **kw: Any) -> Field:
    """A per-layer list: the stated list, or one stated number in every layer, else the published list
    fitted to the stated number of layers (labelled default / inferred)."""

    def value(v: dict) -> list:
        return _fit_length(published, count(v))

    def reason(v: dict) -> str:
        n = count(v)
        if n == len(published):
            return f"not stated; {what} {published} (the published layout)"
        return f"not stated; {what} of the published layout {published}, fitted to {n} layers"

    return Field(
        name,
        value,
        reason,
        keys=keys,
        kind=list,
        expand=kw.pop("expand", per_layer(count, published, keys)),
        inferred=lambda v: count(v) != len(published),
        **kw,
    )


# AlexNet (Krizhevsky et al. 2012, Fig. 2 and Sec. 3.5): the published layout, used for what is unsaid.
ALEXNET_WIDTHS = [96, 256, 384, 384, 256]
ALEXNET_KERNELS = [11, 5, 3, 3, 3]
ALEXNET_STRIDES = [4, 1, 1, 1, 1]


def _alex_convs(v: dict) -> int:
    return _conv_count(v, 5, 3)[0]


ALEXNET = Family(
    "alexnet",
    "alexnet",
    "classify",
    (
        *_image(pilot_size=64),
        Field(
            "num_layers",
            8,
            "not stated; eight weight layers, five convolutional and three fully-connected (Sec. 3.5)",
            kind=int,
        ),
        Field(
            "conv_layers",
            _alex_convs,
            lambda v: _conv_count(v, 5, 3)[1],
            keys=None,
            inferred=lambda v: "num_layers" in (v.get("_spec") or {}),
        ),
        _list_field(
            "widths",
            ALEXNET_WIDTHS,
            "kernels per convolutional layer",
            ("widths", "d_model", "channels"),
            lambda v: v["conv_layers"],
            expand=scaled_table(
                ALEXNET_WIDTHS, lambda v: v["conv_layers"], ("widths", "d_model", "channels")
            ),
            pilot=lambda full, p: [max(8, w // 6) for w in full["widths"]],
        ),
        _list_field(
            "kernel_sizes",
            ALEXNET_KERNELS,
            "kernel sizes",
            ("kernel_sizes", "kernel_size"),
            lambda v: len(v["widths"]),
        ),
        _list_field("strides", ALEXNET_STRIDES, "strides", ("strides", "stride"), lambda v: len(v["widths"])),
        Field(
            "fc_widths",
            lambda v: [4096] * (_fc_count(v, len(v["widths"]), 3)[0] - 1),
            lambda v: (
                "not stated; 4096 neurons in each hidden fully-connected layer (Sec. 3.5); "
                + _fc_count(v, len(v["widths"]), 3)[1]
            ),
            keys=("fc_widths", "d_ff", "fc_width"),
            kind=list,
            expand=per_layer(lambda v: _fc_count(v, len(v["widths"]), 3)[0] - 1),
            pilot=lambda full, p: [128] * len(full["fc_widths"]),
        ),
        Field(
            "width_multiplier",
            1.0,
            "not stated; width multiplier 1 (the published widths)",
            kind=float,
        ),
        Field(
            "groups",
            2,
            "not stated; the two-GPU split: conv2, conv4, conv5 see only their GPU's half (Sec. 3.5)",
            keys=("groups",),
            kind=int,
        ),
        Field(
            "norm",
            "localresponsenorm",
            "not stated; local response normalisation after conv1 and conv2",
            kind=str,
        ),
        Field("activation", "relu", "not stated; ReLU after every hidden layer", kind=str),
        Field("dropout", 0.5, "not stated; 0.5 in the first two fully-connected layers", kind=float),
        Field("init_std", 0.01, "not stated; normal(0, 0.01) weights", kind=float, pilot=0.05),
    ),
    dict(CNN_TRAIN, learning_rate=0.01, batch_size=128, weight_decay=5e-4, lr_schedule="plateau"),
    "AlexNet-style ConvNet (Krizhevsky et al. 2012): convolutional layers with response normalisation and "
    "overlapping max-pooling, then fully-connected layers",
    "the two-GPU grouping (kept here) or the input size",
)


def _lenet_hidden_fc(v: dict) -> tuple[int, str]:
    """LeNet-5's seven layers (C1 S2 C3 S4 C5 F6 output): hidden FC layers = num_layers - 6."""
    if "num_layers" not in (v.get("_spec") or {}):
        return 1, "not stated; one hidden layer F6 (LeNet-5)"
    n = max(0, v["num_layers"] - 6)
    return n, f"num_layers = {v['num_layers']} less C1, S2, C3, S4, C5 and the output layer"


LENET = Family(
    "lenet",
    "lenet",
    "classify",
    (
        Field("image_size", 32, "not stated; 32x32 inputs", kind=int),
        Field("in_channels", 1, "single-channel images", kind=int),
        Field(
            "num_classes",
            lambda v: (dataset_classes(v.get("_text", "")) or (10,))[0],
            lambda v: (dataset_classes(v.get("_text", "")) or (None, "not stated; 10 digit classes"))[1],
            kind=int,
            inferred=lambda v: bool(dataset_classes(v.get("_text", ""))),
        ),
        Field("num_layers", 7, "not stated; seven layers C1-S2-C3-S4-C5-F6-output (LeNet-5)", kind=int),
        Field("kernel_size", 5, "not stated; 5x5 convolutions", kind=int),
        Field(
            "widths",
            [6, 16, 120],
            "not stated; C1, C3 and C5 feature maps of LeNet-5 (LeCun et al. 1998)",
            keys=("widths", "d_model", "channels"),
            kind=list,
            expand=scaled_table([6, 16, 120], lambda v: 3, ("widths", "d_model", "channels")),
        ),
        Field(
            "fc_widths",
            lambda v: [84] * _lenet_hidden_fc(v)[0],
            lambda v: "not stated; 84 units in each hidden layer (F6 of LeNet-5); " + _lenet_hidden_fc(v)[1],
            keys=("fc_widths", "d_ff"),
            kind=list,
            expand=per_layer(lambda v: max(1, _lenet_hidden_fc(v)[0])),
        ),
        Field(
            "c3_table",
            lambda v: v["widths"][:2] == [6, 16],
            lambda v: (
                "C3's partial connection table (LeCun et al. 1998, Table I), defined for 6 -> 16 maps"
                if v["widths"][:2] == [6, 16]
                else "full connections: the published C3 table is defined only for 6 -> 16 maps"
            ),
            keys=("c3_table",),
            inferred=True,
        ),
        Field("activation", "tanh", "not stated; scaled tanh", kind=str),
    ),
    dict(SMALL_TRAIN, optimizer="sgd", learning_rate=0.01, lr_schedule="step"),
    "LeNet-5 (LeCun et al. 1998): C1-S2-C3-S4-C5-F6 with trainable subsampling and an output layer",
    "the output RBF layer (a linear layer here) or how subsampling coefficients are counted",
)


VGG_CONFIGS = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}
# YOLO (Redmon et al. 2016, Fig. 3): [out, kernel, stride] convolutions and "M" 2x2 max-pools.
YOLO_LAYERS = [
    [64, 7, 2],
    "M",
    [192, 3, 1],
    "M",
    [128, 1, 1],
    [256, 3, 1],
    [256, 1, 1],
    [512, 3, 1],
    "M",
    *([[256, 1, 1], [512, 3, 1]] * 4),
    [512, 1, 1],
    [1024, 3, 1],
    "M",
    *([[512, 1, 1], [1024, 3, 1]] * 2),
    [1024, 3, 1],
    [1024, 3, 2],
    [1024, 3, 1],
    [1024, 3, 1],
]


def _shrink_layers(full: dict, p: dict) -> list:
    """Pilot: one convolution per pooling stage (like one block per ResNet stage), widths / 8."""
    out, last = [], None
    for x in full["layers"]:
        if x == "M":
            out += ([last] if last is not None else []) + ["M"]
            last = None
        else:
            last = [max(8, x[0] // 8), *x[1:]] if isinstance(x, list) else max(8, x // 8)
    return out + ([last] if last is not None else [])


def _vgg(v: dict) -> tuple[list, str]:
    """VGG's Table 1 configuration for the stated depth (weight layers = convolutions + FC layers);
    other depths fit the nearest configuration; a stated kernel size and width multiplier apply."""
    n = v["num_layers"]
    if n in VGG_CONFIGS:
        table = VGG_CONFIGS[n]
        rule = f"VGG configuration with {n} weight layers (Simonyan & Zisserman 2015, Table 1)"
    else:
        nearest = min(VGG_CONFIGS, key=lambda d: abs(d - n))
        convs = max(1, n - len(v["fc_widths"]) - 1)
        table, how = _fit_table(VGG_CONFIGS[nearest], convs)
        rule = f"{n} weight layers: {convs} convolutions, {how} of VGG-{nearest} (Table 1)"
    k, mult = v["kernel_size"], v["width_multiplier"]
    if k == 3 and mult == 1.0:
        return list(table), rule
    out = [x if x == "M" else [max(1, round(x * mult)), k, 1] for x in table]
    return out, rule + f"; {k}x{k} kernels" + (f", widths x{mult:g} (nearest integer)" if mult != 1.0 else "")


VGG = Family(
    "vgg",
    "convnet",
    "classify",
    (
        *_image(),
        Field("num_layers", 16, "not stated; VGG-16 (configuration D)", kind=int),
        Field("kernel_size", 3, "not stated; 3x3 convolutions (Table 1)", kind=int),
        Field("width_multiplier", 1.0, "not stated; the published widths", kind=float),
        Field(
            "fc_widths",
            [4096, 4096],
            "not stated; two hidden fully-connected layers of 4096",
            keys=("fc_widths", "d_ff"),
            kind=list,
            expand=per_layer(lambda v: 2),
            pilot=lambda full, p: [64] * len(full["fc_widths"]),
        ),
        Field(
            "layers",
            lambda v: _vgg(v)[0],
            lambda v: _vgg(v)[1],
            keys=("layers",),
            kind=list,
            inferred=True,
            pilot=_shrink_layers,
        ),
        Field("activation", "relu", "not stated; ReLU", kind=str),
        Field("norm", "none", "not stated; no normalisation", kind=str),
        Field("dropout", 0.5, "not stated; 0.5 in the hidden fully-connected layers", kind=float),
    ),
    dict(
        CNN_TRAIN, learning_rate=0.01, batch_size=256, weight_decay=5e-4, lr_schedule="plateau", pilot_lr=3e-4
    ),
    "VGG (Simonyan & Zisserman 2015): stacks of 3x3 convolutions and max-pooling, three FC layers",
    "the classifier size or input resolution",
)


def _second_multiplier(v: dict) -> float | None:
    """A table row of two width multipliers ("... 0.75 2.5"): the number right after the stated one."""
    fact = v.get("_spec", {}).get("width_multiplier") or {}
    stated = fact.get("value")
    if not isinstance(stated, (int, float)) or isinstance(stated, bool):
        return None
    pairs = re.finditer(
        r"(?<![\d.,])(\d+(?:\.\d+)?)\s+(?=(\d+(?:\.\d+)?)(?![\d.,]))", str(fact.get("quote") or "")
    )
    found = [
        float(m.group(2)) for m in pairs if float(m.group(1)) == float(stated) and float(m.group(2)) < 16
    ]
    return found[-1] if found else None


# Evidence of training-time branches folded for inference (structural re-parameterisation).
REPARAM = (
    r"re-?parameteri[sz]|inference-time (?:body|model|structure|architecture)|"
    r"training-time (?:model|structure|architecture)|\bbranch(?:es)?\b[^.]{0,40}\b(?:addition|added|summed)"
)

REPVGG = Family(
    "repvgg",
    "plainnet",
    "classify",
    (
        *_image(),
        Field(
            "num_layers",
            [1, 2, 4, 14, 1],
            "not stated; blocks per stage of the A-series (1, 2, 4, 14, 1)",
            kind=list,
            pilot=lambda full, p: [1] * len(full["num_layers"]),
        ),
        Field(
            "base_widths",
            lambda v: [64, 64, 128, 256, 512][-len(v["num_layers"]) :],
            "stage widths before the multipliers: 64, 64, 128, 256, 512 (the plain VGG-style widths)",
            keys=None,
            inferred=True,
            pilot=lambda full, p: [8] * len(full["num_layers"]),
        ),
        Field("width_multiplier", 1.0, "not stated; width multiplier a = 1", kind=float),
        Field(
            "last_width_multiplier",
            lambda v: _second_multiplier(v) or 2.5,
            lambda v: (
                "the second multiplier in the row that states width_multiplier (multipliers a, b)"
                if _second_multiplier(v)
                else "not stated; b = 2.5 for the last stage"
            ),
            keys=("last_width_multiplier",),
            kind=float,
            inferred=lambda v: bool(_second_multiplier(v)),
        ),
        Field("groups", 1, "not stated; no grouped convolutions", keys=("groups", "cardinality"), kind=int),
    ),
    CNN_TRAIN,
    "plain VGG-style ConvNet with re-parameterisable branches: 3x3 + 1x1 + identity at training "
    "time, folded into one 3x3 convolution per layer for inference",
    "the last stage's multiplier or interleaved grouped layers (often given only in a table)",
    fit=(
        Fit(
            "last_width_multiplier",
            lambda v: [x / 100 for x in range(25, 801)],
            "last-stage width multiplier",
        ),
        Fit("groups", lambda v: [32, 16, 8, 4, 2, 1], "grouped convolutions in alternate layers"),
    ),
)

MULTI_AXIS = r"multi-?axis|grid attention|block attention[^.]{0,40}grid"

MAXVIT = Family(
    "maxvit",
    "maxvit",
    "classify",
    (
        *_image(pilot_size=32),
        Field(
            "num_layers",
            [2, 2, 5, 2],
            "not stated; blocks per stage of the tiny layout (2, 2, 5, 2)",
            kind=list,
            pilot=[1, 1],
        ),
        Field(
            "d_model",
            [64, 128, 256, 512],
            "not stated; stage widths 64, 128, 256, 512",
            kind=list,
            pilot=[16, 32],
            expand=per_stage("num_layers"),
        ),
        Field(
            "stem_width",
            lambda v: v["d_model"][0],
            "the first stage's width",
            keys=None,
            inferred=True,
            pilot=DERIVE,
        ),
        Field("d_head", 32, "not stated; attention heads of 32 channels", kind=int, pilot=8),
        Field(
            "num_heads",
            lambda v: [max(1, d // v["d_head"]) for d in v["d_model"]],
            "d_model / d_head per stage",
            kind=list,
            inferred=True,
            pilot=DERIVE,
            expand=repeat_stage("num_layers"),
        ),
        Field(
            "window_size",
            7,
            "not stated; 7x7 blocks and a 7x7 grid",
            keys=("window_size",),
            kind=int,
            pilot=2,
        ),
        Field("kernel_size", 3, "not stated; 3x3 depthwise convolutions in MBConv", kind=int),
        Field("expansion", 4, "not stated; MBConv expansion 4", keys=("expansion_ratio",), kind=int),
        Field(
            "se_ratio",
            0.25,
            "not stated; squeeze-excitation to 1/4 of the channels",
            keys=("se_ratio",),
            kind=float,
        ),
        Field("mlp_ratio", 4, "not stated; MLP hidden size 4x the width", keys=("mlp_ratio",), kind=int),
        Field("stochastic_depth", 0.2, "not stated; 0.2", kind=float),
    ),
    dict(
        CNN_TRAIN,
        optimizer="adamw",
        lr_schedule="cosine",
        learning_rate=3e-3,
        batch_size=4096,
        weight_decay=0.05,
        why="not stated; the AdamW/cosine recipe of hierarchical vision Transformers",
        lr_reason="not stated; 3e-3 for batch 4096",
    ),
    "hierarchical vision Transformer with multi-axis attention: MBConv, local block attention and dilated grid "
    "attention in every block",
    "relative-position tables, the stem, or a pre-logits layer in the head",
)


def _lm_fields(
    *,
    d_ff: Any,
    d_ff_reason: str,
    tie: bool,
    vocab: Any = _decoder_vocab,
    vocab_reason: Any = _decoder_vocab_reason,
) -> tuple[Field, ...]:
    return (
        _vocab(vocab, vocab_reason),
        Field("context_length", 2048, "not stated; 2048 tokens", pilot=64, kind=int),
        Field("num_layers", 24, "not stated; 24 layers", pilot=2, kind=int),
        Field("d_model", 2048, "not stated; width 2048", pilot=64, kind=int),
        Field("d_ff", d_ff, d_ff_reason, pilot=scale("d_ff", "d_model"), kind=int),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
        Field(
            "tie_embeddings",
            tie,
            "shared input/output embedding" if tie else "separate output head",
            keys=None,
        ),
    )


RETNET = Family(
    "retnet",
    "retnet",
    "lm",
    (
        *_lm_fields(
            d_ff=lambda v: 2 * v["d_model"],
            d_ff_reason="not stated; 2 * d_model (RetNet's FFN size)",
            tie=True,
        ),
        Field("d_head", 256, "not stated; query/key heads of 256 (RetNet)", pilot=16, kind=int),
        Field(
            "num_heads",
            lambda v: max(1, v["d_model"] // v["d_head"]),
            "d_model / d_head",
            pilot=DERIVE,
            kind=int,
            inferred=True,
        ),
        Field(
            "d_value",
            lambda v: 2 * v["d_head"],
            "value heads twice the query/key head size (RetNet)",
            keys=("d_value",),
            pilot=DERIVE,
            kind=int,
        ),
        Field("activation", "gelu", "not stated; GELU in the FFN", kind=str),
        Field("norm_position", "pre", "not stated; pre-LayerNorm blocks", kind=str),
    ),
    TRANSFORMER_TRAIN,
    "retentive network language model: multi-scale retention (decaying causal mixing with "
    "a gate) and FFN in pre-LN residual blocks",
    "vocabulary size (often unstated), value/gate widths, or a tied output embedding",
    fit=(DECODER_FIT,),
)

RWKV = Family(
    "rwkv",
    "rwkv",
    "lm",
    _lm_fields(
        d_ff=lambda v: 4 * v["d_model"],
        d_ff_reason="not stated; 4 * d_model channel-mixing width",
        tie=False,
        vocab=50277,
        vocab_reason="not stated and no tokenizer named; 50277, the GPT-NeoX tokenizer RWKV's models use",
    ),
    TRANSFORMER_TRAIN,
    "RWKV language model: token-shifted time mixing (a WKV recurrence with learned decay) and "
    "channel mixing in pre-LN residual blocks",
    "vocabulary size (often unstated) or an untied output head",
    fit=(DECODER_FIT,),
)

CROSS_STAGE = r"cross[- ]stage[- ]partial|\bCSP(?:Net)?\b"


def _csp_kind(v: dict) -> str:
    return (
        "dense"
        if re.search(r"dense|pelee", v.get("_variant", "") or v.get("_text", ""), re.I)
        else "residual"
    )


def _csp_depths(v: dict) -> list[int]:
    m = re.search(r"Res\w*?-?(\d+)", v.get("_variant", ""), re.I)
    if v["stage_kind"] == "residual" and m and int(m.group(1)) in (10, *RESNET_IMAGENET):
        return [1, 1, 1, 1] if int(m.group(1)) == 10 else RESNET_IMAGENET[int(m.group(1))][1]
    return [3, 4, 6, 3] if v["stage_kind"] == "residual" else [3, 4, 8, 6]


CSP = Family(
    "csp",
    "csp",
    "classify",
    (
        *_image(),
        Field(
            "stage_kind",
            _csp_kind,
            lambda v: f"{_csp_kind(v)} blocks in each partial stage (from the variant's backbone name)",
            keys=None,
            inferred=True,
        ),
        Field(
            "num_layers",
            _csp_depths,
            lambda v: (
                "blocks per stage of the named backbone (ResNet table), else "
                "3, 4, 6, 3 (residual) or 3, 4, 8, 6 (dense)"
            ),
            kind=list,
            inferred=True,
            pilot=lambda full, p: [1] * len(full["num_layers"]),
        ),
        Field(
            "width",
            128,
            "not stated; 128 channels after the first stage, doubling per stage",
            keys=None,
            pilot=16,
        ),
        Field(
            "groups",
            lambda v: 32 if re.search(r"ResNeXt", v.get("_variant", ""), re.I) else 1,
            "32 groups for a ResNeXt backbone (its 32x4d template), else none",
            keys=("groups", "cardinality"),
            kind=int,
            inferred=True,
            pilot=1,
        ),
        Field("growth_rate", 32, "not stated; growth rate 32 in dense stages", pilot=8, kind=int),
        Field(
            "activation",
            lambda v: "silu" if re.search(r"swish|silu", v.get("_variant", ""), re.I) else "leaky_relu",
            "swish when the variant says so, else leaky ReLU (CSP convention)",
            kind=str,
            inferred=True,
        ),
    ),
    dict(CNN_TRAIN, lr_schedule="polynomial"),
    "cross stage partial network: each stage splits its channels, runs blocks on one part and concatenates "
    "the part that crossed the stage",
    "the backbone's exact widths (derived from the count when not stated) or the head",
    fit=(Fit("width", lambda v: list(range(16, 2049, 2)), "first-stage width of the CSP stages"),),
)

RETENTION = r"\bretenti(?:on|ve)\b"
RWKV_WORDS = r"\bRWKV\b|\breceptance\b|\bWKV\b|time[- ]mixing"


def _fit_table(table: list, n: int) -> tuple[list, str]:
    """A published layer table ("M" between stages) fitted to n convolutions: layers are removed from the
    end of the stage with the most convolutions, or that stage's last two layers are repeated in turn (a
    1x1 reduction and a 3x3 convolution in YOLO's table)."""
    stages: list[list] = [[]]
    for item in table:
        if item == "M":
            stages.append([])
        else:
            stages[-1].append(item)
    have = sum(map(len, stages))
    if n == have:
        return list(table), "the published table"
    while sum(map(len, stages)) > n:
        longest = max(range(len(stages)), key=lambda i: (len(stages[i]), i))
        stages[longest].pop()
    longest = max(range(len(stages)), key=lambda i: (len(stages[i]), i))
    pattern = stages[longest][-2:] or [[64, 3, 1]]  # its last pair: a 1x1 reduction and a 3x3, in YOLO
    added = 0
    while sum(map(len, stages)) < n:
        stages[longest].append(pattern[added % len(pattern)])
        added += 1
    out: list = []
    for i, stage in enumerate(stages):
        out += stage + (["M"] if i < len(stages) - 1 else [])
    rule = f"the published {have}-convolution table fitted to {n} convolutions " + (
        "(layers removed from the end of the deepest stage)"
        if n < have
        else "(the deepest stage's last two layers repeated in turn)"
    )
    return out, rule


def _kernel_list(value: Any, v: dict) -> tuple[list, str] | None:
    """Field.expand: a stated per-layer list of kernel sizes."""
    if isinstance(value, list) and all(isinstance(k, int) and not isinstance(k, bool) for k in value):
        return value, "the stated kernel size of each convolution"
    return None


def _table_layers(table: list, published_conv: int, published_fc: int) -> Any:
    """The convolution table: the published one fitted to the stated number of convolutions, with the
    stated kernel size (spatial layers; 1x1 layers of the table stay 1x1, the stem keeps its own unless
    the quote names it) and the stated width multiplier applied."""

    def build(v: dict) -> tuple[list, str]:
        n = _conv_count(v, published_conv, published_fc)[0]
        layers, rule = _fit_table(table, n)
        stated_k = (v.get("_spec") or {}).get("kernel_size") is not None
        k, mult = v.get("kernel_size"), v.get("width_multiplier", 1.0)
        at = _ordinal_layer(v, "kernel_size", n) if stated_k and isinstance(k, int) else None
        out, i = [], 0
        for item in layers:
            if item == "M":
                out.append(item)
                continue
            cout, ks, stride = item
            if stated_k and isinstance(k, list) and i < len(k):
                ks = k[i]
            elif stated_k and isinstance(k, int) and (i == at if at is not None else ks > 1 and i > 0):
                ks = k
            out.append([max(1, round(cout * mult)), ks, stride])
            i += 1
        if stated_k:
            rule += f"; the stated kernel size {k!r} " + (
                "in the layer its quote names"
                if at is not None
                else "per layer"
                if isinstance(k, list)
                else "in every spatial layer after the stem (1x1 layers kept)"
            )
        if mult != 1.0:
            rule += f"; widths x{mult:g}, rounded to the nearest integer"
        return out, rule

    return build


_yolo_layers = _table_layers(YOLO_LAYERS, 24, 2)

YOLO = Family(
    "yolo",
    "convnet",
    "classify",
    (
        *_image(448, 20, pilot_size=64),
        Field(
            "num_layers",
            26,
            "not stated; 24 convolutional and 2 fully-connected layers (Redmon et al. 2016, Fig. 3)",
            kind=int,
        ),
        Field(
            "conv_layers",
            lambda v: _conv_count(v, 24, 2)[0],
            lambda v: _conv_count(v, 24, 2)[1],
            keys=None,
            inferred=lambda v: "num_layers" in (v.get("_spec") or {}),
        ),
        Field(
            "kernel_size",
            3,
            "not stated; the published table's kernels (7x7 stem, 3x3 and 1x1 reduction layers)",
            expand=_kernel_list,
        ),
        Field("width_multiplier", 1.0, "not stated; the published widths", kind=float),
        Field(
            "layers",
            lambda v: _yolo_layers(v)[0],
            lambda v: _yolo_layers(v)[1] + " (YOLO, Redmon et al. 2016, Fig. 3)",
            keys=("layers",),
            kind=list,
            inferred=True,
            pilot=_shrink_layers,
        ),
        Field(
            "fc_widths",
            lambda v: [4096] * (_fc_count(v, v["conv_layers"], 2)[0] - 1),
            lambda v: (
                "not stated; 4096 units per hidden fully-connected layer (Fig. 3); "
                + _fc_count(v, v["conv_layers"], 2)[1]
            ),
            keys=("fc_widths", "d_ff"),
            kind=list,
            expand=per_layer(lambda v: max(1, _fc_count(v, v["conv_layers"], 2)[0] - 1)),
            pilot=lambda full, p: [64] * len(full["fc_widths"]),
        ),
        Field("activation", "leaky_relu", "not stated; leaky ReLU", kind=str),
        Field("norm", "none", "not stated; no normalisation", kind=str),
        Field("dropout", 0.5, "not stated; dropout after the first FC layer", kind=float),
    ),
    dict(CNN_TRAIN, learning_rate=0.01, batch_size=64, weight_decay=5e-4, pilot_lr=3e-4),
    "YOLO's convolutional network, trained here as an image classifier",
    "the detection head (S x S x (5B + C) outputs) is replaced by a classifier",
    label=(
        "CLOSEST HONEST OPTION: mlintern has no detection template. This project builds YOLO's "
        "convolutional network (24 layers unless the paper says otherwise) and trains it as a classifier (as "
        "in the paper's ImageNet pre-training, Sec. 2.2); the detection head, loss and box data are not "
        "scaffolded."
    ),
)

UNET = Family(
    "unet",
    "unet",
    "segment",
    (
        Field("image_size", 572, "not stated; 572x572 tiles (Ronneberger et al. 2015)", pilot=32, kind=int),
        Field("in_channels", 1, "single-channel microscopy images", kind=int),
        Field("num_classes", 2, "not stated; two classes (foreground/background)", kind=int),
        Field(
            "widths",
            [64, 128, 256, 512, 1024],
            "not stated; U-Net's five levels (Ronneberger et al. 2015, Fig. 1)",
            keys=("widths", "d_model"),
            kind=list,
            expand=lambda value, v: per_stage("_levels", 2.0)(value, {"_levels": [0] * 5}),
            pilot=[8, 16, 32],
        ),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
    ),
    dict(SMALL_TRAIN, optimizer="sgd", learning_rate=0.01, lr_schedule="constant", batch_size=1),
    "U-Net: a contracting path and an expanding path joined by skip connections",
    "padded (same-size) convolutions are used here; the count is the same as with valid convolutions",
)


# ------------------------------------------------------------------------------------ other families
_TARGET_VOCAB = re.compile(r"(?:output|target)\s+vocabular(?:y|ies)\s+(?:size\s+)?(?:of\s+)?(\d[\d,]*)", re.I)


def _target_vocab(v: dict) -> int | None:
    """An output vocabulary the vocab_size fact's own quote states ("... and an output vocabulary of 80,000")."""
    fact = v.get("_spec", {}).get("vocab_size") or {}
    found = _TARGET_VOCAB.search(str(fact.get("quote") or ""))
    return int(found.group(1).replace(",", "")) if found else None


def _target_vocab_reason(v: dict) -> str:
    if _target_vocab(v):
        page = (v.get("_spec", {}).get("vocab_size") or {}).get("page")
        return f"the vocab_size quote (p.{page}) states the output vocabulary separately"
    return "not stated separately; the source vocabulary size"


SWIN = Family(
    "swin",
    "swin",
    "classify",
    (
        *_image(pilot_size=32),
        Field("patch_size", 4, "not stated; 4x4 patches (Swin-T)", pilot=2, kind=int),
        Field("d_model", 96, "not stated; C = 96 (Swin-T)", pilot=16, kind=int),
        Field(
            "num_layers",
            [2, 2, 6, 2],
            "not stated; Swin-T's {2, 2, 6, 2} blocks per stage",
            kind=list,
            pilot=[2, 2],
        ),
        Field(
            "stage_heads",
            lambda v: [max(1, v["d_model"] * 2**i // 32) for i in range(len(v["num_layers"]))],
            "head size 32 in every stage (Swin's convention: 3, 6, 12, 24 heads for C = 96)",
            keys=None,
            inferred=True,
            pilot=DERIVE,
        ),
        Field("window_size", 7, "not stated; 7x7 windows (Swin-T)", keys=("window_size",), kind=int, pilot=4),
        Field("stochastic_depth", 0.2, "not stated; 0.2 (Swin-T)", kind=float),
    ),
    dict(
        CNN_TRAIN,
        optimizer="adamw",
        lr_schedule="cosine",
        learning_rate=1e-3,
        batch_size=1024,
        weight_decay=0.05,
        why="not stated; the Swin/DeiT recipe (AdamW, cosine)",
        lr_reason="not stated; 1e-3 for batch 1024",
    ),
    "Swin Transformer: shifted-window self-attention in four stages joined by patch merging",
    "the relative-position tables, the head, or the stage layout",
)

RNN_SEQ2SEQ = Family(
    "rnn_seq2seq",
    "rnn_seq2seq",
    "seq2seq",
    (
        Field("vocab_size", 32000, "not stated; a source vocabulary of 32000", pilot=64, kind=int),
        Field(
            "tgt_vocab_size",
            lambda v: _target_vocab(v) or v["vocab_size"],
            _target_vocab_reason,
            keys=("tgt_vocab_size", "target_vocab_size"),
            pilot=lambda full, p: p["vocab_size"],
            kind=int,
            inferred=lambda v: bool(_target_vocab(v)),
        ),
        Field("num_layers", 4, "not stated; 4 layers", pilot=2, kind=int),
        Field("d_model", 1000, "not stated; 1000 cells per layer", pilot=64, kind=int),
        Field("cell", "lstm", "not stated; LSTM cells", keys=None),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
        Field(
            "reverse_source", True, "read the source reversed (Sutskever et al. 2014, Sec. 3.3)", keys=None
        ),
    ),
    dict(
        SMALL_TRAIN,
        optimizer="sgd",
        learning_rate=0.7,
        batch_size=128,
        lr_schedule="step",
        grad_clip=5.0,
        micro_batch=64,
    ),
    "encoder-decoder recurrent network: the encoder's final state starts the decoder",
    "the target vocabulary (often smaller than the source's), or the embedding size",
)

MLP_MIXER = Family(
    "mlp_mixer",
    "mlp_mixer",
    "classify",
    (
        *_image(pilot_size=16),
        Field("patch_size", 16, "not stated; 16x16 patches", pilot=4, kind=int),
        Field("num_layers", 8, "not stated; Mixer-S (8 layers)", pilot=2, kind=int),
        Field("d_model", 512, "not stated; Mixer-S hidden size 512", pilot=64, kind=int),
        Field(
            "d_token",
            lambda v: v["d_model"] // 2,
            "not stated; token-mixing MLP width d_model / 2 (Tolstikhin et al. Table 1)",
            keys=("d_token", "token_mlp_dim"),
            kind=int,
            pilot=DERIVE,
        ),
        Field(
            "d_ff",
            lambda v: 4 * v["d_model"],
            "channel-mixing MLP width 4 * d_model (Table 1)",
            pilot=DERIVE,
            kind=int,
        ),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
    ),
    dict(TRANSFORMER_TRAIN, batch_size=4096, micro_batch=32),
    "MLP-Mixer: per-patch linear embedding, token-mixing and channel-mixing MLPs",
    "the head size or patch size",
    fit=(Fit("d_model", lambda v: list(range(32, 4097, 32)), "width of an MLP stack of the stated depth"),),
)

SPATIAL_GATING = r"spatial gating|\bgMLP\b|gated MLP|gating unit"

GMLP = Family(
    "gmlp",
    "gmlp",
    "classify",
    (
        *_image(pilot_size=16),
        Field("patch_size", 16, "not stated; 16x16 patches", pilot=4, kind=int),
        Field("num_layers", 30, "not stated; 30 blocks", pilot=2, kind=int),
        Field("d_model", 256, "not stated; width 256", pilot=32, kind=int),
        Field(
            "d_ff",
            lambda v: 6 * v["d_model"],
            "not stated; channel projection 6 * d_model (gated-MLP convention)",
            pilot=DERIVE,
            kind=int,
            keys=("d_ff", "d_ffn"),
        ),
        Field("stochastic_depth", 0.0, "not stated; no stochastic depth", kind=float),
    ),
    dict(TRANSFORMER_TRAIN, batch_size=4096, micro_batch=32),
    "gated MLP: patch embedding, blocks of channel projections around a spatial gating unit",
    "the channel expansion (d_ff) or the head",
    fit=(
        Fit("d_model", lambda v: list(range(32, 4097, 32)), "width of a gated-MLP stack of the stated depth"),
    ),
)

MLP = Family(
    "mlp",
    "mlp",
    "classify",
    (
        *_image(28, 10, 1, pilot_size=8),
        Field("num_layers", 2, "not stated; two hidden layers", kind=int),
        Field("d_model", 512, "not stated; 512 hidden units", pilot=64, kind=int),
        Field("activation", "relu", "not stated; ReLU", kind=str),
        Field("dropout", 0.0, "not stated; no dropout", kind=float),
    ),
    SMALL_TRAIN,
    "multi-layer perceptron on flattened inputs",
    "hidden widths (often unstated)",
)

OTHER = Family(
    "other",
    "mlp",
    "classify",
    MLP.fields,
    SMALL_TRAIN,
    "multi-layer perceptron baseline (NOT the paper's architecture)",
    "this is a baseline, not the paper's model",
    label=(
        "CLOSEST HONEST OPTION: mlintern has no template for this paper's architecture. This project is an "
        "MLP BASELINE on the paper's stated sizes, so the training pipeline (data, optimizer, schedule) can be "
        "exercised; replace Model in model.py with the paper's architecture."
    ),
)


def _sub_layers(role: str, published: int) -> Any:
    """Hidden layers of a sub-network: its own stated num_layers, else the paper's, else the published."""

    def count(v: dict) -> tuple[int, str]:
        spec = v.get("_spec") or {}
        for key in (f"{role}_num_layers", "num_layers"):
            fact = spec.get(key)
            if fact and isinstance(fact.get("value"), int) and not isinstance(fact["value"], bool):
                return max(1, fact["value"]), f"the stated {key} = {fact['value']} hidden layers"
        return published, f"not stated; {published} hidden layers"

    return count


_G_LAYERS, _D_LAYERS = _sub_layers("generator", 2), _sub_layers("discriminator", 2)


def _hidden_field(name: str, role: str, width: int, count: Any, why: str, pilot: list) -> Field:
    return Field(
        name,
        lambda v: [width] * count(v)[0],
        lambda v: f"not stated; {why} ({count(v)[1]})",
        keys=(name, f"{role}_d_model", f"{role}_hidden", "d_model"),
        kind=list,
        expand=per_layer(lambda v: count(v)[0]),
        inferred=lambda v: count(v)[1].startswith("the stated"),
        pilot=lambda full, p: pilot[:1] * len(full[name]),
    )


GAN = Family(
    "gan",
    "gan",
    "gan",
    (
        Field("image_size", 28, "not stated; 28x28 images (MNIST)", pilot=8, kind=int),
        Field("in_channels", 1, "single-channel images", kind=int),
        Field(
            "latent_dim",
            100,
            "not stated; 100-dimensional uniform/normal noise",
            keys=("latent_dim", "z_dim", "noise_dim"),
            kind=int,
            pilot=16,
        ),
        _hidden_field(
            "g_hidden",
            "generator",
            1200,
            _G_LAYERS,
            "generator layers of 1200 units (Goodfellow et al.'s released MNIST setup)",
            [64],
        ),
        Field(
            "g_activation",
            "relu",
            "not stated; rectifier hidden units and a sigmoid output (the GAN paper's generator)",
            keys=("g_activation", "generator_activation"),
            kind=str,
        ),
        _hidden_field(
            "d_hidden",
            "discriminator",
            240,
            _D_LAYERS,
            "discriminator layers of 240 units (released MNIST setup)",
            [32],
        ),
        Field(
            "d_activation",
            "maxout",
            "not stated; maxout units (the GAN paper's discriminator)",
            keys=("d_activation", "discriminator_activation"),
            kind=str,
        ),
        Field(
            "maxout_pieces",
            5,
            "not stated; maxout with 5 pieces (released MNIST setup)",
            keys=("maxout_pieces",),
            kind=int,
            pilot=2,
        ),
        Field(
            "dropout",
            0.5,
            "not stated; dropout in the discriminator (rate from the released code)",
            keys=("discriminator_dropout", "dropout"),
            kind=float,
        ),
    ),
    dict(
        SMALL_TRAIN,
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=100,
        lr_schedule="exponential",
        why="not stated; SGD with momentum (the released MNIST setup)",
    ),
    "generative adversarial nets: an MLP generator and an MLP (maxout unless stated) discriminator",
    "layer sizes are rarely stated for GANs",
)

VAE = Family(
    "vae",
    "vae",
    "vae",
    (
        Field("image_size", 28, "not stated; 28x28 images (MNIST)", pilot=8, kind=int),
        Field("in_channels", 1, "single-channel images", kind=int),
        Field(
            "d_model", 500, "not stated; 500 hidden units (Kingma & Welling 2014, Sec. 5)", pilot=64, kind=int
        ),
        Field(
            "latent_dim",
            20,
            "not stated; a 20-dimensional latent space",
            keys=("latent_dim", "z_dim"),
            kind=int,
            pilot=8,
        ),
        Field("activation", "tanh", "not stated; tanh hidden units", kind=str),
    ),
    dict(SMALL_TRAIN, optimizer="adagrad", learning_rate=0.01, batch_size=100),
    "variational auto-encoder: Gaussian MLP encoder, Bernoulli MLP decoder",
    "hidden and latent sizes are rarely stated",
)

# ShuffleNet (Zhang et al. 2018, Table 1): stage-2 output channels for each number of groups.
SHUFFLENET_WIDTHS = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}

SHUFFLENET = Family(
    "shufflenet",
    "shufflenet",
    "classify",
    (
        *_image(),
        Field(
            "groups",
            3,
            "not stated; g = 3 groups (ShuffleNet 1x, g = 3, the published headline model)",
            keys=("groups", "cardinality"),
            kind=int,
            pilot=lambda full, p: min(full["groups"], 2),
        ),
        Field(
            "num_layers",
            [4, 8, 4],
            "not stated; 4, 8, 4 units in stages 2-4 (Zhang et al. Table 1)",
            keys=("depths", "num_layers"),
            kind=list,
            pilot=[1, 1, 1],
        ),
        Field(
            "widths",
            lambda v: [SHUFFLENET_WIDTHS.get(v["groups"], 240) * 2**i for i in range(len(v["num_layers"]))],
            lambda v: (
                f"output channels of Table 1 for g = {v['groups']}, doubling per stage"
                if v["groups"] in SHUFFLENET_WIDTHS
                else f"not in Table 1 for g = {v['groups']}; the g = 3 widths"
            ),
            keys=("widths", "d_model"),
            kind=list,
            inferred=True,
            expand=per_stage("num_layers"),
            pilot=lambda full, p: [48 * 2**i for i in range(len(full["widths"]))],
        ),
        Field(
            "width_multiplier",
            1.0,
            "not stated; ShuffleNet 1x (channels rounded to a multiple of 4 x groups)",
            kind=float,
        ),
        _se_field(" on each unit's branch"),
    ),
    CNN_TRAIN,
    "ShuffleNet (Zhang et al. 2018): pointwise group convolutions, channel shuffle and depthwise 3x3 units",
    "the number of groups (often given only in a table), the stem width, or squeeze-excitation placement",
)

_FAMILIES = {
    f.name: f
    for f in (
        TRANSFORMER_DECODER,
        TRANSFORMER_ENCODER,
        TRANSFORMER_SEQ2SEQ,
        VIT,
        SWIN,
        RESNET,
        DENSENET,
        CONVNEXT,
        ALEXNET,
        LENET,
        VGG,
        SHUFFLENET,
        YOLO,
        UNET,
        RNN_SEQ2SEQ,
        MLP_MIXER,
        MLP,
        OTHER,
        GAN,
        VAE,
    )
}
KNOWN = sorted([*_FAMILIES, "mobilenet", "efficientnet", "googlenet"])


# A variant named after another backbone ("SE-MobileNet" in a paper on a residual family) is that backbone.
BACKBONE_NAMES = [
    (r"MobileNet-?V?2", "mobilenet"),
    (r"MobileNet", "mobilenet"),
    (r"EfficientNet", "efficientnet"),
    (r"ResNeXt|ResNet", "resnet"),
    (r"DenseNet", "densenet"),
    (r"VGG", "vgg"),
    (r"ShuffleNet", "shufflenet"),
]


def backbone_of_variant(family: str, variant: str | None) -> str | None:
    """The family a variant's own name gives, when it names a different known backbone (word-bounded)."""
    for pattern, name in BACKBONE_NAMES:
        if variant and re.search(rf"(?:^|[-_ ])(?:{pattern})(?:$|[-_ \d])", variant, re.I):
            return name if name != family else None
    return None


def family_for(name: str, spec_text: str) -> Family:
    """The family for ``name``; unknown names (and word2vec) get the labelled MLP baseline."""
    if name == "mobilenet":
        return mobilenet_family(_mobilenet_version(spec_text))
    if name == "efficientnet":
        return mobilenet_family("efficientnet")
    if name in ("other", "transformer_decoder"):
        for pattern, family in ((RWKV_WORDS, RWKV), (RETENTION, RETNET), (CROSS_STAGE, CSP)):
            if re.search(pattern, spec_text, re.I):
                return family
    if name in ("mlp_mixer", "other", "mlp") and re.search(SPATIAL_GATING, spec_text, re.I):
        return GMLP
    if name == "vit" and re.search(MULTI_AXIS, spec_text, re.I):
        return MAXVIT
    if name == "vgg" and re.search(REPARAM, spec_text, re.I):
        return REPVGG
    if name == "googlenet":
        return googlenet_family(*_inception_layout(spec_text))
    return _FAMILIES.get(name, OTHER)
