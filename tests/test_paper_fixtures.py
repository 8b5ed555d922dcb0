"""parse-paper on small PDFs generated here: each way of stating a value that the extractors handle."""

from __future__ import annotations

import json

import pytest
from mlintern.tools import registry
from mlintern.tools.errors import ToolError
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.paper.text import norm_quote
from mlintern.tools.registry import ToolContext
from test_paper_helpers import make_pdf, make_table_pdf, make_two_column_pdf, unicode_font

TRAINING_PAGE = [
    "5 Training",
    "",
    "We used the Adam optimizer with β1 = 0.9, β2 = 0.98 and ϵ = 10−9 for all runs.",
    "Each training batch contained approximately 25,000 source tokens and 25,000 target tokens.",
    "The learning rate is 8 · 10−4 and follows a cosine schedule after 4,000 warmup steps.",
    "We trained the models for a total of 100K steps on eight GPUs.",
    "The model has 3.4 million parameters. We do not use dropout in any layer.",
    "During training, we employed label smoothing of value ϵls = 0.1 on the targets.",
    "The encoder is composed of a stack of N = 6 identical layers.",
]
INTRO_PAGE = [
    "A Small Transformer for Translation",
    "",
    "Ada Lovelace, Alan Turing and Grace Hopper",
    "",
    "University of Nowhere",
    "",
    "Abstract",
    "",
    "We describe a small encoder-decoder Transformer for translation of sentences.",
    "",
    "1 Introduction",
    "",
    "Machine translation models are large; this one is not.",
]


def run(workspace, path, **kw) -> dict:
    ctx = ToolContext(workspace)
    result = parse_paper_tool(ctx, paper=str(path), **kw)
    registry.validate_output(registry.get("parse-paper"), result)
    validate_spec(result["spec"])
    return result


def page_texts(path) -> list[str]:
    import pymupdf

    with pymupdf.open(path) as doc:
        return [norm_quote(p.get_text()) for p in doc]


def assert_quotes_verbatim(spec: dict, path) -> None:
    pages = page_texts(path)
    facts = list(spec["hyperparameters"].values()) + [
        f for v in spec["variants"].values() for f in v.values()
    ]
    assert facts
    for fact in facts:
        assert norm_quote(fact["quote"]) in pages[fact["page"] - 1], fact


@pytest.fixture
def prose_paper(tmp_path):
    return make_pdf(tmp_path / "paper.pdf", [INTRO_PAGE, TRAINING_PAGE], font=unicode_font())


def test_prose_values_are_normalised_and_cite_their_page(workspace, prose_paper):
    spec = run(workspace, prose_paper)["spec"]
    hp = {k: f["value"] for k, f in spec["hyperparameters"].items()}
    assert hp["optimizer"] == "adam"
    assert hp["adam_beta1"] == 0.9 and hp["adam_beta2"] == 0.98 and hp["adam_eps"] == pytest.approx(1e-9)
    assert hp["batch_tokens"] == 25000
    assert hp["learning_rate"] == pytest.approx(8e-4)
    assert hp["lr_schedule"] == "cosine" and hp["warmup_steps"] == 4000
    assert hp["train_steps"] == 100000
    assert hp["num_params"] == 3400000
    assert hp["dropout"] == 0  # "do not use dropout" is a statement, not an absence
    assert hp["label_smoothing"] == 0.1
    assert hp["num_encoder_layers"] == 6
    assert all(f["page"] == 2 and f["source"] == "paper" for f in spec["hyperparameters"].values())
    assert_quotes_verbatim(spec, prose_paper)
    assert spec["family"]["value"] == "transformer_seq2seq" and spec["family"]["evidence"]
    assert "batch_size" not in spec["missing"]  # batch_tokens stands in for it
    assert "d_model" in spec["missing"]


def test_spec_is_stored_recorded_and_written_where_asked(workspace, prose_paper, tmp_path):
    result = run(workspace, prose_paper, output=str(tmp_path / "out" / "spec.json"))
    assert json.loads((tmp_path / "out" / "spec.json").read_text()) == result["spec"]
    stored = workspace.state_dir / "papers" / result["paper_id"] / "spec.json"
    assert json.loads(stored.read_text()) == result["spec"]
    (row,) = workspace.papers()
    assert row["id"] == result["paper_id"] and row["family"] == "transformer_seq2seq"
    assert "A Small Transformer for Translation" in result["summary"]
    assert result["spec"]["authors"] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]


def test_ligatures_and_hyphenation_do_not_hide_values(workspace, tmp_path):
    lines = [
        "Training",
        "",
        "We used stochastic gradient descent without momentum, with a ﬁxed learning",
        "rate of 0.7. The weights were initial-",
        "ized from N(0, 0.02) for every layer.",
        "We use a mini-batch size of 128 sequences.",
    ]
    path = make_pdf(tmp_path / "lig.pdf", [lines], font=unicode_font())
    spec = run(workspace, path)["spec"]
    hp = {k: f["value"] for k, f in spec["hyperparameters"].items()}
    assert hp["optimizer"] == "sgd" and hp["momentum"] == 0 and hp["learning_rate"] == 0.7
    assert hp["init_std"] == 0.02 and hp["batch_size"] == 128
    assert "fixed" in spec["hyperparameters"]["learning_rate"]["quote"]
    assert_quotes_verbatim(spec, path)


