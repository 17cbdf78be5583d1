"""Property tests for the example clinic policy (examples/clinic_policy.rules).

The clinic adds one local rule on top of the shipped herniation ruleset. These tests state what
the clinic wants to be true for *every* patient, let hypothesis look for a patient who breaks it,
and ask the analyzer for proofs where a proof is possible.

    python -m pytest examples/test_clinic_policy_properties.py -q
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings

import spinerules
from spinerules import Verdict
from spinerules.analysis import Code, analyze
from spinerules.testing import (
    check_decided_stays_decided,
    check_deterministic,
    check_monotone,
    partial_patients,
    patients,
)

POLICY = Path(__file__).with_name("clinic_policy.rules")
kb = spinerules.load_path(POLICY)
document = spinerules.load("herniation")  # the shipped rules the policy builds on

many = settings(max_examples=200, deadline=None)


@many
@given(patients(kb))
def test_the_policy_never_relaxes_the_document(patient: dict[str, Any]) -> None:
    # A local rule can only add: wherever the document restricts a technique, the clinic
    # restricts it at least as much.
    ours, theirs = kb.evaluate(patient), document.evaluate(patient)
    for technique in kb.techniques:
        if theirs.verdict(technique).level >= 3:
            assert ours.verdict(technique).level >= theirs.verdict(technique).level


@many
@given(patients(kb, {"condition": "herniation"}))
def test_no_deep_pressure_for_any_herniation_patient(patient: dict[str, Any]) -> None:
    res = kb.evaluate(patient)
    assert res.verdict("deep_pressure") is Verdict.CONTRAINDICATED
    assert res.verdict("deep_pressure", at="affected_segment") is Verdict.CONTRAINDICATED


@many
@given(patients(kb))
def test_a_worse_patient_is_never_treated_more_freely(patient: dict[str, Any]) -> None:
    check_monotone(kb, patient)


@many
@given(partial_patients(kb))
def test_the_same_patient_always_gets_the_same_answer(patient: dict[str, Any]) -> None:
    check_deterministic(kb, patient)


@many
@given(partial_patients(kb), patients(kb))
def test_answering_more_questions_never_changes_a_decided_verdict(
    partial: dict[str, Any], more: dict[str, Any]
) -> None:
    check_decided_stays_decided(kb, partial, more)


def test_the_analyzer_proves_it_for_all_patients() -> None:
    # Sampling finds counterexamples; the analyzer proves there are none (over every complete
    # patient): no dead rule and no monotonicity violation. The clinic's rule disagrees with no
    # permission of the document: the document recommends massage, and a recommendation of
    # massage does not reach deep pressure, which needs explicit permission.
    report = analyze(kb)
    everything = report.findings + report.accepted
    assert not [f for f in everything if f.code is Code.DEAD_RULE]
    assert not [f for f in everything if f.code is Code.MONOTONICITY]
    assert not [f for f in everything if f.code is Code.DISAGREEMENT]
    assert kb.techniques["deep_pressure"].explicit
