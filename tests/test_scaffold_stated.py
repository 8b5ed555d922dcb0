"""Every stated value reaches the model, for the families that were fixed tables (AlexNet, LeNet, YOLO,
GAN): scaffold the paper's spec, change one stated value, and check that the model (its parameter count,
counted in the sandbox, and the shape of the layer the value belongs to) changes exactly as it should.
The published layout stays only as labelled defaults for what the paper leaves unsaid."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from test_scaffold_support import family_spec, gt_entries, gt_spec, load_model_module


def scaffold(workspace, spec: dict, name: str, variant: str | None = None) -> tuple[dict, dict, object]:
    (workspace.root / f"{name}.json").write_text(json.dumps(spec))
    args = {"spec": f"{name}.json", "output": name} | ({"variant": variant} if variant else {})
    result = registry.call("scaffold-model", args, ToolContext(workspace))
    config = json.loads((workspace.root / name / "config.json").read_text())
    module = load_model_module(workspace.root / name / "model.py")
    with torch.device("meta"):  # the full configuration, shapes only
        net = module.Model(module.ModelConfig())
    return result, config["model"], net


def state(spec: dict, key: str, value, quote: str | None = None) -> dict:
    spec = copy.deepcopy(spec)
    spec["hyperparameters"][key] = {
        "value": value,
        "page": 3,
        "quote": quote or f"{key} {value}",
        "source": "paper",
    }
    return spec


def convs(net) -> list[torch.nn.Conv2d]:
    return [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]


def linears(net) -> list[torch.nn.Linear]:
    return [m for m in net.modules() if isinstance(m, torch.nn.Linear)]


def conv_params(cin, cout, k, groups=1):
    return cout * (cin // groups) * k * k + cout


def alexnet_params(widths, kernels, fcs, classes=1000, groups=2, cin=3):
    total = 0
    for i, (w, k) in enumerate(zip(widths, kernels, strict=True)):
        g = groups if (i == 1 or i >= 3) and cin % groups == 0 and w % groups == 0 else 1
        total += conv_params(cin, w, k, g)
        cin = w
    cin = cin * 36
    for f in [*fcs, classes]:
        total += cin * f + f
        cin = f
    return total


# ------------------------------------------------------------------------------------ AlexNet
@pytest.fixture
def alexnet(shared_dir):
    return gt_spec(gt_entries(shared_dir)["alexnet"])


def test_alexnet_published_layout_is_a_labelled_default(workspace, alexnet):
    result, model, net = scaffold(workspace, alexnet, "alex")
    assert result["params_full"] == alexnet_params([96, 256, 384, 384, 256], [11, 5, 3, 3, 3], [4096, 4096])
    for key in ("widths", "kernel_sizes", "strides", "fc_widths", "groups"):
        assert model[key]["source"] == "default", key
    assert model["conv_layers"]["rule"] == "the num_layers quote names 5 convolutional layers"
    assert model["conv_layers"]["value"] == 5 and model["fc_widths"]["value"] == [4096, 4096]
    readme = (workspace.root / "alex" / "README.md").read_text()
    assert "widths" in readme and "published layout" in readme


def test_alexnet_reads_a_stated_first_layer_width_and_kernel(workspace, alexnet):
    spec = state(alexnet, "d_model", 48, "The first convolutional layer filters the input with 48 kernels")
    spec = state(spec, "kernel_size", 7, "The first convolutional layer uses kernels of size 7x7x3")
    result, model, net = scaffold(workspace, spec, "alex-w")
    assert model["widths"]["value"] == [48, 128, 192, 192, 128]
    assert model["kernel_sizes"]["value"] == [7, 5, 3, 3, 3]  # the quote names the first layer only
    assert convs(net)[0].weight.shape == (48, 3, 7, 7)
    assert result["params_full"] == alexnet_params([48, 128, 192, 192, 128], [7, 5, 3, 3, 3], [4096, 4096])


def test_alexnet_reads_the_layer_split_fc_width_groups_and_per_layer_lists(workspace, alexnet):
    spec = state(
        alexnet,
        "num_layers",
        7,
        "the net contains seven layers with weights; the first four are convolutional and the remaining "
        "three are fully-connected.",
    )
    spec = state(spec, "d_ff", 2048)
    spec = state(spec, "groups", 1)
    spec = state(spec, "kernel_size", [9, 5, 3, 3])
    spec = state(spec, "d_model", [64, 192, 256, 256])
    result, model, net = scaffold(workspace, spec, "alex-split")
    assert model["conv_layers"]["value"] == 4 and len(convs(net)) == 4
    assert model["fc_widths"]["value"] == [2048, 2048]
    assert [c.groups for c in convs(net)] == [1, 1, 1, 1]
    assert convs(net)[0].weight.shape == (64, 3, 9, 9)
    assert linears(net)[0].weight.shape == (2048, 256 * 36)
    want = alexnet_params([64, 192, 256, 256], [9, 5, 3, 3], [2048, 2048], groups=1)
    assert result["params_full"] == want


def test_alexnet_width_multiplier_scales_every_convolution(workspace, alexnet):
    result, model, net = scaffold(workspace, state(alexnet, "width_multiplier", 0.5), "alex-half")
    assert [c.out_channels for c in convs(net)] == [48, 128, 192, 192, 128]


# ------------------------------------------------------------------------------------ LeNet
@pytest.fixture
def lenet(shared_dir):
    return gt_spec(gt_entries(shared_dir)["lenet"])


def test_lenet_reads_widths_hidden_units_kernel_and_input_size(workspace, lenet):
    base, model, net = scaffold(workspace, lenet, "lenet")
    assert model["widths"]["source"] == "default" and model["c3_table"]["value"] is True
    assert model["fc_widths"]["value"] == [84]
    spec = state(lenet, "d_model", [8, 20, 100])
    spec = state(spec, "d_ff", 50)
    spec = state(spec, "kernel_size", 3)
    spec = state(spec, "image_size", 28)
    result, model, net = scaffold(workspace, spec, "lenet-w")
    assert model["c3_table"]["value"] is False  # the published table is defined for 6 -> 16 maps only
    c1, c3s, c5 = convs(net)[0], convs(net)[1:-1], convs(net)[-1]
    assert c1.weight.shape == (8, 1, 3, 3) and len(c3s) == 20 and c5.weight.shape == (100, 20, 3, 3)
    side = ((28 - 2) // 2 - 2) // 2 - 2  # C5's output side on 28x28 inputs with 3x3 kernels
    assert linears(net)[0].weight.shape == (50, 100 * side * side)
    subsampling = 2 * (8 + 20)
    want = (
        conv_params(1, 8, 3)
        + 20 * conv_params(8, 1, 3)
        + conv_params(20, 100, 3)
        + subsampling
        + 100 * side * side * 50
        + 50
        + 50 * 10
        + 10
    )
    assert result["params_full"] == want != base["params_full"]


def test_lenet_num_layers_gives_the_hidden_layers(workspace, lenet):
    spec = state(lenet, "num_layers", 8, "comprises eight layers, not counting the input")
    _, model, net = scaffold(workspace, spec, "lenet-8")
    assert model["fc_widths"]["value"] == [84, 84] and len(linears(net)) == 3


# ------------------------------------------------------------------------------------ YOLO
@pytest.fixture
def yolo(shared_dir):
    return gt_spec(gt_entries(shared_dir)["yolo"])


def test_yolo_reads_the_stated_conv_count_kernel_widths_and_fc(workspace, yolo):
    base, model, net = scaffold(workspace, yolo, "yolo")
    assert model["conv_layers"]["value"] == 24 and len(convs(net)) == 24
    assert "24 convolutional" in model["conv_layers"]["rule"]
    spec = state(
        yolo, "num_layers", 11, "Fast YOLO uses 9 convolutional layers followed by 2 fully connected layers"
    )
    spec = state(spec, "kernel_size", 5)
    spec = state(spec, "width_multiplier", 0.5)
    spec = state(spec, "d_ff", 512)
    result, model, net = scaffold(workspace, spec, "yolo-fast")
    layers = [c for c in convs(net)]
    assert len(layers) == 9 and model["conv_layers"]["value"] == 9
    assert layers[0].kernel_size == (7, 7) and layers[0].out_channels == 32  # the stem keeps its 7x7
    assert {c.kernel_size for c in layers[1:]} <= {(5, 5), (1, 1)} and (1, 1) in {
        c.kernel_size for c in layers
    }
    assert linears(net)[0].out_features == 512 and len(linears(net)) == 2
    assert result["params_full"] < base["params_full"]


# ------------------------------------------------------------------------------------ GAN
@pytest.fixture
def gan(shared_dir):
    return gt_spec(gt_entries(shared_dir)["gan"])


def test_gan_reads_hidden_sizes_latent_size_and_each_sub_network_activation(workspace, gan):
    _, model, net = scaffold(workspace, gan, "gan")
    assert model["g_activation"]["source"] == "paper"  # from the generator variant's own fact
    assert model["d_activation"]["value"] == "maxout" and model["d_activation"]["source"] == "paper"
    assert model["g_hidden"]["value"] == [1200, 1200] and model["g_hidden"]["source"] == "default"
    spec = state(gan, "d_model", 512)
    spec = state(spec, "num_layers", 3)
    spec = state(spec, "latent_dim", 64)
    spec["variants"]["discriminator"]["activation"]["value"] = "leaky_relu"
    result, model, net = scaffold(workspace, spec, "gan-w")
    g = linears(net.generator)
    assert [m.out_features for m in g] == [512, 512, 512, 28 * 28] and g[0].in_features == 64
    d = linears(net.discriminator)
    assert [m.out_features for m in d] == [512, 512, 512, 1]  # plain units: no maxout pieces
    want_g = 64 * 512 + 512 + 2 * (512 * 512 + 512) + 512 * 784 + 784
    want_d = 784 * 512 + 512 + 2 * (512 * 512 + 512) + 512 + 1
    assert result["params_full"] == want_g + want_d


def test_a_family_spec_without_the_paper_still_builds_every_changed_family(workspace):
    for family in ("alexnet", "lenet", "yolo", "gan"):
        result, model, _ = scaffold(workspace, family_spec(family), f"bare-{family}")
        assert result["params_full"] > 0


# ------------------------------------------------------------------------------ other families' knobs
@pytest.mark.parametrize(
    "family,base,key,value,field",
    [
        ("vgg", {"num_layers": 11}, "d_ff", 1024, "fc_widths"),
        ("vgg", {"num_layers": 11}, "kernel_size", 5, "kernel_size"),
        ("vgg", {"num_layers": 11}, "width_multiplier", 0.5, "width_multiplier"),
        ("vgg", {"num_layers": 11}, "num_layers", 9, "layers"),
        ("resnet", {"num_layers": 50}, "d_model", [128, 256, 512, 1024], "widths"),
        ("resnet", {"num_layers": 18}, "d_model", 32, "widths"),
        ("densenet", {"num_layers": 40}, "compression", 1.0, "compression"),
        ("densenet", {"num_layers": 40}, "bn_size", 2, "bn_size"),
        ("googlenet", {}, "width_multiplier", 0.5, "width"),
        ("swin", {}, "window_size", 8, "window_size"),
        ("unet", {}, "d_model", [32, 64, 128], "widths"),
        ("mlp_mixer", {"num_layers": 2}, "d_token", 64, "d_token"),
        ("efficientnet", {}, "depth_multiplier", 2.0, "depth_multiplier"),
    ],
)
def test_a_stated_knob_changes_the_model(workspace, family, base, key, value, field):
    before, _, _ = scaffold(workspace, family_spec(family, **base), f"{family}-{key}-base")
    after, model, _ = scaffold(workspace, family_spec(family, **{**base, key: value}), f"{family}-{key}")
    assert model[field]["source"] in ("paper", "inferred")
    assert str(value) in json.dumps(model[field]) or model[field]["source"] == "paper"
    assert after["params_full"] != before["params_full"]


def test_resnet_stated_stage_widths_are_output_widths_of_bottlenecks(workspace):
    result, model, _ = scaffold(
        workspace, family_spec("resnet", num_layers=50, d_model=[256, 512, 1024, 2048]), "r50-stated"
    )
    assert (
        model["widths"]["value"] == [64, 128, 256, 512]
        and "bottleneck expansion 4" in model["widths"]["rule"]
    )
    assert result["params_full"] == 25_557_032  # torchvision's ResNet-50: the stated widths are its own


def test_layout_choice_comes_from_the_blocks_not_the_title(workspace):
    spec = family_spec("googlenet", title="Batch Normalization: Accelerating Deep Network Training")
    _, model, _ = scaffold(workspace, spec, "inc-title")
    assert model["layout"]["value"] == "v1"  # a title's words say nothing about the layout
    spec["family"]["evidence"] = [
        {"page": 2, "quote": "the 5x5 convolutional layers are replaced by two 3x3 layers"}
    ]
    _, model, _ = scaffold(workspace, spec, "inc-evidence")
    assert model["layout"]["value"] == "bn_inception"
    stated = family_spec("googlenet", title="Going deeper", norm="batchnorm")
    _, model, _ = scaffold(workspace, stated, "inc-stated")
    assert model["layout"]["value"] == "bn_inception" and model["norm"]["value"] == "batchnorm"
    mobile = family_spec("mobilenet", title="Faster than EfficientNet on phones")
    _, model, _ = scaffold(workspace, mobile, "mb-title")
    assert model["version"]["value"] == "v1"
    mobile["family"]["evidence"] = [
        {"page": 1, "quote": "a compound coefficient scales depth, width and resolution"}
    ]
    _, model, _ = scaffold(workspace, mobile, "mb-compound")
    assert model["version"]["value"] == "efficientnet"


def test_a_variant_named_after_shufflenet_gets_shuffle_units_with_its_groups(workspace):
    spec = family_spec("resnet", groups=8)
    spec["variants"] = {
        "SE-ShuffleNet": {"width_multiplier": {"value": 1.0, "page": 1, "quote": "1x", "source": "paper"}}
    }
    spec["family"]["evidence"] = [{"page": 1, "quote": "squeeze-and-excitation blocks"}]
    result, model, net = scaffold(workspace, spec, "se-shuffle", "SE-ShuffleNet")
    assert result["family"] == "shufflenet" and model["widths"]["value"] == [384, 768, 1536]  # Table 1, g = 8
    assert model["se_reduction"]["value"] == 16
    grouped = [
        m
        for m in net.modules()
        if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (1, 1) and m.groups > 1
    ]
    assert grouped and {m.groups for m in grouped} == {8}


def test_a_deeper_stated_yolo_repeats_reduction_pairs_not_one_wide_layer(workspace, yolo):
    spec = state(
        yolo, "num_layers", 30, "Our network has 28 convolutional layers followed by 2 fully connected layers"
    )
    _, model, net = scaffold(workspace, spec, "yolo-deep")
    layers = convs(net)
    assert len(layers) == 28
    kinds = [c.kernel_size for c in layers]
    assert (
        kinds.count((1, 1))
        == [c.kernel_size for c in convs(scaffold(workspace, yolo, "y24")[2])].count((1, 1)) + 2
    )
    assert "repeated in turn" in model["layers"]["rule"]


def test_a_stated_value_the_family_cannot_use_is_said_not_dropped(workspace, alexnet):
    result, _, _ = scaffold(workspace, state(alexnet, "num_heads", 8), "alex-heads")
    said = [g for g in result["unexpressed"] if g.startswith("num_heads = 8")]
    assert said and "not read" in said[0], result["unexpressed"]
    readme = (workspace.root / "alex-heads" / "README.md").read_text()
    assert "num_heads = 8" in readme
    result, _, _ = scaffold(workspace, alexnet, "alex-plain")
    assert not [g for g in result["unexpressed"] if "no such knob" in g]  # AlexNet reads all it states
