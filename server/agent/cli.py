"""``mlintern-server --auto``: the autonomous loop from the shell.

    mlintern-server --auto --once --paper examples/digits-mlp/paper.pdf --workspace /tmp/ws

With ``--paper`` one paper is processed. Without it, every PDF in
``<workspace>/papers/`` is, and unless ``--once`` the folder is then watched
(watchdog) for new ones until Ctrl-C. Progress goes to stderr (rich); with
``--json`` one JSON event per line goes to stdout instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from mlintern.tools.errors import ToolError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mlintern-server --auto",
        description="Reproduce papers autonomously: parse, scaffold, pilot, repair, train within a budget, report.",
    )
    p.add_argument("--auto", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--workspace", default=".", help="workspace folder (default: the current folder)")
    p.add_argument("--paper", help="a PDF or an arXiv id; without it, the PDFs in <workspace>/papers/")
    p.add_argument("--once", action="store_true", help="process the papers found, then exit (no watching)")
    p.add_argument(
        "--brain",
        choices=["offline", "anthropic", "auto"],
        default="auto",
        help="who decides: offline rules, Claude, or auto (Claude when ANTHROPIC_API_KEY is set)",
    )
    p.add_argument("--model", help="Claude model name (default: $MLINTERN_MODEL or claude-sonnet-4-5)")
    p.add_argument("--base-url", help="Anthropic API base URL (default: $ANTHROPIC_BASE_URL)")
    p.add_argument(
        "--price-table", help="JSON file: {model-prefix: {input, output, cache_write, cache_read}} $/Mtok"
    )
    p.add_argument(
        "--budget-minutes", type=float, default=10.0, help="wall-clock budget per paper (default 10)"
    )
    p.add_argument(
        "--train-minutes",
        type=float,
        help="training-time budget per paper (default: what the wall budget leaves)",
    )
    p.add_argument("--max-usd", type=float, default=1.0, help="LLM dollars per paper (default 1.00)")
    p.add_argument("--max-repairs", type=int, default=3, help="repair attempts per paper (default 3)")
    p.add_argument(
        "--yes", action="store_true", help="pre-approve installs, hub pushes, multi-process launches"
    )
    p.add_argument(
        "--push-to-hub", metavar="REPO", help="push the exported model to this hub repo (asks first)"
    )
    p.add_argument("--nproc", type=int, default=1, help="processes for the full run (torchrun; asks first)")
    p.add_argument(
        "--no-sandbox", action="store_true", help="run training outside the sandbox (not recommended)"
    )
    p.add_argument(
        "--restart", action="store_true", help="forget earlier progress on the paper and start over"
    )
    p.add_argument(
        "--variant",
        help="the paper's variant to run, as named (default: the paper's, or the largest that fits)",
    )
    p.add_argument(
        "--memory-gb",
        type=float,
        help="memory the runs may use, GiB (default: GPU memory with CUDA, else the RAM available)",
    )
    p.add_argument("--json", action="store_true", help="one JSON event per line on stdout")
    return p


def _options(args):
    from mlintern.tools.reproduce.loop import Options

    if args.memory_gb is not None and args.memory_gb <= 0:
        raise ToolError("--memory-gb must be positive.", hint="e.g. --memory-gb 8")
    if args.budget_minutes <= 0 or args.max_usd < 0 or args.max_repairs < 0:
        raise ToolError(
            "Budgets must be positive.", hint="e.g. --budget-minutes 5 --max-usd 0.5 --max-repairs 3"
        )
    return Options(
        budget_minutes=args.budget_minutes,
        train_minutes=args.train_minutes,
        max_repairs=args.max_repairs,
        max_usd=args.max_usd,
        yes=args.yes,
        sandbox=not args.no_sandbox,
        restart=args.restart,
        push_to_hub=args.push_to_hub,
        nproc=max(1, args.nproc),
        variant=args.variant,
        memory_gb=args.memory_gb,
    )


def _brain(args):
    from mlintern.tools.reproduce.brains import make_brain

    prices = None
    if args.price_table:
        try:
            prices = json.loads(Path(args.price_table).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ToolError(
                f"Cannot read the price table {args.price_table}: {err}.",
                hint='Pass a JSON file like {"claude-sonnet-4": {"input": 3, "output": 15, '
                '"cache_write": 3.75, "cache_read": 0.3}}.',
            ) from err
    return make_brain(
        args.brain, max_usd=args.max_usd, model=args.model, base_url=args.base_url, prices=prices
    )


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from mlintern.server.agent.display import Display
    from mlintern.server.agent.watch import process_folder, process_paper, watch_folder
    from mlintern.tools.workspace import Workspace

    display = Display(json_lines=args.json)
    cancel = threading.Event()
    try:
        root = Path(args.workspace).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        ws = Workspace(root, confined=False)
        options = _options(args)

        def brain_factory():
            return _brain(args)

        brain_factory()  # fail early on a missing key or a bad price table
        if args.paper:
            # a path is taken from where the user stands, not from the workspace
            source = str(Path(args.paper).resolve()) if Path(args.paper).exists() else args.paper
            states = [process_paper(ws, source, brain_factory, options, display, cancel)]
        else:
            states = process_folder(ws, brain_factory, options, display, cancel)
            if not args.once:
                states += watch_folder(ws, brain_factory, options, display, cancel)
    except ToolError as err:
        display.close()
        if args.json:
            print(json.dumps({"event": "error", **err.to_dict()}), flush=True)
        else:
            print(f"mlintern: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        cancel.set()
        display.close()
        print("mlintern: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    display.close()
    failed = [s for s in states if s.stop and s.stop["kind"] in {"tool_error", "internal_error", "cancelled"}]
    return 1 if failed else 0
