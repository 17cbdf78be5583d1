"""The baseline: the rules written out as plain Python if-statements.

This is what a programmer would hand-write for speed in CPython: one function that
reads each fact into a local, tests every rule in turn with an ``if``, keeps each
technique's verdict level in a local, and returns ``{technique: level}``. Ordered
enums are compared by membership in the values above/below the bound, sets with
``in``. The source is generated from the IR (every literal emitted with ``repr``)
and ``exec``-ed: this is a benchmark baseline, not library code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from benchmarks.engines.base import Engine
from benchmarks.synth import And, Atom, Cond, Fact, Not, Or, Profile, RuleSet, Verdicts

_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


def _ordered_slice(fact: Fact, op: str, value: str) -> tuple[str, ...]:
    r = fact.rank(value)
    keep = {
        "lt": lambda i: i < r, "le": lambda i: i <= r, "gt": lambda i: i > r,
        "ge": lambda i: i >= r, "eq": lambda i: i == r, "ne": lambda i: i != r,
    }[op]  # fmt: skip
    return tuple(v for i, v in enumerate(fact.values) if keep(i))


def atom_source(a: Atom, fact: Fact) -> str:
    v = a.value
    match a.op:
        case "true":
            return a.fact
        case "false":
            return f"not {a.fact}"
        case "has":
            return f"{v!r} in {a.fact}"
        case "not_has":
            return f"{v!r} not in {a.fact}"
        case "in":
            assert isinstance(v, tuple)
            return f"{a.fact} in {set(v)!r}" if len(v) > 1 else f"{a.fact} == {v[0]!r}"
        case "not_in":
            assert isinstance(v, tuple)
            return f"{a.fact} not in {set(v)!r}" if len(v) > 1 else f"{a.fact} != {v[0]!r}"
    if fact.kind == "ordered" and a.op not in ("eq", "ne"):
        assert isinstance(v, str)
        allowed = _ordered_slice(fact, a.op, v)
        if len(allowed) == 1:
            return f"{a.fact} == {allowed[0]!r}"
        return f"{a.fact} in {set(allowed)!r}"
    return f"{a.fact} {_CMP[a.op]} {v!r}"


def cond_source(c: Cond, rs: RuleSet) -> str:
    if isinstance(c, Atom):
        return atom_source(c, rs.fact_by_name[c.fact])
    if isinstance(c, Not):
        return f"not ({cond_source(c.item, rs)})"
    word = " and " if isinstance(c, And) else " or "
    assert isinstance(c, And | Or)
    return word.join(
        cond_source(x, rs) if isinstance(x, Atom) else f"({cond_source(x, rs)})" for x in c.items
    )


def python_source(rs: RuleSet) -> str:
    """A module defining ``evaluate(profile) -> {technique: level}``."""
    tech_var = {t: f"v{i}" for i, t in enumerate(rs.techniques)}
    lines = ["def evaluate(p):"]
    lines += [f"    {f.name} = p[{f.name!r}]" for f in rs.facts]
    lines += [f"    {v} = 0" for v in tech_var.values()]
    for r in rs.rules:
        lines.append(f"    if {cond_source(r.cond, rs)}:  # {r.id}")
        for level, technique in r.actions:
            var = tech_var[technique]
            if level == 4:
                lines.append(f"        {var} = 4")
            else:
                lines.append(f"        if {var} < {level}: {var} = {level}")
    pairs = ", ".join(f"{t!r}: {v}" for t, v in tech_var.items())
    lines.append(f"    return {{{pairs}}}")
    return "\n".join(lines) + "\n"


def fired_source(rs: RuleSet) -> str:
    """A module defining ``evaluate(profile) -> [(rule id, level, technique), ...]``: every
    action of every fired rule, the full result a caller who wants more than verdicts asks
    for."""
    lines = ["def evaluate(p):"]
    lines += [f"    {f.name} = p[{f.name!r}]" for f in rs.facts]
    lines += ["    out = []", "    add = out.append"]
    for r in rs.rules:
        lines.append(f"    if {cond_source(r.cond, rs)}:")
        for level, technique in r.actions:
            lines.append(f"        add(({r.id!r}, {level}, {technique!r}))")
    lines.append("    return out")
    return "\n".join(lines) + "\n"


class Handwritten(Engine):
    name = "handwritten"
    description = "plain Python if-statements (the baseline)"

    def prepare(self, ruleset: RuleSet) -> str:
        return python_source(ruleset)

    def compile(self, prepared: str) -> Callable[[Profile], dict[str, int]]:
        namespace: dict[str, Any] = {}
        exec(compile(prepared, "<handwritten rules>", "exec"), namespace)
        fn: Callable[[Profile], dict[str, int]] = namespace["evaluate"]
        return fn

    def run(
        self, compiled: Callable[[Profile], dict[str, int]], profiles: Sequence[Profile]
    ) -> list[dict[str, int]]:
        return [compiled(p) for p in profiles]


class HandwrittenFired(Handwritten):
    name = "handwritten-fired"
    description = (
        "plain Python if-statements listing every fired (rule, action, technique): the "
        "baseline for spinerules-fired"
    )

    def prepare(self, ruleset: RuleSet) -> str:
        return fired_source(ruleset)

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[Verdicts]:
        return [fold(ruleset, ((level, t) for _, level, t in out)) for out in outputs]


def fold(ruleset: RuleSet, actions: Iterable[tuple[int, str]]) -> Verdicts:
    """Verdicts from fired (level, technique) actions: the highest level per technique."""
    best = dict.fromkeys(ruleset.techniques, 0)
    for level, technique in actions:
        if level > best[technique]:
            best[technique] = level
    return tuple(best[t] for t in ruleset.techniques)
