"""Properties that hold for all rules and all patients, checked with hypothesis over generated
knowledge bases (a fixed small schema, random rules) and generated profiles."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import Reference, truth

import spinerules
from spinerules import Verdict
from spinerules.engine.logic import kleene

SCHEMA = """\
fact c: x | y | z
fact o: ordered low < mid < high
fact n: int 0..4
fact b: bool
fact s: set of p | q | r
technique t0
technique t1 under t0
technique t2
site whole
site part under whole
"""

ATOMS = st.one_of(
    st.sampled_from(["x", "y", "z"]).flatmap(
        lambda v: st.sampled_from(
            [f"c = {v}", f"c != {v}", f"c in {{{v}, y}}", f"c not in {{{v}}}"]
        )
    ),
    st.sampled_from(["low", "mid", "high"]).flatmap(
        lambda v: st.sampled_from([f"o < {v}", f"o <= {v}", f"o > {v}", f"o >= {v}", f"o = {v}"])
    ),
    st.integers(0, 4).flatmap(
        lambda v: st.sampled_from([f"n < {v}", f"n >= {v}", f"n = {v}", f"n != {v}"])
    ),
    st.sampled_from(["b", "not b", "b = false"]),
    st.sampled_from(["s has p", "s has any {p, q}", "s has all {q, r}"]),
)
KNOWN_TESTS = st.sampled_from(["c is known", "o is unknown", "s is known"])


def conditions(depth: int = 2, known_tests: bool = True) -> st.SearchStrategy[str]:
    atoms = st.one_of(ATOMS, KNOWN_TESTS) if known_tests else ATOMS
    if depth == 0:
        return atoms
    sub = conditions(depth - 1, known_tests)
    return st.one_of(
        atoms,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda c: f"not ({c})"),
    )


ACTIONS = st.tuples(
    st.sampled_from(["contraindicate", "caution", "recommend", "allow"]),
    st.sampled_from(["t0", "t1", "t2"]),
    st.sampled_from(["", " at whole", " at part"]),
).map(lambda a: f"{a[0]} {a[1]}{a[2]}")


@st.composite
def knowledge_bases(draw: st.DrawFn, known_tests: bool = True) -> tuple[str, list[str]]:
    rules = []
    for i in range(draw(st.integers(1, 6))):
        cond = draw(conditions(known_tests=known_tests))
        actions = ", ".join(draw(st.lists(ACTIONS, min_size=1, max_size=2)))
        rules.append(f'rule r{i}: if {cond} then {actions} because "r{i}"')
    return SCHEMA, rules


def compile_rules(schema: str, rules: list[str]) -> spinerules.KnowledgeBase:
    return spinerules.compile_text(schema + "\n".join(rules) + "\n", name="gen")


VALUE = {
    "c": st.sampled_from(["x", "y", "z"]),
    "o": st.sampled_from(["low", "mid", "high"]),
    "n": st.integers(0, 4),
    "b": st.booleans(),
    "s": st.frozensets(st.sampled_from(["p", "q", "r"])).map(sorted),
}
COMPLETE = st.fixed_dictionaries(VALUE)


@st.composite
def partial_and_complete(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    full = draw(COMPLETE)
    keep = draw(st.sets(st.sampled_from(sorted(full))))
    return {k: v for k, v in full.items() if k in keep}, full


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(known_tests=False), partial_and_complete())
def test_more_facts_never_undo_a_decided_verdict(
    kb_text: tuple[str, list[str]], profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    kb = compile_rules(*kb_text)
    partial, full = profiles
    before, after = kb.evaluate(partial), kb.evaluate(full)
    for tech in kb.techniques:
        for site in (None, "whole", "part"):
            decided = before.verdict(tech, at=site)
            if decided is not Verdict.UNDETERMINED:
                assert after.verdict(tech, at=site) is decided
            assert after.verdict(tech, at=site) is not Verdict.UNDETERMINED  # complete profile


def test_is_known_is_the_documented_exception_to_monotonicity() -> None:
    kb = compile_rules(SCHEMA, ['rule r: if c is known and b then caution t0 because "r"'])
    assert kb.evaluate({}).verdict("t0") is Verdict.UNASSESSED  # `c is known` is false
    assert kb.evaluate({"c": "x"}).verdict("t0") is Verdict.UNDETERMINED  # now waits for b


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(), partial_and_complete())
def test_fired_and_pending_follow_kleene_logic(
    kb_text: tuple[str, list[str]], profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Against `reference.truth`, Kleene logic on the syntax tree written from the semantics
    page (the engine's `logic.kleene` works on lowered conditions and is not the oracle)."""
    kb = compile_rules(*kb_text)
    for profile in profiles:
        res = kb.evaluate(profile)
        outcomes = [truth(kb, rule.condition, profile) for rule in kb.rules]
        assert [r.id for r in res.fired] == [
            r.id for r, o in zip(kb.rules, outcomes, strict=True) if o is True
        ]
        assert [r.id for r in res.pending] == [
            r.id for r, o in zip(kb.rules, outcomes, strict=True) if o is None
        ]


