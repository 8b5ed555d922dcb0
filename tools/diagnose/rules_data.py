"""Data errors: dtypes, label ranges, vocabularies, batching."""

from __future__ import annotations

import ast
import re

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import is_literal, loss_call_on_sites, set_value, size_title, wrap
from mlintern.tools.diagnose.scope import class_count_for
from mlintern.tools.diagnose.source import Patch, SourceFile, call_arg, call_name, const_value

PAD_COLLATE = '''def pad_collate(batch):
    """Batch variable-size samples: zero-pad every tensor to the largest size in each dimension (added by mlintern)."""
    import torch

    def merge(items):
        if isinstance(items[0], torch.Tensor) and items[0].dim() > 0:
            shape = [max(sizes) for sizes in zip(*(t.shape for t in items))]
            out = items[0].new_zeros(len(items), *shape)
            for i, t in enumerate(items):
                out[(i, *(slice(0, n) for n in t.shape))] = t
            return out
        return torch.stack(list(items)) if isinstance(items[0], torch.Tensor) else torch.tensor(items)

    if isinstance(batch[0], (tuple, list)):
        return tuple(merge(field) for field in zip(*batch))
    return merge(batch)

'''


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


@rule(
    "target_dtype",
    r"expected target dtype to be Long|expected scalar type Long but found|"
    r"Expected floating point type for target with class probabilities, got Long|"
    r"0D or 1D target tensor expected, multi-target not supported|not implemented for 'Float'",
)
def ce_target(a: Analysis, m) -> Finding | None:
    found = loss_call_on_sites(a)
    if not found:
        return None
    sf, call = found
    target = sf.segment(call.args[1])
    if "multi-target" in m[0]:
        fixes = [
            Fix(
                f"Give the targets shape (batch,): {target}.view(-1)",
                0.85,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.view(-1)")],
            ),
            Fix(
                "Convert one-hot targets to class indices: target.argmax(dim=1)",
                0.5,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.argmax(dim=1)")],
            ),
        ]
        why = (
            f"`{target}` has an extra dimension (e.g. shape (batch, 1)); cross-entropy takes one class index "
            f"per sample, shape (batch,)."
        )
    elif "class probabilities" in m[0]:
        fixes = [
            Fix(
                "Convert one-hot targets to class indices: target.argmax(dim=1)",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.argmax(dim=1)")],
            ),
            Fix(
                "Treat the one-hot targets as class probabilities: target.float()",
                0.6,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.float()")],
            ),
        ]
        why = (
            f"`{target}` holds one-hot (or multi-column) integer targets; cross-entropy takes class indices "
            f"(integers, shape (batch,)) or class probabilities (floats, same shape as the logits)."
        )
    else:
        fixes = [
            Fix(
                f"Cast the class targets to int64: {target}.long()",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.long()")],
            )
        ]
        why = f"`{target}` holds class indices stored as floats; cross-entropy needs them as int64 (Long)."
    return Finding("target_dtype", f"The loss on {sf.rel}:{call.lineno}: {why}", (sf, call.lineno), fixes)


