"""The ``diagnose-traceback`` tool: read a failure, explain it, and (optionally) repair and verify.

Input is a traceback as text, a log file, or a run id (its ``stderr.log``).
The diagnosis itself is pure text + ``ast`` work (no torch import). With
``apply`` fixes are written to the workspace. Verification is on by default
whenever what failed can be re-run: the project's pilot (``project`` or the
run's project) or ``command`` (any ``python script.py ...``). Then each of the
first three fixes is applied in turn and the failure is re-run in the sandbox
(:mod:`verify`): a fix is kept only when the error is gone and the training
check passes (the loss falls, every trainable parameter gets a gradient);
otherwise it is reverted and the next one is tried. When none works the code
is left exactly as it was and the summary says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools.diagnose.apply import apply_edits, revert
from mlintern.tools.diagnose.engine import diagnose_text
from mlintern.tools.diagnose.verify import (
    DEFAULT_TIMEOUT_S,
    MIN_LOSSES,
    Outcome,
    parse_command,
    rerun_command,
)
from mlintern.tools.errors import ToolError
from mlintern.tools.training.learning import learning_check, losses_from_rows, num_classes_of
from mlintern.tools.training.metrics import read_metrics
from mlintern.tools.workspace import PROJECT_CONFIG, metrics_file

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
            raise ToolError(
                "No failed run in this workspace.",
                hint="Pass a run id, a log file or a traceback.",
                code="not_found",
            )
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
        raise ToolError(
            f"Run {run_id} has no log output in {run_dir}.",
            hint="The run may still be starting; check it with `mlintern training-status`.",
            code="not_found",
        )
    return "\n".join(parts), run


def _gather(ctx, traceback: str | None, log: str | None, run_id: str | None) -> tuple[str, dict | None]:
    given = [x for x in (traceback, log, run_id) if x]
    if len(given) != 1:
        raise ToolError(
            "Give exactly one of traceback (text), log (a file) or run_id.",
            hint='e.g. `mlintern diagnose-traceback run.log` or {"run_id": "latest"}.',
        )
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
            raise ToolError(
                f"{log!r} is not a file (looked at {path}).",
                code="not_found",
                hint="Pass a log file inside the workspace, or the traceback text itself.",
            )
    text = traceback or log or ""
    if not text.strip():
        raise ToolError("The traceback is empty.", hint="Pass the stderr of the failed run.")
    return text, None


def _losses(run: dict) -> list[tuple[int, float]]:
    """The training losses a run recorded (evaluation rows left out; read without following links)."""
    if not run.get("run_dir"):
        return []
    return losses_from_rows(
        read_metrics(metrics_file(run["run_dir"], (run.get("meta") or {}).get("out_dir")))
    )


def _pilot_works(ctx, project: str) -> tuple[bool, str]:
    """Re-run the pilot in the sandbox: it must succeed with a finite loss that falls.

    A pilot that records fewer than ``MIN_LOSSES`` losses is never "verified": nothing shows that it trains.
    """
    from mlintern.tools import registry

    result = registry.call("run-training", {"project": project, "pilot": True, "wait": True}, ctx)
    if result.get("state") != "succeeded":
        return False, f"pilot {result.get('state')}: {result.get('reason') or ''}".strip()
    run = ctx.workspace.get_run(result.get("run_id") or "") or {"run_dir": result.get("run_dir")}
    losses = _losses(run)
    if len(losses) < MIN_LOSSES:
        return (
            False,
            f"pilot succeeded but recorded {len(losses)} loss value(s): cannot tell whether it trains",
        )
    verdict = learning_check(losses, num_classes=num_classes_of(_config(ctx.workspace.path(project))))
    if not verdict["verified"]:
        return False, f"pilot finished but it does not learn: {verdict['reason']}"
    return True, f"pilot succeeded; {verdict['reason']}"


def _config(project: str) -> dict:
    """The project's config.json (written by scaffold-model; read without following links), or {}."""
    text = files.try_read_text(Path(project) / PROJECT_CONFIG, limit=4 * files.MiB)
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def make_checker(ctx, project: str | None, command: str | None, timeout_s: float):
    """A callable re-running what failed and returning an :class:`Outcome`, or None when nothing can be re-run."""
    if command:
        parse_command(command)  # a bad command is an error now, not after the first edit

        def check() -> Outcome:
            return rerun_command(ctx.workspace, command, timeout_s=timeout_s)

        return check
    if project:

        def check_pilot() -> Outcome:
            ok, note = _pilot_works(ctx, project)
            return Outcome(ok, note)

        return check_pilot
    return None


