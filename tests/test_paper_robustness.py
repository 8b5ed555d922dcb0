"""Bad input to parse-paper: a clear ToolError or a bounded result, never a hang or a traceback."""

from __future__ import annotations

import time
import urllib.error

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlintern.tools.errors import ToolError
from mlintern.tools.paper import parse as parse_module
from mlintern.tools.paper import sources
from mlintern.tools.paper.parse import parse_paper_tool
from mlintern.tools.registry import ToolContext
from test_paper_helpers import make_pdf

LINES = [
    "3 Training",
    "",
    "We use a batch size of 64 and a learning rate of 0.01.",
    "The network has 5 million parameters and uses ReLU activations.",
]


def parse(workspace, path):
    return parse_paper_tool(ToolContext(workspace), paper=str(path))


def expect_error(workspace, path, code: str) -> ToolError:
    with pytest.raises(ToolError) as info:
        parse(workspace, path)
    assert info.value.code == code and info.value.hint, info.value
    return info.value


def test_missing_file(workspace, tmp_path):
    expect_error(workspace, tmp_path / "absent.pdf", "not_found")


def test_a_text_file_named_pdf(workspace, tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("these are my notes, not a PDF")
    err = expect_error(workspace, path, "not_a_pdf")
    assert "arXiv" in err.hint


def test_a_truncated_pdf(workspace, tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [LINES]).read_bytes()
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(good[: len(good) // 3])
    try:
        result = parse(workspace, bad)  # pymupdf may repair it: then it is a (partial) result
    except ToolError as err:
        assert err.code in ("corrupt_pdf", "empty_pdf")
    else:
        assert result["spec"]["paper_id"]


def test_garbage_after_the_header(workspace, tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    expect_error(workspace, path, "corrupt_pdf")


def test_an_encrypted_pdf(workspace, tmp_path):
    import pymupdf

    path = make_pdf(tmp_path / "plain.pdf", [LINES])
    with pymupdf.open(path) as doc:
        doc.save(
            tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="secret"
        )
    err = expect_error(workspace, tmp_path / "locked.pdf", "encrypted_pdf")
    assert "decrypt" in err.hint


def test_a_pdf_with_zero_pages(workspace, tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    try:
        parse(workspace, path)
    except ToolError as err:
        assert err.code in ("empty_pdf", "corrupt_pdf")
    else:
        pytest.fail("a PDF without pages gave a spec")


def test_an_oversized_file_is_refused_before_reading(workspace, tmp_path, monkeypatch):
    path = make_pdf(tmp_path / "big.pdf", [LINES])
    monkeypatch.setattr(parse_module, "MAX_PDF_BYTES", 100)
    err = expect_error(workspace, path, "too_large")
    assert "MB" in err.message


def test_a_500_page_pdf_is_read_in_bounded_time(workspace, tmp_path):
    path = make_pdf(tmp_path / "long.pdf", [LINES] * 500)
    started = time.perf_counter()
    result = parse(workspace, path)
    elapsed = time.perf_counter() - started
    assert result["spec"]["page_count"] == 500
    assert any("only the first 300" in w for w in result["warnings"])
    assert result["spec"]["hyperparameters"]["batch_size"]["value"] == 64
    assert elapsed < 120  # a generous bound against a hang, not a speed target (see bench/parse_papers.py)


def test_arxiv_offline_names_the_id_and_says_to_pass_the_pdf(workspace, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(sources.urllib.request, "urlopen", offline)
    with pytest.raises(ToolError) as info:
        parse_paper_tool(ToolContext(workspace), paper="arXiv:1706.03762")
    assert info.value.code == "offline" and "1706.03762" in info.value.message and "PDF" in info.value.hint


def test_arxiv_ids_and_urls_are_recognised():
    assert sources.arxiv_id("1706.03762") == "1706.03762"
    assert sources.arxiv_id("arXiv:2010.11929v2") == "2010.11929v2"
    assert sources.arxiv_id("https://arxiv.org/abs/1512.03385") == "1512.03385"
    assert sources.arxiv_id("https://arxiv.org/pdf/1512.03385v1.pdf") == "1512.03385v1"
    assert sources.arxiv_id("paper.pdf") is None


def test_a_cached_arxiv_download_is_reused(workspace, tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "x.pdf", [LINES]).read_bytes()
    (workspace.subdir("papers") / "arxiv-1706.03762.pdf").write_bytes(pdf)
    monkeypatch.setattr(sources.urllib.request, "urlopen", lambda *a, **k: pytest.fail("downloaded again"))
    result = parse_paper_tool(ToolContext(workspace), paper="1706.03762")
    assert result["spec"]["source"] == "arXiv:1706.03762"


def test_a_broken_tarball_of_sources(workspace, tmp_path):
    path = tmp_path / "src.tar.gz"
    path.write_bytes(b"not a tarball")
    expect_error(workspace, path, "bad_input")


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory) -> bytes:
    return make_pdf(tmp_path_factory.mktemp("seed") / "seed.pdf", [LINES, LINES]).read_bytes()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_pdfs_give_a_spec_or_a_tool_error(workspace, tmp_path, seed_pdf, data):
    raw = bytearray(seed_pdf)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 200))]
        else:
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=50))
        if not raw:
            raw = bytearray(b"%")
    path = tmp_path / "fuzzed.pdf"
    path.write_bytes(bytes(raw))
    try:
        result = parse(workspace, path)
    except ToolError as err:
        assert err.hint
    else:
        assert isinstance(result["spec"]["hyperparameters"], dict)


def test_a_scan_with_a_garbled_text_layer_gives_a_warning_not_values(workspace, shared_dir, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes((shared_dir / "papers" / "lstm_1997_scanned.pdf").read_bytes())
    result = parse(workspace, scan)
    spec = result["spec"]
    assert any("garbled" in w for w in spec["warnings"])
    assert spec["hyperparameters"] == {} and spec["variants"] == {} and spec["settings"] == {}
    assert "learning_rate" in spec["missing"]
    # letters the OCR split off are rejoined in the title; the garbled abstract is not shown as one
    assert spec["title"] == "LONG SHORT-TERM MEMORY" and spec["abstract"] == ""
