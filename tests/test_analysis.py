"""The analyzer on hand-written knowledge bases whose findings are worked out by reading them.

Each expectation below is argued in a comment from the rules and docs/semantics.md, not copied
from a run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import spinerules
from spinerules import Verdict
from spinerules.analysis import Code, Report, WitnessError, analyze, main
from spinerules.analysis.context import Context

HEAD = """\
ruleset clinic
document "clinic.txt"
fact phase: ordered remission < chronic < acute
fact flags: set of fever | bleeding
fact clearance: bool
fact therapist: ordered unlicensed < licensed
technique massage
technique swedish under massage
technique exercise
site back
site segment under back
"""

RULES = """\
rule below_floor:
  if phase < remission then caution massage
rule acute_block:
  if phase = acute then contraindicate massage
rule chronic_ok:
  if phase = chronic then recommend massage
rule fever_caution:
  if flags has fever then caution massage
rule acute_swedish:
  if phase = acute and not clearance then recommend swedish
rule acute_cleared:
  if phase = acute and clearance then contraindicate massage
rule chronic_exercise:
  if phase = chronic then caution exercise at segment
"""


def subjects(report: Report, code: Code) -> set[tuple[str, ...]]:
    return {f.subjects for f in report.by_code(code)}


@pytest.fixture(scope="module")
def clinic() -> Report:
    return analyze(spinerules.compile_text(HEAD + RULES, name="clinic"))


def test_dead_rule(clinic: Report) -> None:
    # remission is the lowest phase: nothing is below it. Every other rule has a patient.
    assert subjects(clinic, Code.DEAD_RULE) == {("below_floor",)}
    (dead,) = clinic.by_code(Code.DEAD_RULE)
    assert dead.witnesses == ()  # a proof, not an example


def test_conflicts(clinic: Report) -> None:
    # chronic_ok (recommend massage) meets fever_caution (caution massage) for a chronic patient
    # with a fever. acute_swedish (recommend swedish) meets acute_block and fever_caution
    # (both reach swedish through massage). acute_block/acute_cleared vs chronic_ok: phases
    # differ, never together. acute_cleared vs acute_swedish: clearance differs.
    assert subjects(clinic, Code.CONFLICT) == {
        ("fever_caution", "chronic_ok"),
        ("acute_block", "acute_swedish"),
        ("fever_caution", "acute_swedish"),
    }
    assert not clinic.by_code(Code.DISAGREEMENT)  # one document


def test_conflict_witness_fires_both(clinic: Report) -> None:
    kb = spinerules.compile_text(HEAD + RULES, name="clinic")
    (finding,) = [f for f in clinic.findings if f.subjects == ("fever_caution", "chronic_ok")]
    (witness,) = finding.witnesses
    assert witness.profile["phase"] == "chronic" and "fever" in witness.profile["flags"]
    res = kb.evaluate(witness.profile)
    assert {"fever_caution", "chronic_ok"} <= {r.id for r in res.fired}
    assert res.verdict("massage") is Verdict.CAUTION


def test_shadowed(clinic: Report) -> None:
    # acute_swedish fires only in the acute phase, where acute_block contraindicates massage
    # (and so swedish): its recommendation never shows. chronic_ok is not shadowed: a chronic
    # patient without fever gets `recommended`.
    assert subjects(clinic, Code.SHADOWED) == {("acute_swedish",)}


def test_redundant(clinic: Report) -> None:
    # acute_cleared (acute and clearance -> contraindicate massage) implies acute_block, which
    # does the same. The converse does not hold (acute without clearance).
    assert subjects(clinic, Code.REDUNDANT) == {("acute_cleared", "acute_block")}


def test_gaps(clinic: Report) -> None:
    # A patient in remission without fever gets no verdict for massage or swedish; exercise
    # is only spoken of at a site and only for chronic patients.
    assert subjects(clinic, Code.GAP) == {("massage",), ("swedish",), ("exercise",)}
    for finding in clinic.by_code(Code.GAP):
        (w,) = finding.witnesses
        assert w.profile["phase"] != "chronic" or finding.technique != "exercise"


def test_monotonicity(clinic: Report) -> None:
    # Going from chronic to acute drops `caution exercise at segment` with nothing in its place.
    # Massage: its restrictions are contraindicate (acute, which is the top) and caution
    # (fever, which stays once present): a worse patient never loses them. Therapist counts as a
    # scale by default but no rule reads it.
    assert subjects(clinic, Code.MONOTONICITY) == {("exercise", "phase")}
    (finding,) = clinic.by_code(Code.MONOTONICITY)
    before, after = (w.profile for w in finding.witnesses)
    assert (before["phase"], after["phase"]) == ("chronic", "acute")
    assert finding.site == "segment"
    assert set(clinic.worsening) == {"phase", "flags", "therapist"}


def test_directives_accept_and_scope() -> None:
    text = (
        HEAD
        + RULES
        + """
