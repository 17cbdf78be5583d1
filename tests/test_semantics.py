"""One test (or more) per numbered line of docs/semantics.md, on the demo knowledge base in
conftest.py. Expected values are worked out from the demo's rules, quoted in each test."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import DEMO, two_documents

import spinerules
from spinerules import FactError, KnowledgeBase, Verdict

V = Verdict
# A herniation patient for whom only `mild_herniation` (recommend massage; caution deep_pressure
# at affected_segment) and `exercise_always` fire, with every other fact known.
CALM: dict[str, Any] = {
    "condition": "herniation",
    "phase": "chronic",
    "trend": "stable",
    "pain_score": 3,
    "fever": False,
    "symptoms": [],
}


# 1. Most restrictive wins, whatever the order or specificity.
def test_most_restrictive_wins(demo: KnowledgeBase) -> None:
    res = demo.evaluate({**CALM, "fever": True})
    # mild_herniation recommends massage, fever_blocks contraindicates it
    assert res.verdict("massage") is V.CONTRAINDICATED
    assert res.verdict("swedish") is V.CONTRAINDICATED


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_more_specific_permissive_rule_never_relaxes(order: tuple[int, ...]) -> None:
    rules = [
        'rule broad: if f then caution massage because "b"',
        'rule narrow: if f then recommend deep because "n"',
        'rule allow_all: if f then allow massage because "a"',
    ]
    text = "fact f: bool\ntechnique massage\ntechnique deep under massage\n" + "\n".join(
        rules[i] for i in order
    )
    res = spinerules.compile_text(text).evaluate({"f": True})
    assert res.verdict("deep") is V.CAUTION
    assert res.verdict("massage") is V.CAUTION


# 2. Hierarchy: an action reaches the technique and all its descendants.
def test_actions_reach_descendants_only(demo: KnowledgeBase) -> None:
    res = demo.evaluate({**CALM, "fever": True})
    assert res.verdict("deep_pressure") is V.CONTRAINDICATED  # under manual_pressure under massage
    assert res.verdict("exercise") is V.RECOMMENDED  # not under massage
    nerve = demo.evaluate({**CALM, "phase": "subacute", "symptoms": ["numbness"]})
    # nerve_signs cautions manual_pressure: its child deep_pressure too, its parent massage not
    assert nerve.verdict("manual_pressure") is V.CAUTION
    assert nerve.verdict("deep_pressure") is V.CAUTION
    assert nerve.verdict("massage") is V.UNASSESSED
    assert nerve.verdict("swedish") is V.UNASSESSED


# 3. Sites.
def test_site_actions_count_only_when_asked_at_that_site_or_below(demo: KnowledgeBase) -> None:
    res = demo.evaluate(CALM)
    assert res.verdict("deep_pressure") is V.RECOMMENDED
    assert res.verdict("deep_pressure", at="affected_segment") is V.CAUTION
    # an action at a descendant site does not count at its ancestor
    assert res.verdict("deep_pressure", at="lumbar_spine") is V.RECOMMENDED
    # an action on a child technique does not reach its parent
    assert res.verdict("manual_pressure", at="affected_segment") is V.RECOMMENDED
    assert res.site_verdicts("deep_pressure") == {"affected_segment": V.CAUTION}
    assert all(r.site is None for r in res.reasons("deep_pressure"))
    at = res.reasons("deep_pressure", at="affected_segment")
    assert [(r.rule_id, r.kind, r.site, r.note) for r in at] == [
        ("mild_herniation", "caution", "affected_segment", "gentle only")
    ]


def test_site_actions_at_an_ancestor_site_count_below_it() -> None:
    kb = spinerules.compile_text(
        "fact f: bool\ntechnique t\nsite spine\nsite segment under spine\n"
        'if f then contraindicate t at spine because "x"'
    )
    res = kb.evaluate({"f": True})
    assert res.verdict("t") is V.UNASSESSED
    assert res.verdict("t", at="spine") is V.CONTRAINDICATED
    assert res.verdict("t", at="segment") is V.CONTRAINDICATED
    assert res.site_verdicts("t") == {"spine": V.CONTRAINDICATED, "segment": V.CONTRAINDICATED}


# 4. Nothing hidden.
def test_overridden_permissive_actions_stay_visible(demo: KnowledgeBase) -> None:
    res = demo.evaluate({**CALM, "fever": True})
    (override,) = res.overridden("massage")
    assert override.permissive.rule_id == "mild_herniation"
    assert override.permissive.quote == "can generally receive massage therapy"
    assert [r.rule_id for r in override.by] == ["fever_blocks"]
    assert override.by[0].quote == "elevated body temperature"
    assert res.disagreements == ()  # both rules cite the same document


def test_disagreements_between_documents(tmp_path: Any) -> None:
    kb = two_documents(
        tmp_path,
        "fact f: bool\ntechnique massage\ntechnique sw under massage\n",
        'rule a_ok: if f then recommend sw because "fine" cite quote "qa"',
        'rule b_no: if f then caution massage because "careful" cite quote "qb"',
    )
    res = kb.evaluate({"f": True})
    assert res.verdict("sw") is V.CAUTION
    (d,) = res.disagreements
    assert d.technique == "sw"
    assert (d.permissive.rule_id, d.permissive.document, d.permissive.quote) == (
        "a_ok",
        "a.txt",
        "qa",
    )
    assert (d.restrictive.rule_id, d.restrictive.document, d.restrictive.quote) == (
        "b_no",
        "b.txt",
        "qb",
    )


# 6. Missing means unknown.
def test_absent_and_none_are_both_unknown(demo: KnowledgeBase) -> None:
    absent = demo.evaluate({"condition": "herniation"})
    as_none = demo.evaluate({"condition": "herniation", "phase": None, "fever": None})
    assert absent.to_dict() == as_none.to_dict()
    # acute_herniation waits for phase/trend: massage is not read as fine
    assert absent.verdict("massage") is V.UNDETERMINED


# 7. Kleene truth tables.
T, F, U = True, False, None
KLEENE_AND = {(T, T): T, (T, U): U, (T, F): F, (U, U): U, (U, F): F, (F, F): F}
KLEENE_OR = {(T, T): T, (T, U): T, (T, F): T, (U, U): U, (U, F): U, (F, F): F}
KLEENE_NOT = {T: F, U: U, F: T}

LOGIC = spinerules.compile_text(
    "fact a: bool\nfact b: bool\ntechnique t\n"
    'rule both: if a and b then allow t because "x"\n'
    'rule either: if a or b then allow t because "x"\n'
    'rule neg: if not a then allow t because "x"\n'
    'rule is_known: if a is known then allow t because "x"\n'
    'rule is_unknown: if a is unknown then allow t because "x"\n'
)


def state(res: spinerules.Result, rule: str) -> bool | None:
    if rule in [r.id for r in res.fired]:
        return True
    if rule in [r.id for r in res.pending]:
        return None
    return False


@pytest.mark.parametrize(("a", "b"), list(itertools.product([T, U, F], repeat=2)))
def test_kleene_tables(a: bool | None, b: bool | None) -> None:
    res = LOGIC.evaluate({"a": a, "b": b})
    key = (a, b) if (a, b) in KLEENE_AND else (b, a)
    assert state(res, "both") is KLEENE_AND[key]
    assert state(res, "either") is KLEENE_OR[key]
    assert state(res, "neg") is KLEENE_NOT[a]
    assert state(res, "is_known") is (a is not None)
    assert state(res, "is_unknown") is (a is None)


@pytest.mark.parametrize(
    "cond",
    [
        "c = x",
        "c != x",
        "c in {x}",
        "c not in {x}",
        "o < mid",
        "o >= mid",
        "n > 2",
        "s has p",
        "s has any {p}",
        "s has all {p, q}",
        "f",
    ],
)
def test_every_comparison_on_an_unknown_fact_is_unknown(cond: str) -> None:
    kb = spinerules.compile_text(
        "fact c: x | y\nfact o: ordered low < mid < high\nfact n: int 0..5\nfact f: bool\n"
        f'fact s: set of p | q\ntechnique t\nrule r: if {cond} then caution t because "x"'
    )
    res = kb.evaluate({})
    assert [r.id for r in res.pending] == ["r"]
    assert res.verdict("t") is V.UNDETERMINED


# 8. Fires, silent, pending.
def test_fired_silent_pending(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "fever": False})
    assert [r.id for r in res.fired] == ["exercise_always"]
    # acute/mild wait for phase (and trend); nerve_signs for symptoms; severe_pain for pain_score
    assert [r.id for r in res.pending] == [
        "acute_herniation",
        "mild_herniation",
        "nerve_signs",
        "severe_pain",
    ]
    # fever_blocks (fever is false) and kidneys (herniation is not in the set) are silent


# 9. Undetermined.
def test_undetermined_when_a_pending_rule_is_more_restrictive(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "fever": False})
    judged = res.assessment("massage")
    assert judged.verdict is V.UNDETERMINED
    assert (judged.floor, judged.ceiling) == (V.UNASSESSED, V.CONTRAINDICATED)
    assert [r.rule_id for r in judged.pending] == ["acute_herniation", "mild_herniation"]
    assert res.verdict("exercise") is V.RECOMMENDED  # nothing pending reaches exercise


def test_not_undetermined_when_pending_rules_cannot_make_it_worse(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "fever": True})
    # fever_blocks already contraindicates massage; acute/mild pending cannot go higher
    assert res.verdict("massage") is V.CONTRAINDICATED
    assert res.assessment("massage").pending == ()


# 10. Missing facts, most decisive first.
def test_missing_facts_order(demo: KnowledgeBase) -> None:
    res = demo.evaluate({})
    # pain_score could trigger an urgent referral (severe_pain): it comes first. condition and
    # phase could trigger a contraindication (acute_herniation); condition waits in three
    # pending rules (acute, mild, kidneys), phase in two; trend and fever in one each, in
    # declaration order; symptoms could trigger a caution.
    assert [m.fact for m in res.missing] == [
        "pain_score",
        "condition",
        "phase",
        "trend",
        "fever",
        "symptoms",
    ]
    assert res.missing[0].stakes == "urgent referral"
    second = res.missing[1]
    assert second.values == ("nonspecific_lbp", "herniation", "stenosis")
    assert second.stakes == "contraindicate"
    assert second.rules == ("acute_herniation", "mild_herniation", "kidneys")
    assert res.missing[-1].stakes == "caution"


def test_missing_leaves_out_facts_that_cannot_change_anything(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "fever": True})
    # fever_blocks contraindicates massage and so everything under it. acute_herniation (phase,
    # trend) and mild_herniation (phase: recommend massage, caution deep_pressure at a site) can
    # change no verdict any more, so neither trend nor phase is asked; pain_score (urgent
    # referral) and symptoms (nerve_signs' requirement) still matter.
    assert [m.fact for m in res.missing] == ["pain_score", "symptoms"]


# 11. More facts never undo a decision.
def test_more_facts_keep_decided_verdicts(demo: KnowledgeBase) -> None:
    partial = demo.evaluate({"condition": "herniation", "fever": True})
    full = demo.evaluate({**CALM, "fever": True})
    for technique, verdict in partial.verdicts().items():
        if verdict is not V.UNDETERMINED:
            assert full.verdict(technique) is verdict


# 13. A set fact is the whole set.
def test_a_given_set_is_the_whole_set(demo: KnowledgeBase) -> None:
    res = demo.evaluate({**CALM, "phase": "subacute", "symptoms": ["tingling"]})
    assert "nerve_signs" not in [r.id for r in res.fired]
    assert "nerve_signs" not in [r.id for r in res.pending]


# 14. Input is checked.
@pytest.mark.parametrize(
    ("profile", "fact", "words"),
    [
        ({"conditon": "herniation"}, "conditon", "did you mean `condition`"),
        ({"condition": "hernia"}, "condition", "not a value"),
        ({"condition": 3}, "condition", "got int"),
        ({"phase": "worst"}, "phase", "remission < chronic < subacute < acute"),
        ({"pain_score": 11}, "pain_score", "outside the range"),
        ({"pain_score": "7"}, "pain_score", "got str"),
        ({"pain_score": 7.0}, "pain_score", "got float"),
        ({"pain_score": True}, "pain_score", "got bool"),
        ({"fever": 1}, "fever", "true or false"),
        ({"fever": "yes"}, "fever", "got str"),
        ({"symptoms": "numbness"}, "symptoms", "got str"),
        ({"symptoms": ["numbness", "itch"]}, "symptoms", "`itch`"),
        ({"symptoms": [3]}, "symptoms", "got int"),
    ],
)
def test_bad_input_raises_fact_error(
    demo: KnowledgeBase, profile: dict[str, Any], fact: str, words: str
) -> None:
    with pytest.raises(FactError) as info:
        demo.evaluate(profile)
    assert info.value.fact == fact
    assert words in str(info.value)


def test_a_profile_must_be_a_mapping(demo: KnowledgeBase) -> None:
    with pytest.raises(FactError):
        demo.evaluate([("fever", True)])  # type: ignore[arg-type]


def test_asking_for_an_unknown_technique_or_site(demo: KnowledgeBase) -> None:
    res = demo.evaluate({})
    with pytest.raises(spinerules.UnknownNameError, match="did you mean `massage`"):
        res.verdict("masage")
    with pytest.raises(spinerules.UnknownNameError):
        res.verdict("massage", at="neck")


# 15. Determinism and order.
def test_same_input_same_result_in_declaration_and_rule_order(demo: KnowledgeBase) -> None:
    profile = {**CALM, "fever": True, "symptoms": ["numbness"], "pain_score": 9}
    first = demo.evaluate(profile).to_dict()
    again = spinerules.compile_text(DEMO, name="demo")
    assert again.evaluate(profile).to_dict() == first
    assert list(first["verdicts"]) == [
        "massage",
        "swedish",
        "manual_pressure",
        "deep_pressure",
        "exercise",
    ]
    assert first["fired"] == [
        "mild_herniation",
        "fever_blocks",
        "nerve_signs",
        "severe_pain",
        "exercise_always",
    ]
    # the urgent referral is listed before the routine one
    assert [r["urgency"] for r in first["referrals"]] == ["urgent", "routine"]


def test_a_disagreement_on_a_parent_is_reported_where_it_loses(tmp_path: Any) -> None:
    (tmp_path / "v.rules").write_text(
        "fact c: a | b\ntechnique massage\ntechnique manual_pressure under massage\n"
    )
    (tmp_path / "one.rules").write_text(
        'ruleset one\ndocument "one.txt"\nuse "v.rules"\n'
        'rule one_ok: if c = a then recommend massage because "x" cite quote "q1"\n'
    )
    (tmp_path / "two.rules").write_text(
        'ruleset two\ndocument "two.txt"\nuse "v.rules"\n'
        'rule two_no: if c = a then contraindicate manual_pressure because "y" cite quote "q2"\n'
    )
    (tmp_path / "both.rules").write_text('use "one.rules"\nuse "two.rules"\n')
    res = spinerules.load_path(tmp_path / "both.rules").evaluate({"c": "a"})
    assert res.verdict("massage") is V.RECOMMENDED  # the contraindication is on the child only
    (d,) = res.disagreements
    assert (d.permissive.rule_id, d.restrictive.rule_id) == ("one_ok", "two_no")
    assert d.techniques == ("manual_pressure",)


def test_stakes_name_what_is_at_stake(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "fever": True})
    stakes = {m.fact: m.stakes for m in res.missing}
    # massage (and manual_pressure under it) is already contraindicated by fever_blocks: pain_score
    # can only bring severe_pain's urgent referral, symptoms only nerve_signs' requirement
    assert stakes == {"pain_score": "urgent referral", "symptoms": "requirement"}
    # with nothing known, symptoms could bring nerve_signs' caution
    assert {m.fact: m.stakes for m in demo.evaluate({}).missing}["symptoms"] == "caution"
