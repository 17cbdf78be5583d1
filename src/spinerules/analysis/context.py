"""State shared by the checks: rule facts, the solver, and the pool of known patients.

The solver holds the domain constraints and, for every rule `r`, a Bool `fire[r]` defined as
the rule's condition; a question ("can r1 and r2 fire together?") is one `check` under
assumptions, so nothing is re-encoded between questions.

The *pool* is a cache of complete patients the solver has produced, each evaluated once by the
engine: before asking the solver whether some patient does X, a check looks for a pooled patient
that already does X (found with bit masks: one int per rule, bit i set when the rule fires for
patient i). A pooled patient is a real witness, so this only saves solver calls; every "no such
patient" answer still comes from the solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import z3  # type: ignore[import-untyped]

from ..engine.kb import KnowledgeBase
from ..engine.result import Result
from ..model.model import RESTRICTIVE, Action, ActionKind, Rule
from .boxes import Box, box
from .encode import Patient, Vars, has_known_tests, make_vars, profile_key, to_profile

__all__ = ["Context", "RuleInfo", "VAction", "action_effect"]


@attrs.frozen
class VAction:
    """A verdict action of a rule."""

    rule: int  # the rule's position in the knowledge base
    index: int  # position in rule.actions
    technique: str
    site: str | None
    level: int  # 1 allow .. 4 contraindicate
    text: str  # as written
    kind: str  # allow, recommend, caution, contraindicate

    @property
    def restrictive(self) -> bool:
        return self.level >= RESTRICTIVE


@attrs.frozen
class RuleInfo:
    index: int
    rule: Rule
    actions: tuple[VAction, ...]
    effects: frozenset[tuple[object, ...]]  # what the rule does, for "same action"
    has_known: bool  # uses `is known` / `is unknown`

    @property
    def id(self) -> str:
        return self.rule.id


def action_effect(action: Action) -> tuple[object, ...]:
    if action.kind is ActionKind.REFER:
        return ("refer", action.urgency, action.note)
    if action.kind is ActionKind.REQUIRE:
        return ("require", action.requirement)
    if action.kind is ActionKind.ADVISE:
        return ("advise", action.note)
    return (action.kind.value, action.technique, action.site)


def _down(up: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Invert "reached from": name -> the names it reaches."""
    out: dict[str, set[str]] = {name: set() for name in up}
    for name, above in up.items():
        for a in above:
            out[a].add(name)
    return {name: frozenset(below) for name, below in out.items()}


