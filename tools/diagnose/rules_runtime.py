"""Runtime failures: non-finite losses, memory, devices, distributed training."""

from __future__ import annotations

import ast

from mlintern.tools.diagnose.engine import Analysis, Finding, Fix, rule
from mlintern.tools.diagnose.follow import nn_prefix, receiver
from mlintern.tools.diagnose.source import Patch, SourceFile, call_arg, call_name, const_value

OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")
TENSOR_FACTORIES = (
    "zeros",
    "ones",
    "randn",
    "rand",
    "empty",
    "full",
    "arange",
    "eye",
    "zeros_like",
    "linspace",
)


def _location(a: Analysis):
    return (a.site[1], a.site[0].line) if a.site else None


def _close_paren(call: ast.Call, text: str) -> ast.Call:
    """A zero-width-ish node covering the call's closing parenthesis, to append keyword arguments."""
    node = ast.Call(func=call.func, args=[], keywords=[])
    node.lineno = node.end_lineno = call.end_lineno
    node.col_offset, node.end_col_offset = call.end_col_offset - 1, call.end_col_offset
    return node


def _add_keyword(sf: SourceFile, call: ast.Call, keyword: str) -> Patch:
    sep = ", " if call.args or call.keywords else ""
    return Patch(sf).replace_node(_close_paren(call, ""), f"{sep}{keyword})")


@rule(
    "non_finite_loss",
    r"(?i)(?:\b(?:nan|inf)\b.*\bloss\b|\bloss\b.*\b(?:nan|inf)\b|non-finite|returned nan values)",
)
def non_finite(a: Analysis, m) -> Finding | None:
    fixes: list[Fix] = []
    causes = []
    for sf in a.sources.project_files():
        for node in sf.walk():
            if (
                isinstance(node, ast.Call)
                and call_name(node) == "log"
                and (node.args or isinstance(node.func, ast.Attribute))
            ):
                if (
                    node.args
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("torch", "np", "math")
                ):
                    arg = node.args[0]
                    text = sf.segment(arg)
                    if "clamp" in text or "eps" in text or "+" in text:
                        continue
                    patch = Patch(sf).replace_node(arg, f"{text}.clamp_min(1e-8)")
                    fixes.append(Fix(f"Guard log() against zero ({sf.rel}:{node.lineno})", 0.75, [patch]))
                    causes.append(
                        f"`{sf.segment(node)}` ({sf.rel}:{node.lineno}) is -inf when its input is 0"
                    )
    for sf, call in a.sources.calls(*OPTIMIZERS):
        lr_node = call_arg(call, 1, "lr")
        lr = const_value(sf, lr_node, a.sources)
        limit = 0.05 if call_name(call) == "SGD" else 3e-3
        if isinstance(lr, int | float) and lr > limit:
            new = min(lr / 10, 1e-3) if call_name(call) == "SGD" else min(lr / 10, 1e-4)
            fixes.append(
                Fix(
                    f"Lower the learning rate from {lr} to {new}",
                    0.7,
                    [Patch(sf).replace_node(lr_node, repr(new))],
                )
            )
            causes.append(f"the learning rate {lr} ({sf.rel}:{call.lineno}) is high enough to diverge")
            clip = _clip_patch(a, sf, call)
            if clip:
                fixes.append(Fix("Clip the gradient norm to 1.0 before each optimizer step", 0.5, [clip]))
    explanation = "The loss became NaN or infinite, so training cannot continue."
    if causes:
        explanation += " Likely causes: " + "; ".join(causes) + "."
    else:
        explanation += (
            " Look for log/sqrt/division of values that can be zero, a learning rate that is too high, "
            "and missing gradient clipping."
        )
    return Finding("non_finite_loss", explanation, _location(a), fixes)


def _clip_patch(a: Analysis, sf: SourceFile, opt_call: ast.Call) -> Patch | None:
    """Insert clip_grad_norm_ before ``optimizer.step()``."""
    params = sf.segment(opt_call.args[0]) if opt_call.args else None
    stmt = opt_call
    while stmt is not None and not isinstance(stmt, ast.stmt):
        stmt = getattr(stmt, "parent", None)
    if not params or not isinstance(stmt, ast.Assign):
        return None
    opt_name = sf.segment(stmt.targets[0])
    for node in sf.walk():
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and call_name(node.value) == "step"
            and receiver(sf, node.value) == opt_name
        ):
            return Patch(sf).insert_before(node.lineno, f"torch.nn.utils.clip_grad_norm_({params}, 1.0)")
    return None


