"""MCP resources: what the workspace holds, readable by a host without calling a tool.

``mlintern://papers`` and ``mlintern://runs`` list papers and runs (JSON);
the templates ``mlintern://papers/{paper_id}/spec|markdown`` and
``mlintern://runs/{run_id}/metrics|log`` read one paper's spec or markdown view
and one run's metrics or log tail. Ids are checked against the workspace
database, and files are read only through ``Workspace.path``, so a crafted id
cannot read outside the workspace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio.to_thread
from mcp import MCPError
from mcp import types as mt
from mcp.server import ServerRequestContext
from mlintern.tools.errors import ToolError
from mlintern.tools.workspace import PAPER_MARKDOWN, STDERR_LOG, STDOUT_LOG, Workspace

LOG_TAIL_BYTES = 64 * 1024
METRICS_MAX_BYTES = 1024 * 1024
RUNS_LISTED = 50

_ID = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_URI = re.compile(
    rf"^mlintern://(?:(papers|runs)|papers/({_ID})/(spec|markdown)|runs/({_ID})/(metrics|log))$"
)

TEMPLATES = [
    mt.ResourceTemplate(
        uri_template="mlintern://papers/{paper_id}/spec",
        name="paper-spec",
        title="Paper spec",
        mime_type="application/json",
        description="The cited PaperSpec of a parsed paper (every value with page, quote and source).",
    ),
    mt.ResourceTemplate(
        uri_template="mlintern://papers/{paper_id}/markdown",
        name="paper-markdown",
        title="Paper as markdown",
        mime_type="text/markdown",
        description="The text of a parsed paper as markdown, with page markers.",
    ),
    mt.ResourceTemplate(
        uri_template="mlintern://runs/{run_id}/metrics",
        name="run-metrics",
        title="Run metrics",
        mime_type="application/jsonl",
        description="metrics.jsonl of a training run: one JSON object per logged step.",
    ),
    mt.ResourceTemplate(
        uri_template="mlintern://runs/{run_id}/log",
        name="run-log",
        title="Run log",
        mime_type="text/plain",
        description="The last 64 KiB of a training run's stdout and stderr.",
    ),
]


async def list_resources(
    ws: Workspace, ctx: ServerRequestContext, params: mt.PaginatedRequestParams | None
) -> mt.ListResourcesResult:
    # The database may wait on another process's write: keep it off the event loop.
    return mt.ListResourcesResult(resources=await anyio.to_thread.run_sync(_resources, ws))


def _resources(ws: Workspace) -> list[mt.Resource]:
    resources = [
        mt.Resource(
            uri="mlintern://papers",
            name="papers",
            title="Papers",
            mime_type="application/json",
            description="Papers parsed in this workspace (id, title, family, source).",
        ),
        mt.Resource(
            uri="mlintern://runs",
            name="runs",
            title="Training runs",
            mime_type="application/json",
            description="Training runs in this workspace, newest first, with status.",
        ),
    ]
    for paper in ws.papers():
        label = paper["title"] or paper["id"]
        resources.append(
            mt.Resource(
                uri=f"mlintern://papers/{paper['id']}/spec",
                name=f"{paper['id']}-spec",
                title=f"Spec: {label}",
                mime_type="application/json",
            )
        )
    for run in ws.runs(limit=RUNS_LISTED):
        resources.append(
            mt.Resource(
                uri=f"mlintern://runs/{run['id']}/metrics",
                name=f"{run['id']}-metrics",
                title=f"Metrics of {run['id']} ({run['status']})",
                mime_type="application/jsonl",
            )
        )
    return resources


async def list_templates(
    ctx: ServerRequestContext, params: mt.PaginatedRequestParams | None
) -> mt.ListResourceTemplatesResult:
    return mt.ListResourceTemplatesResult(resource_templates=TEMPLATES)


async def read_resource(
    ws: Workspace, ctx: ServerRequestContext, params: mt.ReadResourceRequestParams
) -> mt.ReadResourceResult:
    uri = str(params.uri)
    try:  # database and file reads (a PDF parse for an old paper's markdown) must not block the event loop
        mime, text = await anyio.to_thread.run_sync(_read, ws, uri)
    except ToolError as err:
        raise MCPError(mt.INVALID_PARAMS, str(err)) from None
    return mt.ReadResourceResult(contents=[mt.TextResourceContents(uri=uri, mime_type=mime, text=text)])


def _read(ws: Workspace, uri: str) -> tuple[str, str]:
    match = _URI.match(uri)
    if not match:
        raise ToolError(
            f"Unknown resource {uri!r}.",
            hint="Known: mlintern://papers, mlintern://runs and the templates from resources/templates/list.",
            code="not_found",
        )
    listing, paper_id, paper_part, run_id, run_part = match.groups()
    if listing == "papers":
        return "application/json", json.dumps(ws.papers(), indent=2, default=str)
    if listing == "runs":
        return "application/json", json.dumps(ws.runs(limit=500), indent=2, default=str)
    if paper_id:
        return _paper_file(ws, paper_id, paper_part)
    return _run_file(ws, run_id, run_part)


def _paper_file(ws: Workspace, paper_id: str, part: str) -> tuple[str, str]:
    paper = ws.get_paper(paper_id)
    if paper is None:
        raise ToolError(
            f"No paper {paper_id!r} in this workspace.",
            hint="Read mlintern://papers for the ids.",
            code="not_found",
        )
    if part == "spec":
        path = ws.path(ws.spec_path(paper))
        return "application/json", _read_text(path, f"Paper {paper_id} has no spec yet.")
    path = ws.path(ws.paper_dir(paper_id) / PAPER_MARKDOWN)
    if not path.is_file():
        from mlintern.tools.paper.markdown import markdown_path

        path = markdown_path(ws, paper_id)
    return "text/markdown", _read_text(path, f"Paper {paper_id} has no markdown view yet.")


def _run_file(ws: Workspace, run_id: str, part: str) -> tuple[str, str]:
    run = ws.require_run(run_id)
    run_dir = ws.path(ws.run_dir(run))
    if part == "metrics":
        path = ws.path(ws.metrics_path(run))
        if path.is_file() and path.stat().st_size > METRICS_MAX_BYTES:
            return "application/jsonl", _tail(path, METRICS_MAX_BYTES)
        return "application/jsonl", _read_text(
            path, f"Run {run_id} has logged no metrics yet.", empty_ok=True
        )
    parts = []
    for name in (STDOUT_LOG, STDERR_LOG):
        path = run_dir / name
        parts.append(
            f"==> {name} <==\n" + (_tail(path, LOG_TAIL_BYTES) if path.is_file() else "(no output yet)\n")
        )
    return "text/plain", f"run {run_id}: {run['status']}\n\n" + "\n".join(parts)


def _read_text(path: Path, missing: str, *, empty_ok: bool = False) -> str:
    from mlintern.sandbox import files

    text = files.try_read_text(path, limit=64 * files.MiB, tail=True)  # never a link or a FIFO
    if text is None:
        if empty_ok:
            return ""
        raise ToolError(
            missing, hint="Run the tool that produces it first (see workspace-status).", code="not_found"
        )
    return text


def _tail(path: Path, limit: int) -> str:
    from mlintern.sandbox import files

    with files.open_read(path) as fh:
        size = fh.seek(0, 2)
        fh.seek(max(0, size - limit))
        data = fh.read()
    text = data.decode("utf-8", errors="replace")
    if size > limit:  # drop the partial first line
        text = f"[... {size - limit} earlier bytes omitted ...]\n" + text.split("\n", 1)[-1]
    return text
