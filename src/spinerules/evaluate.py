"""Running a compiled program on one checked profile: which rules fire and which are pending.

A complete profile takes the generated two-valued code in one call. A partial one checks each
rule: two-valued when every fact it reads is known, Kleene's three-valued logic otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from .compile import Program
from .facts import Normal
from .logic import kleene

__all__ = ["run"]


def run(program: Program, values: Sequence[Normal]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(fired, pending) rule indexes, each in rule order."""
    if None not in values:
        return tuple(program.fire_complete(values)), ()
    fired: list[int] = []
    pending: list[int] = []
    cond2 = program.cond2
    lowered = program.lowered
    for i, slots in enumerate(program.rule_slots):
        if all(values[s] is not None for s in slots):
            if cond2[i](values):
                fired.append(i)
            continue
        outcome = kleene(lowered[i], values)
        if outcome is True:
            fired.append(i)
        elif outcome is None:
            pending.append(i)
    return tuple(fired), tuple(pending)
