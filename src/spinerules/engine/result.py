"""What an evaluation returns: verdicts, and everything needed to explain them.

All classes here are immutable. `Result` computes its explanations lazily from the fired and
pending rules, so screening that only asks for verdicts does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, overload

import attrs

from ..model.model import BY_LEVEL, RESTRICTIVE, VERDICT_OF, ActionKind, Rule, Verdict
from .cards import Card, build_cards
from .logic import kleene

if TYPE_CHECKING:
    from ..model.profile import Normal
    from .kb import KnowledgeBase

__all__ = [
    "Advice",
    "Assessment",
    "Disagreement",
    "FiredAction",
    "MissingFact",
    "Override",
    "Reason",
    "Referral",
    "Requirement",
    "Result",
    "Verdict",
]


@attrs.frozen
class Reason:
    """One fired (or pending) rule's action, with where it comes from."""

    rule_id: str
    action: str  # as written: "contraindicate massage at lumbar_spine"
    kind: str  # contraindicate, caution, recommend, allow, refer, require, advise
    technique: str | None
    site: str | None
    note: str | None
    text: str | None  # the rule's `because`
    ruleset: str
    document: str | None
    section: str | None
    quote: str | None
    location: str  # file:line:col
    #: every citation of the rule, (section, quote); `section`/`quote` above are the first
    cites: tuple[tuple[str | None, str], ...] = ()
    #: the rule applies a statement `document` makes about one condition to every patient, as
    #: a safety-first reading (`generalizes`), instead of stating what the document says
    generalized: bool = False
    topic: str | None = None  # advice: its topic (`advise TOPIC "..."`)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "action": self.action,
            "kind": self.kind,
            "technique": self.technique,
            "site": self.site,
            "note": self.note,
            "text": self.text,
            "ruleset": self.ruleset,
            "document": self.document,
            "section": self.section,
            "quote": self.quote,
            "location": self.location,
            "cites": [list(c) for c in self.cites],
            "generalized": self.generalized,
            "topic": self.topic,
        }


def _plain(obj: Any) -> dict[str, Any]:
    """An attrs instance as a JSON-ready dict (tuples, nested too, become lists)."""
    return attrs.asdict(obj, value_serializer=lambda _i, _f, v: _lists(v))


def _lists(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_lists(v) for v in value]
    return value


class Override(NamedTuple):
    """A permissive action that fired but lost to more restrictive ones.

    A named tuple, like `Assessment`: a result builds many of them, so they must be cheap."""

    permissive: Reason
    by: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"permissive": self.permissive.to_dict(), "by": [r.to_dict() for r in self.by]}


@attrs.frozen
class Disagreement:
    """Two documents disagree for this patient. Three kinds:

    - `verdict`: one recommends or allows a technique, the other cautions or contraindicates it
      (or an ancestor of it), and the permissive one's own document does not restrict it too.
      `technique` is the first technique where the permissive action loses; `techniques`
      lists them all.
    - `benefit`: one recommends or allows a technique and that decides its verdict, the other
      doubts its benefit (`doubt`); `restrictive` is the doubt.
    - `advice`: both advise on the same `topic`; `permissive` and `restrictive` are the two
      pieces of advice in rule order, and `technique` is None.
    """

    technique: str | None
    site: str | None
    permissive: Reason
    restrictive: Reason
    techniques: tuple[str, ...] = ()
    kind: str = "verdict"
    topic: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "technique": self.technique,
            "techniques": list(self.techniques),
            "site": self.site,
            "topic": self.topic,
            "permissive": self.permissive.to_dict(),
            "restrictive": self.restrictive.to_dict(),
        }


@attrs.frozen
class Referral:
    urgency: str  # urgent | routine
    to: str
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {"urgency": self.urgency, "to": self.to, "reason": self.reason.to_dict()}


@attrs.frozen
class Requirement:
    name: str
    text: str | None
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "text": self.text, "reason": self.reason.to_dict()}


@attrs.frozen
class Advice:
    text: str
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "reason": self.reason.to_dict()}


