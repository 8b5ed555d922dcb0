"""How a family's config fields get their values: from the spec, or from a named convention.

A ``Field`` names one ``ModelConfig`` field. Its value is the spec's fact for
``keys`` (first present wins) when the paper states it, and otherwise the
family's published convention, recorded as a ``default`` fact with the reason.
Conventions may depend on values resolved before them (``d_ff = 4 * d_model``);
those are callables of the values so far. The pilot configuration re-derives the
same fields from a few shrunken knobs, so it stays the same architecture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlintern.tools.scaffold import facts as F

KEEP = object()  # pilot: same value as the full configuration
DERIVE = object()  # pilot: recompute the convention from the pilot's own values


@dataclass(frozen=True)
class Field:
    name: str
    default: Any  # a value, or fn(values) -> value
    reason: Any  # a str, or fn(values) -> str: why this convention
    keys: tuple[str, ...] | None = ()  # spec keys to read; () = (name,); None = mlintern's own knob
    pilot: Any = KEEP  # KEEP, DERIVE, a value, or fn(full_values, pilot_values) -> value
    inferred: Any = False  # bool or fn(values) -> bool: the default is a rule over stated values ("inferred")
    kind: type | None = None  # expected Python type of the value (checked against the spec's)
    expand: Any = None  # fn(spec_value, values) -> (value, rule) | None: a stated value in another form

    def spec_keys(self) -> tuple[str, ...]:
        if self.keys is None:
            return ()
        return self.keys or (self.name,)


def _call(x: Any, *args: Any) -> Any:
    return x(*args) if callable(x) else x


def _fits(value: Any, kind: type | None, example: Any) -> bool:
    """Does a spec value fit the field? A list where a number is expected does not, and so on."""
    want = kind or (type(example) if example is not None and not callable(example) else None)
    if want is None or value is None:
        return value is not None
    if want is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if want is int:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            or (isinstance(value, float) and value.is_integer())
        )
    return isinstance(value, want)


def resolve(
    fields: tuple[Field, ...],
    spec: dict[str, dict],
    notes: list[str],
    seed: dict[str, Any] | None = None,
    forced: dict[str, dict] | None = None,
) -> dict[str, dict]:
    """Config facts for ``fields``: the spec's value where stated and usable, else the convention.

    ``seed`` holds helper values the conventions may read (not written out); ``forced`` holds facts
    derived elsewhere (a shape fitted to a stated count) that replace a field's convention.
    """
    out: dict[str, dict] = {}
    values: dict[str, Any] = dict(seed or {})
    for field in fields:
        fact = dict(forced[field.name]) if forced and field.name in forced else None
        for key in field.spec_keys() if fact is None else ():
            if key in spec:
                candidate = spec[key]
                if _fits(
                    candidate["value"], field.kind, field.default if not callable(field.default) else None
                ):
                    fact = dict(candidate)
                    if (
                        field.kind is int
                        or isinstance(field.default, int)
                        and not isinstance(field.default, bool)
                    ):
                        if isinstance(fact["value"], float):
                            fact["value"] = int(fact["value"])
                    if key != field.name:
                        fact["spec_key"] = key
                    break
                expanded = field.expand(candidate["value"], values) if field.expand else None
                if expanded is not None:
                    fact = {
                        **candidate,
                        "value": expanded[0],
                        "source": "inferred",
                        "rule": f"{expanded[1]} (the paper states {key} = {candidate['value']!r}"
                        + (f", p.{candidate['page']}" if candidate.get("page") is not None else "")
                        + ")",
                    }
                    break
                notes.append(
                    f"The spec's {key} = {candidate['value']!r} does not fit {field.name} "
                    f"(expects {field.kind.__name__ if field.kind else type(field.default).__name__}); "
                    "the family convention is used instead."
                )
        if fact is None:
            value = _call(field.default, values)
            reason = _call(field.reason, values)
            fact = F.inferred(value, reason) if _call(field.inferred, values) else F.default(value, reason)
        out[field.name] = fact
        values[field.name] = fact["value"]
    return out


def pilot(fields: tuple[Field, ...], full: dict[str, Any]) -> dict[str, Any]:
    """The pilot values: shrunken knobs, and conventions re-derived from them."""
    values: dict[str, Any] = {}
    for field in fields:
        rule = field.pilot
        if rule is KEEP:
            values[field.name] = full[field.name]
        elif rule is DERIVE:
            values[field.name] = _call(field.default, values)
        elif callable(rule):
            values[field.name] = rule(full, values)
        else:
            values[field.name] = rule
    return values


def scale(name: str, by: str) -> Callable[[dict, dict], Any]:
    """Pilot rule: keep ``name``'s ratio to ``by`` (d_ff stays 4x d_model when d_model shrinks)."""
    return lambda full, p: max(1, round(full[name] * p[by] / full[by]))
