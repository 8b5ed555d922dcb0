"""The markdown view of a paper: reading-order text, a heading per section, page anchors.

Built from the same document model as the spec (milliseconds, not the ~10 s
per paper pymupdf4llm takes), written next to the spec as ``paper.md`` when the
paper is parsed, and served in chunks so an LLM can read a long paper piece by
piece and cite pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.paper.document import CAPTION_RE, Document, _heading
from mlintern.tools.workspace import PAPER_MARKDOWN, PAPER_PDF


def to_markdown(document: Document) -> str:
    lines = [f"# {document.title or 'Untitled paper'}", ""]
    for page in document.body_pages():
        lines += [f"<!-- page {page.number} -->", ""]
        for block in page.blocks:
            head = _heading(block.split("\n")[0][:80])
            if head is not None and len(block) < 90:
                num, title = head
                depth = min(4, 2 + (num.count(".") if num else 0))
                lines += ["#" * depth + " " + (f"{num} {title}" if num else title), ""]
            elif CAPTION_RE.match(block):
                lines += [f"> {block}", ""]
            else:
                lines += [block, ""]
    return "\n".join(lines)


def markdown_sections(text: str) -> list[dict]:
    """Headings of a markdown view with their page and character offset."""
    out, page = [], 1
    for m in re.finditer(r"^(?:<!-- page (\d+) -->|(#{2,4}) (.+))$", text, re.M):
        if m.group(1):
            page = int(m.group(1))
        else:
            out.append({"title": m.group(3), "page": page, "offset": m.start()})
    return out


def _markdown_for(ctx, paper: str) -> tuple[str, Path]:
    ws = ctx.workspace
    record = ws.get_paper(paper) if re.fullmatch(r"[0-9a-f]{16}", paper) else None
    if record is None:
        from mlintern.tools.paper.parse import parse_paper_tool

        if not paper.lower().endswith(".pdf") and not Path(paper).suffix:
            raise ToolError(
                f"No paper {paper!r} in this workspace.",
                hint="Pass a paper id printed by parse-paper (see workspace-status), or a PDF path.",
                code="not_found",
            )
        paper = parse_paper_tool(ctx, paper=paper)["paper_id"]
    return paper, markdown_path(ws, paper)


def markdown_path(ws, paper_id: str) -> Path:
    """``paper.md`` of a parsed paper; a paper parsed before it existed gets it built from its cached PDF once."""
    folder = ws.paper_dir(paper_id)
    path = folder / PAPER_MARKDOWN
    if not path.is_file():
        pdf = folder / PAPER_PDF
        if not pdf.is_file():
            raise ToolError(
                f"Paper {paper_id} has neither a markdown view nor its PDF in the workspace.",
                hint="Run parse-paper on the PDF again.",
                code="not_found",
            )
        from mlintern.tools.paper.document import read_pdf

        path.write_text(to_markdown(read_pdf(pdf)), encoding="utf-8")
    return path


def paper_markdown_tool(
    ctx, paper: str, section: str | None = None, offset: int = 0, max_chars: int = 20000
) -> dict:
    paper_id, path = _markdown_for(ctx, paper)
    text = path.read_text(encoding="utf-8")
    sections = markdown_sections(text)
    start, end = offset, len(text)
    if section:
        wanted = section.strip().lower()
        hit = next(
            (
                i
                for i, s in enumerate(sections)
                if s["title"].lower().startswith(wanted + " ") or s["title"].lower() == wanted
            ),
            None,
        )
        if hit is None:
            hit = next((i for i, s in enumerate(sections) if wanted in s["title"].lower()), None)
        if hit is None:
            names = "; ".join(s["title"] for s in sections[:40])
            raise ToolError(
                f"No section {section!r} in paper {paper_id}.", hint=f"Sections: {names}.", code="not_found"
            )
        start = sections[hit]["offset"] + offset
        end = sections[hit + 1]["offset"] if hit + 1 < len(sections) else len(text)
    chunk = text[start : min(end, start + max_chars)]
    next_offset = None
    if start + len(chunk) < end:
        next_offset = offset + len(chunk)
    listing = [{"title": s["title"], "page": s["page"]} for s in sections]
    summary = (
        f"paper {paper_id}: {len(chunk)} of {end - start} characters"
        + (f" of section {section!r}" if section else "")
        + (f"; continue with offset={next_offset}" if next_offset is not None else "")
    )
    return {
        "paper_id": paper_id,
        "markdown_path": str(path),
        "sections": listing,
        "text": chunk,
        "next_offset": next_offset,
        "summary": summary,
    }
