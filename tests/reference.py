"""A second implementation of docs/semantics.md, written from that page alone, for property tests.

It reads the parsed rules (`kb.rules`: conditions as syntax nodes, actions) and the declarations
(`kb.facts`, and each technique's and site's `parent` and `explicit`), and nothing else of the
engine: no lowered conditions, no Kleene code, no precomputed ancestors or reach, no generated
code. It is slow and simple on purpose: a loop per question, in the words of the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinerules import KnowledgeBase
from spinerules.syntax import nodes as n

LEVEL = {"allow": 1, "recommend": 2, "caution": 3, "contraindicate": 4}
NAMES = ["unassessed", "allowed", "recommended", "caution", "contraindicated"]
#: line 10: what a pending action could bring, most serious first
STAKES = [
    "urgent referral",
    "contraindicate",
    "caution",
    "requirement",
    "routine referral",
    "recommend",
    "allow",
    "advice",
    "doubt",
]


def _up(table: Mapping[str, Any], name: str) -> list[str]:
    """The name and its ancestors, nearest first, by following `parent`."""
    out = [name]
    while table[out[-1]].parent is not None:
        out.append(table[out[-1]].parent)
    return out


def _permission_reaches(table: Mapping[str, Any], named: str, target: str) -> bool:
    """Line 2/3: a permission on `named` reaches `target` when target is named, or lies below it
    with no explicit node on the way down (target included, named not)."""
    path = _up(table, target)
    if named not in path:
        return False
    return not any(table[x].explicit for x in path[: path.index(named)])


def counts(kb: KnowledgeBase, action: Any, technique: str, site: str | None) -> bool:
    """Lines 2-3: whether `verdict(technique, at=site)` counts a verdict action."""
    permissive = LEVEL[action.kind.value] < 3
    if permissive:
        if not _permission_reaches(kb.techniques, action.technique, technique):
            return False
    elif action.technique not in _up(kb.techniques, technique):
        return False
    if site is None:
        return action.site is None
    if action.site is None:
        return not permissive or not any(kb.sites[x].explicit for x in _up(kb.sites, site))
    if permissive:
        return _permission_reaches(kb.sites, action.site, site)
    return action.site in _up(kb.sites, site)


def _facts(cond: Any) -> list[str]:
    """The facts a condition reads, each once."""
    if isinstance(cond, n.Always):
        return []
    if isinstance(cond, n.Not):
        return _facts(cond.operand)
    if isinstance(cond, n.And | n.Or):
        return list(dict.fromkeys(f for c in cond.operands for f in _facts(c)))
    return [cond.fact.name]


def _value(kb: KnowledgeBase, name: str, profile: Mapping[str, Any]) -> Any:
    value = profile.get(name)
    if value is None:
        return None
    kind = kb.facts[name].kind.value
    if kind == "set":
        return frozenset(value)
    return value


def truth(kb: KnowledgeBase, cond: Any, profile: Mapping[str, Any]) -> bool | None:
    """Line 7: Kleene's strong three-valued logic; None is unknown."""
    if isinstance(cond, n.Always):
        return True
    if isinstance(cond, n.Not):
        inner = truth(kb, cond.operand, profile)
        return None if inner is None else not inner
    if isinstance(cond, n.And | n.Or):
        values = [truth(kb, c, profile) for c in cond.operands]
        decisive = isinstance(cond, n.Or)  # true decides an `or`, false an `and`
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    name = cond.fact.name
    value = _value(kb, name, profile)
    if isinstance(cond, n.Known):
        return (value is not None) == cond.known
    if value is None:
        return None
    fact = kb.facts[name]
    if isinstance(cond, n.Truthy):
        return value is True
    if isinstance(cond, n.Has):
        wanted = {str(v.value) for v in cond.values}
        if cond.mode == "all":
            return wanted <= value
        return bool(wanted & value)  # `has v` and `has any {..}`
    if isinstance(cond, n.InSet):
        inside = value in {v.value for v in cond.values}
        return inside != cond.negated
    assert isinstance(cond, n.Compare)
    other = cond.value.value
    if fact.kind.value == "ordered":  # compare positions in the declared order
        value, other = fact.values.index(value), fact.values.index(other)
    return {
        "=": value == other,
        "!=": value != other,
        "<": value < other,
        "<=": value <= other,
        ">": value > other,
        ">=": value >= other,
    }[cond.op]


