"""Every conversion between LSP protocol types and mlintern's domain data.

The LSP server (``lsp_server.py``) keeps its handlers short by calling these
functions: Diagnosis dicts become ``Diagnostic`` and ``WorkspaceEdit`` objects,
``config.json`` facts become hover text, tool progress becomes work-done
progress, ``ToolError`` becomes a JSON-RPC error, and ``initializationOptions``
become a typed :class:`Options`. Nothing here talks to the client, so each
conversion is tested with plain data.

Lines: the Diagnosis contract uses 1-based inclusive line ranges (what
tracebacks and people use); LSP uses 0-based lines and an exclusive end
position. An edit of lines ``[start, end]`` therefore replaces the LSP range
``(start-1, 0) .. (end, 0)``: whole lines, newline included.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from mlintern.tools.diagnose.apply import folder_resolver, lsp_range, plan
from mlintern.tools.errors import ToolError
from mlintern.tools.workspace import PROJECT_CONFIG, PROJECT_META
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled

SOURCE = "mlintern"
PROJECT_MARKER = PROJECT_META
CONFIG_FILE = PROJECT_CONFIG
FACT_SECTIONS = ("model", "train")  # config.json sections whose values are cited facts
TOOL_ERROR_CODE = -32001  # JSON-RPC server-error range: "the caller can fix this"


# ------------------------------------------------------------------ paths / URIs
def uri_to_path(uri: str) -> Path | None:
    """``file:///a/b%20c.py`` -> ``Path('/a/b c.py')``; ``None`` for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def path_to_uri(path: str | Path) -> str:
    return Path(path).resolve().as_uri()


# ----------------------------------------------------------------------- options
@dataclass(frozen=True)
class Options:
    """The server's settings, from the client's ``initializationOptions``.

    Every field has a default, so a client that sends nothing gets a working
    server. Keys may be camelCase (VS Code settings style) or snake_case.
    The settings the client set explicitly (``given``) are filled into a
    command's arguments when its tool accepts them and the caller left them
    out (see :func:`fill_tool_defaults`); unset ones leave each tool's own
    defaults alone.
    """

    sandbox: bool = True  # run generated code in the sandbox
    brain: str = "offline"  # offline | anthropic | auto
    budget_minutes: float = 30.0  # wall-clock budget for training and autonomous runs
    max_usd: float = 0.0  # LLM spend cap; 0 = no paid calls
    max_repairs: int = 3  # repair attempts the autonomous loop may make
    python_path: str = ""  # interpreter the client launched us with (informational)
    auto_parse_papers: bool = True  # parse PDFs dropped into papers/
    diagnostics: bool = True  # publish diagnostics for failed runs and opened logs
    watch: bool = True  # watch the workspace with watchdog; False polls (network filesystems without inotify)
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    BRAINS = ("offline", "anthropic", "auto")
    # option -> the tool arguments it fills
    TOOL_ARGUMENTS = {
        "sandbox": ("sandbox",),
        "brain": ("brain",),
        "budget_minutes": ("budget_minutes", "max_minutes"),
        "max_usd": ("max_usd",),
        "max_repairs": ("max_repairs",),
    }

    def tool_defaults(self) -> dict[str, Any]:
        return {
            argument: getattr(self, name)
            for name, arguments in self.TOOL_ARGUMENTS.items()
            if name in self.given
            for argument in arguments
        }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def options_from_json(raw: Any) -> tuple[Options, list[str]]:
    """Build :class:`Options` from ``initializationOptions``; return it and the problems found.

    Invalid or unknown entries are dropped (their defaults stay) and described,
    so the server can warn the user instead of refusing to start.
    """
    if raw is None:
        return Options(), []
    if not isinstance(raw, dict):
        return Options(), [f"initializationOptions must be an object, not {type(raw).__name__}"]
    fields = {f.name: f for f in dataclasses.fields(Options) if f.name != "given"}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        name = _snake(key)
        if name not in fields:
            problems.append(f"unknown option {key!r}")
            continue
        default = fields[name].default
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10
        elif isinstance(default, float):
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and (value > 0 if name == "budget_minutes" else value >= 0)
            )
        else:
            ok = isinstance(value, str)
        if ok and name == "brain" and value not in Options.BRAINS:
            ok = False
        if not ok:
            problems.append(f"option {key!r} has an invalid value {value!r} (default {default!r} used)")
            continue
        values[name] = float(value) if isinstance(default, float) else value
    return Options(**values, given=frozenset(values)), problems


