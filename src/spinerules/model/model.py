"""The validated model of a knowledge base: what `validate.py` produces and the compiler consumes.

Names here are resolved and checked; conditions are the (immutable) syntax nodes of `nodes.py`,
known to be well typed against `facts`.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from enum import StrEnum

import attrs

from .._version import __version__
from ..diagnostics import Diagnostic
from ..syntax.nodes import Condition, TestNode
from ..syntax.source import Source, Span
from ..syntax.unparse import advise_text, refer_text, require_text, verdict_text

__all__ = [
    "BY_LEVEL",
    "RESTRICTIVE",
    "VERDICT_OF",
    "Action",
    "ActionKind",
    "Cite",
    "Fact",
    "FactKind",
    "Hierarchy",
    "Model",
    "Node",
    "Rule",
    "RulesWarning",
    "RulesetInfo",
    "Verdict",
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


class Verdict(StrEnum):
    """A technique's verdict; compare with `Verdict.CONTRAINDICATED` or the plain string.

    The order of the verdicts is written here once: `level`, most restrictive highest."""

    CONTRAINDICATED = "contraindicated"
    CAUTION = "caution"
    RECOMMENDED = "recommended"
    ALLOWED = "allowed"
    UNASSESSED = "unassessed"
    UNDETERMINED = "undetermined"

    def __str__(self) -> str:
        return self.value

    @property
    def level(self) -> int:
        """How restrictive: 4 contraindicated ... 0 unassessed; undetermined is -1."""
        return _LEVEL_OF[self]

    @staticmethod
    def of_level(level: int) -> Verdict:
        """The verdict of a level (0 unassessed ... 4 contraindicated)."""
        return BY_LEVEL[level]


#: the decided verdicts by level, least restrictive first
BY_LEVEL = (
    Verdict.UNASSESSED,
    Verdict.ALLOWED,
    Verdict.RECOMMENDED,
    Verdict.CAUTION,
    Verdict.CONTRAINDICATED,
)
_LEVEL_OF = {v: i for i, v in enumerate(BY_LEVEL)} | {Verdict.UNDETERMINED: -1}

#: Verdict levels from this one up are restrictive (caution, contraindicate); below, permissive.
RESTRICTIVE = Verdict.CAUTION.level

#: The verdict each verdict action gives.
VERDICT_OF: Mapping[ActionKind, Verdict] = {
    ActionKind.ALLOW: Verdict.ALLOWED,
    ActionKind.RECOMMEND: Verdict.RECOMMENDED,
    ActionKind.CAUTION: Verdict.CAUTION,
    ActionKind.CONTRAINDICATE: Verdict.CONTRAINDICATED,
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


@attrs.frozen(eq=False)
class Hierarchy:
    """The techniques (or the sites) of a knowledge base as a forest, and the one statement of
    which actions reach which node (docs/semantics.md, lines 2-3).

    Nodes are numbered in declaration order. Built once in time linear in the number of nodes:
    each node's depth, its place in a depth-first walk (so "A is B or above B" is two
    comparisons, however deep the tree) and its *gate*, the nearest explicit node at or above
    it. A restrictive action on A reaches B when A is B or above it; a permissive one when,
    besides, no explicit node lies below A on the way to B (B included): the gate of B is A, is
    above A, or there is none."""

    names: tuple[str, ...]
    index: Mapping[str, int]
    parents: tuple[int, ...]  # -1: a root
    explicit: tuple[bool, ...]
    depth: tuple[int, ...]
    enter: tuple[int, ...]  # preorder number of the node
    leave: tuple[int, ...]  # one past the preorder number of its last descendant
    gate: tuple[int, ...]  # nearest explicit node at or above it, -1 if none
    preorder: tuple[int, ...]  # nodes parents-first, children in declaration order

    @property
    def edges(self) -> bool:
        """Whether any node has a parent (a flat list needs no walking down)."""
        return any(p >= 0 for p in self.parents)

    @classmethod
    def build(
        cls, names: Sequence[str], parents: Mapping[str, str | None], explicit: Collection[str]
    ) -> Hierarchy:
        """`parents` must form a forest (validation breaks cycles first)."""
        index = {name: i for i, name in enumerate(names)}
        parent = [index.get(parents.get(name) or "", -1) for name in names]
        flags = [name in explicit for name in names]
        children: list[list[int]] = [[] for _ in names]
        for i, up in enumerate(parent):
            if up >= 0:
                children[up].append(i)
        n = len(names)
        depth, enter, leave, gate = [0] * n, [0] * n, [0] * n, [-1] * n
        preorder: list[int] = []
        for root in (i for i in range(n) if parent[i] < 0):
            stack = [(root, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    leave[node] = len(preorder)
                    continue
                enter[node] = len(preorder)
                preorder.append(node)
                up = parent[node]
                depth[node] = depth[up] + 1 if up >= 0 else 0
                gate[node] = node if flags[node] else (gate[up] if up >= 0 else -1)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children[node]))
        return cls(
            names=tuple(names),
            index=index,
            parents=tuple(parent),
            explicit=tuple(flags),
            depth=tuple(depth),
            enter=tuple(enter),
            leave=tuple(leave),
            gate=tuple(gate),
            preorder=tuple(preorder),
        )

    def above(self, a: int, b: int) -> bool:
        """A is B or an ancestor of B: a restrictive action on A reaches B."""
        return self.enter[a] <= self.enter[b] < self.leave[a]

    def permits(self, a: int, b: int) -> bool:
        """A permissive action on A reaches B."""
        if not self.enter[a] <= self.enter[b] < self.leave[a]:
            return False
        g = self.gate[b]
        return g < 0 or self.depth[g] <= self.depth[a]

    def reaches(self, a: int, b: int, permissive: bool) -> bool:
        return self.permits(a, b) if permissive else self.above(a, b)

    def open(self, b: int) -> bool:
        """No explicit node at or above B: a permissive action without a site counts here."""
        return self.gate[b] < 0

    def up(self, b: int) -> Iterator[int]:
        """B and its ancestors, nearest first."""
        while b >= 0:
            yield b
            b = self.parents[b]

    def below(self, a: int, *, permissive: bool) -> list[int]:
        """The nodes an action on A reaches (A first, then its descendants in preorder)."""
        nodes = self.preorder[self.enter[a] : self.leave[a]]
        if not permissive:
            return list(nodes)
        return [b for b in nodes if self.permits(a, b)]


@attrs.frozen
class Node:
    """A technique or a body site, with its place in the hierarchy (`tree`).

    Restrictive actions reach a node from itself and every ancestor (`reached_by`). Permissive
    actions reach it only from `permitted_by`: itself and its ancestors up to, and including,
    the nearest `explicit` one. `open` says that no node from it up to the root is explicit, so
    that a permissive action without a site counts at this site. These are computed from the
    shared `Hierarchy` when asked (a deep chain of nodes stores no chain per node)."""

    name: str
    parent: str | None
    description: str | None = None
    ruleset: str = ""
    span: Span | None = attrs.field(default=None, eq=False, repr=False)
    explicit: bool = False
    tree: Hierarchy | None = attrs.field(default=None, eq=False, repr=False)

    def _line(self) -> list[str]:
        tree = self.tree
        if tree is None:
            return [self.name]
        return [tree.names[i] for i in tree.up(tree.index[self.name])]

    @property
    def ancestors(self) -> tuple[str, ...]:
        """Its ancestors, nearest first."""
        return tuple(self._line()[1:])

    @property
    def reached_by(self) -> tuple[str, ...]:
        """Itself and its ancestors: whose restrictive actions reach it."""
        return tuple(self._line())

    @property
    def permitted_by(self) -> tuple[str, ...]:
        """Itself and its ancestors up to the nearest explicit one: whose permissive actions
        reach it."""
        tree = self.tree
        if tree is None:
            return (self.name,)
        b = tree.index[self.name]
        return tuple(tree.names[a] for a in tree.up(b) if tree.permits(a, b))

    @property
    def open(self) -> bool:
        tree = self.tree
        return tree is None or tree.open(tree.index[self.name])


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
        verdict = VERDICT_OF.get(self.kind)
        return verdict.level if verdict is not None else 0

    @property
    def permissive(self) -> bool:
        """`recommend` or `allow`: it reaches explicit techniques and sites only by name."""
        return 0 < self.level < RESTRICTIVE

    def describe(self) -> str:
        """The action as it would be written (a verdict action without its note, a requirement
        without its text), through the one printer of `syntax/unparse.py`."""
        if self.kind is ActionKind.REFER:
            assert self.urgency is not None and self.note is not None
            return refer_text(self.urgency, self.note)
        if self.kind is ActionKind.REQUIRE:
            assert self.requirement is not None
            return require_text(self.requirement, None)
        if self.kind is ActionKind.ADVISE:
            assert self.note is not None
            return advise_text(self.topic, self.note)
        assert self.technique is not None
        sites = [self.site] if self.site else []
        return verdict_text(self.kind.value, [self.technique], sites, None)


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

    @property
    def label(self) -> str:
        """What a source is shown as: the document's title, else its file, else the name."""
        return self.title or self.document or self.name


