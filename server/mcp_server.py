"""The MCP face: every registry tool as an MCP tool, plus workspace resources and prompts.

Built on the low-level ``mcp.server.Server`` because our JSON Schemas are
hand-written in the registry and must reach the client exactly as written.
The low level does not enforce input schemas, so every call goes through
``registry.call`` (jsonschema validation, then the function).

Tool functions are synchronous and may block for minutes (training), so each
call runs in a worker thread with its own ``ToolContext``:

* ``ctx.progress`` (called in the thread) becomes ``notifications/progress``
  on the event loop;
* an MCP cancellation sets ``ctx.cancel_event``; the tool notices it at its
  next check and stops its work (training tools kill their process group), and
  the handler waits for the thread to end before giving up the request;
* ``ToolError`` becomes ``isError`` with the message and hint (and a structured
  error in ``_meta``); any other exception is a bug: ``isError`` saying so, traceback on stderr.

Nothing but protocol goes to stdout: logs go to stderr, and while serving
stdio the SDK points fd 1 at stderr so stray prints cannot corrupt the stream.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp import MCPError
from mcp import types as mt
from mcp.server import Server, ServerRequestContext
from mlintern.server import __version__, mcp_prompts, mcp_resources
from mlintern.server.mcp_sampling import approver, sampling_brain
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.workspace import Workspace

log = logging.getLogger("mlintern.mcp")

# Where an error result carries ``ToolError.to_dict()`` (code, message, hint).
ERROR_META_KEY = "mlintern/error"

# How long a cancelled call waits for its tool to notice and stop.
CANCEL_GRACE_S = 30.0

INSTRUCTIONS = """\
mlintern is an ML engineer's toolbench over one workspace folder.
The usual chain: parse-paper (PDF path or arXiv id -> a cited spec; every value says where in the paper it \
comes from, and `missing` lists what the paper does not state) -> scaffold-model (spec -> a runnable PyTorch \
project) -> run-training with a pilot run (seconds) -> if it fails, diagnose-traceback (-> ranked fixes as \
text edits; apply the best one) and pilot again -> a full run-training within a budget -> training-status / \
stop-training -> export-model.
workspace-status shows what the workspace already holds (papers, runs, ids). Resources mlintern://papers and \
mlintern://runs list the same, with each paper's spec and markdown and each run's metrics and log.
Errors come back as tool errors with a hint saying what to do next; paths must stay inside the workspace.
The prompts reproduce-paper and fix-training-failure walk through the chain step by step."""


def to_mcp_tool(tool: registry.Tool) -> mt.Tool:
    """A registry tool as MCP sees it: the same name, schemas, title and hints."""
    return mt.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        annotations=mt.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.read_only,
            destructive_hint=tool.destructive,
            idempotent_hint=tool.idempotent,
            open_world_hint=tool.open_world,
        ),
    )


def _text(text: str) -> list[mt.TextContent]:
    return [mt.TextContent(type="text", text=text)]


def tool_result(result: dict) -> mt.CallToolResult:
    """Structured content is the result; the text block is the summary plus the JSON."""
    body = json.dumps(result, indent=2, default=str)
    summary = result.get("summary")
    text = f"{summary}\n\n{body}" if summary else body
    return mt.CallToolResult(content=_text(text), structured_content=result)


def _error_result(text: str, error: dict) -> mt.CallToolResult:
    """Errors carry no ``structuredContent``: hosts check it against the tool's output schema (the MCP
    Inspector does), so the machine-readable error travels in ``_meta`` instead."""
    # `meta` populates the pydantic field aliased `_meta`; mypy sees only the alias.
    return mt.CallToolResult(content=_text(text), is_error=True, meta={ERROR_META_KEY: error})  # type: ignore[call-arg]


def tool_error(err: ToolError) -> mt.CallToolResult:
    text = f"Error: {err.message}" + (f"\nHint: {err.hint}" if err.hint else "")
    return _error_result(text, err.to_dict())


def internal_error(name: str, err: BaseException) -> mt.CallToolResult:
    traceback.print_exception(err, file=sys.stderr)
    text = (
        f"internal error in mlintern while running {name}: {type(err).__name__}: {err}. "
        "This is a bug in mlintern, not in your input; the traceback is in the server's log (stderr)."
    )
    return _error_result(text, {"error": "internal_error", "message": text, "hint": None})


class McpFace:
    """One MCP server over one workspace. ``server`` is the SDK object to run."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._active: set[threading.Event] = set()
        self._tools = mt.ListToolsResult(tools=[to_mcp_tool(t) for t in registry.tools().values()])
        self.server: Server = Server(
            "mlintern",
            version=__version__,
            title="mlintern",
            instructions=INSTRUCTIONS,
            lifespan=self._lifespan,
            get_tool_input_schema=self._input_schema,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=partial(mcp_resources.list_resources, workspace),
            on_list_resource_templates=mcp_resources.list_templates,
            on_read_resource=partial(mcp_resources.read_resource, workspace),
            on_list_prompts=mcp_prompts.list_prompts,
            on_get_prompt=mcp_prompts.get_prompt,
        )

    @asynccontextmanager
    async def _lifespan(self, _server: Server) -> AsyncIterator[dict]:
        await anyio.to_thread.run_sync(_reconcile_runs, self.workspace)
        try:
            yield {}
        finally:  # the client went away: stop every tool still running (kills training processes)
            for event in list(self._active):
                event.set()

    @staticmethod
    def _input_schema(name: str) -> dict | None:
        tool = registry.tools().get(name)
        return tool.input_schema if tool else None

    async def _list_tools(
        self, ctx: ServerRequestContext, params: mt.PaginatedRequestParams | None
    ) -> mt.ListToolsResult:
        return self._tools

    async def _call_tool(
        self, ctx: ServerRequestContext, params: mt.CallToolRequestParams
    ) -> mt.CallToolResult:
        if params.name not in registry.tools():
            known = ", ".join(registry.tools())
            raise MCPError(mt.INVALID_PARAMS, f"Unknown tool {params.name!r}. Known tools: {known}.")
        cancel = threading.Event()
        done = threading.Event()
        tool_ctx = registry.ToolContext(
            self.workspace,
            face="mcp",
            progress=partial(_progress_from_thread, ctx),
            log=lambda message: log.info("%s: %s", params.name, message),
            cancel_event=cancel,
            brain=sampling_brain(ctx),
            ask_approval=approver(ctx),
        )

        def run() -> dict:
            try:
                return registry.call(params.name, params.arguments or {}, tool_ctx)
            finally:
                done.set()

        self._active.add(cancel)
        try:
            result = await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            cancel.set()
            await _wait_stopped(params.name, done)
            raise
        except ToolError as err:
            return tool_error(err)
        except Cancelled as err:
            return tool_error(ToolError(f"{params.name} was cancelled ({err}).", code="cancelled"))
        except Exception as err:  # a bug in mlintern
            return internal_error(params.name, err)
        finally:
            self._active.discard(cancel)
        return tool_result(result)