@st.composite
def indexed_knowledge_bases(draw: st.DrawFn) -> list[str]:
    """Enough rules for the index to split (more than a leaf holds), many of them keyed on a
    value of `c` or `o` as clinical rules are on a condition or phase, so that a partial profile
    meets switches on known and on unknown facts."""
    rules = []
    for i in range(draw(st.integers(8, 40))):
        cond = draw(conditions())
        key = draw(st.sampled_from(["", "c = x and ", "c = y and ", "o >= mid and ", "b and "]))
        action = draw(ACTIONS)
        rules.append(f'rule r{i}: if {key}({cond}) then {action} because "r{i}"')
    return rules


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=200, deadline=None)
@given(indexed_knowledge_bases(), st.lists(partial_and_complete(), min_size=1, max_size=4))
def test_generated_partial_code_is_kleene_logic(
    rules: list[str], profiles: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    """The generated code for partial profiles (the index followed while the facts it switches
    on are known, Kleene's logic in the leaves) against `logic.kleene`, the reference logic on
    lowered conditions, for every rule."""
    kb = compile_rules(SCHEMA, rules)
    program = kb.program
    for profile in (p for pair in profiles for p in pair):
        values = kb.check(profile)
        fired, pending = program.fire_partial(values)
        outcomes = [kleene(cond, values) for cond in program.lowered]
        assert fired == [i for i, o in enumerate(outcomes) if o is True]
        assert pending == [i for i, o in enumerate(outcomes) if o is None]
        if None not in values:
            assert program.fire_complete(values) == fired and pending == []


def test_a_partial_profile_follows_the_index_until_a_fact_is_unknown() -> None:
    rules = [
        f'rule r{i}: if c = {"xyz"[i % 3]} and n >= {i % 5} then caution t0 because "r"'
        for i in range(30)
    ]
    kb = compile_rules(SCHEMA, rules)
    assert kb.program.index_tree().slot == kb.program.slots.index("c")  # type: ignore[union-attr]
    assert "if s0 is None:" in kb.program.code  # the switch on `c` has a branch for unknown
    on_x = [f"r{i}" for i in range(30) if i % 3 == 0]
    # `c` known, `n` unknown: the c = x rules wait for n (even `n >= 0`: a test of an unknown
    # fact is unknown), the others are false
    res = kb.evaluate({"c": "x"})
    assert res.fired == ()
    assert [r.id for r in res.pending] == on_x
    # `c` unknown, `n` known: every rule whose bound n meets waits for c
    res = kb.evaluate({"n": 2})
    assert res.fired == ()
    assert [r.id for r in res.pending] == [f"r{i}" for i in range(30) if i % 5 <= 2]


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=200, deadline=None)
@given(knowledge_bases(), st.randoms(use_true_random=False), partial_and_complete())
def test_rule_order_does_not_matter(
    kb_text: tuple[str, list[str]], rnd: Any, profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    schema, rules = kb_text
    shuffled = list(rules)
    rnd.shuffle(shuffled)
    a, b = compile_rules(schema, rules), compile_rules(schema, shuffled)
    for profile in profiles:
        ra, rb = a.evaluate(profile), b.evaluate(profile)
        assert ra.verdicts() == rb.verdicts()
        for tech in a.techniques:
            assert ra.site_verdicts(tech) == rb.site_verdicts(tech)
        assert sorted(m.fact for m in ra.missing) == sorted(m.fact for m in rb.missing)


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=200, deadline=None)
@given(knowledge_bases(), partial_and_complete())
def test_evaluation_is_deterministic_and_json_ready(
    kb_text: tuple[str, list[str]], profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    import json

    kb = compile_rules(*kb_text)
    again = compile_rules(*kb_text)
    for profile in profiles:
        first = kb.evaluate(profile).to_dict()
        assert json.loads(json.dumps(first)) == first
        assert again.evaluate(profile).to_dict() == first


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=200, deadline=None)
@given(knowledge_bases(), partial_and_complete())
def test_the_verdict_is_the_most_restrictive_fired_action(
    kb_text: tuple[str, list[str]], profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Checked against an independent reading of the rules: walk the model's actions by hand."""
    kb = compile_rules(*kb_text)
    _, full = profiles
    res = kb.evaluate(full)
    levels = {"allow": 1, "recommend": 2, "caution": 3, "contraindicate": 4}
    order = ["unassessed", "allowed", "recommended", "caution", "contraindicated"]
    for tech, node in kb.techniques.items():
        reach = {tech, *node.ancestors}
        best = max(
            (
                levels[a.kind.value]
                for rule in res.fired
                for a in rule.actions
                if a.technique in reach and a.site is None and a.kind.value in levels
            ),
            default=0,
        )
        assert res.verdict(tech).value == order[best]
        assert res.reasons(tech) == tuple(
            r for r in res.assessment(tech).fired if levels.get(r.kind) == best
        )


# ---- the demo knowledge base: any valid profile evaluates ------------------------------------

DEMO_VALUES = {
    "condition": st.sampled_from(["nonspecific_lbp", "herniation", "stenosis"]),
    "phase": st.sampled_from(["remission", "chronic", "subacute", "acute"]),
    "trend": st.sampled_from(["improving", "stable", "worsening"]),
    "pain_score": st.integers(0, 10),
    "fever": st.booleans(),
    "symptoms": st.lists(st.sampled_from(["numbness", "tingling", "severe_leg_pain"])),
}


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({}, optional={k: st.one_of(st.none(), v) for k, v in DEMO_VALUES.items()})
)
def test_evaluation_never_raises_on_a_valid_profile(profile: dict[str, Any]) -> None:
    from conftest import DEMO

    kb = spinerules.compile_text(DEMO, name="demo")
    res = kb.evaluate(profile)
    res.to_dict()
    for tech in kb.techniques:
        for site in (None, *kb.sites):
            res.assessment(tech, at=site)
    assert all(m.fact not in {k for k, v in profile.items() if v is not None} for m in res.missing)


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(), partial_and_complete())
def test_screening_gives_the_same_verdicts_as_evaluation(
    kb_text: tuple[str, list[str]], profiles: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    """Both against the reference interpreter: `screen` and `evaluate` share generated code, so
    comparing them with each other alone would not catch a fault in it."""
    kb = compile_rules(*kb_text)
    for profile in profiles:
        expected = Reference(kb, profile).verdicts()
        assert {t: v.value for t, v in kb.screen(profile).items()} == expected
        assert {t: v.value for t, v in kb.evaluate(profile).verdicts().items()} == expected


@settings(max_examples=300, deadline=None)
@given(partial_and_complete())
def test_the_generated_input_check_agrees_with_the_careful_one(
    profiles: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    from spinerules.model.profile import normalize

    kb = compile_rules(SCHEMA, ['rule r: if b then allow t0 because "r"'])
    for profile in profiles:
        assert kb.program.quick_check(profile) == normalize(kb.facts, kb.program.slots, profile)


def test_the_index_skips_rules_that_cannot_apply() -> None:
    """With every rule keyed on a value of `c`, a patient's branch holds only that value's rules."""
    from spinerules.engine.index import Branch, Leaf, Tree

    def rules_in(tree: Tree) -> set[int]:
        if isinstance(tree, Leaf):
            return {i for i, _ in tree.rules}
        return set().union(*(rules_in(t) for _, t in tree.cases))

    rules = [
        f'rule r{i}: if c = {"xyz"[i % 3]} and n >= {i % 5} then caution t0 because "r"'
        for i in range(60)
    ]
    kb = compile_rules(SCHEMA, rules)
    tree = kb.program.index_tree()
    assert isinstance(tree, Branch)
    assert tree.slot == kb.program.slots.index("c")
    for value, branch in tree.cases:
        assert rules_in(branch) == {i for i in range(60) if "xyz"[i % 3] == value}


def test_a_keyed_rule_base_splits_however_large() -> None:
    """Rules keyed on one enum split on it at the root at every size: the split copies each
    rule once, so the budget never stops it (only the splits below it)."""
    from spinerules.engine.index import COPIES, Branch, size

    for n in (30, 300, 1200):
        rules = [
            f'rule r{i}: if c = {"xyz"[i % 3]} and n >= {i % 5} then caution t0 because "r"'
            for i in range(n)
        ]
        tree = compile_rules(SCHEMA, rules).program.index_tree()
        assert isinstance(tree, Branch) and len(tree.cases) == 3
        assert tree.slot == 0  # `c`
        assert size(tree) <= COPIES * n + 64


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(), partial_and_complete(), partial_and_complete())
def test_all_assessments_at_once_are_the_assessments_one_by_one(
    kb_text: tuple[str, list[str]],
    first: tuple[dict[str, Any], dict[str, Any]],
    second: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """`assessments()` (one pass, shared and remembered objects) against `assessment(t)` (built
    for the one technique); several profiles per knowledge base, so that remembered
    assessments are reused across patients."""
    kb = compile_rules(*kb_text)
    for profile in (*first, *second, *first):
        res = kb.evaluate(profile)
        every = res.assessments()
        assert list(every) == list(kb.techniques)
        for tech in kb.techniques:
            assert every[tech] == res.assessment(tech)
            assert every[tech].reasons == res.reasons(tech)
            assert every[tech].verdict == res.verdict(tech)


def test_remembered_assessments_are_bounded(monkeypatch: Any) -> None:
    from spinerules.engine import result

    monkeypatch.setattr(result, "MEMO_SIZE", 2)
    kb = compile_rules(
        SCHEMA,
        [
            'rule a: if c = x then caution t0 because "a"',
            'rule b: if n > 1 then contraindicate t0 because "b"',
            'rule d: if b then allow t0 because "d"',
            'rule e: if o = high then recommend t2 because "e"',
            'rule f: if s has p then caution t2 because "f"',
        ],
    )
    base = {"c": "x", "o": "high", "n": 0, "b": True, "s": ["p"]}
    for n in range(5):
        for b in (True, False):
            res = kb.evaluate({**base, "n": n, "b": b})
            every = res.assessments()
            assert len(kb.assessed) <= 2
            for tech in kb.techniques:
                assert every[tech] == res.assessment(tech)
    assert kb.evaluate({**base, "n": 4}).assessments()["t1"].verdict == Verdict.CONTRAINDICATED


def test_the_index_stays_within_its_budget_as_rule_bases_double() -> None:
    """Random rule bases (the benchmark's generator): the index holds at most `COPIES` copies
    per rule (and a small allowance) at every size, where splitting without a budget would
    copy each rule many times over, so compile memory grows with the rules, not faster."""
    from benchmarks.synth import generate_ruleset, to_rules_text
    from spinerules.engine.index import COPIES, size

    for n in (250, 500, 1000):
        program = spinerules.compile_text(to_rules_text(generate_ruleset(n, seed=3))).program
        assert size(program.index_tree()) <= COPIES * n + 64
        assert size(program.index_tree(budget=50 * n)) > 2 * COPIES * n  # what it saves
