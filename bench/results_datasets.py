"""How each claim's dataset is attached, over the bundled papers: what a person judges right or wrong.

    python bench/results_datasets.py [--papers DIR] [--out FILE.json] [--only a,b]

For every result parse-paper keeps, prints the dataset, how it was found (``clause``: the value's own clause
names it; ``sentence``: the sentence names exactly one dataset; ``previous``: "this dataset" after a sentence
that named one; ``caption``/``header``: the results table's caption or column; ``-``: none, unstated) and
the quote, so that each can be judged by hand. (Before the conservative rule, ``main`` marked the paper's
main dataset attached to a number that named none.)
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from mlintern.tools.paper import results as R
from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import read_pdf

PAPERS = Path(__file__).resolve().parents[1] / ".." / "shared" / "papers"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", default=str(PAPERS))
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    pdfs = sorted(Path(a.papers).glob("*.pdf"))
    if a.only:
        pdfs = [p for p in pdfs if p.stem in a.only.split(",")]
    dump, counts = {}, Counter()
    for pdf in pdfs:
        R.TRACE = []
        spec = build_spec(read_pdf(pdf), paper_id=pdf.stem, source=str(pdf))
        trace = {(t["metric"], t["value"], t["page"], t["quote"]): t for t in R.TRACE}
        rows = []
        for r in spec.get("results") or []:
            t = trace.get((r.get("metric"), r.get("value"), r.get("page"), r.get("quote"))) or {}
            how = t.get("how") or "-"
            if not r.get("dataset"):
                how = "-"
            counts[how] += 1
            rows.append(
                {
                    **{k: r.get(k) for k in ("metric", "value", "unit", "dataset", "page", "quote")},
                    "how": how,
                    "where": t.get("where"),
                }
            )
            print(
                f"{pdf.stem:18} {r.get('metric')}={r.get('value')} ds={r.get('dataset')!s:24} "
                f"[{how}/{t.get('where')}] p{r.get('page')} {str(r.get('quote'))[:110]!r}"
            )
        dump[pdf.stem] = rows
    R.TRACE = None
    print("by how:", dict(counts), "total", sum(counts.values()))
    if a.out:
        Path(a.out).write_text(json.dumps(dump, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
