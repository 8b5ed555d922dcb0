"""mlintern's Language Server: the registry's tools as LSP commands, plus editor features.

One server object (``SERVER``); each handler validates, calls, converts.
Conversions live in ``lsp_convert.py``; the tools live in ``mlintern.tools``.

* Every registry tool is the command ``tool.lsp_command`` (``mlintern.parsePaper``)
  taking one argument, the arguments object. Tools run on worker threads; long
  ones report work-done progress; ``ToolError`` becomes a ``window/showMessage``
  and a JSON-RPC error. ``mlintern.applyFix`` applies a diagnosis' fix.
* Hover on a hyperparameter in a scaffolded project's ``config.json`` or on a
  matching name in its code shows the paper's quote and page.
* Failed runs (watched with watchdog) and opened ``*.log`` files become
  diagnostics at the user's line, with quick fixes from the Diagnosis.
* PDFs dropped into the workspace's ``papers/`` folder are parsed on their own.
* ``mlintern/runs`` notifications carry each project's latest run (for a status bar).

stdout carries only the protocol: the real stdout is kept for it and fd 1 is
pointed at stderr, so a stray ``print`` or a child process cannot corrupt it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from mlintern.server import lsp_convert as conv
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.workspace import DROP_DIR, Workspace
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

log = logging.getLogger("mlintern.lsp")

APPLY_FIX = "mlintern.applyFix"
DIAGNOSE_TOOL = "diagnose-traceback"
PARSE_TOOL = "parse-paper"
PAPERS_DIR = DROP_DIR
RUNS_NOTIFICATION = "mlintern/runs"
RUNS_SHOWN = 20
LOG_SUFFIXES = (".log", ".err", ".traceback")
REFRESH_DELAY_S = 0.3  # debounce for bursts of workspace changes
SETTLE_S = 1.0  # let a PDF being copied into papers/ settle before parsing it
POLL_INTERVAL_S = 2.0  # used only when watchdog cannot (or must not) watch the workspace
# How long a cancelled tool may take to stop after the client goes away. It must cover the tools' own
# stop protocol, or the server exits mid-stop and a run stays "running" until its supervisor catches
# up: run-training's stop_run waits up to runs.GRACE_SECONDS + 10 s (20 s) for the supervisor, then
# kills the tree itself (tests/test_lsp_progress.py checks the order). The server lingers only while
# a tool is still stopping.
EXIT_GRACE_S = 30.0


class MlinternLanguageServer(LanguageServer):
    """pygls server plus mlintern's state: the workspace, options, running tools, diagnostics."""

    def __init__(self) -> None:
        from mlintern.server import __version__

        super().__init__("mlintern", __version__)
        self.root_override: str | None = None
        self.ws: Workspace | None = None
        self.options = conv.Options()
        self.option_problems: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tool_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlintern-tool")
        self.running: dict[str, threading.Event] = {}  # request key -> cancel event
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.runs_sent: list[dict] | None = None
        self.diagnoses_by_id: dict[str, dict] = {}
        self.log_diagnoses: dict[str, list[dict]] = {}  # opened log uri -> its diagnoses
        self.applied: set[str] = set()  # diagnosis ids whose fix was applied
        self.diagnosed_runs: set[str] = set()
        self.seen_papers: set[tuple[str, int, float]] = set()
        self.observer: Any = None
        self._refresh_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------- plumbing
    @property
    def workspace_state(self) -> Workspace:
        if self.ws is None:
            raise ToolError(
                "The server has no workspace yet.", hint="Send `initialize` first.", code="not_ready"
            )
        return self.ws

    def from_thread(self, fn, *args) -> None:
        """Run ``fn(*args)`` on the event loop (all protocol writes happen there)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn, *args)

    def message(self, kind: types.MessageType, text: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def supports(self, *path: str) -> bool:
        node: Any = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                return False
        return bool(node)

    # ----------------------------------------------------------- run a tool
    async def run_tool(self, tool: registry.Tool, arguments: dict) -> dict:
        """Validate and run one tool on a worker thread, with progress and cancellation."""
        ws = self.workspace_state
        arguments = conv.fill_tool_defaults(tool.input_schema, arguments, self.options)
        registry.validate_input(tool, arguments)  # fail fast, before any progress UI
        cancel = threading.Event()
        key = uuid.uuid4().hex
        self.running[key] = cancel
        token = await self.begin_progress(tool, cancel) if tool.long_running else None
        ctx = registry.ToolContext(
            ws,
            face="lsp",
            cancel_event=cancel,
            progress=(lambda d, t, m: self.from_thread(self.report_progress, token, d, t, m))
            if token
            else None,
            log=lambda m: log.info("%s: %s", tool.name, m),
            # the person's own editor setting mlintern.sandbox=false is their approval to run unsandboxed
            ask_approval=(lambda question: True) if self.options.sandbox is False else None,
        )
        outcome = "failed"
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self.tool_pool, registry.call, tool.name, arguments, ctx
            )
            outcome = str(result.get("summary") or "done").splitlines()[0]
            return result
        except asyncio.CancelledError:
            cancel.set()  # the client cancelled the request: stop the work too
            outcome = "cancelled"
            raise
        except Cancelled:
            outcome = "cancelled"
            raise
        finally:
            self.running.pop(key, None)
            if token is not None:
                self.work_done_progress.end(token, conv.progress_end(outcome))
                self.work_done_progress.tokens.pop(token, None)

    async def begin_progress(self, tool: registry.Tool, cancel: threading.Event) -> str | None:
        if not self.supports("window", "work_done_progress"):
            return None
        token = f"mlintern-{uuid.uuid4().hex[:12]}"
        try:
            await self.work_done_progress.create_async(token)
        except JsonRpcException as err:
            log.warning("client refused a progress token: %s", err)
            return None
        self.work_done_progress.begin(token, conv.progress_begin(tool.title))
        self.work_done_progress.tokens[token].add_done_callback(
            lambda _f: cancel.set()
        )  # user pressed Cancel
        return token

    def report_progress(self, token: str, done: float, total: float | None, message: str | None) -> None:
        self.work_done_progress.report(token, conv.progress_report(done, total, message))

    async def execute(self, tool: registry.Tool, raw_args: tuple) -> dict:
        """A tool command: run it, tell the user, return the result (or a JSON-RPC error)."""
        try:
            result = await self.run_tool(tool, conv.command_arguments(raw_args))
        except ToolError as err:
            log.info("%s refused: %s", tool.lsp_command, err)
            self.window_show_message(conv.tool_error_message(tool.title, err))
            raise conv.tool_error_to_rpc(err) from err
        except Cancelled as err:
            raise conv.cancelled_to_rpc(tool.lsp_command) from err
        self.window_show_message(conv.result_message(tool.title, result))
        if tool.name == PARSE_TOOL:
            self.show_result_document(result)
        return result

    def show_result_document(self, result: dict) -> None:
        uri = conv.result_document(result, self.workspace_state.root)
        if uri and self.supports("window", "show_document", "support"):
            self.window_show_document(types.ShowDocumentParams(uri=uri, take_focus=True))

    # ---------------------------------------------------------- diagnostics
    def schedule_refresh(self) -> None:
        """Debounced: many workspace changes in a burst cause one refresh."""
        if self._refresh_timer is not None:
            self._refresh_timer.cancel()
        self._refresh_timer = self.loop.call_later(  # type: ignore[union-attr]
            REFRESH_DELAY_S, lambda: asyncio.ensure_future(self.refresh_diagnostics())
        )

    async def refresh_diagnostics(self) -> None:
        """Re-read runs and diagnoses; publish what changed (diagnostics and the ``mlintern/runs`` list)."""
        if self.ws is None:
            return
        log.debug("refreshing diagnostics")
        try:
            stored, undiagnosed, latest = await asyncio.to_thread(workspace_view, self.ws, self.applied)
        except ToolError as err:
            log.warning("cannot read diagnoses: %s", err)
            return
        self.notify_runs(latest)
        for run in undiagnosed:
            if run["id"] not in self.diagnosed_runs:
                self.diagnosed_runs.add(run["id"])
                asyncio.ensure_future(self.diagnose_run(run))
        if not self.options.diagnostics:
            return
        shown = stored + [
            d for ds in self.log_diagnoses.values() for d in ds if d.get("id") not in self.applied
        ]
        self.diagnoses_by_id.update({d["id"]: d for d in shown if d.get("id")})
        self.publish(conv.group_diagnostics(shown, self.ws.root))

    def notify_runs(self, latest: list[dict]) -> None:
        """``mlintern/runs``: each project's latest run (for a status bar), sent when it changes."""
        runs = [conv.run_status(run) for run in latest[:RUNS_SHOWN]]
        if runs != self.runs_sent:
            self.runs_sent = runs
            self.protocol.notify(RUNS_NOTIFICATION, {"runs": runs})

    def publish(self, grouped: dict[str, list[types.Diagnostic]]) -> None:
        for uri in set(self.published) | set(grouped):
            new = grouped.get(uri, [])
            if new != self.published.get(uri, []):
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=new)
                )
        self.published = {uri: ds for uri, ds in grouped.items() if ds}

    async def diagnose_run(self, run: dict) -> None:
        """A failed run without a diagnosis: ``diagnose-traceback`` diagnoses and stores it (when it exists)."""
        tool = registry.tools().get(DIAGNOSE_TOOL)
        if tool is None:
            return
        try:
            await self.run_tool(tool, {"run_id": run["id"]})
        except (ToolError, Cancelled) as err:
            log.warning("could not diagnose run %s: %s", run["id"], err)
            return
        self.schedule_refresh()

    async def diagnose_log(self, uri: str, text: str) -> None:
        """An opened log: diagnose its text; show the result in the log and in the user's code."""
        tool = registry.tools().get(DIAGNOSE_TOOL)
        path = conv.uri_to_path(uri)
        if tool is None or path is None:
            return
        project = conv.find_project_root(path)
        arguments = {"traceback": text, **({"project": str(project)} if project else {})}
        try:
            diagnosis = await self.run_tool(tool, arguments)
        except (ToolError, Cancelled) as err:
            log.info("no diagnosis for %s: %s", uri, err)
            return
        diagnosis = dict(diagnosis, id=diagnosis.get("diagnosis_id") or f"log-{uuid.uuid4().hex[:8]}")
        in_log = dict(
            diagnosis, location={"file": str(path), "line": conv.error_line_in_log(text, diagnosis)}
        )
        self.log_diagnoses[uri] = [diagnosis, in_log]
        await self.refresh_diagnostics()

    # -------------------------------------------------------------- watching
    def start_watching(self) -> None:
        self.observer = _start_observer(self, self.workspace_state.root) if self.options.watch else None
        if self.observer is None:
            asyncio.ensure_future(self.poll_forever())
        self.schedule_scan(0.0)

    async def poll_forever(self) -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            await self.refresh_diagnostics()
            await self.scan_papers()

    def on_fs_event(self, kind: str, path: str) -> None:
        """Called on the watchdog thread for every event in the watched folders."""
        p = Path(path)
        if p.suffix.lower() == ".pdf" and p.parent.name == PAPERS_DIR:
            self.from_thread(self.schedule_scan, SETTLE_S)
        elif p.name == PAPERS_DIR and p.parent == self.workspace_state.root and p.is_dir():
            self.from_thread(self.watch_papers_folder, p)
        elif is_state_change(kind, p):
            self.from_thread(self.schedule_refresh)

    def watch_papers_folder(self, folder: Path) -> None:
        """``papers/`` appeared after start: watch it too."""
        if self.observer is not None:
            watch_folder(self.observer, folder)
        self.schedule_scan(SETTLE_S)

    def schedule_scan(self, delay: float) -> None:
        self.loop.call_later(delay, lambda: asyncio.ensure_future(self.scan_papers()))  # type: ignore[union-attr]

    async def scan_papers(self) -> None:
        """Parse each new or changed PDF in ``papers/`` once (not those the workspace already parsed)."""
        if self.ws is None or not self.options.auto_parse_papers or PARSE_TOOL not in registry.tools():
            return
        folder = self.ws.root / PAPERS_DIR
        pdfs = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
        known = await asyncio.to_thread(self.ws.papers) if pdfs else []
        parsed = {conv.resolve_in(self.ws.root, p["source"]): p["updated"] for p in known}
        for pdf in pdfs:
            try:
                stat = pdf.stat()
            except OSError:
                continue
            key = (str(pdf), stat.st_size, stat.st_mtime)
            if parsed.get(pdf.resolve(), 0) >= stat.st_mtime:  # parsed before (by any face), unchanged since
                self.seen_papers.add(key)
            elif time.time() - stat.st_mtime < SETTLE_S:  # still being written: look again soon
                self.schedule_scan(SETTLE_S)
            elif key not in self.seen_papers and stat.st_size > 0:
                self.seen_papers.add(key)
                asyncio.ensure_future(self.parse_dropped(pdf))

    async def parse_dropped(self, pdf: Path) -> None:
        tool = registry.get(PARSE_TOOL)
        rel = self.workspace_state.relative(pdf)
        self.message(types.MessageType.Info, f"mlintern: parsing {rel}, dropped into {PAPERS_DIR}/ ...")
        arguments = {primary_argument(tool): rel}
        try:
            result = await self.run_tool(tool, arguments)
        except (ToolError, Cancelled) as err:
            self.message(types.MessageType.Error, f"mlintern: could not parse {rel}: {err}")
            return
        self.window_show_message(conv.result_message(f"Parsed {rel}", result))

    def stop(self) -> None:
        """Cancel running tools and stop watching; called when the client goes away."""
        for event in list(self.running.values()):
            event.set()
        if self.observer is not None:
            self.observer.stop()
        self.tool_pool.shutdown(wait=False, cancel_futures=True)


