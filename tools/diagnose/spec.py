"""Registry entry for diagnose-traceback."""

from mlintern.tools.registry import Tool

_EDIT = {
    "type": "object",
    "required": ["path", "start_line", "end_line", "new_text"],
    "properties": {
        "path": {"type": "string"},
        "start_line": {"type": "integer", "minimum": 1},
        "end_line": {"type": "integer", "minimum": 1},
        "new_text": {"type": "string"},
    },
}

OUTPUT = {
    "type": "object",
    "required": [
        "error",
        "frames",
        "category",
        "explanation",
        "location",
        "fixes",
        "diagnosis_id",
        "applied",
        "verified",
        "summary",
    ],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
        },
        "frames": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["file", "line", "function", "user"],
                "properties": {
                    "file": {"type": "string"},
                    "line": {"type": "integer"},
                    "function": {"type": "string"},
                    "user": {"type": "boolean"},
                },
            },
        },
        "category": {"type": "string"},
        "explanation": {"type": "string"},
        "location": {
            "type": ["object", "null"],
            "required": ["file", "line"],
            "properties": {"file": {"type": "string"}, "line": {"type": "integer"}},
        },
        "fixes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["title", "confidence", "edits"],
                "properties": {
                    "title": {"type": "string"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "edits": {"type": "array", "items": _EDIT},
                },
            },
        },
        "diagnosis_id": {"type": "string"},
        "applied": {"type": ["integer", "null"], "description": "1-based number of the fix written to disk"},
        "verified": {"type": ["boolean", "null"]},
        "attempts": {"type": "array", "items": {"type": "object"}},
        "install": {
            "type": ["object", "null"],
            "description": "a missing package: {package, module, command}",
            "properties": {
                "package": {"type": "string"},
                "module": {"type": "string"},
                "command": {"type": "string"},
            },
        },
        "summary": {"type": "string"},
    },
}

TOOLS = [
    Tool(
        name="diagnose-traceback",
        title="Diagnose a training failure",
        description=(
            "Explain why a training run failed and how to fix it. Give a traceback (text), a log file, or a run id "
            "(its stderr is read). Reads the project's source with ast to find the line that must change (often "
            "not the one that raised) and returns the error, frames, a category, a plain explanation naming the "
            "variables and shapes involved, and fixes ranked by confidence, each a list of line edits. apply=true "
            'repairs: when what failed can be re-run (command, e.g. "python train.py", or the project\'s pilot) '
            "each fix is applied in turn and re-run in the sandbox, and kept only when the error is gone AND the "
            "training check passes (loss falls, every trainable parameter gets a gradient); otherwise it is "
            "reverted and the next is tried (at most 3), and the code is left unchanged when none works. With "
            "nothing to re-run, apply writes fix 1 and says it is not verified. Unrecognised errors go to the "
            "host's model when there is one (under the same check); otherwise an honest 'unrecognised' with the "
            "key frame and no invented fix."
        ),
        input_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "traceback": {"type": "string", "description": "The traceback or log text."},
                "log": {
                    "type": "string",
                    "description": "A log file in the workspace (or the traceback text).",
                },
                "run_id": {
                    "type": "string",
                    "description": "A run id, or 'latest' for the newest failed run.",
                },
                "project": {
                    "type": "string",
                    "description": "Project folder with the source (default: the run's project).",
                },
                "apply": {"type": "boolean", "default": False, "description": "Write the best fix to disk."},
                "verify": {
                    "type": ["boolean", "null"],
                    "default": None,
                    "description": "Re-run and check each fix before keeping it (default: on when a command "
                    "or project can be re-run; --no-verify turns it off).",
                },
                "command": {
                    "type": "string",
                    "description": "The command that failed, re-run in the sandbox to check each fix, e.g. "
                    '"python train.py --epochs 1" (run in the workspace folder).',
                },
                "timeout_s": {
                    "type": "integer",
                    "minimum": 5,
                    "maximum": 3600,
                    "default": 120,
                    "description": "Time cap for each re-run, in seconds (the training check uses what "
                    "ran until then).",
                },
            },
        },
        output_schema=OUTPUT,
        func="mlintern.tools.diagnose.tool:diagnose_traceback",
        long_running=True,
        cli_positional=("log",),
    )
]
