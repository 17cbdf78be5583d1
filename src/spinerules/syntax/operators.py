"""The comparison operators of the language, defined once: how a rules file writes each, its
name in lowered conditions, how generated Python writes it, the function that applies it (to
values, and to z3 terms in the analyzer), and whether it needs an order (an int or ordered
fact). The validator, the lowering, the code generator and the analyzer's encoding all read
this table."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["BY_WRITTEN", "COMPARISONS", "Comparison"]


@attrs.frozen
class Comparison:
    name: str
    written: str
    python: str
    apply: Callable[[Any, Any], Any]
    ordered: bool  # needs an int or ordered fact


#: the comparison operators, by name
COMPARISONS: Mapping[str, Comparison] = {
    c.name: c
    for c in (
        Comparison("eq", "=", "==", operator.eq, ordered=False),
        Comparison("ne", "!=", "!=", operator.ne, ordered=False),
        Comparison("lt", "<", "<", operator.lt, ordered=True),
        Comparison("le", "<=", "<=", operator.le, ordered=True),
        Comparison("gt", ">", ">", operator.gt, ordered=True),
        Comparison("ge", ">=", ">=", operator.ge, ordered=True),
    )
}
#: the same, by how a rules file writes them
BY_WRITTEN: Mapping[str, Comparison] = {c.written: c for c in COMPARISONS.values()}
