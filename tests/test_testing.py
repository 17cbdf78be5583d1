"""`spinerules.testing`: strategies draw valid patients, and each property check both passes on
correct knowledge bases and fails on a knowledge base built to break it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import KnowledgeBase
from spinerules.analysis import analyze
from spinerules.testing import (
    check_all,
    check_decided_stays_decided,
    check_deterministic,
    check_format_roundtrip,
    check_monotone,
    partial_patients,
    patients,
    rule_sources,
    worse_patients,
    worsening_facts,
)

SMALL = """\
fact phase: ordered remission < chronic < acute
fact flags: set of fever | bleeding
fact pain: int 0..3
fact cleared: bool
fact therapist: ordered unlicensed < licensed
technique massage
technique swedish under massage
site back
rule acute:
  if phase = acute or flags has bleeding then contraindicate massage
rule chronic:
  if phase = chronic then recommend swedish, caution massage at back
"""


@pytest.fixture(scope="module")
def small() -> KnowledgeBase:
    return spinerules.compile_text(SMALL, name="small")


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return spinerules.load_all()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_patients_are_complete_and_valid(data: st.DataObject) -> None:
    kb = spinerules.load_all()
    patient = data.draw(patients(kb))
    assert set(patient) == set(kb.facts)
    values = kb.check(patient)  # raises FactError if anything is invalid
    assert None not in values


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_partial_patients_are_valid(data: st.DataObject) -> None:
    kb = spinerules.load_all()
    patient = data.draw(partial_patients(kb))
    kb.check(patient)
    assert set(patient) <= set(kb.facts)


def test_partial_patients_do_leave_facts_out(small: KnowledgeBase) -> None:
    # Both ways of saying "unknown" are drawn: a missing key and an explicit None.
    find(partial_patients(small), lambda p: "phase" not in p)
    find(partial_patients(small), lambda p: "phase" in p and p["phase"] is None)


def test_fixed_facts(small: KnowledgeBase) -> None:
    found = find(patients(small, {"phase": "acute"}), lambda p: True)
    assert found["phase"] == "acute"
    with pytest.raises(spinerules.FactError):
        patients(small, {"phase": "worst"})


def test_worse_patients_steps(small: KnowledgeBase) -> None:
    # Default scales: ordered and set facts (phase, flags, therapist), not the int or bool.
    assert worsening_facts(small) == ["phase", "flags", "therapist"]
    patient = {
        "phase": "chronic",
        "flags": ["fever"],
        "pain": 1,
        "cleared": False,
        "therapist": "licensed",
    }
    steps = [(fact, p[fact]) for fact, p in worse_patients(small, patient)]
    # phase one up; one more flag; therapist is at the top already
    assert steps == [("phase", "acute"), ("flags", ["fever", "bleeding"])]
    explicit = [(f, p[f]) for f, p in worse_patients(small, patient, ["pain", "cleared"])]
    assert explicit == [("pain", 2), ("cleared", True)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_checks_pass_on_the_shipped_rulesets(data: st.DataObject) -> None:
    kb = spinerules.load_all()
    check_deterministic(kb, data.draw(partial_patients(kb)))
    check_decided_stays_decided(kb, data.draw(partial_patients(kb)), data.draw(patients(kb)))


def test_check_monotone_finds_what_the_analyzer_finds(small: KnowledgeBase) -> None:
    # `chronic` cautions massage at the back; going chronic -> acute replaces it with a
    # contraindication (stricter, fine). Remission is below chronic, so nothing is lost going
    # up from remission. The analyzer agrees: no monotonicity finding.
    assert not analyze(small, checks=["monotonicity"]).findings
    check_all(small, max_examples=50)

    # Add a caution on swedish for painful patients below the chronic phase. Going from
    # remission to chronic drops it, and at chronic swedish is only recommended (`chronic`):
    # caution -> recommended, a violation on (swedish, phase). Massage is untouched (a caution on
    # swedish does not reach its parent) and swedish at the back stays at caution (`chronic`
    # cautions massage there).
    broken = spinerules.compile_text(
        SMALL + "rule pain:\n  if pain >= 2 and phase < chronic then caution swedish\n",
        name="broken",
    )
    report = analyze(broken, checks=["monotonicity"], worsening=["phase"])
    assert {f.subjects for f in report.findings} == {("swedish", "phase")}
    (finding,) = report.findings
    before = dict(finding.witnesses[0].profile)
    with pytest.raises(AssertionError, match="relaxes"):
        check_monotone(broken, before, ["phase"])


def test_check_monotone_violation_message(small: KnowledgeBase) -> None:
    kb = spinerules.compile_text(
        "fact phase: ordered chronic < acute\ntechnique t\n"
        "rule r:\n  if phase = chronic then caution t\n",
        name="k",
    )
    # chronic -> acute takes t from caution to unassessed
    with pytest.raises(AssertionError, match="from caution to unassessed"):
        check_monotone(kb, {"phase": "chronic"})
    check_monotone(kb, {"phase": "acute"})  # acute is the top: no step
    with pytest.raises(ValueError, match="complete patient"):
        check_monotone(kb, {})


def test_neutral_directive_is_honoured() -> None:
    kb = spinerules.compile_text(
        "fact therapist: ordered unlicensed < licensed\ntechnique t\n"
        "rule r:\n  if therapist = unlicensed then contraindicate t\n"
        '# spinerules: neutral therapist because "who treats, not how ill"\n',
        name="k",
    )
    assert worsening_facts(kb) == []
    check_monotone(kb, {"therapist": "unlicensed"})


class _Split:
    """A stand-in knowledge base that answers partial patients with one knowledge base and
    complete ones with another: exactly what `check_decided_stays_decided` must catch."""

    def __init__(self, partial: KnowledgeBase, complete: KnowledgeBase) -> None:
        self.partial, self.complete = partial, complete
        self.techniques, self.sites, self.facts = (
            complete.techniques,
            complete.sites,
            complete.facts,
        )

    def evaluate(self, patient: dict[str, Any]) -> Any:
        kb = self.complete if set(patient) == set(self.facts) else self.partial
        return kb.evaluate(patient)


def test_check_decided_stays_decided_catches_a_change(small: KnowledgeBase) -> None:
    # In `stricter`, remission patients get massage contraindicated; in `small` they get nothing.
    stricter = spinerules.compile_text(
        SMALL + "rule remission:\n  if phase = remission then contraindicate massage\n"
    )
    split: Any = _Split(small, stricter)
    with pytest.raises(AssertionError, match="was decided as"):
        check_decided_stays_decided(
            split,
            {"phase": "remission", "flags": []},
            {"pain": 0, "cleared": True, "therapist": "licensed"},
        )


def test_decided_stays_decided_does_not_hold_for_is_unknown() -> None:
    # `is unknown` is not monotone: the rule fires while x is missing and stops when it is
    # given, so a decided caution disappears. The check reports it.
    kb = spinerules.compile_text(
        "fact x: bool\ntechnique t\nrule r:\n  if x is unknown then caution t\n"
    )
    with pytest.raises(AssertionError, match="decided as caution"):
        check_decided_stays_decided(kb, {}, {"x": True})


def test_check_deterministic_on_the_demo(demo: KnowledgeBase) -> None:
    check_deterministic(demo, {"condition": "herniation", "phase": "acute"})


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rule_sources())
def test_format_roundtrip_on_random_sources(text: str) -> None:
    check_format_roundtrip(text)


def test_format_roundtrip_on_the_shipped_rulesets_and_the_example() -> None:
    from pathlib import Path

    from spinerules.model.load import shipped_path

    for name in spinerules.rulesets():
        path = shipped_path(name)
        assert path is not None
        check_format_roundtrip(path.read_text(encoding="utf-8"), name)
    example = Path(__file__).resolve().parents[1] / "examples" / "clinic_policy.rules"
    check_format_roundtrip(example.read_text(encoding="utf-8"), "clinic_policy")


def test_testing_is_not_imported_by_spinerules() -> None:
    code = "import sys, spinerules; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_the_example_property_tests_pass() -> None:
    # examples/ is outside the default test paths; run the example file the way a user would.
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    example = repo / "examples" / "test_clinic_policy_properties.py"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        capture_output=True,
        text=True,
        cwd=repo,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "6 passed" in out.stdout
