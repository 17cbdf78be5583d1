"""The rough edges a new author hit (issue: "Authoring in an editor", item 4), each pinned by a
test that failed before its fix."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import spinerules
from spinerules.cli import main
from spinerules.errors import RulesError


def check(tmp_path: Path, text: str, capsys: Any, *extra: str) -> tuple[int, str]:
    path = tmp_path / "clinic.rules"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    status = main(["check", str(path), *extra])
    return status, capsys.readouterr().out


UNINDENTED = """\
ruleset clinic
use herniation

rule a:
if phase = acute
then caution massage
"""


def test_a_rule_without_indentation_is_no_syntax_error_beside_another_error(
    tmp_path: Path, capsys: Any
) -> None:
    status, out = check(tmp_path, UNINDENTED, capsys)
    assert status == 0, out
    broken = UNINDENTED + "\nrule b:\n  if phase = = acute then caution massage\n"
    status, out = check(tmp_path, broken, capsys)
    assert status == 1
    assert "incomplete statement" not in out
    assert "clinic.rules:9:14" in out and out.count("error:") == 1


def test_syntax_and_name_errors_come_in_one_run(tmp_path: Path, capsys: Any) -> None:
    text = (
        "ruleset clinic\nuse herniation\n\n"
        "rule a:\n  if phase = = acute then caution massage\n\n"
        "rule b:\n  if phsae = acute then caution massage\n\n"
        'use "missing.rules"\n'
    )
    status, out = check(tmp_path, text, capsys)
    assert status == 1
    assert "clinic.rules:5:14" in out  # the syntax error
    assert "clinic.rules:8:6" in out and "did you mean `phase`" in out  # a name error
    assert "missing.rules" in out  # and the import error, all at once


def test_use_all_brings_every_shipped_ruleset(tmp_path: Path) -> None:
    path = tmp_path / "mine.rules"
    path.write_text(
        "ruleset mine\nuse all\n\nrule no_cupping:\n  if condition = herniation\n"
        '  then contraindicate cupping\n  because "Clinic policy."\n',
        encoding="utf-8",
    )
    kb = spinerules.load_path(path)
    assert set(spinerules.rulesets()) <= {info.name for info in kb.rulesets}
    res = kb.evaluate({"condition": "herniation", "red_flags": ["bladder_bowel_dysfunction"]})
    assert res.verdict("cupping") == "contraindicated"
    assert any(r.urgency == "urgent" for r in res.referrals)  # the general screening is in


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("rule r:\n  if pain > 3 then caution hot_stones\n", "did you mean `pain_score`?"),
        ("rule r:\n  if pain_score > 3 then caution hot_stones at kidneys\n",
         "did you mean `kidney_area`?"),
        ('rule r:\n  if pregnant = "true" then caution hot_stones\n', "drop the quotes: true"),
    ],
)  # fmt: skip
def test_suggestions_a_new_author_needed(tmp_path: Path, capsys: Any, text: str, hint: str) -> None:
    head = (
        "ruleset clinic\nuse vocabulary\nfact pregnant: bool\nfact pain_score: int 0..10\n"
        "technique hot_stones\n"
    )
    status, out = check(tmp_path, head + text, capsys)
    assert status == 1 and hint in out, out


def test_an_always_false_comparison_warns_and_one_line_can_be_silenced(
    tmp_path: Path, capsys: Any
) -> None:
    text = (
        "ruleset clinic\nfact pain_score: int 0..10\ntechnique hot_stones\n"
        'rule r:\n  if pain_score > 10 then caution hot_stones\n  because "x"\n'
    )
    status, out = check(tmp_path, text, capsys, "--strict")
    assert status == 1 and "`pain_score > 10` never holds" in out
    silenced = text.replace(
        "caution hot_stones\n", "caution hot_stones  # spinerules: ignore[constant-comparison]\n"
    )
    status, out = check(tmp_path, silenced, capsys, "--strict")
    assert status == 0, out
    other_code = text.replace(
        "caution hot_stones\n", "caution hot_stones  # spinerules: ignore[no-cite]\n"
    )
    status, out = check(tmp_path, other_code, capsys, "--strict")
    assert status == 1  # only the codes listed are silenced


def test_help_describes_every_command_in_whole_sentences(capsys: Any) -> None:
    from spinerules.cli import SUBCOMMANDS

    for name, command in SUBCOMMANDS.items():
        assert command.help.endswith((".", "?")), (name, command.help)
    main(["--help"])
    assert "safety monotonicity, each with a witness patient." in " ".join(
        capsys.readouterr().out.split()
    )


TESTS = """\
ruleset t
use herniation