@rule(
    "dtype_mismatch",
    r"must have the same dtype, but got (Double) and Float|expected scalar type (Double) but found"
    r"|Input type \((double)\) and bias type|Found dtype (Double) but expected Float|"
    r"expected m1 and m2 to have the same dtype",
)
def float64(a: Analysis, m) -> Finding | None:
    # Follow the names on the failing lines back to where the data became a tensor.
    names = set()
    for frame, sf in a.sites:
        stmt = sf.statement_at(frame.line)
        if stmt is not None:
            names |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    fixes = []
    for sf, call in a.sources.calls("from_numpy", "tensor", "as_tensor"):
        parent = getattr(call, "parent", None)
        if isinstance(parent, ast.Attribute) or any(k.arg == "dtype" for k in call.keywords):
            continue  # already followed by .float() / given a dtype
        stmt = parent
        while stmt is not None and not isinstance(stmt, ast.stmt):
            stmt = getattr(stmt, "parent", None)
        if not isinstance(stmt, ast.Assign):
            continue
        targets = [
            t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
            for t in stmt.targets
        ]
        by_name = any(t in names for t in targets)
        numeric = not any(w in sf.segment(call).lower() for w in ("int", "long", "label", "[")) and not any(
            w in t.lower() for t in targets for w in ("label", "target", "y")
        )
        if by_name or numeric:
            fixes.append(
                Fix(
                    f"Convert the NumPy data to float32 where it becomes a tensor ({sf.rel}:{call.lineno})",
                    0.9 if by_name else 0.75,
                    [Patch(sf).replace_node(call, f"{sf.segment(call)}.float()")],
                )
            )
            location = (sf, call.lineno)
            break
    else:
        location = _location(a)
    cast = _cast_model_input(a)
    if cast:
        fixes.append(cast)
    explanation = (
        "The input is float64 (NumPy's default) while the model's weights are float32; PyTorch does not "
        "mix them in one layer. Convert the data once, where it becomes a tensor."
    )
    return Finding("dtype_mismatch", explanation, location, fixes)


def _cast_model_input(a: Analysis) -> Fix | None:
    """Fallback: cast the model's input where the outermost user frame calls it: ``model(x)`` -> ``model(x.float())``."""
    for frame, sf in reversed(a.sites):
        for call in sf.nodes_on(frame.line, ast.Call):
            if (
                len(call.args) == 1
                and isinstance(call.args[0], ast.Name)
                and isinstance(call.func, ast.Name | ast.Attribute)
            ):
                name = call.args[0].id
                return Fix(
                    f"Cast the model input to float32 where it is called ({sf.rel}:{frame.line})",
                    0.6,
                    [Patch(sf).replace_node(call.args[0], f"{name}.float()")],
                )
    return None


@rule("dtype_mismatch", r"result type (\w+) can't be cast to the desired output type (\w+)")
def int_inplace(a: Analysis, m) -> Finding | None:
    for frame, sf in a.sites:
        stmt = sf.statement_at(frame.line)
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            name, op = (
                stmt.target.id,
                {ast.Div: "/", ast.Mult: "*", ast.Add: "+", ast.Sub: "-"}.get(type(stmt.op)),
            )
            if op is None:
                continue
            patch = Patch(sf).replace_node(stmt, f"{name} = {name}.float() {op} {sf.segment(stmt.value)}")
            return Finding(
                "dtype_mismatch",
                f"`{sf.segment(stmt)}` ({sf.rel}:{frame.line}) writes a {m[1]} result "
                f"into the {m[2]} tensor `{name}` in place; integer tensors (images as uint8) must be "
                "converted to float first.",
                (sf, frame.line),
                [Fix(f"Convert `{name}` to float before scaling", 0.9, [patch])],
            )
    found = loss_call_on_sites(a)
    if found is None:
        return None
    sf, call = found
    target = sf.segment(call.args[1])
    return Finding(
        "target_dtype",
        f"The loss on {sf.rel}:{call.lineno} computes in {m[1]} but the target "
        f"`{target}` is {m[2]}: losses on probabilities/regression values (BCE, MSE) need float targets.",
        (sf, call.lineno),
        [
            Fix(
                f"Cast the target to float: {target}.float()",
                0.9,
                [Patch(sf).replace_node(call.args[1], f"{wrap(target)}.float()")],
            )
        ],
    )


def _randint_highs(a: Analysis) -> list[int]:
    """Upper bounds of integer data drawn in the code (``randint(0, HIGH, ...)``): files on the stack first."""
    calls = a.sources.calls("randint", "integers")
    on_stack = {sf.rel for _, sf in a.sites}
    for group in ([c for c in calls if c[0].rel in on_stack], calls):
        highs = [
            v
            for sf, call in group
            if len(call.args) >= 2
            for v in [const_value(sf, call.args[1], a.sources)]
            if isinstance(v, int)
        ]
        if highs:
            return highs
    return []


