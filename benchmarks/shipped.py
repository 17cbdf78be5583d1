"""The shipped rulesets as a benchmark workload, for every engine.

``spinerules.load_all()`` is translated into the rule IR from its public knowledge
base: facts from ``kb.facts``, conditions from the compiled program's lowered
conditions (``kb.program.lowered``), and each rule's verdict actions with the
technique hierarchy already folded in (``kb.program.reached(r)``: an action on
``massage`` is listed on every technique under it). Site-qualified actions,
referrals, requirements and advice do not change ``verdict(T)`` and are left out.
spinerules itself runs the shipped knowledge base, not the translation.

Profiles are complete (every engine needs every fact), drawn the way a clinic's
patients would fill the vocabulary: bools mostly false, few set members.
"""

from __future__ import annotations

import random
from typing import Any

from benchmarks.synth import And, Atom, Cond, Fact, Not, Or, Profile, Rule, RuleSet


class Untranslatable(Exception):
    """The shipped knowledge base uses something the IR cannot express."""


def _fact(f: Any) -> Fact:
    kind = str(f.kind)
    if kind == "int":
        return Fact(f.name, "int", lo=f.low, hi=f.high)
    if kind not in ("enum", "ordered", "bool", "set"):
        raise Untranslatable(f"fact kind {kind}")
    return Fact(f.name, kind, tuple(f.values))  # type: ignore[arg-type]


def _value(fact: Fact, arg: object) -> str | int:
    if fact.kind == "ordered" and isinstance(arg, int):
        return fact.values[arg]
    if isinstance(arg, str | int):
        return arg
    raise Untranslatable(f"value {arg!r} of {fact.name}")


def _values(fact: Fact, arg: object) -> tuple[str | int, ...]:
    if not isinstance(arg, frozenset | set | tuple | list):
        raise Untranslatable(f"value set {arg!r} of {fact.name}")
    values = [_value(fact, a) for a in arg]
    if fact.kind in ("enum", "ordered"):
        return tuple(v for v in fact.values if v in values)
    return tuple(sorted(values, key=str))


def _cond(node: Any, facts: tuple[Fact, ...]) -> Cond | bool:
    """A lowered spinerules condition as IR; a bool when it is constant on complete
    profiles (``is known`` / ``is unknown``)."""
    parts = getattr(node, "parts", None)
    if parts is not None:
        items = [_cond(p, facts) for p in parts]
        if node.op == "not":
            (item,) = items
            return (not item) if isinstance(item, bool) else Not(item)
        conj = node.op == "and"
        if any(i is (not conj) for i in items if isinstance(i, bool)):
            return not conj  # a false conjunct / a true disjunct decides
        rest = [i for i in items if not isinstance(i, bool)]
        if not rest:
            return conj
        return rest[0] if len(rest) == 1 else (And if conj else Or)(tuple(rest))
    fact = facts[node.slot]
    op, arg = node.op, node.arg
    if op == "known":
        return True
    if op == "unknown":
        return False
    if fact.kind == "bool" and op in ("eq", "ne", "true"):
        truth = True if op == "true" else bool(arg) == (op == "eq")
        return Atom(fact.name, "true" if truth else "false")
    if op in ("eq", "ne", "lt", "le", "gt", "ge"):
        return Atom(fact.name, op, _value(fact, arg))
    if op in ("in", "nin"):
        return Atom(fact.name, "in" if op == "in" else "not_in", _values(fact, arg))
    if op == "has":
        return Atom(fact.name, "has", _value(fact, arg))
    if op in ("any", "all"):
        has = tuple(Atom(fact.name, "has", v) for v in _values(fact, arg))
        if len(has) == 1:
            return has[0]
        return Or(has) if op == "any" else And(has)
    raise Untranslatable(f"condition op {op}")


def shipped_ruleset() -> RuleSet:
    """``spinerules.load_all()`` as IR (raises :class:`Untranslatable` or import errors)."""
    import spinerules

    kb = spinerules.load_all()
    program = kb.program
    facts = tuple(_fact(kb.facts[name]) for name in program.slots)
    techniques = tuple(program.techniques)
    bool_fact = next((f.name for f in facts if f.kind == "bool"), None)
    rules = []
    for r, (rule, lowered) in enumerate(zip(kb.rules, program.lowered, strict=True)):
        effects = program.reached(r)
        if not effects:
            continue  # no unqualified verdict action: cannot change verdict(T)
        cond = _cond(lowered, facts)
        if cond is False:
            continue
        if cond is True:  # always fires: a tautology every engine can express
            if bool_fact is None:
                raise Untranslatable("an always-true rule and no bool fact")
            cond = Or((Atom(bool_fact, "true"), Atom(bool_fact, "false")))
        assert not isinstance(cond, bool)
        actions = tuple((level, techniques[t]) for t, level in effects)
        rules.append(Rule(rule.id, cond, actions))
    return RuleSet(facts, techniques, tuple(rules), name="shipped", origin="shipped")


def complete_profiles(ruleset: RuleSet, m: int, *, seed: int = 0) -> list[Profile]:
    """``m`` complete profiles: bools true with probability 0.2, set members 0.15."""
    rng = random.Random(f"shipped-complete:{seed}:{m}")
    out: list[Profile] = []
    for _ in range(m):
        p: Profile = {}
        for f in ruleset.facts:
            if f.kind == "bool":
                p[f.name] = rng.random() < 0.2
            elif f.kind == "int":
                p[f.name] = rng.randint(f.lo, f.hi)
            elif f.kind == "set":
                p[f.name] = frozenset(v for v in f.values if rng.random() < 0.15)
            else:
                p[f.name] = rng.choice(f.values)
        out.append(p)
    return out
