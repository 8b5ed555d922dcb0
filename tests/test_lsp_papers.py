"""Papers: a PDF dropped into papers/ is parsed on its own; mlintern.parsePaper opens the spec."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from mlintern.server.lsp_convert import uri_to_path
from mlintern.tools import registry
from mlintern.tools.workspace import Workspace
from pytest_lsp import LanguageClient
from test_lsp_helpers import CONFIG, fixture, start, wait_until

PAPER_TEXT = [
    "A Small Transformer for Testing",
    "Abstract. We train a Transformer encoder-decoder on a toy translation task.",
    "3 Model Architecture",
    "We use N = 2 layers in the encoder and the decoder, with d_model = 128,",
    "h = 4 attention heads and an inner feed-forward dimension d_ff = 512.",
    "5 Training",
    "We used the Adam optimizer with beta1 = 0.9, beta2 = 0.98 and a learning rate of 0.001,",
    "with warmup_steps = 400 and dropout P_drop = 0.1, batch size 32, for 1000 steps.",
]


def write_pdf(path: Path) -> Path:
    """A real one-page PDF (pymupdf), so parse-paper reads a genuine file."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for index, line in enumerate(PAPER_TEXT):
        page.insert_text((50, 72 + 18 * index), line, fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


@fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


async def test_a_pdf_dropped_into_papers_is_parsed(client: LanguageClient, tmp_path):
    staging = write_pdf(tmp_path / "staging" / "small.pdf")
    (tmp_path / "papers").mkdir()  # created after the server started: it must start watching it
    staging.rename(tmp_path / "papers" / "small.pdf")
    await wait_until(
        lambda: any("parsing papers/small.pdf" in m.message for m in client.messages), timeout=30
    )
    await wait_until(
        lambda: any(
            m.message.startswith("Parsed papers/small.pdf") or "could not parse" in m.message
            for m in client.messages
        ),
        timeout=120,
    )
    assert not any("could not parse" in m.message for m in client.messages), client.messages
    (paper,) = Workspace(tmp_path).papers()
    assert Path(paper["spec_path"]).is_file()


async def test_parse_paper_command_opens_the_spec(client: LanguageClient, tmp_path):
    write_pdf(tmp_path / "small.pdf")
    tool = registry.get("parse-paper")
    argument = tool.cli_positional[0] if tool.cli_positional else tool.input_schema["required"][0]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mlintern.parsePaper", arguments=[{argument: "small.pdf"}])
    )
    registry.validate_output(tool, result)
    await wait_until(lambda: client.shown_documents)
    (shown,) = client.shown_documents
    assert shown.uri.endswith(".json") and uri_to_path(shown.uri).is_file()
    assert client.progress_reports  # a long tool: work-done progress was shown


@fixture(config=CONFIG)
async def bare_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_papers_parsed_before_are_not_parsed_again(bare_client: LanguageClient, tmp_path):
    write_pdf(tmp_path / "papers" / "small.pdf")
    ws = Workspace(tmp_path)
    registry.call("parse-paper", {"paper": "papers/small.pdf"}, registry.ToolContext(ws, face="cli"))
    write_pdf(tmp_path / "papers" / "other.pdf")  # new since: this one is parsed
    await start(bare_client, tmp_path)
    await wait_until(
        lambda: any(
            "other.pdf" in m.message and m.message.startswith("Parsed") for m in bare_client.messages
        ),
        timeout=120,
    )
    assert not any("small.pdf" in m.message for m in bare_client.messages)
