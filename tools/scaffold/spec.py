"""Registry entry for scaffold-model (plain data; the work is in ``scaffold.py``)."""

from mlintern.tools.registry import Tool

_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["spec", "output"],
    "properties": {
        "spec": {
            "type": "string",
            "minLength": 1,
            "description": "The paper: a spec.json written by parse-paper, a paper id in this workspace, "
            "or a PDF path (parsed first).",
        },
        "output": {
            "type": "string",
            "minLength": 1,
            "description": "Folder to write the project into (created; must be inside the workspace).",
        },
        "variant": {
            "type": ["string", "null"],
            "default": None,
            "description": "Model variant from the spec (e.g. base, big, 7B); default: the spec's "
            "default_variant.",
        },
        "pilot_size": {
            "type": "string",
            "enum": ["tiny", "small", "medium"],
            "default": "tiny",
            "description": "Length of the pilot run: tiny (seconds on a CPU), small (4x), medium (16x).",
        },
        "launcher": {
            "type": "string",
            "enum": ["local", "torchrun", "slurm"],
            "default": "local",
            "description": "How the project will be launched; README.md shows its commands.",
        },
        "overwrite": {
            "type": "boolean",
            "default": False,
            "description": "Replace files edited since mlintern wrote them (kept as NAME.bak).",
        },
    },
}

_OUTPUT = {
    "type": "object",
    "required": [
        "project",
        "family",
        "variant",
        "params_full",
        "params_pilot",
        "params_paper",
        "params_delta",
        "files",
        "assumptions",
        "summary",
    ],
    "properties": {
        "project": {"type": "string", "description": "Absolute path of the project folder."},
        "family": {"type": "string"},
        "variant": {"type": ["string", "null"]},
        "params_full": {"type": "integer", "minimum": 0},
        "params_pilot": {"type": "integer", "minimum": 0},
        "params_paper": {"type": ["integer", "null"]},
        "params_delta": {"type": ["number", "null"], "description": "(ours - paper) / paper"},
        "files": {"type": "array", "items": {"type": "string"}},
        "assumptions": {"type": "array", "items": {"type": "string"}},
        "unexpressed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Stated facts the family's template does not build, each with its page and quote "
            "(README.md lists them); a brain that writes code was asked to add them when there is one.",
        },
        "summary": {"type": "string"},
    },
}

TOOLS = [
    Tool(
        name="scaffold-model",
        title="Scaffold a PyTorch project from a paper",
        description=(
            "Generate a runnable, readable PyTorch training project from a PaperSpec (made by parse-paper): "
            "model.py (the paper's architecture; each component cites the page it implements), train.py (the "
            "paper's optimizer, schedule, batch via gradient accumulation, AMP on GPU, DDP under torchrun, "
            "checkpoints and --resume, metrics.jsonl), data.py (the paper's dataset, or an announced offline "
            "stand-in), config.json (every value with its source: page + quote, or mlintern's default with the "
            "reason) and a small pilot configuration. Returns the parameter count of the full configuration "
            "compared with the paper's. Refuses to overwrite edited files unless overwrite is true. "
            "Next: run-training with mode pilot on the project folder."
        ),
        input_schema=_INPUT,
        output_schema=_OUTPUT,
        func="mlintern.tools.scaffold.scaffold:scaffold_model",
        idempotent=True,
        long_running=True,
        cli_positional=("spec",),
        cli_short={"output": "-o"},
    )
]