class Reference:
    """The answer for one profile, by the semantics page."""

    def __init__(self, kb: KnowledgeBase, profile: Mapping[str, Any]) -> None:
        self.kb = kb
        self.profile = {k: v for k, v in profile.items() if v is not None}
        self.outcome = {rule.id: truth(kb, rule.condition, self.profile) for rule in kb.rules}
        self.fired = [r for r in kb.rules if self.outcome[r.id] is True]
        self.pending = [r for r in kb.rules if self.outcome[r.id] is None]

    def levels(self, technique: str, site: str | None) -> tuple[int, int]:
        def most(rules: list[Any]) -> int:
            return max(
                (
                    LEVEL[a.kind.value]
                    for r in rules
                    for a in r.actions
                    if a.kind.value in LEVEL and counts(self.kb, a, technique, site)
                ),
                default=0,
            )

        floor = most(self.fired)
        return floor, max(floor, most(self.pending))

    def verdict(self, technique: str, site: str | None = None) -> str:
        floor, ceiling = self.levels(technique, site)
        return "undetermined" if ceiling > floor else NAMES[floor]

    def verdicts(self) -> dict[str, str]:
        return {t: self.verdict(t) for t in self.kb.techniques}

    def site_verdicts(self, technique: str) -> dict[str, str]:
        """Line 3: sites some fired or pending action on the technique names, those below them,
        and the others whose verdict is not the one without a site."""
        named = {
            a.site
            for r in (*self.fired, *self.pending)
            for a in r.actions
            if a.kind.value in LEVEL
            and a.site is not None
            and (
                _permission_reaches(self.kb.techniques, a.technique, technique)
                if LEVEL[a.kind.value] < 3
                else a.technique in _up(self.kb.techniques, technique)
            )
        }
        plain = self.verdict(technique)
        out = {}
        for site in self.kb.sites:
            here = self.verdict(technique, site)
            if named & set(_up(self.kb.sites, site)) or here != plain:
                out[site] = here
        return out

    def missing(self) -> list[tuple[str, str]]:
        """Line 10: (fact, stakes), most decisive first."""
        stakes: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for rule in self.pending:
            best = None
            for a in rule.actions:
                kind = a.kind.value
                if kind in LEVEL:
                    floor, _ = self.levels(a.technique, a.site)
                    if LEVEL[kind] <= floor:
                        continue
                    label = kind
                elif kind == "refer":
                    label = f"{a.urgency} referral"
                else:
                    label = {"require": "requirement", "advise": "advice", "doubt": "doubt"}[kind]
                rank = STAKES.index(label)
                best = rank if best is None else min(best, rank)
            if best is None:
                continue
            for fact in _facts(rule.condition):
                if fact not in self.profile:
                    stakes[fact] = min(stakes.get(fact, best), best)
                    waiting[fact] = waiting.get(fact, 0) + 1

        def group(rank: int) -> int:
            label = STAKES[rank]
            if label == "urgent referral":
                return 0
            if label == "contraindicate":
                return 1
            return 2 if label in ("caution", "requirement") else 3

        order = list(self.kb.facts)
        ranked = sorted(
            stakes,
            key=lambda f: (
                self.kb.facts[f].session,
                group(stakes[f]),
                -waiting[f],
                order.index(f),
            ),
        )
        return [(f, STAKES[stakes[f]]) for f in ranked]

    def unused_facts(self) -> list[str]:
        """Line 12: given facts that change no rule's outcome when left out."""
        out = []
        for fact in self.kb.facts:
            if fact not in self.profile:
                continue
            without = {k: v for k, v in self.profile.items() if k != fact}
            if all(
                truth(self.kb, r.condition, without) == self.outcome[r.id]
                for r in self.kb.rules
                if fact in _facts(r.condition)
            ):
                out.append(fact)
        return out
