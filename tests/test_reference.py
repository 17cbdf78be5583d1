"""The engine against `reference.py`, a second implementation of docs/semantics.md that shares
no code with it: for random knowledge bases (technique and site trees three deep, any node of
them `explicit`, every condition and action form) and random complete and partial patients,
fired and pending rules, every verdict with and without a site, site verdicts, the screening
code's verdicts, the next questions and the unused facts must agree."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import LEVEL, Reference, counts

import spinerules
from spinerules.testing import partial_patients, patients

FACTS = """\
fact c: x | y | z
fact o: ordered low < mid < high
fact n: int 0..4
fact b: bool
fact s: set of p | q | r
fact d: bool session
"""
TECHNIQUES = ("t0", "t1", "t2", "t3", "t4")  # t1 under t0, t2 under t1, t3 under t0, t4 alone
SITES = ("whole", "part", "spot", "other")  # part under whole, spot under part

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
        lambda v: st.sampled_from([f"n < {v}", f"n >= {v}", f"n = {v}", f"n != {v}", f"n > {v}"])
    ),
    st.sampled_from(["b", "not b", "b = false", "b != true", "d", "not d"]),
    st.sampled_from(["s has p", "s has any {p, q}", "s has all {q, r}"]),
    st.sampled_from(["c is known", "o is unknown", "s is known"]),
)


def conditions(depth: int = 2) -> st.SearchStrategy[str]:
    if depth == 0:
        return ATOMS
    sub = conditions(depth - 1)
    return st.one_of(
        ATOMS,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda c: f"not ({c})"),
    )


ACTIONS = st.one_of(
    st.tuples(
        st.sampled_from(["contraindicate", "caution", "recommend", "allow", "doubt"]),
        st.sampled_from(TECHNIQUES),
        st.sampled_from(["", "", " at whole", " at part", " at spot", " at other"]),
    ).map(lambda a: f"{a[0]} {a[1]}{a[2]}"),
    st.sampled_from(
        [
            'refer urgent "a doctor"',
            'refer routine "a physio"',
            "require licence",
            'advise "rest"',
            'advise course "ten sessions"',
        ]
    ),
)


@st.composite
def knowledge_bases(
    draw: st.DrawFn, rules_between: tuple[int, int] = (1, 7), keyed: bool = False
) -> spinerules.KnowledgeBase:
    flag = st.sampled_from(["", "", " explicit"])
    tree = (
        f"technique t0{draw(flag)}\ntechnique t1 under t0{draw(flag)}\n"
        f"technique t2 under t1{draw(flag)}\ntechnique t3 under t0{draw(flag)}\n"
        f"technique t4{draw(flag)}\n"
        f"site whole{draw(flag)}\nsite part under whole{draw(flag)}\n"
        f"site spot under part{draw(flag)}\nsite other{draw(flag)}\n"
    )
    rules = []
    # the fact most rules are keyed on, and so the one the index switches on first: an enum, an
    # ordered fact, a bool or an int (each with its own domain of branches)
    keys = draw(
        st.sampled_from(
            [
                ["c = x", "c = y", "c = z"],
                ["o = low", "o = mid", "o >= mid"],
                ["b", "not b"],
                ["n = 0", "n = 1", "n = 2", "n = 4"],
            ]
        )
    )
    for i in range(draw(st.integers(*rules_between))):
        cond = "always" if draw(st.integers(0, 9)) == 0 else draw(conditions())
        if keyed and draw(st.integers(0, 3)):  # most rules keyed on one fact: the index splits
            key = draw(st.sampled_from(keys))
            cond = key if cond == "always" else f"{key} and {cond}"
        actions = ", ".join(draw(st.lists(ACTIONS, min_size=1, max_size=3)))
        rules.append(f'rule r{i}: if {cond} then {actions} because "r{i}"')
    return spinerules.compile_text(FACTS + tree + "\n".join(rules) + "\n", name="gen")


VALUE = {
    "c": st.sampled_from(["x", "y", "z"]),
    "o": st.sampled_from(["low", "mid", "high"]),
    "n": st.integers(0, 4),
    "b": st.booleans(),
    "s": st.frozensets(st.sampled_from(["p", "q", "r"])).map(sorted),
    "d": st.booleans(),
}
COMPLETE = st.fixed_dictionaries(VALUE)
PARTIAL = st.fixed_dictionaries({}, optional=VALUE)


def agree(kb: spinerules.KnowledgeBase, profile: dict[str, Any]) -> None:
    res = kb.evaluate(profile)
    ref = Reference(kb, profile)
    assert [r.id for r in res.fired] == [r.id for r in ref.fired]
    assert [r.id for r in res.pending] == [r.id for r in ref.pending]
    assert {t: v.value for t, v in res.verdicts().items()} == ref.verdicts()
    assert {t: v.value for t, v in kb.screen(profile).items()} == ref.verdicts()
    for technique in kb.techniques:
        for site in kb.sites:
            assert res.verdict(technique, at=site).value == ref.verdict(technique, site), (
                technique,
                site,
            )
        got = {s: v.value for s, v in res.site_verdicts(technique).items()}
        assert got == ref.site_verdicts(technique), technique
        assert res.assessment(technique).verdict.value == ref.verdict(technique)
    assert [(m.fact, m.stakes) for m in res.missing] == ref.missing()
    assert list(res.unused_facts) == ref.unused_facts()
    every = res.assessments()  # the one-pass explanation path, against the same reading
    assert {t: a.verdict.value for t, a in every.items()} == ref.verdicts()
    assert all(a.technique == t and a.site is None for t, a in every.items())
    assert [(f.rule, f.kind, f.technique, f.site) for f in res.fired_actions] == [
        (r.id, a.kind.value, a.technique, a.site) for r in ref.fired for a in r.actions
    ]


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(), COMPLETE)
def test_complete_patients_agree_with_the_reference(
    kb: spinerules.KnowledgeBase, profile: dict[str, Any]
) -> None:
    agree(kb, profile)


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=300, deadline=None)
@given(knowledge_bases(), PARTIAL)
def test_partial_patients_agree_with_the_reference(
    kb: spinerules.KnowledgeBase, profile: dict[str, Any]
) -> None:
    agree(kb, profile)


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_shipped_knowledge_agrees_with_the_reference(data: st.DataObject) -> None:
    """The shipped knowledge base, on random complete and partial patients of its vocabulary."""
    kb = spinerules.load_all()
    agree(kb, data.draw(st.one_of(patients(kb), partial_patients(kb))))


# The deterministic subset's share of the oracle (the mutation runs use it): short runs of the
# same comparison, on rule bases large enough for the index to split (most rules keyed on `c`,
# so the generated code specialises conditions, negations included, into its branches).


@settings(max_examples=40, deadline=None)
@given(knowledge_bases(rules_between=(8, 30), keyed=True), st.lists(COMPLETE, max_size=4))
def test_indexed_rule_bases_agree_with_the_reference_on_complete_patients(
    kb: spinerules.KnowledgeBase, profiles: list[dict[str, Any]]
) -> None:
    for profile in profiles:
        agree(kb, profile)


@settings(max_examples=40, deadline=None)
@given(knowledge_bases(rules_between=(8, 30), keyed=True), st.lists(PARTIAL, max_size=4))
def test_indexed_rule_bases_agree_with_the_reference_on_partial_patients(
    kb: spinerules.KnowledgeBase, profiles: list[dict[str, Any]]
) -> None:
    for profile in profiles:
        agree(kb, profile)


@settings(max_examples=60, deadline=None)
@given(knowledge_bases())
def test_which_actions_count_where_is_the_reference_reading(kb: spinerules.KnowledgeBase) -> None:
    """`Model.reaches` (what the analyzer and explanations use) against the reference's reading
    of lines 2-3 of the semantics page, for every verdict action, technique and site."""
    for rule in kb.rules:
        for action in rule.actions:
            if action.kind.value not in ("contraindicate", "caution", "recommend", "allow"):
                continue
            for technique in kb.techniques:
                for site in (None, *kb.sites):
                    assert kb.model.reaches(action, technique, site) == counts(
                        kb, action, technique, site
                    ), (rule.id, technique, site)


@settings(max_examples=60, deadline=None)
@given(knowledge_bases())
def test_each_rules_flattened_reach_is_the_reference_reading(kb: spinerules.KnowledgeBase) -> None:
    """`Program.reached` (the technique hierarchy folded into each rule, for tools such as the
    benchmark's translations): every technique an unqualified verdict action of the rule counts
    in, by the reference's reading, with the highest such level."""
    program = kb.program
    for r, rule in enumerate(kb.rules):
        expected: dict[str, int] = {}
        for action in rule.actions:
            if action.kind.value in LEVEL and action.site is None:
                for technique in kb.techniques:
                    if counts(kb, action, technique, None):
                        level = LEVEL[action.kind.value]
                        expected[technique] = max(expected.get(technique, 0), level)
        got = {program.techniques[t]: level for t, level in program.reached(r)}
        assert got == expected, rule.id


@settings(max_examples=60, deadline=None)
@given(knowledge_bases(), st.lists(st.one_of(COMPLETE, PARTIAL), min_size=1, max_size=4))
def test_the_engines_three_valued_logic_is_the_reference_reading(
    kb: spinerules.KnowledgeBase, profiles: list[dict[str, Any]]
) -> None:
    """`logic.kleene` on the lowered conditions (what explanations trace) against the
    reference's reading of line 7 on the parsed ones, for every rule and every atom form."""
    from reference import truth

    from spinerules.engine.logic import kleene

    for profile in profiles:
        values = kb.check(profile)
        for rule, lowered in zip(kb.rules, kb.program.lowered, strict=True):
            assert kleene(lowered, values) == truth(kb, rule.condition, profile), rule.id
