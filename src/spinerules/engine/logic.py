"""Conditions lowered to slots, and Kleene's three-valued logic over them.

`lower(cond, facts, slot_of)` resolves names to slot numbers, ordered values to ranks and value
sets to frozensets. `kleene(cond, values)` is the reference semantics (true, false, or None for
unknown); the compiler's generated two-valued code must agree with it on complete profiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from ..model.model import Fact, FactKind
from ..model.profile import Normal
from ..syntax import nodes as n
from ..syntax.operators import BY_WRITTEN, COMPARISONS, Comparison
from ..syntax.unparse import condition_text

__all__ = [
    "COMPARISONS",
    "Atom",
    "Comparison",
    "Junction",
    "Lowered",
    "holds",
    "kleene",
    "lower",
    "slots_of",
]


@attrs.frozen(weakref_slot=False)
class Atom:
    """One test of one slot. `op`: eq ne lt le gt ge in nin has any all known unknown true."""

    op: str
    slot: int
    arg: object
    #: the condition it was lowered from, for explanations
    node: n.Condition = attrs.field(eq=False, repr=False)

    @property
    def text(self) -> str:
        """The test as written (canonical form), for explanations."""
        return condition_text(self.node)


@attrs.frozen(weakref_slot=False)
class Junction:
    """`and`, `or` (several parts) or `not` (one part)."""

    op: str
    parts: tuple[Lowered, ...]


Lowered = Atom | Junction


def lower(cond: n.Condition, facts: Mapping[str, Fact], slot_of: Mapping[str, int]) -> Lowered:
    if isinstance(cond, n.And | n.Or):
        op = "and" if isinstance(cond, n.And) else "or"
        return Junction(op, tuple(lower(c, facts, slot_of) for c in cond.operands))
    if isinstance(cond, n.Not):
        return Junction("not", (lower(cond.operand, facts, slot_of),))
    if isinstance(cond, n.Always):
        return Junction("and", ())  # an empty conjunction: true for every patient
    fact = facts[cond.fact.name]
    slot = slot_of[fact.name]

    def val(lit: n.Literal) -> object:
        if fact.kind is FactKind.ORDERED:
            return fact.values.index(str(lit.value))
        return lit.value

    if isinstance(cond, n.Compare):
        return Atom(BY_WRITTEN[cond.op].name, slot, val(cond.value), cond)
    if isinstance(cond, n.InSet):
        return Atom(
            "nin" if cond.negated else "in", slot, frozenset(val(v) for v in cond.values), cond
        )
    if isinstance(cond, n.Has):
        values = frozenset(str(v.value) for v in cond.values)
        if cond.mode == "one":
            return Atom("has", slot, next(iter(values)), cond)
        return Atom(cond.mode, slot, values, cond)
    if isinstance(cond, n.Known):
        return Atom("known" if cond.known else "unknown", slot, None, cond)
    return Atom("true", slot, None, cond)


def slots_of(cond: Lowered) -> tuple[int, ...]:
    """The slots a condition reads, each once, in order."""
    if isinstance(cond, Atom):
        return (cond.slot,)
    return tuple(dict.fromkeys(s for p in cond.parts for s in slots_of(p)))


def holds(atom: Atom, value: Normal) -> bool:
    """An atom on a known value."""
    op, arg = atom.op, atom.arg
    comparison = COMPARISONS.get(op)
    if comparison is not None:
        return bool(comparison.apply(value, arg))
    if op == "known":
        return True
    if op == "unknown":
        return False
    if op == "true":
        return value is True
    if op == "in":
        return value in arg  # type: ignore[operator]
    if op == "nin":
        return value not in arg  # type: ignore[operator]
    if op == "has":
        return arg in value  # type: ignore[operator]
    if op == "any":
        return not arg.isdisjoint(value)  # type: ignore[attr-defined]
    assert op == "all", op
    return arg <= value  # type: ignore[operator]


def kleene(cond: Lowered, values: Sequence[Normal]) -> bool | None:
    """Strong Kleene logic: None is unknown; `known`/`unknown` tests are never unknown."""
    if isinstance(cond, Atom):
        value = values[cond.slot]
        if value is None:
            if cond.op == "known":
                return False
            if cond.op == "unknown":
                return True
            return None
        return holds(cond, value)
    if cond.op == "not":
        inner = kleene(cond.parts[0], values)
        return None if inner is None else not inner
    if cond.op == "and":
        result: bool | None = True
        for part in cond.parts:
            got = kleene(part, values)
            if got is False:
                return False
            if got is None:
                result = None
        return result
    result = False
    for part in cond.parts:
        got = kleene(part, values)
        if got is True:
            return True
        if got is None:
            result = None
    return result
