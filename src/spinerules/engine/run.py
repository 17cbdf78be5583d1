"""Running a compiled program on one checked profile: which rules fire and which are pending.

A complete profile takes the generated two-valued code in one call. A partial one evaluates each
rule with Kleene's three-valued logic (`logic.kleene`), which measured faster than first checking
whether a rule's facts are all known to run generated two-valued code for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model.profile import Normal
from .codegen import Program
from .logic import kleene

__all__ = ["run"]


def run(program: Program, values: Sequence[Normal]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(fired, pending) rule indexes, each in rule order."""
    if None not in values:
        return tuple(program.fire_complete(values)), ()
    fired: list[int] = []
    pending: list[int] = []
    for i, cond in enumerate(program.lowered):
        outcome = kleene(cond, values)
        if outcome is True:
            fired.append(i)
        elif outcome is None:
            pending.append(i)
    return tuple(fired), tuple(pending)
