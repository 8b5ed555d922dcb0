"""Contracts of library calls users get wrong: layouts, index tensors, masks, optimizers, schedulers, checkpoints.

Written after measuring the second held-out set (``tests/bugzoo_real/heldout2``): each rule reads what the
program passes to the call that failed (``ast``), follows a name back to where it is set when the evidence is
there, and otherwise returns ``None`` so the next rule gets the error. None is keyed on a file, variable or
message of one case; they follow the documented contract of the library call (``F.ctc_loss`` takes
(time, batch, classes); ``pack_padded_sequence`` needs sorted lengths unless told otherwise; ``gather`` needs an
index with the input's rank; a padding mask is bool with True = ignore; ...). Every fix is a candidate only:
``--apply`` keeps it when the re-run trains.
"""

from __future__ import annotations

import ast
import re

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import assigned_attr, loss_call_on_sites, site_calls, wrap
from mlintern.tools.diagnose.scope import expression_for
from mlintern.tools.diagnose.source import Patch, SourceFile, call_arg, call_name, const_value


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


def _with_keyword(sf: SourceFile, call: ast.Call, keyword: str, value: str) -> str:
    """The call's text with ``keyword=value`` added (or replacing an existing value)."""
    for kw in call.keywords:
        if kw.arg == keyword:
            start = sf.offset(call.lineno, call.col_offset)
            text = sf.segment(call)
            a = sf.offset(kw.value.lineno, kw.value.col_offset) - start
            b = sf.offset(kw.value.end_lineno, kw.value.end_col_offset) - start
            return text[:a] + value + text[b:]
    text = sf.segment(call)
    head = text[:-1].rstrip()
    if head.endswith(","):
        head = head[:-1]
    sep = "" if head.endswith("(") else ", "
    return f"{head}{sep}{keyword}={value})"


def _without(sf: SourceFile, call: ast.Call, drop_args: set[int], drop_keywords: set[str]) -> str:
    """The call's text without some positional arguments and keywords."""
    parts = [sf.segment(x) for i, x in enumerate(call.args) if i not in drop_args]
    parts += [sf.segment(k) for k in call.keywords if k.arg not in drop_keywords]
    return f"{sf.segment(call.func)}({', '.join(parts)})"


def _constructors(a: Analysis, *kinds: str) -> dict[str, tuple[SourceFile, ast.Call]]:
    """``self.X = nn.Kind(...)`` and ``X = nn.Kind(...)``: X -> (file, constructor call)."""
    out: dict[str, tuple[SourceFile, ast.Call]] = {}
    for sf, call in a.sources.calls(*kinds):
        attr = assigned_attr(sf, call)
        if attr is None:
            stmt = sf.enclosing(call, ast.stmt)
            if isinstance(stmt, ast.Assign) and stmt.value is call:
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        attr = t.id
        if attr:
            out[attr] = (sf, call)
    return out


def _callee_key(call: ast.Call) -> str | None:
    """X for a call of ``self.X(...)`` or ``X(...)``."""
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "self":
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


def _assignments(a: Analysis, name: str) -> list[tuple[SourceFile, ast.AST]]:
    """Every ``name = value`` (also ``self.name = value``) in the project, as (file, value)."""
    out = []
    for sf in a.sources.project_files():
        for node in sf.walk():
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if (isinstance(t, ast.Name) and t.id == name) or (
                        isinstance(t, ast.Attribute) and t.attr == name
                    ):
                        out.append((sf, node.value))
    return out


def _latest_value(sf: SourceFile, line: int, name: str) -> ast.AST | None:
    """The value last assigned to ``name`` before ``line`` in the enclosing function (or module)."""
    scope = sf.function_at(line) or sf.tree
    best = None
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and node.lineno < line:
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                if best is None or node.lineno > best.lineno:
                    best = node
    return best.value if best is not None else None


def _defined_in_project(a: Analysis, name: str) -> bool:
    return any(
        isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) and n.name == name
        for sf in a.sources.project_files()
        for n in sf.walk()
    )


