"""export-model: safetensors + config.json + model card from a real run; loads back with plain torch."""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace

TINY = Path(__file__).parent / "test_data" / "training" / "tiny"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real pilot run shared by the tests of this module (export does not change the run)."""
    root = tmp_path_factory.mktemp("export") / "ws"
    root.mkdir()
    shutil.copytree(TINY, root / "proj")
    ws = Workspace(root)
    run = registry.call("run-training", {"project": "proj", "pilot": True, "wait": True}, ToolContext(ws))
    assert run["state"] == "succeeded", run["summary"]
    return ws, run


def export(ws: Workspace, **arguments) -> dict:
    result = registry.call("export-model", arguments, ToolContext(ws))
    registry.validate_output(registry.get("export-model"), result)
    return result


def test_export_round_trips_through_plain_torch_and_safetensors(trained):
    import torch
    from safetensors.torch import load_file

    ws, run = trained
    result = export(ws, run_id=run["run_id"])
    out = Path(result["export_dir"])
    assert out == ws.root / "proj" / "export"
    assert set(result["files"]) == {"model.safetensors", "config.json", "README.md", "model.py"}

    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "mlintern-mlp" and config["architectures"] == ["TinyMLP"]
    assert config["mlintern"]["config_class"] == "TinyConfig" and config["mlintern"]["step"] == 20

    sys.path.insert(0, str(out))  # the exported folder loads on its own
    try:
        sys.modules.pop("model", None)  # never another test's `model` module: this folder's own
        import model as exported_model
    finally:
        sys.path.remove(str(out))
        sys.modules.pop("model", None)
    args = {k: config[k] for k in config["mlintern"]["model_args"]}
    net = exported_model.TinyMLP(exported_model.TinyConfig(**args))
    net.load_state_dict(load_file(out / "model.safetensors"), strict=True)
    ckpt = torch.load(Path(run["out_dir"]) / "ckpt.pt", weights_only=True)
    x = torch.randn(4, args["d_in"])
    reference = exported_model.TinyMLP(exported_model.TinyConfig(**args))
    reference.load_state_dict(ckpt["model"])
    assert torch.equal(net(x), reference(x))
    assert result["num_params"] == sum(p.numel() for p in net.parameters())


def test_model_card_tells_paper_provenance_data_metrics_and_limits(trained):
    ws, run = trained
    result = export(ws)
    card = (Path(result["export_dir"]) / "README.md").read_text()
    assert "# A Tiny Test MLP" in card and "https://arxiv.org/abs/2401.00001" in card
    assert "Trained on an offline stand-in, not the paper's data" in card  # the run announced it
    assert result["offline_standin"] is True
    assert "| learning_rate | `0.003` | paper | 4 | learning rate of 3e-3 |" in card
    assert '| optimizer | `"adamw"` | default |' in card
    assert "Values the paper does not state were assumed: d_model, optimizer." in card
    assert "A pilot run" in card and "last logged" in card


def test_push_without_a_token_sends_nothing(trained, monkeypatch, tmp_path):
    ws, _ = trained
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # no cached login either
    with pytest.raises(ToolError) as err:
        export(ws, push_to_hub="someone/tiny-mlp")
    assert "nothing was sent" in err.value.message and err.value.code == "hub_unavailable"


def test_a_checkpoint_that_runs_code_is_refused(trained, tmp_path):
    ws, _ = trained
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    evil = ws.root / "proj" / "evil.pt"
    evil.write_bytes(pickle.dumps({"model": Evil()}))
    with pytest.raises(ToolError) as err:
        export(ws, checkpoint="proj/evil.pt")
    assert err.value.code == "unsafe_checkpoint"
    assert not marker.exists()


def test_a_run_without_checkpoint_is_a_clear_error(trained):
    ws, run = trained
    with pytest.raises(ToolError) as err:
        export(ws, checkpoint="proj/missing.pt")
    assert err.value.code == "not_found"