def diagnose_traceback(
    ctx,
    *,
    traceback: str | None = None,
    log: str | None = None,
    run_id: str | None = None,
    project: str | None = None,
    apply: bool = False,
    verify: bool | None = None,
    command: str | None = None,
    timeout_s: int = DEFAULT_TIMEOUT_S,
) -> dict:
    ws = ctx.workspace
    text, run = _gather(ctx, traceback, log, run_id)
    project = project or (run or {}).get("project")
    project_path = ws.path(project, must_exist=True) if project else None
    checker = make_checker(ctx, project, command, timeout_s)
    if verify is None:  # on by default wherever what failed can be re-run
        verify = checker is not None and apply
    if verify and checker is None:
        raise ToolError(
            "verify needs something to re-run.",
            hint='Pass --command "python train.py ..." (any script) or project (a scaffolded project).',
        )
    ctx.progress(0, 3, "diagnosing")
    diagnosis = diagnose_text(text, ws.root, project_path, (run or {}).get("mode"))
    asked_brain = False
    # Where fixes may land: the project (the traceback was printed by the run and may name any file), or the
    # workspace the --command runs in; a pasted log with neither edits anywhere in the workspace, as before.
    confine_to = project_path or (ws.root.resolve() if command else None)
    must_confine = run is not None or confine_to is not None
    if diagnosis["category"] == "unrecognised" and ctx.brain is not None:
        from mlintern.tools.diagnose.llm import llm_fixes

        diagnosis["fixes"] = llm_fixes(
            ctx, diagnosis, text, checker, confine=lambda edits: _confine(ws, edits, confine_to)
        )
        asked_brain = True
    diagnosis_id = ws.add_diagnosis(diagnosis, run_id=(run or {}).get("id"))
    applied, verified, attempts = None, None, []
    fixes = diagnosis["fixes"]
    if (apply or verify) and fixes:
        applied, verified = _try_fixes(
            ctx,
            ws,
            fixes,
            checker if verify else None,
            attempts,
            confine=(confine_to,) if must_confine else None,
        )
    if verify and not verified and ctx.brain is not None and not asked_brain:
        # The rules had nothing that trains: the brain gets the failure and what was tried, under the same check.
        from mlintern.tools.diagnose.llm import llm_fixes

        extra = llm_fixes(
            ctx,
            diagnosis,
            text,
            checker,
            tried=attempts,
            confine=lambda edits: _confine(ws, edits, confine_to),
        )
        if extra:
            diagnosis["fixes"] = fixes = fixes + extra
            applied, verified = _try_fixes(
                ctx,
                ws,
                extra,
                checker,
                attempts,
                first_number=len(fixes) - len(extra) + 1,
                confine=(confine_to,),
            )
    if verify and fixes and not verified:
        verified = False
    summary = _summary(diagnosis, applied, verified, attempts, can_rerun=checker is not None)
    ctx.progress(3, 3, "done")
    return {
        **diagnosis,
        "diagnosis_id": diagnosis_id,
        "applied": applied,
        "verified": verified,
        "attempts": attempts,
        "summary": summary,
    }


def _try_fixes(
    ctx,
    ws,
    fixes: list[dict],
    checker,
    attempts: list,
    first_number: int = 1,
    confine: tuple[Path | None] | None = None,
):
    """Apply fixes in turn; with a checker keep the first that trains (reverting the others), else apply fix 1.

    ``confine=(folder,)``: every edit must be a regular file of ``folder`` (see ``_confine``).
    """
    for number, fix in enumerate(fixes[: MAX_ATTEMPTS if checker else 1], start=first_number):
        ctx.check_cancelled()
        if confine is not None:
            _confine(ws, fix["edits"], confine[0])  # refused outright: nothing is written
        try:
            originals = apply_edits(ws, fix["edits"])
        except ToolError as err:
            attempts.append(
                {"fix": number, "title": fix["title"], "worked": False, "note": f"not applied: {err}"}
            )
            continue
        if checker is None:
            return number, None
        ctx.progress(number, 3 + number, f"verifying fix {number}: {fix['title']}")
        try:
            outcome = checker()
        except BaseException:  # cancelled, or the run could not start: leave the code as it was
            revert(originals)
            raise
        attempts.append({"fix": number, "title": fix["title"], "worked": outcome.ok, "note": outcome.note})
        if outcome.ok:
            return number, True
        revert(originals)
    return None, (False if checker else None)


def _confine(ws, edits: list[dict], project_path: Path | None) -> None:
    """A fix may only edit its project's regular files. The traceback was printed by the run (hostile: it can
    name any file of the workspace), and an LLM's edits are no more trusted: a path outside the project,
    or reached through a link, is refused before anything is written."""
    if project_path is None:
        raise ToolError(
            "Applying a fix needs the project it belongs to.",
            hint="Pass project (the folder with train.py), or diagnose a run_id.",
            code="outside_project",
        )
    for edit in edits:
        path = ws.path(
            edit["path"], must_exist=True, write=True
        )  # links resolved: where it would really land
        if not path.is_relative_to(project_path) or not files.is_regular(path, root=project_path):
            raise ToolError(
                f"The fix edits {edit['path']}, which is not a file of the project {project_path.name}; "
                "nothing was changed.",
                hint="A traceback printed by the run can name any file; fix that file by hand if it "
                "really is at fault.",
                code="outside_project",
            )


def _summary(diagnosis: dict, applied, verified, attempts, can_rerun: bool = False) -> str:
    loc = diagnosis["location"]
    where = f" at {loc['file']}:{loc['line']}" if loc else ""
    lines = [f"{diagnosis['category']}{where}: {diagnosis['error']['type']}", diagnosis["explanation"]]
    for i, fix in enumerate(diagnosis["fixes"], start=1):
        lines.append(f"  fix {i} ({fix['confidence']:.0%}): {fix['title']}")
    if not diagnosis["fixes"]:
        lines.append("  no fix offered")
    for a in attempts:
        lines.append(
            f"  tried fix {a['fix']}: {'worked' if a['worked'] else 'failed, reverted'} ({a['note']})"
        )
    if applied and verified is None:
        how = "pass --verify" if can_rerun else 'pass --command "python train.py ..." to re-run and check it'
        lines.append(f"applied fix {applied} (NOT verified; {how})")
    elif verified:
        lines.append(f"applied fix {applied}: verified, the error is gone and it trains")
    elif verified is False:
        lines.append("no fix made it train; the code is unchanged")
    return "\n".join(lines)
