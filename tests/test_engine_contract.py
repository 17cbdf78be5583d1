"""Deterministic tests of the engine's contract, through every path that computes a verdict:
the generated code for complete patients (`screen`, `evaluate`), Kleene logic for partial
ones, explanations, and verdicts at a site. Each adjacent pair of the verdict order, every
depth of inheritance, and the input check on bad profiles."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import FactError, Verdict

V = Verdict
LEVELS = ["allow", "recommend", "caution", "contraindicate"]
NAMES = {"allow": V.ALLOWED, "recommend": V.RECOMMENDED, "caution": V.CAUTION}
NAMES["contraindicate"] = V.CONTRAINDICATED
HEAD = "fact a: bool\nfact b: bool\nfact c: bool\ntechnique t\nsite s\n"


def every_path(kb: spinerules.KnowledgeBase, profile: dict[str, Any], technique: str) -> set[V]:
    """The verdict of `technique` by every path the engine has for this profile."""
    res = kb.evaluate(profile)
    found = {
        res.verdict(technique),
        res.verdicts()[technique],
        kb.screen(profile)[technique],
        res.assessments()[technique].verdict,
        res.assessment(technique).verdict,
    }
    return found


@pytest.mark.parametrize("low, high", list(itertools.pairwise(LEVELS)))
@pytest.mark.parametrize("first", ["low", "high"])
def test_each_adjacent_pair_of_the_verdict_order(low: str, high: str, first: str) -> None:
    """`contraindicated` > `caution` > `recommended` > `allowed` > `unassessed`, whichever rule
    comes first, complete or partial, with or without a site."""
    rules = {
        "low": f'rule lo: if a then {low} t because "l"',
        "high": f'rule hi: if b then {high} t because "h"',
    }
    order = [rules[first], rules["high" if first == "low" else "low"]]
    kb = spinerules.compile_text(HEAD + "\n".join(order))
    both = {"a": True, "b": True, "c": False}
    assert every_path(kb, both, "t") == {NAMES[high]}
    assert every_path(kb, {"a": True, "b": True}, "t") == {NAMES[high]}  # partial: c unknown
    assert kb.evaluate(both).verdict("t", at="s") is NAMES[high]
    assert every_path(kb, {"a": True, "b": False, "c": False}, "t") == {NAMES[low]}
    assert every_path(kb, {"a": False, "b": False, "c": False}, "t") == {V.UNASSESSED}
    # the higher one pending: not decided; the lower one pending: decided
    assert every_path(kb, {"a": True, "c": False}, "t") == {V.UNDETERMINED}
    assert every_path(kb, {"b": True, "c": False}, "t") == {NAMES[high]}
    # the same order at a site
    at_site = [r.replace(" t because", " t at s because") for r in order]
    kb = spinerules.compile_text(HEAD + "\n".join(at_site))
    res = kb.evaluate(both)
    assert res.verdict("t") is V.UNASSESSED
    assert res.verdict("t", at="s") is NAMES[high]
    assert res.assessment("t", at="s").verdict is NAMES[high]


def test_allowed_is_above_unassessed_and_below_recommended() -> None:
    kb = spinerules.compile_text(
        HEAD + 'rule x: if a then allow t because "x"\nrule y: if b then recommend t because "y"'
    )
    assert every_path(kb, {"a": True, "b": False, "c": False}, "t") == {V.ALLOWED}
    assert every_path(kb, {"a": True, "b": True, "c": False}, "t") == {V.RECOMMENDED}
    assert every_path(kb, {"a": False, "b": False, "c": False}, "t") == {V.UNASSESSED}
    assert [v.level for v in (V.UNASSESSED, V.ALLOWED, V.RECOMMENDED)] == [0, 1, 2]
    assert [v.level for v in (V.CAUTION, V.CONTRAINDICATED)] == [3, 4]


def chain(kind: str, depth: int, explicit_at: int | None) -> str:
    """`kind` n0 .. n<depth>, each under the one before; one of them explicit."""
    lines = []
    for i in range(depth + 1):
        under = f" under {kind[0]}{i - 1}" if i else ""
        flag = " explicit" if i == explicit_at else ""
        lines.append(f"{kind} {kind[0]}{i}{under}{flag}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_techniques_inherit_to_any_depth(depth: int) -> None:
    leaf = f"t{depth}"
    for explicit_at in (None, *range(1, depth + 1)):
        kb = spinerules.compile_text(
            "fact a: bool\nfact b: bool\n"
            + chain("technique", depth, explicit_at)
            + 'rule r: if a then recommend t0 because "r"\n'
            + 'rule q: if b then caution t0 because "q"\n'
        )
        permitted = explicit_at is None
        expected = V.RECOMMENDED if permitted else V.UNASSESSED
        assert every_path(kb, {"a": True, "b": False}, leaf) == {expected}, explicit_at
        # a restriction reaches every depth, explicit or not
        assert every_path(kb, {"a": True, "b": True}, leaf) == {V.CAUTION}
        # and a pending restriction leaves every depth undetermined
        assert every_path(kb, {"a": True}, leaf) == {V.UNDETERMINED}
        # a permission naming the explicit node reaches it and what lies below it
        if explicit_at is not None:
            named = spinerules.compile_text(
                "fact a: bool\n"
                + chain("technique", depth, explicit_at)
                + f'rule r: if a then allow t{explicit_at} because "r"\n'
            )
            assert every_path(named, {"a": True}, leaf) == {V.ALLOWED}
            assert every_path(named, {"a": True}, "t0") == {V.UNASSESSED}


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_sites_inherit_to_any_depth(depth: int) -> None:
    leaf = f"s{depth}"
    for explicit_at in (None, *range(1, depth + 1)):
        kb = spinerules.compile_text(
            "fact a: bool\nfact b: bool\ntechnique t\n"
            + chain("site", depth, explicit_at)
            + 'rule r: if a then recommend t at s0 because "r"\n'
            + 'rule p: if a then allow t because "p"\n'
            + 'rule q: if b then caution t at s0 because "q"\n'
        )
        res = kb.evaluate({"a": True, "b": False})
        permitted = explicit_at is None
        assert res.verdict("t", at=leaf) is (V.RECOMMENDED if permitted else V.UNASSESSED)
        assert res.verdict("t") is V.ALLOWED  # a site never changes the verdict without one
        assert kb.evaluate({"a": True, "b": True}).verdict("t", at=leaf) is V.CAUTION
        assert kb.evaluate({"a": True}).verdict("t", at=leaf) is V.UNDETERMINED
        sites = res.site_verdicts("t")
        assert sites[leaf] is res.verdict("t", at=leaf)


# ---- the generated input check never accepts a bad profile ---------------------------------

SCHEMA = """\
fact e: x | y
fact o: ordered low < high
fact n: int 0..4
fact b: bool
fact s: set of p | q
technique t
rule r: if b then caution t because "r"
"""
GOOD = {"e": "x", "o": "low", "n": 2, "b": False, "s": ["p"]}
BAD: dict[str, list[Any]] = {
    "e": ["z", 1, b"x", ["x"], True, 1.0],
    "o": ["medium", 0, 1, ["low"], b"low"],
    "n": [True, False, 1.0, "2", 5, -1, [2]],
    "b": [0, 1, "true", "false", 1.0, [True]],
    "s": ["p", "pq", {"p": True}, ["r"], [1], {"p"} | {"z"}, 3, (x for x in "p")],
}


@st.composite
def bad_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A profile with one or more wrong facts (or an unknown fact name)."""
    profile: dict[str, Any] = {k: v for k, v in GOOD.items() if draw(st.booleans())}
    wrong = draw(st.lists(st.sampled_from(sorted(BAD)), min_size=1, max_size=3, unique=True))
    for name in wrong:
        profile[name] = draw(st.sampled_from(BAD[name]))
    if draw(st.integers(0, 4)) == 0:
        profile[draw(st.sampled_from(["E", "fever", "x", ""]))] = True
    return profile


@settings(max_examples=300, deadline=None)
@given(bad_profiles())
def test_no_bad_profile_passes_either_check(profile: dict[str, Any]) -> None:
    kb = spinerules.compile_text(SCHEMA)
    from spinerules.model.profile import normalize

    with pytest.raises(FactError):
        normalize(kb.facts, kb.program.slots, dict(profile))
    with pytest.raises(Exception):  # noqa: B017 - any: the careful check then explains
        kb.program.quick_check(dict(profile))
    for call in (kb.check, kb.screen, kb.evaluate):
        with pytest.raises(FactError):
            call(dict(profile))
