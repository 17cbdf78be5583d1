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

__all__ = [
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
    """A technique or a body site, with its place in the hierarchy."""

    name: str
    parent: str | None
    ancestors: tuple[str, ...]  # nearest first, not including itself
    description: str | None = None
    ruleset: str = ""
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


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

    @property
    def level(self) -> int:
        """How restrictive a verdict action is (0 for the other kinds)."""
        return VERDICT_LEVEL.get(self.kind, 0)

    def describe(self) -> str:
        """The action as it would be written."""
        if self.kind is ActionKind.REFER:
            return f'refer {self.urgency} "{self.note}"'
        if self.kind is ActionKind.REQUIRE:
            return f"require {self.requirement}"
        if self.kind is ActionKind.ADVISE:
            return f'advise "{self.note}"'
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
