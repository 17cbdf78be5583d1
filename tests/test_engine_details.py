"""Behaviours of the engine that only the mutation run showed untested (README, "Mutation
testing"): disagreements at sites and among several losses, benefit disagreements, bad rows that
are not mappings, the texts of fact errors, facts as given, per-site reasons, the result's repr,
the domain of facts and the warnings' diagnostics. Expected values are written from the rules
of each test and docs/semantics.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import two_documents

import spinerules
from spinerules import ProfileError, Verdict

SITES = "fact f: bool\ntechnique massage\nsite back\nsite spot under back\n"


def test_a_disagreement_at_a_site_names_the_site(tmp_path: Path) -> None:
    kb = two_documents(
        tmp_path,
        SITES,
        'rule a_ok: if f then recommend massage at spot because "a" cite quote "qa"',
        'rule b_no: if f then caution massage at back because "b" cite quote "qb"',
    )
    res = kb.evaluate({"f": True})
    # actions at a site leave the unqualified verdict alone; at the spot the caution on the
    # whole back (restrictions flow down the site tree) beats the recommendation
    assert res.verdict("massage") is Verdict.UNASSESSED
    assert res.verdict("massage", at="spot") is Verdict.CAUTION
    (d,) = res.disagreements
    assert (d.kind, d.technique, d.site) == ("verdict", "massage", "spot")
    assert (d.permissive.rule_id, d.restrictive.rule_id) == ("a_ok", "b_no")


def test_a_disagreement_is_found_at_a_site_when_there_is_none_without_a_site(
    tmp_path: Path,
) -> None:
    kb = two_documents(
        tmp_path,
        SITES,
        'rule a_ok: if f then recommend massage at spot because "a" cite quote "qa"',
        'rule b_no: if f then caution massage because "b" cite quote "qb"',
    )
    res = kb.evaluate({"f": True})
    assert res.verdict("massage") is Verdict.CAUTION  # nothing overridden here: a_ok is at spot
    assert res.overridden("massage") == ()
    (d,) = res.disagreements
    assert (d.technique, d.site) == ("massage", "spot")


def test_a_loss_to_its_own_document_does_not_hide_another_documents_loss(
    tmp_path: Path,
) -> None:
    kb = two_documents(
        tmp_path,
        SITES,
        'rule a_ok: if f then recommend massage because "a" cite quote "qa"\n'
        'rule a_no: if f then caution massage because "a2" cite quote "qa2"',
        'rule b_ok: if f then allow massage because "b" cite quote "qb"',
    )
    res = kb.evaluate({"f": True})
    assert [o.permissive.rule_id for o in res.overridden("massage")] == ["a_ok", "b_ok"]
    # a_ok lost to its own document's caution: no disagreement; b_ok lost to document a
    (d,) = res.disagreements
    assert (d.permissive.rule_id, d.restrictive.rule_id, d.site) == ("b_ok", "a_no", None)


def test_a_doubt_on_an_allowed_technique_of_another_document_is_a_benefit_disagreement(
    tmp_path: Path,
) -> None:
    vocabulary = "fact f: bool\ntechnique walking\ntechnique heat\ntechnique massage\n"
    kb = two_documents(
        tmp_path,
        vocabulary,
        'rule a_heat: if f then caution heat because "a" cite quote "qa"\n'
        'rule a_ok: if f then allow massage because "a2" cite quote "qa2"',
        'rule b_heat: if f then doubt heat because "b" cite quote "qb"\n'
        'rule b_doubt: if f then doubt massage because "b2" cite quote "qb2"',
    )
    res = kb.evaluate({"f": True})
    assert res.verdict("massage") is Verdict.ALLOWED and res.verdict("heat") is Verdict.CAUTION
    # walking: no doubt; heat: doubted, but restricted (no permission decides it); massage:
    # allowed by a, doubted by b
    (d,) = res.disagreements
    assert (d.kind, d.technique, d.techniques) == ("benefit", "massage", ("massage",))
    assert (d.permissive.rule_id, d.restrictive.rule_id) == ("a_ok", "b_doubt")


KB = """\
fact f: bool
fact s: set of zeta | alpha | mid
fact n: int 2..5
technique t
technique u
site whole
site part under whole
rule r: if f then caution t at part, require consent "a signed form" because "x"
rule q: if n = 3 then allow u because "y"
"""


@pytest.fixture
def kb() -> spinerules.KnowledgeBase:
    return spinerules.compile_text(KB, name="details")


def test_a_row_that_is_not_a_mapping_is_reported_with_its_row(
    kb: spinerules.KnowledgeBase,
) -> None:
    message = "row 0: a profile must be a mapping from fact names to values, not list"
    not_a_mapping: Any = ["f"]  # what a caller's bad data may hold
    with pytest.raises(ProfileError, match=f"^{message}$"):
        kb.screen_many([not_a_mapping])
    first, second = kb.screen_many([not_a_mapping, {"f": 1}], errors="keep")
    assert str(first) == message
    assert str(second) == "row 1: `f` got int `1`; allowed: true or false"


def test_a_set_fact_given_one_string_says_a_list_is_wanted(kb: spinerules.KnowledgeBase) -> None:
    with pytest.raises(spinerules.FactError) as caught:
        kb.evaluate({"s": "zeta"})
    assert str(caught.value) == "`s` got str `'zeta'`; allowed: a list of values (zeta, alpha, mid)"


def test_facts_as_given_list_a_set_in_declaration_order(kb: spinerules.KnowledgeBase) -> None:
    res = kb.evaluate({"f": True, "s": ["mid", "zeta", "alpha"]})
    assert res.facts == {"f": True, "s": ["zeta", "alpha", "mid"]}  # not alphabetical


def test_reasons_at_a_site_where_nothing_decides_without_one(
    kb: spinerules.KnowledgeBase,
) -> None:
    res = kb.evaluate({"f": True, "n": 2})
    assert res.verdict("t") is Verdict.UNASSESSED
    assert res.reasons("t") == ()
    assert [r.rule_id for r in res.reasons("t", at="part")] == ["r"]
    assert res.reasons("t", at="part")[0].action == "caution t at part"  # as written
    assert [r.rule_id for r in res.reasons("t", at="whole")] == []  # not up the site tree


def test_the_repr_shows_the_decided_verdicts_only(kb: spinerules.KnowledgeBase) -> None:
    assert repr(kb.evaluate({"f": False, "n": 3})) == "<Result details: {'u': 'allowed'}>"
    assert repr(kb.evaluate({"f": False, "n": 2})) == "<Result details: {}>"


def test_a_result_cannot_lose_an_attribute(kb: spinerules.KnowledgeBase) -> None:
    res = kb.evaluate({})
    with pytest.raises(AttributeError, match=r"^Result is immutable: cannot delete `fired`$"):
        del res.fired


def test_a_requirement_as_json_has_its_text(kb: spinerules.KnowledgeBase) -> None:
    (requirement,) = kb.evaluate({"f": True}).to_dict()["requirements"]
    assert (requirement["name"], requirement["text"]) == ("consent", "a signed form")
    assert requirement["reason"]["rule_id"] == "r"


def test_an_assessment_of_a_technique_nothing_reaches_names_it(
    kb: spinerules.KnowledgeBase,
) -> None:
    every = kb.evaluate({"f": False, "n": 2}).assessments()
    assert {name: a.technique for name, a in every.items()} == {"t": "t", "u": "u"}
    assert all(a.verdict is Verdict.UNASSESSED and a.reasons == () for a in every.values())


def test_the_values_a_known_fact_can_take(kb: spinerules.KnowledgeBase) -> None:
    assert kb.facts["n"].domain() == (2, 3, 4, 5)
    assert kb.facts["f"].domain() == (False, True)
    assert kb.facts["s"].domain() == ("zeta", "alpha", "mid")


def test_a_warning_as_a_diagnostic_keeps_its_code_and_hint() -> None:
    text = "fact f: bool\nfact g: bool\ntechnique t\nrule r: if f then caution t\n"
    found = {w.code: w.diagnostic() for w in spinerules.compile_text(text).warnings}
    unused, bare = found["unused-fact"], found["no-because"]
    assert (unused.severity, unused.code, unused.hint) == ("warning", "unused-fact", None)
    assert (bare.code, bare.hint) == ("no-because", 'say why in plain words: `because "..."`')
    assert bare.message == "rule `r` has no `because`"


def test_the_generated_source_shows_each_function_once_and_compiles() -> None:
    rules = "".join(
        f'rule r{i}: if c = {"xyz"[i % 3]} and n >= {i % 5} then caution t0 because "r"\n'
        for i in range(30)
    )
    kb = spinerules.compile_text("fact c: x | y | z\nfact n: int 0..4\ntechnique t0\n" + rules)
    code = kb.program.code
    compile(code, "<spinerules generated>", "exec")
    defs = [line for line in code.splitlines() if line.startswith("def ")]
    assert defs == [
        f"def {name}(v):" if name != "check" else "def check(p):"
        for name in ("levels", "screen", "check", "fire", "acts", "partial", "plevels", "pscreen")
    ]
    # the screening function switches on `c` first: every rule is keyed on it
    levels = code[code.index("def levels") : code.index("def screen")]
    assert levels.splitlines()[3] == "    if s0 == 'x':"


def test_a_question_to_ask_as_json() -> None:
    kb = spinerules.compile_text(
        'fact f: bool\nfact g: bool "Is g so?"\ntechnique t\n'
        'rule r: if f and g then caution t because "x"\n'
    )
    assert kb.evaluate({"f": True}).to_dict()["missing"] == [
        {
            "fact": "g",
            "kind": "bool",
            "allowed": "true or false",
            "values": [],
            "description": "Is g so?",
            "rules": ["r"],
            "stakes": "caution",
        }
    ]


def test_a_rule_that_always_fires_below_a_conditional_one_for_the_same_technique() -> None:
    """The screening chain tests the most restrictive level first; an `always` rule at a lower
    level is its `else`, not a statement after it that would undo the higher level."""
    kb = spinerules.compile_text(
        'fact b: bool\ntechnique t\nrule a: if always then caution t because "a"\n'
        'rule r: if b then contraindicate t because "r"\n'
    )
    assert kb.screen({"b": True}) == {"t": Verdict.CONTRAINDICATED}
    assert kb.screen({"b": False}) == {"t": Verdict.CAUTION}


def test_a_knowledge_base_without_facts_screens() -> None:
    kb = spinerules.compile_text('technique t\nrule r: if always then caution t because "r"\n')
    assert kb.screen({}) == {"t": Verdict.CAUTION}
    assert kb.evaluate({}).verdicts() == {"t": Verdict.CAUTION}


def test_two_actions_of_one_rule_on_one_technique_the_more_restrictive_decides() -> None:
    kb = spinerules.compile_text(
        'fact b: bool\ntechnique t\nrule r: if b then contraindicate t, allow t because "r"\n'
    )
    assert kb.screen({"b": True}) == {"t": Verdict.CONTRAINDICATED}
    assert kb.program.reached(0) == ((0, 4),)


def test_fired_actions_asked_first_of_a_new_knowledge_base() -> None:
    """The generated code for fired actions is compiled on first use; asked before anything
    else, it still answers (the stand-in compiles the unit, then calls it)."""
    kb = spinerules.compile_text(
        'fact b: bool\ntechnique t\nrule r: if b then caution t, refer urgent "GP" because "r"\n'
    )
    got = kb.evaluate({"b": True}).fired_actions
    assert [(f.rule, f.kind, f.technique, f.site) for f in got] == [
        ("r", "caution", "t", None),
        ("r", "refer", None, None),
    ]
    assert kb.evaluate({"b": False}).fired_actions == ()


def test_generated_code_runs_without_builtins() -> None:
    """The generated functions get no builtins (codegen.py: nothing from a rules file reaches
    the code but through `repr()`, and the code could not call anything if it did)."""
    kb = spinerules.compile_text(
        'fact f: bool\ntechnique t\nrule r: if f then caution t because "r"\n'
    )
    for fn in (kb.program.screen_complete, kb.program.levels_complete, kb.program.quick_check):
        assert fn.__globals__["__builtins__"] == {}


def test_reading_a_record_names_every_bad_cell_and_keeps_reading() -> None:
    """`kb.read_profile` (the converter tables go through): every cell after a bad one or a
    column that is not a fact is still read, sets split at the separator (`,` by default)."""
    kb = spinerules.compile_text(
        "fact f: bool\nfact g: bool\nfact s: set of p | q\ntechnique t\n"
        'rule r: if f then caution t because "r"\n'
    )
    assert kb.read_profile({"s": "p,q", "f": "y", "g": ""}) == {"s": ["p", "q"], "f": True}
    with pytest.raises(ProfileError) as caught:
        kb.read_profile({"f": "maybe", "g": "perhaps", "s": "p;q"}, separator=";")
    assert str(caught.value) == (
        "2 bad facts: `f` got `maybe`; allowed: true or false; "
        "`g` got `perhaps`; allowed: true or false"
    )
    with pytest.raises(ProfileError) as caught:
        kb.read_profile({"x": 1, "f": "maybe"})
    assert str(caught.value) == (
        "2 bad facts: `f` got `maybe`; allowed: true or false; unknown fact `x`; allowed: f, g, s"
    )
