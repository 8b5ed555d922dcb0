"""Builders for the small PDFs the paper tests generate with pymupdf (no test functions here)."""

from __future__ import annotations

from pathlib import Path

import pytest

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def unicode_font() -> Path:
    """A TrueType font with β, ϵ, −, · and the ﬁ ligature; tests that need one skip without it."""
    if not DEJAVU.is_file():
        pytest.skip("DejaVuSans.ttf is not installed (needed for Unicode math in generated PDFs)")
    return DEJAVU


def write_lines(
    page,
    lines: list[str],
    *,
    x: float = 50,
    y: float = 72,
    size: float = 9,
    step: float = 13,
    font: Path | None = None,
) -> float:
    kwargs = {}
    if font is not None:
        page.insert_font(fontname="dv", fontfile=str(font))
        kwargs["fontname"] = "dv"
    for line in lines:
        if line:  # an empty line leaves a gap, so pymupdf starts a new block (a paragraph)
            page.insert_text((x, y), line, fontsize=size, **kwargs)
        y += step
    return y


def make_pdf(path: Path, pages: list[list[str]], *, font: Path | None = None) -> Path:
    """One text line per entry, one list per page."""
    import pymupdf

    doc = pymupdf.open()
    for lines in pages:
        page = doc.new_page()
        write_lines(page, lines, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def make_two_column_pdf(path: Path, left: list[str], right: list[str], *, title: str) -> Path:
    """A title across the page, then two columns; the right column is written to the PDF first."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()  # 595 x 842
    write_lines(page, [title], x=120, y=60, size=14)
    write_lines(page, right, x=310, y=100)
    write_lines(page, left, x=40, y=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def make_table_pdf(
    path: Path,
    intro: list[str],
    header: list[str],
    rows: list[list[str]],
    caption: str,
    *,
    xs: list[float],
    after: list[str] = (),
) -> Path:
    """Prose, then a ruleless table (cells placed at column x positions), its caption, more prose."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    y = write_lines(page, intro)
    y += 10
    for cell, x in zip(header, xs, strict=True):
        page.insert_text((x, y), cell, fontsize=9)
    y += 16
    for row in rows:
        for cell, x in zip(row, xs, strict=False):
            if cell:
                page.insert_text((x, y), cell, fontsize=9)
        y += 13
    y = write_lines(page, [caption], y=y + 8)
    write_lines(page, list(after), y=y + 10)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path