def test_two_columns_are_read_left_then_right(workspace, tmp_path):
    left = [
        "3 Setup",
        "",
        "We train the network with a batch size",
        "of 256 images and a weight decay of",
        "0.0001 for 90 epochs.",
    ]
    right = ["4 Results", "", "Our network reaches 76.1% top-1 accuracy", "on ImageNet after training."]
    path = make_two_column_pdf(tmp_path / "cols.pdf", left, right, title="Residual Learning For Images Again")
    ctx = ToolContext(workspace)
    spec = parse_paper_tool(ctx, paper=str(path))["spec"]
    hp = {k: f["value"] for k, f in spec["hyperparameters"].items()}
    assert hp["batch_size"] == 256 and hp["weight_decay"] == 0.0001 and hp["epochs"] == 90
    from mlintern.tools.paper.document import read_pdf

    text = read_pdf(path).pages[0].text
    assert text.index("Setup") < text.index("Results")  # the right column was written first
    assert [(r["metric"], r["value"], r["unit"], r["dataset"]) for r in spec["results"]] == [
        ("top-1 accuracy", 76.1, "%", "ImageNet")
    ]  # tools/paper/results.py names the whole metric
    assert [d["name"] for d in spec["datasets"]] == ["ImageNet"]


VARIANT_HEADER = ["Model", "Layers", "Hidden size", "Heads", "Params"]
XS = [50, 150, 230, 330, 400]


def test_ruleless_variant_table_gives_variants_that_cite_their_row(workspace, tmp_path):
    rows = [
        ["Base", "12", "768", "12", "86M"],
        ["Large", "24", "1024", "16", "307M"],
        ["(A)", "", "512", "", ""],
        ["", "2", "256", "4", "9M"],
    ]
    path = make_table_pdf(
        tmp_path / "t.pdf",
        ["We use the Base model by default."],
        VARIANT_HEADER,
        rows,
        "Table 1: Details of the model variants.",
        xs=XS,
        after=["For the Large model, we use a dropout rate of 0.3 during training."],
    )
    spec = run(workspace, path)["spec"]
    assert set(spec["variants"]) == {"Base", "Large"}  # "(A)" and unlabelled rows are ablations
    base, large = spec["variants"]["Base"], spec["variants"]["Large"]
    assert {k: f["value"] for k, f in base.items()} == {
        "num_layers": 12,
        "d_model": 768,
        "num_heads": 12,
        "num_params": 86000000,
    }
    assert large["num_params"]["value"] == 307000000 and large["num_params"]["source"] == "table"
    assert large["num_params"]["quote"] == "Large 24 1024 16 307M"
    assert large["dropout"]["value"] == 0.3 and large["dropout"]["source"] == "paper"
    assert "dropout" not in spec["hyperparameters"]  # said of one variant only
    assert spec["default_variant"] == "Base"
    assert_quotes_verbatim(spec, path)
    assert spec["tables"] and spec["tables"][0]["caption"].startswith("Table 1")


def test_fine_tuning_values_are_kept_apart(workspace, tmp_path):
    lines = [
        "4 Experiments",
        "",
        "We train with a learning rate of 0.1 and a momentum of 0.9.",
        "For fine-tuning we use a learning rate of 0.01 and a batch size of 512.",
    ]
    spec = run(workspace, make_pdf(tmp_path / "ft.pdf", [lines]))["spec"]
    assert spec["hyperparameters"]["learning_rate"]["value"] == 0.1
    assert "batch_size" not in spec["hyperparameters"]
    fine = spec["settings"]["fine-tuning"]["facts"]
    assert fine["learning_rate"]["value"] == 0.01 and fine["batch_size"]["value"] == 512


def test_conflicting_statements_keep_the_first_and_warn(workspace, tmp_path):
    lines = [
        "4 Training",
        "",
        "We use a batch size of 256 on every machine.",
        "",
        "5 More training",
        "",
        "Later we use a batch size of 512 for the longest runs.",
    ]
    spec = run(workspace, make_pdf(tmp_path / "c.pdf", [lines]))["spec"]
    assert spec["hyperparameters"]["batch_size"]["value"] == 256
    assert any("batch_size" in w and "512" in w for w in spec["warnings"])


def test_ablations_and_other_models_lose_to_plain_statements(workspace, tmp_path):
    lines = [
        "4 Training",
        "",
        "In an ablation we tried a learning rate of 0.5, which diverged.",
        "We set the learning rate to 0.05 for the main model.",
    ]
    spec = run(workspace, make_pdf(tmp_path / "a.pdf", [lines]))["spec"]
    assert spec["hyperparameters"]["learning_rate"]["value"] == 0.05


