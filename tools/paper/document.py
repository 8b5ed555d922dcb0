"""The document model: a PDF read with pymupdf into pages of running text, sections,
captions and text lines with positions (for ruleless tables).

Why a model of our own instead of ``page.get_text()``: two-column papers need
reading order, line-end hyphenation and ligatures must be undone before
patterns can match, and tables are only readable from word positions. Each
page also keeps the folded text of pymupdf's plain extraction, which is what a
quote is checked against, so every quote mlintern emits is verified verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.paper.text import clean_line, join_lines, norm_quote

MAX_PAGES = 300  # longer documents (theses, books) are read up to here, with a warning
_HEADING_RE = re.compile(
    r"^(?:(?P<num>(?:\d{1,2}|[A-H])(?:\.\d{1,2}){0,3})\.?\s+)?(?P<title>[A-Z][A-Za-z][\w ,:&'()\-/]{1,70})$"
)
_REF_HEADINGS = {"references", "bibliography", "literature cited", "reference"}
_APPENDIX_RE = re.compile(r"^(?:appendix|appendices|supplementary|[A-H](?:\.\d+)?\.?\s+[A-Z])", re.I)
CAPTION_RE = re.compile(r"^(Table|Figure|Fig\.)\s*(\d+|[A-Z]\.?\d+)\s*[:.|]", re.I)


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Line:
    """Words sharing a baseline, left to right (a table row when the page holds a table)."""

    y: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Page:
    number: int  # 1-based
    text: str  # running text in reading order, hyphenation and ligatures undone
    blocks: list[str]
    check_text: str  # norm_quote of pymupdf's plain text: what quotes are verified against
    width: float = 0.0
    words: list[Word] = field(default_factory=list)
    in_references: bool = False
    two_column: bool = False
    powers: frozenset[str] = frozenset()  # "220": a base and its superscript exponent (2^20) run together

    def lines(self, tolerance: float = 3.0) -> list[Line]:
        """Cluster the page's words into lines by vertical centre (superscripts stay on their row)."""
        rows: list[Line] = []
        for w in sorted(self.words, key=lambda w: (w.y0 + w.y1) / 2):
            yc = (w.y0 + w.y1) / 2
            if rows and abs(rows[-1].y - yc) <= tolerance:
                rows[-1].words.append(w)
            else:
                rows.append(Line(yc, [w]))
        for row in rows:
            row.words.sort(key=lambda w: w.x0)
        return rows


@dataclass
class Section:
    title: str
    page: int
    number: str | None = None


@dataclass
class Caption:
    kind: str  # table | figure
    label: str
    page: int
    text: str


@dataclass
class Document:
    pages: list[Page]
    title: str = ""
    metadata_title: str = ""
    sections: list[Section] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    page_count: int = 0
    cache: dict = field(default_factory=dict, repr=False)  # derived views (sentences), computed once

    def body_pages(self) -> list[Page]:
        return [p for p in self.pages if not p.in_references]

    def verify(self, page: int, quote: str) -> bool:
        """True when ``quote`` occurs on ``page`` (or runs onto the next one) after folding."""
        if not quote or not 1 <= page <= len(self.pages):
            return False
        q = norm_quote(quote)
        if not q:
            return False
        here = self.pages[page - 1].check_text
        nxt = self.pages[page].check_text if page < len(self.pages) else ""
        return q in here or q in here + nxt


def _reading_order(blocks: list[tuple], width: float) -> list[tuple]:
    """Order text blocks for one- or two-column pages.

    Blocks spanning the middle of the page split it into bands; inside a band
    the left column is read before the right one.
    """
    mid = width / 2
    ordered: list[tuple] = []
    band: list[tuple] = []

    def flush() -> None:
        left = sorted((b for b in band if b[2] <= mid + 12), key=lambda b: (b[1], b[0]))
        right = sorted((b for b in band if b[2] > mid + 12), key=lambda b: (b[1], b[0]))
        ordered.extend(left + right)
        band.clear()

    for b in sorted(blocks, key=lambda b: (b[1], b[0])):
        spans_middle = b[0] < mid - 12 and b[2] > mid + 12
        if spans_middle:
            flush()
            ordered.append(b)
        else:
            band.append(b)
    flush()
    return ordered


def open_pdf(path: Path):
    """Open a PDF with pymupdf, turning every way it can be unreadable into a ToolError."""
    import pymupdf

    try:
        head = path.open("rb").read(1024)
    except OSError as err:
        raise ToolError(
            f"Cannot read {path}: {err.strerror}.", hint="Check the path and its permissions."
        ) from err
    if b"%PDF" not in head:
        raise ToolError(
            f"{path.name} is not a PDF (it does not start with %PDF).",
            hint="Pass the paper's PDF, an arXiv id, or a folder/tarball of its LaTeX sources.",
            code="not_a_pdf",
        )
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as err:  # pymupdf raises its own FileDataError / RuntimeError variants
        raise ToolError(
            f"{path.name} is a damaged PDF pymupdf cannot open ({err}).",
            hint="Download the PDF again, or pass the paper's arXiv id.",
            code="corrupt_pdf",
        ) from err
    if doc.needs_pass:
        doc.close()
        raise ToolError(
            f"{path.name} is encrypted with a password.",
            hint="Save an unencrypted copy (e.g. `qpdf --decrypt in.pdf out.pdf`) and pass that.",
            code="encrypted_pdf",
        )
    if doc.page_count == 0:
        doc.close()
        raise ToolError(f"{path.name} has no pages.", hint="Pass the paper's full PDF.", code="empty_pdf")
    return doc


