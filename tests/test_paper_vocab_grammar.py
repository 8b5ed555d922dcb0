"""The field's vocabulary and the general grammars over it, on sentences and tables written for these tests.

Nothing here is copied from a paper: each sentence or table states a configuration the way papers of the
field commonly do (a header "Params (M)", "12 layers", "Net-S: L=12, d=384", configurations as columns), and
the test checks which canonical key and value the reader gets, or that it gets nothing.
"""

from __future__ import annotations

from pathlib import Path

from mlintern.tools.paper.grammar import (
    item_fact,
    named_counts,
    read_items,
    respectively_over,
    tuple_statements,
)
from mlintern.tools.paper.parse import parse_paper_tool, validate_spec
from mlintern.tools.paper.tables import header_key
from mlintern.tools.paper.variants import same_variant
from mlintern.tools.paper.vocab import caption_symbols, is_keep_probability, label_key
from mlintern.tools.registry import ToolContext


def spec_of(workspace, path) -> dict:
    spec = parse_paper_tool(ToolContext(workspace), paper=str(path))["spec"]
    validate_spec(spec)
    return spec


def table_pdf(
    path: Path,
    prose: list[str],
    caption: str,
    rows: list[list[str]],
    xs: list[float],
    *,
    title: str = "Quokka: Small Models for Testing",
) -> Path:
    """A page with a title, some prose, a caption and a ruleless table whose cells sit at the given x."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    y = 60
    page.insert_text((60, y), title, fontsize=13)
    y += 30
    for line in prose:
        page.insert_text((50, y), line, fontsize=9)
        y += 13
    y += 12
    page.insert_text((50, y), caption, fontsize=9)
    y += 20
    for row in rows:
        for x, cell in zip(xs, row, strict=False):
            if cell:
                page.insert_text((x, y), cell, fontsize=9)
        y += 13
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


# ---------------------------------------------------------------- vocabulary


def test_header_names_abbreviations_symbols_and_units_map_to_canonical_keys():
    cases = {
        "Params (M)": "num_params",
        "#Params": "num_params",
        "Layers": "num_layers",
        "#L": "num_layers",
        "Depth": "num_layers",
        "Hidden size": "d_model",
        "Model Dimension": "d_model",
        "dmodel": "d_model",
        "Width": "d_model",
        "FFN inner hidden size": "d_ff",
        "MLP size": "d_ff",
        "Heads": "num_heads",
        "Attention heads": "num_heads",
        "Head size": "d_head",
        "Dropout": "dropout",
        "Attention dropout": "attention_dropout",
        "Drop path": "stochastic_depth",
        "Survival Prob": "stochastic_depth",
        "Warmup steps": "warmup_steps",
        "Peak learning rate": "learning_rate",
        "Batch size": "batch_size",
        "Weight decay": "weight_decay",
        "Patch size": "patch_size",
        "Input resolution": "image_size",
        "Layers of each stage": "num_layers",
    }
    for header, key in cases.items():
        assert header_key(header) == key, header


def test_words_outside_the_vocabulary_map_to_nothing():
    for header in ("Top-1 acc", "FLOPs (G)", "Throughput", "BLEU", "Speed (img/s)", "Method", "Dataset"):
        assert header_key(header) is None, header


def test_one_letter_symbols_count_only_where_allowed():
    assert label_key("L") == "num_layers"
    assert label_key("L", allow_symbols=False) is None


def test_keep_probabilities_are_recognised():
    assert is_keep_probability("Survival Prob.") and is_keep_probability("keep probability")
    assert not is_keep_probability("Dropout rate")


def test_a_caption_defines_header_symbols():
    assert caption_symbols("Table 2: Quokka models scaled by width multipliers a and b.") == {
        "a": "width_multiplier",
        "b": "width_multiplier",
    }
    assert caption_symbols("Table 4: The models compared on the test split.") == {}


# ------------------------------------------------------------------ grammars


def test_items_value_name_name_value_and_symbol_equals_value():
    assert item_fact("16 layers") == ("num_layers", 16)
    assert item_fact("8 attention heads") == ("num_heads", 8)
    assert item_fact("hidden size 640") == ("d_model", 640)
    assert item_fact("512-d") == ("d_model", 512)
    assert item_fact("L=36") == ("num_layers", 36)
    assert item_fact("D = (32, 64, 128)") == ("d_model", [32, 64, 128])
    assert item_fact("a patch size of 8") is None or item_fact("a patch size of 8") == ("patch_size", 8)
    assert item_fact("3 GPUs") is None and item_fact("in 2019") is None


def test_values_outside_a_keys_bounds_are_not_read():
    assert item_fact("0 layers") is None
    assert item_fact("1000000 heads") is None


def test_a_configuration_tuple_after_a_name():
    got = tuple_statements(
        "We also train a 220M model (20 layers, hidden size 896, and 14 heads) for comparison."
    )
    assert got and got[0][0] == "220M"
    assert got[0][1] == {"num_layers": 20, "d_model": 896, "num_heads": 14, "num_params": 220_000_000}


def test_a_parenthesis_with_one_or_no_canonical_item_is_not_a_tuple():
    assert tuple_statements("The results of Quokka-S (see Figure 4) are shown.") == []
    assert tuple_statements("Quokka-S (12 layers) is the smallest.") == []
    assert tuple_statements("This follows Smith (2019, 2020).") == []


def test_definition_lines_with_symbols_and_per_stage_tuples():
    got = tuple_statements("Quokka-S: C = (48, 96, 192), B = (2, 2, 4)")
    assert got == [
        ("Quokka-S", {"d_model": [48, 96, 192], "num_layers": [2, 2, 4]}, 0, len(got[0][0]) + 35)
    ] or (got[0][0] == "Quokka-S" and got[0][1] == {"d_model": [48, 96, 192], "num_layers": [2, 2, 4]})
    several = tuple_statements("• Quokka-S: L=8, d=256 • Quokka-M: L=12, d=512")
    assert [(n, f) for n, f, _, _ in several] == [
        ("Quokka-S", {"num_layers": 8, "d_model": 256}),
        ("Quokka-M", {"num_layers": 12, "d_model": 512}),
    ]


def test_a_configuration_tuple_in_braces():
    assert read_items("L=64, k=16") == {"num_layers": 64, "growth_rate": 16}


def test_named_sizes_in_a_list():
    got = named_counts("We name them Tiny (4.1M), Small (11M) and Large (90M) by their size.")
    assert [(n, v) for n, v, _, _ in got] == [
        ("Tiny", 4_100_000),
        ("Small", 11_000_000),
        ("Large", 90_000_000),
    ]
    assert named_counts("Only Tiny (4.1M) is shown.") == []  # one name is no list


def test_respectively_over_named_variants():
    got = respectively_over(
        "Quokka-S and Quokka-L have 30M and 120M parameters, respectively.", ["Quokka-S", "Quokka-L"]
    )
    assert got == (["Quokka-S", "Quokka-L"], "num_params", [30_000_000, 120_000_000])
    got = respectively_over(
        "For QuokkaS and QuokkaL the hidden sizes are 384 and 768, respectively.", ["Quokka S", "Quokka L"]
    )
    assert got == (["Quokka S", "Quokka L"], "d_model", [384, 768])
    # as many names as values, all of them variants of the paper, or nothing
    assert (
        respectively_over(
            "Quokka-S and Other-L have 30M and 120M parameters, respectively.", ["Quokka-S", "Quokka-L"]
        )
        is None
    )


def test_size_words_abbreviate_one_letter_suffixes_and_sizes_name_models():
    assert same_variant("Quokka-T", "Tiny") and same_variant("Quokka-B", "Base")
    assert not same_variant("Quokka-F", "FCN")  # not a size word
    assert same_variant("7B", "Quokka-7B") and not same_variant("7B", "Quokka-13B")


# -------------------------------------------------------------------- tables


def test_a_model_size_table_with_units_in_its_headers(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "sizes.pdf",
        ["We build three sizes of the model and train them alike."],
        "Table 1: Quokka model sizes.",
        [
            ["Model", "Layers", "Hidden size", "Heads", "Params (M)", "Top-1"],
            ["Quokka-S", "12", "384", "6", "22.1", "79.1"],
            ["Quokka-M", "12", "512", "8", "40.3", "80.8"],
            ["Quokka-L", "24", "768", "12", "170.2", "82.3"],
        ],
        [50, 140, 200, 280, 330, 400],
    )
    spec = spec_of(workspace, pdf)
    v = spec["variants"]
    assert set(v) == {"Quokka-S", "Quokka-M", "Quokka-L"}
    assert v["Quokka-M"]["d_model"]["value"] == 512 and v["Quokka-L"]["num_layers"]["value"] == 24
    assert v["Quokka-S"]["num_params"]["value"] == 22_100_000
    assert v["Quokka-L"]["num_heads"]["quote"].startswith("Quokka-L 24 768")


def test_configurations_as_columns_are_transposed(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "columns.pdf",
        ["The settings of both sizes are given below."],
        "Table 2: Hyperparameters of Quokka.",
        [
            ["Hyperparameter", "Quokka Small", "Quokka Large"],
            ["Number of layers", "6", "18"],
            ["Hidden size", "320", "960"],
            ["Attention heads", "5", "15"],
            ["Peak learning rate", "6e-4", "2e-4"],
        ],
        [50, 200, 300],
    )
    v = spec_of(workspace, pdf)["variants"]
    assert v["Quokka Small"]["num_layers"]["value"] == 6 and v["Quokka Large"]["d_model"]["value"] == 960
    assert v["Quokka Large"]["learning_rate"]["value"] == 2e-4
    assert v["Quokka Small"]["num_heads"]["quote"] == "Attention heads 5 15"  # each fact cites its own row


def test_per_stage_cells_keep_probabilities_and_caption_symbols(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "stages.pdf",
        ["Each model is defined by its stages."],
        "Table 3: Quokka models defined by multipliers a and b.",
        [
            ["Name", "Layers of each stage", "a", "b", "Survival Prob"],
            ["Quokka-A0", "1, 2, 3, 1", "0.5", "1.5", "1.0"],
            ["Quokka-A1", "1, 3, 6, 1", "1", "2", "0.9"],
        ],
        [50, 130, 260, 300, 340],
    )
    v = spec_of(workspace, pdf)["variants"]
    assert v["Quokka-A0"]["num_layers"]["value"] == [1, 2, 3, 1]
    assert v["Quokka-A1"]["width_multiplier"]["value"] == 1  # "a", the first multiplier, not "b"
    assert abs(v["Quokka-A1"]["stochastic_depth"]["value"] - 0.1) < 1e-9  # survival 0.9 -> drop 0.1


def test_a_results_table_without_configuration_columns_creates_no_variants_of_other_models(
    workspace, tmp_path
):
    pdf = table_pdf(
        tmp_path / "results.pdf",
        ["We compare with earlier models on the test split."],
        "Table 4: Comparison with other models.",
        [
            ["Model", "Top-1", "Throughput", "FLOPs"],
            ["Otter-B", "81.0", "300", "15.1"],
            ["Badger-L", "82.2", "120", "34.0"],
        ],
        [50, 150, 220, 300],
    )
    assert spec_of(workspace, pdf)["variants"] == {}


def test_own_model_rows_of_a_results_table_with_a_params_column_are_variants(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "own.pdf",
        ["We compare with earlier models on the test split."],
        "Table 5: Comparison with other models.",
        [
            ["Model", "Params", "FLOPs", "Top-1"],
            ["Otter-B", "88M", "15.1G", "81.0"],
            ["Quokka-T", "28M", "4.5G", "81.9"],
            ["Quokka-B", "86M", "15.0G", "83.1"],
        ],
        [50, 150, 220, 300],
    )
    v = spec_of(workspace, pdf)["variants"]
    assert set(v) == {"Quokka-T", "Quokka-B"}  # the title names Quokka; Otter is another paper's model
    assert v["Quokka-T"]["num_params"]["value"] == 28_000_000


def test_prose_tuples_and_respectively_lists_become_variant_facts(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "prose.pdf",
        [
            "We train two models, 110M (12 layers, hidden size 768, and 12 heads) and",
            "350M (24 layers, hidden size 1024, and 16 heads), on the same data.",
        ],
        "Table 6: Scores.",
        [["Model", "Score", "Time"], ["x", "1.0", "2.0"]],
        [50, 150, 220],
    )
    v = spec_of(workspace, pdf)["variants"]
    assert v["350M"]["num_layers"]["value"] == 24 and v["350M"]["num_params"]["value"] == 350_000_000
    assert v["110M"]["d_model"]["value"] == 768


def test_default_variant_by_the_papers_emphasis_with_the_reason():
    from mlintern.tools.paper.variants import default_reason

    sizes = {"Quokka-S": {}, "Quokka-M": {}, "Quokka-L": {}}
    assert default_reason(sizes, "We show that Quokka-M matches larger models.") == (
        "Quokka-M",
        "the only variant the abstract names",
    )
    assert default_reason(sizes, "") == ("Quokka-S", "the first variant the paper lists")
    assert default_reason({"small": {}, "base": {}}, "")[0] == "base"


def test_a_settings_table_with_regime_columns_gives_the_first_columns_run(workspace, tmp_path):
    # columns are training runs (pre-training, then fine-tuning), rows are keys: the first run is the main one;
    # a cell with one value per model size ("0.1/0.2/0.3") is no single value
    pdf = table_pdf(
        tmp_path / "settings.pdf",
        ["The settings of each run are listed in the table below."],
        "Table 6: Hyperparameters used in our experiments.",
        [
            ["Hyperparameter", "Pre-training", "Fine-tuning", "Transfer"],
            ["Training epochs", "240", "20", "50"],
            ["Train batch size", "2048", "256", "512"],
            ["Peak learning rate", "2e-3", "4e-5", "1e-4"],
            ["Weight decay rate", "0.08", "1e-8", "0.02"],
            ["Drop path", "0.1/0.2/0.3", "0.1", "0.2"],
        ],
        [50, 180, 260, 340],
    )
    spec = spec_of(workspace, pdf)
    hp = spec["hyperparameters"]
    assert hp["epochs"]["value"] == 240 and hp["batch_size"]["value"] == 2048
    assert hp["learning_rate"]["value"] == 2e-3 and hp["weight_decay"]["value"] == 0.08
    assert hp["learning_rate"]["quote"] == "Peak learning rate 2e-3 4e-5 1e-4"
    assert "stochastic_depth" not in hp


def test_a_table_whose_columns_are_model_sizes_is_no_settings_table(workspace, tmp_path):
    pdf = table_pdf(
        tmp_path / "sizes.pdf",
        ["The settings of both sizes are given below."],
        "Table 7: Hyperparameters of Quokka.",
        [
            ["Hyperparameter", "Quokka Small", "Quokka Large"],
            ["Number of layers", "6", "18"],
            ["Hidden size", "320", "960"],
            ["Peak learning rate", "6e-4", "2e-4"],
        ],
        [50, 200, 300],
    )
    spec = spec_of(workspace, pdf)
    # the settings-table reader does not take the small model's column for the paper's run
    assert spec["hyperparameters"].get("learning_rate", {}).get("source") != "table"
    assert spec["variants"]["Quokka Large"]["learning_rate"]["value"] == 2e-4


def test_training_words_before_a_key_name_the_same_key():
    assert label_key("Train epochs", allow_symbols=False) == "epochs"
    assert label_key("Training batch size", allow_symbols=False) == "batch_size"
    assert label_key("Weight decay rate", allow_symbols=False) == "weight_decay"
    assert (
        label_key("Min learning rate", allow_symbols=False) is None
    )  # the floor of a schedule, not the rate
