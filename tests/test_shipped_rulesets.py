"""The shipped rulesets, checked through the Python API against their source documents.

Every expected value here follows from the document text and the rule that encodes it (see
rulesets/COVERAGE.md), never from a program run. The in-file tests of each .rules file are also
run here, and together they must make every rule of their file fire at least once.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import pytest

import spinerules
from spinerules import Verdict, filetests

V = Verdict
DOCUMENTS = {
    "fusion_avoidance": "000_5d9418fc1ea40827.txt",
    "stenosis": "001_a4f5aba77bdab6a8.txt",
    "herniation": "002_959be2965843c846.txt",
    "spine_specialist": "003_6a5c21f48292ca6a.txt",
    "osteochondrosis": "004_950ed61d20ba8d20.txt",
}

# Patients for whom every restrictive fact of the document is known and negative.
CLEARED_HERNIATION: dict[str, Any] = {
    "condition": "herniation",
    "severity": "mild",
    "phase": "chronic",
    "trend": "stable",
    "nerve_root_compression": False,
    "symptoms": [],
    "red_flags": [],
    "medical_clearance": True,
}
CLEARED_STENOSIS: dict[str, Any] = {
    "condition": "stenosis",
    "region": "lumbar",
    "phase": "chronic",
    "symptoms": [],
    "red_flags": [],
    "comorbidities": [],
    "recent_spinal_surgery": False,
    "medical_clearance": True,
    "therapist": "licensed",
}
CLEARED_OSTEOCHONDROSIS: dict[str, Any] = {
    "condition": "osteochondrosis",
    "phase": "remission",
    "severity": "mild",
    "symptoms": [],
    "inflammation_controlled": True,
    "comorbidities": [],
    "medical_clearance": True,
    "imaging_done": True,
    "therapist": "medical",
    "minutes_since_meal": 180,
}


def with_(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(base)
    out.update(changes)
    return out


def fired(res: spinerules.Result) -> set[str]:
    return {rule.id for rule in res.fired}


# ---------------------------------------------------------------- structure of the rulesets


def test_every_document_is_shipped() -> None:
    assert set(spinerules.rulesets()) == {*DOCUMENTS, "vocabulary", "general_screening"}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_header_names_document_version_and_review(name: str) -> None:
    kb = spinerules.load(name)
    (info,) = [i for i in kb.rulesets if i.name == name]
    assert info.document == DOCUMENTS[name]
    assert info.version == "2.0.0"  # 2.0.0: permissions stop at explicit techniques and sites
    assert info.reviewed == datetime.date(2026, 12, 2)
    assert info.title
    if name == "fusion_avoidance":
        assert [s.split(" (")[0] for s in info.studies] == ["Pain Medicine", "BMJ Open", "MDPI"]
    else:
        assert info.studies == ()  # only document 000 names studies


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_rule_has_prefixed_id_because_and_cite(name: str) -> None:
    kb = spinerules.load(name)
    assert kb.rules
    for rule in kb.rules:
        assert rule.id.startswith(name + "_"), rule.id
        assert rule.because, rule.id
        assert rule.cites, rule.id
        assert rule.document == DOCUMENTS[name]


@pytest.mark.parametrize("name", [*sorted(DOCUMENTS), "general_screening", "vocabulary"])
def test_compiles_without_warnings(name: str) -> None:
    assert spinerules.load(name).warnings == ()


def test_rule_ids_are_unique_across_rulesets() -> None:
    names = [*DOCUMENTS, "general_screening"]
    ids = [rule.id for name in names for rule in spinerules.load(name).rules]
    assert len(ids) == len(set(ids))
    assert sorted(r.id for r in spinerules.load_all().rules) == sorted(ids)


def test_every_fact_has_a_question() -> None:
    for fact in spinerules.load("vocabulary").facts.values():
        assert fact.description and "?" in fact.description, fact.name


# ------------------------------------------------------------ in-file tests and coverage


@pytest.mark.parametrize("name", [*sorted(DOCUMENTS), "general_screening", "vocabulary"])
def test_in_file_tests_pass_and_fire_every_rule(name: str) -> None:
    run = filetests.run_kb(spinerules.load(name), name)
    assert run.outcomes, f"{name} has no in-file tests"
    assert [o.render() for o in run.outcomes if not o.passed] == []
    assert [r.id for r in filetests.coverage([run]).uncovered] == []


# ------------------------------------------------------------------------ 002 herniation


def test_herniation_acute_contraindicates_manual_pressure() -> None:
    kb = spinerules.load("herniation")
    res = kb.evaluate({"condition": "herniation", "phase": "acute"})
    assert res.verdict("manual_pressure") is V.CONTRAINDICATED
    assert res.verdict("massage") is V.CONTRAINDICATED
    (reason,) = res.reasons("massage")
    assert reason.rule_id == "herniation_severe_or_acute"
    assert reason.document == DOCUMENTS["herniation"]
    assert "currently experiencing an acute episode" in (reason.quote or "")


def test_herniation_mild_moderate_not_acute_is_recommended_gently() -> None:
    res = spinerules.load("herniation").evaluate(CLEARED_HERNIATION)
    # "can generally receive ... can generally benefit from massage therapy"
    assert res.verdict("massage") is V.RECOMMENDED
    assert res.verdict("deep_pressure") is V.CAUTION  # gentle, no excessive force
    # the recommendation of massage does not reach the pressure techniques it did not name
    assert res.verdict("manual_pressure") is V.UNASSESSED
    assert res.verdict("acupressure") is V.UNASSESSED
    assert res.verdict("deep_pressure", at="affected_segment") is V.CAUTION
    assert res.referrals == ()
    assert [r.name for r in res.requirements] == ["medical_guidance"]
    assert any("gentle" in a.text for a in res.advice)
    assert res.missing == ()


@pytest.mark.parametrize(
    "change, rule_id",
    [
        ({"severity": "severe"}, "herniation_severe_or_acute"),
        ({"phase": "acute"}, "herniation_severe_or_acute"),
        ({"symptoms": ["severe_leg_pain"]}, "herniation_nerve_root_compression"),
        ({"symptoms": ["numbness"]}, "herniation_nerve_root_compression"),
        ({"symptoms": ["muscle_weakness"]}, "herniation_nerve_root_compression"),
        ({"trend": "worsening"}, "herniation_acutely_worsening"),
        ({"red_flags": ["bladder_bowel_dysfunction"]}, "herniation_red_flags"),
        ({"medical_clearance": False}, "herniation_without_medical_guidance"),
    ],
)
def test_herniation_contraindications(change: dict[str, Any], rule_id: str) -> None:
    res = spinerules.load("herniation").evaluate(with_(CLEARED_HERNIATION, **change))
    assert res.verdict("massage") is V.CONTRAINDICATED
    assert rule_id in {r.rule_id for r in res.reasons("massage")}
    # the permission fired but lost, within one document: not a disagreement
    assert res.disagreements == ()


def test_herniation_nerve_root_symptoms_put_anti_inflammatory_treatment_first() -> None:
    res = spinerules.load("herniation").evaluate(with_(CLEARED_HERNIATION, symptoms=["numbness"]))
    assert res.verdict("anti_inflammatory_medication") is V.RECOMMENDED
    assert any("only after the symptoms have improved" in a.text for a in res.advice)


def test_herniation_worsening_needs_prompt_medical_attention() -> None:
    res = spinerules.load("herniation").evaluate(with_(CLEARED_HERNIATION, trend="worsening"))
    assert [r.urgency for r in res.referrals] == ["urgent"]
    assert res.referrals[0].reason.rule_id == "herniation_acutely_worsening"


def test_herniation_rest_and_no_strenuous_exercise() -> None:
    res = spinerules.load("herniation").evaluate(CLEARED_HERNIATION)
    assert res.verdict("rest") is V.RECOMMENDED
    # "avoid strenuous exercise": strenuous exercise, not exercise in general
    assert res.verdict("strenuous_exercise") is V.CONTRAINDICATED
    assert res.verdict("exercise") is V.UNASSESSED


def test_herniation_nerve_root_compression_without_symptoms_is_not_a_contraindication() -> None:
    # "accompanied by obvious symptoms of nerve root compression": the symptoms are the trigger;
    # massage for mild to moderate cases works by "alleviating compression on the nerve roots"
    res = spinerules.load("herniation").evaluate(
        with_(CLEARED_HERNIATION, nerve_root_compression=True)
    )
    assert res.verdict("massage") is V.RECOMMENDED
    assert "nerve_root_compression" in res.unused_facts


def test_herniation_unknown_facts_are_never_fine() -> None:
    res = spinerules.load("herniation").evaluate(
        {"condition": "herniation", "severity": "mild", "phase": "chronic"}
    )
    assert res.verdict("massage") is V.UNDETERMINED
    missing = [m.fact for m in res.missing]
    assert {"trend", "symptoms", "red_flags", "medical_clearance"} <= set(missing)
    # each missing fact carries its question
    assert all(m.description for m in res.missing)


# -------------------------------------------------------------------------- 001 stenosis


def test_stenosis_massage_is_approached_cautiously() -> None:
    res = spinerules.load("stenosis").evaluate(with_(CLEARED_STENOSIS, symptoms=["muscle_spasm"]))
    assert res.verdict("massage") is V.CAUTION
    assert res.verdict("swedish") is V.CAUTION  # recommended, but the caution wins
    assert "stenosis_swedish" in {o.permissive.rule_id for o in res.overridden("swedish")}
    assert res.verdict("trigger_point", at="buttocks") is V.CAUTION
    assert res.verdict("myofascial_release", at="hips") is V.CAUTION
    assert {r.name for r in res.requirements} == {"physician_consultation", "licensed_therapist"}
    assert res.referrals == ()


def test_stenosis_no_deep_pressure_over_the_narrowing() -> None:
    res = spinerules.load("stenosis").evaluate(CLEARED_STENOSIS)
    # "avoid direct, deep pressure or aggressive joint mobilization over the area of spinal canal
    # narrowing": every pressure technique and device, and joint work, over the segment
    for technique in (
        "deep_pressure",
        "acupressure",
        "trigger_point",
        "hardware_massage",
        "joint_mobilization",
    ):
        assert res.verdict(technique, at="affected_segment") is V.CONTRAINDICATED, technique
    assert res.verdict("swedish", at="affected_segment") is V.CAUTION
    # an action at a site never changes the verdict without a site
    assert res.verdict("deep_pressure") is V.CAUTION
    assert res.verdict("joint_mobilization") is V.CAUTION  # in the massage family
    assert res.site_verdicts("joint_mobilization")["affected_segment"] is V.CONTRAINDICATED


@pytest.mark.parametrize(
    "change, rule_id, urgent",
    [
        ({"phase": "acute"}, "stenosis_acute_flare_up", False),
        ({"comorbidities": ["acute_inflammation"]}, "stenosis_acute_flare_up", False),
        (
            {"comorbidities": ["severe_uncontrolled_osteoporosis"]},
            "stenosis_osteoporosis",
            True,
        ),
        ({"recent_spinal_surgery": True}, "stenosis_recent_surgery", True),
        ({"red_flags": ["bladder_bowel_dysfunction"]}, "stenosis_neurological_deficit", True),
        ({"red_flags": ["unexplained_neuro_deficit"]}, "stenosis_neurological_deficit", True),
        ({"medical_clearance": False}, "stenosis_without_clearance", False),
        ({"therapist": "unlicensed"}, "stenosis_unlicensed_practitioner", False),
    ],
)
def test_stenosis_contraindications(change: dict[str, Any], rule_id: str, urgent: bool) -> None:
    res = spinerules.load("stenosis").evaluate(with_(CLEARED_STENOSIS, **change))
    assert res.verdict("massage") is V.CONTRAINDICATED
    assert rule_id in {r.rule_id for r in res.reasons("massage")}
    assert [r.urgency for r in res.referrals] == (["urgent"] if urgent else [])


def test_stenosis_red_flags_are_asked_first() -> None:
    profile = dict(CLEARED_STENOSIS)
    del profile["red_flags"]
    res = spinerules.load("stenosis").evaluate(profile)
    assert res.verdict("massage") is V.UNDETERMINED
    assert res.missing[0].fact == "red_flags"
    assert res.missing[0].stakes == "urgent referral"  # ranks above a contraindication


def test_stenosis_cervical_is_more_serious() -> None:
    res = spinerules.load("stenosis").evaluate(with_(CLEARED_STENOSIS, region="cervical"))
    assert "stenosis_cervical" in {r.rule_id for r in res.reasons("massage")}


# ------------------------------------------------------------------- 004 osteochondrosis


def test_osteochondrosis_indicated_in_remission() -> None:
    res = spinerules.load("osteochondrosis").evaluate(CLEARED_OSTEOCHONDROSIS)
    assert res.verdict("massage") is V.RECOMMENDED
    assert res.verdict("classical_massage") is V.RECOMMENDED
    assert res.verdict("cupping") is V.RECOMMENDED
    assert res.verdict("acupressure") is V.CAUTION  # experienced therapist only, painful
    assert res.verdict("massage", at="vertebrae") is V.CONTRAINDICATED
    # "no mechanical effect on the vertebrae": the affected segment lies on them
    assert res.verdict("deep_pressure", at="affected_segment") is V.CONTRAINDICATED
    assert res.verdict("massage", at="kidney_area") is V.CAUTION
    # "significantly less force": no pressure, device or cupping over the kidneys
    assert res.verdict("acupressure", at="kidney_area") is V.CONTRAINDICATED
    assert res.verdict("cupping", at="kidney_area") is V.CONTRAINDICATED
    assert res.verdict("massage", at="knees") is V.RECOMMENDED
    assert {r.name for r in res.requirements} == {
        "physician_consultation",
        "preliminary_examination",
        "imaging",
        "medically_trained_therapist",
    }
    texts = " ".join(a.text for a in res.advice)
    assert "10 sessions" in texts and "5-7 sessions" in texts and "half an hour" in texts
    assert res.missing == ()


def test_osteochondrosis_nagging_pain_outside_remission_only_classical() -> None:
    res = spinerules.load("osteochondrosis").evaluate(
        with_(CLEARED_OSTEOCHONDROSIS, phase="chronic", symptoms=["nagging_pain"])
    )
    assert res.verdict("massage") is V.RECOMMENDED
    assert res.verdict("kneading") is V.RECOMMENDED
    assert res.verdict("cupping") is V.CONTRAINDICATED
    assert res.verdict("acupressure") is V.CONTRAINDICATED
    # "only classical therapeutic massage": not the other techniques either
    for technique in ("muscle_release", "manual_pressure", "deep_pressure", "trigger_point"):
        assert res.verdict(technique) is V.CONTRAINDICATED, technique


@pytest.mark.parametrize(
    "comorbidity",
    [
        "skin_lesion_in_area",
        "skin_infection",
        "vein_inflammation",
        "thrombosis_risk",
        "active_tuberculosis",
        "neoplasm",
        "venereal_disease",
        "bleeding",
        "osteomyelitis",
        "acute_cardiovascular",
        "respiratory_disease",
        "intestinal_disease",
        "fever",
        "digestive_disorder",
        "acute_inflammation",
    ],
)
def test_osteochondrosis_contraindication_list(comorbidity: str) -> None:
    kb = spinerules.load("osteochondrosis")
    res = kb.evaluate(with_(CLEARED_OSTEOCHONDROSIS, comorbidities=[comorbidity]))
    assert res.verdict("massage") is V.CONTRAINDICATED
    # this ruleset states it for osteochondrosis only; the general screening applies it to all
    other = kb.evaluate({"condition": "herniation", "comorbidities": [comorbidity]})
    assert other.verdict("massage") is V.UNASSESSED
    everyone = spinerules.load_all().evaluate(
        {"condition": "herniation", "comorbidities": [comorbidity]}
    )
    assert everyone.verdict("massage") is V.CONTRAINDICATED


@pytest.mark.parametrize(
    "change",
    [
        {"inflammation_controlled": False},
        {"symptoms": ["acute_piercing_pain"]},
        {"phase": "acute"},
        {"medical_clearance": False},
        {"imaging_done": False},
        {"therapist": "licensed"},
        {"minutes_since_meal": 60},
    ],
)
def test_osteochondrosis_prerequisites_and_acute_pain(change: dict[str, Any]) -> None:
    res = spinerules.load("osteochondrosis").evaluate(with_(CLEARED_OSTEOCHONDROSIS, **change))
    assert res.verdict("massage") is V.CONTRAINDICATED


def test_osteochondrosis_meal_window() -> None:
    kb = spinerules.load("osteochondrosis")
    assert (
        kb.evaluate(with_(CLEARED_OSTEOCHONDROSIS, minutes_since_meal=89)).verdict("massage")
        is V.CONTRAINDICATED
    )
    assert (
        kb.evaluate(with_(CLEARED_OSTEOCHONDROSIS, minutes_since_meal=90)).verdict("massage")
        is V.CAUTION
    )
    assert (
        kb.evaluate(with_(CLEARED_OSTEOCHONDROSIS, minutes_since_meal=120)).verdict("massage")
        is V.RECOMMENDED
    )


def test_osteochondrosis_moles_need_a_dermatologist() -> None:
    res = spinerules.load("osteochondrosis").evaluate(
        with_(CLEARED_OSTEOCHONDROSIS, comorbidities=["moles_in_area"])
    )
    assert [(r.urgency, "dermatologist" in r.to) for r in res.referrals] == [("routine", True)]
    assert "dermatologist_consultation" in {r.name for r in res.requirements}
    # "a preliminary consultation with a dermatologist is necessary": it blocks massage until it
    # is known to have happened, as the physician and the imaging do
    assert res.verdict("massage") is V.UNDETERMINED
    assert [m.fact for m in res.missing] == ["dermatologist_consulted"]
    seen = spinerules.load("osteochondrosis").evaluate(
        with_(
            CLEARED_OSTEOCHONDROSIS, comorbidities=["moles_in_area"], dermatologist_consulted=True
        )
    )
    assert seen.verdict("massage") is V.RECOMMENDED
    not_seen = spinerules.load("osteochondrosis").evaluate(
        with_(
            CLEARED_OSTEOCHONDROSIS, comorbidities=["moles_in_area"], dermatologist_consulted=False
        )
    )
    assert not_seen.verdict("massage") is V.CONTRAINDICATED


# ---------------------------------------------------------------------- 000 and 003


def test_fusion_avoidance_candidates() -> None:
    kb = spinerules.load("fusion_avoidance")
    # "may benefit": a permission; the studies on chronic low back pain: a recommendation
    res = kb.evaluate({"condition": "nonspecific_lbp", "phase": "subacute"})
    assert res.verdict("massage") is V.ALLOWED
    res = kb.evaluate({"condition": "nonspecific_lbp", "phase": "chronic"})
    assert res.verdict("massage") is V.RECOMMENDED
    assert {r.rule_id for r in res.reasons("massage")} == {"fusion_avoidance_chronic_lbp_evidence"}
    assert res.verdict("movement_therapy") is V.RECOMMENDED
    assert res.verdict("patient_education") is V.RECOMMENDED
    res = kb.evaluate({"condition": "disc_degeneration", "severity": "moderate"})
    assert res.verdict("massage") is V.ALLOWED
    res = kb.evaluate(
        {
            "condition": "disc_degeneration",
            "severity": "severe",
            "failed_conservative_care": False,
            "prior_fusion": False,
        }
    )
    assert res.verdict("massage") is V.UNASSESSED  # the article says nothing about severe


def test_fusion_avoidance_never_restricts() -> None:
    kb = spinerules.load("fusion_avoidance")
    restrictive = {"contraindicate", "caution", "refer", "require"}
    assert not [a for r in kb.rules for a in r.actions if a.kind.value in restrictive]


def test_spine_specialist_muscle_tension_and_disc() -> None:
    kb = spinerules.load("spine_specialist")
    res = kb.evaluate({"condition": "muscle_tension", "nerve_root_compression": False})
    assert res.verdict("massage") is V.ALLOWED
    assert res.doubts("massage") == ()  # "only effective if ... muscle tension"
    # "much more likely that your doctor will recommend": advice to discuss, not a verdict
    assert res.verdict("exercise") is V.UNASSESSED
    assert any("Discuss with the physician" in a.text for a in res.advice)
    assert [(r.urgency, r.to) for r in res.referrals] == [("routine", "physical therapist")]
    res = kb.evaluate({"condition": "nonspecific_lbp", "nerve_root_compression": False})
    assert [d.rule_id for d in res.doubts("swedish")] == ["spine_specialist_only_muscle_tension"]
    res = kb.evaluate({"condition": "herniation"})
    assert res.verdict("massage") is V.CAUTION
    res = kb.evaluate({"condition": "muscle_tension"})
    assert res.verdict("massage") is V.UNDETERMINED  # a nerve problem could make it caution
    assert [m.fact for m in res.missing][:1] == ["nerve_root_compression"]


# ------------------------------------------------------------ all documents together


def test_sources_disagree_about_mild_chronic_herniation() -> None:
    kb = spinerules.load_all()
    profile = with_(
        CLEARED_HERNIATION,
        failed_conservative_care=False,
        prior_fusion=False,
        comorbidities=[],  # the general screening's questions, for every patient
        recent_spinal_surgery=False,
    )
    res = kb.evaluate(profile)
    # 003: a shifted disc -> caution; beats 002's "can generally receive" and 000's study
    assert res.verdict("massage") is V.CAUTION
    assert res.verdict("fascial_manipulation") is V.CAUTION
    pairs = {
        (d.technique, d.permissive.document, d.restrictive.document) for d in res.disagreements
    }
    assert ("massage", DOCUMENTS["herniation"], DOCUMENTS["spine_specialist"]) in pairs
    assert (
        "fascial_manipulation",
        DOCUMENTS["fusion_avoidance"],
        DOCUMENTS["spine_specialist"],
    ) in pairs
    for d in res.disagreements:
        assert d.permissive.kind in {"recommend", "allow"}
        assert d.restrictive.kind in {"caution", "contraindicate", "doubt"}


def test_sources_disagree_even_on_the_short_profile() -> None:
    res = spinerules.load_all().evaluate(
        {"condition": "herniation", "severity": "mild", "phase": "chronic"}
    )
    assert "massage" in {d.technique for d in res.disagreements}
    assert res.verdict("massage") is V.UNDETERMINED  # 002's contraindications are pending


def test_combined_reasons_keep_their_documents() -> None:
    res = spinerules.load_all().evaluate(
        with_(CLEARED_HERNIATION, phase="acute", failed_conservative_care=False, prior_fusion=False)
    )
    assert res.verdict("massage") is V.CONTRAINDICATED
    reasons = {(r.rule_id, r.document, r.generalized) for r in res.reasons("massage")}
    assert reasons == {
        ("herniation_severe_or_acute", DOCUMENTS["herniation"], False),
        ("general_acute_flare_up", DOCUMENTS["stenosis"], True),
        ("general_acute_episode", DOCUMENTS["herniation"], True),
    }


def test_coverage_names_every_shipped_rule() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "rulesets" / "COVERAGE.md").read_text("utf-8")
    assert [r.id for r in spinerules.load_all().rules if f"`{r.id}`" not in text] == []


def test_shipped_and_example_files_are_in_the_canonical_layout() -> None:
    from pathlib import Path

    from spinerules.syntax.format import is_formatted

    root = Path(__file__).resolve().parents[1]
    files = sorted([*(root / "rulesets").glob("*.rules"), *(root / "examples").glob("*.rules")])
    assert files
    assert [f.name for f in files if not is_formatted(f.read_text("utf-8"), str(f))] == []
