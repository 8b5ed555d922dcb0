#!/usr/bin/env python3
"""Speed of parse-paper over a folder of PDFs, against pymupdf's plain text extraction in the same run.

Usage: python bench/parse_papers.py [PDF_DIR] [--repeat N]
(PDF_DIR defaults to ../shared/papers). For each PDF it prints the seconds of
``page.get_text()`` over every page, the seconds of mlintern's reading + spec
building (no workspace I/O), pages per second and the ratio of the two; then the
per-paper means. Targets: <= 0.5 s for a typical 10-15 page paper on one core,
and <= 10x the plain extraction. Each figure is the best of N runs (default 3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def plain(pdf: Path) -> float:
    import pymupdf

    start = time.perf_counter()
    with pymupdf.open(pdf) as doc:
        for page in doc:
            page.get_text()
    return time.perf_counter() - start


def ours(pdf: Path) -> tuple[float, int]:
    from mlintern.tools.paper.build import build_spec
    from mlintern.tools.paper.document import read_pdf

    start = time.perf_counter()
    document = read_pdf(pdf)
    build_spec(document, paper_id="bench", source=str(pdf))
    return time.perf_counter() - start, document.page_count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf_dir", nargs="?", type=Path, default=REPO.parent / "shared" / "papers")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pdfs = sorted(args.pdf_dir.glob("*.pdf"))
    if not pdfs:
        print(f"no PDFs in {args.pdf_dir}", file=sys.stderr)
        return 1
    ours(pdfs[0])  # imports and caches out of the measurement
    print(f"{'paper':22} {'pages':>5} {'plain s':>8} {'ours s':>7} {'pages/s':>8} {'ratio':>6}")
    rows = []
    for pdf in pdfs:
        t_plain = min(plain(pdf) for _ in range(args.repeat))
        runs = [ours(pdf) for _ in range(args.repeat)]
        t_ours, pages = min(r[0] for r in runs), runs[0][1]
        rows.append((pages, t_plain, t_ours))
        print(
            f"{pdf.stem:22} {pages:>5} {t_plain:>8.3f} {t_ours:>7.3f} {pages / t_ours:>8.1f} {t_ours / t_plain:>6.1f}"
        )
    typical = [r for r in rows if 10 <= r[0] <= 15]
    print(
        f"mean per paper: plain {statistics.mean(r[1] for r in rows):.3f} s, ours "
        f"{statistics.mean(r[2] for r in rows):.3f} s, {sum(r[0] for r in rows) / sum(r[2] for r in rows):.1f} pages/s, "
        f"ratio {sum(r[2] for r in rows) / sum(r[1] for r in rows):.1f}x"
    )
    if typical:
        print(
            f"typical 10-15 page papers ({len(typical)}): ours {statistics.mean(r[2] for r in typical):.3f} s per paper"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