# ----------------------------------------------------------------------------- call signatures
@rule("unexpected_keyword", r"(?:(\w+)\.)?(\w+)\(\) got an unexpected keyword argument '(\w+)'")
def unexpected_keyword(a: Analysis, m) -> Finding | None:
    owner, fn, keyword = m[1], m[2], m[3]
    callee = owner if fn == "__init__" and owner else fn
    if fn == "forward" or not callee or _defined_in_project(a, callee):
        return None  # the project's own function: its signature may be what is wrong
    found = site_calls(a, lambda sf, c: call_name(c) == callee and any(k.arg == keyword for k in c.keywords))
    if not found:
        return None
    sf, call, _line = found[0]
    value = next(sf.segment(k.value) for k in call.keywords if k.arg == keyword)
    patch = Patch(sf).replace_node(call, _without(sf, call, set(), {keyword}))
    return Finding(
        "unexpected_keyword",
        f"`{callee}` does not take a `{keyword}` argument ({sf.rel}:{call.lineno}); it was probably copied "
        f"from a call of another class or function that does (e.g. SGD's `momentum`). Drop it, or pass the "
        f"equivalent setting that {callee} documents.",
        (sf, call.lineno),
        [Fix(f"Remove `{keyword}={value}` from the {callee}(...) call", 0.85, [patch])],
    )


_METRIC = re.compile(r"loss|metric|acc|score|err|f1|auc|map|iou|dice", re.I)
_EVAL = re.compile(r"val|valid|eval|dev|test", re.I)
_HIGHER = re.compile(r"acc|score|f1|auc|map|iou|dice", re.I)


@rule("scheduler_metric", r"step\(\) missing 1 required positional argument: 'metrics'")
def plateau_without_metric(a: Analysis, m) -> Finding | None:
    found = site_calls(a, lambda sf, c: call_name(c) == "step" and not c.args and not c.keywords)
    if not found:
        return None
    sf, call, line = found[0]
    scope = sf.function_at(line) or sf.tree
    names: dict[str, int] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.lineno < line:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and _METRIC.search(t.id):
                    names[t.id] = max(names.get(t.id, 0), node.lineno)
    if not names:
        return None
    sched = sf.segment(call.func.value) if isinstance(call.func, ast.Attribute) else "scheduler"
    higher = any(
        isinstance(k.value, ast.Constant) and k.value.value == "max"
        for _sf, c in a.sources.calls("ReduceLROnPlateau")
        for k in c.keywords
        if k.arg == "mode"
    )

    def rank(name: str):
        return (
            not _EVAL.search(name),
            bool(_HIGHER.search(name)) != higher,
            -names[name],
        )

    ordered = sorted(names, key=rank)[:2]
    fixes = []
    for i, name in enumerate(ordered):
        patch = Patch(sf).replace_node(call, f"{sf.segment(call.func)}({name})")
        fixes.append(
            Fix(f"Give the scheduler the monitored value: {sched}.step({name})", 0.9 - 0.2 * i, [patch])
        )
    return Finding(
        "scheduler_metric",
        f"`{sched}` is a ReduceLROnPlateau scheduler: its step() takes the monitored value (usually the "
        f"validation loss) and lowers the learning rate when it stops improving ({sf.rel}:{call.lineno}).",
        (sf, call.lineno),
        fixes,
    )


# ----------------------------------------------------------------------------- autograd
@rule(
    "inplace_on_leaf",
    r"a (?:view of a )?leaf Variable that requires grad is being used in an in-place operation",
)
def inplace_on_parameter(a: Analysis, m) -> Finding | None:
    if not a.site:
        return None
    frame, sf = a.site
    stmt = sf.statement_at(frame.line)
    if stmt is None:
        return None
    fn = sf.function_at(frame.line)
    block = stmt
    loop = sf.enclosing(stmt, (ast.For, ast.FunctionDef, ast.AsyncFunctionDef))
    over_params = (
        isinstance(loop, ast.For)
        and isinstance(loop.iter, ast.Call)
        and call_name(loop.iter) in ("parameters", "named_parameters", "values")
    )
    if over_params:
        block = loop
    elif fn is not None and fn.name == "forward":
        return None  # inside forward the op is part of the graph: no_grad would cut it
    first, last = block.lineno, block.end_lineno or block.lineno
    indent = sf.indent(first)
    body = "".join(
        "    " + sf.lines[i - 1] if sf.line(i).strip() else sf.lines[i - 1] for i in range(first, last + 1)
    )
    patch = Patch(sf).replace_lines(first, last, f"{indent}with torch.no_grad():\n{body}")
    what = "the loop over the parameters" if over_params else f"`{sf.line(frame.line).strip()}`"
    return Finding(
        "inplace_on_leaf",
        f"{sf.rel}:{frame.line} changes a parameter in place while autograd is recording; updates of "
        f"parameters outside the forward pass (clipping, projection, manual steps) must run under "
        f"torch.no_grad().",
        (sf, frame.line),
        [Fix(f"Run {what} under torch.no_grad()", 0.9, [patch])],
    )