# spinerules: accept dead-rule below_floor because "kept to show a dead rule"
# spinerules: accept conflict chronic_ok vs fever_caution because "fever overrides, in order"
# spinerules: accept conflict * vs acute_swedish because "the acute rules win"
# spinerules: accept shadowed acute_swedish because "documented exception"
# spinerules: accept redundant acute_cleared because "cites a second sentence"
# spinerules: accept gap massage because "covers swedish too"
# spinerules: accept gap exercise because "exercise is advice only"
# spinerules: accept monotonicity exercise vs phase because "acute patients rest"
# spinerules: accept conflict below_floor vs chronic_ok because "matches nothing: dead rule"
# spinerules: accept conflict nobody vs nothing because "names no rule of this file: no note"
"""
    )
    report = analyze(spinerules.compile_text(text, name="clinic"))
    assert report.ok, [f.title for f in report.findings]
    # conflict order does not matter; `*` matches any rule; `massage` covers swedish's gap
    accepted = {f.title: f.accepted for f in report.accepted}
    assert accepted["conflict fever_caution vs chronic_ok"] == "fever overrides, in order"
    assert accepted["conflict acute_block vs acute_swedish"] == "the acute rules win"
    assert accepted["gap swedish"] == "covers swedish too"
    assert len(report.unused) == 1 and "below_floor vs chronic_ok" in report.unused[0]
    # a check that did not run leaves its directives unnoted
    assert not analyze(spinerules.compile_text(text, name="clinic"), checks=["gap"]).unused


def test_redundant_directive_is_ordered() -> None:
    # `accept redundant acute_block vs acute_cleared` names them the wrong way round: it is
    # acute_cleared that is redundant given acute_block.
    text = (
        HEAD + RULES + '# spinerules: accept redundant acute_block vs acute_cleared because "x"\n'
    )
    report = analyze(spinerules.compile_text(text, name="clinic"), checks=["redundant"])
    assert [f.subjects for f in report.findings] == [("acute_cleared", "acute_block")]


def test_neutral_and_worse_directives() -> None:
    text = (
        HEAD
        + """
rule unlicensed:
  if therapist = unlicensed then contraindicate massage
rule cleared:
  if not clearance then caution exercise