# What the imports created lives as long as the process: move it out of the cyclic collector's sight.
# Otherwise a full collection over those ~300k objects lands in pygls' converter set-up below, every
# start (about 20 ms of CPU of a 350 ms start, bench/lsp_startup.py), and in every later full one.
gc.freeze()
SERVER = MlinternLanguageServer()


# -------------------------------------------------------------------- handlers
@SERVER.feature(types.INITIALIZE)
def initialize(ls: MlinternLanguageServer, params: types.InitializeParams) -> None:
    """Open the workspace (``--workspace``, else the client's root, else cwd) and read the options."""
    ls.loop = asyncio.get_running_loop()
    try:
        ls.ws = Workspace(ls.root_override or client_root(params) or os.getcwd(), confined=True)
    except ToolError as err:  # e.g. a read-only folder or an unreadable state database
        raise conv.tool_error_to_rpc(err) from err
    ls.options, ls.option_problems = conv.options_from_json(params.initialization_options)
    log.info("workspace %s, options %s", ls.ws.root, ls.options)


@SERVER.feature(types.INITIALIZED)
def initialized(ls: MlinternLanguageServer, params: types.InitializedParams) -> None:
    if ls.option_problems:
        ls.message(
            types.MessageType.Warning,
            "mlintern: ignored invalid settings: " + "; ".join(ls.option_problems) + ".",
        )
    ls.start_watching()
    asyncio.ensure_future(ls.refresh_diagnostics())


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: MlinternLanguageServer, params: types.DidChangeConfigurationParams) -> None:
    """New settings (``{"mlintern": {...}}`` or the options themselves) replace the options."""
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("mlintern"), dict):
        settings = settings["mlintern"]
    if not isinstance(settings, dict):
        return  # a pull-model client sends null: nothing to apply
    ls.options, problems = conv.options_from_json(settings)
    if problems:
        ls.message(
            types.MessageType.Warning, "mlintern: ignored invalid settings: " + "; ".join(problems) + "."
        )


