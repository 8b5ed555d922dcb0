"""Every tool declared once: name, description, JSON Schemas, annotations, function.

The MCP server, the LSP server, the CLI and the autonomous agent all read this
registry, so adding a tool is one module plus one ``Tool(...)`` entry in the
``spec.py`` of its package (listed in ``SPEC_MODULES``).

Specs are plain data and import nothing heavy; the function named by
``Tool.func`` (``"package.module:function"``) is imported only when the tool is
called, so servers start and answer ``tools/list`` without torch or pymupdf.

A tool function has the signature ``fn(ctx: ToolContext, **arguments) -> dict``.
Arguments arrive validated against ``input_schema`` with schema defaults filled
in; the returned dict must match ``output_schema`` (checked in the tests).
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mlintern.tools.errors import Cancelled, ToolError

# Each module defines ``TOOLS: list[Tool]``. Order here is the order clients see.
SPEC_MODULES = (
    "mlintern.tools.paper.spec",
    "mlintern.tools.scaffold.spec",
    "mlintern.tools.training.spec",
    "mlintern.tools.diagnose.spec",
    "mlintern.tools.reproduce.spec",
    "mlintern.tools.workspace_spec",
)

ProgressFn = Callable[[float, "float | None", "str | None"], None]


@dataclass(frozen=True)
class Tool:
    name: str  # as the card writes it: "parse-paper"
    title: str
    description: str  # written for an LLM: what, when, returns, on error
    input_schema: dict
    output_schema: dict
    func: str  # "mlintern.tools.paper.parse:parse_paper_tool"
    read_only: bool = False
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    long_running: bool = False  # reports progress; faces show a progress UI
    # CLI ergonomics: schema properties taken positionally, and short flags.
    cli_positional: tuple[str, ...] = ()
    cli_short: dict[str, str] = field(default_factory=dict)

    @property
    def lsp_command(self) -> str:
        """``parse-paper`` -> ``mlintern.parsePaper``."""
        head, *rest = self.name.split("-")
        return "mlintern." + head + "".join(p.capitalize() for p in rest)

    def function(self) -> Callable[..., dict]:
        module, _, attr = self.func.partition(":")
        return getattr(importlib.import_module(module), attr)


class ToolContext:
    """What a running tool may use besides its arguments.

    ``progress(done, total, message)`` feeds MCP progress notifications, LSP
    work-done progress and the CLI's progress line. ``cancel_event`` is set by the
    face when the caller cancels; long tools call ``check_cancelled()`` between
    steps (and stop child processes) so cancellation really stops the work.
    ``brain`` is an LLM with ``complete(system, prompt) -> str`` or ``None``;
    ``ask_approval(question) -> bool`` asks the person behind the face (MCP
    elicitation) or is ``None`` when nobody can be asked.
    """

    def __init__(
        self,
        workspace: Any,
        *,
        face: str = "cli",
        progress: ProgressFn | None = None,
        log: Callable[[str], None] | None = None,
        cancel_event: threading.Event | None = None,
        brain: Any = None,
        ask_approval: Callable[[str], bool] | None = None,
    ) -> None:
        self.workspace = workspace
        self.face = face
        self._progress = progress
        self._log = log
        self.cancel_event = cancel_event or threading.Event()
        self.brain = brain
        self.ask_approval = ask_approval
        self._last_progress = -1.0

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        # MCP requires strictly increasing progress values; drop repeats.
        if self._progress is None or done <= self._last_progress:
            return
        self._last_progress = done
        self._progress(done, total, message)

    def log(self, message: str) -> None:
        if self._log is not None:
            self._log(message)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled("cancelled by the caller")

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up (and raise ``Cancelled``) as soon as the caller cancels."""
        if self.cancel_event.wait(seconds):
            raise Cancelled("cancelled by the caller")


@cache
def tools() -> dict[str, Tool]:
    """All registered tools by name. Every module in ``SPEC_MODULES`` must exist: a missing one is an
    install or packaging mistake, and skipping it would hide tools from every face without a word."""
    found: dict[str, Tool] = {}
    for module_name in SPEC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if not err.name or not (module_name + ".").startswith(err.name + "."):
                raise  # the spec module exists; something it imports does not
            raise RuntimeError(
                f"tool spec module {module_name} is missing: mlintern is installed incompletely "
                "(reinstall it: pip install -e . or make install)"
            ) from err
        for tool in module.TOOLS:
            if tool.name in found:
                raise RuntimeError(f"tool {tool.name!r} is declared twice")
            found[tool.name] = tool
    return found


def get(name: str) -> Tool:
    try:
        return tools()[name]
    except KeyError:
        known = ", ".join(sorted(tools())) or "(none)"
        raise ToolError(
            f"Unknown tool {name!r}.", hint=f"Known tools: {known}.", code="unknown_tool"
        ) from None


def by_lsp_command(command: str) -> Tool:
    for tool in tools().values():
        if tool.lsp_command == command:
            return tool
    raise ToolError(f"Unknown command {command!r}.", code="unknown_tool")


def _validator(schema: dict):
    import jsonschema

    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _describe(errors: list) -> str:
    parts = []
    for err in errors[:5]:
        where = "/".join(str(p) for p in err.absolute_path)
        parts.append(f"{where}: {err.message}" if where else err.message)
    return "; ".join(parts)


def validate_input(tool: Tool, arguments: Any) -> dict:
    """Check ``arguments`` against the input schema; return them with defaults filled in."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ToolError(f"Arguments for {tool.name} must be a JSON object, not {type(arguments).__name__}.")
    errors = sorted(_validator(tool.input_schema).iter_errors(arguments), key=lambda e: list(e.path))
    if errors:
        accepted = ", ".join(sorted(tool.input_schema.get("properties", {})))
        raise ToolError(
            f"Invalid arguments for {tool.name}: {_describe(errors)}.",
            hint=f"Accepted arguments: {accepted}. See the tool's input schema.",
            code="invalid_arguments",
        )
    filled = dict(arguments)
    for key, prop in tool.input_schema.get("properties", {}).items():
        if key not in filled and "default" in prop:
            filled[key] = prop["default"]
    return filled


def validate_output(tool: Tool, result: Any) -> None:
    """Raise ``AssertionError`` when ``result`` breaks the output schema (used by tests)."""
    errors = list(_validator(tool.output_schema).iter_errors(result))
    if errors:
        raise AssertionError(f"{tool.name} returned data that breaks its output schema: {_describe(errors)}")


def call(name: str, arguments: Any, ctx: ToolContext) -> dict:
    """Validate, run and log one tool call. Raises ``ToolError`` or ``Cancelled``."""
    tool = get(name)
    args = validate_input(tool, arguments)
    ctx.check_cancelled()
    started = time.time()
    log_event = getattr(ctx.workspace, "log_event", None)
    try:
        result = tool.function()(ctx, **args)
    except (ToolError, Cancelled) as err:
        if log_event:
            log_event("tool_error", {"tool": name, "face": ctx.face, "error": str(err)})
        raise
    if log_event:
        log_event("tool_call", {"tool": name, "face": ctx.face, "seconds": round(time.time() - started, 3)})
    return result
