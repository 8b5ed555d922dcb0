"""Helpers for the scaffold tests: PaperSpecs built from the hand-written ground truth.

Ground truth has the PaperSpec's fact shape, so a spec is that entry with
``source: paper`` on every fact; it stands in for parse-paper's output while
developing and in CI. Nothing here ships in the product.
"""

from __future__ import annotations

import json
from pathlib import Path


def _fact(f: dict) -> dict:
    return {"value": f["value"], "page": f.get("page"), "quote": f.get("quote"), "source": "paper"}


def gt_spec(entry: dict) -> dict:
    """One ground-truth paper entry as a PaperSpec."""
    fam = entry["family"]
    return {
        "title": entry["title"],
        "arxiv_id": entry.get("arxiv"),
        "family": {"value": fam["value"], "evidence": [{"page": fam.get("page"), "quote": fam.get("quote")}]},
        "hyperparameters": {k: _fact(v) for k, v in entry["hyperparameters"].items()},
        "variants": {n: {k: _fact(v) for k, v in facts.items()} for n, facts in entry["variants"].items()},
        "default_variant": entry.get("default_variant"),
        "settings": entry.get("settings") or {},
        "datasets": [],
    }


def gt_entries(shared: Path) -> dict[str, dict]:
    data = json.loads((shared / "papers" / "ground_truth.json").read_text())
    return {p["paper"]: p for p in data["papers"]}


def write_spec(entry: dict, path: Path) -> Path:
    path.write_text(json.dumps(gt_spec(entry)))
    return path


def reported_counts(shared: Path) -> list[tuple[str, str | None, int]]:
    """(paper, variant, reported num_params) for every count the development papers report."""
    rows = []
    for name, entry in gt_entries(shared).items():
        if "num_params" in entry["hyperparameters"]:
            rows.append((name, None, int(entry["hyperparameters"]["num_params"]["value"])))
        for variant, facts in entry["variants"].items():
            if "num_params" in facts:
                rows.append((name, variant, int(facts["num_params"]["value"])))
    return rows


def family_spec(family: str, title: str = "A test paper", **values) -> dict:
    """A minimal PaperSpec of ``family`` stating ``values`` (for families no development paper covers)."""
    return {
        "title": title,
        "family": {"value": family, "evidence": []},
        "hyperparameters": {
            k: {"value": v, "page": 1, "quote": f"{k} = {v}", "source": "paper"} for k, v in values.items()
        },
        "variants": {},
        "default_variant": None,
    }


# One spec per template path: (name, spec or ground-truth (paper, variant)).
FAMILY_CASES = {
    "transformer_decoder": ("gt", "gpt1", None),
    "llama_style_decoder": ("gt", "llama", "7B"),
    "transformer_seq2seq": ("gt", "transformer", "base"),
    "transformer_encoder": ("spec", family_spec("transformer_encoder", num_layers=12)),
    "vit": ("gt", "vit", "base"),
    "swin": ("spec", family_spec("swin", title="Swin Transformer")),
    "resnet_basic_cifar": ("gt", "resnet", "cifar10_resnet110"),
    "resnet_bottleneck": ("gt", "resnet", "resnet50"),
    "vgg": ("spec", family_spec("vgg", num_layers=16)),
    "alexnet": ("gt", "alexnet", None),
    "lenet": ("gt", "lenet", None),
    "googlenet_bn": ("gt", "batchnorm", None),
    "googlenet_v1": ("spec", family_spec("googlenet", title="Going deeper with convolutions")),
    "mobilenet_v1": ("spec", family_spec("mobilenet", title="MobileNets: Efficient CNNs for Mobile Vision")),
    "mobilenet_v2": ("gt", "mobilenetv2", None),
    "efficientnet": ("spec", family_spec("efficientnet", title="EfficientNet: Rethinking Model Scaling")),
    "densenet": ("gt", "densenet", "cifar_densenet_bc_l250_k24"),
    "convnext": ("gt", "convnext", "T"),
    "unet": ("spec", family_spec("unet", title="U-Net")),
    "rnn_seq2seq": ("gt", "seq2seq", None),
    "mlp": ("spec", family_spec("mlp", num_layers=2)),
    "mlp_mixer": ("spec", family_spec("mlp_mixer", num_layers=8)),
    "gan": ("gt", "gan", None),
    "vae": ("spec", family_spec("vae", title="Auto-Encoding Variational Bayes")),
    "yolo": ("gt", "yolo", None),
    "other": ("spec", family_spec("word2vec", title="Efficient Estimation of Word Representations")),
    # block compositions added for architectures beyond the first templates
    "repvgg_grouped": ("gt", "repvgg", "B1g2"),
    "convnext_v2_one_width": ("gt", "convnextv2", "A"),
    "maxvit": ("gt", "maxvit", "T"),
    "retnet": ("gt", "retnet", "1.3B"),
    "rwkv": ("gt", "rwkv", "169M"),
    "gmlp": ("gt", "gmlp", "Ti"),
    "se_resnext": ("gt", "senet", "SE-ResNeXt-50"),
    "se_mobilenet": ("gt", "senet", "SE-MobileNet"),
    "se_shufflenet": ("gt", "senet", "SE-ShuffleNet"),
    "decoder_from_count": ("gt", "codex", "12M"),
    "csp_grouped": ("gt", "cspnet", "CSPResNeXt-50"),
    "csp_dense": ("gt", "cspnet", "CSPPeleeNet"),
    # found on architectures nobody had tuned on (bench/data/unseen_architectures.json)
    "wide_resnet_cifar": (
        "spec",
        family_spec(
            "resnet", image_size=32, num_classes=10, d_model=[16, 32, 64], num_layers=16, width_multiplier=2
        ),
    ),
    "resnext_cifar": (
        "spec",
        family_spec(
            "resnet", image_size=32, num_classes=10, d_model=[256, 512, 1024], num_layers=29, cardinality=8
        ),
    ),
}


def case_spec(case: tuple, shared: Path | None) -> tuple[dict, str | None]:
    """The spec and variant of a FAMILY_CASES entry."""
    if case[0] == "spec":
        return case[1], None
    return gt_spec(gt_entries(shared)[case[1]]), case[2]


def load_model_module(path: Path):
    """Import a generated model.py in the test process, under a private name (tests only: the server
    itself never runs generated code outside the sandbox)."""
    import hashlib
    import importlib.util
    import sys

    name = f"_mlintern_model_{hashlib.sha1(str(path).encode()).hexdigest()[:10]}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        module_spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module