@SERVER.feature(types.SHUTDOWN)
def shutdown(ls: MlinternLanguageServer, params: None) -> None:
    """Stop tools and watchers, and cancel requests still in flight.

    pygls 2.1.1 cancels them too, but while iterating the dict that their
    callbacks shrink ("dictionary changed size during iteration"), which turns
    ``shutdown`` into an internal error; cancelling them first avoids that.
    """
    ls.stop()
    current = ls.protocol.msg_id
    for msg_id, future in list(ls.protocol._request_futures.items()):
        if msg_id != current and not future.done():
            future.cancel()


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: MlinternLanguageServer, params: types.HoverParams) -> types.Hover | None:
    """The paper's quote and page for a hyperparameter in a scaffolded project."""
    path = conv.uri_to_path(params.text_document.uri)
    if path is None:
        return None
    doc = ls.workspace.get_text_document(params.text_document.uri)
    markdown = conv.provenance_at(path, doc.source, params.position.line, params.position.character)
    return conv.to_hover(markdown) if markdown else None


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(ls: MlinternLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Quick fixes for mlintern's diagnostics in the requested range: the Diagnosis' fixes, best first."""
    actions = []
    for diagnostic in ls.published.get(params.text_document.uri, []):
        if not ranges_overlap(diagnostic.range, params.range):
            continue
        diagnosis = ls.diagnoses_by_id.get((diagnostic.data or {}).get("diagnosis_id"))
        for index, fix in enumerate((diagnosis or {}).get("fixes") or []):
            try:
                actions.append(conv.fix_to_code_action(fix, diagnostic, ls.workspace_state.root, index == 0))
            except (ToolError, KeyError, TypeError, ValueError) as err:
                log.warning("skipping a malformed fix of %s: %s", diagnosis.get("id"), err)
    return actions


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: MlinternLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    """An opened log or traceback file gets diagnosed."""
    doc = params.text_document
    if ls.options.diagnostics and is_log_uri(doc.uri) and looks_like_failure(doc.text):
        await ls.diagnose_log(doc.uri, doc.text)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: MlinternLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    if ls.log_diagnoses.pop(params.text_document.uri, None) is not None:
        await ls.refresh_diagnostics()


@SERVER.command(APPLY_FIX)
async def apply_fix(ls: MlinternLanguageServer, *args: Any) -> dict:
    """``mlintern.applyFix`` ({"diagnosis_id", "fix_index"} or the two values): apply through the editor."""
    try:
        diagnosis_id, index = fix_arguments(args)
        diagnosis = ls.diagnoses_by_id.get(diagnosis_id) or await asyncio.to_thread(
            find_diagnosis, ls.workspace_state, diagnosis_id
        )
        fixes = diagnosis.get("fixes") or []
        if not 0 <= index < len(fixes):
            raise ToolError(
                f"Diagnosis {diagnosis_id} has {len(fixes)} fixes; there is no fix {index}.",
                hint="Fix indexes start at 0.",
                code="invalid_arguments",
            )
        if not ls.supports("workspace", "apply_edit"):
            raise ToolError(
                "This editor does not accept workspace edits (workspace/applyEdit).",
                hint="Apply the fix from the CLI: mlintern diagnose-traceback --apply.",
            )
        edit = conv.fix_to_workspace_edit(fixes[index], ls.workspace_state.root)
    except ToolError as err:
        ls.window_show_message(conv.tool_error_message("Apply fix", err))
        raise conv.tool_error_to_rpc(err) from err
    title = fixes[index].get("title", "fix")
    answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=title))
    if answer.applied:
        ls.applied.add(diagnosis_id)
        await ls.refresh_diagnostics()
    summary = f"applied: {title}" if answer.applied else f"not applied: {answer.failure_reason or 'refused'}"
    ls.message(
        types.MessageType.Info if answer.applied else types.MessageType.Warning, f"mlintern fix {summary}"
    )
    return {
        "applied": bool(answer.applied),
        "diagnosis_id": diagnosis_id,
        "fix_index": index,
        "summary": summary,
    }


def register_tool_commands(server: MlinternLanguageServer) -> None:
    """Every registry tool becomes the command ``tool.lsp_command``."""
    for tool in registry.tools().values():
        if tool.lsp_command in server.protocol.fm.commands:
            continue

        server.command(tool.lsp_command)(tool_command(server, tool))


def tool_command(server: MlinternLanguageServer, tool: registry.Tool):
    async def run(*args: Any) -> dict:  # pygls passes the command's arguments unpacked
        return await server.execute(tool, args)

    return run


# --------------------------------------------------------------------- helpers
def client_root(params: types.InitializeParams) -> str | None:
    for uri in [f.uri for f in params.workspace_folders or []] + [params.root_uri or ""]:
        path = conv.uri_to_path(uri) if uri else None
        if path is not None and path.is_dir():
            return str(path)
    return params.root_path if params.root_path and Path(params.root_path).is_dir() else None


def ranges_overlap(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line,
        b.start.character,
    ) <= (a.end.line, a.end.character)


def is_log_uri(uri: str) -> bool:
    path = conv.uri_to_path(uri)
    return path is not None and (path.suffix in LOG_SUFFIXES or "traceback" in path.name.lower())


def looks_like_failure(text: str) -> bool:
    return "Traceback (most recent call last)" in text or "Error" in text[-8000:]


def fix_arguments(args: tuple) -> tuple[str, int]:
    if len(args) == 1 and isinstance(args[0], dict):
        diagnosis_id, index = args[0].get("diagnosis_id"), args[0].get("fix_index", 0)
    elif len(args) == 2:
        diagnosis_id, index = args
    else:
        diagnosis_id, index = None, None
    if not isinstance(diagnosis_id, str) or not isinstance(index, int) or isinstance(index, bool):
        raise ToolError(
            'mlintern.applyFix takes {"diagnosis_id": str, "fix_index": int}.',
            hint="The diagnosis id is in the diagnostic's data; fix indexes start at 0.",
            code="invalid_arguments",
        )
    return diagnosis_id, index


def find_diagnosis(ws: Workspace, diagnosis_id: str) -> dict:
    diagnosis = ws.get_diagnosis(diagnosis_id)
    if diagnosis is not None:
        return diagnosis
    raise ToolError(
        f"No diagnosis {diagnosis_id!r} in this workspace.",
        hint="Diagnose the failure again with mlintern.diagnoseTraceback.",
        code="not_found",
    )


def is_state_change(kind: str, path: Path) -> bool:
    """Did a process commit to the state database? Only commits modify ``state.db``/``state.db-wal``;
    mere reads (ours included) open, create and delete files, which must not trigger a refresh."""
    return kind == "modified" and path.name in ("state.db", "state.db-wal")


def workspace_view(ws: Workspace, applied: set[str]) -> tuple[list[dict], list[dict], list[dict]]:
    """What the editor shows: the diagnoses, the failed runs that have none yet, and each project's latest run.

    Only the latest run of each project counts: once a project trains again,
    its old failure disappears from the editor.
    """
    latest: dict[str, dict] = {}
    for run in ws.runs(limit=500):  # newest first
        latest.setdefault(run["project"], run)
    failed = {run["id"]: run for run in latest.values() if run["status"] == "failed"}
    shown, diagnosed = [], set()
    for diagnosis in ws.diagnoses(limit=500):  # newest first: the newest per run
        run_id = diagnosis.get("run_id")
        if run_id in failed and run_id not in diagnosed:
            diagnosed.add(run_id)
            if diagnosis["id"] not in applied:
                shown.append(diagnosis)
    undiagnosed = [run for run_id, run in failed.items() if run_id not in diagnosed]
    return shown, undiagnosed, list(latest.values())


def primary_argument(tool: registry.Tool) -> str:
    """The argument a single value goes to: the first positional CLI argument, else the first required one."""
    if tool.cli_positional:
        return tool.cli_positional[0]
    required = tool.input_schema.get("required") or list(tool.input_schema.get("properties", {}))
    return required[0]


def _start_observer(server: MlinternLanguageServer, root: Path):
    """Watch the workspace root, ``papers/`` and ``.mlintern/`` (not recursively). None if watchdog fails."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        return None

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            server.on_fs_event(
                event.event_type, os.fsdecode(getattr(event, "dest_path", "") or event.src_path)
            )

    observer = Observer()
    observer.daemon = True
    observer.mlintern_handler = Handler()  # type: ignore[attr-defined]
    try:
        for folder in (root, root / PAPERS_DIR, server.workspace_state.state_dir):
            if folder.is_dir():
                watch_folder(observer, folder)
        observer.start()
    except OSError as err:
        log.warning("cannot watch %s (%s); polling instead", root, err)
        return None
    return observer


def watch_folder(observer: Any, folder: Path) -> None:
    if str(folder) not in {emitter.watch.path for emitter in observer.emitters}:
        observer.schedule(observer.mlintern_handler, str(folder), recursive=False)


# ------------------------------------------------------------------ entry point
def serve_stdio(workspace_root: str | None = None) -> None:
    """Serve LSP over stdio until the client exits or closes stdin. Logs go to stderr."""
    logging.basicConfig(
        level=os.environ.get("MLINTERN_LOG_LEVEL", "INFO"),
        stream=sys.stderr,
        format="mlintern-lsp %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    logging.getLogger("pygls.protocol.json_rpc").addFilter(drop_expected_errors)
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints and child processes -> stderr
    SERVER.root_override = workspace_root
    register_tool_commands(SERVER)
    try:
        SERVER.start_io(sys.stdin.buffer, protocol_out)
    finally:
        SERVER.stop()
        wait_for_tools()


def drop_expected_errors(record: logging.LogRecord) -> bool:
    """pygls logs a traceback for every error response; a ToolError answer is expected, not a crash."""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, JsonRpcException) and isinstance(error.__cause__, ToolError | Cancelled))


def wait_for_tools() -> None:
    """Give cancelled tools a moment to stop their child processes, then make sure the process exits.

    A tool that ignores cancellation would otherwise keep the interpreter alive (worker threads
    are joined at exit), so after the grace period the process ends without waiting for it.
    """
    deadline = time.monotonic() + EXIT_GRACE_S
    workers = [t for t in threading.enumerate() if t.name.startswith("mlintern-tool")]
    for thread in workers:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in workers if t.is_alive()]
    if stuck:
        log.warning("tools still running after %.0f s (%s); exiting without them", EXIT_GRACE_S, stuck)
        logging.shutdown()
        os._exit(0)
