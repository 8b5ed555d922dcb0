"""A known family whose template does not express what the spec states: the LLM path extends the template
(real anthropic SDK against the scripted Messages API), verification still gates acceptance, and the offline
brain keeps the template and says exactly which stated facts it does not express."""

from __future__ import annotations

import json

from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from test_scaffold_llm import CORRECT, PAPER_COUNT, WRONG_SIZE, api, brain, prompt_of
from test_scaffold_support import family_spec

SE_QUOTE = "each hidden layer is followed by a squeeze-and-excitation block that rescales its units"


def mlp_with_gaps() -> dict:
    """An MLP paper (a known family) that names a block the MLP template lacks, states a kernel size the
    template has no field for, and states a count the template misses."""
    spec = family_spec(
        "mlp", title="Gated perceptrons", num_params=PAPER_COUNT, num_classes=10, kernel_size=3
    )
    spec["family"]["evidence"] = [{"page": 2, "quote": SE_QUOTE}]
    return spec


def scaffold(workspace, spec: dict, script=None) -> tuple[dict, list[dict]]:
    (workspace.root / "spec.json").write_text(json.dumps(spec))
    requests: list[dict] = []
    if script is None:  # the offline brain
        return registry.call(
            "scaffold-model", {"spec": "spec.json", "output": "proj"}, ToolContext(workspace)
        ), []

    def recorded(req, n):
        requests.append(req)
        return script(req, n)

    with api.MessagesAPI(recorded) as server:
        ctx = ToolContext(workspace, brain=brain(server))
        result = registry.call("scaffold-model", {"spec": "spec.json", "output": "proj"}, ctx)
    return result, requests


def test_offline_brain_keeps_the_template_and_names_what_it_does_not_express(workspace):
    result, _ = scaffold(workspace, mlp_with_gaps())

    gaps = result["unexpressed"]
    assert len(gaps) == 3, gaps
    se, kernel, count = gaps
    assert (
        se.startswith("squeeze-and-excitation (p.2:") and SE_QUOTE[:40] in se and "mlp template has no" in se
    )
    assert kernel == 'kernel_size = 3 (p.1: "kernel_size = 3"): model.py has no convolution at all'
    assert count.startswith("num_params = 250,000") and "669,706 (+167.9%)" in count
    assert (
        "does not express 3 stated fact(s)" in result["summary"]
        and "squeeze-and-excitation" in result["summary"]
    )

    model_py = (workspace.root / "proj" / "model.py").read_text()
    assert "language model" not in model_py.splitlines()[0]  # the template, untouched
    readme = (workspace.root / "proj" / "README.md").read_text()
    section = readme.split("## Stated facts the template does not express", 1)[1]
    assert "does NOT build these facts" in section and all(g[:60] in section for g in gaps)
    meta = json.loads((workspace.root / "proj" / "mlintern.json").read_text())
    assert meta["template"] == "mlp" and meta["unexpressed"] == gaps


def test_known_family_with_a_missing_block_is_written_by_the_llm_and_still_verified(workspace):
    drafts = [WRONG_SIZE, CORRECT]
    result, requests = scaffold(
        workspace, mlp_with_gaps(), lambda req, n: api.text(f"```python\n{drafts[n]}```", n=n)
    )

    assert len(requests) == 2  # the wrong-sized draft was rejected by the count check, the second accepted
    first, second = (prompt_of(r) for r in requests)
    assert "Start from mlintern's mlp template" in first
    assert "- squeeze-and-excitation (p.2:" in first and "- kernel_size = 3" in first
    assert "- num_params = 250,000" in first
    assert "class Model(nn.Module)" in first.split("The template's model.py:", 1)[1]  # the template's source
    assert "502,410" in second and "+101.0%" in second

    model_py = (workspace.root / "proj" / "model.py").read_text()
    header = model_py.splitlines()[:7]
    assert header[0].startswith("# Written by a language model (anthropic)") and "draft 2" in header[0]
    assert "251,210 parameters (+0.5% vs the paper's 250,000)" in header[2]
    assert header[5].startswith("# Started from mlintern's mlp template, which does not express 3 stated")
    assert model_py.endswith(CORRECT)
    assert result["params_full"] == 251_210 and len(result["unexpressed"]) == 3
    assert json.loads((workspace.root / "proj" / "mlintern.json").read_text())["template"] == "llm"
    readme = (workspace.root / "proj" / "README.md").read_text()
    assert "MODEL WRITTEN BY A LANGUAGE MODEL" in readme and "mlp template does not express 3" in readme
    assert "the language model was asked to add them" in readme


def test_rejected_drafts_keep_the_known_template_not_the_mlp_baseline(workspace):
    result, requests = scaffold(
        workspace, mlp_with_gaps(), lambda req, n: api.text(f"```python\n{WRONG_SIZE}```", n=n)
    )
    assert len(requests) == 3
    note = next(a for a in result["assumptions"] if "no draft passed" in a)
    assert "so this is the mlp template" in note and "+101.0%" in note
    assert result["params_full"] == 669_706  # the template's own count
    assert "does NOT build these facts" in (workspace.root / "proj" / "README.md").read_text()


def test_a_template_that_expresses_the_spec_never_calls_the_brain(workspace):
    spec = family_spec("mlp", title="Perceptrons", num_classes=10, num_layers=2, d_model=512)

    def refuse(req, n):
        raise AssertionError("the brain must not be asked")

    result, requests = scaffold(workspace, spec, refuse)
    assert requests == [] and result["unexpressed"] == []
    assert (
        "Stated facts the template does not express"
        not in (workspace.root / "proj" / "README.md").read_text()
    )


def test_stated_values_the_template_builds_are_not_gaps_and_others_are(workspace):
    """A ResNet hard-codes ReLU, batch norm and 3x3 convolutions: stating them is no gap. A stated GELU, a
    per-stage list where the template takes one depth, and a named block it lacks are."""
    spec = family_spec(
        "resnet", num_layers=50, activation="relu", norm="batchnorm", kernel_size=3, dropout=0.0
    )
    assert scaffold(workspace, spec)[0]["unexpressed"] == []

    spec = family_spec("resnet", num_layers=[3, 4, 6, 3], activation="gelu", norm="batchnorm", kernel_size=3)
    spec["family"]["evidence"] = [
        {"page": 3, "quote": "we add global response normalization (GRN) to each block"}
    ]
    gaps = scaffold(workspace, spec)[0]["unexpressed"]
    assert any(g.startswith("global response normalisation (p.3:") for g in gaps), gaps
    assert 'activation = "gelu" (p.1: "activation = gelu"): model.py has no gelu activation' in gaps
    assert any(g.startswith("num_layers = [3, 4, 6, 3]") and "cannot take this form" in g for g in gaps), gaps
    assert len(gaps) == 3, gaps
