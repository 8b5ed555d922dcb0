"""Registry entries for parse-paper and paper-markdown (plain data; the work is in ``parse.py``, ``markdown.py``)."""

from mlintern.tools.registry import Tool

_PARSE_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["paper"],
    "properties": {
        "paper": {
            "type": "string",
            "minLength": 1,
            "description": "The paper: a PDF path, an arXiv id (1706.03762) or URL, or a folder/tarball of "
            "its LaTeX sources.",
        },
        "output": {
            "type": ["string", "null"],
            "default": None,
            "description": "Also write spec.json here (the spec is always stored under "
            ".mlintern/papers/<paper_id>/spec.json).",
        },
        "refine": {
            "type": "boolean",
            "default": False,
            "description": "Let the configured LLM brain add values the rules missed; each must quote the "
            "paper verbatim on its page, else it is marked inferred. Never overwrites.",
        },
    },
}

_PARSE_OUTPUT = {
    "type": "object",
    "required": ["paper_id", "spec_path", "title", "family", "counts", "warnings", "summary", "spec"],
    "properties": {
        "paper_id": {
            "type": "string",
            "description": "sha256 prefix of the PDF; names the paper in the workspace.",
        },
        "spec_path": {"type": "string"},
        "title": {"type": "string"},
        "family": {"type": "string"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"},
        "spec": {
            "type": "object",
            "description": "The PaperSpec (schema: tools/paper/paperspec.schema.json).",
        },
    },
}

_MD_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["paper"],
    "properties": {
        "paper": {
            "type": "string",
            "minLength": 1,
            "description": "A paper id from parse-paper (or workspace-status), or a PDF path.",
        },
        "section": {
            "type": ["string", "null"],
            "default": None,
            "description": 'Return only this section: its number ("3.2") or words of its title '
            '("optimizer"). Default: from the start.',
        },
        "offset": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Character offset to continue from (next_offset of the previous call).",
        },
        "max_chars": {
            "type": "integer",
            "minimum": 500,
            "maximum": 200000,
            "default": 20000,
            "description": "Most characters to return in one call.",
        },
    },
}

_MD_OUTPUT = {
    "type": "object",
    "required": ["paper_id", "markdown_path", "sections", "text", "next_offset", "summary"],
    "properties": {
        "paper_id": {"type": "string"},
        "markdown_path": {"type": "string"},
        "sections": {"type": "array", "items": {"type": "object", "required": ["title", "page"]}},
        "text": {"type": "string"},
        "next_offset": {
            "type": ["integer", "null"],
            "description": "Pass as offset to read on; null at the end.",
        },
        "summary": {"type": "string"},
    },
}

TOOLS = [
    Tool(
        name="parse-paper",
        title="Read a paper into a cited spec",
        description=(
            "Read a research paper (PDF path, arXiv id/URL, or LaTeX sources) into a PaperSpec: title, sections, "
            "tables, architecture family with evidence, hyperparameters in canonical keys (learning_rate, "
            "batch_size, d_model, ...), model variants (base/big, ViT-B/L/H, 7B..65B) with a default, other "
            "regimes (fine-tuning) apart, datasets, reported results, and `missing`: keys a training run needs "
            "that the paper does not state. Every value is {value, page, quote, source}; the quote is verified "
            "verbatim on the cited page, and nothing is guessed. Returns the spec and where it was stored. "
            "Errors (not a PDF, encrypted, offline arXiv download) say what to pass instead. "
            "Next: scaffold-model with the returned spec_path, or paper-markdown to read the paper itself."
        ),
        input_schema=_PARSE_INPUT,
        output_schema=_PARSE_OUTPUT,
        func="mlintern.tools.paper.parse:parse_paper_tool",
        idempotent=True,
        open_world=True,
        long_running=True,
        cli_positional=("paper",),
        cli_short={"output": "-o"},
    ),
    Tool(
        name="paper-markdown",
        title="Read a paper as markdown",
        description=(
            "The text of a paper as markdown in reading order, one heading per section, with page anchors "
            "(<!-- page N -->) so quotes can be cited. Use it to read what parse-paper did not extract. "
            "Long papers come in chunks: call again with offset=next_offset, or ask for one section by number "
            "or title words. Accepts a paper id from parse-paper or a PDF path (parsed on first use)."
        ),
        input_schema=_MD_INPUT,
        output_schema=_MD_OUTPUT,
        func="mlintern.tools.paper.markdown:paper_markdown_tool",
        read_only=True,
        idempotent=True,
        cli_positional=("paper",),
    ),
]