class Context:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.program = kb.program
        infos: list[RuleInfo] = []
        for i, rule in enumerate(kb.rules):
            acts = tuple(
                VAction(i, j, a.technique, a.site, a.level, a.describe(), a.kind.value)
                for j, a in enumerate(rule.actions)
                if a.level and a.technique is not None
            )
            infos.append(
                RuleInfo(
                    index=i,
                    rule=rule,
                    actions=acts,
                    effects=frozenset(action_effect(a) for a in rule.actions),
                    has_known=has_known_tests(self.program.lowered[i]),
                )
            )
        self.rules: tuple[RuleInfo, ...] = tuple(infos)
        #: technique/site -> the names whose restrictive actions reach it (itself and its
        #: ancestors), and those whose permissive actions do (`Node.permitted_by`)
        self.tech_up = {t: frozenset(node.reached_by) for t, node in kb.techniques.items()}
        self.site_up = {s: frozenset(node.reached_by) for s, node in kb.sites.items()}
        self.tech_permit = {t: frozenset(node.permitted_by) for t, node in kb.techniques.items()}
        self.site_permit = {s: frozenset(node.permitted_by) for s, node in kb.sites.items()}
        #: technique/site -> the names a permissive action on it reaches (itself included)
        self.tech_permit_down = _down(self.tech_permit)
        self.site_permit_down = _down(self.site_permit)
        self.site_down = _down(self.site_up)
        #: technique -> the restrictive actions on it, with their rules
        self.restrictive: dict[str, list[tuple[int, VAction]]] = {}
        for info in infos:
            for act in info.actions:
                if act.restrictive:
                    self.restrictive.setdefault(act.technique, []).append((info.index, act))
        self.queries = 0

        self.x = make_vars(kb, "x")
        domain = self.x.domain()
        #: each rule's condition as a formula over one complete patient
        self.cond = [self.x.holds(c) for c in self.program.lowered]
        # The main solver knows every rule: fire[i] is rule i's condition, so questions about
        # many rules are asked with assumption literals. The lean solver knows only the domains;
        # questions about one or two rules add their conditions for the one question, which
        # keeps its models (and their extraction) small.
        self.solver = z3.Solver()
        self.solver.add(*domain)
        self.fire = [z3.Bool(f"fire.{i}") for i in range(len(infos))]
        self.nofire = [z3.Not(f) for f in self.fire]
        for i, cond in enumerate(self.cond):
            self.solver.add(self.fire[i] == cond)
        self.lean = z3.Solver()
        self.lean.add(*domain)
        self._boxes: list[Box] | None = None
        self._partial: tuple[z3.Solver, Vars, list[Any]] | None = None

        # the pool of complete patients
        self.patients: list[Patient] = []
        self.fired_sets: list[frozenset[int]] = []
        self.masks = [0] * len(infos)
        self.everyone = 0
        self._seen: dict[tuple[Any, ...], int] = {}
        self._live: dict[int, bool] = {}
        self._results: dict[tuple[Any, ...], Result] = {}

    # ---- structure ----------------------------------------------------------------------

    def counts(self, act: VAction, tech: str, site: str | None) -> bool:
        """Whether `verdict(tech, at=site)` counts the action (`Model.reaches`)."""
        return self.kb.model.reaches(self.kb.rules[act.rule].actions[act.index], tech, site)

    def meeting_tech(self, restrictive: str, permissive: str) -> str | None:
        """A technique whose verdict counts a restrictive action on the first and a permissive
        action on the second (the nearest), or None if there is none."""
        if restrictive in self.tech_up[permissive]:
            return permissive
        if restrictive in self.tech_permit_down[permissive]:
            return restrictive
        return None

    def meeting_site(self, restrictive: str | None, permissive: str | None) -> str | bool | None:
        """A site (None: no site) whose verdict counts a restrictive action at the first and a
        permissive action at the second site (None: without a site), or False if none does."""
        if permissive is None:
            if restrictive is None:
                return None
            return restrictive if self.kb.sites[restrictive].open else False
        if restrictive is None or restrictive in self.site_up[permissive]:
            return permissive
        if restrictive in self.site_permit_down[permissive]:
            return restrictive
        return False

    # ---- the solver ---------------------------------------------------------------------

    def check(self, assumptions: Sequence[Any]) -> Any:
        """A z3 model satisfying the assertions and all the assumptions, or None (proved none)."""
        self.queries += 1
        outcome = self.solver.check(*assumptions)
        if outcome == z3.unsat:
            return None
        if outcome != z3.sat:  # pragma: no cover - the theory is decidable and finite
            raise RuntimeError(f"solver gave up: {self.solver.reason_unknown()}")
        return self.solver.model()

    def solve(self, assumptions: Sequence[Any]) -> Patient | None:
        """A complete patient satisfying all the assumptions (added to the pool), or None."""
        model = self.check(assumptions)
        if model is None:
            return None
        patient = to_profile(model, self.x)
        self.add(patient)
        return patient

    def solve_lean(self, fires: Sequence[int], silent: Sequence[int] = ()) -> Patient | None:
        """A complete patient for whom the `fires` rules fire and the `silent` ones do not
        (added to the pool), or None: proved that there is none."""
        self.queries += 1
        lean = self.lean
        lean.push()
        lean.add(*[self.cond[r] for r in fires], *[z3.Not(self.cond[r]) for r in silent])
        outcome = lean.check()
        model = lean.model() if outcome == z3.sat else None
        lean.pop()
        if outcome not in (z3.sat, z3.unsat):  # pragma: no cover
            raise RuntimeError("solver gave up")
        if model is None:
            return None
        patient = to_profile(model, self.x)
        self.add(patient)
        return patient

    # ---- a cheap proof that two rules never fire together -------------------------------

    def disjoint(self, a: int, b: int) -> bool:
        """True when the rules' conditions need values of some fact that do not overlap, which
        proves that no patient (complete or partial) fires both. False proves nothing."""
        if self._boxes is None:
            self._boxes = [box(c, self.x.facts) for c in self.program.lowered]
        one, two = self._boxes[a], self._boxes[b]
        if len(two) < len(one):
            one, two = two, one
        return any(key in two and not (allowed & two[key]) for key, allowed in one.items())

    def partial(self) -> tuple[z3.Solver, Vars, list[Any]]:
        """A second solver over partial patients (Kleene logic, a known flag per fact)."""
        if self._partial is None:
            vars = make_vars(self.kb, "p", partial=True)
            solver = z3.Solver()
            solver.add(*vars.domain())
            fire = [z3.Bool(f"pfire.{i}") for i in range(len(self.rules))]
            for i, cond in enumerate(self.program.lowered):
                solver.add(fire[i] == vars.fires(cond))
            self._partial = (solver, vars, fire)
        return self._partial

    def solve_partial(self, rules: Iterable[int]) -> Patient | None:
        """A patient, possibly with facts missing, for whom all these rules fire."""
        solver, vars, fire = self.partial()
        self.queries += 1
        outcome = solver.check(*[fire[r] for r in rules])
        if outcome == z3.unsat:
            return None
        if outcome != z3.sat:  # pragma: no cover
            raise RuntimeError(f"solver gave up: {solver.reason_unknown()}")
        return to_profile(solver.model(), vars)

    # ---- the pool -----------------------------------------------------------------------

    def add(self, patient: Patient) -> int:
        key = profile_key(patient, self.program.slots)
        found = self._seen.get(key)
        if found is not None:
            return found
        pid = len(self.patients)
        values = self.kb.check(patient)
        fired = frozenset(self.program.fire_complete(values))
        self.patients.append(patient)
        self.fired_sets.append(fired)
        bit = 1 << pid
        for r in fired:
            self.masks[r] |= bit
        self.everyone |= bit
        self._seen[key] = pid
        return pid

    def first(self, mask: int) -> Patient | None:
        """The first pooled patient in the mask."""
        if not mask:
            return None
        return self.patients[(mask & -mask).bit_length() - 1]

    def any_of(self, rules: Iterable[int]) -> int:
        out = 0
        for r in rules:
            out |= self.masks[r]
        return out

    def evaluate(self, patient: Patient) -> Result:
        """The engine's result for a witness (results are immutable, so each patient is
        evaluated once however many findings it shows)."""
        key = profile_key(patient, self.program.slots)
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = self.kb.evaluate(patient)
        return found

    def live(self, r: int) -> bool:
        """Whether some complete patient fires rule r (asks the solver at most once)."""
        if self.masks[r]:
            return True
        found = self._live.get(r)
        if found is None:
            found = self._live[r] = self.solve_lean([r]) is not None
        return found

    # ---- names for findings -------------------------------------------------------------

    def file_of(self, r: int) -> str:
        rule = self.rules[r].rule
        return rule.span.source.name if rule.span is not None else rule.ruleset

    @property
    def root_file(self) -> str:
        return self.kb.rulesets[-1].file if self.kb.rulesets else self.kb.name
