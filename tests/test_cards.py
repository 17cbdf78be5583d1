"""Cards: every contraindication and urgent referral in a critical card, one card per rule,
short summaries; a golden card checked against the herniation document itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import Verdict

KB = spinerules.load_all()
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def profiles() -> st.SearchStrategy[dict[str, Any]]:
    """Partial profiles over the shipped vocabulary (any fact may be missing)."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name, fact in KB.facts.items():
        kind = fact.kind.value
        if kind == "bool":
            parts[name] = st.booleans()
        elif kind == "int":
            assert fact.low is not None and fact.high is not None
            parts[name] = st.integers(fact.low, fact.high)
        elif kind == "set":
            parts[name] = st.lists(st.sampled_from(fact.values), unique=True, max_size=3)
        else:
            parts[name] = st.sampled_from(fact.values)
    return st.fixed_dictionaries({}, optional=parts)


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_every_contraindication_and_urgent_referral_is_in_a_critical_card(
    profile: dict[str, Any],
) -> None:
    res = KB.evaluate(profile)
    cards = res.cards()
    critical = {c.rule_id for c in cards if c.indicator == "critical"}
    for technique, judged in res.assessments().items():
        if judged.verdict is Verdict.CONTRAINDICATED:
            assert {r.rule_id for r in judged.reasons} <= critical, technique
            covered = {t for c in cards if c.indicator == "critical" for t in c.techniques}
            assert technique in covered
    for referral in res.referrals:
        if referral.urgency == "urgent":
            assert referral.reason.rule_id in critical
    ids = [c.rule_id for c in cards if c.rule_id is not None]
    assert len(ids) == len(set(ids)), "a rule has two cards"
    assert all(len(c.summary) < 140 for c in cards)
    assert [c.indicator for c in cards] == sorted(
        (c.indicator for c in cards), key=["critical", "warning", "info"].index
    )
    undetermined = [t for t, v in res.verdicts().items() if v is Verdict.UNDETERMINED]
    incomplete = [c for c in cards if c.summary.startswith("Screening incomplete")]
    assert bool(undetermined) == bool(incomplete)
    if incomplete:
        assert incomplete[0].indicator == "warning"
        assert list(incomplete[0].questions) == [m.fact for m in res.missing]
    assert all(c.fingerprint == KB.fingerprint for c in cards)


def test_an_acute_herniation_card_quotes_the_document() -> None:
    res = KB.evaluate({"condition": "herniation", "phase": "acute"})
    (card,) = [c for c in res.cards() if c.rule_id == "herniation_severe_or_acute"]
    assert card.indicator == "critical"
    assert card.summary.startswith("Do not use massage: ")
    assert "massage" in card.techniques
    assert card.source == "Can patients with lumbar disc herniation receive massage therapy?"
    # the quote is the document's own sentence, with its section
    document = (SEEDS / "002_959be2965843c846.txt").read_text()
    assert card.quote is not None and card.quote in document
    assert card.section == "Introduction" and f"“{card.quote}”" in card.detail
    cds = card.to_cds()
    assert cds["indicator"] == "critical" and cds["source"]["label"] == card.source
    assert cds["source"]["topic"]["code"] == "herniation_severe_or_acute"


def test_one_documents_ruleset_alone_warns_that_screening_is_not_general() -> None:
    res = spinerules.load("herniation").evaluate({"condition": "stenosis"})
    assert any(c.summary.startswith("General safety screening not included") for c in res.cards())
    assert not any(
        c.summary.startswith("General safety screening") for c in KB.evaluate({}).cards()
    )


def test_a_referral_card_suggests_the_referral() -> None:
    res = KB.evaluate({"red_flags": ["bladder_bowel_dysfunction"]})
    urgent = [c for c in res.cards() if "refer" in c.kinds and c.indicator == "critical"]
    assert urgent, [c.summary for c in res.cards()]
    assert urgent[0].summary.startswith("Refer urgently to ")
    assert urgent[0].suggestions and urgent[0].suggestions[0].startswith("Refer urgently to ")


def test_a_card_says_each_technique_under_its_own_verdict() -> None:
    # herniation_rest_no_strenuous_exercise: "ensure adequate rest, and avoid strenuous
    # exercise" (002, Introduction): rest is recommended, strenuous exercise contraindicated
    res = KB.evaluate({"condition": "herniation", "phase": "acute"})
    (card,) = [c for c in res.cards() if c.rule_id == "herniation_rest_no_strenuous_exercise"]
    assert card.summary.startswith("Do not use strenuous exercise; Recommended: rest: ")
    assert res.verdict("rest") is Verdict.RECOMMENDED