@rule("embedding_index", r"index out of range in self|device-side assert triggered")
def embedding_index(a: Analysis, m) -> Finding | None:
    if "device-side" in m[0] and not any("srcIndex" in c or "ind_dim_size" in c for c in a.parsed.asserts):
        return None
    embeddings = a.sources.calls("Embedding")
    if not embeddings:
        return None
    explanation = (
        "An index passed to nn.Embedding is >= its num_embeddings: the vocabulary size given to the layer "
        "is smaller than the largest token id in the data (often a padding or special token appended "
        "after the vocabulary)."
    )
    for sf, call in embeddings:
        size_node = call_arg(call, 0, "num_embeddings")
        if size_node is None:
            continue
        size = const_value(sf, size_node, a.sources)
        text = _argument_text(a, sf, size_node)
        # Evidence 1: a token id defined as exactly the vocabulary size (PAD = len(vocab)).
        for f in a.sources.project_files():
            for node in f.walk():
                if (
                    isinstance(node, ast.Assign)
                    and text
                    and f.segment(node.value) == text
                    and all(isinstance(t, ast.Name) for t in node.targets)
                ):
                    token = node.targets[0].id
                    patch = Patch(sf).replace_node(size_node, f"{wrap(sf.segment(size_node))} + 1")
                    return Finding(
                        "embedding_index",
                        explanation + f" `{token} = {text}` ({f.rel}:{node.lineno}) is "
                        f"one past the last row of `{sf.segment(call)}` ({sf.rel}:{call.lineno}).",
                        (sf, call.lineno),
                        [Fix(f"Make room for {token}: num_embeddings + 1", 0.85, [patch])],
                    )
        # Evidence 2: the data draws ids from a larger range.
        highs = [h for h in _randint_highs(a) if size is not None and h > size]
        if highs:
            patches: dict = {}
            size = set_value(a.sources, sf, size_node, max(highs), patches)
            return Finding(
                "embedding_index",
                explanation + f" The data uses ids up to {max(highs) - 1} but "
                f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}) has {size} rows.",
                (sf, call.lineno),
                [
                    Fix(
                        f"Set num_embeddings to {size_title(size, max(highs))}",
                        0.8 - 0.05 * is_literal(size),
                        list(patches.values()),
                    )
                ],
            )
    sf, call = embeddings[0]
    return Finding(
        "embedding_index",
        explanation + " Compare the largest id in your data with "
        f"`{sf.segment(call)}` ({sf.rel}:{call.lineno}).",
        (sf, call.lineno),
    )


def _argument_text(a: Analysis, sf: SourceFile, node: ast.AST) -> str:
    """The caller's text for a size given as a constructor parameter: ``len(vocab)`` for ``vocab_size``."""
    if not isinstance(node, ast.Name):
        return sf.segment(node)
    fn = sf.enclosing(node, (ast.FunctionDef,))
    cls = sf.enclosing(fn, (ast.ClassDef,)) if fn is not None else None
    if fn is None or cls is None or fn.name != "__init__":
        return sf.segment(node)
    params = [x.arg for x in fn.args.args[1:]]
    if node.id not in params:
        return sf.segment(node)
    index = params.index(node.id)
    for f, call in a.sources.calls(cls.name):
        value = call_arg(call, index, node.id)
        if value is not None:
            return f.segment(value)
    return sf.segment(node)


