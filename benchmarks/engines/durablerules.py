"""durable-rules (https://pypi.org/project/durable-rules/): one ``@when_all`` rule per
rule in a ruleset; each profile is asserted as a fact (facts, unlike events, are seen
by every rule), its rules fire, and it is retracted.

Conditions are put in negation normal form (its expressions have no ``not``); enum
membership becomes ``|`` of ``==``; ordered enums are ranks. Its ``allItems`` is
false on an empty array, so ``not has`` cannot be written on arrays: sets are given
as one boolean field per value (``symptoms__numbness``).

Its alpha network is walked with a fixed stack of 64 nodes: a fact that matches more
tests at once fails with error 303 (``ERR_MAX_STACK_SIZE``), which random rulesets of
1,000 rules hit. As a user would, the rules are split into rulesets of at most
``CHUNK`` rules, and each profile is asserted into each of them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure, ranked_value, ranker
from benchmarks.synth import Action, And, Atom, Cond, Or, Profile, RuleSet, nnf

_names = itertools.count()


def _expr(c: Cond, rs: RuleSet, m: Any) -> Any:
    if isinstance(c, And | Or):
        parts = [_expr(x, rs, m) for x in c.items]
        out = parts[0]
        for x in parts[1:]:
            out = (out & x) if isinstance(c, And) else (out | x)
        return out
    a: Atom = c
    field = getattr(m, a.fact)
    v = a.value
    match a.op:
        case "true":
            return field == True  # noqa: E712 - a durable-rules expression, not a test
        case "false":
            return field == False  # noqa: E712
        case "has":
            return getattr(m, f"{a.fact}__{v}") == True  # noqa: E712
        case "not_has":
            return getattr(m, f"{a.fact}__{v}") == False  # noqa: E712
        case "in" | "not_in":
            assert isinstance(v, tuple)
            op = "eq" if a.op == "in" else "ne"
            return _expr(
                (Or if a.op == "in" else And)(tuple(Atom(a.fact, op, x) for x in v)), rs, m
            )
    assert isinstance(v, str | int)
    x = ranked_value(rs, a.fact, v)
    match a.op:
        case "eq":
            return field == x
        case "ne":
            return field != x
        case "lt":
            return field < x
        case "le":
            return field <= x
        case "gt":
            return field > x
    return field >= x


class DurableRules(Engine):
    name = "durable-rules"
    description = "durable-rules: assert_fact + retract_fact per profile"
    max_rules = 2000
    CHUNK = 200

    def unavailable(self) -> str | None:
        return import_failure("durable.lang")

    def compile(self, prepared: RuleSet) -> Any:
        from durable.lang import get_host, m, ruleset, when_all

        rs = prepared
        names = []
        state: dict[str, dict[str, int]] = {"verdicts": {}}

        def action(actions: tuple[Action, ...]) -> Any:
            def fire(c: Any) -> None:
                verdicts = state["verdicts"]
                for level, technique in actions:
                    if level > verdicts.get(technique, 0):
                        verdicts[technique] = level

            return fire

        for start in range(0, len(rs.rules), self.CHUNK):
            names.append(f"synth_{next(_names)}")
            with ruleset(names[-1]):
                for r in rs.rules[start : start + self.CHUNK]:
                    when_all(_expr(nnf(r.cond), rs, m))(action(r.actions))
        get_host()  # registers the ruleset with the engine: its real compile step
        sets = [(f.name, f.values) for f in rs.facts if f.kind == "set"]
        return names, state, ranker(rs), sets

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[dict[str, int]]:
        from durable.engine import MessageNotHandledException
        from durable.lang import assert_fact, retract_fact

        names, state, ranked, sets = compiled
        out = []
        for p in profiles:
            fact = ranked(p)
            for s, values in sets:
                members = fact.pop(s)
                for v in values:
                    fact[f"{s}__{v}"] = v in members  # type: ignore[operator]
            state["verdicts"] = verdicts = {}
            for name in names:
                try:
                    assert_fact(name, fact)
                except MessageNotHandledException:  # no rule of this ruleset matched
                    continue
                retract_fact(name, fact)
            out.append(verdicts)
        return out
