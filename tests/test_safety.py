"""Safety for every patient, on the default knowledge base (`load_all()`): red flags and general
contraindications reach every condition and an unknown one, missing safety facts are never
fine, permissions stop at techniques and sites that need explicit permission, the next
questions put safety first, and facts no rule read are reported.

Expected values follow from the documents' sentences (quoted beside each) and from the rules
of rulesets/general_screening.rules that generalize them; nothing is copied from a run.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import Verdict, cli
from spinerules.analysis import Code, analyze
from spinerules.testing import patients

V = Verdict
KB = spinerules.load_all()
CONDITIONS = list(KB.facts["condition"].values)
MASSAGE_FAMILY = [
    t for t, node in KB.techniques.items() if t == "massage" or "massage" in node.ancestors
]
PERMISSIVE = {V.RECOMMENDED, V.ALLOWED}
DOC_001 = "001_a4f5aba77bdab6a8.txt"  # stenosis
DOC_002 = "002_959be2965843c846.txt"  # herniation
DOC_004 = "004_950ed61d20ba8d20.txt"  # osteochondrosis


def favourable(condition: str | None) -> dict[str, Any]:
    """Every fact of the vocabulary known and favourable (the condition unknown if None)."""
    profile: dict[str, Any] = {
        "phase": "remission" if condition == "osteochondrosis" else "chronic",
        "severity": "mild",
        "trend": "stable",
        "region": "lumbar",
        "stenosis_location": "central",
        "symptoms": ["nagging_pain"] if condition == "osteochondrosis" else [],
        "red_flags": [],
        "comorbidities": [],
        "recent_spinal_surgery": False,
        "prior_fusion": False,
        "failed_conservative_care": False,
        "nerve_root_compression": False,
        "inflammation_controlled": True,
        "medical_clearance": True,
        "imaging_done": True,
        "dermatologist_consulted": True,
        "minutes_since_meal": 180,
        "therapist": "medical",
    }
    if condition is not None:
        profile["condition"] = condition
    return profile


#: (what is added to a favourable patient, the general rule, the document it generalizes,
#: whether the document asks for immediate medical attention), with the sentence behind it
FINDINGS: list[tuple[dict[str, Any], str, str, bool]] = [
    # 001: "unexplained neurological deficits (like sudden loss of bladder or bowel control)
    # necessitate immediate medical attention and preclude massage"
    ({"red_flags": ["bladder_bowel_dysfunction"]}, "general_red_flags", DOC_001, True),
    ({"red_flags": ["unexplained_neuro_deficit"]}, "general_red_flags", DOC_001, True),
    # 001: "severe, uncontrolled osteoporosis, recent spinal surgery ... preclude massage"
    ({"recent_spinal_surgery": True}, "general_recent_spinal_surgery", DOC_001, True),
    (
        {"comorbidities": ["severe_uncontrolled_osteoporosis"]},
        "general_severe_osteoporosis",
        DOC_001,
        True,
    ),
    # 001: "an acute flare-up of pain or inflammation"; 002: "currently experiencing an acute
    # episode"; 004: "acute piercing pain in the lower back"
    ({"phase": "acute"}, "general_acute_flare_up", DOC_001, False),
    ({"phase": "acute"}, "general_acute_episode", DOC_002, False),
    ({"comorbidities": ["acute_inflammation"]}, "general_acute_flare_up", DOC_001, False),
    ({"symptoms": ["acute_piercing_pain"]}, "general_acute_piercing_pain", DOC_004, False),
    # 004: "Contraindications to the procedure: ..."
    ({"comorbidities": ["skin_lesion_in_area"]}, "general_skin_microtrauma", DOC_004, False),
    ({"comorbidities": ["skin_infection"]}, "general_skin_infection", DOC_004, False),
    ({"comorbidities": ["vein_inflammation"]}, "general_veins_thrombosis", DOC_004, False),
    ({"comorbidities": ["thrombosis_risk"]}, "general_veins_thrombosis", DOC_004, False),
    ({"comorbidities": ["active_tuberculosis"]}, "general_tuberculosis", DOC_004, False),
    ({"comorbidities": ["neoplasm"]}, "general_neoplasm", DOC_004, False),
    ({"comorbidities": ["venereal_disease"]}, "general_venereal_disease", DOC_004, False),
    ({"comorbidities": ["bleeding"]}, "general_bleeding", DOC_004, False),
    ({"comorbidities": ["osteomyelitis"]}, "general_osteomyelitis", DOC_004, False),
    ({"comorbidities": ["acute_cardiovascular"]}, "general_acute_cardiovascular", DOC_004, False),
    ({"comorbidities": ["respiratory_disease"]}, "general_respiratory_intestinal", DOC_004, False),
    ({"comorbidities": ["intestinal_disease"]}, "general_respiratory_intestinal", DOC_004, False),
    ({"comorbidities": ["fever"]}, "general_fever", DOC_004, False),
    ({"comorbidities": ["digestive_disorder"]}, "general_digestive_disorder", DOC_004, False),
    ({"comorbidities": ["acute_inflammation"]}, "general_acute_inflammation", DOC_004, False),
    # 004: "If there are moles in the lumbar area, a preliminary consultation with a
    # dermatologist is necessary."
    (
        {"comorbidities": ["moles_in_area"], "dermatologist_consulted": False},
        "general_moles_not_yet_seen",
        DOC_004,
        False,
    ),
]


@pytest.mark.parametrize("condition", [*CONDITIONS, None], ids=lambda c: c or "unknown")
@pytest.mark.parametrize(
    "finding", FINDINGS, ids=lambda f: f"{f[1]}:{','.join(map(str, f[0].values()))}"
)
def test_every_condition_is_screened_for_every_red_flag_and_contraindication(
    condition: str | None, finding: tuple[dict[str, Any], str, str, bool]
) -> None:
    change, rule_id, document, urgent = finding
    res = KB.evaluate({**favourable(condition), **change})
    for technique in MASSAGE_FAMILY:  # joint mobilization included
        assert res.verdict(technique) is V.CONTRAINDICATED, technique
    reasons = {r.rule_id: r for r in res.reasons("massage")}
    assert rule_id in reasons
    assert reasons[rule_id].document == document
    assert reasons[rule_id].generalized  # visible: a statement applied to everyone
    urgent_referrals = [r for r in res.referrals if r.urgency == "urgent"]
    if urgent:
        assert urgent_referrals, "the document asks for immediate medical attention"
        assert urgent_referrals[0].reason.document == document


@pytest.mark.parametrize("condition", [*CONDITIONS, None], ids=lambda c: c or "unknown")
def test_a_favourable_patient_is_not_restricted_by_the_screening(condition: str | None) -> None:
    res = KB.evaluate(favourable(condition))
    fired = {r.id for r in res.fired if r.ruleset == "general_screening"}
    # only the site precautions, which apply to everyone: vertebrae and kidney area
    assert fired == {"general_no_pressure_on_vertebrae", "general_kidney_area"}
    assert all(r.urgency != "urgent" for r in res.referrals)
    assert res.verdict("massage", at="vertebrae") is V.CONTRAINDICATED
    assert res.verdict("deep_pressure", at="kidney_area") is V.CONTRAINDICATED


@pytest.mark.parametrize("condition", [*CONDITIONS, None], ids=lambda c: c or "unknown")
@pytest.mark.parametrize("fact", ["red_flags", "comorbidities", "recent_spinal_surgery", "phase"])
def test_missing_safety_facts_are_never_fine(condition: str | None, fact: str) -> None:
    profile = favourable(condition)
    del profile[fact]
    res = KB.evaluate(profile)
    for technique in MASSAGE_FAMILY:
        assert res.verdict(technique) not in PERMISSIVE, technique
    assert res.verdict("massage") is V.UNDETERMINED
    assert fact in [m.fact for m in res.missing]


# ---- for every patient -------------------------------------------------------------------

GENERAL_FINDINGS = [change for change, _, _, _ in FINDINGS]


@settings(max_examples=200, deadline=None)
@given(patients(KB), st.sampled_from(GENERAL_FINDINGS))
def test_adding_a_red_flag_or_contraindication_never_leaves_massage_permitted(
    patient: dict[str, Any], change: dict[str, Any]
) -> None:
    worse = dict(patient)
    for fact, value in change.items():
        if isinstance(value, list):  # add to the set, keep what was there
            worse[fact] = sorted({*patient[fact], *value})
        else:
            worse[fact] = value
    res = KB.evaluate(worse)
    for technique in MASSAGE_FAMILY:
        assert res.verdict(technique) not in PERMISSIVE, technique
        for site in KB.sites:
            assert res.verdict(technique, at=site) not in PERMISSIVE, (technique, site)


EXPLICIT_TECHNIQUES = [t for t, node in KB.techniques.items() if node.explicit]
EXPLICIT_SITES = [s for s, node in KB.sites.items() if node.explicit]


def test_the_vocabulary_declares_what_needs_explicit_permission() -> None:
    # pressure, devices, cupping and joint work; the bony and sensitive sites
    assert {"manual_pressure", "deep_pressure", "hardware_massage", "cupping"} <= set(
        EXPLICIT_TECHNIQUES
    )
    assert {"joint_mobilization", "trigger_point"} <= set(EXPLICIT_TECHNIQUES)
    assert set(EXPLICIT_SITES) == {"vertebrae", "affected_segment", "kidney_area"}
    # joint work is in the massage family, so every restriction of massage reaches it
    assert "massage" in KB.techniques["joint_mobilization"].ancestors
    # the affected segment lies on the vertebrae: a restriction there reaches it
    assert KB.sites["affected_segment"].ancestors == ("vertebrae", "lumbar_spine")


@settings(max_examples=200, deadline=None)
@given(patients(KB))
def test_no_permission_reaches_what_needs_explicit_permission(patient: dict[str, Any]) -> None:
    res = KB.evaluate(patient)
    for technique in EXPLICIT_TECHNIQUES:
        for reason in res.assessment(technique).fired:
            if reason.kind in ("recommend", "allow"):
                assert reason.technique == technique, (technique, reason.rule_id)
    for technique in KB.techniques:
        for site in EXPLICIT_SITES:
            for reason in res.assessment(technique, at=site).fired:
                if reason.kind in ("recommend", "allow"):
                    assert reason.site == site, (technique, site, reason.rule_id)


def test_a_recommendation_of_massage_stops_at_pressure_devices_and_bony_sites() -> None:
    # 000 "Medical massage may benefit individuals with: ... Non-specific low back pain"
    res = KB.evaluate(favourable("nonspecific_lbp"))
    assert res.verdict("massage") in PERMISSIVE
    for technique in ("deep_pressure", "hardware_massage", "cupping", "acupressure"):
        assert res.verdict(technique) is V.UNASSESSED, technique
    assert res.verdict("massage", at="vertebrae") is V.CONTRAINDICATED
    assert res.verdict("massage", at="affected_segment") is V.CONTRAINDICATED
    assert res.verdict("massage", at="kidney_area") is V.CAUTION
    assert res.verdict("massage", at="buttocks") is res.verdict("massage")


def test_osteochondrosis_in_remission_never_permits_work_on_the_affected_segment() -> None:
    # 004: "There is no mechanical effect on the vertebrae - only soft tissues are kneaded."
    res = KB.evaluate(favourable("osteochondrosis"))
    assert res.verdict("massage") is V.RECOMMENDED
    assert res.verdict("deep_pressure", at="affected_segment") is V.CONTRAINDICATED


def test_the_analyzer_finds_no_worsening_that_relaxes_a_restriction() -> None:
    report = analyze(KB)
    assert report.ok
    everything = report.findings + report.accepted
    assert not [f for f in everything if f.code is Code.MONOTONICITY]


# ---- the next questions ------------------------------------------------------------------


def test_with_nothing_known_the_red_flags_come_first() -> None:
    missing = KB.evaluate({}).missing
    assert "red_flags" in [m.fact for m in missing[:3]]
    assert missing[0].stakes == "urgent referral"
    # an urgent referral, then a contraindication, then the rest
    ranks = ["urgent referral", "contraindicate"]
    seen = [ranks.index(m.stakes) if m.stakes in ranks else 2 for m in missing if not _session(m)]
    assert seen == sorted(seen)


def test_day_of_session_details_come_after_the_clinical_screening() -> None:
    missing = KB.evaluate({"condition": "osteochondrosis"}).missing
    facts = [m.fact for m in missing]
    assert "minutes_since_meal" in facts
    assert facts[-1] == "minutes_since_meal"  # it could contraindicate, yet it is asked last
    assert KB.facts["minutes_since_meal"].session


def _session(missing: spinerules.MissingFact) -> bool:
    return KB.facts[missing.fact].session


def test_an_urgent_referral_outranks_a_contraindication_in_the_stakes() -> None:
    res = KB.evaluate({"condition": "stenosis", "phase": "chronic"})
    stakes = {m.fact: m.stakes for m in res.missing}
    # red flags could bring both a contraindication and an urgent referral (001)
    assert stakes["red_flags"] == "urgent referral"
    assert stakes["medical_clearance"] == "contraindicate"


# ---- given facts no rule read --------------------------------------------------------------


def test_a_red_flag_no_rule_reads_is_reported() -> None:
    herniation = spinerules.load("herniation")
    res = herniation.evaluate(
        {"condition": "muscle_tension", "red_flags": ["bladder_bowel_dysfunction"]}
    )
    assert res.verdict("massage") is V.UNASSESSED
    # every herniation rule is decided by `condition = herniation` being false
    assert res.unused_facts == ("red_flags",)
    assert "red_flags" in res.to_dict()["unused_facts"]
    # with the general screening, the same red flag is read, and decides
    everyone = KB.evaluate(
        {"condition": "muscle_tension", "red_flags": ["bladder_bowel_dysfunction"]}
    )
    assert "red_flags" not in everyone.unused_facts
    assert everyone.verdict("massage") is V.CONTRAINDICATED


def test_query_says_when_the_general_screening_is_left_out_and_what_was_not_read() -> None:
    out, err = io.StringIO(), io.StringIO()
    args = ["query", "herniation", "--fact", "condition=muscle_tension"]
    status = cli.main(
        ["--color", "never", *args, "--fact", "red_flags=bladder_bowel_dysfunction", "--all"],
        stdout=out,
        stderr=err,
    )
    assert status == 0
    text = out.getvalue()
    assert "general safety screening is not included" in text
    assert "not considered for this patient (no rule read them): red_flags" in text
    out = io.StringIO()
    flag = "red_flags=bladder_bowel_dysfunction"
    cli.main(["--color", "never", "query", "all", "--fact", flag, "--all"], stdout=out)
    assert "general safety screening is not included" not in out.getvalue()
    assert "[generalized to every condition]" in out.getvalue()
    assert KB.general_screening and not spinerules.load("herniation").general_screening
    assert spinerules.load("herniation").evaluate({}).to_dict()["general_screening"] is False


# ---- the readings of item 6 ----------------------------------------------------------------


def test_permissive_strength_follows_the_wording() -> None:
    # 000 "may benefit" -> allowed; 002 "can generally receive ... can generally benefit" ->
    # recommended; 004 "is indicated" -> recommended
    fusion = spinerules.load("fusion_avoidance").evaluate(
        {"condition": "nonspecific_lbp", "phase": "subacute"}  # not chronic: no studies' finding
    )
    assert fusion.verdict("massage") is V.ALLOWED
    herniation = spinerules.load("herniation").evaluate(
        {
            "condition": "herniation",
            "severity": "mild",
            "phase": "chronic",
            "trend": "stable",
            "symptoms": [],
            "red_flags": [],
            "medical_clearance": True,
        }
    )
    assert herniation.verdict("massage") is V.RECOMMENDED


def test_strenuous_exercise_is_no_false_disagreement_with_active_treatment() -> None:
    res = KB.evaluate(favourable("herniation"))
    assert res.verdict("strenuous_exercise") is V.CONTRAINDICATED  # 002 "avoid strenuous exercise"
    assert not [d for d in res.disagreements if d.technique in ("exercise", "strenuous_exercise")]


def test_doctors_choices_are_advice_not_recommendations_beside_a_contraindication() -> None:
    # 003 "it's much more likely that your doctor will recommend a combination ... Each patient is
    # different": for a bleeding patient who needs urgent referral nothing recommends weight loss
    # or anti-inflammatory medication on 003's word
    res = KB.evaluate(
        {
            **favourable("nonspecific_lbp"),
            "comorbidities": ["bleeding"],
            "recent_spinal_surgery": True,
        }
    )
    assert res.verdict("weight_loss") is V.UNASSESSED
    assert res.verdict("anti_inflammatory_medication") is V.UNASSESSED
    texts = " ".join(a.text for a in res.advice)
    assert "Discuss with the physician" in texts
    assert "A couple of massage sessions may help" in texts  # "a couple massage sessions"


def test_a_documents_own_restriction_is_no_disagreement() -> None:
    # stenosis with nerve-root compression: 001 recommends Swedish massage but itself cautions
    # ("massage must be approached cautiously"); 003 cautions too: the documents agree
    res = KB.evaluate({**favourable("stenosis"), "nerve_root_compression": True})
    assert res.verdict("swedish") is V.CAUTION
    assert not [
        d for d in res.disagreements if d.kind == "verdict" and d.permissive.document == DOC_001
    ]


def test_real_disagreements_are_reported() -> None:
    doc_000, doc_003 = "000_5d9418fc1ea40827.txt", "003_6a5c21f48292ca6a.txt"
    # 003 "would really only be effective if ... muscle tension" against 000's "may benefit"
    res = KB.evaluate(favourable("nonspecific_lbp"))
    benefit = [d for d in res.disagreements if d.kind == "benefit"]
    assert {(d.permissive.document, d.restrictive.document) for d in benefit} == {
        (doc_000, doc_003)
    }
    assert "massage" in benefit[0].techniques
    # 003's "a couple" of sessions against 004's course of 10 (15 or more when severe)
    res = KB.evaluate(favourable("osteochondrosis"))
    advice = [d for d in res.disagreements if d.kind == "advice"]
    assert {d.topic for d in advice} == {"sessions"}
    assert {d.permissive.document for d in advice} | {d.restrictive.document for d in advice} == {
        doc_003,
        DOC_004,
    }
    # 000's post-operative patients against 001's recent spinal surgery
    res = KB.evaluate(
        {**favourable("disc_degeneration"), "prior_fusion": True, "recent_spinal_surgery": True}
    )
    assert res.verdict("massage") is V.CONTRAINDICATED
    pairs = {
        (d.permissive.rule_id, d.restrictive.rule_id)
        for d in res.disagreements
        if d.kind == "verdict" and d.technique == "massage"
    }
    assert ("fusion_avoidance_post_operative", "general_recent_spinal_surgery") in pairs
