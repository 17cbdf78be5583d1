"""rule-engine (https://pypi.org/project/rule-engine/): one ``rule_engine.Rule`` per rule,
written in its expression language; each profile is matched against every rule.
Ordered enums are given as ranks; sets as Python ``set`` (it does not map ``frozenset``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure, ranked_value, ranker
from benchmarks.synth import Action, And, Atom, Cond, Not, Or, Profile, RuleSet

_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _lit(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def expression(c: Cond, rs: RuleSet) -> str:
    if isinstance(c, Not):
        return f"not ({expression(c.item, rs)})"
    if isinstance(c, And | Or):
        word = " and " if isinstance(c, And) else " or "
        return word.join(f"({expression(x, rs)})" for x in c.items)
    a: Atom = c
    match a.op:
        case "true":
            return a.fact
        case "false":
            return f"not {a.fact}"
        case "has":
            return f"{_lit(a.value)} in {a.fact}"
        case "not_has":
            return f"not ({_lit(a.value)} in {a.fact})"
        case "in" | "not_in":
            assert isinstance(a.value, tuple)
            values = ", ".join(_lit(ranked_value(rs, a.fact, v)) for v in a.value)
            test = f"{a.fact} in [{values}]"
            return test if a.op == "in" else f"not ({test})"
    assert isinstance(a.value, str | int)
    return f"{a.fact} {_CMP[a.op]} {_lit(ranked_value(rs, a.fact, a.value))}"


class RuleEngine(Engine):
    name = "rule-engine"
    description = "rule-engine: one Rule per rule, matched in turn"
    max_rules = 2000

    def unavailable(self) -> str | None:
        return import_failure("rule_engine")

    def prepare(self, ruleset: RuleSet) -> tuple[RuleSet, list[tuple[str, tuple[Action, ...]]]]:
        return ruleset, [(expression(r.cond, ruleset), r.actions) for r in ruleset.rules]

    def compile(self, prepared: tuple[RuleSet, list[tuple[str, tuple[Action, ...]]]]) -> Any:
        import rule_engine

        rs, rules = prepared
        sets = [f.name for f in rs.facts if f.kind == "set"]
        return ranker(rs), sets, [(rule_engine.Rule(e), actions) for e, actions in rules]

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[dict[str, int]]:
        ranked, sets, rules = compiled
        out = []
        for p in profiles:
            thing = ranked(p)
            for s in sets:
                thing[s] = set(thing[s])
            verdicts: dict[str, int] = {}
            for rule, actions in rules:
                if rule.matches(thing):
                    for level, technique in actions:
                        if level > verdicts.get(technique, 0):
                            verdicts[technique] = level
            out.append(verdicts)
        return out
