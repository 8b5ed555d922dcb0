"""``workspace-status``: a read-only overview of the papers, runs and events a workspace holds."""

from __future__ import annotations

from pathlib import Path

from mlintern.tools.registry import ToolContext

_RUN_FIELDS = ("id", "project", "mode", "status", "started", "ended", "exit_code", "reason")


def _paper_row(ws, paper: dict) -> dict:
    spec = ws.spec_path(paper)
    has_spec = spec.is_file()
    return {
        "id": paper["id"],
        "source": paper["source"],
        "title": paper["title"],
        "family": paper["family"],
        "has_spec": has_spec,
        "spec": ws.relative(spec) if has_spec else None,
    }


def workspace_status(ctx: ToolContext, runs_limit: int = 20, events_limit: int = 10) -> dict:
    ws = ctx.workspace
    papers = [_paper_row(ws, p) for p in ws.papers()]
    runs = [{k: r[k] for k in _RUN_FIELDS} for r in ws.runs(limit=runs_limit)]
    events = _recent_events(ws, events_limit)
    return {
        "workspace": str(ws.root),
        "papers": papers,
        "runs": runs,
        "events": events,
        "summary": _summary(ws.root, papers, runs),
    }


def _recent_events(ws, limit: int) -> list[dict]:
    if limit == 0:
        return []
    with ws.db() as con:
        row = con.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
    return ws.events(since_id=max(0, row[0] - limit), limit=limit)


def _summary(root: Path, papers: list[dict], runs: list[dict]) -> str:
    lines = [f"Workspace {root}: {len(papers)} paper(s), {len(runs)} recent run(s)."]
    for p in papers[:10]:
        spec = "spec ready" if p["has_spec"] else "no spec yet"
        lines.append(
            f"  paper {p['id']}: {p['title'] or p['source']} ({p['family'] or 'family unknown'}, {spec})"
        )
    for r in runs[:10]:
        lines.append(f"  run {r['id']}: {r['status']} ({r['mode']}) in {r['project']}")
    if not papers and not runs:
        lines.append("  Nothing yet: start with parse-paper on a PDF or an arXiv id.")
    return "\n".join(lines)
