"""Template expansion for the generated project.

Templates are ordinary Python with a few markers, so they read like the code
they produce:

* ``{{include:NAME}}`` inserts ``templates/parts/NAME.py.tmpl``;
* ``{{CONFIG}}`` becomes the ``ModelConfig`` fields, each under a comment that
  cites the paper or says it is mlintern's default;
* a line holding only ``{{cite:key1,key2}}`` becomes comments citing those facts;
* lines ``# [task=a,b]`` / ``# [task!=a]`` ... ``# [/task]`` keep their body only
  for (or except for) the listed tasks, so one train.py skeleton serves every
  family without dead branches in what the user reads; ``# [with=a,b]`` ...
  ``# [/with]`` does the same for the project's features (the optimizer and
  schedule the paper uses: ``opt_sgd``, ``sched_cosine``, ...);
* any other ``{{NAME}}`` is replaced from a mapping of plain strings.

Values enter code only through ``repr`` and quotes only as one-line comments
(``facts.one_line``), so nothing in a spec can inject code.
"""

from __future__ import annotations

import ast
import pprint
import re
from pathlib import Path
from typing import Any

from mlintern.tools.scaffold import facts as F

TEMPLATES = Path(__file__).resolve().parent / "templates"
_TASK_OPEN = re.compile(r"^# \[(?:task|with)(!?=)([a-z0-9_,]+)\]\s*$")
_CITE = re.compile(r"^(\s*)\{\{cite:([a-z0-9_,]+)\}\}\s*$")
_INCLUDE = re.compile(r"\{\{include:([a-z_]+)\}\}")


def template(name: str) -> str:
    return (TEMPLATES / f"{name}.py.tmpl").read_text()


def expand_includes(text: str) -> str:
    while _INCLUDE.search(text):
        text = _INCLUDE.sub(
            lambda m: (TEMPLATES / "parts" / f"{m.group(1)}.py.tmpl").read_text().rstrip("\n"), text
        )
    return text


def select_task(text: str, task: str, tags: tuple[str, ...] = ()) -> str:
    """Keep the ``# [task=...]`` / ``# [with=...]`` blocks that apply to ``task`` and ``tags``; drop the
    others and all markers."""
    out: list[str] = []
    keep_stack: list[bool] = []
    for line in text.splitlines():
        opened = _TASK_OPEN.match(line)
        if opened:
            listed = bool({task, *tags} & set(opened.group(2).split(",")))
            keep_stack.append(listed if opened.group(1) == "=" else not listed)
            continue
        if line.strip() in ("# [/task]", "# [/with]"):
            keep_stack.pop()
            continue
        if all(keep_stack):
            out.append(line)
    assert not keep_stack, "unbalanced # [task] markers in a template"
    return "\n".join(out) + "\n"


def py_value(value: Any) -> Any:
    """JSON values as Python literals for a frozen default: lists become tuples (dataclass-safe)."""
    if isinstance(value, list):
        return tuple(py_value(v) for v in value)
    return value


def _type_name(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str", tuple: "tuple"}.get(type(value), "object")


def config_fields(model: dict[str, dict], sections: list) -> str:
    lines = []
    for name, fact in model.items():
        value = py_value(fact["value"])
        line = f"    # {F.describe(fact, sections)}"
        lines.append(line if len(line) <= 110 else line[:106].rstrip() + '..."')
        head = f"    {name}: {_type_name(value)} = "
        text = pprint.pformat(value, width=110 - len(head), compact=True)
        lines.append(head + text.replace("\n", "\n" + " " * len(head)))
    return "\n".join(lines)


def citations(keys: list[str], model: dict[str, dict], sections: list, indent: str) -> str:
    lines = []
    for key in keys:
        fact = model.get(key)
        if fact is None:
            continue
        label = "mlintern" if fact.get("source") in ("default", "inferred") else "Paper"
        line = (
            f"{indent}# {label}: {key} = {F.one_line(repr(fact['value']), 40)}; {F.describe(fact, sections)}"
        )
        lines.append(line if len(line) <= 110 else line[:106].rstrip() + '..."')
    return "\n".join(lines) if lines else f"{indent}# (no stated values for this component)"


def render(
    name: str,
    task: str,
    values: dict[str, str],
    model: dict[str, dict] | None = None,
    sections: list | None = None,
    tags: tuple[str, ...] = (),
) -> str:
    text = expand_includes(template(name))
    if model is not None:
        text = text.replace("{{CONFIG}}", config_fields(model, sections or []))
        text = "\n".join(
            citations(m.group(2).split(","), model, sections or [], m.group(1))
            if (m := _CITE.match(line))
            else line
            for line in text.splitlines()
        )
    for key, replacement in values.items():
        text = text.replace("{{" + key + "}}", replacement)
    leftover = re.search(r"\{\{[^}]*\}\}", text)
    assert leftover is None, f"template {name} left {leftover.group(0)} unexpanded"
    return drop_unused_imports(select_task(text, task, tags))


def drop_unused_imports(text: str) -> str:
    """Remove the shared head's ``F`` / ``math`` imports from files whose code never uses them."""
    used = {node.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Name)}
    for line, name in (("import torch.nn.functional as F\n", "F"), ("import math\n", "math")):
        if line in text and name not in used:
            text = text.replace(line, "", 1)
    return text
