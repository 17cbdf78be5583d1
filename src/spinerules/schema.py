"""The validated model of a knowledge base: what `validate.py` produces and the compiler consumes.

Names here are resolved and checked; conditions are the (immutable) syntax nodes of `nodes.py`,
known to be well typed against `facts`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from enum import StrEnum

import attrs

from .nodes import Condition, TestNode
from .source import Span
from .unparse import quote

__all__ = [
    "RESTRICTIVE",
    "VERDICT_LEVEL",
    "Action",
    "ActionKind",
    "Cite",
    "Fact",
    "FactKind",
    "Model",
    "Node",
    "Rule",
    "RulesWarning",
    "RulesetInfo",
]


class FactKind(StrEnum):
    ENUM = "enum"
    ORDERED = "ordered"
    INT = "int"
    BOOL = "bool"
    SET = "set"


class ActionKind(StrEnum):
    CONTRAINDICATE = "contraindicate"
    CAUTION = "caution"
    RECOMMEND = "recommend"
    ALLOW = "allow"
    REFER = "refer"
    REQUIRE = "require"
    ADVISE = "advise"
    DOUBT = "doubt"


#: Verdict levels from this one up are restrictive (caution, contraindicate); below, permissive.
RESTRICTIVE = 3

#: How restrictive each verdict action is; higher wins.
VERDICT_LEVEL: Mapping[ActionKind, int] = {
    ActionKind.ALLOW: 1,
    ActionKind.RECOMMEND: 2,
    ActionKind.CAUTION: 3,
    ActionKind.CONTRAINDICATE: 4,
}


@attrs.frozen
class Fact:
    """A declared fact: its kind and domain."""

    name: str
    kind: FactKind
    values: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    description: str | None = None
    ruleset: str = ""
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    #: a day-of-session detail (time since the last meal): asked after the clinical facts
    session: bool = False

    def allowed(self) -> str:
        """What the fact accepts, in words."""
        if self.kind is FactKind.BOOL:
            return "true or false"
        if self.kind is FactKind.INT:
            return f"a whole number from {self.low} to {self.high}"
        listed = ", ".join(self.values)
        if self.kind is FactKind.SET:
            return f"a set of: {listed}"
        if self.kind is FactKind.ORDERED:
            return " < ".join(self.values)
        return listed

    def domain(self) -> tuple[str | int | bool, ...]:
        """Every value a known fact can take (for sets: the elements it may contain)."""
        if self.kind is FactKind.BOOL:
            return (False, True)
        if self.kind is FactKind.INT:
            assert self.low is not None and self.high is not None
            return tuple(range(self.low, self.high + 1))
        return self.values


@attrs.frozen
class Node:
    """A technique or a body site, with its place in the hierarchy.

    Restrictive actions reach a node from itself and every ancestor (`reached_by`). Permissive
    actions reach it only from `permitted_by`: itself and its ancestors up to, and including,
    the nearest `explicit` one (an explicit node is permitted only where it or a node above it
    up to the next explicit node is named). `open` says that no node from it up to the root is
    explicit, so that a permissive action without a site counts at this site."""

    name: str
    parent: str | None
    ancestors: tuple[str, ...]  # nearest first, not including itself
    description: str | None = None
    ruleset: str = ""
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    explicit: bool = False
    permitted_by: tuple[str, ...] = ()  # nearest first, itself included
    open: bool = True

    @property
    def reached_by(self) -> tuple[str, ...]:
        """Itself and its ancestors: whose restrictive actions reach it."""
        return (self.name, *self.ancestors)


@attrs.frozen
class Cite:
    section: str | None
    quote: str


@attrs.frozen
class Action:
    """One action of a rule. Verdict actions name one technique and at most one site (a written
    `{a, b} at {x, y}` becomes one action per pair)."""

    kind: ActionKind
    technique: str | None = None
    site: str | None = None
    note: str | None = None  # verdict note, referral's "to whom", requirement or advice text
    urgency: str | None = None  # referrals
    requirement: str | None = None  # require NAME
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    topic: str | None = None  # advise TOPIC "..."

    @property
    def level(self) -> int:
        """How restrictive a verdict action is (0 for the other kinds)."""
        return VERDICT_LEVEL.get(self.kind, 0)

    @property
    def permissive(self) -> bool:
        """`recommend` or `allow`: it reaches explicit techniques and sites only by name."""
        return 0 < self.level < RESTRICTIVE

    def describe(self) -> str:
        """The action as it would be written."""
        if self.kind is ActionKind.REFER:
            assert self.note is not None
            return f"refer {self.urgency} {quote(self.note)}"
        if self.kind is ActionKind.REQUIRE:
            return f"require {self.requirement}"
        if self.kind is ActionKind.ADVISE:
            assert self.note is not None
            topic = f"{self.topic} " if self.topic else ""
            return f"advise {topic}{quote(self.note)}"
        text = f"{self.kind.value} {self.technique}"
        return text + (f" at {self.site}" if self.site else "")


@attrs.frozen
class Rule:
    id: str
    condition: Condition
    actions: tuple[Action, ...]
    because: str | None
    cites: tuple[Cite, ...]
    ruleset: str
    document: str | None
    facts: tuple[str, ...]  # the facts the condition reads, in order of first use
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    #: the rule applies `document`'s statement about one condition to every patient, as a
    #: safety-first reading (`generalizes "DOCUMENT"`), rather than what the document says
    generalized: bool = False

    @property
    def location(self) -> str:
        return self.span.location() if self.span else self.ruleset


@attrs.frozen
class RulesetInfo:
    """A file's header: what it encodes and how current the encoding is."""

    name: str
    title: str | None
    document: str | None
    version: str | None
    reviewed: datetime.date | None
    studies: tuple[str, ...]
    file: str
    #: one of the rulesets shipped with spinerules (not a file of the user's with that name)
    shipped: bool = False


@attrs.frozen
class RulesWarning:
    """Something legal but probably unintended; reported by `check`, never raised."""

    code: str
    message: str
    span: Span
    hint: str | None = None

    def render(self) -> str:
        text = f"{self.span.location()}: warning: {self.message}\n{self.span.snippet()}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


@attrs.frozen
class Model:
    """A whole validated knowledge base (a root file and everything it uses)."""

    name: str
    facts: Mapping[str, Fact]
    techniques: Mapping[str, Node]
    sites: Mapping[str, Node]
    rules: tuple[Rule, ...]
    rulesets: tuple[RulesetInfo, ...]
    tests: tuple[tuple[str, TestNode], ...]  # (ruleset name, test)
    warnings: tuple[RulesWarning, ...]

    def reaches(self, action: Action, technique: str, site: str | None = None) -> bool:
        """Whether a verdict action counts in `verdict(technique, at=site)`: the one statement
        of which actions reach which technique and site (docs/semantics.md, lines 2-3)."""
        node = self.techniques[technique]
        assert action.technique is not None
        permissive = action.permissive
        if action.technique not in (node.permitted_by if permissive else node.reached_by):
            return False
        if site is None:
            return action.site is None
        place = self.sites[site]
        if action.site is None:
            return not permissive or place.open
        return action.site in (place.permitted_by if permissive else place.reached_by)