def test_nothing_is_invented_from_text_without_values(workspace, tmp_path):
    lines = [
        "2 Method",
        "",
        "Our approach learns representations that transfer well to many tasks.",
        "We discuss optimisation and regularisation choices in later work.",
    ]
    spec = run(workspace, make_pdf(tmp_path / "n.pdf", [lines]))["spec"]
    assert spec["hyperparameters"] == {} and spec["variants"] == {}
    assert {"optimizer", "learning_rate", "batch_size"} <= set(spec["missing"])


def test_latex_sources_are_read_with_an_honest_page_warning(workspace, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\section{Training}\n"
        "We use the Adam optimizer with a batch size of 64 % a comment 999\n"
        "and a learning rate of $3\\times10^{-4}$.\n\\end{document}\n"
    )
    spec = run(workspace, src)["spec"]
    hp = {k: f["value"] for k, f in spec["hyperparameters"].items()}
    assert hp["batch_size"] == 64 and hp["learning_rate"] == pytest.approx(3e-4) and hp["optimizer"] == "adam"
    assert all(f["page"] == 1 for f in spec["hyperparameters"].values())
    assert any("LaTeX" in w and "page 1" in w for w in spec["warnings"])


def test_markdown_view_is_chunked_by_section(workspace, prose_paper):
    result = run(workspace, prose_paper)
    ctx = ToolContext(workspace)
    tool = registry.get("paper-markdown")
    md = registry.call("paper-markdown", {"paper": result["paper_id"], "section": "training"}, ctx)
    registry.validate_output(tool, md)
    assert md["text"].startswith("## 5 Training") and "<!--" not in md["text"].split("\n", 1)[0]
    assert any(s["title"] == "5 Training" and s["page"] == 2 for s in md["sections"])
    whole = registry.call("paper-markdown", {"paper": result["paper_id"], "max_chars": 200000}, ctx)
    assert whole["next_offset"] is None and whole["text"].index("<!-- page 1 -->") < whole["text"].index(
        "<!-- page 2 -->"
    )
    first = registry.call("paper-markdown", {"paper": result["paper_id"], "max_chars": 500}, ctx)
    assert first["next_offset"] == 500
    rest = registry.call(
        "paper-markdown", {"paper": result["paper_id"], "offset": 500, "max_chars": 200000}, ctx
    )
    assert rest["next_offset"] is None and first["text"] + rest["text"] == whole["text"]
    by_path = registry.call("paper-markdown", {"paper": str(prose_paper), "section": "5"}, ctx)
    assert by_path["paper_id"] == result["paper_id"] and by_path["text"] == md["text"]
    with pytest.raises(ToolError) as info:
        registry.call("paper-markdown", {"paper": result["paper_id"], "section": "no such part"}, ctx)
    assert "5 Training" in info.value.hint


class ScriptedBrain:
    """A test double for the brain protocol: ``complete(system, prompt) -> str`` returns a fixed answer."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.prompts: list[str] = []

    def complete(self, system: str, prompt: str) -> str:
        self.prompts.append(prompt)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_refinement_keeps_only_verified_quotes_as_paper_facts(workspace, prose_paper):
    answer = json.dumps(
        [
            {
                "key": "grad_clip",
                "value": 6,
                "page": 2,
                "quote": "The encoder is composed of a stack of N = 6",
            },
            {"key": "weight_decay", "value": 0.01, "page": 2, "quote": "we use a weight decay of 0.01"},
            {"key": "optimizer", "value": "sgd", "page": 2, "quote": "We used the Adam optimizer"},
            {"key": "not_a_key", "value": 1, "page": 2, "quote": "x"},
        ]
    )
    brain = ScriptedBrain("Here you go:\n" + answer)
    ctx = ToolContext(workspace, brain=brain)
    spec = parse_paper_tool(ctx, paper=str(prose_paper), refine=True)["spec"]
    validate_spec(spec)
    hp = spec["hyperparameters"]
    assert hp["grad_clip"]["source"] == "paper" and "verified" in hp["grad_clip"]["rule"]
    assert hp["weight_decay"]["source"] == "inferred"  # that sentence is not in the paper
    assert hp["optimizer"]["value"] == "adam"  # a cited value is never overwritten
    assert "not_a_key" not in hp and "grad_clip" not in spec["missing"]
    assert "Keys to find" in brain.prompts[0]


def test_a_failing_brain_leaves_the_rule_based_spec(workspace, prose_paper):
    ctx = ToolContext(workspace, brain=ScriptedBrain(RuntimeError("quota exceeded")))
    spec = parse_paper_tool(ctx, paper=str(prose_paper), refine=True)["spec"]
    assert spec["hyperparameters"]["optimizer"]["value"] == "adam"
    assert any("refinement failed" in w for w in spec["warnings"])


def test_progress_is_reported_per_page(workspace, prose_paper):
    seen = []
    ctx = ToolContext(workspace, progress=lambda done, total, msg: seen.append((done, total)))
    parse_paper_tool(ctx, paper=str(prose_paper))
    assert seen == [(1, 2), (2, 2)]