def _reconcile_runs(workspace: Workspace) -> None:
    """Runs left "running" by a crash (their supervisor is gone) are marked lost, hence resumable."""
    try:
        from mlintern.tools.training.runs import reconcile
    except ImportError:  # an install without the training tools
        return
    reconcile(workspace)


def _progress_from_thread(
    ctx: ServerRequestContext, done: float, total: float | None, message: str | None
) -> None:
    """Called by a tool in its worker thread; sends the notification on the event loop."""
    try:
        anyio.from_thread.run(partial(ctx.session.report_progress, done, total, message))
    except Exception as err:  # the request is gone (cancelled, client closed): progress is best-effort
        log.debug("progress not delivered: %s", err)


async def _wait_stopped(name: str, done: threading.Event) -> None:
    """After a cancellation, give the tool time to notice and stop before the request ends."""
    started = time.monotonic()
    with anyio.CancelScope(shield=True):
        stopped = await anyio.to_thread.run_sync(done.wait, CANCEL_GRACE_S)
    took = time.monotonic() - started
    if stopped:
        log.info("%s cancelled; its work stopped after %.2f s", name, took)
    else:
        log.warning("%s cancelled but still running after %.0f s; it will stop at its next check", name, took)


# ----------------------------------------------------------------- entry points
def _setup_logging() -> None:
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def build_server(workspace_root: str) -> McpFace:
    """The MCP face over ``workspace_root`` (confined: paths outside it are refused)."""
    return McpFace(Workspace(workspace_root, confined=True))


