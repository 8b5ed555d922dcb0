"""scaffold-model as a tool: inputs, outputs, provenance, safety of what it writes."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext
from test_scaffold_support import family_spec, gt_entries, gt_spec

GENERATED = ("model.py", "train.py", "data.py", "config.json", "README.md", "mlintern.json")


def scaffold(workspace, spec: dict, output: str = "proj", **args) -> dict:
    (workspace.root / "spec.json").write_text(json.dumps(spec))
    tool = registry.get("scaffold-model")
    result = registry.call(
        "scaffold-model", {"spec": "spec.json", "output": output, **args}, ToolContext(workspace)
    )
    registry.validate_output(tool, result)
    return result


def test_registry_entry_and_cli_shape():
    tool = registry.get("scaffold-model")
    assert tool.cli_positional == ("spec",)
    assert tool.cli_short == {"output": "-o"}
    assert tool.lsp_command == "mlintern.scaffoldModel"
    assert tool.input_schema["additionalProperties"] is False
    assert tool.input_schema["properties"]["overwrite"]["default"] is False


def test_transformer_project_cites_every_value(workspace, shared_dir):
    result = scaffold(workspace, gt_spec(gt_entries(shared_dir)["transformer"]), variant="big")
    project = workspace.root / "proj"
    assert sorted(result["files"]) == sorted(GENERATED)
    assert result["family"] == "transformer_seq2seq" and result["variant"] == "big"
    config = json.loads((project / "config.json").read_text())
    assert set(config) == {"paper", "variant", "model", "train", "pilot"}
    for part in ("model", "train"):
        for key, fact in config[part].items():
            if fact["source"] == "default":
                assert fact["reason"], key
            elif fact["source"] == "inferred":
                assert fact["rule"], key
            else:
                assert fact["page"] and fact["quote"], key
    # The big variant overrides the paper-wide values; unstated ones say so.
    assert config["model"]["d_model"] == {
        **config["model"]["d_model"],
        "value": 1024,
        "source": "paper",
        "page": 9,
    }
    assert config["model"]["num_encoder_layers"]["value"] == 6
    assert config["train"]["label_smoothing"]["value"] == 0.1
    assert config["train"]["weight_decay"]["source"] == "default"
    # The pilot is the same architecture, smaller.
    assert config["pilot"]["model"]["d_model"] < 1024
    meta = json.loads((project / "mlintern.json").read_text())
    assert meta["params_full"] == result["params_full"] > meta["params_pilot"] == result["params_pilot"]
    assert meta["params_paper"] == 213_000_000 and abs(meta["params_delta"]) < 0.03
    assert len(meta["spec_digest"]) == 64 and set(meta["files"]) == set(GENERATED) - {"mlintern.json"}
    model_py = (project / "model.py").read_text()
    assert 'p.9: "big 6 1024 4096 16 0.3 300K 4.33 26.4 213"' in model_py  # the quote sits above the value
    assert "# mlintern" in model_py and len(model_py.splitlines()) < 350
    readme = (project / "README.md").read_text()
    assert "| `d_model` | `1024` | paper | 9 |" in readme and "## Assumptions" in readme
    assert any(a.startswith("weight_decay = 0.0") for a in result["assumptions"])


def test_off_count_reports_likely_cause(workspace, shared_dir):
    result = scaffold(workspace, gt_spec(gt_entries(shared_dir)["batchnorm"]), variant="Inception")
    meta = json.loads((workspace.root / "proj" / "mlintern.json").read_text())
    assert result["params_delta"] < -0.03
    assert "Likely cause" in meta["params_note"] and "not adjusted" in meta["params_note"]
    assert meta["params_note"] in (workspace.root / "proj" / "README.md").read_text()


def test_target_vocabulary_read_from_the_quote(workspace, shared_dir):
    scaffold(workspace, gt_spec(gt_entries(shared_dir)["seq2seq"]))
    model = json.loads((workspace.root / "proj" / "config.json").read_text())["model"]
    assert model["vocab_size"]["value"] == 160_000
    assert model["tgt_vocab_size"]["value"] == 80_000 and model["tgt_vocab_size"]["source"] == "inferred"


def test_unknown_family_gets_a_labelled_baseline(workspace):
    result = scaffold(workspace, family_spec("word2vec", title="Some embedding paper"))
    assert "MLP BASELINE" in result["summary"]
    assert "MLP BASELINE" in (workspace.root / "proj" / "model.py").read_text()
    assert "MLP BASELINE" in (workspace.root / "proj" / "README.md").read_text()


def test_quotes_cannot_inject_code(workspace):
    evil = 'x"""\nimport os; os.system("echo pwned")\n"""'
    spec = family_spec("mlp", title=evil, d_model=32)
    spec["hyperparameters"]["d_model"]["quote"] = "fine\nimport os\nos.system('echo pwned')  # \\"
    scaffold(workspace, spec)
    for name in ("model.py", "train.py", "data.py"):
        tree = ast.parse((workspace.root / "proj" / name).read_text())
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        assert "os" not in imported or name in ("train.py", "data.py"), name  # they read the environment
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "system"
        ]
        assert not calls, name


def test_user_edits_are_never_clobbered(workspace, shared_dir):
    spec = gt_spec(gt_entries(shared_dir)["lenet"])
    scaffold(workspace, spec)
    scaffold(workspace, spec)  # unchanged files may be regenerated freely
    model_py = workspace.root / "proj" / "model.py"
    model_py.write_text(model_py.read_text() + "\n# my change\n")
    with pytest.raises(ToolError) as err:
        scaffold(workspace, spec)
    assert err.value.code == "would_overwrite" and "model.py" in err.value.message and err.value.hint
    assert model_py.read_text().endswith("# my change\n")
    scaffold(workspace, spec, overwrite=True)
    assert (workspace.root / "proj" / "model.py.bak").read_text().endswith("# my change\n")
    assert not model_py.read_text().endswith("# my change\n")


def test_foreign_files_with_generated_names_are_kept(workspace):
    (workspace.root / "proj").mkdir()
    (workspace.root / "proj" / "train.py").write_text("print('mine')\n")
    with pytest.raises(ToolError, match="train.py"):
        scaffold(workspace, family_spec("mlp"))
    assert (workspace.root / "proj" / "train.py").read_text() == "print('mine')\n"


@pytest.mark.parametrize(
    "content, match",
    [
        ("{not json", "Cannot read the spec"),
        ('{"title": "no family"}', "not a PaperSpec"),
        ('{"family": {"value": "mlp"}, "hyperparameters": {"d_model": 5}}', "not a fact object"),
    ],
)
def test_bad_specs_get_clear_errors(workspace, content, match):
    (workspace.root / "spec.json").write_text(content)
    with pytest.raises(ToolError, match=match) as err:
        registry.call("scaffold-model", {"spec": "spec.json", "output": "p"}, ToolContext(workspace))
    assert err.value.hint
    assert not (workspace.root / "p").exists()


def test_missing_spec_unknown_variant_and_escaping_output(workspace, shared_dir):
    ctx = ToolContext(workspace)
    with pytest.raises(ToolError, match="No spec") as err:
        registry.call("scaffold-model", {"spec": "nope.json", "output": "p"}, ctx)
    assert err.value.code == "not_found"
    (workspace.root / "spec.json").write_text(json.dumps(gt_spec(gt_entries(shared_dir)["vit"])))
    with pytest.raises(ToolError, match="no variant 'giant'") as err:
        registry.call("scaffold-model", {"spec": "spec.json", "output": "p", "variant": "giant"}, ctx)
    assert "base, large, huge" in err.value.hint
    with pytest.raises(ToolError) as err:
        registry.call("scaffold-model", {"spec": "spec.json", "output": "../outside"}, ctx)
    assert err.value.code == "path_outside_workspace"


@pytest.mark.parametrize(
    "family, values, code",
    [
        ("transformer_decoder", {"d_model": 100, "num_heads": 7}, "inconsistent_spec"),
        ("vit", {"image_size": 100, "patch_size": 16}, "model_build_failed"),
    ],
)
def test_inconsistent_architecture_is_a_tool_error(workspace, family, values, code):
    with pytest.raises(ToolError) as err:
        scaffold(workspace, family_spec(family, **values))
    assert err.value.code == code and err.value.hint
    assert not (workspace.root / "proj").exists()


def test_workspace_paper_id_is_accepted(workspace):
    (workspace.root / "spec.json").write_text(json.dumps(family_spec("mlp")))
    workspace.record_paper("abc123", spec_path=str(workspace.root / "spec.json"), title="t")
    result = registry.call("scaffold-model", {"spec": "abc123", "output": "p"}, ToolContext(workspace))
    assert result["family"] == "mlp"


def test_pilot_size_and_launcher(workspace):
    scaffold(workspace, family_spec("mlp"), pilot_size="small", launcher="slurm")
    config = json.loads((workspace.root / "proj" / "config.json").read_text())
    assert config["pilot"]["train"]["train_steps"] == 160  # 4 x the tiny pilot
    readme = (workspace.root / "proj" / "README.md").read_text()
    assert "sbatch" in readme and "torchrun" in readme


def test_pdf_is_parsed_first(workspace, shared_dir):
    pdf = workspace.root / "transformer.pdf"
    pdf.write_bytes((shared_dir / "papers" / "transformer.pdf").read_bytes())
    result = registry.call(
        "scaffold-model", {"spec": "transformer.pdf", "output": "t", "variant": "big"}, ToolContext(workspace)
    )
    assert result["family"] == "transformer_seq2seq"
    assert result["params_paper"] == 213_000_000 and abs(result["params_delta"]) < 0.03
    meta = json.loads((workspace.root / "t" / "mlintern.json").read_text())
    assert meta["spec_source"].endswith("spec.json")


def test_cli(tmp_path):
    (tmp_path / "spec.json").write_text(json.dumps(family_spec("mlp", num_layers=1)))
    proc = subprocess.run(
        [sys.executable, "-m", "mlintern.server.cli", "scaffold-model", "spec.json", "-o", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Scaffolded mlp" in proc.stdout
    assert (tmp_path / "out" / "model.py").exists()
