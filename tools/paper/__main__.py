"""``python -m mlintern.tools.paper PAPER -o spec.json``: parse-paper without the CLI front end."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mlintern.tools.errors import ToolError
from mlintern.tools.registry import ToolContext
from mlintern.tools.workspace import Workspace


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mlintern.tools.paper", description=__doc__)
    ap.add_argument("paper")
    ap.add_argument("-o", "--output")
    ap.add_argument("--workspace", default=".")
    args = ap.parse_args(argv)
    from mlintern.tools.paper.parse import parse_paper_tool

    try:
        ctx = ToolContext(Workspace(Path(args.workspace), confined=False))
        result = parse_paper_tool(ctx, paper=args.paper, output=args.output, refine=False)
    except ToolError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not args.output:
        print(json.dumps(result["spec"], indent=1, ensure_ascii=False))
    else:
        print(result["summary"], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
