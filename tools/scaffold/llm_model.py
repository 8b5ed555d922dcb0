"""LLM-written model code for an architecture no template or block composition covers.

When scaffold-model falls to the ``other`` family, or a known family's template does not express facts the spec
states (``unexpressed``: a named component no block of the template builds, a stated architecture value no
field of the template reads, or a stated count the template misses by more than 3% after fitting), and
``ctx.brain`` uses a language model, the brain gets
the paper's text (the ``paper.md`` markdown view next to the spec, with page anchors, else the spec's
sections), the spec's stated values and the project contract, and writes ``model.py``. mlintern accepts
the file only after it verifies it: it parses (``ast``); ``ruff check`` (syntax errors and pyflakes) passes;
it imports only torch and the standard library; it defines ``ModelConfig``, ``Model``, ``count_params`` and
the ``--count-params`` CLI; the count runs in the sandbox (never on the host) with the project's full and
pilot values; it is within 3% of the paper's count where the paper states one; and the pilot model's loss
falls over a few Adam steps on one fixed random batch, in the sandbox. A failure goes back to
the brain with the reason, at most ``ROUNDS`` rounds (each a budgeted brain call); after that the caller
keeps today's honest baseline and says what differed. Training on the real data is not verified here.
For a known family the template's ``model.py`` is the brain's starting point, with the list of what it lacks;
the offline brain keeps the template and the README says which stated facts it does not express.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROUNDS = 3
PILOT_STEPS = 20
MAX_TOKENS = 8192  # a model file is longer than a decision: a brain with a max_tokens knob gets at least this
TOLERANCE = 0.03
PAPER_CHARS = 24_000  # characters of the paper sent to the brain (architecture sections come early)

SYSTEM = (
    "You write PyTorch model code for a research paper's architecture. Reply with ONE complete Python file "
    "in a ```python fenced block and nothing else. The contract, all required:\n"
    "- import only torch and the Python standard library;\n"
    "- `@dataclass class ModelConfig` whose fields have the given names and defaults (the paper's values, "
    "cited in a comment on each field: page and quote); you may add fields with defaults;\n"
    "- `class Model(nn.Module)` with `__init__(self, config: ModelConfig)` storing `self.config`, and "
    "`forward(x)` taking images (B, in_channels, image_size, image_size) and returning class logits "
    "(B, num_classes), with a shape comment on each step, e.g. `# (B, C, H, W)`;\n"
    "- `def count_params(config: ModelConfig) -> int` that builds Model under `with torch.device('meta'):` "
    "and returns the number of parameters;\n"
    '- `if __name__ == "__main__":` an argparse CLI whose `--count-params` flag prints '
    "`count_params(ModelConfig())` as the last line;\n"
    "- build exactly the architecture the paper describes, at the configuration given; never pad or shrink "
    "layers to hit a parameter count."
)


class Rejected(Exception):
    """A draft failed a check; the message goes back to the brain."""


# ------------------------------------------------------------------------- what a template does not express
def _has_field(prefix: str) -> Any:
    return lambda family: any(f.name.startswith(prefix) for f in family.fields)


def _named(*names: str) -> Any:
    return lambda family: family.name in names


def _components() -> tuple[tuple[str, str, Any], ...]:
    """(component, evidence pattern, does a family's template build it): the field's vocabulary of blocks a
    paper names. The patterns are the ones family choice uses where families.py has one."""
    from mlintern.tools.scaffold import families as fam

    def pattern(name: str, fallback: str) -> str:
        return getattr(fam, name, None) or fallback

    return (
        ("a spatial gating unit", pattern("SPATIAL_GATING", r"spatial gating|\bgMLP\b"), _named("gmlp")),
        ("multi-axis (block and grid) attention", pattern("MULTI_AXIS", r"multi-?axis"), _named("maxvit")),
        ("retention (a retentive network)", pattern("RETENTION", r"\bretenti(?:on|ve)\b"), _named("retnet")),
        ("RWKV time mixing", pattern("RWKV_WORDS", r"\bRWKV\b|\breceptance\b"), _named("rwkv")),
        (
            "structurally re-parameterised (training-time multi-branch) blocks",
            pattern("REPARAM", r"re-?parameteri[sz]"),
            _named("repvgg"),
        ),
        (
            "cross-stage partial connections",
            pattern("CROSS_STAGE", r"cross[- ]stage[- ]partial"),
            _named("csp"),
        ),
        (
            "squeeze-and-excitation",
            pattern("SQUEEZE_EXCITE", r"squeeze[- ]and[- ]excitation"),
            _has_field("se_"),
        ),
        (
            "global response normalisation",
            pattern("_GRN", r"global response normali[sz]ation"),
            _has_field("grn"),
        ),
        ("shifted-window attention", r"shifted[- ]windows?\b", _named("swin")),
        ("a mixture of experts", r"mixture[- ]of[- ]experts|\bMoE\b", _named()),
    )


# Stated values no field of a template reads, checked against the code the template wrote: the op a
# categorical value names must appear in model.py (a ResNet's hard-coded ReLU and batch norm express
# "relu" and "batchnorm"; a stated GELU does not appear in it). Values no such check applies to are not
# flagged: a stated count is what catches a structural miss. Kernel sizes are checked only against a model
# with no convolution at all.
OPS = {
    "activation": {
        "relu": r"relu", "gelu": r"gelu", "silu": r"silu|swish", "swiglu": r"silu|swiglu", "tanh": r"tanh",
        "sigmoid": r"sigmoid", "leaky_relu": r"leaky_?relu", "softplus": r"softplus", "maxout": r"maxout",
    },
    "norm": {
        "layernorm": r"layer_?norm", "batchnorm": r"batch_?norm", "rmsnorm": r"rms_?norm",
        "groupnorm": r"group_?norm", "localresponsenorm": r"local_?response_?norm|\blrn\b",
    },
}  # fmt: skip


class _Operative(ast.NodeTransformer):
    """Code that builds something: lookup tables (dict displays name every option) and docstrings go."""

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        return ast.Dict(keys=[], values=[])

    def generic_visit(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
        return super().generic_visit(node)


def operative_code(source: str) -> str:
    """``source`` without comments, docstrings and lookup tables (the text the op checks search)."""
    try:
        return ast.unparse(_Operative().visit(ast.parse(source)))
    except (SyntaxError, ValueError, RecursionError):
        return source


# Structural values no check over model.py can decide: stated, and read by no field or convention, they are
# not built (e.g. a self-supervised decoder's depth in a classifier template).
KNOBS = frozenset(
    "num_layers num_encoder_layers num_decoder_layers d_model num_heads d_head d_ff vocab_size context_length "
    "image_size patch_size in_channels growth_rate width_multiplier".split()
)


def _missing_in_code(key: str, value: Any, source: str) -> str | None:
    """Why model.py does not build a stated value no field reads, or None (it does, or no check applies)."""
    if key in OPS and isinstance(value, str):
        if value.lower() in ("none", "identity"):
            return None
        pattern = OPS[key].get(value.lower(), re.escape(value))
        return (
            None if re.search(pattern, source, re.I) else f"model.py has no {value} {key.replace('_', ' ')}"
        )
    if key in ("dropout", "attention_dropout") and isinstance(value, (int, float)) and value > 0:
        return None if re.search(r"dropout", source, re.I) else "model.py has no dropout"
    if key == "kernel_size" and not re.search(r"conv", source, re.I):
        # Only a model without any convolution is decidable: tables ("an int is a 3x3 convolution") and
        # computed kernels hide the sizes a convolutional template builds.
        return "model.py has no convolution at all"
    if key in KNOBS:
        return "this family's model has no such knob (its template's own choice is fixed), so the value is not read"
    return None


def _cite(fact: dict) -> str:
    page = fact.get("page")
    where = f"p.{page}" if isinstance(page, int) and not isinstance(page, bool) else "the spec"
    quote = str(fact.get("quote") or "").strip()
    return f'{where}: "{quote[:160]}"' if quote else where


def _snippets(spec: dict, stated: dict, variant: str | None) -> list[dict]:
    """The spec's architecture evidence as (page, quote) pieces: the family's evidence, each fact's quote,
    the chosen variant's name."""
    out = [{"page": None, "quote": str(spec["family"].get("value") or "")}]
    out += [ev for ev in spec["family"].get("evidence") or [] if isinstance(ev, dict)]
    out += [f for f in stated.values() if isinstance(f, dict)]
    if variant:
        out.append({"page": None, "quote": f"variant {variant}"})
    return out


def unexpressed(
    family: Any,
    spec: dict,
    stated: dict[str, dict],
    model: dict[str, dict],
    variant: str | None,
    source: str,
    read: set[str] = frozenset(),
) -> list[str]:
    """The facts the spec states that ``family``'s template (its rendered ``source``) does not build, each
    with its citation.

    All read from the spec's data: a component the spec's evidence names (family evidence, the facts'
    quotes, the variant's name) that the template has no block for; a stated value one of the template's
    fields reads but cannot take (the convention is used instead); a stated value no field reads whose op
    does not appear in model.py (``OPS``, dropout, kernel sizes). ``read`` names keys the family's
    conventions looked up (they count as used)."""
    gaps = []
    pieces = _snippets(spec, stated, variant)
    for name, pattern, builds in _components():
        hit = next((p for p in pieces if re.search(pattern, str(p.get("quote") or ""), re.I)), None)
        if hit is not None and not builds(family):
            gaps.append(f"{name} ({_cite(hit)}): the {family.name} template has no such block")
    paper = {
        k: f
        for k, f in stated.items()
        if isinstance(f, dict) and f.get("source") not in ("default", "inferred")
    }
    fielded: set[str] = set()
    for field in family.fields:
        keys = [k for k in field.spec_keys() if k in paper]
        fielded.update(field.spec_keys())
        fact = model.get(field.name) or {}
        took = any(
            fact.get("quote") == paper[k].get("quote") and fact.get("source") != "default" for k in keys
        )
        if keys and not took and not set(keys) & set(read):
            key = keys[0]
            gaps.append(
                f"{key} = {_value(paper[key]['value'])} ({_cite(paper[key])}): the template's {field.name} "
                f"cannot take this form, so it uses {fact.get('value')!r}"
            )
    code = operative_code(source)
    for key in sorted(set(paper) - fielded - set(read)):
        why = _missing_in_code(key, paper[key]["value"], code)
        if why:
            gaps.append(f"{key} = {_value(paper[key]['value'])} ({_cite(paper[key])}): {why}")
    return gaps


def _value(value: Any) -> str:
    return json.dumps(value, default=str)[:80]


class Reading(dict):
    """The stated facts, remembering which keys a family's conventions looked up (they read ``_spec``)."""

    def __init__(self, facts: dict) -> None:
        super().__init__(facts)
        self.read: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self.keys():
            self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def paper_text(spec: dict, spec_source: str | None) -> str:
    """The markdown view written next to the spec (read without following links), else the spec's sections."""
    from mlintern.sandbox import files
    from mlintern.tools.workspace import PAPER_MARKDOWN

    if spec_source:
        md = Path(spec_source).parent / PAPER_MARKDOWN
        try:
            return files.read_text(md, limit=4 * files.MiB)[:PAPER_CHARS]
        except Exception:  # noqa: BLE001 - no markdown view (or an unsafe one): the spec's sections instead
            pass
    lines = []
    for s in spec.get("sections") or []:
        if isinstance(s, dict):
            lines.append(f"## {s.get('title', '')} (page {s.get('page', '?')})\n{s.get('text', '')}")
    return "\n\n".join(lines)[:PAPER_CHARS]


def prompt(
    spec: dict,
    text: str,
    stated: dict,
    fields: dict,
    paper_count: int | None,
    errors: list[str],
    start: dict | None = None,
) -> str:
    facts = {
        k: {x: f.get(x) for x in ("value", "page", "quote") if f.get(x) is not None}
        for k, f in stated.items()
        if isinstance(f, dict)
    }
    parts = [
        f"Paper: {spec.get('title') or 'untitled'}",
        f"Family named by the paper: {spec['family'].get('value')}",
        "ModelConfig must have these fields with these defaults (train.py passes them as keywords; fields "
        "your architecture does not use are still accepted):",
        json.dumps(fields, indent=1, default=str),
        "The spec's stated values (give them ModelConfig fields too, with citations):",
        json.dumps(facts, indent=1, default=str)[:8000],
        f"The paper's parameter count for this configuration: {paper_count:,} (yours must be within 3%)."
        if paper_count
        else "The paper states no parameter count.",
        "",
        "The paper (markdown, <!-- page N --> anchors):",
        text,
    ]
    if start:
        parts += [
            "",
            f"Start from mlintern's {start['family']} template below: it builds what it can of the spec, and "
            "its ModelConfig is the contract's. It does NOT express these facts the spec states; change the "
            "model so that it does (keep what already matches the paper):",
            *(f"- {gap}" for gap in start["lacks"]),
            "",
            "The template's model.py:",
            "```python",
            start["source"],
            "```",
        ]
    for n, err in enumerate(errors, 1):
        parts += ["", f"Your draft {n} was rejected: {err}"]
    if errors:
        parts.append("Write the whole corrected file.")
    return "\n".join(parts)


def extract(reply: str) -> str:
    m = re.search(r"```(?:python|py)?\s*\n(.*?)```", reply or "", re.S)
    return (m.group(1) if m else (reply or "")).strip() + "\n"


def check_static(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise Rejected(f"it does not parse: SyntaxError: {err.msg} (line {err.lineno})") from None
    allowed = set(sys.stdlib_module_names) | {"torch", "__future__"}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." if node.level else (node.module or "")]
        bad = [n for n in names if n.split(".")[0] not in allowed]
        if bad:
            raise Rejected(f"it imports {', '.join(bad)}: only torch and the standard library are allowed")
    top = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    missing = [n for n in ("ModelConfig", "Model", "count_params") if n not in top]
    if missing or "--count-params" not in source:
        raise Rejected(f"it lacks the contract's {', '.join(missing or ['--count-params CLI'])}")
    ruff(source)


def ruff(source: str) -> None:
    if importlib.util.find_spec("ruff") is None:  # the project's own ruff, never one from PATH
        return
    with tempfile.TemporaryDirectory(prefix="mlintern-llm-model-") as tmp:
        path = Path(tmp) / "model.py"
        path.write_text(source, encoding="utf-8")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--isolated",
                "--no-cache",
                "--select",
                "E9,F",
                "--output-format",
                "concise",
                "--",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    if proc.returncode != 0:
        found = [ln.replace(str(path), "model.py") for ln in proc.stdout.splitlines() if "model.py:" in ln]
        raise Rejected("ruff check fails: " + "; ".join(found[:10]))


def check_count(source: str, values: dict, paper_count: int | None) -> tuple[int, int]:
    """Full and pilot counts, computed in the sandboxed worker."""
    from mlintern.sandbox.run import worker

    answer = worker().request({"source": source, "call": "count_params", "args": [values]}, timeout=120)
    if "ok" not in answer:
        kind, message = answer.get("error") or ["Error", "no answer"]
        raise Rejected(f"count_params failed in the sandbox: {kind}: {message}")
    full, small = (int(x) for x in answer["ok"])
    if paper_count:
        delta = (full - paper_count) / paper_count
        if abs(delta) > TOLERANCE:
            raise Rejected(
                f"count_params(ModelConfig()) = {full:,}, {delta:+.1%} from the paper's {paper_count:,} "
                f"(must be within {TOLERANCE:.0%}); check the architecture against the paper"
            )
    return full, small


def check_pilot(source: str, values: dict, steps: int = PILOT_STEPS) -> tuple[float, float]:
    """First and last loss of a few Adam steps on one fixed random batch, in the sandbox: it must fall."""
    from mlintern.sandbox.run import worker

    answer = worker().request({"source": source, "call": "pilot_steps", "args": [values, steps]}, timeout=180)
    if "ok" not in answer:
        kind, message = answer.get("error") or ["Error", "no answer"]
        raise Rejected(
            f"the pilot failed in the sandbox (forward/backward on a (8, C, H, W) batch): {kind}: {message}"
        )
    first, last = (float(x) for x in answer["ok"])
    if not last < first * 0.9:  # NaN fails too
        raise Rejected(
            f"the pilot's loss did not fall: {first:.4f} -> {last:.4f} over {steps} Adam steps on one fixed batch"
        )
    return first, last


def write_model(
    ctx: Any,
    spec: dict,
    spec_source: str | None,
    stated: dict,
    model_values: dict,
    pilot_values: dict,
    paper_count: int | None,
    start: dict | None = None,
) -> dict:
    """Ask the brain for model.py; ``{"source", "params_full", "params_pilot", "rounds"}`` once verified,
    else ``{"source": None, "errors": [...]}`` (the caller keeps its baseline and reports the errors).

    ``start`` (``{"family", "source", "lacks"}``): a known family's template model.py, the brain's starting
    point, and the stated facts it does not express."""
    text = paper_text(spec, spec_source)
    errors: list[str] = []
    brain = getattr(ctx.brain, "name", "llm")
    for n in range(1, ROUNDS + 1):
        limit = getattr(ctx.brain, "max_tokens", None)
        try:
            if isinstance(limit, int) and limit < MAX_TOKENS:
                ctx.brain.max_tokens = MAX_TOKENS
            reply = ctx.brain.complete(
                SYSTEM, prompt(spec, text, stated, model_values, paper_count, errors, start)
            )
        except Exception as err:  # noqa: BLE001 - a brain is an external service (budget, network): fall back
            errors.append(f"the brain failed: {type(err).__name__}: {err}")
            break
        finally:
            if isinstance(limit, int):
                ctx.brain.max_tokens = limit
        source = extract(reply)
        try:
            check_static(source)
            full, small = check_count(source, pilot_values, paper_count)
            first, last = check_pilot(source, pilot_values)
        except Rejected as err:
            ctx.log(f"scaffold: LLM draft {n} rejected: {err}")
            errors.append(str(err))
            continue
        versus = (
            f" ({(full - paper_count) / paper_count:+.1%} vs the paper's {paper_count:,})"
            if paper_count
            else ""
        )
        header = (
            f"# Written by a language model ({brain}) through mlintern scaffold-model, draft {n} of at most "
            f"{ROUNDS}.\n# Verified by mlintern before acceptance: parses; ruff check (E9,F) passes; imports "
            f"only torch and the standard library;\n# count_params ran in the sandbox: {full:,} parameters"
            f"{versus}, {small:,} pilot;\n# the pilot model's loss fell in the sandbox ({first:.3f} -> "
            f"{last:.3f} over {PILOT_STEPS} Adam steps on one fixed random batch).\n# NOT verified: training on "
            "the real data, and that the code is the paper's architecture beyond its count. Review it.\n"
        )
        if start:
            header += (
                f"# Started from mlintern's {start['family']} template, which does not express "
                f"{len(start['lacks'])} stated fact(s) (README.md lists them).\n"
            )
        return {"source": header + source, "params_full": full, "params_pilot": small, "rounds": n}
    return {"source": None, "errors": errors}
