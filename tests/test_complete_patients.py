"""Complete, document-derived patients for every shipped ruleset.

Every fact of the vocabulary is given, so these answers come from the generated two-valued code
(the shipped in-file tests give partial patients, which take the three-valued path). For each
condition: a cleared patient, and one per contraindication, red flag and prerequisite, with
the expected verdict written from the document's sentence (quoted beside each case), checked
through `screen`, `evaluate`, `verdicts()`, `assessments()` and the deciding reasons.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from patients import changed, favourable
from test_quotes import read_document

import spinerules
from spinerules import Verdict

V = Verdict


class Case(NamedTuple):
    ruleset: str
    name: str
    profile: dict[str, Any]
    expect: dict[str, Verdict]  # technique, or "technique@site" -> verdict
    decides: str | None  # a rule among the reasons of the first expectation
    urgent: bool | None  # an urgent referral (None: not checked)
    quote: str  # the sentence the expectation comes from


H, S, OC = "herniation", "stenosis", "osteochondrosis"
F, SS = "fusion_avoidance", "spine_specialist"

CASES = [
    # ---- 002 herniation
    Case(H, "cleared mild chronic herniation", favourable(H),
         {"massage": V.RECOMMENDED, "swedish": V.RECOMMENDED, "deep_pressure": V.CAUTION,
          "manual_pressure": V.UNASSESSED, "strenuous_exercise": V.CONTRAINDICATED},
         "herniation_mild_moderate_not_acute", False,
         "can generally benefit from massage therapy"),
    Case(H, "moderate is still mild-to-moderate", changed(H, severity="moderate"),
         {"massage": V.RECOMMENDED}, "herniation_mild_moderate_not_acute", False,
         "mild or moderate lumbar disc herniation"),
    Case(H, "subacute is not the acute phase", changed(H, phase="subacute"),
         {"massage": V.RECOMMENDED}, "herniation_mild_moderate_not_acute", False,
         "who are not in the acute phase"),
    Case(H, "severe herniation", changed(H, severity="severe"),
         {"massage": V.CONTRAINDICATED, "anti_inflammatory_medication": V.RECOMMENDED},
         "herniation_severe_or_acute", False, "if the condition is severe"),
    Case(H, "acute episode", changed(H, phase="acute"),
         {"massage": V.CONTRAINDICATED}, "herniation_severe_or_acute", False,
         "currently experiencing an acute episode"),
    Case(H, "numbness", changed(H, symptoms=["numbness"]),
         {"massage": V.CONTRAINDICATED}, "herniation_nerve_root_compression", False,
         "obvious symptoms of nerve root compression"),
    Case(H, "nerve-root compression without obvious symptoms",
         changed(H, nerve_root_compression=True), {"massage": V.RECOMMENDED},
         "herniation_mild_moderate_not_acute", False,
         "thereby alleviating compression on the nerve roots"),
    Case(H, "acutely worsening", changed(H, trend="worsening"),
         {"massage": V.CONTRAINDICATED}, "herniation_acutely_worsening", True,
         "or if symptoms are acutely worsening"),
    Case(H, "loss of bladder control", changed(H, red_flags=["bladder_bowel_dysfunction"]),
         {"massage": V.CONTRAINDICATED}, "herniation_red_flags", True,
         "seek prompt medical attention"),
    Case(H, "no medical guidance", changed(H, medical_clearance=False),
         {"massage": V.CONTRAINDICATED}, "herniation_without_medical_guidance", False,
         "massage should be performed only under medical guidance"),
    # ---- 001 stenosis
    Case(S, "cleared lumbar stenosis", favourable(S),
         {"massage": V.CAUTION, "swedish": V.CAUTION, "joint_mobilization": V.CAUTION,
          "deep_pressure@affected_segment": V.CONTRAINDICATED,
          "acupressure@affected_segment": V.CONTRAINDICATED,
          "swedish@affected_segment": V.CAUTION},
         "stenosis_approach_cautiously", False, "massage must be approached cautiously"),
    Case(S, "a licensed therapist is enough", changed(S, therapist="licensed"),
         {"massage": V.CAUTION}, "stenosis_approach_cautiously", False,
         "choose a licensed practitioner"),
    Case(S, "an unlicensed practitioner", changed(S, therapist="unlicensed"),
         {"massage": V.CONTRAINDICATED}, "stenosis_unlicensed_practitioner", False,
         "choose a licensed practitioner"),
    Case(S, "acute flare-up of pain", changed(S, phase="acute"),
         {"massage": V.CONTRAINDICATED}, "stenosis_acute_flare_up", False,
         "an acute flare-up of pain or inflammation"),
    Case(S, "subacute is not a flare-up", changed(S, phase="subacute"),
         {"massage": V.CAUTION}, "stenosis_approach_cautiously", False,
         "an acute flare-up of pain or inflammation"),
    Case(S, "acute inflammation", changed(S, comorbidities=["acute_inflammation"]),
         {"massage": V.CONTRAINDICATED}, "stenosis_acute_flare_up", False,
         "an acute flare-up of pain or inflammation"),
    Case(S, "severe osteoporosis",
         changed(S, comorbidities=["severe_uncontrolled_osteoporosis"]),
         {"massage": V.CONTRAINDICATED}, "stenosis_osteoporosis", True,
         "severe, uncontrolled osteoporosis"),
    Case(S, "recent spinal surgery", changed(S, recent_spinal_surgery=True),
         {"massage": V.CONTRAINDICATED}, "stenosis_recent_surgery", True,
         "recent spinal surgery"),
    Case(S, "unexplained neurological deficit",
         changed(S, red_flags=["unexplained_neuro_deficit"]),
         {"massage": V.CONTRAINDICATED}, "stenosis_neurological_deficit", True,
         "unexplained neurological deficits"),
    Case(S, "no physician's confirmation", changed(S, medical_clearance=False),
         {"massage": V.CONTRAINDICATED}, "stenosis_without_clearance", False,
         "consult with a physician"),
    Case(S, "cervical stenosis", changed(S, region="cervical"),
         {"massage": V.CAUTION}, "stenosis_approach_cautiously", False,
         "Cervical stenosis can be more serious"),
    # ---- 004 osteochondrosis
    Case(OC, "cleared, in remission", favourable(OC),
         {"massage": V.RECOMMENDED, "cupping": V.RECOMMENDED, "acupressure": V.CAUTION,
          "hardware_massage": V.CAUTION, "massage@vertebrae": V.CONTRAINDICATED,
          "massage@kidney_area": V.CAUTION, "manual_pressure@kidney_area": V.CONTRAINDICATED,
          "massage@knees": V.RECOMMENDED},
         "osteochondrosis_indicated", False, "indicated for patients in remission"),
    Case(OC, "ate 89 minutes ago", changed(OC, minutes_since_meal=89),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_meal_too_recent", False,
         "You should not eat food 1.5-2 hours before the session"),
    Case(OC, "ate 90 minutes ago", changed(OC, minutes_since_meal=90),
         {"massage": V.CAUTION}, "osteochondrosis_meal_borderline", False,
         "You should not eat food 1.5-2 hours before the session"),
    Case(OC, "ate 119 minutes ago", changed(OC, minutes_since_meal=119),
         {"massage": V.CAUTION}, "osteochondrosis_meal_borderline", False,
         "You should not eat food 1.5-2 hours before the session"),
    Case(OC, "ate 120 minutes ago", changed(OC, minutes_since_meal=120),
         {"massage": V.RECOMMENDED}, "osteochondrosis_indicated", False,
         "You should not eat food 1.5-2 hours before the session"),
    Case(OC, "a licensed therapist without a medical education", changed(OC, therapist="licensed"),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_not_medical_specialist", False,
         "performed by a specialist with a medical education"),
    Case(OC, "inflammation not relieved", changed(OC, inflammation_controlled=False),
         {"massage": V.CONTRAINDICATED, "anti_inflammatory_medication": V.RECOMMENDED},
         "osteochondrosis_inflammation_first", False,
         "only after it has been relieved with glucocorticosteroids or NSAIDs"),
    Case(OC, "no radiography and MRI", changed(OC, imaging_done=False),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_without_imaging", False,
         "the minimum required amount of research is radiography and MRI"),
    Case(OC, "acute piercing pain", changed(OC, symptoms=["acute_piercing_pain", "nagging_pain"]),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_acute_pain", False,
         "acute piercing pain in the lower back"),
    Case(OC, "nagging pain outside remission", changed(OC, phase="chronic"),
         {"massage": V.RECOMMENDED, "classical_massage": V.RECOMMENDED,
          "cupping": V.CONTRAINDICATED, "muscle_release": V.CONTRAINDICATED},
         "osteochondrosis_indicated", False, "only classical therapeutic massage is used"),
    Case(OC, "chronic without nagging pain: no indication",
         changed(OC, phase="chronic", symptoms=[]),
         {"massage": V.UNASSESSED, "cupping": V.CONTRAINDICATED}, None, False,
         "indicated for patients in remission or with nagging, aching pain"),
    Case(OC, "a fever", changed(OC, comorbidities=["fever"]),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_fever", False,
         "elevated body temperature"),
    Case(OC, "moles not yet seen", changed(OC, comorbidities=["moles_in_area"],
                                          dermatologist_consulted=False),
         {"massage": V.CONTRAINDICATED}, "osteochondrosis_moles_not_yet_seen", False,
         "a preliminary consultation with a dermatologist is necessary"),
    # ---- 000 fusion avoidance
    Case(F, "non-specific low back pain, subacute", changed("nonspecific_lbp", phase="subacute"),
         {"massage": V.ALLOWED, "muscle_release": V.RECOMMENDED, "deep_pressure": V.UNASSESSED},
         "fusion_avoidance_nonspecific_lbp", False,
         "Medical massage may benefit individuals with:"),
    Case(F, "chronic non-specific low back pain", favourable("nonspecific_lbp"),
         {"massage": V.RECOMMENDED}, "fusion_avoidance_chronic_lbp_evidence", False,
         "Massage significantly reduced chronic low back pain and disability."),
    Case(F, "moderate disc degeneration", changed("disc_degeneration", severity="moderate"),
         {"massage": V.ALLOWED}, "fusion_avoidance_disc_degeneration", False,
         "Mild-to-moderate disc degeneration"),
    Case(F, "severe disc degeneration", changed("disc_degeneration", severity="severe"),
         {"massage": V.UNASSESSED}, None, False, "Mild-to-moderate disc degeneration"),
    Case(F, "failed conservative care in lumbar instability",
         changed("lumbar_instability", failed_conservative_care=True),
         {"massage": V.ALLOWED}, "fusion_avoidance_failed_conservative_care", False,
         "Failed conservative care seeking alternatives"),
    Case(F, "after a fusion", changed("stenosis", prior_fusion=True),
         {"massage": V.ALLOWED}, "fusion_avoidance_post_operative", False,
         "Post-operative patients protecting adjacent segments"),
    # ---- 003 spine specialist
    Case(SS, "muscle tension", favourable("muscle_tension"),
         {"massage": V.ALLOWED, "exercise": V.UNASSESSED}, "spine_specialist_muscle_tension", False,
         "would really only be effective if your back pain was the result of a problem like"),
    Case(SS, "a shifted disc", favourable(H),
         {"massage": V.CAUTION}, "spine_specialist_shifted_disc_or_nerve_problem", False,
         "a shifted disc or a nerve problem"),
    Case(SS, "a nerve problem", changed("muscle_tension", nerve_root_compression=True),
         {"massage": V.CAUTION}, "spine_specialist_shifted_disc_or_nerve_problem", False,
         "a shifted disc or a nerve problem"),
]  # fmt: skip


def verdict_of(res: spinerules.Result, key: str) -> Verdict:
    technique, _, site = key.partition("@")
    return res.verdict(technique, at=site or None)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.ruleset}: {c.name}")
def test_a_complete_patient_gets_the_documents_answer(case: Case) -> None:
    kb = spinerules.load(case.ruleset)
    assert all(kb.facts[name] for name in case.profile)
    assert set(case.profile) == set(kb.facts)  # complete: the generated two-valued code
    res = kb.evaluate(case.profile)
    screened = kb.screen(case.profile)
    every = res.assessments()
    verdicts = res.verdicts()
    for key, expected in case.expect.items():
        assert verdict_of(res, key) is expected, key
        if "@" not in key:
            assert screened[key] is expected, key
            assert verdicts[key] is expected, key
            assert every[key].verdict is expected, key
            assert res.assessment(key) == every[key], key
    first = next(iter(case.expect))
    if case.decides is not None:
        deciding = {r.rule_id for r in res.assessment(*_split(first)).reasons}
        assert case.decides in deciding
    document = next(i.document for i in kb.rulesets if i.name == case.ruleset)
    assert document is not None
    assert case.quote in read_document(document), "the expectation's sentence is the document's"
    if case.urgent is not None:
        assert any(r.urgency == "urgent" for r in res.referrals) == case.urgent
    assert res.missing == ()  # nothing left to ask


def _split(key: str) -> tuple[str, str | None]:
    technique, _, site = key.partition("@")
    return technique, site or None


@pytest.mark.parametrize("condition", [None, *spinerules.load_all().facts["condition"].values])
def test_a_complete_cleared_patient_of_every_condition_is_decided_everywhere(
    condition: str | None,
) -> None:
    kb = spinerules.load_all()
    profile = favourable(condition)
    res = kb.evaluate(profile)
    if condition is not None:
        assert res.missing == ()
    assert kb.screen(profile) == res.verdicts()
    for technique, judged in res.assessments().items():
        assert judged.verdict is res.verdict(technique)
        assert judged.verdict is not V.UNDETERMINED or condition is None
