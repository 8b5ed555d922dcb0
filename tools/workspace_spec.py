"""Spec of ``workspace-status``: what the workspace holds (papers, runs, recent events)."""

from __future__ import annotations

from mlintern.tools.registry import Tool

_PAPER = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "source": {"type": "string"},
        "title": {"type": ["string", "null"]},
        "family": {"type": ["string", "null"]},
        "has_spec": {"type": "boolean"},
        "spec": {
            "type": ["string", "null"],
            "description": "The spec file (relative to the workspace when inside it); null before parsing.",
        },
    },
    "required": ["id", "source", "title", "family", "has_spec", "spec"],
}

_RUN = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "project": {"type": "string"},
        "mode": {"type": "string"},
        "status": {"type": "string"},
        "started": {"type": ["number", "null"]},
        "ended": {"type": ["number", "null"]},
        "exit_code": {"type": ["integer", "null"]},
        "reason": {"type": ["string", "null"]},
    },
    "required": ["id", "project", "mode", "status"],
}

_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ts": {"type": "number"},
        "kind": {"type": "string"},
        "data": {"type": "object"},
    },
    "required": ["id", "ts", "kind", "data"],
}

TOOLS = [
    Tool(
        name="workspace-status",
        title="Workspace status",
        description=(
            "Show what this mlintern workspace holds: the papers parsed so far (id, title, architecture family, "
            "whether a spec exists), the training runs with their status (queued, running, succeeded, failed, "
            "cancelled), and the most recent events (tool calls and errors). Use it first to orient yourself, to "
            "find a paper_id or run_id for another tool, or to check what happened after an earlier call. "
            "Read-only and cheap. Returns {papers, runs, events, summary}; `summary` is a short text overview."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "runs_limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 500,
                    "default": 20,
                    "description": "How many of the most recent runs to list.",
                },
                "events_limit": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 500,
                    "default": 10,
                    "description": "How many of the most recent events to list (0 for none).",
                },
            },
            "additionalProperties": False,
        },
        output_schema={
            "type": "object",
            "properties": {
                "workspace": {"type": "string", "description": "Absolute path of the workspace folder."},
                "papers": {"type": "array", "items": _PAPER},
                "runs": {"type": "array", "items": _RUN},
                "events": {"type": "array", "items": _EVENT},
                "summary": {"type": "string"},
            },
            "required": ["workspace", "papers", "runs", "events", "summary"],
        },
        func="mlintern.tools.workspace_tools:workspace_status",
        read_only=True,
        idempotent=True,
    ),
]