@rule("out_of_memory", r"out of memory|OutOfMemoryError|can't allocate memory")
def out_of_memory(a: Analysis, m) -> Finding | None:
    fixes: list[Fix] = []
    accum = _accumulation_fix(a)
    if accum:
        fixes.append(accum)
    explanation = (
        "The model ran out of memory. The ladder, in order: a smaller micro-batch with gradient "
        "accumulation (same effective batch), mixed precision (torch.autocast with bfloat16), activation "
        "checkpointing (torch.utils.checkpoint on the large blocks). Shrinking the model or the "
        "sequence length would change the experiment, so mlintern never does that silently."
    )
    return Finding("out_of_memory", explanation, _location(a), fixes)


def _accumulation_fix(a: Analysis) -> Fix | None:
    """Halve the batch size and accumulate gradients over 2 micro-batches, when the loop is simple."""
    for sf, call in a.sources.calls("DataLoader"):
        bs_node = call_arg(call, 1, "batch_size")
        bs = const_value(sf, bs_node, a.sources)
        if not isinstance(bs, int) or bs < 2:
            continue
        for loop in [n for n in sf.walk() if isinstance(n, ast.For)]:
            body = loop.body
            stmts = {
                call_name(s.value): s
                for s in body
                if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
            }
            if not {"backward", "step", "zero_grad"} <= set(stmts):
                continue
            back, step, zero = stmts["backward"], stmts["step"], stmts["zero_grad"]
            if not (isinstance(back.value.func, ast.Attribute) and back.lineno < step.lineno):
                continue
            patch = Patch(sf)
            patch.replace_node(bs_node, str(bs // 2))
            patch.insert_before(
                loop.lineno,
                f"accum_steps = 2  # micro-batches of {bs // 2} per optimizer step: the "
                f"batch of {bs} did not fit in memory\nmicro_step = 0",
            )
            loss = receiver(sf, back.value)
            patch.replace_node(
                back,
                f"({loss} / accum_steps).backward()\nmicro_step += 1".replace(
                    "\n", "\n" + sf.indent(back.lineno)
                ),
            )
            indent = sf.indent(step.lineno)
            zero_text = sf.segment(zero)
            patch.replace_node(
                step,
                f"if micro_step % accum_steps == 0:\n{indent}    {sf.segment(step)}\n{indent}    {zero_text}",
            )
            patch.replace_lines(zero.lineno, zero.end_lineno, "")
            return Fix(
                f"Halve the micro-batch to {bs // 2} and accumulate gradients over 2 steps", 0.7, [patch]
            )
    return None


@rule(
    "device_mismatch",
    r"Expected all tensors to be on the same device|Expected .* to be on .*device|"
    r"Input type \(torch\.cuda\.FloatTensor\) and weight type \(torch\.FloatTensor\)",
)
def device_mismatch(a: Analysis, m) -> Finding | None:
    explanation = (
        "Tensors on different devices (e.g. the model on the GPU, a batch or a tensor created in forward() "
        "on the CPU) meet in one operation. Move every input to the model's device, and create tensors "
        "inside forward() on the device of its input."
    )
    for frame, sf in a.sites:
        fn = sf.function_at(frame.line)
        if fn is None or fn.name != "forward" or len(fn.args.args) < 2:
            continue
        first = fn.args.args[1].arg
        for call in ast.walk(fn):
            if (
                isinstance(call, ast.Call)
                and call_name(call) in TENSOR_FACTORIES
                and not any(k.arg == "device" for k in call.keywords)
            ):
                return Finding(
                    "device_mismatch",
                    explanation + f" `{sf.segment(call)}` ({sf.rel}:{call.lineno}) is created on the CPU.",
                    (sf, call.lineno),
                    [
                        Fix(
                            f"Create it on {first}.device",
                            0.8,
                            [_add_keyword(sf, call, f"device={first}.device")],
                        )
                    ],
                )
    for frame, sf in reversed(a.sites):
        stmt = sf.statement_at(frame.line)
        loop = sf.enclosing(stmt, (ast.For,)) if stmt is not None else None
        device = _model_device(sf)
        if loop is None or device is None:
            continue
        names = [n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)]
        moved = {
            receiver(sf, c)
            for c in ast.walk(loop)
            if isinstance(c, ast.Call) and call_name(c) in ("to", "cuda")
        }
        names = [n for n in names if n not in moved]
        if names:
            lhs = ", ".join(names)
            rhs = ", ".join(f"{n}.to({device})" for n in names)
            patch = Patch(sf).insert_before(loop.body[0].lineno, f"{lhs} = {rhs}")
            return Finding(
                "device_mismatch",
                explanation + f" The batch from the loop on {sf.rel}:{loop.lineno} "
                "is never moved to the model's device.",
                (sf, loop.lineno),
                [Fix(f"Move the batch to {device}", 0.8, [patch])],
            )
    fix = _module_list_fix(a)
    return Finding("device_mismatch", explanation, _location(a), [fix] if fix else [])


def _model_device(sf: SourceFile) -> str | None:
    for node in sf.walk():
        if isinstance(node, ast.Call) and call_name(node) == "to" and node.args:
            return sf.segment(node.args[0])
        if isinstance(node, ast.Call) and call_name(node) == "cuda":
            return '"cuda"'
    return None


def _module_list_fix(a: Analysis) -> Fix | None:
    for sf in a.sources.project_files():
        for node in sf.walk():
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.List | ast.ListComp)
                and any(isinstance(c, ast.Call) and call_name(c)[:1].isupper() for c in ast.walk(node.value))
            ):
                patch = Patch(sf).replace_node(
                    node.value, f"{nn_prefix(sf)}.ModuleList({sf.segment(node.value)})"
                )
                return Fix("Keep the layers in nn.ModuleList so .to(device) moves them", 0.6, [patch])
    return None


