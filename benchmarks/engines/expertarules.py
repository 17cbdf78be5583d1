"""experta (https://pypi.org/project/experta/, a CLIPS-like RETE engine in Python):
one ``@Rule`` method per rule on a ``KnowledgeEngine`` subclass; per profile,
``reset``, ``declare`` one ``Fact`` and ``run``.

Conditions are put in negation normal form; a conjunction of atoms becomes one
``Fact`` pattern with a constraint per field (``L``, ``~L``, ``P``), other ``and``/
``or`` become ``AND``/``OR``. Ordered enums are ranks.

experta 1.9.4 pins ``frozendict==1.2``, which does not import on Python >= 3.10;
install it with ``--no-deps`` next to ``frozendict>=2.3`` (see benchmarks/README.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure, ranked_value, ranker
from benchmarks.synth import Action, And, Atom, Cond, Or, Profile, RuleSet, nnf


def _predicate(a: Atom, rs: RuleSet) -> Callable[[Any], bool]:
    v = a.value
    match a.op:
        case "has":
            return lambda s: v in s
        case "not_has":
            return lambda s: v not in s
        case "in":
            assert isinstance(v, tuple)
            chosen = frozenset(ranked_value(rs, a.fact, x) for x in v)
            return lambda x: x in chosen
        case "not_in":
            assert isinstance(v, tuple)
            chosen = frozenset(ranked_value(rs, a.fact, x) for x in v)
            return lambda x: x not in chosen
    assert isinstance(v, str | int)
    n = ranked_value(rs, a.fact, v)
    match a.op:
        case "lt":
            return lambda x: x < n
        case "le":
            return lambda x: x <= n
        case "gt":
            return lambda x: x > n
    return lambda x: x >= n


def _constraint(a: Atom, rs: RuleSet) -> Any:
    from experta import L, P

    match a.op:
        case "true":
            return L(True)
        case "false":
            return L(False)
        case "eq":
            assert isinstance(a.value, str | int)
            return L(ranked_value(rs, a.fact, a.value))
        case "ne":
            assert isinstance(a.value, str | int)
            return ~L(ranked_value(rs, a.fact, a.value))
    return P(_predicate(a, rs))


def pattern(c: Cond, rs: RuleSet) -> Any:
    from experta import AND, OR, Fact

    if isinstance(c, Atom):
        return Fact(**{c.fact: _constraint(c, rs)})
    assert isinstance(c, And | Or)
    if isinstance(c, And) and all(isinstance(x, Atom) for x in c.items):
        fields: dict[str, Any] = {}
        for x in c.items:
            assert isinstance(x, Atom)
            k = _constraint(x, rs)
            fields[x.fact] = fields[x.fact] & k if x.fact in fields else k
        return Fact(**fields)
    return (AND if isinstance(c, And) else OR)(*(pattern(x, rs) for x in c.items))


class Experta(Engine):
    name = "experta"
    description = "experta: reset + declare + run per profile"
    max_rules = 1000

    def unavailable(self) -> str | None:
        return import_failure("experta")

    def compile(self, prepared: RuleSet) -> Any:
        from experta import KnowledgeEngine
        from experta import Rule as ExpertaRule

        rs = prepared

        def action(actions: tuple[Action, ...]) -> Any:
            def fire(self: Any) -> None:
                verdicts = self.verdicts
                for level, technique in actions:
                    if level > verdicts.get(technique, 0):
                        verdicts[technique] = level

            return fire

        body = {
            f"rule_{r.id}": ExpertaRule(pattern(nnf(r.cond), rs))(action(r.actions))
            for r in rs.rules
        }
        engine = type("SynthEngine", (KnowledgeEngine,), body)()
        return engine, ranker(rs)

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[dict[str, int]]:
        from experta import Fact

        engine, ranked = compiled
        out = []
        for p in profiles:
            engine.verdicts = verdicts = {}
            engine.reset()
            engine.declare(Fact(**ranked(p)))
            engine.run()
            out.append(verdicts)
        return out