def serve_stdio(workspace_root: str) -> None:
    """Serve MCP over stdin/stdout until the client closes stdin."""
    from mcp.server.stdio import stdio_server

    _setup_logging()
    face = build_server(workspace_root)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await face.server.run(read, write, face.server.create_initialization_options())

    anyio.run(main)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TOKEN_ENV = "MLINTERN_HTTP_TOKEN"
ORIGINS_ENV = "MLINTERN_HTTP_ORIGINS"  # extra allowed browser origins, comma-separated


def _origin_allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    """Loopback origins on any port, plus the configured ones (exact, or ``scheme://host:*``)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS:
        return True
    return any(
        origin == a or (a.endswith(":*") and origin.startswith(a[:-1]) and origin[len(a) - 1 :].isdigit())
        for a in allowed
    )


class HttpGuard:
    """ASGI middleware in front of the MCP app, on every bind.

    * ``Origin``: a browser request (it carries Origin) is refused unless the origin is loopback or listed in
      $MLINTERN_HTTP_ORIGINS: a web page cannot drive the server (DNS rebinding, CSRF), whatever the bind.
    * ``Authorization: Bearer TOKEN``: required when ``token`` is set, i.e. whenever the server binds
      anything but loopback; compared in constant time.
    """

    def __init__(self, app, *, token: str | None, origins: tuple[str, ...] = ()) -> None:
        self.app, self.token, self.origins = app, token, origins

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin is not None and not _origin_allowed(origin, self.origins):
            return await _refuse(send, 403, f"Origin {origin!r} is not allowed; add it to ${ORIGINS_ENV}.")
        if self.token is not None:
            import hmac

            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), self.token.encode()
            ):
                return await _refuse(
                    send,
                    401,
                    "Missing or wrong bearer token (Authorization: Bearer TOKEN); "
                    "the server printed it at start, or set it with $" + TOKEN_ENV + ".",
                    extra=[(b"www-authenticate", b'Bearer realm="mlintern"')],
                )
        return await self.app(scope, receive, send)


async def _refuse(send, status: int, message: str, extra: list | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def http_token(host: str) -> str | None:
    """The bearer token for a bind: none on loopback; else $MLINTERN_HTTP_TOKEN or a fresh random one."""
    if host in LOOPBACK_HOSTS:
        return None
    import secrets

    return os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(32)


def http_app(host: str, workspace_root: str, token: str | None):
    face = build_server(workspace_root)
    app = face.server.streamable_http_app(host=host, streamable_http_path="/mcp")
    origins = tuple(o.strip() for o in os.environ.get(ORIGINS_ENV, "").split(",") if o.strip())
    return face, HttpGuard(app, token=token, origins=origins)


def serve_http(host: str, port: int, workspace_root: str) -> None:
    """Serve MCP over streamable HTTP at ``http://host:port/mcp`` (both protocol eras).

    Bound to anything but loopback, every request needs ``Authorization: Bearer TOKEN``: the token comes from
    $MLINTERN_HTTP_TOKEN or is generated and printed once, here, on stderr."""
    import uvicorn

    _setup_logging()
    token = http_token(host)
    face, app = http_app(host, workspace_root, token)
    log.info("mlintern MCP server at http://%s:%d/mcp (workspace %s)", host, port, face.workspace.root)
    if token is not None and not os.environ.get(TOKEN_ENV):
        print(
            f"mlintern-server: bound to {host}, not loopback: clients must send\n"
            f"  Authorization: Bearer {token}\n(printed once; set ${TOKEN_ENV} to choose it)",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