@attrs.frozen
class MissingFact:
    """A question to ask next: an unknown fact that could change the result."""

    fact: str
    kind: str
    allowed: str  # in words
    values: tuple[str, ...]  # the enum/ordered/set values, or () for ints and bools
    description: str | None
    rules: tuple[str, ...]  # pending rules waiting for it
    #: the most serious thing it could bring: "contraindicate", "urgent referral", "caution",
    #: "requirement", "routine referral", "recommend", "allow" or "advice"
    stakes: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


class Assessment(NamedTuple):
    """Everything behind one technique's verdict (optionally at a site).

    A named tuple rather than an attrs class: `Result.assessments()` builds one per technique
    for every patient, and a tuple is several times cheaper to build. Compare fields, not
    positions: the field order is not part of the API."""

    technique: str
    site: str | None
    verdict: Verdict
    floor: Verdict  # what the fired rules decide
    ceiling: Verdict  # the most restrictive the pending rules could make it
    reasons: tuple[Reason, ...]  # fired actions at the deciding level
    fired: tuple[Reason, ...]  # every fired action reaching it
    pending: tuple[Reason, ...]  # pending actions that could make it more restrictive
    overridden: tuple[Override, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "site": self.site,
            "verdict": self.verdict.value,
            "floor": self.floor.value,
            "ceiling": self.ceiling.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "pending": [r.to_dict() for r in self.pending],
            "overridden": [o.to_dict() for o in self.overridden],
        }


#: what a pending action could bring, most serious first: (rank, label); see
#: docs/semantics.md, line 9
_STAKES = {
    ActionKind.CONTRAINDICATE: (8, "contraindicate"),
    ActionKind.CAUTION: (7, "caution"),
    ActionKind.REQUIRE: (6, "requirement"),
    ActionKind.RECOMMEND: (4, "recommend"),
    ActionKind.ALLOW: (3, "allow"),
    ActionKind.ADVISE: (2, "advice"),
    ActionKind.DOUBT: (1, "doubt"),
}
_URGENT = (9, "urgent referral")
_ROUTINE = (5, "routine referral")


def _stakes(kind: ActionKind, urgency: str | None) -> tuple[int, str]:
    if kind is ActionKind.REFER:
        return _URGENT if urgency == "urgent" else _ROUTINE
    return _STAKES[kind]


def _group(rank: int) -> int:
    """The ordering group of a stake: an urgent referral, then a contraindication, then a
    caution or requirement, then the rest."""
    return 4 if rank >= 9 else 3 if rank >= 8 else 2 if rank >= 6 else 1


#: one verdict action as an explanation sees it: (level, reason)
Entry = tuple[int, Reason]

#: how many assessments a knowledge base remembers (see `Result.assessments`)
MEMO_SIZE = 1 << 16
#: each verdict's text (reading `.value` of an enum member goes through a descriptor)
_VERDICT_TEXT = {v: v.value for v in Verdict}


def _assess(
    technique: str, site: str | None, fired: list[Entry], pending: list[Entry] | None
) -> Assessment:
    """The one rule of docs/semantics.md, lines 1, 4 and 9: a technique's assessment from the
    actions that count for it (at `site`), each list in rule order."""
    lo = 0
    low = 9
    every_list: list[Reason] = []
    for level, reason in fired:
        every_list.append(reason)
        if level > lo:
            lo = level
        if level < low:
            low = level
    every = tuple(every_list)
    overridden: tuple[Override, ...] = ()
    if low >= lo:  # all at one level (or none fired)
        reasons = every
    else:
        reasons = tuple([e[1] for e in fired if e[0] == lo])
        if lo >= RESTRICTIVE and low < RESTRICTIVE:
            overridden = tuple(
                [_new(Override, (e[1], reasons)) for e in fired if e[0] < RESTRICTIVE]
            )
    hi = lo
    waiting: tuple[Reason, ...] = ()
    if pending:
        waiting = tuple([e[1] for e in pending if e[0] > lo])
        hi = max(lo, *[e[0] for e in pending])
    floor = BY_LEVEL[lo]
    verdict = Verdict.UNDETERMINED if hi > lo else floor
    return _new(
        Assessment,
        (technique, site, verdict, floor, BY_LEVEL[hi], reasons, every, waiting, overridden),
    )


