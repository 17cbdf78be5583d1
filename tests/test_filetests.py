"""The in-file test runner: every expectation kind, failure reports, imports, and coverage.

Every expected verdict below follows from the rules of `MAIN` and docs/semantics.md; each test
says which rule decides it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spinerules
from spinerules import filetests

BASE = """\
fact condition: herniation | stenosis
fact phase: ordered chronic < acute
fact fever: bool
fact pain: int 0..10
fact symptoms: set of numbness | tingling
technique massage
technique manual_pressure under massage
technique exercise
technique rest
site lumbar_spine
site affected_segment under lumbar_spine
"""

DOC_A = """\
document "a.txt"
use "base.rules"

rule a_recommend: if condition = herniation then recommend massage
  because "A says massage helps" cite quote "helps"

test "document A alone recommends massage in herniation":
  given condition = herniation
  expect recommended massage
"""

MAIN = """\
document "b.txt"
use "doc_a.rules"

rule b_acute: if condition = herniation and phase = acute then contraindicate massage
  because "B says no massage in an acute episode" cite quote "acute"
rule b_rest: if phase = acute then recommend rest
  because "rest" cite quote "rest"
rule b_fever: if fever then refer urgent "physician", require medical_clearance "ask first"
  because "fever" cite quote "fever"
rule b_segment: if condition = stenosis then caution manual_pressure at affected_segment,
                                              allow exercise
  because "stenosis" cite quote "stenosis"
rule b_numbness: if symptoms has numbness or pain >= 8
  then caution manual_pressure, refer routine "general practitioner"
  because "nerve signs" cite quote "numbness"
"""

PASSING_TESTS = """
test "acute herniation: B contraindicates what A recommends":
  given condition = herniation, phase = acute, fever = false, symptoms = {}, pain = 2
  expect contraindicated massage, contraindicated manual_pressure, disagreement massage,
         recommended rest, unassessed exercise, referral none, requirement none,
         fires b_acute, fires a_recommend

test "chronic herniation: massage is recommended":
  given condition = herniation, phase = chronic, fever = false, symptoms = {}, pain = 2
  expect recommended massage, recommended manual_pressure, unassessed rest

test "stenosis: caution at the segment only":
  given condition = stenosis, phase = chronic, fever = false, symptoms = {}, pain = 0
  expect caution manual_pressure at affected_segment, unassessed manual_pressure at lumbar_spine,
         unassessed manual_pressure, allowed exercise

test "nothing known: wait for the diagnosis and ask about fever":
  given nothing
  expect undetermined massage, missing condition, missing fever, referral none

test "fever: urgent referral and a prerequisite":
  given fever = true
  expect referral urgent, requirement medical_clearance

test "numbness: routine referral, and pressure still waits for the diagnosis":
  given symptoms = {numbness}
  expect referral routine, undetermined manual_pressure, fires b_numbness
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path, {"base.rules": BASE, "doc_a.rules": DOC_A, "main.rules": MAIN + PASSING_TESTS})
    return tmp_path


def test_every_expectation_kind_passes_when_the_engine_agrees(folder: Path) -> None:
    run = filetests.run_file(folder / "main.rules")
    assert run.error is None
    assert run.outcomes[0].name == "acute herniation: B contraindicates what A recommends"
    failures = [o.render() for o in run.outcomes if not o.passed]
    assert failures == []
    assert (run.passed, run.failed) == (6, 0)
    first = run.outcomes[0]
    assert [c.expected for c in first.checks][:3] == [
        "contraindicated massage",
        "contraindicated manual_pressure",
        "disagreement massage",
    ]
    assert {r.id for r in first.fired} == {"a_recommend", "b_acute", "b_rest"}


def test_the_tests_of_an_imported_file_run_only_with_that_file(folder: Path) -> None:
    main = filetests.run_file(folder / "main.rules")
    assert all(o.test.span.file.endswith("main.rules") for o in main.outcomes)
    imported = filetests.run_file(folder / "doc_a.rules")
    assert [o.name for o in imported.outcomes] == [
        "document A alone recommends massage in herniation"
    ]
    assert imported.outcomes[0].passed


def test_givens_become_a_profile_of_the_right_types() -> None:
    kb = spinerules.compile_text(
        BASE + 'test "t": given pain = 7, fever = false, symptoms = {numbness, tingling}, '
        "phase = acute, condition = stenosis expect unassessed massage\n"
    )
    (test,) = filetests.own_tests(kb)
    assert filetests.profile_of(test) == {
        "pain": 7,
        "fever": False,
        "symptoms": ["numbness", "tingling"],
        "phase": "acute",
        "condition": "stenosis",
    }


FAILING = """
test "wrong on purpose":
  given condition = herniation, phase = acute, fever = false, symptoms = {}, pain = 2
  expect caution massage, referral urgent, requirement medical_clearance, fires b_fever,
         missing fever, recommended rest, disagreement rest

test "wrong with nothing known":
  given nothing
  expect recommended massage, fires b_fever, disagreement massage
"""


