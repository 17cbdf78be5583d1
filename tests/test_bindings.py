"""FHIR bindings: checked when read, and a record never makes a fact false or a list complete;
the decision log: replay names exactly the decisions a changed rule changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO
from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules.decisionlog import DecisionLog, replay
from spinerules.errors import RulesError

server = pytest.importorskip("spinerules.server", reason="the server extra is not installed")

SYSTEM = "http://hl7.org/fhir/sid/icd-10"


def condition(code: str, system: str = SYSTEM, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p"},
        **extra,
    }


def status(field: str, code: str) -> dict[str, Any]:
    return {field: {"coding": [{"code": code}]}}


def errors_of(kb: spinerules.KnowledgeBase, text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        server.load_bindings(kb, "clinic.bindings", text=text)
    return [e.diagnostic().render() for e in caught.value.errors]


def test_every_mistake_of_a_bindings_file_is_reported_with_its_place(
    demo: spinerules.KnowledgeBase,
) -> None:
    text = "\n".join([
        "# a comment, and a blank line",
        "",
        "bind conditon=herniation from Condition where code.coding is s|M51*",
        "bind condition=hernia from Condition where code.coding is s|M51*",
        "bind condition from Condition where code.coding is s|M51*",
        "bind fever=false from Condition where code.coding is s|R50*",
        "bind pain_score from Observation where code.coding is s|1",
        "bind fever from Spaceship where code.coding is s|R50",
        "bind fever from Condition where code.coding.where( is s|R50",
        "bind fever when Condition",
    ])  # fmt: skip
    rendered = errors_of(demo, text)
    assert len(rendered) == 8, rendered
    joined = "\n".join(rendered)
    assert "clinic.bindings:3:6" in joined and "did you mean `condition`" in joined
    assert "clinic.bindings:4:16" in joined and "`hernia` is not a value of `condition`" in joined
    assert "say which value of `condition`" in joined
    assert "a record never makes a fact false" in joined
    assert "say where its number is" in joined
    assert "`Spaceship` is not a resource bindings read" in joined
    assert "not a FHIRPath expression" in joined
    assert "clinic.bindings:10:1" in joined and "cannot read this binding" in joined


def test_the_shipped_bindings_fit_the_shipped_vocabulary() -> None:
    kb = spinerules.load_all()
    bindings = server.load_bindings(kb)
    facts = {b.fact for b in bindings.bindings}
    assert {"condition", "nerve_root_compression", "recent_spinal_surgery", "red_flags"} <= facts


BINDINGS = """\
bind condition=herniation from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|M51*
bind condition=stenosis from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|M48.0*
bind phase=chronic from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|X1
bind phase=acute from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|X2
bind fever from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|R50*
bind symptoms=numbness from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|R20.2
bind pain_score from Observation where code.coding is http://loinc.org|72514-3 value valueInteger
"""
CODES = ["M51.1", "M51.26", "M48.06", "X1", "X2", "R50.9", "R20.2", "Z99", "M5"]
SKIPPED = [
    status("clinicalStatus", "resolved"),
    status("clinicalStatus", "inactive"),
    status("verificationStatus", "refuted"),
    status("verificationStatus", "entered-in-error"),
]


@pytest.fixture(scope="module")
def demo_bindings() -> Any:
    kb = spinerules.compile_text(DEMO, name="demo")
    return server.load_bindings(kb, "demo.bindings", text=BINDINGS)


def test_readings_follow_the_binding_kinds(demo_bindings: Any) -> None:
    pain = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "valueInteger": 7,
    }
    reading = demo_bindings.read([condition("M51.26"), condition("X1"), condition("X2"), pain])
    # the prefix M51* holds for M51.26; of two phases the higher (worse) one is taken
    assert reading.profile == {"condition": "herniation", "phase": "acute", "pain_score": 7}
    both = demo_bindings.read([condition("M51.1"), condition("M48.06")])
    assert "condition" not in both.profile
    assert both.conflicts == {"condition": ("herniation", "stenosis")}
    shown = demo_bindings.read([condition("R20.2")])
    assert shown.profile == {} and shown.shown == {"symptoms": ("numbness",)}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(CODES), st.sampled_from([None, *range(len(SKIPPED))])),
        max_size=6,
    )
)
def test_a_record_never_makes_a_fact_false_nor_a_list_complete(
    demo_bindings: Any, items: list[tuple[str, int | None]]
) -> None:
    resources = [
        condition(code, **(SKIPPED[skip] if skip is not None else {})) for code, skip in items
    ]
    reading = demo_bindings.read(resources)
    kb = demo_bindings.kb
    for name, value in reading.profile.items():
        assert value is not False
        assert kb.facts[name].kind.value != "set"
    counted = [code for code, skip in items if skip is None]
    if not counted:  # resolved, inactive, refuted and entered-in-error say nothing
        assert reading.profile == {} and not reading.shown and not reading.conflicts
    if "R50.9" in counted:
        assert reading.profile["fever"] is True
    else:
        assert "fever" not in reading.profile
    # whatever a record holds, the screening it gives is a valid evaluation
    kb.evaluate(reading.profile)


# ---------------------------------------------------------------- decision log and replay

RULES = DEMO.replace(
    'if fever then contraindicate massage, refer routine "general practitioner"',
    'if fever then caution massage, refer routine "general practitioner"',
)


def test_changing_one_rule_changes_the_fingerprint_and_replay_names_its_decisions(
    tmp_path: Path,
) -> None:
    before = spinerules.compile_text(DEMO, name="demo")
    after = spinerules.compile_text(RULES, name="demo")
    assert before.fingerprint != after.fingerprint
    log = DecisionLog(tmp_path / "log.jsonl")
    known = {"trend": "stable", "pain_score": 3, "symptoms": []}
    profiles = [
        {**known, "condition": "herniation", "phase": "chronic", "fever": True},
        {**known, "condition": "herniation", "phase": "chronic", "fever": False},
        {**known, "condition": "herniation", "phase": "acute", "fever": True},  # forbidden anyway
        {**known, "condition": "stenosis", "phase": "chronic", "fever": True},
        {"condition": "stenosis"},  # fever unknown: undetermined before and after
    ]
    ids = [log.record(before.evaluate(p), context={"patientId": f"p{i}"}) for i, p in
           enumerate(profiles)]  # fmt: skip
    assert replay(tmp_path / "log.jsonl", before) == []
    changes = replay(tmp_path / "log.jsonl", after)
    # the rule decides massage only where fever is true and nothing stronger forbids it
    assert [c.decision for c in changes] == [ids[0], ids[3]]
    for change in changes:
        assert change.fingerprint == before.fingerprint
        assert change.verdicts["massage"] == ("contraindicated", "caution")
        then, now = change.rules["massage"]
        assert "fever_blocks" in then and "fever_blocks" in now
    text = (tmp_path / "log.jsonl").read_text(encoding="utf-8")
    assert '"p0"' not in text and "masked:" in text


def test_replay_and_query_log_on_the_command_line(tmp_path: Path, capsys: Any) -> None:
    from spinerules.cli import main

    (tmp_path / "demo.rules").write_text(DEMO)
    log = tmp_path / "log.jsonl"
    args = ["query", str(tmp_path / "demo.rules"), "--fact", "condition=stenosis"]
    args += ["--fact", "fever=yes", "--fact", "trend=stable", "--fact", "phase=chronic"]
    args += ["--fact", "pain_score=2", "--fact", "symptoms="]
    assert main([*args, "--log", str(log)]) == 0
    assert main(["replay", str(log), str(tmp_path / "demo.rules")]) == 0
    (tmp_path / "demo.rules").write_text(RULES)
    capsys.readouterr()
    assert main(["replay", str(log), str(tmp_path / "demo.rules"), "--format", "json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["changes"]
    assert change["verdicts"]["massage"] == ["contraindicated", "caution"]
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