def fill_tool_defaults(input_schema: dict, arguments: dict, options: Options) -> dict:
    """Add the option values a tool accepts and the caller did not give."""
    accepted = input_schema.get("properties", {})
    filled = dict(arguments)
    for name, value in options.tool_defaults().items():
        if name in accepted and name not in filled:
            filled[name] = value
    return filled


# ---------------------------------------------------------------------- commands
def command_arguments(arguments: tuple | list | None) -> dict:
    """``workspace/executeCommand`` arguments -> the tool's arguments object.

    The contract is one argument, the arguments object; none means ``{}``.
    """
    if not arguments:
        return {}
    if len(arguments) > 1:
        raise ToolError(
            f"Expected one argument (the arguments object), got {len(arguments)}.",
            hint='Pass a single JSON object, e.g. arguments: [{"source": "papers/x.pdf"}].',
            code="invalid_arguments",
        )
    if not isinstance(arguments[0], dict):
        raise ToolError(
            f"The command's argument must be a JSON object, not {type(arguments[0]).__name__}.",
            hint='Pass the tool\'s arguments as one object, e.g. arguments: [{"source": "papers/x.pdf"}].',
            code="invalid_arguments",
        )
    return arguments[0]


def tool_error_to_rpc(err: ToolError) -> JsonRpcException:
    """A ``ToolError`` as the JSON-RPC error of the command's response."""
    text = f"{err.message} {err.hint}" if err.hint else err.message
    if err.code in ("invalid_arguments", "unknown_tool"):
        return JsonRpcInvalidParams(message=text, data=err.to_dict())
    return JsonRpcException(message=text, code=TOOL_ERROR_CODE, data=err.to_dict())


def cancelled_to_rpc(command: str) -> JsonRpcException:
    return JsonRpcRequestCancelled(message=f"{command} was cancelled.")


def tool_error_message(title: str, err: ToolError) -> types.ShowMessageParams:
    text = f"{title}: {err.message}" + (f" {err.hint}" if err.hint else "")
    return types.ShowMessageParams(type=types.MessageType.Error, message=text)


def result_message(title: str, result: dict) -> types.ShowMessageParams:
    summary = str(result.get("summary") or "done").strip()
    return types.ShowMessageParams(type=types.MessageType.Info, message=f"{title}: {summary}")


def progress_begin(title: str) -> types.WorkDoneProgressBegin:
    return types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)


def progress_report(done: float, total: float | None, message: str | None) -> types.WorkDoneProgressReport:
    """``ctx.progress(done, total, message)`` as an LSP report (a percentage when the total is known)."""
    percentage = None
    if total:
        percentage = max(0, min(100, int(100 * done / total)))
    return types.WorkDoneProgressReport(message=message, percentage=percentage)


def progress_end(message: str) -> types.WorkDoneProgressEnd:
    return types.WorkDoneProgressEnd(message=message)


def result_document(result: dict, root: Path) -> str | None:
    """The file a result wants opened (a parsed spec), as a URI, if it names one that exists."""
    for key in ("spec_path", "path", "output"):
        value = result.get(key)
        if isinstance(value, str) and value:
            p = Path(value) if Path(value).is_absolute() else root / value
            if p.is_file():
                return path_to_uri(p)
    return None


def run_status(run: dict) -> dict:
    """A runs row -> what a status bar shows (``mlintern/runs`` notification)."""
    meta = run.get("meta") or {}
    return {
        "run_id": run["id"],
        "project": run["project"],
        "status": run["status"],
        "mode": run.get("mode"),
        "step": meta.get("step"),
        "total_steps": meta.get("total_steps"),
        "loss": (meta.get("last_metrics") or {}).get("loss"),
    }


# ------------------------------------------------------------------- diagnostics
def _line_range(line: int) -> types.Range:
    row = max(line - 1, 0)
    return types.Range(
        start=types.Position(line=row, character=0), end=types.Position(line=row + 1, character=0)
    )


def resolve_in(root: Path, file: str) -> Path:
    p = Path(file)
    return (p if p.is_absolute() else root / p).resolve()


def diagnosis_to_lsp(diagnosis: dict, root: Path) -> tuple[str, types.Diagnostic] | None:
    """A stored Diagnosis -> (uri of the file to change, the LSP diagnostic), or None without a place.

    The place is the Diagnosis' ``location`` (the line to change) or, when the
    analysis could not name one, the innermost user frame (where it failed).
    The diagnostic covers the whole line named by ``location`` and carries the
    diagnosis id in ``data`` so a code action can find the fixes again.
    """
    location = diagnosis.get("location") or last_user_frame(diagnosis) or {}
    file, line = location.get("file"), location.get("line")
    if not isinstance(file, str) or not isinstance(line, int):
        return None
    error = diagnosis.get("error") or {}
    headline = ": ".join(x for x in (error.get("type"), error.get("message")) if x)
    message = str(diagnosis.get("explanation") or headline or "training failed here")
    if headline and headline not in message:
        message = f"{message}\n({headline})"
    fixes = diagnosis.get("fixes") or []
    diagnostic = types.Diagnostic(
        range=_line_range(line),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        code=str(diagnosis.get("category") or "unrecognised"),
        source=SOURCE,
        data={"diagnosis_id": diagnosis.get("id"), "run_id": diagnosis.get("run_id"), "fixes": len(fixes)},
    )
    return path_to_uri(resolve_in(root, file)), diagnostic