# spinerules: neutral therapist because "who gives the massage, not how ill the patient is"
"""
    )
    kb = spinerules.compile_text(text, name="clinic")
    # unlicensed -> licensed drops the contraindication, but therapist is neutral; clearance is
    # a bool, not a scale unless a file says so.
    report = analyze(kb, checks=["monotonicity"])
    assert report.ok and set(report.worsening) == {"phase", "flags"}
    # Declaring clearance a scale (true is worse) makes losing the caution a violation.
    worse = text + '# spinerules: worse clearance because "for this test only"\n'
    report = analyze(spinerules.compile_text(worse, name="clinic"), checks=["monotonicity"])
    assert subjects(report, Code.MONOTONICITY) == {("exercise", "clearance")}
    # An explicit list replaces defaults and directives.
    report = analyze(kb, checks=["monotonicity"], worsening=["therapist"])
    assert subjects(report, Code.MONOTONICITY) == {
        ("massage", "therapist"),
        ("swedish", "therapist"),
    }


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("# spinerules: accept conflict a vs b", 'ends with `because "REASON"`'),
        ('# spinerules: accept conflicts a because "x"', "unknown finding code `conflicts`"),
        ('# spinerules: accept bad-directive x because "x"', "cannot be accepted"),
        ('# spinerules: accept gap a b c because "x"', "`NAME` or `NAME vs NAME`"),
        ('# spinerules: accept gap a in because "x"', "`NAME` or `NAME vs NAME`"),
        ('# spinerules: ignore gap a because "x"', "expected `accept`"),
        ('# spinerules: accept gap a because ""', "the reason is empty"),
        ('# spinerules: neutral nosuch because "x"', "not a fact"),
        ('# spinerules: neutral clearance because "x"', "neutral already"),
    ],
)
def test_bad_directives_are_findings(comment: str, problem: str) -> None:
    kb = spinerules.compile_text(HEAD + comment + "\n", name="clinic")
    report = analyze(kb, checks=[])
    (finding,) = report.findings
    assert finding.code is Code.BAD_DIRECTIVE and problem in finding.message
    assert finding.locations[0].startswith("clinic:12")
    assert "to accept it" not in finding.render()


def test_comment_inside_a_string_is_not_a_directive() -> None:
    text = HEAD + 'rule r:\n  if phase = acute then advise "# spinerules: accept gap x because"\n'
    assert analyze(spinerules.compile_text(text, name="clinic"), checks=[]).ok


def test_partial_patients_for_dead_rules_and_conflicts() -> None:
    # `imaging is unknown` is false for every complete patient, yet the rule fires when the
    # question was not asked: it is not dead, and it conflicts with `ok` for a patient whose
    # imaging is missing (the witness leaves it out).
    text = """\
fact imaging: bool
fact phase: ordered chronic < acute
technique massage
rule unasked:
  if imaging is unknown then caution massage
rule ok:
  if phase = chronic then recommend massage
