"""Figures for parse-paper's ``results`` and ``datasets`` over the bundled papers (../shared/papers).

    python bench/results_figures.py [--show dev|held-out|all] [--out FILE.json]

Papers are split by name: the first 20 (sorted) are the development set whose output was read while
writing tools/paper/results.py; the other 12 were measured before being looked at. Per set it prints
how many papers got at least one result, results with a dataset, with a split, table rows, rows marked
as the paper's main model, and papers with a named dataset. ``--show`` prints the extracted claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import read_pdf

PAPERS = Path(__file__).resolve().parents[1] / ".." / "shared" / "papers"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", choices=["dev", "held-out", "all"], default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--papers", default=str(PAPERS))
    a = ap.parse_args()
    pdfs = sorted(Path(a.papers).glob("*.pdf"))
    sets = {"dev": pdfs[:20], "held-out": pdfs[20:]}
    dump = {}
    for name, group in sets.items():
        stats = dict(
            papers=len(group),
            with_result=0,
            results=0,
            with_dataset=0,
            with_split=0,
            table_rows=0,
            main_rows=0,
            with_named_dataset=0,
        )
        for pdf in group:
            spec = build_spec(read_pdf(pdf), paper_id=pdf.stem, source=str(pdf))
            results, datasets = spec.get("results") or [], spec.get("datasets") or []
            dump[pdf.stem] = {"results": results, "datasets": [d.get("name") for d in datasets]}
            stats["with_result"] += bool(results)
            stats["results"] += len(results)
            stats["with_dataset"] += sum(1 for r in results if r.get("dataset"))
            stats["with_split"] += sum(1 for r in results if r.get("split"))
            stats["table_rows"] += sum(1 for r in results if r.get("table"))
            stats["main_rows"] += sum(1 for r in results if r.get("main"))
            stats["with_named_dataset"] += bool(datasets)
            if a.show in (name, "all"):
                print(f"== {pdf.stem}: datasets {[d.get('name') for d in datasets]}")
                for r in results:
                    print(
                        f"   {r.get('metric')}={r.get('value')}{r.get('unit') or ''} ds={r.get('dataset')} "
                        f"split={r.get('split')} setting={r.get('setting')} main={r.get('main')} p{r.get('page')}"
                        f" | {r.get('quote', '')[:110]}"
                    )
        print(name, json.dumps(stats))
    if a.out:
        Path(a.out).write_text(json.dumps(dump, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