def last_user_frame(diagnosis: dict) -> dict | None:
    user = [f for f in diagnosis.get("frames") or [] if isinstance(f, dict) and f.get("user")]
    return user[-1] if user else None


def group_diagnostics(diagnoses: list[dict], root: Path) -> dict[str, list[types.Diagnostic]]:
    """Diagnoses -> diagnostics per file URI, one per (line, category)."""
    grouped: dict[str, list[types.Diagnostic]] = {}
    seen: set[tuple[str, int, Any]] = set()
    for diagnosis in diagnoses:
        converted = diagnosis_to_lsp(diagnosis, root)
        if converted is None:
            continue
        uri, diagnostic = converted
        key = (uri, diagnostic.range.start.line, diagnostic.code)
        if key not in seen:
            seen.add(key)
            grouped.setdefault(uri, []).append(diagnostic)
    return grouped


def edit_to_text_edit(edit: dict) -> types.TextEdit:
    """One Diagnosis edit (1-based inclusive lines) -> an LSP TextEdit over whole lines.

    The edit contract (``end_line == start_line - 1`` inserts) is the one applier's, ``tools/diagnose/apply.py``.
    """
    first_row, end_row, new_text = lsp_range(edit)
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=first_row, character=0), end=types.Position(line=end_row, character=0)
        ),
        new_text=new_text,
    )


def fix_to_workspace_edit(fix: dict, root: Path) -> types.WorkspaceEdit:
    """A fix (a list of edits over files) -> a WorkspaceEdit; refuses files outside ``root``."""
    changes: dict[str, list[types.TextEdit]] = {}
    for edit in fix.get("edits") or []:
        target = resolve_in(root, str(edit["path"]))
        if not target.is_relative_to(root):
            raise ToolError(
                f"The fix edits {target}, which is outside the workspace {root}.",
                hint="Only edits inside the workspace are applied.",
                code="path_outside_workspace",
            )
        changes.setdefault(path_to_uri(target), []).append(edit_to_text_edit(edit))
    if not changes:
        raise ToolError(f"The fix {fix.get('title')!r} has no edits.", code="invalid_fix")
    on_disk = [e for e in fix.get("edits") or [] if resolve_in(root, str(e["path"])).is_file()]
    if on_disk:  # the one applier's checks: every edit fits the saved file it targets
        plan(on_disk, folder_resolver(root))
    return types.WorkspaceEdit(changes=changes)


def fix_to_code_action(
    fix: dict, diagnostic: types.Diagnostic, root: Path, preferred: bool
) -> types.CodeAction:
    confidence = fix.get("confidence")
    suffix = f" ({round(100 * confidence)}% confidence)" if isinstance(confidence, int | float) else ""
    return types.CodeAction(
        title=f"mlintern: {fix.get('title', 'apply fix')}{suffix}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=fix_to_workspace_edit(fix, root),
        is_preferred=preferred,
    )


def error_line_in_log(text: str, diagnosis: dict) -> int:
    """The 1-based line of a log that shows the diagnosed error (the last match), else the last line."""
    error = diagnosis.get("error") or {}
    needle = error.get("type") or ""
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if needle and needle in lines[index]:
            return index + 1
    return max(len(lines), 1)


