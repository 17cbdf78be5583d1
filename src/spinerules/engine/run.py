"""Running a compiled program on one checked profile: which rules fire and which are pending.

Both go through generated code and the index: a complete profile through `fire`, a partial one
through `partial`, which follows the index while the facts it switches on are known and tests
the rules of the branch by Kleene's logic where one is not.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model.profile import Normal
from .codegen import Program

__all__ = ["run"]


def run(program: Program, values: Sequence[Normal]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(fired, pending) rule indexes, each in rule order."""
    if None not in values:
        return tuple(program.fire_complete(values)), ()
    fired, pending = program.fire_partial(values)
    return tuple(fired), tuple(pending)