def test_a_failure_says_what_the_engine_said_instead_and_why(folder: Path) -> None:
    write(folder, {"main.rules": MAIN + FAILING})
    run = filetests.run_file(folder / "main.rules")
    assert (run.passed, run.failed) == (0, 2)
    acute, unknown = run.outcomes
    checks = {c.expected: c for c in acute.checks}
    assert not checks["caution massage"].passed
    assert checks["caution massage"].actual == "contraindicated"
    assert checks["caution massage"].why[0] == "contraindicated by b_acute"
    # the permissive rule of document A lost: the report says so
    assert "recommend massage by a_recommend was overridden" in checks["caution massage"].why
    assert checks["referral urgent"].actual == "referral none"
    assert checks["requirement medical_clearance"].actual == "requirement none"
    assert checks["fires b_fever"].actual == "b_fever did not fire"
    assert checks["fires b_fever"].why == ("its condition is false",)
    assert checks["missing fever"].why == ("`fever` is given",)
    assert checks["recommended rest"].passed  # the others are still checked, one by one
    assert checks["disagreement rest"].actual == "disagreement massage"

    checks = {c.expected: c for c in unknown.checks}
    assert checks["recommended massage"].actual == "undetermined"
    assert (
        "could become contraindicated by b_acute, which waits for `condition`, `phase`"
        in checks["recommended massage"].why
    )
    assert checks["fires b_fever"].actual == "b_fever is pending"
    assert checks["fires b_fever"].why == ("it waits for `fever`",)
    assert checks["disagreement massage"].actual == "no disagreement"

    report = acute.render()
    lines = report.splitlines()
    assert lines[0] == f'{folder / "main.rules"}:{acute.test.span.line}: test "wrong on purpose"'
    assert (
        lines[1]
        == "  given condition = herniation, phase = acute, fever = false, symptoms = {}, pain = 2"
    )
    assert "  expected caution massage" in lines
    assert lines[lines.index("  expected caution massage") + 1] == "  actual   contraindicated"
    assert "  ok       recommended rest" in lines
    assert "  rules that fired:" in lines
    assert any(line.startswith("    b_acute (") for line in lines)
    assert "no rule fired" in unknown.render()


def test_a_file_that_does_not_load_is_reported_not_raised(tmp_path: Path) -> None:
    write(tmp_path, {"bad.rules": "fact fever: bool\nif fevr then caution massage\n"})
    run = filetests.run_file(tmp_path / "bad.rules")
    assert run.kb is None and run.outcomes == ()
    assert run.error is not None
    assert {e.code for e in run.error.errors} == {"undefined"}


def test_coverage_lists_the_rules_no_test_fires(folder: Path) -> None:
    write(folder, {"main.rules": MAIN + PASSING_TESTS.split('test "nothing known')[0]})
    main = filetests.run_file(folder / "main.rules")
    cov = filetests.coverage([main])
    # the first three tests fire b_acute, b_rest and b_segment; none gives fever or numbness
    assert [r.id for r in cov.rules] == ["b_acute", "b_rest", "b_fever", "b_segment", "b_numbness"]
    assert [r.id for r in cov.uncovered] == ["b_fever", "b_numbness"]
    assert cov.percent == pytest.approx(60.0)
    # a rule of an imported file counts once that file is among the tested ones, and a test of
    # the importing file covers it (A's own test also fires it here)
    both = filetests.coverage([main, filetests.run_file(folder / "doc_a.rules")])
    assert [r.id for r in both.rules][-1] == "a_recommend"
    assert "a_recommend" not in [r.id for r in both.uncovered]
    assert filetests.coverage([]).percent == 100.0


def test_a_rule_fired_by_a_failing_test_is_still_covered(folder: Path) -> None:
    write(folder, {"main.rules": MAIN + FAILING})
    cov = filetests.coverage([filetests.run_file(folder / "main.rules")])
    assert "b_acute" not in [r.id for r in cov.uncovered]


# ---- the shipped rulesets ---------------------------------------------------------------------

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "rulesets").glob("*.rules"))


def test_shipped_rulesets_carry_tests_and_cover_every_rule() -> None:
    runs = [filetests.run_file(path) for path in SHIPPED]
    for run in runs:
        assert run.error is None, run.error.render()
        assert run.outcomes, f"{run.path} has no tests"
        assert run.failed == 0, "\n\n".join(o.render() for o in run.outcomes if not o.passed)
    cov = filetests.coverage(runs)
    assert [f"{r.location} {r.id}" for r in cov.uncovered] == []
    assert cov.percent == 100.0


def test_an_undetermined_verdict_says_what_is_decided_so_far_and_what_it_waits_for(
    folder: Path,
) -> None:
    write(
        folder,
        {
            "main.rules": MAIN + 'test "t": given condition = herniation, phase = chronic '
            "expect recommended manual_pressure\n"
        },
    )
    (outcome,) = filetests.run_file(folder / "main.rules").outcomes
    (check,) = outcome.checks
    # a_recommend reaches manual_pressure (under massage); b_numbness could make it caution
    assert check.actual == "undetermined"
    assert check.why == (
        "recommended so far, by a_recommend",
        "could become caution by b_numbness, which waits for `symptoms`, `pain`",
    )