"""
    report = analyze(spinerules.compile_text(text, name="t"), checks=["dead-rule", "conflict"])
    assert not report.by_code(Code.DEAD_RULE)
    (conflict,) = report.by_code(Code.CONFLICT)
    (witness,) = conflict.witnesses
    assert witness.profile == {"phase": "chronic"}


def test_disagreement_across_documents(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text(
        'ruleset a\ndocument "a.txt"\nfact phase: ordered chronic < acute\n'
        "technique massage\ntechnique swedish under massage\n"
        "rule a_rec:\n  if phase = chronic then recommend swedish\n"
        '  cite "Indications" quote "swedish massage helps"\n'
    )
    root = tmp_path / "b.rules"
    root.write_text(
        'ruleset b\ndocument "b.txt"\nuse "a.rules"\n'
        "rule b_caution:\n  if phase >= chronic then caution massage\n"
        '  cite "Cautions" quote "be careful"\n'
    )
    report = analyze(spinerules.load_path(root))
    (finding,) = report.by_code(Code.DISAGREEMENT)
    assert finding.subjects == ("b_caution", "a_rec")
    assert [(c.rule, c.document, c.quote) for c in finding.citations] == [
        ("b_caution", "b.txt", "be careful"),
        ("a_rec", "a.txt", "swedish massage helps"),
    ]
    res = spinerules.load_path(root).evaluate(finding.witnesses[0].profile)
    assert [(d.permissive.rule_id, d.restrictive.rule_id) for d in res.disagreements] == [
        ("a_rec", "b_caution")
    ]
    # a.rules can accept it (one of its rules is involved)
    (tmp_path / "a.rules").write_text(
        (tmp_path / "a.rules").read_text()
        + '# spinerules: accept disagreement a_rec vs * because "b is stricter"\n'
    )
    assert analyze(spinerules.load_path(root), checks=["conflict"]).ok


def test_gaps_belong_to_the_analyzed_file(tmp_path: Path) -> None:
    # A gap belongs to the analyzed file only: a directive in an imported file, even the one
    # declaring the technique, does not hide it (a shared vocabulary must not silence the gaps
    # of every knowledge base built on it).
    (tmp_path / "vocab.rules").write_text(
        'fact f: bool\ntechnique massage\n# spinerules: accept gap * because "not mine"\n'
    )
    root = tmp_path / "root.rules"
    root.write_text('use "vocab.rules"\nrule r:\n  if f then caution massage\n')
    report = analyze(spinerules.load_path(root), checks=["gap"])
    assert subjects(report, Code.GAP) == {("massage",)}
    # ... and is not called unused here either: it was written for the vocabulary's own
    # analysis, where it is right (an author saw it reported unused, and then used, in turn)
    assert report.unused == ()
    # The root file itself can accept it.
    root.write_text(root.read_text() + '# spinerules: accept gap massage because "mine"\n')
    assert analyze(spinerules.load_path(root), checks=["gap"]).ok


def test_in_kb_directive_applies_only_to_that_knowledge_base(tmp_path: Path) -> None:
    # `in NAME` limits a directive to the analysis of the knowledge base called NAME, where it
    # may accept any finding (this is how findings of load_all(), named `all`, are accepted).
    (tmp_path / "vocab.rules").write_text(
        "fact f: bool\ntechnique massage\n"
        '# spinerules: accept gap massage in combined because "checked for the combination"\n'
    )
    root = tmp_path / "root.rules"
    root.write_text('use "vocab.rules"\nrule r:\n  if f then caution massage\n')
    kb = spinerules.load_path(root)
    assert subjects(analyze(kb, checks=["gap"]), Code.GAP) == {("massage",)}
    assert not analyze(kb, checks=["gap"]).unused  # not about this knowledge base
    combined = spinerules.compile_text('use "root.rules"\n', name="combined", base_dir=tmp_path)
    report = analyze(combined, checks=["gap"])
    assert report.ok
    assert report.accepted[0].accepted == "checked for the combination"


def test_witnesses_are_rechecked_with_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    # If the engine disagreed with the solver, the analyzer must refuse to report.
    kb = spinerules.compile_text(HEAD + RULES, name="clinic")
    wrong = kb.evaluate({"phase": "remission", "flags": [], "clearance": True})
    monkeypatch.setattr(Context, "evaluate", lambda self, patient: wrong)
    with pytest.raises(WitnessError, match="does not confirm"):
        analyze(kb, checks=["conflict"])


def test_report_to_dict_is_json(clinic: Report) -> None:
    data = json.loads(json.dumps(clinic.to_dict()))
    assert data["ok"] is False
    assert data["counts"]["dead-rule"] == 1
    conflict = next(f for f in data["findings"] if f["code"] == "conflict")
    assert set(conflict) >= {"subjects", "message", "witnesses", "rules", "locations"}
    assert conflict["witnesses"][0]["role"] == "fires both"


def test_unknown_check_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown check"):
        analyze(spinerules.compile_text(HEAD, name="x"), checks=["deadrule"])


def test_main_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text(HEAD + RULES)
    assert main([str(bad), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["dead-rule"] == 1
    good = tmp_path / "good.rules"
    good.write_text("fact f: bool\ntechnique t\nrule r:\n  if f or not f then caution t\n")
    assert main([str(good)]) == 0
    assert "0 open finding(s)" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.rules")]) == 2
    assert "no rules file" in capsys.readouterr().err


def test_import_spinerules_does_not_import_z3() -> None:
    code = "import sys, spinerules; print('z3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
