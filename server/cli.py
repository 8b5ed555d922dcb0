"""Command-line faces: ``mlintern <tool> ...`` and ``mlintern-server``.

``mlintern`` exposes every registry tool as a subcommand whose options are
generated from the tool's input schema, so a new tool needs no CLI code.
Exit status: 0 success, 1 failure, 2 bad input or usage.

``mlintern-server`` starts a server: MCP over stdio (default) or streamable
HTTP (``--http HOST:PORT``), LSP over stdio (``--lsp``), or the autonomous
loop (``--auto``, engine in ``mlintern.tools.reproduce``, shell face in ``mlintern.server.agent``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from typing import Any

from mlintern.sandbox.files import printable
from mlintern.server import __version__
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


# --------------------------------------------------------------------------- mlintern
def _first_sentence(text: str) -> str:
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    return paragraph.split(". ")[0].rstrip(".") + "."


def _add_option(
    parser: argparse.ArgumentParser, tool: registry.Tool, name: str, prop: dict, required: bool
) -> None:
    kind = prop.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), "string")
    help_text = prop.get("description", "")
    if "enum" in prop:
        help_text += f" One of: {', '.join(map(str, prop['enum']))}."
    if "default" in prop and prop["default"] is not None:
        help_text += f" Default: {json.dumps(prop['default'])}."
    help_text = help_text.replace("%", "%%")  # argparse formats help with %
    dest = name
    if name in tool.cli_positional:
        parser.add_argument(
            dest,
            metavar=name.upper(),
            nargs=None if required else "?",
            type=_converter(kind),
            help=help_text or None,
        )
        return
    flags = [f"--{name.replace('_', '-')}"]
    if name in tool.cli_short:
        flags.insert(0, tool.cli_short[name])
    if kind == "boolean":
        parser.add_argument(
            *flags, dest=dest, action=argparse.BooleanOptionalAction, default=None, help=help_text
        )
        return
    if kind in ("array", "object"):
        help_text += " (JSON)" if kind == "object" else " (JSON list, or repeat the option)"
    parser.add_argument(
        *flags,
        dest=dest,
        required=required,
        default=None,
        action="append" if kind == "array" else "store",
        type=_converter(kind if kind != "array" else (prop.get("items") or {}).get("type", "string")),
        choices=prop.get("enum"),
        metavar=name.upper(),
        help=help_text,
    )


def _converter(kind: str | None):
    def convert(text: str) -> Any:
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text)
            if kind in ("object",):
                return json.loads(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from err
        return text

    convert.__name__ = kind or "string"
    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlintern",
        description="Run one mlintern tool from the shell. `mlintern TOOL --help` explains each argument.",
    )
    parser.add_argument("--version", action="version", version=f"mlintern {__version__}")
    sub = parser.add_subparsers(dest="tool", metavar="TOOL")
    for tool in registry.tools().values():
        tp = sub.add_parser(
            tool.name,
            help=_first_sentence(tool.description).replace("%", "%%"),
            description=tool.description.replace("%", "%%"),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        required = set(tool.input_schema.get("required", []))
        for name, prop in tool.input_schema.get("properties", {}).items():
            _add_option(tp, tool, name, prop, name in required)
        tp.add_argument(
            "--workspace",
            "-w",
            dest="_workspace",
            default=None,
            metavar="DIR",
            help="Workspace folder holding .mlintern/ state. Default: $MLINTERN_WORKSPACE or the current folder.",
        )
        tp.add_argument("--json", dest="_json", action="store_true", help="Print the whole result as JSON.")
        if "yes" in tool.input_schema.get("properties", {}):  # the tool's own --yes pre-approves as well
            continue
        tp.add_argument(
            "--yes",
            "-y",
            dest="_yes",
            action="store_true",
            help="Pre-approve steps that weaken the sandbox (--no-sandbox, nnodes > 1 network). Without "
            "it they are asked on a terminal and refused otherwise.",
        )
    return parser


def _cli_approval(pre_approved: bool):
    """``ask(question) -> bool``: --yes approves; on a terminal the person is asked; else nobody can be."""
    if pre_approved:
        return lambda question: True
    if not sys.stdin.isatty():
        return None

    def ask(question: str) -> bool:
        try:
            answer = input(f"{question} [y/N] ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

    return ask


class _ProgressLine:
    """A one-line progress display on stderr (only when stderr is a terminal or asked for)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: float, total: float | None, message: str | None) -> None:
        if not self.enabled:
            return
        if total:
            width = 24
            filled = int(width * min(done / total, 1.0))
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done:g}/{total:g}"
        else:
            bar = f"{done:g}"
        sys.stderr.write(f"\r\033[K{bar} {printable(message or '')}"[:200])
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    tool = registry.get(ns.tool)
    args = {k: v for k, v in vars(ns).items() if not k.startswith("_") and k != "tool" and v is not None}
    args = _json_arrays(tool, args)

    from mlintern.tools.workspace import Workspace

    progress = _ProgressLine(enabled=sys.stderr.isatty() or os.environ.get("MLINTERN_PROGRESS") == "1")
    cancel = threading.Event()
    try:
        workspace = Workspace(
            ns._workspace or os.environ.get("MLINTERN_WORKSPACE") or os.getcwd(),
            confined=False,
            base=os.getcwd(),
        )
        ctx = registry.ToolContext(
            workspace,
            face="cli",
            progress=progress,
            cancel_event=cancel,
            log=lambda m: print(printable(str(m)), file=sys.stderr),
            ask_approval=_cli_approval(bool(getattr(ns, "_yes", False) or args.get("yes"))),
        )
        result = _call_interruptibly(tool.name, args, ctx, cancel)
    except ToolError as err:
        progress.close()
        print(printable(f"mlintern {tool.name}: error: {err.message}"), file=sys.stderr)
        if err.hint:
            print(printable(f"  hint: {err.hint}"), file=sys.stderr)
        if ns._json:
            print(json.dumps(err.to_dict(), indent=2))
        return EXIT_USAGE
    except Cancelled:
        progress.close()
        print(f"mlintern {tool.name}: cancelled", file=sys.stderr)
        return 130
    except Exception:  # a bug in mlintern: say so, with the traceback
        progress.close()
        traceback.print_exc()
        print(
            f"mlintern {tool.name}: internal error (a bug in mlintern; please report it with the traceback above)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    progress.close()
    if ns._json:
        print(json.dumps(result, indent=2, default=str))
    else:
        # text from a run (its errors, log lines) reaches the terminal: escape sequences are shown, not obeyed
        print(printable(result.get("summary") or "") or json.dumps(result, indent=2, default=str))
    return EXIT_FAILURE if _work_failed(args, result) else EXIT_OK


def _work_failed(args: dict, result: dict) -> bool:
    """Exit 1 when the call worked but the work did not: a waited-for run that failed, a fix that did not verify."""
    return (
        result.get("ok") is False
        or result.get("verified") is False
        or (args.get("wait") is True and result.get("state") in ("failed", "lost"))
    )


def _json_arrays(tool: registry.Tool, args: dict) -> dict:
    """A single array option may be given as one JSON list: ``--env '["A","B"]'``."""
    for name, value in args.items():
        prop = tool.input_schema.get("properties", {}).get(name, {})
        if (
            prop.get("type") == "array"
            and isinstance(value, list)
            and len(value) == 1
            and isinstance(value[0], str)
        ):
            text = value[0].strip()
            if text.startswith("["):
                try:
                    args[name] = json.loads(text)
                except ValueError:
                    raise ToolError(f"--{name.replace('_', '-')}: {text!r} is not a JSON list.") from None
    return args


def _call_interruptibly(name: str, args: dict, ctx: registry.ToolContext, cancel: threading.Event) -> dict:
    """Ctrl-C (or SIGTERM) sets the cancel event so the tool stops its work cleanly."""

    def on_signal(signum, frame):
        if cancel.is_set():  # second Ctrl-C: give up waiting
            raise KeyboardInterrupt
        cancel.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return registry.call(name, args, ctx)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# -------------------------------------------------------------------- mlintern-server
def server_main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--auto" in argv:
        from mlintern.server.agent.cli import main as auto_main

        return auto_main(argv)
    parser = argparse.ArgumentParser(
        prog="mlintern-server",
        description="Serve mlintern's tools over MCP (stdio by default, or streamable HTTP) or LSP, "
        "or run them autonomously with --auto (see `mlintern-server --auto --help`).",
    )
    parser.add_argument("--version", action="version", version=f"mlintern {__version__}")
    parser.add_argument(
        "--workspace",
        "-w",
        default=None,
        metavar="DIR",
        help="Workspace folder (state in DIR/.mlintern). Default: $MLINTERN_WORKSPACE or the "
        "current folder; the LSP server uses the editor's workspace folder when not given.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--lsp", action="store_true", help="Serve the Language Server Protocol over stdio.")
    mode.add_argument(
        "--http", metavar="HOST:PORT", help="Serve MCP over streamable HTTP at http://HOST:PORT/mcp."
    )
    mode.add_argument("--auto", action="store_true", help="Autonomous mode (handled before this parser).")
    parser.add_argument(
        "--stdio", action="store_true", help="Use stdio (the default; accepted for LSP clients)."
    )
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    workspace = ns.workspace or os.environ.get("MLINTERN_WORKSPACE")
    try:
        if ns.lsp:
            from mlintern.server.lsp_server import serve_stdio as serve_lsp

            serve_lsp(workspace)
            return EXIT_OK
        from mlintern.server import mcp_server

        if ns.http:
            host, _, port = ns.http.rpartition(":")
            if not host or not port.isdigit():
                print(f"mlintern-server: --http expects HOST:PORT, got {ns.http!r}", file=sys.stderr)
                return EXIT_USAGE
            mcp_server.serve_http(host, int(port), workspace or os.getcwd())
        else:
            mcp_server.serve_stdio(workspace or os.getcwd())
    except ToolError as err:
        print(f"mlintern-server: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK


if (
    __name__ == "__main__"
):  # `python -m mlintern.server.cli` is `mlintern`; `python -m mlintern.server` the server
    sys.exit(main())
