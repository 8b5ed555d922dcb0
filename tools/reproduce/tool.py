"""``reproduce-paper``: the autonomous loop as a registry tool (MCP, LSP, CLI).

The brain is chosen by ``brain``; ``host`` uses ``ctx.brain`` when the face put
one there (the MCP server passes a ``SamplingBrain`` wrapping the client's
sampling), and falls back to the offline rules otherwise; ``auto`` prefers
Claude when ``ANTHROPIC_API_KEY`` is set, then the host's model, then the rules. Progress and
cancellation flow through the ToolContext like any tool's.
"""

from __future__ import annotations

import os

from mlintern.tools.reproduce.brains import OfflineBrain, make_brain
from mlintern.tools.reproduce.events import Events
from mlintern.tools.reproduce.guards import Approver
from mlintern.tools.reproduce.loop import Agent, Options
from mlintern.tools.reproduce.report import outcome as describe_outcome


class _ContextDisplay(Events):
    """Routes loop events to the calling face's progress and log."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.n = 0

    def event(self, kind: str, **data) -> None:
        self.n += 1
        text = f"{data.get('step', '')}: {data.get('message', '')}".strip(": ")
        if kind in {"step", "done", "repair", "stop", "report"}:
            self.ctx.progress(self.n, None, text)
        self.ctx.log(f"[{kind}] {text}")


def reproduce_paper_tool(
    ctx,
    *,
    paper: str,
    budget_minutes: float = 10,
    train_minutes: float | None = None,
    max_repairs: int = 3,
    max_usd: float = 1.0,
    brain: str = "auto",
    yes: bool = False,
    restart: bool = False,
    variant: str | None = None,
    memory_gb: float | None = None,
) -> dict:
    host = ctx.brain if getattr(ctx.brain, "uses_llm", False) else None
    if brain == "host" or (brain == "auto" and host is not None and not os.environ.get("ANTHROPIC_API_KEY")):
        chosen = host or OfflineBrain()
    else:
        chosen = make_brain(brain, max_usd=max_usd)
    options = Options(
        budget_minutes=budget_minutes,
        train_minutes=train_minutes,
        max_repairs=max_repairs,
        max_usd=max_usd,
        yes=yes,
        restart=restart,
        variant=variant,
        memory_gb=memory_gb,
    )
    approver = Approver(pre_approved=yes, ask=ctx.ask_approval)
    source = (
        paper
        if "/" not in paper and not paper.lower().endswith(".pdf")
        else str(ctx.workspace.path(paper, must_exist=True))
    )
    agent = Agent(
        ctx.workspace,
        source,
        brain=chosen,
        options=options,
        display=_ContextDisplay(ctx),
        approver=approver,
        cancel_event=ctx.cancel_event,
    )
    s = agent.run()
    report = s.steps.get("report") or {}
    outcome = describe_outcome(s)
    return {
        "paper": agent.key,
        "outcome": outcome,
        "stopped": (s.stop or {}).get("kind"),
        "report": report.get("markdown", ""),
        "report_html": report.get("html", ""),
        "plan": (s.steps.get("plan") or {}).get("path"),
        "project": (s.steps.get("scaffold") or {}).get("project"),
        "pilot_loss_fell": any(p.get("ok") for p in s.pilots),
        "full_run": s.steps.get("full"),
        "claims": (s.steps.get("evaluate") or {}).get("claims") or [],
        "repairs": len(s.repairs),
        "seconds": float(s.elapsed_s),
        "llm_usd": float(s.llm.get("usd", 0.0)),
        "summary": f"{agent.key}: {outcome}\nReport: {report.get('markdown', '')}",
    }
