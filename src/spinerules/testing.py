"""Property-testing your rules with hypothesis.

    import spinerules
    from hypothesis import given
    from spinerules.testing import patients, partial_patients, check_monotone

    kb = spinerules.load_path("clinic_policy.rules")

    @given(patients(kb))
    def test_a_worse_patient_is_never_treated_more_freely(patient):
        check_monotone(kb, patient)

Strategies are built from the knowledge base's own schema, so they draw only valid patients:

- `patients(kb)`: complete profiles (every fact given);
- `partial_patients(kb)`: profiles with some facts missing (left out, or given as None);
- `rule_sources()`: texts of random valid rules files, for testing the engine and tools.

The `check_*` functions are ready property checks: each takes one example, raises
`AssertionError` with the patients and verdicts involved when the property fails, and returns
None otherwise. `check_all(kb)` runs the patient properties with hypothesis in one call.

This module imports hypothesis, a test dependency; `import spinerules` never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from .engine.kb import KnowledgeBase
from .engine.result import Result
from .model.model import Fact, FactKind, Verdict
from .syntax.samples import rule_sources

__all__ = [
    "check_all",
    "check_decided_stays_decided",
    "check_deterministic",
    "check_format_roundtrip",
    "check_monotone",
    "partial_patients",
    "patients",
    "rule_sources",
    "values",
    "worse_patients",
    "worsening_facts",
]

Patient = dict[str, Any]


# ---- strategies -----------------------------------------------------------------------------


def values(fact: Fact) -> st.SearchStrategy[Any]:
    """Valid values of one fact, in the form `kb.evaluate` takes (sets as lists)."""
    if fact.kind is FactKind.BOOL:
        return st.booleans()
    if fact.kind is FactKind.INT:
        return st.integers(fact.low, fact.high)
    if fact.kind is FactKind.SET:
        return st.lists(st.sampled_from(fact.values), unique=True)
    return st.sampled_from(fact.values)


def _fixed(kb: KnowledgeBase, fixed: Mapping[str, Any] | None) -> dict[str, Any]:
    fixed = dict(fixed or {})
    kb.check({k: v for k, v in fixed.items()})  # raises FactError for a wrong name or value
    return fixed


def patients(
    kb: KnowledgeBase, fixed: Mapping[str, Any] | None = None
) -> st.SearchStrategy[Patient]:
    """Complete patient profiles: every fact of `kb` has a value. `fixed` pins some facts
    (`patients(kb, {"condition": "herniation"})`)."""
    pinned = _fixed(kb, fixed)
    return st.fixed_dictionaries(
        {
            name: st.just(pinned[name]) if name in pinned else values(f)
            for name, f in kb.facts.items()
        }
    )


def partial_patients(
    kb: KnowledgeBase, fixed: Mapping[str, Any] | None = None
) -> st.SearchStrategy[Patient]:
    """Profiles with some facts missing: each fact is given, left out, or given as `None`
    (both mean unknown). `fixed` pins some facts (always given)."""
    pinned = _fixed(kb, fixed)
    missing = object()

    def fact(name: str, f: Fact) -> st.SearchStrategy[Any]:
        if name in pinned:
            return st.just(pinned[name])
        return st.one_of(st.just(missing), st.none(), values(f))

    return st.fixed_dictionaries({name: fact(name, f) for name, f in kb.facts.items()}).map(
        lambda p: {k: v for k, v in p.items() if v is not missing}
    )


# ---- worsening ------------------------------------------------------------------------------


def worsening_facts(kb: KnowledgeBase) -> list[str]:
    """The facts safety monotonicity treats as severity scales: every ordered and set fact,
    minus those a file marks `# spinerules: neutral FACT because "..."`, plus those it marks
    `worse` (the same rule as `spinerules analyze`)."""
    from .analysis import kb_sources
    from .analysis import worsening_facts as resolve
    from .analysis.directives import read_directives

    directives, _ = read_directives(kb_sources(kb))
    chosen, _ = resolve(kb, directives)
    return chosen


def worse_patients(
    kb: KnowledgeBase, patient: Mapping[str, Any], worsening: Iterable[str] | None = None
) -> Iterator[tuple[str, Patient]]:
    """Every one-step worsening of a patient: (fact, worse patient). A step raises an ordered or
    int fact by one, adds one element to a set fact, or turns a bool fact true."""
    scales = list(worsening) if worsening is not None else worsening_facts(kb)
    for name in scales:
        fact = kb.facts[name]
        value = patient.get(name)
        if value is None:
            continue
        if fact.kind is FactKind.ORDERED:
            i = fact.values.index(value)
            if i + 1 < len(fact.values):
                yield name, {**patient, name: fact.values[i + 1]}
        elif fact.kind is FactKind.INT:
            assert fact.high is not None
            if value < fact.high:
                yield name, {**patient, name: value + 1}
        elif fact.kind is FactKind.BOOL:
            if value is False:
                yield name, {**patient, name: True}
        elif fact.kind is FactKind.SET:
            for element in fact.values:
                if element not in value:
                    yield name, {**patient, name: [*value, element]}


# ---- property checks ------------------------------------------------------------------------


def _scopes(kb: KnowledgeBase) -> list[str | None]:
    return [None, *kb.sites]


def _verdicts(kb: KnowledgeBase, res: Result) -> dict[tuple[str, str | None], Verdict]:
    return {(t, s): res.verdict(t, at=s) for t in kb.techniques for s in _scopes(kb)}


def _where(technique: str, site: str | None) -> str:
    return f"`{technique}`" + (f" at `{site}`" if site else "")


def check_deterministic(kb: KnowledgeBase, patient: Mapping[str, Any]) -> None:
    """The same patient always gets the same result, whatever the order of the profile's keys
    and however it is evaluated (`evaluate` twice, `evaluate_many`)."""
    first = kb.evaluate(patient).to_dict()
    again = kb.evaluate(patient).to_dict()
    reordered = kb.evaluate(dict(reversed(list(patient.items())))).to_dict()
    batch = [r.to_dict() for r in kb.evaluate_many([patient, patient])]
    for label, other in (("again", again), ("keys reordered", reordered)):
        assert other == first, f"{label}: a different result for {patient!r}"
    assert batch == [first, first], f"evaluate_many gives a different result for {patient!r}"


def check_monotone(
    kb: KnowledgeBase, patient: Mapping[str, Any], worsening: Iterable[str] | None = None
) -> None:
    """Safety monotonicity for one complete patient: no one-step worsening (see
    `worse_patients`) makes a restrictive verdict (caution, contraindicated), at no site or at
    any site, less restrictive. `worsening` defaults to `worsening_facts(kb)`."""
    missing = [name for name in kb.facts if patient.get(name) is None]
    if missing:
        raise ValueError(f"check_monotone needs a complete patient; missing: {', '.join(missing)}")
    before = _verdicts(kb, kb.evaluate(patient))
    for fact, worse in worse_patients(kb, patient, worsening):
        after = _verdicts(kb, kb.evaluate(worse))
        for key, verdict in before.items():
            lost = verdict.level >= 3 and after[key].level < verdict.level
            assert not lost, (
                f"making `{fact}` worse relaxes {_where(*key)} from {verdict} to {after[key]}:\n"
                f"  before: {dict(patient)!r}\n  after:  {worse!r}"
            )


def check_decided_stays_decided(
    kb: KnowledgeBase, partial: Mapping[str, Any], more: Mapping[str, Any]
) -> None:
    """Giving more facts never changes a decided verdict (docs/semantics.md, line 10).

    `partial` is a patient with facts missing; its missing facts are filled in from `more`
    (facts `partial` gives keep their values). Every verdict `partial` decides (anything but
    undetermined), at no site or at any site, must be the same for the fuller patient."""
    fuller = {**dict(more), **{k: v for k, v in partial.items() if v is not None}}
    before = _verdicts(kb, kb.evaluate(partial))
    after = _verdicts(kb, kb.evaluate(fuller))
    for key, verdict in before.items():
        if verdict is Verdict.UNDETERMINED:
            continue
        assert after[key] == verdict, (
            f"{_where(*key)} was decided as {verdict} but became {after[key]} with more facts:\n"
            f"  partial: {dict(partial)!r}\n  fuller:  {fuller!r}"
        )


def check_format_roundtrip(text: str, name: str = "<text>") -> None:
    """The formatter keeps a file's meaning and is idempotent: the formatted text compiles to
    the same facts, techniques, sites, rules (ids, conditions, actions) and tests, and
    formatting it again changes nothing."""
    from .api import compile_text
    from .syntax.format import format_text
    from .syntax.unparse import condition_text

    formatted = format_text(text, name)
    assert format_text(formatted, name) == formatted, "formatting twice changes the text"
    a, b = compile_text(text, name=name), compile_text(formatted, name=name)
    assert dict(a.facts) == dict(b.facts), "the facts changed"
    assert dict(a.techniques) == dict(b.techniques), "the techniques changed"
    assert dict(a.sites) == dict(b.sites), "the sites changed"

    def rules(kb: KnowledgeBase) -> list[tuple[Any, ...]]:
        return [
            (r.id, condition_text(r.condition), r.actions, r.because, r.cites) for r in kb.rules
        ]

    assert rules(a) == rules(b), "the rules changed"
    assert [t for _, t in a.tests] == [t for _, t in b.tests], "the tests changed"


def check_all(
    kb: KnowledgeBase, *, max_examples: int = 100, worsening: Iterable[str] | None = None
) -> None:
    """Run determinism, safety monotonicity and "decided stays decided" on `max_examples`
    patients each, drawn by hypothesis. Call it from a plain test function (not from inside
    another `@given` test)."""
    scales = list(worsening) if worsening is not None else worsening_facts(kb)
    run = settings(max_examples=max_examples, deadline=None, database=None)

    @run
    @given(partial_patients(kb))
    def deterministic(patient: Patient) -> None:
        check_deterministic(kb, patient)

    @run
    @given(patients(kb))
    def monotone(patient: Patient) -> None:
        check_monotone(kb, patient, scales)

    @run
    @given(partial_patients(kb), patients(kb))
    def decided(partial: Patient, more: Patient) -> None:
        check_decided_stays_decided(kb, partial, more)

    deterministic()
    monotone()
    decided()
