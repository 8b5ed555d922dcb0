"""MCP prompts that walk a host LLM through mlintern's tool chain.

Each step names a tool; steps whose tool is not registered in this install are
left out, so a prompt never sends the model to a tool it cannot call.
"""

from __future__ import annotations

from mcp import MCPError
from mcp import types as mt
from mcp.server import ServerRequestContext
from mlintern.tools import registry

# (tool the step needs, what to do). {paper} / {target} are filled from the arguments.
_REPRODUCE = [
    ("workspace-status", "Call workspace-status to see whether this paper was already parsed or trained."),
    (
        "parse-paper",
        "Call parse-paper on {paper}. Read the spec it returns: every hyperparameter cites a page and "
        "a quote; values with source `default` are mlintern's assumptions, and `missing` lists what the paper "
        "does not state. Tell the user which important values are assumed.",
    ),
    (
        "scaffold-model",
        "Call scaffold-model with the spec (its paper id or spec.json path) to create a runnable PyTorch "
        "project. Mention the parameter count against the paper's reported count.",
    ),
    (
        "run-training",
        "Call run-training on the project in pilot mode (a tiny config, a few steps) to prove the code runs.",
    ),
    (
        "diagnose-traceback",
        "If the pilot fails, call diagnose-traceback with the run id; apply the fix with the "
        "highest confidence (its edits are exact line ranges) and run the pilot again. Stop after three attempts "
        "and report honestly.",
    ),
    (
        "run-training",
        "When the pilot succeeds, ask the user before starting a full run-training (it can take "
        "long); give it a time budget.",
    ),
    (
        "training-status",
        "Follow the run with training-status (loss, throughput, status) and report progress.",
    ),
    ("export-model", "When the run succeeds, call export-model and tell the user where the weights are."),
]

_FIX = [
    ("training-status", "Call training-status for {target} to see its status, exit code and last metrics."),
    (
        "diagnose-traceback",
        "Call diagnose-traceback with {target}. Explain the error category and the cause in "
        "plain words, naming the file and line.",
    ),
    (
        "diagnose-traceback",
        "Show the ranked fixes. Apply the most confident one (each edit is a path, a 1-based "
        "inclusive line range and the new text) unless the user prefers another.",
    ),
    (
        "run-training",
        "Run a pilot run-training on the same project to check that the fix works; if it fails "
        "with the same diagnosis again, stop and say so instead of looping.",
    ),
]

PROMPTS = [
    mt.Prompt(
        name="reproduce-paper",
        title="Reproduce a paper",
        description="Guide: paper PDF or arXiv id -> cited spec -> PyTorch project -> pilot -> fixes -> full run.",
        arguments=[
            mt.PromptArgument(
                name="paper",
                required=True,
                description="Path of the PDF inside the workspace, or an arXiv id.",
            )
        ],
    ),
    mt.Prompt(
        name="fix-training-failure",
        title="Fix a training failure",
        description="Guide: a failed run or a pasted traceback -> diagnosis -> fix applied -> pilot again.",
        arguments=[
            mt.PromptArgument(name="run_id", required=False, description="The id of the failed run."),
            mt.PromptArgument(name="traceback", required=False, description="A Python traceback, pasted."),
        ],
    ),
]


def _steps(steps: list[tuple[str, str]], **values: str) -> str:
    known = registry.tools()
    lines = [text.format(**values) for tool, text in steps if tool in known]
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def render(name: str, arguments: dict[str, str]) -> str:
    """The prompt text (raises ``MCPError`` on an unknown prompt or a missing argument)."""
    if name == "reproduce-paper":
        paper = (arguments.get("paper") or "").strip()
        if not paper:
            raise MCPError(
                mt.INVALID_PARAMS, "reproduce-paper needs the argument `paper` (a PDF path or arXiv id)."
            )
        return (
            f"Reproduce the paper {paper} with mlintern's tools, step by step, telling me what you find at "
            f"each step:\n{_steps(_REPRODUCE, paper=repr(paper))}"
        )
    if name == "fix-training-failure":
        run_id = (arguments.get("run_id") or "").strip()
        trace = (arguments.get("traceback") or "").strip()
        if not run_id and not trace:
            raise MCPError(mt.INVALID_PARAMS, "fix-training-failure needs `run_id` or `traceback`.")
        steps = _FIX if run_id else [s for s in _FIX if s[0] != "training-status"]
        target = f"the run {run_id}" if run_id else "the traceback below"
        text = f"A training run failed. Fix it with mlintern's tools:\n{_steps(steps, target=target)}"
        return text + (f"\n\nTraceback:\n```\n{trace}\n```" if trace else "")
    known = ", ".join(p.name for p in PROMPTS)
    raise MCPError(mt.INVALID_PARAMS, f"Unknown prompt {name!r}. Known prompts: {known}.")


async def list_prompts(
    ctx: ServerRequestContext, params: mt.PaginatedRequestParams | None
) -> mt.ListPromptsResult:
    return mt.ListPromptsResult(prompts=PROMPTS)


async def get_prompt(ctx: ServerRequestContext, params: mt.GetPromptRequestParams) -> mt.GetPromptResult:
    text = render(params.name, dict(params.arguments or {}))
    description = next((p.description for p in PROMPTS if p.name == params.name), None)
    return mt.GetPromptResult(
        description=description,
        messages=[mt.PromptMessage(role="user", content=mt.TextContent(type="text", text=text))],
    )
