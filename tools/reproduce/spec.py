"""Registry entry for the autonomous loop: ``reproduce-paper``."""

from mlintern.tools.registry import Tool

TOOLS = [
    Tool(
        name="reproduce-paper",
        title="Reproduce a paper end to end",
        description=(
            "Run mlintern's autonomous loop on one paper: parse the PDF (or arXiv id) into a cited spec, "
            "write PLAN.md, scaffold a PyTorch project, run a pilot in the sandbox, diagnose and repair "
            "failures (bounded), train the full configuration within the budget, export the model and write "
            "REPORT.md/REPORT.html (provenance, assumptions, parameter check, loss curves, repairs as diffs, "
            "cost, full-scale GPU-hour estimate). Hard limits: budget_minutes of wall clock, max_repairs, "
            "max_usd of LLM spend; a repeated diagnosis stops the loop. Interrupted calls resume where they "
            "stopped when called again with the same paper. Returns the report paths and the outcome."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "paper": {
                    "type": "string",
                    "minLength": 1,
                    "description": "PDF path (in the workspace) or arXiv id",
                },
                "budget_minutes": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 1440,
                    "default": 10,
                    "description": "wall-clock budget for the whole loop, in minutes; no brain can raise it",
                },
                "train_minutes": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "training-time budget (default: what the wall budget leaves)",
                },
                "max_repairs": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 10,
                    "default": 3,
                    "description": "repair attempts (diagnose, fix, pilot again) before giving up",
                },
                "max_usd": {
                    "type": "number",
                    "minimum": 0,
                    "default": 1.0,
                    "description": "LLM spend cap in US dollars; no API call is made once it is spent",
                },
                "brain": {
                    "type": "string",
                    "enum": ["offline", "anthropic", "auto", "host"],
                    "default": "auto",
                    "description": "host: the MCP client's own model through sampling, when offered",
                },
                "yes": {
                    "type": "boolean",
                    "default": False,
                    "description": "pre-approve package installs and other costly steps",
                },
                "restart": {"type": "boolean", "default": False, "description": "forget earlier progress"},
                "variant": {
                    "type": ["string", "null"],
                    "default": None,
                    "description": "the paper's variant to run (e.g. ViT-Base, 7B), as named; default: the "
                    "paper's, or the largest listed one whose training fits this machine's memory",
                },
                "memory_gb": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "memory the runs may use, in GiB (default: GPU memory when CUDA is present, "
                    "else the RAM available); the variant choice and the runs' limit follow it",
                },
            },
            "required": ["paper"],
            "additionalProperties": False,
        },
        output_schema={
            "type": "object",
            "properties": {
                "paper": {"type": "string"},
                "outcome": {"type": "string"},
                "stopped": {"type": ["string", "null"]},
                "report": {"type": "string"},
                "report_html": {"type": "string"},
                "plan": {"type": ["string", "null"]},
                "project": {"type": ["string", "null"]},
                "pilot_loss_fell": {"type": "boolean"},
                "full_run": {"type": ["object", "null"]},
                "claims": {
                    "type": "array",
                    "items": {"type": "object"},
                    "description": "per claim of the paper: its value, ours, the verdict and why",
                },
                "repairs": {"type": "integer"},
                "seconds": {"type": "number"},
                "llm_usd": {"type": "number"},
                "summary": {"type": "string"},
            },
            "required": ["paper", "outcome", "report", "summary"],
        },
        func="mlintern.tools.reproduce.tool:reproduce_paper_tool",
        long_running=True,
        open_world=True,
        cli_positional=("paper",),
    ),
]