test "an urgent referral for a herniation":
  given condition = herniation
  expect referral urgent

test "mild: medical guidance first":
  given condition = herniation, severity = mild
  expect requirement medical_guidance
"""


def test_the_test_command_filters_and_speaks_json_and_junit(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "t.rules"
    path.write_text(TESTS, encoding="utf-8")
    capsys.readouterr()
    assert main(["test", str(path), "-k", "MILD"]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    assert main(["test", str(path), "-k", "not mild", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == 1 and report["summary"] == {
        "passed": 0, "failed": 1, "files_with_errors": 0,
    }  # fmt: skip
    (test,) = report["files"][0]["tests"]
    (missing,) = [c for c in test["checks"] if not c["passed"]]
    # the missing referral says which pending rule could give it, and what it waits for
    assert any("herniation_red_flags could give it" in why for why in missing["why"])
    junit = tmp_path / "junit.xml"
    assert main(["test", str(path), "--junit-xml", str(junit)]) == 1
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["an urgent referral for a herniation"].find("failure") is not None
    assert cases["mild: medical guidance first"].find("failure") is None


def test_an_unknown_option_shows_the_commands_own_usage(capsys: Any) -> None:
    assert main(["check", "--bogus", "x.rules"]) == 2
    assert capsys.readouterr().err.startswith("usage: spinerules check")


def test_recovery_never_hides_an_error_it_cannot_place(tmp_path: Path) -> None:
    # a file whose every statement is broken still reports, and compiles nothing
    with pytest.raises(RulesError) as caught:
        spinerules.compile_text("rule a:\n  if = then\nfact\n")
    assert len(caught.value.errors) >= 2


NON_MONOTONE = """\
ruleset nm
use vocabulary

rule acute_allows:
  if phase = acute then allow massage
  because "A deliberately odd rule."
"""


def test_analyze_leads_with_a_summary_and_groups_findings_by_cause(
    tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "nm.rules"
    path.write_text(NON_MONOTONE, encoding="utf-8")
    capsys.readouterr()
    assert main(["analyze", str(path), "--check", "gap"]) == 1
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("nm: ") and "(gap " in first
    # one group for all the gaps, its witness with only the facts some rule reads
    assert out.count("error:") == 1
    assert "the same for: swedish," in out
    assert 'no verdict for massage: {"phase": ' in out and "(the other facts" in out
    # places an editor can open: the shipped vocabulary by its file, not `vocabulary:85`
    assert "vocabulary.rules:85:1" in out


def test_a_directive_of_an_imported_file_is_not_unused_in_a_combined_analysis(
    capsys: Any,
) -> None:
    capsys.readouterr()
    main(["analyze", "all", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == 1
    assert report["unused_directives"] == []


def test_every_json_output_has_a_schema_and_errors_are_json_too(
    tmp_path: Path, capsys: Any
) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text("ruleset bad\nuse vocabulary\nrule r:\n  if pain = 3 then caution massage\n")
    for argv in (["list"], ["query", "herniation"], ["explain", "herniation"],
                 ["check", str(bad)], ["query", str(bad)], ["query", "nowhere"]):  # fmt: skip
        capsys.readouterr()
        main([*argv, "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        assert next(iter(report)) == "schema" and report["schema"] == 1, argv
    main(["query", str(bad), "--format", "json"])
    (error,) = json.loads(capsys.readouterr().out)["errors"]
    assert error["location"] == f"{bad}:4:6" and error["code"] == "undefined"


@pytest.mark.slow
def test_the_readme_property_example_passes_as_written(tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Property-testing your rules") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    (tmp_path / "clinic_policy.rules").write_text(
        (root / "examples" / "clinic_policy.rules").read_text(encoding="utf-8")
    )
    (tmp_path / "test_properties.py").write_text(code[1], encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_properties.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    assert "3 passed" in run.stdout
