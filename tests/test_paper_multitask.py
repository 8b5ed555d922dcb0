"""Papers of several runs: per-task tables, other regimes' settings tables, per-model key columns, trainable-parameter
counts, a task's class count, adapter and embedding sizes (issue 11 round 5). Every table and sentence is written for
these tests (no paper's wording); each case also checks what must NOT be read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import document_from_texts, read_pdf
from mlintern.tools.paper.extract import candidates
from mlintern.tools.paper.tables import key_column_rows, settings_tables
from test_paper_helpers import unicode_font


def _pdf(path: Path, title: str, prose: list[str], tables: list[tuple[list[list[str]], str]]) -> Path:
    """One page: a title, prose lines, then tables (rows of cells at fixed columns, the caption under each)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="dv", fontfile=str(unicode_font()))
    page.insert_text((50, 60), title, fontsize=14, fontname="dv")
    y = 90.0
    for line in prose:
        page.insert_text((50, y), line, fontsize=9, fontname="dv")
        y += 12
    for rows, caption in tables:
        y += 14
        for row in rows:
            x = 60.0
            for i, cell in enumerate(row):
                page.insert_text((x, y), cell, fontsize=8, fontname="dv")
                x += 120 if i == 0 else 50
            y += 12
        y += 6
        page.insert_text((60, y), caption, fontsize=8, fontname="dv")
        y += 16
    doc.save(path)
    doc.close()
    return path


def _spec(path: Path) -> dict:
    return build_spec(read_pdf(path), paper_id="t", source=str(path))


PER_TASK = (
    [
        ["Method", "Dataset", "SetA", "SetB", "SetC", "SetD"],
        ["Optimizer", "AdamW"],
        ["Warmup Ratio", "0.1"],
        ["Batch Size", "16", "32", "16", "8"],
        ["# Epochs", "10", "20", "3", "5"],
        ["Learning Rate", "2E-04", "1E-04", "3E-04", "1E-04"],
        ["Weight Decay", "0", "0.01", "0.1", "0"],
        ["Max Seq. Len.", "256"],
    ],
    "Table 3: The hyperparameters for the adapted encoder on tasks included in the benchmark.",
)


def test_a_per_task_table_states_no_paper_wide_value_and_becomes_a_fine_tuning_setting(tmp_path):
    path = _pdf(
        tmp_path / "tasks.pdf", "Adapters for Encoders", ["We adapt an encoder to each task."], [PER_TASK]
    )
    tables = settings_tables(read_pdf(path))
    assert tables and not tables[0].main  # one column per task: never the main run
    spec = _spec(path)
    hp = spec["hyperparameters"]
    for key in ("batch_size", "epochs", "learning_rate", "weight_decay"):
        assert key not in hp, (key, hp.get(key))  # per-task values, no main column
    fine = next(s for n, s in spec["settings"].items() if n.startswith("fine-tuning"))
    assert fine["facts"]["optimizer"]["value"] == "adamw"
    assert fine["facts"]["context_length"]["value"] == 256  # one value shared by every task
    assert "batch_size" not in fine["facts"]


def test_a_settings_table_of_fine_tuning_is_a_setting_of_its_regime(tmp_path):
    main = (
        [
            ["config", "value"],
            ["optimizer", "AdamW"],
            ["base learning rate", "1.5e-4"],
            ["weight decay", "0.05"],
            ["batch size", "4096"],
            ["training epochs", "800"],
        ],
        "Table 1: Pre-training setting.",
    )
    fine = (
        [
            ["config", "value"],
            ["optimizer", "AdamW"],
            ["base learning rate", "5e-4"],
            ["weight decay", "0.02"],
            ["batch size", "1024"],
            ["training epochs", "100"],
        ],
        "Table 2: End-to-end fine-tuning setting.",
    )
    spec = _spec(_pdf(tmp_path / "ft.pdf", "Masked Pretraining of Nets", [], [main, fine]))
    assert spec["hyperparameters"]["batch_size"]["value"] == 4096
    # the table is a setting of its regime (merged into the prose's "fine-tuning" setting when there is one)
    ft = next(s["facts"] for n, s in spec["settings"].items() if n.startswith("fine-tuning"))
    assert (
        ft["batch_size"]["value"] == 1024
        and ft["learning_rate"]["value"] == 5e-4
        and ft["epochs"]["value"] == 100
    )


