"""`Result.to_dict()` and `to_dict(compact=True)`: the JSON a program reads, written out here
from the rules of the test (docs/api.md documents the schema), for a result that has every kind
of entry: verdicts with reasons and overrides, a disagreement between documents, a referral, a
requirement, advice, and facts still to ask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import two_documents

import spinerules

VOCABULARY = """\
fact f: bool
fact g: bool
technique massage
technique sw under massage
technique walking
"""
RULE_A = (
    'rule a_ok: if f then recommend sw, refer routine "a physio", advise course "ten sessions"'
    ' because "fine" cite "2" quote "qa"'
)
RULE_B = (
    'rule b_no: if f then caution massage, require consent, advise course "two sessions"\n'
    '  because "careful" cite quote "qb"\n'
    'rule b_walk: if g then allow walking because "walk" cite quote "qw"'
)


@pytest.fixture
def kb(tmp_path: Path) -> spinerules.KnowledgeBase:
    return two_documents(tmp_path, VOCABULARY, RULE_A, RULE_B)


def reason(kb: spinerules.KnowledgeBase, rule: str, action: str, kind: str, **rest: Any) -> Any:
    """A reason's dict: what the rule says, with its source location from the rule itself."""
    found = next(r for r in kb.rules if r.id == rule)
    a_rule = rule.startswith("a_")
    return {
        "rule_id": rule,
        "action": action,
        "kind": kind,
        "technique": rest.get("technique"),
        "site": None,
        "note": rest.get("note"),
        "text": {"a_ok": "fine", "b_no": "careful", "b_walk": "walk"}[rule],
        "ruleset": "a" if a_rule else "b",
        "document": "a.txt" if a_rule else "b.txt",
        "section": "2" if a_rule else None,
        "quote": {"a_ok": "qa", "b_no": "qb", "b_walk": "qw"}[rule],
        "location": found.location,
        "cites": [["2", "qa"]] if a_rule else [[None, {"b_no": "qb", "b_walk": "qw"}[rule]]],
        "generalized": False,
        "topic": rest.get("topic"),
    }


def test_the_full_form_of_a_result_with_every_kind_of_entry(
    kb: spinerules.KnowledgeBase,
) -> None:
    out = kb.evaluate({"f": True}).to_dict()
    recommend = reason(kb, "a_ok", "recommend sw", "recommend", technique="sw")
    caution = reason(kb, "b_no", "caution massage", "caution", technique="massage")
    assert out["knowledge_base"] == kb.name
    assert out["fingerprint"] == kb.fingerprint
    assert out["facts"] == {"f": True}
    assert out["fired"] == ["a_ok", "b_no"]
    assert out["pending"] == ["b_walk"]  # g is unknown
    assert out["unused_facts"] == []
    # the caution on massage reaches sw below it and overrides the recommendation there
    sw = out["verdicts"]["sw"]
    assert (sw["verdict"], sw["floor"], sw["ceiling"]) == ("caution", "caution", "caution")
    assert sw["reasons"] == [caution]
    assert sw["pending"] == []
    assert sw["overridden"] == [{"permissive": recommend, "by": [caution]}]
    assert sw["sites"] == {}
    assert sw["doubts"] == []
    # walking waits for g: allowed or not assessed, so undetermined, with b_walk pending
    walking = out["verdicts"]["walking"]
    assert (walking["verdict"], walking["floor"], walking["ceiling"]) == (
        "undetermined",
        "unassessed",
        "allowed",
    )
    allow = reason(kb, "b_walk", "allow walking", "allow", technique="walking")
    assert walking["reasons"] == [] and walking["pending"] == [allow]
    assert out["referrals"] == [
        {
            "urgency": "routine",
            "to": "a physio",
            "reason": reason(kb, "a_ok", 'refer routine "a physio"', "refer", note="a physio"),
        }
    ]
    (requirement,) = out["requirements"]
    assert requirement["name"] == "consent"
    assert requirement["reason"] == reason(kb, "b_no", "require consent", "require")
    assert [a["text"] for a in out["advice"]] == ["ten sessions", "two sessions"]
    assert [a["reason"]["rule_id"] for a in out["advice"]] == ["a_ok", "b_no"]
    assert out["advice"][0]["reason"]["topic"] == "course"
    assert out["advice"][0]["reason"]["action"] == 'advise course "ten sessions"'  # as written
    by_kind = {d["kind"]: d for d in out["disagreements"]}
    assert set(by_kind) == {"verdict", "advice"}
    verdict = by_kind["verdict"]
    assert (verdict["technique"], verdict["techniques"], verdict["site"], verdict["topic"]) == (
        "sw",
        ["sw"],
        None,
        None,
    )
    assert verdict["permissive"] == recommend and verdict["restrictive"] == caution
    advice = by_kind["advice"]
    assert (advice["technique"], advice["topic"]) == (None, "course")
    assert advice["permissive"]["rule_id"] == "a_ok" and advice["restrictive"]["rule_id"] == "b_no"
    assert [(m["fact"], m["stakes"]) for m in out["missing"]] == [("g", "allow")]


def test_the_compact_form_is_the_full_form_reduced(kb: spinerules.KnowledgeBase) -> None:
    for profile in ({"f": True}, {"f": True, "g": True}, {}, {"f": False, "g": False}):
        res = kb.evaluate(profile)
        full, compact = res.to_dict(), res.to_dict(compact=True)
        assert set(compact) == {
            "knowledge_base",
            "fingerprint",
            "verdicts",
            "rules",
            "missing",
            "referrals",
            "requirements",
        }
        assert compact["knowledge_base"] == kb.name and compact["fingerprint"] == kb.fingerprint
        assert compact["verdicts"] == {t: e["verdict"] for t, e in full["verdicts"].items()}
        # the rules deciding each verdict, those waiting for an undetermined one; none listed
        # for a technique nothing decides
        expected_rules = {}
        for t, e in full["verdicts"].items():
            deciding = e["pending"] if e["verdict"] == "undetermined" else e["reasons"]
            if deciding:
                expected_rules[t] = list(dict.fromkeys(r["rule_id"] for r in deciding))
        assert compact["rules"] == expected_rules
        assert compact["missing"] == [m["fact"] for m in full["missing"]]
        assert compact["referrals"] == [
            {"urgency": r["urgency"], "to": r["to"], "rule": r["reason"]["rule_id"]}
            for r in full["referrals"]
        ]
        assert compact["requirements"] == [
            {"name": r["name"], "rule": r["reason"]["rule_id"]} for r in full["requirements"]
        ]


def test_the_compact_form_by_hand(kb: spinerules.KnowledgeBase) -> None:
    assert kb.evaluate({"f": True}).to_dict(compact=True) == {
        "knowledge_base": kb.name,
        "fingerprint": kb.fingerprint,
        "verdicts": {
            "massage": "caution",
            "sw": "caution",
            "walking": "undetermined",
        },
        "rules": {"massage": ["b_no"], "sw": ["b_no"], "walking": ["b_walk"]},
        "missing": ["g"],
        "referrals": [{"urgency": "routine", "to": "a physio", "rule": "a_ok"}],
        "requirements": [{"name": "consent", "rule": "b_no"}],
    }
