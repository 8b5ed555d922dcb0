"""Which stated facts each template does not express, over every (paper, variant) of the ground truth.

For each paper of ``../shared/papers/ground_truth.json`` and each of its variants (the paper-wide
values alone where it has none): ground truth -> PaperSpec (every fact as the paper's) -> scaffold-model
with the offline brain -> the ``unexpressed`` list (what would go to a brain that writes code). Prints one
line per configuration with gaps, then the totals by kind.

    python bench/unexpressed_facts.py [--shared ../shared] [--papers a,b,c]
"""

from __future__ import annotations

import argparse
import collections
import json
import tempfile
from pathlib import Path

from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace


def fact(f: dict) -> dict:
    return {"value": f["value"], "page": f.get("page"), "quote": f.get("quote"), "source": "paper"}


def spec_of(entry: dict) -> dict:
    fam = entry["family"]
    return {
        "title": entry["title"],
        "family": {"value": fam["value"], "evidence": [{"page": fam.get("page"), "quote": fam.get("quote")}]},
        "hyperparameters": {k: fact(v) for k, v in entry["hyperparameters"].items()},
        "variants": {n: {k: fact(v) for k, v in vs.items()} for n, vs in entry["variants"].items()},
        "default_variant": entry.get("default_variant"),
    }


def kind(gap: str) -> str:
    if gap.startswith("num_params"):
        return "count missed by more than 3%"
    if "has no such block" in gap:
        return "named component without a block"
    if "cannot take this form" in gap:
        return "stated value a field cannot take"
    return "stated op absent from model.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared")
    parser.add_argument("--papers", default=None, help="comma-separated paper names (default: all)")
    args = parser.parse_args()
    entries = json.loads((Path(args.shared) / "papers" / "ground_truth.json").read_text())["papers"]
    wanted = set(args.papers.split(",")) if args.papers else None
    kinds, configs, flagged = collections.Counter(), 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        for entry in entries:
            if wanted and entry["paper"] not in wanted:
                continue
            (Path(tmp) / "spec.json").write_text(json.dumps(spec_of(entry)))
            for variant in list(entry["variants"]) or [None]:
                configs += 1
                try:
                    result = registry.call(
                        "scaffold-model",
                        {"spec": "spec.json", "output": "p", "variant": variant, "overwrite": True},
                        ToolContext(ws),
                    )
                except Exception as err:  # noqa: BLE001 - a spec scaffold refuses is reported, not fatal
                    print(f"{entry['paper']}/{variant}: scaffold failed: {err}")
                    continue
                gaps = result["unexpressed"]
                flagged += bool(gaps)
                kinds.update(kind(g) for g in gaps)
                for gap in gaps:
                    print(f"{entry['paper']}/{variant} [{result['family']}]: {gap[:150]}")
    print(f"\n{flagged}/{configs} configurations have facts their template does not express")
    for name, n in kinds.most_common():
        print(f"  {n:3d} {name}")


if __name__ == "__main__":
    main()