@rule("target_out_of_bounds", r"Target (-?\d+) is out of bounds|device-side assert triggered")
def target_bounds(a: Analysis, m) -> Finding | None:
    if "device-side" in m[0] and not any("n_classes" in c for c in a.parsed.asserts):
        return None
    target = int(m[1]) if m[1] else None
    explanation = (
        "A class label is outside [0, num_classes): the classifier's output layer has fewer units than "
        "the dataset has classes (or the labels start at 1)."
    )
    highs = _randint_highs(a)
    floor = target + 1 if target is not None else max(highs, default=None)
    heads = []
    for sf, call in a.sources.calls("Linear"):
        out_node = call_arg(call, 1, "out_features")
        out = const_value(sf, out_node, a.sources)
        if out is not None and floor is not None and out < floor:
            heads.append((sf, call, out_node, out))
    if not heads:
        return Finding("target_out_of_bounds", explanation, _location(a))
    sf, call, out_node, out = heads[-1]
    needed = max([h for h in highs if h > out] + [floor])
    needed = class_count_for(a.sources, sf, out_node, needed) or needed
    patches: dict = {}
    size = set_value(a.sources, sf, out_node, needed, patches)
    seen = f"Label {target}" if target is not None else "A label"
    return Finding(
        "target_out_of_bounds",
        explanation + f" {seen} reached `{sf.segment(call)}` "
        f"({sf.rel}:{call.lineno}), which has {out} outputs; the labels need {needed}.",
        (sf, call.lineno),
        [
            Fix(
                f"Set the output layer's number of classes to {size_title(size, needed)}",
                0.8 - 0.05 * is_literal(size),
                list(patches.values()),
            )
        ],
    )


def _top_statement(sf: SourceFile, node: ast.AST) -> ast.stmt:
    cur = node
    while getattr(cur, "parent", None) is not None and not isinstance(cur.parent, ast.Module):
        cur = cur.parent
    return cur  # type: ignore[return-value]


@rule("collate_variable_length", r"stack expects each tensor to be equal size")
def collate(a: Analysis, m) -> Finding | None:
    loaders = [
        (sf, c)
        for sf, c in a.sources.calls("DataLoader")
        if not any(k.arg == "collate_fn" for k in c.keywords)
    ]
    if not loaders:
        return None
    sf, call = loaders[0]
    patch = Patch(sf)
    top = _top_statement(sf, call)
    if not any(isinstance(n, ast.FunctionDef) and n.name == "pad_collate" for n in sf.walk()):
        patch.insert_before(top.lineno, PAD_COLLATE.rstrip("\n") + "\n\n")
    end_line, end_col = call.end_lineno, call.end_col_offset
    close = ast.Call(func=call.func, args=[], keywords=[])
    close.lineno = close.end_lineno = end_line
    close.col_offset, close.end_col_offset = end_col - 1, end_col
    patch.replace_node(close, ", collate_fn=pad_collate)")
    return Finding(
        "collate_variable_length",
        f"The samples have different lengths, and the DataLoader's default collate can only stack "
        f"equal-sized tensors (`{sf.segment(call)}`, {sf.rel}:{call.lineno}). Pad each batch to its "
        f"longest sample with a collate_fn (the padded zeros should be ignored by the model, e.g. "
        f"padding_idx or masking).",
        (sf, call.lineno),
        [Fix("Pad variable-length samples with a collate_fn", 0.85, [patch])],
    )


@rule("batchnorm_batch_of_one", r"Expected more than 1 value per channel when training")
def batch_of_one(a: Analysis, m) -> Finding | None:
    loaders = [
        (sf, c)
        for sf, c in a.sources.calls("DataLoader")
        if not any(k.arg == "drop_last" for k in c.keywords)
    ]
    explanation = (
        "BatchNorm met a batch of one sample in training mode (it needs at least two to compute batch "
        "statistics); the last, incomplete batch of an epoch is the usual culprit."
    )
    if not loaders:
        return Finding("batchnorm_batch_of_one", explanation, _location(a))
    sf, call = loaders[0]
    close = ast.Call(func=call.func, args=[], keywords=[])
    close.lineno = close.end_lineno = call.end_lineno
    close.col_offset, close.end_col_offset = call.end_col_offset - 1, call.end_col_offset
    patch = Patch(sf).replace_node(close, ", drop_last=True)")
    return Finding(
        "batchnorm_batch_of_one",
        explanation + f" Drop the incomplete last batch in `{sf.segment(call)}` ({sf.rel}:{call.lineno}).",
        (sf, call.lineno),
        [Fix("Drop the last incomplete batch", 0.85, [patch])],
    )