def test_a_key_column_table_gives_each_existing_size_its_value_and_creates_none(tmp_path):
    sizes = (
        [
            ["Model", "Layers", "Width", "Heads", "Parameters"],
            ["Tiny", "4", "384", "6", "39M"],
            ["Base", "6", "512", "8", "74M"],
            ["Large", "12", "768", "12", "244M"],
        ],
        "Table 1: Architecture details of the model family.",
    )
    rates = (
        [["Model", "Max Learning Rate"], ["Tiny", "1.5 × 10−3"], ["Base", "1 × 10−3"], ["Huge", "2 × 10−4"]],
        "Table 2: Learning rates of the models.",
    )
    path = _pdf(tmp_path / "rates.pdf", "Listening at Scale", [], [sizes, rates])
    rows = key_column_rows(read_pdf(path))
    assert [(r.name, r.key, r.value) for r in rows][:2] == [
        ("Tiny", "learning_rate", 0.0015),
        ("Base", "learning_rate", 0.001),
    ]
    variants = _spec(path)["variants"]
    assert variants["Tiny"]["learning_rate"]["value"] == 0.0015
    assert variants["Base"]["learning_rate"]["quote"] == "Base 1 × 10−3"
    assert "learning_rate" not in variants["Large"]  # the table does not list it
    assert "Huge" not in variants  # a key column adds to the paper's sizes, never creates one


def test_trainable_parameter_counts_of_a_method_are_no_model_sizes(tmp_path):
    results = (
        [
            ["Method", "# Trainable Parameters", "BLEU", "TER"],
            ["Full tuning", "354M", "46.2", "0.46"],
            ["Adapto", "0.35M", "47.1", "0.45"],
            ["Adapto", "0.77M", "47.5", "0.44"],
        ],
        "Table 4: Results of adaptation methods.",
    )
    prose = ["We propose Adapto, a low-rank adaptation method that freezes the network."]
    spec = _spec(_pdf(tmp_path / "trainable.pdf", "Adapto: Low-Rank Adaptation", prose, [results]))
    assert not any("0.35M" in name or "0.77M" in name for name in spec["variants"])


def values(text: str) -> dict:
    return {c.key: c.value for c in candidates(document_from_texts([text]), [], None) if c.scope is None}


@pytest.mark.parametrize(
    "text,key,value",
    [
        (
            "Each source word is mapped to a word embedding dimensionality m of 320 before the encoder.",
            "embedding_dim",
            320,
        ),
        ("The decoder reads 256-dimensional word embeddings and has 800 hidden units.", "embedding_dim", 256),
        ("The deep output has a maxout hidden layer of 400 units before the softmax.", "maxout_units", 400),
        ("We apply LoRA to the query projection with a rank of 16 in every layer.", "lora_rank", 16),
        ("The LoRA scaling is alpha = 32 for all adapted matrices.", "lora_alpha", 32),
        ("Our encoder has a hidden size of 800 and a 300-dimensional word embedding.", "d_model", 800),
        (
            "The optimiser is Adam with a learning rate warmed up from 0 to 0.4 over 5 epochs.",
            "learning_rate",
            0.4,
        ),
        ("We use stochastic depth with 0.9 survival probability in all blocks.", "stochastic_depth", 0.1),
        ("The model features 10 layers, 640 model dimensions, and 10 attention heads.", "num_layers", 10),
        ("The network was trained for 2M batches of 64 sequences.", "train_steps", 2_000_000),
    ],
)
def test_beside_keys_and_new_grammars(text, key, value):
    assert values(text).get(key) == value


@pytest.mark.parametrize(
    "text,key",
    [
        (
            "We compare adaptation matrices with rank r = 4 and 32 learned by LoRA.",
            "lora_rank",
        ),  # a comparison
        (
            "Our encoder has a character embedding dimension of 50 per symbol.",
            "d_model",
        ),  # not the model width
        ("The classifier uses 3 output heads for the three tasks.", "num_heads"),  # no attention heads
    ],
)
def test_refusals(text, key):
    assert key not in values(text)


def test_a_searched_grid_is_a_list_and_a_single_value_is_left_to_the_other_grammars():
    found = values(
        "For all tasks we searched these values.\n\nBatch size: 16, 32\n\nLearning rate: 5e-5, 3e-5"
    )
    assert found["batch_size"] == [16, 32] and found["learning_rate"] == [5e-5, 3e-5]


def test_a_task_sections_class_count_is_that_experiments_not_the_papers():
    text = (
        "4 Experiments\n\n"
        "4.1 Machine Translation\n\nWe train with Adam, batch size of 64 and a learning rate of 0.001.\n\n"
        "4.2 Question Answering\n\nWe train with Adam, batch size of 32 and a learning rate of 0.0005.\n\n"
        "4.3 Image Classification\n\nThe image set is a classification task with 10 different classes. We use a "
        "batch size of 128 and a learning rate of 0.01."
    )
    cs = candidates(document_from_texts([text]), [], "image set")
    classes = [c for c in cs if c.key == "num_classes"]
    assert classes and all(c.scope == ("setting", "Image Classification") for c in classes)
