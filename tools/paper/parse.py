"""The parse-paper tool: resolve the input, read it, build the spec, validate, store, summarise."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import cache
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import Document, document_from_texts, read_pdf
from mlintern.tools.paper.sources import arxiv_id, fetch_arxiv, read_latex
from mlintern.tools.workspace import PAPER_MARKDOWN, PAPER_PDF, PAPERS_DIR, SPEC_FILE

SCHEMA_PATH = Path(__file__).with_name("paperspec.schema.json")
MAX_PDF_BYTES = 300 * 1024 * 1024


@cache
def paperspec_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_spec(spec: dict) -> None:
    """Raise ``AssertionError`` when the spec breaks the shipped JSON Schema (a bug, not bad input)."""
    import jsonschema

    errors = list(jsonschema.Draft202012Validator(paperspec_schema()).iter_errors(spec))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise AssertionError(f"PaperSpec breaks its schema at {where or '<root>'}: {errors[0].message}")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def resolve_paper(ctx, paper: str) -> tuple[str, Path, str]:
    """``(kind, path, source)`` with kind ``pdf`` or ``latex``; downloads arXiv papers into the cache."""
    ident = arxiv_id(paper)
    candidate = Path(paper).expanduser()
    looks_local = candidate.suffix.lower() in (".pdf", ".gz", ".tgz", ".tar") or candidate.exists()
    if ident and not looks_local:
        return "pdf", fetch_arxiv(ident, ctx.workspace.subdir(PAPERS_DIR)), f"arXiv:{ident}"
    path = ctx.workspace.path(paper)
    if not path.exists():
        raise ToolError(
            f"{paper!r} does not exist (looked at {path}).",
            hint="Pass a PDF path, an arXiv id such as 1706.03762, or a folder/tarball of LaTeX sources.",
            code="not_found",
        )
    if path.is_dir() or path.name.endswith((".tar.gz", ".tgz", ".tar")):
        return "latex", path, str(paper)
    if path.stat().st_size > MAX_PDF_BYTES:
        raise ToolError(
            f"{path.name} is {path.stat().st_size // 2**20} MB; parse-paper reads PDFs up to "
            f"{MAX_PDF_BYTES // 2**20} MB.",
            hint="Pass the paper without its supplementary material.",
            code="too_large",
        )
    return "pdf", path, str(paper)


def read_document(ctx, kind: str, path: Path) -> tuple[Document, str]:
    if kind == "latex":
        text = read_latex(path)
        doc = document_from_texts([text])
        doc.warnings.append(
            "Read from LaTeX sources, which have no pages: every fact cites page 1 of the "
            "concatenated source text, not a PDF page."
        )
        return doc, hashlib.sha256(text.encode()).hexdigest()[:16]

    def progress(done: int, total: int) -> None:
        ctx.progress(done, total, f"page {done}/{total}")

    return read_pdf(path, progress=progress, check_cancelled=ctx.check_cancelled), _digest(path)


def parse_paper_tool(ctx, paper: str, output: str | None = None, refine: bool = False) -> dict:
    """Read a paper (PDF, arXiv id/URL, LaTeX sources) into a cited PaperSpec and store it."""
    kind, path, source = resolve_paper(ctx, paper)
    document, paper_id = read_document(ctx, kind, path)
    spec = build_spec(document, paper_id=paper_id, source=source)
    if refine and ctx.brain is not None:
        from mlintern.tools.paper.refine import refine_spec

        refine_spec(spec, document, ctx.brain)
    elif refine:
        spec["warnings"].append(
            "refine was asked for but no brain is configured; the spec is rule-based only."
        )
    validate_spec(spec)
    paper_dir = ctx.workspace.paper_dir(paper_id, create=True)
    spec_path = paper_dir / SPEC_FILE
    text = json.dumps(spec, indent=1, ensure_ascii=False)
    spec_path.write_text(text)
    from mlintern.tools.paper.markdown import to_markdown

    (paper_dir / PAPER_MARKDOWN).write_text(to_markdown(document))
    if kind == "pdf" and not (paper_dir / PAPER_PDF).exists():
        shutil.copyfile(path, paper_dir / PAPER_PDF)
    out_path = spec_path
    if output:
        out_path = _output_path(ctx, output)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text)
    ctx.workspace.record_paper(
        paper_id,
        source=source,
        pdf_path=str(paper_dir / PAPER_PDF) if kind == "pdf" else str(path),
        spec_path=str(spec_path),
        title=spec["title"] or None,
        family=spec["family"]["value"],
    )
    counts = {
        "pages": document.page_count,
        "hyperparameters": len(spec["hyperparameters"]),
        "variants": len(spec["variants"]),
        "variant_facts": sum(len(v) for v in spec["variants"].values()),
        "tables": len(spec["tables"]),
        "missing": len(spec["missing"]),
    }
    return {
        "paper_id": paper_id,
        "spec_path": str(out_path),
        "title": spec["title"],
        "family": spec["family"]["value"],
        "counts": counts,
        "warnings": spec["warnings"],
        "summary": _summary(spec, counts, out_path),
        "spec": spec,
    }


def _output_path(ctx, output: str) -> Path:
    """Confined faces (MCP, LSP) write inside the workspace only; the CLI writes where its user says."""
    if getattr(ctx.workspace, "confined", True):
        return ctx.workspace.path(output, write=True)
    p = Path(output).expanduser()
    return ctx.workspace.path(output) if not p.is_absolute() else p.resolve()


def _summary(spec: dict, counts: dict, out_path: Path) -> str:
    lines = [
        f"{spec['title'] or '(untitled)'} — family {spec['family']['value']}, {counts['pages']} pages",
        f"{counts['hyperparameters']} cited hyperparameters, {counts['variants']} variants"
        + (f" (default {spec['default_variant']})" if spec["default_variant"] else "")
        + f", {counts['missing']} missing: {', '.join(spec['missing']) or 'none'}",
    ]
    if spec["warnings"]:
        lines.append(f"{len(spec['warnings'])} warning(s): {spec['warnings'][0]}")
    lines.append(f"spec: {out_path}")
    return "\n".join(lines)