# ----------------------------------------------------------------------------- sequence and loss layouts
@rule("ctc_layout", r"input_lengths must be of size batch_size")
def ctc_batch_first(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    is_ctc = call_name(call) == "ctc_loss" or (
        (key := _callee_key(call)) is not None and key in _constructors(a, "CTCLoss")
    )
    if not is_ctc or not call.args:
        return None
    lp = sf.segment(call.args[0])
    patch = Patch(sf).replace_node(call.args[0], f"{wrap(lp)}.transpose(0, 1)")
    return Finding(
        "ctc_layout",
        f"CTC loss takes log-probabilities shaped (time, batch, classes); `{lp}` ({sf.rel}:{call.lineno}) is "
        f"batch-first, so its second dimension (time) is read as the batch size.",
        (sf, call.lineno),
        [Fix(f"Pass the log-probabilities time-first: {wrap(lp)}.transpose(0, 1)", 0.9, [patch])],
    )


@rule("pack_unsorted", r"`lengths` array must be sorted in decreasing order")
def pack_unsorted(a: Analysis, m) -> Finding | None:
    found = site_calls(a, lambda sf, c: call_name(c) in ("pack_padded_sequence", "pack_sequence"))
    if not found:
        return None
    sf, call, _line = found[0]
    patch = Patch(sf).replace_node(call, _with_keyword(sf, call, "enforce_sorted", "False"))
    return Finding(
        "pack_unsorted",
        f"`{call_name(call)}` ({sf.rel}:{call.lineno}) expects the batch sorted by length, longest first, "
        f"unless told otherwise; with enforce_sorted=False it sorts internally and returns the outputs and "
        f"final states in the batch's own order.",
        (sf, call.lineno),
        [Fix("Let the packing sort the batch: enforce_sorted=False", 0.9, [patch])],
    )


def _index_call(sf: SourceFile, call: ast.Call):
    """(dim node, index node, functional) of a gather/scatter call, or None."""
    functional = (
        isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and (call.func.value.id == "torch")
    )
    shift = 1 if functional else 0
    dim = call_arg(call, shift, "dim")
    index = call_arg(call, shift + 1, "index")
    if dim is None or index is None:
        return None
    return dim, index, functional


_INDEX_OPS = (
    "gather",
    "scatter",
    "scatter_",
    "scatter_add",
    "scatter_add_",
    "scatter_reduce",
    "scatter_reduce_",
)


@rule("index_rank", r"Index tensor must have the same number of dimensions as (?:input|self|src) tensor")
def index_rank(a: Analysis, m) -> Finding | None:
    found = site_calls(a, lambda sf, c: call_name(c) in _INDEX_OPS and _index_call(sf, c) is not None)
    if not found:
        return None
    sf, call, _line = found[0]
    dim, index, _functional = _index_call(sf, call)
    d, idx = sf.segment(dim), sf.segment(index)
    start = sf.offset(call.lineno, call.col_offset)
    text = sf.segment(call)
    i0 = sf.offset(index.lineno, index.col_offset) - start
    i1 = sf.offset(index.end_lineno, index.end_col_offset) - start
    widened = text[:i0] + f"{wrap(idx)}.unsqueeze({d})" + text[i1:]
    fixes = []
    if call_name(call) == "gather":
        fixes.append(
            Fix(
                f"Give the index the input's rank and drop it again: gather({d}, {wrap(idx)}.unsqueeze({d}))"
                f".squeeze({d})",
                0.9,
                [Patch(sf).replace_node(call, f"{widened}.squeeze({d})")],
            )
        )
    fixes.append(
        Fix(
            f"Give the index the input's rank: {wrap(idx)}.unsqueeze({d})",
            0.7,
            [Patch(sf).replace_node(call, widened)],
        )
    )
    return Finding(
        "index_rank",
        f"`{call_name(call)}` ({sf.rel}:{call.lineno}) needs an index tensor with as many dimensions as the "
        f"tensor it reads or writes; `{idx}` has one fewer (one entry per row, e.g. chosen actions or "
        f"class labels), so it needs a trailing dimension at `dim={d}`.",
        (sf, call.lineno),
        fixes,
    )


@rule("index_dtype", r"(?:gather|scatter\w*)\w*\(\): Expected dtype int64 for index")
def index_dtype(a: Analysis, m) -> Finding | None:
    found = site_calls(a, lambda sf, c: call_name(c) in _INDEX_OPS and _index_call(sf, c) is not None)
    if not found:
        return None
    sf, call, _line = found[0]
    _dim, index, _f = _index_call(sf, call)
    idx = sf.segment(index)
    return Finding(
        "index_dtype",
        f"The index `{idx}` of `{call_name(call)}` ({sf.rel}:{call.lineno}) must be int64 (Long).",
        (sf, call.lineno),
        [
            Fix(
                f"Cast the index to int64: {wrap(idx)}.long()",
                0.9,
                [Patch(sf).replace_node(index, f"{wrap(idx)}.long()")],
            )
        ],
    )


# ----------------------------------------------------------------------------- targets built from the batch
@rule(
    "target_shape",
    r"Target size \(torch\.Size\(\[([\d, ]*)\]\)\) must be the same as input size "
    r"\(torch\.Size\(\[([\d, ]*)\]\)\)",
)
def one_hot_class_count(a: Analysis, m) -> Finding | None:
    target = [int(x) for x in re.findall(r"\d+", m[1])]
    inp = [int(x) for x in re.findall(r"\d+", m[2])]
    if len(target) != len(inp) or target[:-1] != inp[:-1] or target[-1] >= inp[-1]:
        return None
    found = loss_call_on_sites(a)
    if not found or len(found[1].args) < 2:
        return None
    sf, call = found
    tgt = call.args[1]
    roots = [tgt]
    if isinstance(tgt, ast.Name):
        value = _latest_value(sf, call.lineno, tgt.id)
        if value is not None:
            roots.append(value)
    hot = [
        c
        for r in roots
        for c in ast.walk(r)
        if isinstance(c, ast.Call) and call_name(c) == "one_hot" and len(c.args) < 2 and not c.keywords
    ]
    if not hot:
        return None
    one = hot[0]
    classes = inp[-1]
    expr = expression_for(a.sources, sf, one, classes) or str(classes)
    patch = Patch(sf).replace_node(one, _with_keyword(sf, one, "num_classes", expr))
    note = "" if expr != str(classes) else " (the value for this configuration only)"
    return Finding(
        "target_shape",
        f"`{sf.segment(one)}` ({sf.rel}:{one.lineno}) infers the number of classes from the largest label in "
        f"the batch; a batch without the last class gives {target[-1]} columns instead of the model's "
        f"{classes}.",
        (sf, one.lineno),
        [Fix(f"Pass the class count to one_hot: num_classes={expr}{note}", 0.9, [patch])],
    )


# ----------------------------------------------------------------------------- masks and embeddings
_KEEP = re.compile(r"attention|attn|keep|valid|real|nonpad|non_pad", re.I)


@rule("mask_dtype", r"only bool and floating types of (\w+) are supported")
def integer_mask(a: Analysis, m) -> Finding | None:
    wanted = m[1]
    found = site_calls(
        a, lambda sf, c: any(k.arg and (k.arg == wanted or k.arg.endswith("mask")) for k in c.keywords)
    )
    if not found:
        return None
    sf, call, _line = found[0]
    kw = (
        next(k for k in call.keywords if k.arg == wanted)
        if any(k.arg == wanted for k in call.keywords)
        else next(k for k in call.keywords if k.arg and k.arg.endswith("mask"))
    )
    mask = sf.segment(kw.value)
    keep = None  # True: 1 = a real token (tokenizer convention); False: 1 = padding
    name = (
        kw.value.id
        if isinstance(kw.value, ast.Name)
        else (kw.value.attr if isinstance(kw.value, ast.Attribute) else "")
    )
    for _f, value in _assignments(a, name) if name else []:
        ops = [op for n in ast.walk(value) if isinstance(n, ast.Compare) for op in n.ops]
        if any(isinstance(op, ast.NotEq | ast.Gt) for op in ops):
            keep = True
        elif any(isinstance(op, ast.Eq) for op in ops) and keep is None:
            keep = False
    if keep is None:
        keep = not re.search(r"pad", name, re.I) or bool(_KEEP.search(name))
    inverted = Fix(
        f"Pass a bool mask that is True at padding: {wrap(mask)} == 0",
        0.9 if keep else 0.6,
        [Patch(sf).replace_node(kw.value, f"{wrap(mask)} == 0")],
    )
    as_bool = Fix(
        f"Pass the mask as bool: {wrap(mask)}.bool()",
        0.6 if keep else 0.9,
        [Patch(sf).replace_node(kw.value, f"{wrap(mask)}.bool()")],
    )
    meaning = "1 marks a real token (as tokenizers' attention_mask)" if keep else "1 marks padding"
    return Finding(
        "mask_dtype",
        f"`{wanted}` must be bool (True = ignore this position) or float (added to the scores); `{mask}` "
        f"({sf.rel}:{call.lineno}) is an integer mask where {meaning}, so it must be converted"
        + (" and inverted." if keep else "."),
        (sf, call.lineno),
        [inverted, as_bool],
    )


@rule("embedding_bag_offsets", r"if input is 2D, then offsets has to be None")
def bag_offsets(a: Analysis, m) -> Finding | None:
    bags = _constructors(a, "EmbeddingBag")
    found = site_calls(
        a,
        lambda sf, c: (
            (_callee_key(c) in bags and (len(c.args) >= 2 or any(k.arg == "offsets" for k in c.keywords)))
            or (call_name(c) == "embedding_bag" and len(c.args) >= 3)
        ),
    )
    if not found:
        return None
    sf, call, _line = found[0]
    functional = call_name(call) == "embedding_bag"
    pos = 2 if functional else 1
    text = sf.segment(call.args[0])
    fixes = [
        Fix(
            f"Drop the offsets: a 2-D input is already one bag per row: {_without(sf, call, {pos}, {'offsets'})}",
            0.9,
            [Patch(sf).replace_node(call, _without(sf, call, {pos}, {"offsets"}))],
        ),
        Fix(
            f"Flatten the input so that the offsets apply: {wrap(text)}.reshape(-1)",
            0.6,
            [Patch(sf).replace_node(call.args[0], f"{wrap(text)}.reshape(-1)")],
        ),
    ]
    return Finding(
        "embedding_bag_offsets",
        f"EmbeddingBag takes either a 2-D (batch, length) input, one bag per row, or a 1-D input with "
        f"offsets; {sf.rel}:{call.lineno} passes a 2-D input and offsets.",
        (sf, call.lineno),
        fixes,
    )


# ----------------------------------------------------------------------------- dtypes of loss weights
_DOUBLE = re.compile(r"\.double\(\)|torch\.float64|torch\.double|[\"']float64[\"']")


@rule("loss_weight_dtype", r"expected scalar type Float but found Double")
def loss_weight_double(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    holder: tuple[SourceFile, ast.Call] | None = None
    if any(k.arg in ("weight", "pos_weight") for k in call.keywords):
        holder = (sf, call)
    else:
        key = _callee_key(call)
        for f, value in _assignments(a, key) if key else []:
            if isinstance(value, ast.Call) and any(k.arg in ("weight", "pos_weight") for k in value.keywords):
                holder = (f, value)
    if holder is None:
        return None
    hf, hcall = holder
    kw = next(k for k in hcall.keywords if k.arg in ("weight", "pos_weight"))
    fixes = []
    if isinstance(kw.value, ast.Name):
        for vf, value in _assignments(a, kw.value.id):
            text = vf.segment(value)
            if _DOUBLE.search(text):
                new = text.replace(".double()", ".float()").replace("torch.float64", "torch.float32")
                new = new.replace("torch.double", "torch.float32").replace("'float64'", "'float32'")
                new = new.replace('"float64"', '"float32"')
                fixes.append(
                    Fix(
                        f"Build `{kw.value.id}` in float32 where it is computed ({vf.rel}:{value.lineno})",
                        0.9,
                        [Patch(vf).replace_node(value, new)],
                    )
                )
                break
    w = hf.segment(kw.value)
    fixes.append(
        Fix(
            f"Cast the loss {kw.arg} to float32: {wrap(w)}.float()",
            0.8,
            [Patch(hf).replace_node(kw.value, f"{wrap(w)}.float()")],
        )
    )
    return Finding(
        "loss_weight_dtype",
        f"The loss's `{kw.arg}` ({hf.rel}:{hcall.lineno}) is float64 while the model's outputs are float32; "
        f"class weights computed with `.double()` or NumPy must be cast to the outputs' dtype.",
        (hf, hcall.lineno),
        fixes,
    )


# ----------------------------------------------------------------------------- checkpoints
def _load_state_call(a: Analysis):
    found = site_calls(a, lambda sf, c: call_name(c) == "load_state_dict" and bool(c.args))
    return (found[0][0], found[0][1]) if found else None


def _model_key_rank(key: str):
    k = key.lower()
    if re.search(r"optim|sched|scaler|epoch|step|args|config|loss|acc|best|history|metric", k):
        return None
    if not re.search(r"model|state|net|weight|param|encoder|module", k):
        return None
    return (not ("model" in k and "state" in k), "state_dict" not in k, "model" not in k, len(k))


@rule("state_dict_mismatch", r"Error\(s\) in loading state_dict for (\w+)")
def checkpoint_wrapper(a: Analysis, m) -> Finding | None:
    found = re.search(r"Unexpected key\(s\) in state_dict: (.*?)(?:\n|$)", a.message)
    if not found or "Missing key(s)" not in a.message:
        return None
    keys = re.findall(r'"([^"]+)"', found[1])
    if not keys or any("." in k for k in keys):
        return None
    ranked = sorted((r, k) for k in keys if (r := _model_key_rank(k)) is not None)
    load = _load_state_call(a)
    if not ranked or load is None:
        return None
    sf, call = load
    arg = sf.segment(call.args[0])
    fixes = [
        Fix(
            f'Load the model weights stored under "{key}": {wrap(arg)}["{key}"]',
            0.9 - 0.2 * i,
            [Patch(sf).replace_node(call.args[0], f'{wrap(arg)}["{key}"]')],
        )
        for i, (_r, key) in enumerate(ranked[:2])
    ]
    return Finding(
        "state_dict_mismatch",
        f"The object given to load_state_dict ({sf.rel}:{call.lineno}) is a whole checkpoint "
        f"({', '.join(keys)}), not the model's state_dict: the weights are one of its entries.",
        (sf, call.lineno),
        fixes,
    )


@rule("weights_only_load", r"Weights only load failed")
def weights_only(a: Analysis, m) -> Finding | None:
    found = site_calls(
        a, lambda sf, c: call_name(c) == "load" and not any(k.arg == "weights_only" for k in c.keywords)
    )
    if not found:
        return None
    sf, call, line = found[0]
    stmt = sf.statement_at(line)
    own = bool(a.sources.calls("save"))
    fixes = []
    g = re.search(r"GLOBAL ([\w.]+) was not an allowed global", a.message)
    if g and "." in g[1]:
        module, _, cls = g[1].rpartition(".")
        text = f"import {module}\ntorch.serialization.add_safe_globals([{module}.{cls}])"
        fixes.append(
            Fix(
                f"Allow {g[1]} in weights-only loading: torch.serialization.add_safe_globals([{g[1]}])",
                0.9,
                [Patch(sf).insert_before(stmt.lineno, text)],
            )
        )
    fixes.append(
        Fix(
            "Load with weights_only=False"
            + (" (the project writes this checkpoint itself)" if own else " (only for a file you trust)"),
            0.8 if own else 0.5,
            [Patch(sf).replace_node(call, _with_keyword(sf, call, "weights_only", "False"))],
        )
    )
    return Finding(
        "weights_only_load",
        f"Since torch 2.6 `torch.load` ({sf.rel}:{call.lineno}) unpickles only tensors and plain containers by "
        f"default; this checkpoint also holds a Python object{' (' + g[1] + ')' if g else ''}. Allow that class "
        f"explicitly, or load with weights_only=False when the file comes from a source you trust (it can run "
        f"code).",
        (sf, call.lineno),
        fixes,
    )


# ----------------------------------------------------------------------------- layouts of normalisation and decoders
_FEATURE_LAST = {
    "Linear": (1, "out_features"),
    "Embedding": (1, "embedding_dim"),
    "LSTM": (1, "hidden_size"),
    "GRU": (1, "hidden_size"),
}


@rule("shape_mismatch_norm", r"running_mean should contain (\d+) elements not (\d+)")
def batchnorm_on_features_last(a: Analysis, m) -> Finding | None:
    have = int(m[2])
    norms = _constructors(a, "BatchNorm1d")
    producers = _constructors(a, *_FEATURE_LAST)
    for sf, call, line in site_calls(a, lambda sf, c: _callee_key(c) in norms and len(c.args) == 1):
        nsf, ncall = norms[_callee_key(call)]
        if const_value(nsf, call_arg(ncall, 0, "num_features"), a.sources) != have:
            continue
        arg = call.args[0]
        source = arg
        if isinstance(arg, ast.Name):
            source = _latest_value(sf, line, arg.id)
        calls = [c for c in ast.walk(source) if isinstance(c, ast.Call)] if source is not None else []
        for c in calls:
            key = _callee_key(c)
            if key in producers:
                psf, pcall = producers[key]
                index, keyword = _FEATURE_LAST[call_name(pcall)]
                if const_value(psf, call_arg(pcall, index, keyword), a.sources) == have:
                    x = sf.segment(arg)
                    new = f"{sf.segment(call.func)}({wrap(x)}.transpose(1, 2)).transpose(1, 2)"
                    return Finding(
                        "shape_mismatch_norm",
                        f"BatchNorm1d normalises dimension 1 of a (batch, channels, length) input; `{x}` comes from "
                        f"`{psf.segment(pcall)}` with its {have} features last (batch, length, features), so "
                        f"the layer reads the length as channels. Move the features to dimension 1 around the norm.",
                        (sf, call.lineno),
                        [Fix(f"Normalise the features: {new}", 0.9, [Patch(sf).replace_node(call, new)])],
                    )
    return None


@rule(
    "decoder_size",
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)",
)
def transposed_conv_output_padding(a: Analysis, m) -> Finding | None:
    size_a, size_b = int(m[1]), int(m[2])
    if size_a == size_b or int(m[3]) < 2 or abs(size_a - size_b) * 4 > max(size_a, size_b):
        return None  # a spatial dimension a few pixels off, not a per-channel vector against a feature map
    if not loss_call_on_sites(a):
        return None
    patches: dict[str, Patch] = {}
    changed = []
    for sf, call in a.sources.calls("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
        if any(k.arg == "output_padding" for k in call.keywords) or len(call.args) > 6:
            continue
        k = const_value(sf, call_arg(call, 2, "kernel_size"), a.sources)
        s = const_value(sf, call_arg(call, 3, "stride"), a.sources) or 1
        p = const_value(sf, call_arg(call, 4, "padding"), a.sources) or 0
        if not all(isinstance(v, int) for v in (k, s, p)) or s < 2:
            continue
        op = s + 2 * p - k  # makes the layer exactly undo a stride-s convolution: out = s * in
        if 0 < op < s:
            patches.setdefault(sf.rel, Patch(sf)).replace_node(
                call, _with_keyword(sf, call, "output_padding", str(op))
            )
            changed.append(f"{sf.rel}:{call.lineno}")
    if not changed:
        return None
    return Finding(
        "decoder_size",
        f"A transposed convolution with stride s, kernel k and padding p gives (n - 1) * s - 2p + k, one short "
        f"of the s * n its encoder halved from; the decoder's output ({m[1]} vs {m[2]}) no longer matches its "
        f"target. output_padding adds the missing row/column ({', '.join(changed)}).",
        _location(a),
        [
            Fix(
                "Set output_padding on the strided transposed convolutions so they double exactly",
                0.85,
                list(patches.values()),
            )
        ],
    )