@rule(
    "dataloader_worker_killed",
    r"DataLoader worker \(pid.*(?:killed by signal|exited unexpectedly)|"
    r"insufficient shared memory|Bus error",
)
def workers_killed(a: Analysis, m) -> Finding | None:
    explanation = (
        "A DataLoader worker process died (killed by the kernel, usually for memory: each worker holds a "
        "copy of the dataset, and /dev/shm may be small in containers)."
    )
    for sf, call in a.sources.calls("DataLoader"):
        node = call_arg(call, 99, "num_workers")
        n = const_value(sf, node, a.sources)
        if isinstance(n, int) and n > 0:
            patch = Patch(sf).replace_node(node, str(n // 2))
            return Finding(
                "dataloader_worker_killed",
                explanation + f" `{sf.segment(call)}` ({sf.rel}:{call.lineno})"
                f" starts {n} workers; use fewer (or raise the container's --shm-size).",
                (sf, call.lineno),
                [Fix(f"Use {n // 2} DataLoader workers", 0.6, [patch])],
            )
    return Finding("dataloader_worker_killed", explanation, _location(a))


def _load_call(a: Analysis) -> tuple[SourceFile, ast.Call] | None:
    for frame, sf in a.sites:
        for call in sf.nodes_on(frame.line, ast.Call):
            if call_name(call) == "load_state_dict" and call.args:
                return sf, call
    return None


@rule("state_dict_mismatch", r"Error\(s\) in loading state_dict for (\w+)")
def state_dict(a: Analysis, m) -> Finding | None:
    found = _load_call(a)
    model = m[1]
    if found is None:
        return Finding(
            "state_dict_mismatch", f"The checkpoint does not match {model}'s parameters.", _location(a)
        )
    sf, call = found
    state = sf.segment(call.args[0])
    if re.search(r'Unexpected key\(s\) in state_dict: "module\.', a.message):
        patch = Patch(sf).replace_node(
            call.args[0], f'{{k.removeprefix("module."): v for k, v in {wrap(state)}.items()}}'
        )
        return Finding(
            "state_dict_mismatch",
            f"The checkpoint was saved from a model wrapped in DataParallel/DistributedDataParallel, so "
            f"every key starts with `module.`; {model} expects the bare names. Strip the prefix when "
            f"loading ({sf.rel}:{call.lineno}).",
            (sf, call.lineno),
            [Fix("Strip the `module.` prefix from the checkpoint's keys", 0.9, [patch])],
        )
    sizes = re.findall(
        r"size mismatch for ([\w.]+): copying a param with shape torch.Size\(\[([\d, ]*)\]\) from "
        r"checkpoint, the shape in current model is torch.Size\(\[([\d, ]*)\]\)",
        a.message,
    )
    if sizes:
        prefixes = sorted({name.rsplit(".", 1)[0] + "." for name, _, _ in sizes})
        skip = ", ".join(repr(p) for p in prefixes)
        skip = f"({skip},)" if len(prefixes) == 1 else f"({skip})"
        rest = ", ".join(sf.segment(k) for k in call.keywords if k.arg != "strict")
        patch = Patch(sf).replace_node(
            call,
            f"{sf.segment(call.func)}({{k: v for k, v in {wrap(state)}.items() "
            f"if not k.startswith({skip})}}, strict=False{', ' + rest if rest else ''})",
        )
        details = "; ".join(f"{n}: checkpoint [{c}] vs model [{d}]" for n, c, d in sizes[:4])
        return Finding(
            "state_dict_mismatch",
            f"The checkpoint's {', '.join(p.rstrip('.') for p in prefixes)} layer has a different size "
            f"than {model}'s ({details}): the head was resized for a new task. Load everything else and "
            f"keep the new head freshly initialised (standard fine-tuning).",
            (sf, call.lineno),
            [Fix(f"Load the checkpoint without the resized {', '.join(prefixes)} weights", 0.85, [patch])],
        )
    return Finding(
        "state_dict_mismatch",
        f"The checkpoint's keys do not match {model}'s parameters; compare "
        "`model.state_dict().keys()` with the checkpoint's keys.",
        (sf, call.lineno),
    )
