"""A naive tree-walking interpreter over the IR: for each profile, each rule's
condition tree is walked recursively. No indexing, no compilation beyond
precomputing ordered-enum ranks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine
from benchmarks.synth import And, Atom, Cond, Not, Or, Profile, RuleSet

Ranks = dict[str, dict[str, int]]


def holds(c: Cond, p: Profile, ranks: Ranks) -> bool:
    # explicit loops: all()/any() over a generator are slower here
    if isinstance(c, And):
        for x in c.items:  # noqa: SIM110
            if not holds(x, p, ranks):
                return False
        return True
    if isinstance(c, Or):
        for x in c.items:  # noqa: SIM110
            if holds(x, p, ranks):
                return True
        return False
    if isinstance(c, Not):
        return not holds(c.item, p, ranks)
    return atom_holds(c, p, ranks)


def atom_holds(a: Atom, p: Profile, ranks: Ranks) -> bool:
    x: Any = p[a.fact]
    v: Any = a.value
    op = a.op
    if op == "true":
        return bool(x)
    if op == "false":
        return not x
    if op == "has":
        return v in x
    if op == "not_has":
        return v not in x
    if op == "in":
        return x in v
    if op == "not_in":
        return x not in v
    r = ranks.get(a.fact)
    if r is not None:
        x, v = r[x], r[v]
    if op == "eq":
        return bool(x == v)
    if op == "ne":
        return bool(x != v)
    if op == "lt":
        return bool(x < v)
    if op == "le":
        return bool(x <= v)
    if op == "gt":
        return bool(x > v)
    return bool(x >= v)


class Naive(Engine):
    name = "naive"
    description = "naive tree-walking interpreter over the IR"

    def compile(self, prepared: RuleSet) -> tuple[RuleSet, Ranks]:
        ranks = {
            f.name: {v: i for i, v in enumerate(f.values)}
            for f in prepared.facts
            if f.kind == "ordered"
        }
        return prepared, ranks

    def run(self, compiled: tuple[RuleSet, Ranks], profiles: Sequence[Profile]) -> list[Any]:
        rs, ranks = compiled
        out = []
        for p in profiles:
            verdicts: dict[str, int] = {}
            for rule in rs.rules:
                if holds(rule.cond, p, ranks):
                    for level, technique in rule.actions:
                        if level > verdicts.get(technique, 0):
                            verdicts[technique] = level
            out.append(verdicts)
        return out
