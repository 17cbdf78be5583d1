"""Boxes: the values each fact must have for a condition to be true, read off its structure.

`box(cond, facts)` maps a fact (or one element of a set fact) to the values it can have when the
condition is true, for every fact the condition pins down through `and`, `or` and `not` of single
tests; facts it does not pin down are left out (any value). It over-approximates: a condition can
only be true inside its box. So when two rules' boxes give some fact no common value, no patient
fires both (with facts missing too: a Kleene-true test needs its fact known). The atoms are
evaluated with `logic.holds`, the engine's own reference semantics.

The analyzer uses boxes only to skip solver questions whose answer is "no"; every "yes" still
comes from the solver and the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine.logic import Atom, Lowered, holds
from ..model.model import Fact, FactKind

__all__ = ["Box", "box"]

Key = tuple[int, str | None]  # (slot, set element or None)
Box = dict[Key, frozenset[object]]

_LARGEST = 64  # int facts with wider ranges are not boxed


def _scalar_domain(fact: Fact) -> tuple[object, ...] | None:
    if fact.kind is FactKind.ORDERED:
        return tuple(range(len(fact.values)))
    if fact.kind is FactKind.INT:
        assert fact.low is not None and fact.high is not None
        return fact.domain() if fact.high - fact.low < _LARGEST else None
    if fact.kind in (FactKind.ENUM, FactKind.BOOL):
        return fact.domain()
    return None


def _atom(atom: Atom, facts: Sequence[Fact], negated: bool) -> Box:
    fact = facts[atom.slot]
    if atom.op in ("known", "unknown"):
        return {}
    if fact.kind is FactKind.SET:
        if atom.op == "has":
            return {(atom.slot, str(atom.arg)): frozenset([not negated])}
        if atom.op == "all" and not negated:
            return {(atom.slot, str(e)): frozenset([True]) for e in atom.arg}  # type: ignore[attr-defined]
        if atom.op == "any" and negated:
            return {(atom.slot, str(e)): frozenset([False]) for e in atom.arg}  # type: ignore[attr-defined]
        return {}
    domain = _scalar_domain(fact)
    if domain is None:
        return {}
    return {
        (atom.slot, None): frozenset(v for v in domain if holds(atom, v) != negated)  # type: ignore[arg-type]
    }


def box(cond: Lowered, facts: Sequence[Fact], negated: bool = False) -> Box:
    if isinstance(cond, Atom):
        return _atom(cond, facts, negated)
    if cond.op == "not":
        return box(cond.parts[0], facts, not negated)
    parts = [box(p, facts, negated) for p in cond.parts]
    conjunction = (cond.op == "and") != negated  # not (a or b) = not a and not b
    if conjunction:
        out: Box = {}
        for part in parts:
            for key, allowed in part.items():
                out[key] = out[key] & allowed if key in out else allowed
        return out
    common = set(parts[0])
    for part in parts[1:]:
        common &= set(part)
    return {key: frozenset().union(*(part[key] for part in parts)) for key in common}
