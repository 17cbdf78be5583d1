"""The pytest plugin, run on throw-away projects with pytester (never on this repository)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

BASE = """\
fact condition: herniation | stenosis
fact phase: ordered chronic < acute
technique massage
technique manual_pressure under massage
"""

RULES = """\
use "base.rules"

rule acute:
  if condition = herniation and phase = acute
  then contraindicate manual_pressure
  because "No pressure in an acute herniation."

test "acute herniation blocks pressure":
  given condition = herniation, phase = acute
  expect contraindicated manual_pressure

test "wrong on purpose":
  given condition = herniation, phase = acute
  expect caution manual_pressure, unassessed massage
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".rules", base=BASE, main=RULES)
    return pytester


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("spinerules") == "spinerules.pytest_plugin"


def test_each_in_file_test_is_one_item_with_a_readable_failure(project: pytest.Pytester) -> None:
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "main.rules::acute herniation blocks pressure PASSED*",
            "main.rules::wrong on purpose FAILED*",
        ]
    )
    # the report is the runner's: givens, expected and actual, why, the rules that fired
    result.stdout.fnmatch_lines(
        [
            '*main.rules:12: test "wrong on purpose"',
            "  given condition = herniation, phase = acute",
            "  expected caution manual_pressure",
            "  actual   contraindicated",
            "           contraindicated by acute",
            "  ok       unassessed massage",
            "  rules that fired:",
            "    acute (*main.rules:3:1)",
        ]
    )
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "filetests.py" not in output and "pytest_plugin.py" not in output
    result.stdout.fnmatch_lines(["*collected 2 items"])  # base.rules has no tests


def test_files_without_tests_are_not_collected(project: pytest.Pytester) -> None:
    (project.path / "main.rules").unlink()
    (project.path / "notes.rules").write_text('# a test "x" in a comment is not a test\n')
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_select_by_test_name_and_by_marker(project: pytest.Pytester) -> None:
    project.runpytest("-k", "blocks").assert_outcomes(passed=1)
    project.runpytest("-m", "not rules_test").assert_outcomes()


@pytest.mark.parametrize(
    "how",
    [["--no-rules-tests"], ["-p", "no:spinerules"], ["-o", "rules_tests=false"]],
    ids=["option", "no-plugin", "ini"],
)
def test_the_plugin_can_be_turned_off(project: pytest.Pytester, how: list[str]) -> None:
    result = project.runpytest(*how)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_ini_option_in_a_configuration_file(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nrules_tests = false\n")
    assert project.runpytest().ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_file_with_errors_is_one_failing_item_showing_them(project: pytest.Pytester) -> None:
    project.makefile(
        ".rules",
        broken='use "base.rules"\ntest "t":\n  given phase = acutte\n  expect unassessed massage\n',
    )
    result = project.runpytest("broken.rules")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*broken.rules:3:17: error: `acutte` is not a value of `phase`",
            " 3 |   given phase = acutte",
            "   |                 ^^^^^^",
            "   = hint: did you mean `acute`?",
            "1 error(s): no test run",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_duplicate_test_names_stay_distinct(project: pytest.Pytester) -> None:
    project.makefile(
        ".rules",
        twice=(
            'use "base.rules"\n'
            'test "same": given nothing expect unassessed massage\n'
            'test "same": given nothing expect unassessed manual_pressure\n'
        ),
    )
    result = project.runpytest("twice.rules", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*twice.rules::same (line 2) PASSED*", "*::same (line 3) PASSED*"])