def read_pdf(path: Path, *, progress=None, check_cancelled=None) -> Document:
    """Read a PDF into a ``Document``. ``progress(done, total)`` is called once per page."""
    doc = open_pdf(path)
    warnings: list[str] = []
    try:
        total = doc.page_count
        if total > MAX_PAGES:
            warnings.append(f"The PDF has {total} pages; only the first {MAX_PAGES} were read.")
        n = min(total, MAX_PAGES)
        pages: list[Page] = []
        for i in range(n):
            if check_cancelled:
                check_cancelled()
            try:
                page = doc[i]
                pages.append(_read_page(page, i + 1))
            except Exception as err:  # one broken page must not lose the paper
                warnings.append(f"Page {i + 1} could not be read ({err.__class__.__name__}); it was skipped.")
                pages.append(Page(i + 1, "", [], ""))
            if progress:
                progress(i + 1, n)
        meta_title = (doc.metadata or {}).get("title") or ""
    finally:
        doc.close()
    document = Document(pages=pages, metadata_title=meta_title.strip(), warnings=warnings, page_count=total)
    _structure(document)
    return document


def _read_page(page, number: int) -> Page:
    width = page.rect.width
    textpage = page.get_textpage()  # parse the page once, read it three ways
    raw_blocks = [b for b in page.get_text("blocks", textpage=textpage) if b[6] == 0 and b[4].strip()]
    blocks = [join_lines(b[4].split("\n")) for b in _reading_order(raw_blocks, width)]
    words = [
        Word(w[0], w[1], w[2], w[3], clean_line(w[4])) for w in page.get_text("words", textpage=textpage)
    ]
    check = norm_quote(page.get_text(textpage=textpage))
    mid = width / 2
    left = sum(1 for b in raw_blocks if b[2] <= mid + 12 and len(b[4]) > 80)
    right = sum(1 for b in raw_blocks if b[0] >= mid - 12 and len(b[4]) > 80)
    two_column = left >= 2 and right >= 2
    return Page(
        number,
        "\n".join(blocks),
        blocks,
        check,
        width,
        words,
        two_column=two_column,
        powers=_flattened_powers(page, textpage),
    )


_SUPERSCRIPT = 1  # pymupdf's span flag bit for superscript text (TEXT_FONT_SUPERSCRIPT)


def _flattened_powers(page, textpage) -> frozenset[str]:
    """Numbers whose last digits are a superscript exponent: plain text reads "trained for 2^20 updates" as
    "220 updates", so such a number is not the value it seems (a footnote mark after a number likewise)."""
    out = set()
    for block in page.get_text("dict", textpage=textpage)["blocks"]:
        for line in block.get("lines", []):
            for before, span in zip(line["spans"], line["spans"][1:], strict=False):
                base, exponent = re.search(r"(\d+)$", before["text"]), span["text"].strip()
                # a square ("224^2" read as "2242") is an image side, which the image-size reader undoes
                if span["flags"] & _SUPERSCRIPT and exponent.isdigit() and exponent != "2" and base:
                    out.add(base.group(1) + exponent)
    return frozenset(out)


def document_from_texts(texts: list[str]) -> Document:
    """A document from plain page texts (LaTeX sources, tests): no positions, so no tables."""
    pages = []
    for i, t in enumerate(texts):
        blocks = [join_lines(par.split("\n")) for par in re.split(r"\n\s*\n", t) if par.strip()]
        pages.append(Page(i + 1, "\n".join(blocks), blocks, norm_quote(t)))
    document = Document(pages=pages, page_count=len(pages))
    _structure(document)
    return document


def _structure(document: Document) -> None:
    """Find the title, section headings, captions and the reference list (cut from the body)."""
    in_refs = False
    for page in document.pages:
        body: list[str] = []
        for block in page.blocks:
            first = block.split("\n")[0]
            head = _heading(first)
            if head is not None:
                num, title = head
                if title.lower().strip(" .") in _REF_HEADINGS:
                    in_refs = True
                    document.sections.append(Section(title, page.number, num))
                    continue
                if in_refs and _APPENDIX_RE.match(first):
                    in_refs = False
                if not in_refs:
                    document.sections.append(Section(title, page.number, num))
            if in_refs and not CAPTION_RE.match(block):
                continue  # reference entries; a table caption set among them (appendix tables) is kept
            body.append(block)
            m = CAPTION_RE.match(block)
            if m:
                kind = "table" if m.group(1).lower() == "table" else "figure"
                document.captions.append(
                    Caption(kind, f"{m.group(1).title()} {m.group(2)}", page.number, block[:400])
                )
        page.in_references = not body and bool(page.blocks)
        page.blocks = body
        page.text = "\n".join(body)
    document.title = _title(document)


def _heading(line: str) -> tuple[str | None, str] | None:
    line = line.strip()
    if len(line) > 80 or len(line) < 4:
        return None
    m = _HEADING_RE.match(line)
    if not m:
        return None
    title = m.group("title").strip()
    if not m.group("num") and title.lower().strip(" .") not in _REF_HEADINGS | {
        "abstract",
        "introduction",
        "conclusion",
        "conclusions",
        "appendix",
        "acknowledgments",
        "acknowledgements",
    }:
        return None
    if m.group("num") and (title.endswith(".") or len(title.split()) > 9):
        return None
    return m.group("num"), title


def _title(document: Document) -> str:
    meta = document.metadata_title
    if meta and len(meta) > 8 and not re.search(r"\.(pdf|dvi|tex|docx?)$|^untitled|^microsoft", meta, re.I):
        return meta
    if not document.pages:
        return ""
    for block in document.pages[0].blocks[:6]:
        text = block.strip()
        if 8 <= len(text) <= 200 and not re.search(
            r"arxiv|preprint|proceedings|conference|journal|@|\d{4}", text, re.I
        ):
            return text
    return ""
