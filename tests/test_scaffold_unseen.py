"""General fixes found on architectures nobody had tuned on (bench/data/unseen_architectures.json):
three-stage residual networks of every depth form, widening factors on stated stage widths, cardinality
read from the variant's own template, and compound scaling fitted to a count. Each test changes one
stated value and checks the exact count (or structure) the paper's rule gives."""

from __future__ import annotations

import json

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from test_scaffold_support import family_spec


def scaffold(workspace, spec: dict, name: str, variant: str | None = None) -> tuple[dict, dict]:
    (workspace.root / f"{name}.json").write_text(json.dumps(spec))
    args = {"spec": f"{name}.json", "output": name} | ({"variant": variant} if variant else {})
    result = registry.call("scaffold-model", args, ToolContext(workspace))
    config = json.loads((workspace.root / name / "config.json").read_text())
    return result, config["model"]


def with_variants(spec: dict, variants: dict[str, dict], quotes: dict[str, str] | None = None) -> dict:
    spec["variants"] = {
        name: {
            k: {"value": v, "page": 2, "quote": (quotes or {}).get(name, f"{name} {v}"), "source": "paper"}
            for k, v in facts.items()
        }
        for name, facts in variants.items()
    }
    return spec


def conv_bn(cin: int, cout: int, k: int, groups: int = 1) -> int:
    return cout * (cin // groups) * k * k + 2 * cout  # bias-free conv, then batch norm


def wide_basic_count(base: list[int], k: int, n: int, classes: int, projection: bool) -> int:
    """Three stages of n basic blocks of width base[i] * k on a 16-filter 3x3 stem (Zagoruyko & Komodakis)."""
    total, cin = conv_bn(3, base[0], 3), base[0]
    for w in (b * k for b in base):
        for j in range(n):
            total += conv_bn(cin, w, 3) + conv_bn(w, w, 3)
            if j == 0 and cin != w and projection:
                total += conv_bn(cin, w, 1)
            cin = w
    return total + cin * classes + classes


def cifar_spec(**values) -> dict:
    return family_spec("resnet", image_size=32, num_classes=10, **values)


@pytest.mark.parametrize("k", [4, 2])
def test_widening_factor_multiplies_the_stated_stage_widths(workspace, k):
    spec = cifar_spec(d_model=[16, 32, 64], num_layers=16, width_multiplier=k)
    result, model = scaffold(workspace, spec, f"wrn{k}")
    assert model["depths"]["value"] == [2, 2, 2] and model["block"]["value"] == "basic"
    assert model["shortcut"]["value"] == "projection"  # 16 = 6n+4: the 1x1 projections are counted layers
    assert result["params_full"] == wide_basic_count([16, 32, 64], k, 2, 10, projection=True)


def test_three_stage_depth_forms(workspace):
    _, model = scaffold(workspace, cifar_spec(num_layers=20), "he20")  # 6n+2: He et al.'s option A
    assert (model["block"]["value"], model["depths"]["value"], model["shortcut"]["value"]) == (
        "basic",
        [3, 3, 3],
        "zero_pad",
    )
    _, model = scaffold(workspace, cifar_spec(num_layers=22), "wrn22")  # 6n+4
    assert model["depths"]["value"] == [3, 3, 3] and model["shortcut"]["value"] == "projection"
    _, model = scaffold(workspace, cifar_spec(num_layers=29), "b29")  # 9n+2, not 6n+2: bottlenecks
    assert model["block"]["value"] == "bottleneck" and model["depths"]["value"] == [3, 3, 3]
    _, model = scaffold(workspace, family_spec("resnet", num_layers=28), "imagenet28")  # 224 px: ImageNet
    assert len(model["depths"]["value"]) == 4


def test_cardinality_comes_from_the_variant_s_own_template(workspace):
    spec = with_variants(
        cifar_spec(d_model=[256, 512, 1024]),
        {"plain": {"num_layers": 29}, "net, 8x64d": {"num_layers": 29}, "net, 16x64d": {"num_layers": 29}},
        quotes={"plain": "plain net, 8x64d net, 16x64d"},  # a shared header names the others' templates
    )
    counts = {}
    for name in ("plain", "net, 8x64d", "net, 16x64d"):
        result, model = scaffold(workspace, spec, "rx" + str(len(counts)), name)
        counts[name] = result["params_full"]
        if name == "plain":
            assert model["groups"]["value"] == 1 and model["groups"]["source"] == "default"
            continue
        c = int(name.split(", ")[1].split("x")[0])
        assert model["groups"] == model["groups"] | {"value": c, "source": "inferred"}
        assert model["group_width"]["value"] == 64 and "64 channels" in model["group_width"]["rule"]
    # the grouped 3x3 layers are C x 64 x 2^i wide: doubling C roughly doubles those weights
    assert counts["plain"] < counts["net, 8x64d"] < counts["net, 16x64d"]
    stem = conv_bn(3, 64, 3)
    head = 1024 * 10 + 10

    def resnext(c: int) -> int:
        total, cin = stem, 64
        for i, out in enumerate([256, 512, 1024]):
            inner = c * 64 * 2**i
            for j in range(3):
                total += conv_bn(cin, inner, 1) + conv_bn(inner, inner, 3, c) + conv_bn(inner, out, 1)
                total += conv_bn(cin, out, 1) if j == 0 else 0
                cin = out
        return total + head

    assert counts["net, 8x64d"] == resnext(8) and counts["net, 16x64d"] == resnext(16)


def test_a_stated_cardinality_reads_c_equals(workspace):
    spec = with_variants(
        family_spec("resnet", d_model=[256, 512, 1024, 2048]),
        {"x": {"num_layers": 50}},
        quotes={"x": "conv, 3x3, 128, C=32"},
    )
    _, model = scaffold(workspace, spec, "c32", "x")
    assert model["groups"]["value"] == 32 and model["group_width"]["value"] == 4  # the 32x4d convention


def test_compound_scaling_is_fitted_to_a_stated_count(workspace):
    spec = with_variants(
        family_spec("efficientnet", title="Scaling depth, width, and resolution with a compound coefficient"),
        {"small": {"num_params": 9_000_000}, "big": {"num_params": 40_000_000}},
    )
    phis = []
    for name in ("small", "big"):
        result, model = scaffold(workspace, spec, f"eff-{name}", name)
        assert abs(result["params_delta"]) <= 0.015
        phi = model["compound_coefficient"]
        assert phi["source"] == "inferred" and "matches the paper's" in phi["rule"]
        assert model["width_multiplier"]["value"] == round(1.1 ** phi["value"], 4)
        assert model["depth_multiplier"]["value"] == round(1.2 ** phi["value"], 4)
        phis.append(phi["value"])
    assert 0 < phis[0] < phis[1]


@pytest.mark.parametrize(
    "quote, tied",
    [
        ("We use untied embedding and unembedding matrices.", False),
        ("the output layer uses weight tying with the input embedding", True),
    ],
)
def test_the_paper_s_word_on_tied_embeddings_is_followed(workspace, quote, tied):
    spec = family_spec("transformer_decoder", num_layers=2, d_model=64, vocab_size=1000)
    base, model = scaffold(workspace, spec, "tie-default")
    assert model["tie_embeddings"]["value"] is True and model["tie_embeddings"]["source"] == "default"
    spec["hyperparameters"]["vocab_size"]["quote"] = quote
    result, model = scaffold(workspace, spec, f"tie-{tied}")
    assert model["tie_embeddings"]["value"] is tied and model["tie_embeddings"]["source"] == "inferred"
    assert quote.split()[2] in model["tie_embeddings"]["rule"] or "tying" in model["tie_embeddings"]["rule"]
    # an untied output projection is one more vocab x d_model matrix (the decoder's head has no bias)
    assert result["params_full"] - base["params_full"] == (0 if tied else 1000 * 64)
