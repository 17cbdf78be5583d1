"""The rule trace behind `spinerules explain`: every rule's outcome for one patient by the
reference (Kleene) semantics, with the parts of its condition that decided it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from ..model.model import Rule
from ..model.profile import Normal, normalize
from .kb import KnowledgeBase
from .logic import Atom, Lowered, kleene, lower

__all__ = ["Trace", "trace"]


@attrs.frozen
class Trace:
    """One rule for one patient: whether it fired and which parts of its condition decided."""

    rule: Rule
    status: str  # "fired" | "not fired" | "pending"
    decided_by: tuple[tuple[Atom, bool | None], ...]


def trace(kb: KnowledgeBase, given: dict[str, Any]) -> tuple[tuple[Normal, ...], list[Trace]]:
    """Every rule's outcome by the reference (Kleene) semantics of `logic.py`, with the atoms
    that decided it: for a rule that fired, the true parts that made it fire; for one that did
    not, the false parts that stopped it; for a pending one, the unknown parts it waits for."""
    slots = tuple(kb.facts)
    slot_of = {name: i for i, name in enumerate(slots)}
    values = normalize(kb.facts, slots, given)
    out = []
    for rule in kb.rules:
        cond = lower(rule.condition, kb.facts, slot_of)
        outcome = kleene(cond, values)
        status = "fired" if outcome is True else "not fired" if outcome is False else "pending"
        out.append(Trace(rule, status, tuple(_decisive(cond, values))))
    return values, out


def _decisive(cond: Lowered, values: Sequence[Normal]) -> Iterator[tuple[Atom, bool | None]]:
    outcome = kleene(cond, values)
    if isinstance(cond, Atom):
        yield cond, outcome
        return
    if cond.op == "not":
        yield from _decisive(cond.parts[0], values)
        return
    parts = [(p, kleene(p, values)) for p in cond.parts]
    if cond.op == "and":
        chosen = [p for p, v in parts if v is outcome] if outcome is not True else cond.parts
    else:
        chosen = [p for p, v in parts if v is outcome] if outcome is not False else cond.parts
    for part in chosen:
        yield from _decisive(part, values)
