"""The public API: what `import spinerules` offers, and that it behaves as documented."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import spinerules
from spinerules import KnowledgeBase, Verdict


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(spinerules) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(spinerules, name)).__name__ == "module"}
    assert set(spinerules.__all__) - {"__version__"} == public - modules
    for name in spinerules.__all__:
        assert hasattr(spinerules, name)


def test_verdict_is_a_string_enum() -> None:
    assert [v.value for v in Verdict] == [
        "contraindicated",
        "caution",
        "recommended",
        "allowed",
        "unassessed",
        "undetermined",
    ]
    assert Verdict.CAUTION == "caution"
    assert str(Verdict.CAUTION) == "caution"
    assert json.dumps(Verdict.ALLOWED) == '"allowed"'


def test_shipped_rulesets_are_listed_and_load() -> None:
    names = spinerules.rulesets()
    assert "vocabulary" in names
    assert "herniation" in names
    kb = spinerules.load("herniation")
    assert kb is spinerules.load("herniation")  # compiled once
    assert kb.name == "herniation"
    assert "condition" in kb.facts and "massage" in kb.techniques and "lumbar_spine" in kb.sites


def test_unknown_shipped_ruleset() -> None:
    with pytest.raises(spinerules.UnknownNameError, match="`herniation`"):
        spinerules.load("herniaton")


def test_load_path_and_compile_text(tmp_path: Path) -> None:
    text = 'fact f: bool\ntechnique t\nrule r: if f then caution t because "b"\n'
    file = tmp_path / "local.rules"
    file.write_text(text)
    from_file = spinerules.load_path(file)
    from_text = spinerules.compile_text(text, name="local")
    assert from_file.name == from_text.name == "local"
    assert from_file.rules[0].location == f"{file}:3:1"
    assert from_text.rules[0].location == "local:3:1"
    with pytest.raises(FileNotFoundError):
        spinerules.load_path(tmp_path / "missing.rules")


def test_compile_text_resolves_relative_imports_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "v.rules").write_text("fact f: bool\ntechnique t\n")
    kb = spinerules.compile_text(
        'use "v.rules"\nif f then allow t because "x"', name="x", base_dir=tmp_path
    )
    assert kb.evaluate({"f": True}).verdict("t") is Verdict.ALLOWED


def test_a_clinic_file_can_use_a_shipped_ruleset_and_add_a_rule(tmp_path: Path) -> None:
    policy = tmp_path / "clinic.rules"
    policy.write_text(
        "ruleset clinic\nuse herniation\n"
        "rule clinic_no_cupping: if condition = herniation then contraindicate cupping "
        'because "Local policy."\n'
    )
    kb = spinerules.load_path(policy)
    shipped = spinerules.load("herniation")
    assert len(kb.rules) == len(shipped.rules) + 1
    res = kb.evaluate({"condition": "herniation"})
    assert res.verdict("cupping") is Verdict.CONTRAINDICATED
    (reason,) = res.reasons("cupping")
    assert (reason.rule_id, reason.ruleset, reason.text) == (
        "clinic_no_cupping",
        "clinic",
        "Local policy.",
    )


def test_reason_carries_everything_to_trace_a_verdict(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "phase": "acute"})
    (reason,) = res.reasons("massage")
    assert reason.rule_id == "acute_herniation"
    assert reason.action == "contraindicate massage"
    assert reason.text == "No massage in an acute episode."
    assert reason.document == "demo.txt"
    assert reason.section == "Detailed explanations"
    assert reason.quote == "currently experiencing an acute episode"
    assert reason.location == "demo:21:1"  # the line of `rule acute_herniation:`
    assert reason.ruleset == "demo"
    assert reason.cites == (("Detailed explanations", "currently experiencing an acute episode"),)


def test_referrals_requirements_advice(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"fever": True, "symptoms": ["numbness"], "pain_score": 9})
    assert [(r.urgency, r.to) for r in res.referrals] == [
        ("urgent", "spine specialist"),
        ("routine", "general practitioner"),
    ]
    assert [(r.name, r.text) for r in res.requirements] == [
        ("physician_consultation", "ask a doctor first")
    ]
    assert [a.text for a in res.advice] == ["rest"]
    assert res.referrals[0].reason.rule_id == "severe_pain"


def test_results_and_schema_objects_are_immutable(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"fever": True})
    reason = res.reasons("massage")[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        reason.rule_id = "x"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        demo.rules[0].id = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        res.referrals = ()  # type: ignore[misc]
    assert isinstance(demo.rules, tuple)


def test_to_dict_schema(demo: KnowledgeBase) -> None:
    res = demo.evaluate({"condition": "herniation", "phase": "chronic", "symptoms": []})
    data = res.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "knowledge_base",
        "fingerprint",
        "cards",
        "general_screening",
        "facts",
        "unused_facts",
        "verdicts",
        "referrals",
        "requirements",
        "advice",
        "disagreements",
        "missing",
        "fired",
        "pending",
    }
    assert data["facts"] == {"condition": "herniation", "phase": "chronic", "symptoms": []}
    entry = data["verdicts"]["deep_pressure"]
    assert set(entry) == {
        "verdict",
        "floor",
        "ceiling",
        "reasons",
        "pending",
        "overridden",
        "sites",
        "doubts",
    }
    assert data["general_screening"] is False  # the demo does not use the shipped screening
    assert data["unused_facts"] == []  # phase decides mild_herniation, symptoms nerve_signs
    assert data["fingerprint"] == demo.fingerprint
    assert [c["rule_id"] for c in data["cards"]] == [c.rule_id for c in res.cards()]
    # mild_herniation fires; fever_blocks (fever unknown) could still contraindicate
    assert entry["verdict"] == "undetermined"
    assert (entry["floor"], entry["ceiling"]) == ("recommended", "contraindicated")
    assert entry["sites"] == {"affected_segment": "undetermined"}


def test_evaluate_many(demo: KnowledgeBase) -> None:
    profiles = [{"fever": True}, {"fever": False}, {}]
    many = demo.evaluate_many(profiles)
    assert [r.to_dict() for r in many] == [demo.evaluate(p).to_dict() for p in profiles]


def test_a_knowledge_base_can_be_shared_between_threads(demo: KnowledgeBase) -> None:
    profiles = [{"fever": i % 2 == 0, "pain_score": i % 11} for i in range(200)]
    expected = [demo.evaluate(p).to_dict() for p in profiles]
    results: list[list[dict[str, object]]] = []

    def work() -> None:
        results.append([demo.evaluate(p).to_dict() for p in profiles])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_rules_text_is_never_executed() -> None:
    """Names and strings from the file reach generated code only through repr()."""
    kb = spinerules.compile_text(
        "fact __builtins__: __import__ | exec\ntechnique t\n"
        "rule r: if __builtins__ = __import__ then caution t because \"__import__('os')\"\n"
    )
    assert "__import__" not in kb.program.code.replace("'__import__'", "")
    assert kb.evaluate({"__builtins__": "__import__"}).verdict("t") is Verdict.CAUTION
    assert kb.evaluate({"__builtins__": "exec"}).verdict("t") is Verdict.UNASSESSED


def test_ruleset_metadata() -> None:
    kb = spinerules.compile_text(
        'ruleset m "Title"\ndocument "d.txt"\nversion "2.1"\nreviewed 2026-01-31\n'
        'study "A (2020)"\nstudy "B (2023)"\nfact f: bool\n'
    )
    (info,) = kb.rulesets
    assert (info.name, info.title, info.document, info.version) == ("m", "Title", "d.txt", "2.1")
    assert info.reviewed is not None and info.reviewed.isoformat() == "2026-01-31"
    assert info.studies == ("A (2020)", "B (2023)")


def test_warnings_are_reported_not_raised() -> None:
    kb = spinerules.compile_text(
        'document "d.txt"\nfact f: bool\nfact unused: bool\ntechnique t\n'
        "rule r: if f then allow t\n"
    )
    codes = sorted(w.code for w in kb.warnings)
    assert codes == ["no-because", "no-cite", "unused-fact"]
    unused = next(w for w in kb.warnings if w.code == "unused-fact")
    assert (unused.span.line, unused.span.column) == (3, 6)
    assert unused.render().startswith("<text>:3:6: warning: fact `unused`")


def test_anonymous_rule_ids_are_stable_under_layout_and_moves() -> None:
    a = spinerules.compile_text(
        "fact f: bool\nfact g: bool\ntechnique t\nif f then allow t\nif g then caution t\n"
    )
    b = spinerules.compile_text(
        "fact f: bool\nfact g: bool\ntechnique t\n# moved\nif   g\n  then caution t\n"
        "if (f) then allow t\n"
    )
    assert sorted(r.id for r in a.rules) == sorted(r.id for r in b.rules)
    assert all(r.id.startswith("r_") and len(r.id) == 10 for r in a.rules)


def test_load_all_combines_every_shipped_ruleset() -> None:
    kb = spinerules.load_all()
    assert kb.name == "all"
    rulesets = {info.name for info in kb.rulesets}
    assert set(spinerules.rulesets()) <= rulesets
    expected = sum(len(spinerules.load(n).rules) for n in spinerules.rulesets())
    assert len(kb.rules) == expected


@pytest.mark.parametrize("collector_on", [True, False])
def test_compiling_leaves_the_garbage_collector_as_it_found_it(
    collector_on: bool, tmp_path: Path
) -> None:
    """Compiling pauses the cyclic collector; afterwards, even after an error, it is on exactly
    when it was on before."""
    import gc

    bad = tmp_path / "bad.rules"
    bad.write_text("fact f: bool\nif f then\n", encoding="utf-8")
    good = "fact f: bool\ntechnique t\nif f then caution t\n"
    was = gc.isenabled()
    try:
        if collector_on:
            gc.enable()
        else:
            gc.disable()
        assert spinerules.compile_text(good).evaluate({"f": True}).verdict("t") == "caution"
        assert gc.isenabled() is collector_on
        with pytest.raises(spinerules.RulesError):
            spinerules.load_path(bad)
        assert gc.isenabled() is collector_on
        with pytest.raises(spinerules.RulesError):
            spinerules.compile_text("if then")
        assert gc.isenabled() is collector_on
        # screening many patients pauses it too, and gives it back as it was, after a bad row
        kb = spinerules.compile_text(good)
        seen: list[bool] = []

        def rows() -> Iterator[dict[str, object]]:
            for value in (True, False, "maybe"):
                seen.append(gc.isenabled())  # the caller's code, inside the batch call
                yield {"f": value}

        with pytest.raises(spinerules.ProfileError):
            kb.screen_many(rows())
        assert seen == [False, False, False] and gc.isenabled() is collector_on
        # a generator of batches does not keep it paused while the caller holds a batch
        from spinerules.screening import screen_batches

        for _ in screen_batches(kb, [{"f": True}, {"f": False}], batch_size=1):
            assert gc.isenabled() is collector_on
        assert gc.isenabled() is collector_on
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_a_reason_shows_its_action_as_written_with_its_escapes() -> None:
    text = (
        "fact f: bool\ntechnique t\n"
        'if f then advise "say \\"hi\\" \\\\ now", refer urgent "a \\"b\\""\n'
    )
    res = spinerules.compile_text(text).evaluate({"f": True})
    assert res.advice[0].reason.action == 'advise "say \\"hi\\" \\\\ now"'
    assert res.referrals[0].reason.action == 'refer urgent "a \\"b\\""'
    assert res.advice[0].text == 'say "hi" \\ now'


def test_fired_actions_list_every_action_of_the_fired_rules_as_written(
    demo: KnowledgeBase,
) -> None:
    # read off the demo rules: an acute herniation fires `acute_herniation`, a fever
    # `fever_blocks`, numbness `nerve_signs`, a known condition `exercise_always`; pain 3 is
    # not severe, and a herniation is not in `kidneys`' conditions
    complete = {
        "condition": "herniation", "phase": "acute", "trend": "stable", "pain_score": 3,
        "fever": True, "symptoms": ["numbness"],
    }  # fmt: skip
    res = demo.evaluate(complete)
    fired = ["acute_herniation", "fever_blocks", "nerve_signs", "exercise_always"]
    assert [r.id for r in res.fired] == fired
    assert res.fired_actions == (
        ("acute_herniation", "contraindicate", "massage", None),
        ("fever_blocks", "contraindicate", "massage", None),
        ("fever_blocks", "refer", None, None),
        ("nerve_signs", "caution", "manual_pressure", None),
        ("nerve_signs", "require", None, None),
        ("exercise_always", "recommend", "exercise", None),
    )
    assert res.fired_actions[0].technique == "massage"  # named fields
    # a partial profile: the fired rules' actions only, not the pending ones'
    partial = demo.evaluate({"condition": "herniation", "phase": "chronic"})
    assert [r.id for r in partial.fired] == ["mild_herniation", "exercise_always"]
    assert [r.id for r in partial.pending] == [
        "acute_herniation",
        "fever_blocks",
        "nerve_signs",
        "severe_pain",
    ]
    assert partial.fired_actions == (
        ("mild_herniation", "recommend", "massage", None),
        ("mild_herniation", "caution", "deep_pressure", "affected_segment"),
        ("exercise_always", "recommend", "exercise", None),
    )