_new = tuple.__new__


def blank_assessment(technique: str) -> Assessment:
    """The assessment of a technique that no fired or pending rule reaches."""
    return _assess(technique, None, [], None)


def lone_assessment(technique: str, entry: Entry) -> Assessment:
    """The assessment of a technique that one fired action reaches, and nothing else."""
    return _assess(technique, None, [entry], None)


class FiredAction(NamedTuple):
    """One action of a fired rule, as written: `Result.fired_actions`."""

    rule: str  # the rule's id
    kind: str  # contraindicate, caution, recommend, allow, doubt, refer, require, advise
    technique: str | None  # the technique it names (verdict actions and doubts)
    site: str | None  # the site it names, if any


_T = TypeVar("_T")


class _lazy(Generic[_T]):
    """A value computed on first access and kept in the instance's `__dict__`, where later
    reads find it without calling anything (`functools.cached_property` takes a lock on every
    first access in Python 3.11). Two threads may both compute it the first time; the values
    are equal and immutable, so either may stay."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> _lazy[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> _T: ...
    def __get__(self, obj: object | None, owner: type) -> _T | _lazy[_T]:
        if obj is None:
            return self
        value = self._compute(obj)
        obj.__dict__[self._name] = value
        return value


class Result:
    """The answer for one patient. Immutable; explanations are computed on first use."""

    _kb: KnowledgeBase
    _values: tuple[Normal, ...]
    _complete: bool

    def __init__(self, kb: KnowledgeBase, values: tuple[Normal, ...]) -> None:
        """`values`: the checked profile. Nothing is evaluated yet: verdicts come from the
        generated screening code, fired and pending rules from the generated rule tests,
        each when first asked for."""
        own = self.__dict__
        own["_kb"] = kb
        own["_values"] = values
        own["_complete"] = None not in values

    @_lazy
    def _fired(self) -> tuple[int, ...]:
        """The fired rules' indexes, in rule order."""
        if self._complete:
            return tuple(self._kb.program.fire_complete(self._values))
        return self._ran[0]

    @_lazy
    def _pending(self) -> tuple[int, ...]:
        """The pending rules' indexes, in rule order (none for a complete profile)."""
        return () if self._complete else self._ran[1]

    @_lazy
    def _ran(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        fired, pending = self._kb.program.fire_partial(self._values)
        return tuple(fired), tuple(pending)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Result is immutable: cannot set `{name}`")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Result is immutable: cannot delete `{name}`")

    # ---- verdicts -------------------------------------------------------------------------

    @property
    def knowledge_base(self) -> KnowledgeBase:
        return self._kb

    @_lazy
    def _levels(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(floor, ceiling) level per technique, unqualified actions only (from the generated
        code)."""
        prog = self._kb.program
        if self._complete:
            levels = prog.levels_complete(self._values)
            return levels, levels
        return prog.levels_partial(self._values)

    @_lazy
    def _sited(self) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """The fired and the pending actions at a site: (technique, site, level) as named."""
        prog = self._kb.program
        entries, rule_entries = prog.entries, prog.rule_entries
        out: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]] = ([], [])
        for rules, found in ((self._fired, out[0]), (self._pending, out[1])):
            for r in rules:
                for number in rule_entries[r]:
                    _, t, site, level, _ = entries[number]
                    if site >= 0:
                        found.append((t, site, level))
        return out

    def _t(self, technique: str) -> int:
        index = self._kb.technique_index.get(technique) if isinstance(technique, str) else None
        if index is None:
            raise self._kb.unknown_name("technique", technique)
        return index

    def _s(self, site: str) -> int:
        index = self._kb.site_index.get(site) if isinstance(site, str) else None
        if index is None:
            raise self._kb.unknown_name("site", site)
        return index

    def _floor_ceiling(self, t: int, at: str | None) -> tuple[int, int]:
        floor, ceiling = self._levels
        lo, hi = floor[t], ceiling[t]
        if at is None:
            return lo, hi
        prog = self._kb.program
        where = self._s(at)
        if not prog.site_tree.open(where):
            # permissive actions without a site do not reach an explicit site (or one below
            # it); restrictive levels are above every permissive one, so what is left of the
            # unqualified levels is either restrictive or nothing
            lo = lo if lo >= RESTRICTIVE else 0
            hi = hi if hi >= RESTRICTIVE else 0
        techniques, sites = prog.technique_tree, prog.site_tree
        fired, pending = self._sited
        for level_list, both in ((fired, True), (pending, False)):
            for named, site, level in level_list:
                if level <= hi and (not both or level <= lo):
                    continue
                permissive = level < RESTRICTIVE
                if techniques.reaches(named, t, permissive) and sites.reaches(
                    site, where, permissive
                ):
                    if both and level > lo:
                        lo = level
                    if level > hi:
                        hi = level
        return lo, hi

    def verdict(self, technique: str, at: str | None = None) -> Verdict:
        """The technique's verdict; with `at`, counting actions at that site and its ancestors."""
        lo, hi = self._floor_ceiling(self._t(technique), at)
        return Verdict.UNDETERMINED if hi > lo else BY_LEVEL[lo]

    def verdicts(self) -> dict[str, Verdict]:
        """Every technique's verdict (no site), in declaration order."""
        if "_levels" not in self.__dict__:  # the screening code says it all
            prog = self._kb.program
            if self._complete:
                return prog.screen_complete(self._values)
            return prog.screen_partial(self._values)
        floor, ceiling = self._levels
        return {
            name: Verdict.UNDETERMINED if ceiling[i] > floor[i] else BY_LEVEL[floor[i]]
            for i, name in enumerate(self._kb.program.techniques)
        }

    def site_verdicts(self, technique: str) -> dict[str, Verdict]:
        """The technique's verdict at each site where some fired or pending rule speaks of it
        (and the sites below it), and at each explicit site (or one below it) where the verdict
        is not the unqualified one because a permission without a site does not reach there."""
        t = self._t(technique)
        prog = self._kb.program
        techniques, sites = prog.technique_tree, prog.site_tree
        fired, pending = self._sited
        named = {
            site
            for found in (fired, pending)
            for tt, site, level in found
            if techniques.reaches(tt, t, level < RESTRICTIVE)
        }
        plain = self.verdict(technique)
        out = {}
        for i, site in enumerate(prog.sites):
            if any(sites.above(n, i) for n in named):
                out[site] = self.verdict(technique, at=site)
            elif not sites.open(i):
                here = self.verdict(technique, at=site)
                if here is not plain:
                    out[site] = here
        return out

    # ---- explanations ---------------------------------------------------------------------

    def _reason(self, r: int, a: int) -> Reason:
        return self._kb.reason(r, a)

    def _counting(self, t: int, at: str | None) -> tuple[list[Entry], list[Entry]]:
        """The fired and the pending actions that `verdict(t, at=at)` counts, in rule order."""
        kb = self._kb
        prog = kb.program
        entries, rule_entries = prog.entries, prog.rule_entries
        techniques, sites = prog.technique_tree, prog.site_tree
        where = self._s(at) if at is not None else -1
        plain_permits = where < 0 or sites.open(where)
        table = kb.explain_table
        out: tuple[list[Entry], list[Entry]] = ([], [])
        for rules, found in ((self._fired, out[0]), (self._pending, out[1])):
            for r in rules:
                for number in rule_entries[r]:
                    _, named, site, level, _ = entries[number]
                    permissive = level < RESTRICTIVE
                    if not techniques.reaches(named, t, permissive):
                        continue
                    if site < 0:
                        if not permissive or plain_permits:
                            found.append(table[number])
                    elif where >= 0 and sites.reaches(site, where, permissive):
                        found.append(table[number])
        return out

    def assessment(self, technique: str, at: str | None = None) -> Assessment:
        """The verdict with everything behind it: fired, pending and overridden actions."""
        fired, pending = self._counting(self._t(technique), at)
        return _assess(technique, at, fired, pending)

    def assessments(self) -> dict[str, Assessment]:
        """Every technique's assessment (no site), in declaration order: the same as
        `assessment(t)` for each, in one pass. The actions reaching each technique are found
        by walking the technique tree once, parents first (a technique gets its parent's list,
        without the permissive actions if it is explicit, and the actions naming it). Equal
        assessments of complete profiles are shared: the knowledge base remembers them by the
        actions that decided them."""
        kb = self._kb
        prog = kb.program
        names = prog.techniques
        table = kb.explain_table
        fired = prog.push_entries(self._naming(self._fired))
        pending = prog.push_entries(self._naming(self._pending)) if self._pending else ()
        out = dict(kb.blank_assessments)
        memo = kb.assessed
        alone = kb.alone_assessed
        for t, numbers in enumerate(fired):
            waiting = pending[t] if pending else ()
            if waiting:
                key: tuple[Any, ...] = (t, numbers, waiting)  # the complete case's are flat
                judged = memo.get(key)
                if judged is None:
                    judged = _assess(
                        names[t], None, [table[x] for x in numbers], [table[x] for x in waiting]
                    )
                    if len(memo) >= MEMO_SIZE:
                        memo.clear()
                    memo[key] = judged
                out[names[t]] = judged
            elif not numbers:
                continue
            elif len(numbers) == 1:  # one action alone: built once per knowledge base
                judged = alone.get((t, numbers[0]))
                out[names[t]] = judged if judged is not None else kb.alone(t, numbers[0])
            else:
                key = (t, *numbers)
                judged = memo.get(key)
                if judged is None:
                    judged = _assess(names[t], None, [table[x] for x in numbers], None)
                    if len(memo) >= MEMO_SIZE:
                        memo.clear()
                    memo[key] = judged
                out[names[t]] = judged
        return out

    def _naming(self, rules: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Per technique, the numbers of these rules' entries without a site that name it."""
        prog = self._kb.program
        entries, rule_entries = prog.entries, prog.rule_entries
        found: list[list[int]] = [[] for _ in prog.techniques]
        for r in rules:
            for number in rule_entries[r]:
                entry = entries[number]
                if entry[2] < 0:
                    found[entry[1]].append(number)
        return [tuple(numbers) for numbers in found]

    def reasons(self, technique: str, at: str | None = None) -> tuple[Reason, ...]:
        """The fired rules behind the verdict: those at the deciding level."""
        if at is None and not self._levels[0][self._t(technique)]:
            return ()
        return self.assessment(technique, at).reasons

    def overridden(self, technique: str, at: str | None = None) -> tuple[Override, ...]:
        """Permissive actions that fired but lost to restrictive ones, with what beat them."""
        return self.assessment(technique, at).overridden

    def _actions(self, kind: ActionKind) -> list[tuple[int, int]]:
        """(rule, action index) of each fired action of this kind, in rule order."""
        of_rule = self._kb.actions_of_kind[kind]
        return [(r, a) for r in self._fired for a in of_rule[r]]

    @_lazy
    def referrals(self) -> tuple[Referral, ...]:
        rules = self._kb.model.rules
        out = []
        for r, a in self._actions(ActionKind.REFER):
            action = rules[r].actions[a]
            assert action.urgency is not None and action.note is not None
            out.append(Referral(action.urgency, action.note, self._reason(r, a)))
        out.sort(key=lambda ref: ref.urgency != "urgent")
        return tuple(out)

    @_lazy
    def requirements(self) -> tuple[Requirement, ...]:
        rules = self._kb.model.rules
        out = []
        for r, a in self._actions(ActionKind.REQUIRE):
            action = rules[r].actions[a]
            assert action.requirement is not None
            out.append(Requirement(action.requirement, action.note, self._reason(r, a)))
        return tuple(out)

    @_lazy
    def advice(self) -> tuple[Advice, ...]:
        rules = self._kb.model.rules
        out = []
        for r, a in self._actions(ActionKind.ADVISE):
            note = rules[r].actions[a].note
            assert note is not None
            out.append(Advice(note, self._reason(r, a)))
        return tuple(out)

    @_lazy
    def disagreements(self) -> tuple[Disagreement, ...]:
        """Where two documents disagree for this patient (see `Disagreement`): verdicts (a
        permission of one lost to a restriction of another, looked at without a site and at
        every site, unless the permission's own document restricts it too), benefit (a deciding
        permission of one, a `doubt` of another) and advice on one topic."""
        return (*self._verdict_disagreements(), *self._benefit_disagreements(), *self._topics())

    def _verdict_disagreements(self) -> list[Disagreement]:
        kb = self._kb
        prog = kb.program
        entries, rule_entries = prog.entries, prog.rule_entries
        found: dict[tuple[Reason, Reason], list[tuple[str, str | None]]] = {}
        # a permission is overridden only where it counts and a restriction fired: look only
        # at the techniques some fired permission reaches, and there only where the floor is
        # restrictive (most patients have no such place, and the search ends here)
        permitted: set[int] = set()
        for r in self._fired:
            for number in rule_entries[r]:
                _, named, _, level, _ = entries[number]
                if level < RESTRICTIVE:
                    permitted.update(prog.technique_tree.below(named, permissive=True))
        for t, technique in enumerate(prog.techniques):
            if t not in permitted:
                continue
            for site in (None, *prog.sites):
                if self._floor_ceiling(t, site)[0] < RESTRICTIVE:
                    continue
                judged = self.assessment(technique, site)
                if not judged.overridden:
                    continue
                beaten_by = [x for x in judged.fired if _restricts(x)]
                restricting = {x.document for x in beaten_by}
                for loss in judged.overridden:
                    if loss.permissive.document in restricting:
                        continue  # its own document restricts it here too: no disagreement
                    for winner in beaten_by:
                        where = found.setdefault((loss.permissive, winner), [])
                        where.append((technique, site))
        out = []
        for (permissive, restrictive), where in found.items():
            sites = [s for _, s in where]
            out.append(
                Disagreement(
                    technique=where[0][0],
                    site=None if None in sites else sites[0],
                    permissive=permissive,
                    restrictive=restrictive,
                    techniques=tuple(dict.fromkeys(t for t, _ in where)),
                )
            )
        return out

    def _benefit_disagreements(self) -> list[Disagreement]:
        found: dict[tuple[Reason, Reason], list[str]] = {}
        for technique in self._kb.program.techniques:
            doubts = [d for d in self.doubts(technique) if d.site is None]
            if not doubts:
                continue
            judged = self.assessment(technique)
            if not 0 < judged.verdict.level < RESTRICTIVE:
                continue  # only a permission that decides the verdict is in doubt
            for permission in judged.reasons:
                for doubt in doubts:
                    if doubt.document != permission.document:
                        found.setdefault((permission, doubt), []).append(technique)
        return [
            Disagreement(
                technique=where[0],
                site=None,
                permissive=permission,
                restrictive=doubt,
                techniques=tuple(where),
                kind="benefit",
            )
            for (permission, doubt), where in found.items()
        ]

    def _topics(self) -> list[Disagreement]:
        by_topic: dict[str, list[Reason]] = {}
        for advice in self.advice:
            if advice.reason.topic is not None:
                by_topic.setdefault(advice.reason.topic, []).append(advice.reason)
        out = []
        for topic, said in by_topic.items():
            for i, first in enumerate(said):
                for second in said[i + 1 :]:
                    if first.document != second.document:
                        out.append(
                            Disagreement(
                                technique=None,
                                site=None,
                                permissive=first,
                                restrictive=second,
                                kind="advice",
                                topic=topic,
                            )
                        )
        return out

    def doubts(self, technique: str) -> tuple[Reason, ...]:
        """Fired `doubt` actions on the technique or an ancestor of it (at any site): a document
        doubts its benefit for this patient. A doubt never changes a verdict."""
        self._t(technique)
        reach = self._kb.techniques[technique].reached_by
        return tuple(
            self._reason(r, a)
            for r, a in self._actions(ActionKind.DOUBT)
            if self._kb.model.rules[r].actions[a].technique in reach
        )

    @_lazy
    def unused_facts(self) -> tuple[str, ...]:
        """Facts the caller gave that no rule read for this patient: giving them or leaving them
        out makes no rule's outcome (fired, silent, pending) different. A red flag typed in for
        a knowledge base that has no rule on red flags for this patient's condition is one."""
        prog = self._kb.program
        lowered = prog.lowered
        values = self._values
        outcomes: dict[int, bool | None] = {}
        used: set[int] = set()
        for r, slots in enumerate(prog.rule_slots):
            for slot in slots:
                if values[slot] is None or slot in used:
                    continue
                if r not in outcomes:
                    outcomes[r] = kleene(lowered[r], values)
                hidden = list(values)
                hidden[slot] = None
                if kleene(lowered[r], hidden) is not outcomes[r]:
                    used.add(slot)
        return tuple(
            name
            for slot, name in enumerate(prog.slots)
            if values[slot] is not None and slot not in used
        )

    @_lazy
    def missing(self) -> tuple[MissingFact, ...]:
        """Unknown facts that could change a verdict, referral, requirement or advice; most
        decisive first."""
        kb = self._kb
        # it depends on the fired and pending rules and on which facts are unknown only: the
        # knowledge base remembers it by those (registers repeat their situations)
        key = (self._fired, self._pending, tuple([v is None for v in self._values]))
        found = kb.missing_memo.get(key)
        if found is None:
            found = self._missing()
            if len(kb.missing_memo) >= MEMO_SIZE:
                kb.missing_memo.clear()
            kb.missing_memo[key] = found
        return found

    def _missing(self) -> tuple[MissingFact, ...]:
        kb = self._kb
        prog = kb.program
        floor, _ = self._levels
        stakes: dict[int, tuple[int, str]] = {}
        waiting: dict[int, list[str]] = {}
        for r in self._pending:
            rule = kb.model.rules[r]
            best = (0, "")
            for action in rule.actions:
                if action.level:
                    assert action.technique is not None
                    t = kb.technique_index[action.technique]
                    # an action no more restrictive than what the verdict it counts in (at its
                    # technique and site) already is cannot change anything
                    if action.site is None:
                        base = floor[t]
                    else:
                        base = self._floor_ceiling(t, action.site)[0]
                    if action.level <= base:
                        continue
                best = max(best, _stakes(action.kind, action.urgency))
            if not best[0]:
                continue
            for slot in prog.rule_slots[r]:
                if self._values[slot] is None:
                    stakes[slot] = max(stakes.get(slot, best), best)
                    waiting.setdefault(slot, []).append(rule.id)
        facts = kb.model.facts
        order = sorted(
            stakes,
            key=lambda s: (
                facts[prog.slots[s]].session,  # day-of-session details after the screening
                -_group(stakes[s][0]),
                -len(waiting[s]),
                s,
            ),
        )
        out = []
        for slot in order:
            fact = kb.model.facts[prog.slots[slot]]
            out.append(
                MissingFact(
                    fact=fact.name,
                    kind=fact.kind.value,
                    allowed=fact.allowed(),
                    values=fact.values,
                    description=fact.description,
                    rules=tuple(waiting[slot]),
                    stakes=stakes[slot][1],
                )
            )
        return tuple(out)

    # ---- rule-level view ------------------------------------------------------------------

    @_lazy
    def fired(self) -> tuple[Rule, ...]:
        """The rules whose conditions are true, in rule order."""
        rules = self._kb.model.rules
        return tuple([rules[r] for r in self._fired])

    @_lazy
    def pending(self) -> tuple[Rule, ...]:
        """The rules whose conditions are unknown for lack of facts."""
        rules = self._kb.model.rules
        return tuple([rules[r] for r in self._pending])

    @_lazy
    def fired_actions(self) -> tuple[FiredAction, ...]:
        """Every action of every fired rule, as written (rule id, kind, technique, site), in
        rule order: the cheapest complete account of what fired, read from a table built
        once per knowledge base. What each technique inherits through the hierarchies, and
        which action decides, is in `assessments()`."""
        later = self._kb.program.later
        if self._complete:
            return tuple(later.acts(self._values))
        table = later.action_table
        return tuple(chain.from_iterable(map(table.__getitem__, self._fired)))

    @property
    def facts(self) -> Mapping[str, Any]:
        """The known facts, as given (sets as sorted lists)."""
        return self._kb.facts_as_given(self._values)

    def to_dict(self, compact: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; the schema is documented in docs/api.md. `compact`: for bulk
        output, the verdicts, the rules deciding each (for an undetermined verdict, those
        waiting), the facts to ask for, referrals and requirements, by rule id, without the
        citations (which the rule ids lead to) and without the explanations."""
        if compact:
            return self._compact()
        techniques: dict[str, Any] = {}
        for name, judged in self.assessments().items():
            entry = judged.to_dict()
            del entry["technique"], entry["site"]
            entry["sites"] = {s: v.value for s, v in self.site_verdicts(name).items()}
            entry["doubts"] = [d.to_dict() for d in self.doubts(name)]
            techniques[name] = entry
        return {
            "knowledge_base": self._kb.name,
            "general_screening": self._kb.general_screening,
            "facts": dict(self.facts),
            "unused_facts": list(self.unused_facts),
            "verdicts": techniques,
            "referrals": [r.to_dict() for r in self.referrals],
            "requirements": [r.to_dict() for r in self.requirements],
            "advice": [a.to_dict() for a in self.advice],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "missing": [m.to_dict() for m in self.missing],
            "fired": [r.id for r in self.fired],
            "pending": [r.id for r in self.pending],
            "fingerprint": self._kb.fingerprint,
            "cards": [c.to_dict() for c in self.cards()],
        }

    @_lazy
    def _cards(self) -> tuple[Card, ...]:
        return build_cards(self)

    def cards(self) -> tuple[Card, ...]:
        """The result as a few findings, most important first: one card per rule that
        decides something, an incomplete-screening card listing the questions to ask, a card
        when the general safety screening is not included (see `engine/cards.py`)."""
        return self._cards

    def _compact(self) -> dict[str, Any]:
        rules: dict[str, list[str]] = {}
        verdicts: dict[str, str] = {}
        # the rule ids of a tuple of reasons, by the tuple's id: assessments, and so their
        # tuples, are shared between results (the memo keeps each tuple alive, so ids stay
        # unique)
        ids = self._kb.rule_ids
        for name, judged in self.assessments().items():
            verdict = judged.verdict
            verdicts[name] = _VERDICT_TEXT[verdict]
            deciding = judged.pending if verdict is Verdict.UNDETERMINED else judged.reasons
            if deciding:
                found = ids.get(id(deciding))
                if found is None:
                    if len(ids) >= MEMO_SIZE:
                        ids.clear()
                    found = ids[id(deciding)] = (
                        deciding,
                        tuple(dict.fromkeys(r.rule_id for r in deciding)),
                    )
                rules[name] = list(found[1])
        return {
            "knowledge_base": self._kb.name,
            "fingerprint": self._kb.fingerprint,
            "verdicts": verdicts,
            "rules": rules,
            "missing": [m.fact for m in self.missing],
            "referrals": [
                {"urgency": r.urgency, "to": r.to, "rule": r.reason.rule_id} for r in self.referrals
            ],
            "requirements": [{"name": r.name, "rule": r.reason.rule_id} for r in self.requirements],
        }

    def __repr__(self) -> str:
        decided = {k: v.value for k, v in self.verdicts().items() if v is not Verdict.UNASSESSED}
        return f"<Result {self._kb.name}: {decided}>"


def _restricts(reason: Reason) -> bool:
    """A fired contraindication or caution."""
    verdict = VERDICT_OF.get(ActionKind(reason.kind))
    return verdict is not None and verdict.level >= RESTRICTIVE
