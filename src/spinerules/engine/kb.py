"""`KnowledgeBase`: a validated, compiled rule base that answers questions about patients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from .._collector import paused
from .._resources import rulesets_dir
from ..errors import FactError, ProfileError, SpinerulesError, UnknownNameError
from ..model.load import GENERAL_SCREENING
from ..model.model import ActionKind, Fact, Model, Node, Rule, RulesetInfo, RulesWarning
from ..model.profile import Normal, denormalize, normalize, problems, read_record
from ..suggest import did_you_mean
from ..syntax.nodes import TestNode
from ..syntax.source import Source
from .codegen import Program, compile_model
from .result import (
    Assessment,
    Entry,
    MissingFact,
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
        # memos shared by the results of this knowledge base (their values are immutable);
        # each is cleared when it grows past `MEMO_SIZE`
        #: assessments, by the technique and the entry numbers that decided them (and, for a
        #: partial profile, those waiting): patients with the same pattern share one
        self.assessed: dict[tuple[Any, ...], Assessment] = {}
        #: the assessment of a technique one action alone reaches, by (technique, entry)
        self.alone_assessed: dict[tuple[int, int], Assessment] = {}
        #: `Result.missing`, by (fired rules, pending rules, which facts are unknown)
        self.missing_memo: dict[tuple[Any, ...], tuple[MissingFact, ...]] = {}
        #: a tuple of reasons' distinct rule ids (`to_dict(compact=True)`), by the tuple's id;
        #: the tuple is kept, so that the id is not reused
        self.rule_ids: dict[int, tuple[tuple[Reason, ...], tuple[str, ...]]] = {}

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
    def fingerprint(self) -> str:
        """SHA-256 of every file the knowledge base was built from and of the spinerules version
        (`Model.fingerprint`): two knowledge bases with one fingerprint give the same answers."""
        return self._model.fingerprint

    def __reduce__(self) -> tuple[Any, ...]:
        """A knowledge base pickles as the text of its files and its fingerprint: unpickling
        (in another process, on a Spark executor) reads and compiles the texts again, without
        touching any file, and refuses a result whose fingerprint differs (another spinerules
        version on the other side)."""
        shipped = rulesets_dir().resolve()
        texts = tuple(
            (s.name, s.text, s.path is not None and s.path.parent == shipped)
            for s in self._model.sources
        )
        return (_rebuild, (self._model.name, texts, self.fingerprint))

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

    def read_profile(self, record: Mapping[str, Any], separator: str = ",") -> dict[str, Any]:
        """A record as tables, CSV files and data frames hold it, as a checked profile: empty,
        `None`, NaN and pandas' `NA` read as unknown; text as the command line reads it (sets
        split at `separator`); whole floats as ints; lists and arrays as sets (see
        docs/api.md, "Reading records"). Raises `ProfileError` naming every bad fact."""
        profile, errors = read_record(self._model.facts, record, separator)
        errors += problems(self._model.facts, self._program.slots, profile)
        if errors:
            raise ProfileError(errors)
        return profile

    def screen_many(
        self, profiles: Iterable[Mapping[str, Any]], errors: str = "raise"
    ) -> list[Any]:
        """`screen` for each profile. A bad profile raises `ProfileError` naming its row and
        every bad fact (`errors="raise"`), or, with `errors="keep"`, stands in the list in
        place of that row's verdicts while the other rows are screened."""
        return self._many(self.screen, profiles, errors)

    def _many(self, one: Any, profiles: Iterable[Mapping[str, Any]], errors: str) -> list[Any]:
        if errors not in ("raise", "keep"):
            raise ValueError(f"errors must be `raise` or `keep`, not `{errors}`")
        out: list[Any] = []
        with paused():  # answers make no cycles (`spinerules._collector`)
            for row, profile in enumerate(profiles):
                try:
                    out.append(one(profile))
                except FactError:
                    found = problems(self._model.facts, self._program.slots, profile)
                    failure = ProfileError(found or [FactError("<profile>", "not a profile")], row)
                    if errors == "raise":
                        raise failure from None
                    out.append(failure)
        return out

    def evaluate(self, facts: Mapping[str, Any]) -> Result:
        """Verdicts and their reasons for one patient. Missing keys and `None` mean unknown."""
        try:  # `check`, written out: this is the path of every explained patient
            values = self._program.quick_check(facts)
        except Exception:
            values = normalize(self._model.facts, self._program.slots, facts)
        return Result(self, values)

    def evaluate_many(
        self, profiles: Iterable[Mapping[str, Any]], errors: str = "raise"
    ) -> list[Any]:
        """`evaluate` for each profile; a bad one as in `screen_many`."""
        return self._many(self.evaluate, profiles, errors)

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
    def actions_of_kind(self) -> dict[ActionKind, tuple[tuple[int, ...], ...]]:
        """Per action kind, per rule: the indexes of the rule's actions of that kind (most
        rules have no referral, requirement, advice or doubt: their tuples are empty)."""
        rules = self._model.rules
        return {
            kind: tuple(
                tuple(a for a, action in enumerate(rule.actions) if action.kind is kind)
                for rule in rules
            )
            for kind in ActionKind
        }

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


def _rebuild(
    name: str, texts: tuple[tuple[str, str, bool], ...], fingerprint: str
) -> KnowledgeBase:
    """A pickled knowledge base: its files read and compiled again (`use` lines are resolved
    among the texts themselves, already in load order; a shipped ruleset is this
    installation's, once its text is the same). A process that already unpickled a knowledge
    base of this fingerprint gets that one again (a Spark worker receives one per task)."""
    known = _UNPICKLED.get(fingerprint)
    if known is not None and known.name == name:
        return known
    from ..model.validate import validate  # not before: `import spinerules` skips the parser
    from ..syntax.reader import parse

    shipped = rulesets_dir().resolve()
    modules = tuple(
        parse(Source(source, text, path=shipped / f"{source}.rules" if own else None))
        for source, text, own in texts
    )
    kb = KnowledgeBase(validate(modules, name))
    if kb.fingerprint != fingerprint:
        raise SpinerulesError(
            f"the knowledge base `{name}` unpickled with fingerprint {kb.fingerprint[:12]}, "
            f"not {fingerprint[:12]}: another version of spinerules pickled it"
        )
    if len(_UNPICKLED) >= 8:
        _UNPICKLED.clear()
    _UNPICKLED[fingerprint] = kb
    return kb


#: knowledge bases unpickled in this process, by fingerprint
_UNPICKLED: dict[str, KnowledgeBase] = {}
