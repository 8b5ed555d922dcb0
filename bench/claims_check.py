"""Print parse-paper's ``results`` (the paper's claims) for named papers, for hand-checking the main claim.

    python bench/claims_check.py transformer resnet ...   (default: the 14 development papers)

Each paper: its claims as ``metric=value unit ds= split= setting= main? page | quote``, the main one
first and starred. The main claim is judged by hand against the PDF (docs/auto.md has the figures).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mlintern.tools.paper.build import build_spec
from mlintern.tools.paper.document import read_pdf

PAPERS = Path(__file__).resolve().parents[1] / ".." / "shared" / "papers"
DEV = (
    "transformer resnet gpt1 vit alexnet lenet seq2seq mobilenetv2 yolo batchnorm densenet gan convnext llama"
)


def main(argv: list[str]) -> int:
    names = argv or DEV.split()
    for name in names:
        spec = build_spec(read_pdf(PAPERS / f"{name}.pdf"), paper_id=name, source=name)
        results = spec.get("results") or []
        main = [r for r in results if r.get("main")]
        print(
            f"== {name}: {len(results)} results, datasets {[d.get('name') for d in spec.get('datasets') or []]}"
        )
        for r in main + [r for r in results if not r.get("main")]:
            star = "*" if r.get("main") else " "
            print(
                f" {star} {r.get('metric')}={r.get('value')}{r.get('unit') or ''} ds={r.get('dataset')}"
                f"{'(inf)' if r.get('dataset_inferred') else ''} split={r.get('split')} "
                f"set={r.get('setting')} tab={int(bool(r.get('table')))} p{r.get('page')} | "
                f"{(r.get('quote') or '')[:140]}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