# ------------------------------------------------------------------------- hover
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def find_project_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` holding ``mlintern.json`` (a scaffolded project)."""
    for folder in (path if path.is_dir() else path.parent, *path.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    return None


def word_at(line: str, character: int) -> str | None:
    for match in _WORD.finditer(line):
        if match.start() <= character <= match.end():
            return match.group()
    return None


def json_path_at(text: str, line: int, character: int) -> list[str] | None:
    """The key path of the JSON member whose key (or scalar value) holds the position.

    ``{"model": {"d_model": {...}}}`` with the cursor on ``"d_model"`` gives
    ``["model", "d_model"]``. A small scanner rather than ``json.loads`` so it
    knows positions and tolerates a document being edited.
    """
    lines = text.split("\n")
    if line >= len(lines):
        return None
    offset = sum(len(x) + 1 for x in lines[:line]) + character
    stack: list[list] = []  # per open container: [kind, current key]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "{[":
            stack.append([ch, None])
        elif ch in "}]":
            if stack:
                stack.pop()
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            is_key = bool(stack) and stack[-1][0] == "{" and text[j + 1 : j + 64].lstrip().startswith(":")
            token = text[i + 1 : j]
            if is_key:
                stack[-1][1] = token
            if i <= offset <= j:
                return _keys(stack) if stack and stack[-1][1] is not None else None
            i = j
        elif ch == "," and stack and stack[-1][0] == "{":
            stack[-1][1] = None
        elif i == offset and stack and stack[-1][1] is not None and not ch.isspace() and ch not in ":":
            return _keys(stack)  # on a number, true/false/null value
        i += 1
    return None


def _keys(stack: list[list]) -> list[str]:
    return [key for kind, key in stack if kind == "{" and key is not None]


def load_config(project: Path) -> dict | None:
    from mlintern.sandbox import files

    text = files.try_read_text(project / CONFIG_FILE, limit=16 * files.MiB)  # the run may have planted a FIFO
    try:
        config = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return None
    return config if isinstance(config, dict) else None


def find_fact(config: dict, key: str) -> tuple[str, dict] | None:
    """The cited fact for a hyperparameter key: (section, fact) from ``model`` or ``train``."""
    for section in FACT_SECTIONS:
        fact = (config.get(section) or {}).get(key)
        if isinstance(fact, dict) and "value" in fact:
            return section, fact
    return None


def fact_key_for_path(config: dict, path: list[str]) -> str | None:
    """A config.json key path -> the hyperparameter it is about (``pilot.model.d_model`` -> ``d_model``)."""
    if len(path) >= 2 and path[0] in FACT_SECTIONS:
        return path[1]
    if len(path) >= 3 and path[0] == "pilot" and path[1] in FACT_SECTIONS:
        return path[2]
    return None


def code_key_candidates(word: str) -> list[str]:
    """Names in generated code that may stand for a config key: ``D_MODEL`` -> ``d_model``."""
    return list(dict.fromkeys([word, word.lower()]))


def fact_markdown(key: str, fact: dict, *, pilot_value: Any = None) -> str:
    """Hover text: the value, where it came from, and the paper's own words.

    A ``default`` never shows a page: it is mlintern's assumption, with its reason.
    """
    value = json.dumps(fact.get("value"))
    source, page = fact.get("source"), fact.get("page")
    quote = str(fact.get("quote") or "").strip()
    rule = str(fact.get("rule") or fact.get("reason") or "").strip()
    if source == "default":
        reason = rule or quote or "the paper does not state it"
        lines = [f"**{key}** = `{value}`", "", f"assumed by mlintern: {reason}"]
    elif source == "inferred":
        where = f" from page {page}" if page else ""
        lines = [f"**{key}** = `{value}` (inferred by mlintern{where}" + (f": {rule})" if rule else ")")]
    else:
        where = f"page {page}" if page else "the paper"
        lines = [f"**{key}** = `{value}` (from {'a table on ' if source == 'table' else ''}{where})"]
    if quote and source != "default":
        lines += ["", f"> {quote}"]
    if pilot_value is not None:
        lines += [
            "",
            f"pilot config: `{json.dumps(pilot_value)}` (mlintern's small config for quick CPU runs)",
        ]
    return "\n".join(lines)


def hover_markdown(config: dict, key: str, *, in_pilot: bool = False) -> str | None:
    found = find_fact(config, key)
    if found is None:
        return None
    section, fact = found
    pilot = (config.get("pilot") or {}).get(section) or {}
    return fact_markdown(key, fact, pilot_value=pilot.get(key) if in_pilot else None)


def provenance_at(path: Path, text: str, line: int, character: int) -> str | None:
    """Hover text for a position in a file of a scaffolded project, or None.

    In ``config.json`` the key under the cursor names the hyperparameter; in
    code, the name under the cursor does when it matches a config key.
    """
    project = find_project_root(path)
    config = load_config(project) if project else None
    if config is None:
        return None
    if path.name == CONFIG_FILE:
        keys = json_path_at(text, line, character) or []
        key = fact_key_for_path(config, keys)
        return hover_markdown(config, key, in_pilot=keys[0] == "pilot") if key else None
    lines = text.split("\n")
    word = word_at(lines[line], character) if line < len(lines) else None
    candidates = code_key_candidates(word) if word else []
    return next(filter(None, (hover_markdown(config, key) for key in candidates)), None)


def to_hover(markdown: str) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))