@rule(
    "ddp_unused_parameters",
    r"Expected to have finished reduction in the prior iteration|find_unused_parameters",
)
def ddp_unused(a: Analysis, m) -> Finding | None:
    import re

    indices = re.search(r"Parameter indices which did not receive grad for rank \d+: ([\d ]+)", a.message)
    explanation = (
        "DistributedDataParallel waits for a gradient for every parameter, but some parameters were not "
        "used to compute the loss"
        + (f" (parameter indices {indices.group(1).strip()})" if indices else "")
        + ". Either use them in forward(), remove them, or let DDP detect unused parameters."
    )
    for sf, call in a.sources.calls("DistributedDataParallel", "DDP"):
        if not any(k.arg == "find_unused_parameters" for k in call.keywords):
            return Finding(
                "ddp_unused_parameters",
                explanation,
                (sf, call.lineno),
                [
                    Fix(
                        "Let DDP find unused parameters",
                        0.75,
                        [_add_keyword(sf, call, "find_unused_parameters=True")],
                    )
                ],
            )
    return Finding("ddp_unused_parameters", explanation, _location(a))


@rule(
    "distributed_timeout",
    r"Watchdog caught collective operation timeout|NCCL.*[Tt]imeout|timed out.*collective",
)
def nccl_timeout(a: Analysis, m) -> Finding | None:
    explanation = (
        "A collective operation (all-reduce) timed out: one rank stopped reaching it, usually because ranks "
        "run different numbers of steps (unequal data shards: use DistributedSampler and drop_last), or one "
        "rank does long work alone (evaluation, checkpointing, data download on rank 0) while the others "
        "wait. Make every rank execute the same collectives; raise the timeout only for genuinely long "
        "rank-0 work."
    )
    for sf, call in a.sources.calls("init_process_group"):
        if not any(k.arg == "timeout" for k in call.keywords):
            patch = _add_keyword(sf, call, "timeout=__import__('datetime').timedelta(minutes=30)")
            return Finding(
                "distributed_timeout",
                explanation,
                (sf, call.lineno),
                [Fix("Raise the collective timeout to 30 minutes", 0.3, [patch])],
            )
    return Finding("distributed_timeout", explanation, _location(a))