@attrs.frozen
class RulesWarning:
    """Something legal but probably unintended; reported by `check`, never raised."""

    code: str
    message: str
    span: Span
    hint: str | None = None

    def diagnostic(self) -> Diagnostic:
        return Diagnostic("warning", self.code, self.message, self.span, self.hint)

    def render(self) -> str:
        return self.diagnostic().render()


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
    technique_tree: Hierarchy
    site_tree: Hierarchy
    #: the files it was built from, the root last (what `use` brought in first)
    sources: tuple[Source, ...] = attrs.field(default=(), eq=False, repr=False)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of what decides every answer: the text of each file, in load order, and the
        version of spinerules that reads them. Equal fingerprints, equal answers."""
        digest = hashlib.sha256(f"spinerules {__version__}\0".encode())
        for source in self.sources:
            data = source.text.encode("utf-8", "surrogatepass")
            digest.update(f"{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def reaches(self, action: Action, technique: str, site: str | None = None) -> bool:
        """Whether a verdict action counts in `verdict(technique, at=site)` (docs/semantics.md,
        lines 2-3; `Hierarchy` says how a technique and a site are reached)."""
        assert action.technique is not None
        techniques, sites = self.technique_tree, self.site_tree
        permissive = action.permissive
        named = techniques.index[action.technique]
        if not techniques.reaches(named, techniques.index[technique], permissive):
            return False
        if site is None:
            return action.site is None
        place = sites.index[site]
        if action.site is None:
            return not permissive or sites.open(place)
        return sites.reaches(sites.index[action.site], place, permissive)
