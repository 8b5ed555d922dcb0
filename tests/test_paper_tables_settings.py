"""Settings tables: one training setting per row ("config | value"), read into the paper-wide configuration.

The generated PDFs place cells at x positions the way ruleless tables are set: two such tables side by side in
the columns of a page (the main run's recipe next to a fine-tuning recipe), a "Hyperparameter | Value" table,
and a table whose columns are model sizes with rows that hold one value for all of them. The real papers check
the same reader on the layouts it was built for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlintern.tools.paper.document import read_pdf
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.paper.tables import setting_facts, settings_tables, stage_tables
from mlintern.tools.registry import ToolContext
from test_paper_helpers import unicode_font


def _pdf(path: Path, cells: list[tuple[float, float, str]], prose: list[str] = ()) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()  # 595 x 842
    page.insert_font(fontname="dv", fontfile=str(unicode_font()))
    y = 60.0
    for line in prose:
        page.insert_text((50, y), line, fontsize=9, fontname="dv")
        y += 12
    for x, yy, text in cells:
        page.insert_text((x, yy), text, fontsize=8, fontname="dv")
    doc.save(path)
    doc.close()
    return path


def _two_column_prose() -> list[str]:
    # enough two-column prose that the page reads as two columns
    left = "We train the network with the recipe below and report accuracy"
    return [left for _ in range(3)]


def _side_by_side(tmp_path: Path) -> Path:
    import pymupdf

    rows_a = [
        ("setting", "value"),
        ("optimizer", "LAMB"),
        ("peak learning rate", "2e-3"),
        ("weight decay", "0.02"),
        ("optimizer momentum", "β1, β2=0.9, 0.98"),
        ("batch size", "2048"),
        ("learning rate schedule", "cosine decay"),
        ("warmup epochs", "10"),
        ("training epochs", "400"),
        ("augmentation", "RandomCrop"),
    ]
    rows_b = [
        ("setting", "value"),
        ("optimizer", "AdamW"),
        ("peak learning rate", "5e-4"),
        ("weight decay", "0.3 (S), 0.1 (L)"),
        ("batch size", "512"),
        ("learning rate schedule", "linear decay"),
        ("warmup epochs", "2"),
        ("training epochs", "50"),
        ("label smoothing", "0.2"),
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="dv", fontfile=str(unicode_font()))
    for k in range(12):  # two columns of prose above the tables
        page.insert_text(
            (40, 60 + 11 * k),
            "the models are compared on the same data at each size",
            fontsize=8,
            fontname="dv",
        )
        page.insert_text(
            (310, 60 + 11 * k),
            "in all runs the crop is random and the flips are kept",
            fontsize=8,
            fontname="dv",
        )
    for i, (a, b) in enumerate(rows_a):
        page.insert_text((60, 220 + 10 * i), a, fontsize=8, fontname="dv")
        page.insert_text((160, 220 + 10 * i), b, fontsize=8, fontname="dv")
    page.insert_text(
        (70, 220 + 10 * len(rows_a) + 8), "Table 3. Main training setting.", fontsize=8, fontname="dv"
    )
    for i, (a, b) in enumerate(rows_b):
        page.insert_text((320, 220 + 10 * i), a, fontsize=8, fontname="dv")
        page.insert_text((420, 220 + 10 * i), b, fontsize=8, fontname="dv")
    page.insert_text(
        (330, 220 + 10 * len(rows_b) + 8), "Table 4. Fine-tuning setting.", fontsize=8, fontname="dv"
    )
    for k in range(12):
        page.insert_text(
            (40, 360 + 11 * k),
            "the models are compared on the same data at each size",
            fontsize=8,
            fontname="dv",
        )
        page.insert_text(
            (310, 360 + 11 * k),
            "in all runs the crop is random and the flips are kept",
            fontsize=8,
            fontname="dv",
        )
    path = tmp_path / "side.pdf"
    doc.save(path)
    doc.close()
    return path


def test_two_settings_tables_side_by_side_give_the_main_one_to_the_paper(workspace, tmp_path):
    path = _side_by_side(tmp_path)
    tables = settings_tables(read_pdf(path))
    main = [t for t in tables if t.main]
    assert main and "Main training" in main[0].caption
    facts = {r.key: r.value for r in main[0].rows}
    assert facts == {
        "optimizer": "lamb",
        "learning_rate": 0.002,
        "weight_decay": 0.02,
        "adam_beta1": 0.9,
        "adam_beta2": 0.98,
        "batch_size": 2048,
        "lr_schedule": "cosine",
        "warmup_epochs": 10,
        "epochs": 400,
    }
    other = [t for t in tables if not t.main]
    assert other and "Fine-tuning" in other[0].caption
    assert "weight_decay" not in {r.key for r in other[0].rows}  # one value per size is no shared value
    spec = parse_paper_tool(ToolContext(workspace), paper=str(path))["spec"]
    validate_spec(spec)
    hp = spec["hyperparameters"]
    assert hp["batch_size"]["value"] == 2048 and hp["epochs"]["value"] == 400
    assert hp["learning_rate"]["value"] == 0.002 and hp["lr_schedule"]["value"] == "cosine"
    assert hp["adam_beta2"]["value"] == 0.98 and hp["warmup_epochs"]["value"] == 10


def test_a_row_of_one_value_for_every_model_column_is_shared_and_other_rows_are_not(tmp_path):
    header = [(60, 100, "Hyperparameter"), (200, 100, "Net-S"), (260, 100, "Net-M"), (320, 100, "Net-L")]
    rows = [
        ("Number of layers", ["6", "12", "24"]),
        ("Hidden dropout", ["0.1", "0.1", "0.1"]),
        ("Peak learning rate", ["1e-3", "5e-4", "2e-4"]),
        ("Adam ϵ", ["1e-8", "1e-8", "1e-8"]),
        ("Epochs", ["90"]),
        ("Gradient clipping", ["0.5", "0.5", "0.5"]),
    ]
    cells = list(header)
    for i, (label, values) in enumerate(rows):
        y = 114 + 12 * i
        cells.append((60, y, label))
        xs = [260] if len(values) == 1 else [200, 260, 320]
        cells += [(x, y, v) for x, v in zip(xs, values, strict=True)]
    cells.append((120, 114 + 12 * len(rows) + 10, "Table 2: Hyperparameters of the three models."))
    path = _pdf(tmp_path / "cols.pdf", cells)
    tables = settings_tables(read_pdf(path))
    assert len(tables) == 1 and tables[0].main
    facts = {r.key: r.value for r in tables[0].rows}
    assert facts == {"dropout": 0.1, "adam_eps": 1e-8, "epochs": 90, "grad_clip": 0.5}


def test_rows_without_a_settings_caption_are_no_settings_table(tmp_path):
    cells = [
        (60, 100 + 12 * i, label)
        for i, label in enumerate(["Batch size", "Epochs", "Weight decay", "Dropout"])
    ]
    cells += [(200, 100 + 12 * i, v) for i, v in enumerate(["64", "30", "0.01", "0.5"])]
    cells.append((100, 160, "Table 1: Accuracy of the baselines we compare with."))
    assert settings_tables(read_pdf(_pdf(tmp_path / "none.pdf", cells))) == []


@pytest.mark.parametrize(
    ("label", "value", "facts"),
    [
        ("Adam stepsize", "3 × 10−4", {"learning_rate": 0.0003}),
        ("Num. epochs", "10", {"epochs": 10}),
        ("optimizer", "AdamW [54]", {"optimizer": "adamw"}),
        ("Optimizer", "SGD with momentum", {"optimizer": "sgd"}),
        ("Learning rate decay", "cosine", {"lr_schedule": "cosine"}),
        ("Adam (β1, β2)", "(0.9, 0.999)", {"adam_beta1": 0.9, "adam_beta2": 0.999}),
        ("training epochs", "800 or 1600", {"epochs": [800, 1600]}),
        ("weight decay", "0.05 (F), 0.3 (A/P/N)", {}),
        ("Minibatch size", "32 × 8", {}),
        ("Discount (γ)", "0.99", {}),
        ("Warm-up", "10K steps", {"warmup_steps": 10000}),
        ("Warmup", "5 epochs", {"warmup_epochs": 5}),
        ("Warm-up", "None", {}),
        ("augmentation", "RandAug (9, 0.5)", {}),
    ],
)
def test_one_settings_row(label, value, facts):
    assert setting_facts(label, value) == facts


@pytest.mark.needs_shared
@pytest.mark.parametrize(
    ("paper", "caption", "expected"),
    [
        # two tables side by side in the columns of a page; the left one is the pre-training recipe
        ("convnextv2", "Pre-training", {"learning_rate": 0.00015, "adam_beta2": 0.95, "epochs": [800, 1600]}),
        # "Hyperparameter | Value" under a caption naming the benchmark
        ("ppo", "Mujoco", {"learning_rate": 0.0003, "epochs": 10, "batch_size": 64}),
        # model columns; rows with one value spanning them all
        ("gmlp", "Image classification", {"epochs": 300, "dropout": 0, "lr_schedule": "cosine"}),
        # model columns; rows with the same value in every column
        ("glm", "pretraining", {"adam_beta2": 0.98, "grad_clip": 1, "lr_schedule": "cosine"}),
    ],
)
def test_the_main_settings_table_of_real_papers(shared_dir, paper, caption, expected):
    tables = settings_tables(read_pdf(shared_dir / "papers" / f"{paper}.pdf"))
    main = next(t for t in tables if t.main)
    assert caption in main.caption
    facts = {r.key: r.value for r in main.rows}
    for key, value in expected.items():
        assert facts[key] == value


def test_a_stage_table_gives_each_size_one_list_per_symbol_without_the_stem(tmp_path):
    lines = [
        "Stage  Net-S  Net-L",
        "S0: stem  B=1 C=16  B=1 C=24",
        "S1: block  B=2 C=32  B=2 C=48",
        "S2: block  B=2 C=64  B=4 C=96",
        "S3: block  B=6 C=128  B=12 C=192",
        "Table 1: The two sizes of the network.",
    ]
    cells = [(60, 100 + 12 * i, line) for i, line in enumerate(lines)]
    got = {v.name: v.facts for v in stage_tables(read_pdf(_pdf(tmp_path / "stages.pdf", cells)))}
    assert got == {
        "Net-S": {"num_layers": [2, 2, 6], "d_model": [32, 64, 128]},
        "Net-L": {"num_layers": [2, 4, 12], "d_model": [48, 96, 192]},
    }


def test_a_stage_row_with_a_missing_value_gives_nothing(tmp_path):
    lines = [
        "Stage  Net-S  Net-L",
        "S1: block  B=2 C=32  B=2 C=48",
        "S2: block  B=2 C=64  C=96",
        "Table 1: The two sizes of the network.",
    ]
    cells = [(60, 100 + 12 * i, line) for i, line in enumerate(lines)]
    assert stage_tables(read_pdf(_pdf(tmp_path / "stages.pdf", cells))) == []


def test_attention_rows_of_a_stage_table_give_per_stage_heads(tmp_path):
    lines = [
        "Stage  Net-S  Net-L",
        "stem  conv 3x3, 32  conv 3x3, 48",
        "S1  attention, window 7, H 2 × 2  attention, window 7, H 4 × 2",
        "attention, grid 7, H 2  attention, grid 7, H 4",
        "S2  attention, window 7, H 4 × 6  attention, window 7, H 8 × 6",
        "attention, grid 7, H 4  attention, grid 7, H 8",
        "Table 5: Blocks of the two sizes.",
    ]
    cells = [(60, 100 + 12 * i, line) for i, line in enumerate(lines)]
    got = {v.name: v.facts for v in stage_tables(read_pdf(_pdf(tmp_path / "heads.pdf", cells)))}
    assert got == {"Net-S": {"num_heads": [2, 4]}, "Net-L": {"num_heads": [4, 8]}}
