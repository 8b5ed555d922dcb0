"""The whole chain on a real paper: parse-paper -> scaffold-model -> run-training (sandboxed) -> export-model."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace


@pytest.mark.slow
@pytest.mark.needs_shared
def test_scaffolded_alexnet_pilot_trains_in_the_sandbox_and_exports(shared_dir, tmp_path):
    from safetensors.torch import load_file

    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(shared_dir / "papers" / "alexnet.pdf", root / "alexnet.pdf")
    ws = Workspace(root)
    ctx = ToolContext(ws)
    paper = registry.call("parse-paper", {"paper": "alexnet.pdf"}, ctx)
    registry.call("scaffold-model", {"spec": paper["paper_id"], "output": "alexnet"}, ctx)

    run = registry.call("run-training", {"project": "alexnet", "pilot": True, "wait": True}, ctx)
    assert run["state"] == "succeeded", "\n".join(run["log_tail"])
    assert run["step"] == run["total_steps"] and run["loss_plot"]

    exported = registry.call("export-model", {"run_id": run["run_id"]}, ctx)
    registry.validate_output(registry.get("export-model"), exported)
    out = Path(exported["export_dir"])
    card = (out / "README.md").read_text()
    assert "ImageNet Classification" in card and "Trained on an offline stand-in" in card
    assert "| paper | 4 |" in card  # provenance rows carry the paper's page

    config = json.loads((out / "config.json").read_text())
    sys.path.insert(0, str(out))
    try:
        sys.modules.pop("model", None)
        import model as exported_model
    finally:
        sys.path.remove(str(out))
        sys.modules.pop("model", None)
    meta = config["mlintern"]
    net = getattr(exported_model, meta["model_class"])(
        getattr(exported_model, meta["config_class"])(**{k: config[k] for k in meta["model_args"]})
    )
    net.load_state_dict(load_file(out / "model.safetensors"), strict=True)
