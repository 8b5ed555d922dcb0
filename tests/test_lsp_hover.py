"""Hover: the paper's quote and page for a hyperparameter, in config.json and in the generated code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, copy_project, fixture, open_doc, start


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


def position_of(path: Path, needle: str, occurrence: int = 0, offset: int = 1) -> types.Position:
    lines = path.read_text().split("\n")
    hits = [(i, line.index(needle)) for i, line in enumerate(lines) if needle in line]
    row, col = hits[occurrence]
    return types.Position(line=row, character=col + offset)


async def hover(client: LanguageClient, path: Path, position: types.Position) -> str | None:
    uri = open_doc(client, path, "json" if path.suffix == ".json" else "python")
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    return None if result is None else result.contents.value


async def test_hover_on_a_config_key_quotes_the_paper(client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    config = project / "config.json"
    text = await hover(client, config, position_of(config, '"d_model": {'))
    assert "**d_model** = `512` (from page 3)" in text
    assert "> all sub-layers in the model" in text
    assert "assumed" in await hover(client, config, position_of(config, '"init_std"'))
    pilot = await hover(client, config, position_of(config, '"model": {"d_model": 64', offset=13))
    assert "pilot config: `64`" in pilot and "page 3" in pilot
    assert await hover(client, config, position_of(config, '"title"')) is None


async def test_hover_in_generated_code(client: LanguageClient, tmp_path):
    project = copy_project(tmp_path)
    model = project / "model.py"
    field = await hover(client, model, position_of(model, "d_model: int"))
    assert "page 3" in field and "512" in field
    constant = await hover(client, model, position_of(model, "D_MODEL"))
    assert constant == field
    use = await hover(client, model, position_of(model, "config.d_ff", offset=8))
    assert "a table on page 8" in use
    train = project / "train.py"
    lr = await hover(client, train, position_of(train, '"learning_rate"', offset=3))
    assert "inferred by mlintern" in lr and "page 7" in lr
    assert await hover(client, model, position_of(model, "unrelated")) is None


async def test_no_hover_outside_a_scaffolded_project(client: LanguageClient, tmp_path):
    loose = tmp_path / "loose.py"
    loose.write_text("d_model = 512\n")
    assert await hover(client, loose, types.Position(line=0, character=2)) is None


@pytest.mark.slow
async def test_hover_on_a_project_scaffolded_through_the_server(client: LanguageClient, tmp_path):
    """The real chain: a PDF -> mlintern.parsePaper -> mlintern.scaffoldModel -> hover on its output."""
    from test_lsp_papers import write_pdf

    write_pdf(tmp_path / "small.pdf")
    spec = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mlintern.parsePaper", arguments=[{"paper": "small.pdf"}])
    )
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="mlintern.scaffoldModel", arguments=[{"spec": spec["spec_path"], "output": "proj"}]
        )
    )
    config = tmp_path / "proj" / "config.json"
    text = await hover(client, config, position_of(config, '"learning_rate"'))
    assert "**learning_rate** = `0.001` (from page 1)" in text and "a learning rate of 0.001" in text
    config_facts = json.loads(config.read_text())
    assumed = next(k for k, f in config_facts["train"].items() if f["source"] == "default")
    assert "assumed by mlintern" in await hover(client, config, position_of(config, f'"{assumed}"'))
