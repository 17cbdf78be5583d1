"""`KnowledgeBase`: a validated, compiled rule base that answers questions about patients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from ..errors import UnknownNameError
from ..model.load import GENERAL_SCREENING
from ..model.model import Fact, Model, Node, Rule, RulesetInfo, RulesWarning
from ..model.profile import Normal, denormalize, normalize
from ..suggest import did_you_mean
from ..syntax.nodes import TestNode
from .codegen import Program, compile_model
from .result import (
    Assessment,
    Entry,
    Reason,
    Result,
    Verdict,
    blank_assessment,
    lone_assessment,
)

__all__ = ["KnowledgeBase"]


class KnowledgeBase:
    """Thread-safe, and immutable in everything it answers: evaluate as many patients as you
    like, from any thread. It keeps caches of assessments (bounded, cleared when they grow too
    big) that make repeated patterns cheaper and never change an answer."""

    def __init__(self, model: Model) -> None:
        self._model = model
        self._program = compile_model(model)
        self.technique_index = self._program.technique_tree.index
        self.site_index = self._program.site_tree.index
        self._reasons: dict[tuple[int, int], Reason] = {}
        #: assessments of complete profiles, by the technique and the entry numbers that
        #: decided them: patients with the same pattern share one (they are immutable);
        #: cleared when it grows too big
        self.assessed: dict[tuple[int, ...], Assessment] = {}
        #: the assessment of a technique one action alone reaches, by (technique, entry)
        self.alone_assessed: dict[tuple[int, int], Assessment] = {}

    # ---- the schema, for other software and test generators -------------------------------

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def model(self) -> Model:
        return self._model

    @property
    def program(self) -> Program:
        return self._program

    @property
    def facts(self) -> Mapping[str, Fact]:
        return self._model.facts

    @property
    def techniques(self) -> Mapping[str, Node]:
        return self._model.techniques

    @property
    def sites(self) -> Mapping[str, Node]:
        return self._model.sites

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._model.rules

    @property
    def rulesets(self) -> tuple[RulesetInfo, ...]:
        """Each file in the knowledge base: name, document, version, review date, studies."""
        return self._model.rulesets

    @property
    def tests(self) -> tuple[tuple[str, TestNode], ...]:
        """The in-file tests, with the ruleset each belongs to."""
        return self._model.tests

    @property
    def warnings(self) -> tuple[RulesWarning, ...]:
        return self._model.warnings

    @property
    def general_screening(self) -> bool:
        """Whether the shipped general safety screening (`general_screening`: red flags and
        general contraindications for every patient, whatever the condition) is part of this
        knowledge base. `load_all()` includes it; one document's ruleset alone does not."""
        return any(info.shipped and info.name == GENERAL_SCREENING for info in self.rulesets)

    @cached_property
    def rule_index(self) -> Mapping[str, int]:
        return {rule.id: i for i, rule in enumerate(self._model.rules)}

    # ---- evaluation -----------------------------------------------------------------------

    def check(self, facts: Mapping[str, Any]) -> tuple[Normal, ...]:
        """The profile checked and normalised (raises `FactError`)."""
        try:
            return self._program.quick_check(facts)
        except Exception:  # not well formed: the careful checker says what is wrong
            return normalize(self._model.facts, self._program.slots, facts)

    def screen(self, facts: Mapping[str, Any]) -> dict[str, Verdict]:
        """Verdicts only (technique -> verdict, no site), with no explanations: the fast path
        for screening. Same verdicts as `evaluate(facts).verdicts()`."""
        values = self.check(facts)
        if None not in values:
            return self._program.screen_complete(values)
        return self._program.screen_partial(values)

    def screen_many(self, profiles: Iterable[Mapping[str, Any]]) -> list[dict[str, Verdict]]:
        screen = self.screen
        return [screen(p) for p in profiles]

    def evaluate(self, facts: Mapping[str, Any]) -> Result:
        """Verdicts and their reasons for one patient. Missing keys and `None` mean unknown."""
        return Result(self, self.check(facts))

    def evaluate_many(self, profiles: Iterable[Mapping[str, Any]]) -> list[Result]:
        return [self.evaluate(p) for p in profiles]

    # ---- helpers for Result ---------------------------------------------------------------

    def reason(self, r: int, a: int) -> Reason:
        key = (r, a)
        found = self._reasons.get(key)
        if found is None:
            rule = self._model.rules[r]
            action = rule.actions[a]
            cite = rule.cites[0] if rule.cites else None
            found = Reason(
                rule_id=rule.id,
                action=action.describe(),
                kind=action.kind.value,
                technique=action.technique,
                site=action.site,
                note=action.note,
                text=rule.because,
                ruleset=rule.ruleset,
                document=rule.document,
                section=cite.section if cite else None,
                quote=cite.quote if cite else None,
                location=rule.location,
                cites=tuple((c.section, c.quote) for c in rule.cites),
                generalized=rule.generalized,
                topic=action.topic,
            )
            self._reasons[key] = found
        return found

    def alone(self, technique: int, number: int) -> Assessment:
        """The assessment of a technique that one fired action (an entry) alone reaches: the
        most common case, built once per knowledge base."""
        key = (technique, number)
        found = self.alone_assessed.get(key)
        if found is None:
            name = self._program.techniques[technique]
            found = lone_assessment(name, self.explain_table[number])
            self.alone_assessed[key] = found
        return found

    @cached_property
    def explain_table(self) -> tuple[Entry, ...]:
        """Per entry number of the program (a verdict action of a rule): its level and reason,
        built on the first explanation asked for."""
        return tuple((level, self.reason(r, a)) for r, _, _, level, a in self._program.entries)

    @cached_property
    def blank_assessments(self) -> dict[str, Assessment]:
        """Every technique's assessment when nothing reaches it (shared: assessments are
        immutable). Copied by `Result.assessments()`, never handed out itself."""
        return {name: blank_assessment(name) for name in self._program.techniques}

    def unknown_name(self, kind: str, name: str) -> UnknownNameError:
        table: Mapping[str, object] = self.techniques if kind == "technique" else self.sites
        hint = did_you_mean(name, table) if isinstance(name, str) else None
        return UnknownNameError(
            f"`{self.name}` has no {kind} `{name!s}`" + (f"; {hint}" if hint else "")
        )

    def facts_as_given(self, values: tuple[Normal, ...]) -> dict[str, Any]:
        return {
            name: denormalize(self._model.facts[name], v)
            for name, v in zip(self._program.slots, values, strict=True)
            if v is not None
        }

    def __repr__(self) -> str:
        return (
            f"<KnowledgeBase {self.name}: {len(self.rules)} rules, {len(self.facts)} facts, "
            f"{len(self.techniques)} techniques>"
        )
