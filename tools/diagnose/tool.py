"""The ``diagnose-traceback`` tool: read a failure, explain it, and (optionally) repair and verify.

Input is a traceback as text, a log file, or a run id (its ``stderr.log``).
The diagnosis itself is pure text + ``ast`` work (no torch import). With
``apply`` the best fix is written to the workspace; with ``verify`` each of
the first three fixes is applied in turn and the project's pilot is re-run in
the sandbox through ``run-training``: a fix is kept only when the pilot
succeeds with a finite, falling loss, otherwise it is reverted and the next
one is tried.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.diagnose.apply import apply_edits, revert
from mlintern.tools.diagnose.engine import diagnose_text
from mlintern.tools.errors import ToolError

MAX_LOG_BYTES = 2_000_000
MAX_ATTEMPTS = 3


def _read_text(path: Path) -> str:
    with path.open("rb") as f:
        size = path.stat().st_size
        if size > MAX_LOG_BYTES:  # the traceback is at the end of a long log
            f.seek(size - MAX_LOG_BYTES)
        return f.read().decode("utf-8", errors="replace")


def _looks_like_text(value: str) -> bool:
    """A one-line error such as ``RuntimeError: CUDA out of memory`` rather than a file name."""
    return "Traceback" in value or bool(re.match(r"^[\w.]*(Error|Exception)\b", value))


def _run_log(ws, run_id: str) -> tuple[str, dict]:
    if run_id == "latest":
        runs = ws.runs(status="failed", limit=1)
        if not runs:
            raise ToolError("No failed run in this workspace.", hint="Pass a run id, a log file or a traceback.",
                            code="not_found")
        run_id = runs[0]["id"]
    run = ws.require_run(run_id)
    run_dir = Path(run["run_dir"] or "")
    if not run_dir.is_absolute():
        run_dir = ws.root / run_dir
    parts = []
    for name in ("stderr.log", "stdout.log"):
        if (run_dir / name).is_file():
            parts.append(_read_text(run_dir / name))
    if not parts or not any(p.strip() for p in parts):
        raise ToolError(f"Run {run_id} has no log output in {run_dir}.",
                        hint="The run may still be starting; check it with `mlintern training-status`.",
                        code="not_found")
    return "\n".join(parts), run


def _gather(ctx, traceback: str | None, log: str | None, run_id: str | None) -> tuple[str, dict | None]:
    given = [x for x in (traceback, log, run_id) if x]
    if len(given) != 1:
        raise ToolError("Give exactly one of traceback (text), log (a file) or run_id.",
                        hint="e.g. `mlintern diagnose-traceback run.log` or {\"run_id\": \"latest\"}.")
    if run_id:
        return _run_log(ctx.workspace, run_id)
    if log and "\n" not in log:
        try:
            path = ctx.workspace.path(log)
        except ToolError:
            path = None
        if path is not None and path.is_file():
            return _read_text(path), None
        if not _looks_like_text(log):
            raise ToolError(f"{log!r} is not a file (looked at {path}).", code="not_found",
                            hint="Pass a log file inside the workspace, or the traceback text itself.")
    text = traceback or log or ""
    if not text.strip():
        raise ToolError("The traceback is empty.", hint="Pass the stderr of the failed run.")
    return text, None


def _losses(run: dict) -> list[float]:
    run_dir = Path(run.get("run_dir") or "")
    for path in (run_dir / "out" / "metrics.jsonl", run_dir / "metrics.jsonl"):
        text = files.try_read_text(path, limit=MAX_LOG_BYTES * 8, tail=True)  # written by the run: no link/FIFO
        if text is not None:
            values = []
            for line in text.splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("loss"), int | float):
                    values.append(float(row["loss"]))
            return values
    return []


def _pilot_works(ctx, project: str) -> tuple[bool, str]:
    """Re-run the pilot in the sandbox: it must succeed with a finite loss that falls."""
    from mlintern.tools import registry

    result = registry.call("run-training", {"project": project, "pilot": True, "wait": True}, ctx)
    if result.get("state") != "succeeded":
        return False, f"pilot {result.get('state')}: {result.get('reason') or ''}".strip()
    run = ctx.workspace.get_run(result.get("run_id") or "") or {"run_dir": result.get("run_dir")}
    losses = _losses(run)
    if not losses:
        return True, "pilot succeeded (no loss values recorded)"
    if not all(math.isfinite(v) for v in losses):
        return False, "pilot finished but the loss is not finite"
    if len(losses) >= 4:
        k = max(1, len(losses) // 4)
        first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
        if not last < first:
            return False, f"pilot finished but the loss did not fall ({first:.4g} -> {last:.4g})"
    return True, f"pilot succeeded; loss {losses[0]:.4g} -> {losses[-1]:.4g}"


def diagnose_traceback(ctx, *, traceback: str | None = None, log: str | None = None, run_id: str | None = None,
                       project: str | None = None, apply: bool = False, verify: bool = False) -> dict:
    ws = ctx.workspace
    text, run = _gather(ctx, traceback, log, run_id)
    project = project or (run or {}).get("project")
    project_path = ws.path(project, must_exist=True) if project else None
    ctx.progress(0, 3, "diagnosing")
    diagnosis = diagnose_text(text, ws.root, project_path, (run or {}).get("mode"))
    from_llm = False
    if diagnosis["category"] == "unrecognised" and ctx.brain is not None:
        from mlintern.tools.diagnose.llm import llm_fixes

        diagnosis["fixes"] = llm_fixes(ctx, diagnosis, text, project)
        from_llm = True
    diagnosis_id = ws.add_diagnosis(diagnosis, run_id=(run or {}).get("id"))
    applied, verified, attempts = None, None, []
    fixes = diagnosis["fixes"]
    if verify and fixes and not project:
        raise ToolError("verify needs the project to re-run.", hint="Pass project (the folder with train.py).")
    if (apply or verify) and fixes:
        for number, fix in enumerate(fixes[: MAX_ATTEMPTS if verify else 1], start=1):
            ctx.check_cancelled()
            if run is not None or project_path is not None or from_llm:  # a pasted log alone: the workspace
                _confine(ws, fix["edits"], project_path)
            originals = apply_edits(ws, fix["edits"])
            if not verify:
                applied = number
                break
            ctx.progress(number, 3 + number, f"verifying fix {number}: {fix['title']}")
            try:
                ok, note = _pilot_works(ctx, project)
            except BaseException:  # cancelled, or the pilot could not start: leave the code as it was
                revert(originals)
                raise
            attempts.append({"fix": number, "title": fix["title"], "worked": ok, "note": note})
            if ok:
                applied, verified = number, True
                break
            revert(originals)
        else:
            verified = False if verify else None
    summary = _summary(diagnosis, applied, verified, attempts)
    ctx.progress(3, 3, "done")
    return {**diagnosis, "diagnosis_id": diagnosis_id, "applied": applied, "verified": verified,
            "attempts": attempts, "summary": summary}


def _confine(ws, edits: list[dict], project_path: Path | None) -> None:
    """A fix may only edit its project's regular files. The traceback was printed by the run (hostile: it can
    name any file of the workspace), and an LLM's edits are no more trusted: a path outside the project,
    or reached through a link, is refused before anything is written."""
    if project_path is None:
        raise ToolError("Applying a fix needs the project it belongs to.",
                        hint="Pass project (the folder with train.py), or diagnose a run_id.", code="outside_project")
    for edit in edits:
        path = ws.path(edit["path"], must_exist=True, write=True)  # links resolved: where it would really land
        if not path.is_relative_to(project_path) or not files.is_regular(path, root=project_path):
            raise ToolError(f"The fix edits {edit['path']}, which is not a file of the project {project_path.name}; "
                            "nothing was changed.",
                            hint="A traceback printed by the run can name any file; fix that file by hand if it "
                                 "really is at fault.", code="outside_project")


def _summary(diagnosis: dict, applied, verified, attempts) -> str:
    loc = diagnosis["location"]
    where = f" at {loc['file']}:{loc['line']}" if loc else ""
    lines = [f"{diagnosis['category']}{where}: {diagnosis['error']['type']}", diagnosis["explanation"]]
    for i, fix in enumerate(diagnosis["fixes"], start=1):
        lines.append(f"  fix {i} ({fix['confidence']:.0%}): {fix['title']}")
    if not diagnosis["fixes"]:
        lines.append("  no fix offered")
    for a in attempts:
        lines.append(f"  tried fix {a['fix']}: {'worked' if a['worked'] else 'failed, reverted'} ({a['note']})")
    if applied and verified is None:
        lines.append(f"applied fix {applied} (not verified; re-run the pilot, or pass --verify)")
    elif verified:
        lines.append(f"applied fix {applied}: verified, the pilot trains")
    elif verified is False:
        lines.append("no fix made the pilot train; the code is unchanged")
    return "\n".join(lines)
