"""The `spinerules` command, end to end: each subcommand and each exit status runs the real
program in a subprocess (`python -m spinerules`, and once the installed console script).

Expected verdicts follow from the rules in `BASE`/`MAIN` below and docs/semantics.md; expected
messages from the checks in model/validate.py and syntax/, as the comments say.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import cli
from spinerules.cli import registry
from spinerules.engine.trace import trace

BASE = """\
fact condition: herniation | stenosis
fact phase: ordered chronic < acute "What phase is the condition in?"
fact fever: bool "Does the patient have a fever?"
fact symptoms: set of numbness | tingling
technique massage
technique manual_pressure under massage
technique exercise
site lumbar_spine
site affected_segment under lumbar_spine
"""

MAIN = """\
ruleset main "Main rules"
document "main.txt"
use "base.rules"

rule acute:
  if condition = herniation and phase = acute
  then contraindicate manual_pressure
  because "No pressure in an acute herniation."
  cite "Acute" quote "no pressure"

rule chronic:
  if condition = herniation and phase = chronic
  then recommend massage, caution manual_pressure at affected_segment
  because "Massage helps in chronic herniation."
  cite quote "massage helps"

rule fever:
  if fever
  then contraindicate massage, refer urgent "physician", require clearance "see a doctor"
  because "No massage with a fever."
  cite quote "fever"

rule stenosis_exercise:
  if condition = stenosis
  then allow exercise, advise "Walk every day."
  because "Exercise is fine in stenosis."
  cite quote "walk"

test "acute herniation blocks pressure":
  given condition = herniation, phase = acute, fever = false
  expect contraindicated manual_pressure, unassessed exercise, referral none

test "chronic herniation":
  given condition = herniation, phase = chronic, fever = false
  expect recommended massage, caution manual_pressure at affected_segment
"""

FAILING_TEST = """
test "wrong on purpose":
  given condition = herniation, phase = acute, fever = false
  expect caution manual_pressure
"""

BAD = """\
fact phase: ordered chronic < acute
technique massage
rule r1: if phase = acutte then caution massage because "x"
rule r2: if fevr then caution massage because "y"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "base.rules").write_text(BASE, encoding="utf-8")
    (tmp_path / "main.rules").write_text(MAIN, encoding="utf-8")
    return tmp_path


def run(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "spinerules", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        timeout=120,
    )


def words(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()]


# ---- list -------------------------------------------------------------------------------------


def test_list_names_every_shipped_ruleset_with_its_document_and_rule_count(tmp_path: Path) -> None:
    done = run("list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {row[0]: row for row in words(done.stdout)[1:]}
    assert set(rows) == set(spinerules.rulesets())
    for name in spinerules.rulesets():
        kb = spinerules.load(name)
        own = [r for r in kb.rules if r.ruleset == kb.rulesets[-1].name]
        document = kb.rulesets[-1].document or "-"
        assert rows[name][1:3] == [document, str(len(own))]
    assert rows["vocabulary"][1:3] == ["-", "0"]  # declarations only
    assert "\x1b[" not in done.stdout  # piped: plain text

    as_json = json.loads(run("list", "--format", "json", cwd=tmp_path).stdout)
    assert as_json["schema"] == 1
    assert [e["name"] for e in as_json["rulesets"]] == list(spinerules.rulesets())


# ---- check ------------------------------------------------------------------------------------


def test_check_a_clean_file_exits_0(folder: Path) -> None:
    done = run("check", "main.rules", cwd=folder)
    assert (done.returncode, done.stdout.strip()) == (0, "1 file checked: no problems")


def test_check_reports_every_error_with_line_caret_and_hint(folder: Path) -> None:
    (folder / "bad.rules").write_text(BAD, encoding="utf-8")
    (folder / "worse.rules").write_text("fact fever bool\n", encoding="utf-8")
    done = run("check", "bad.rules", "worse.rules", "main.rules", cwd=folder)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    # `acutte` starts at column 21 of line 3; the hint comes from the declared values
    at = lines.index("bad.rules:3:21: error: `acutte` is not a value of `phase`")
    assert lines[at + 1] == ' 3 | rule r1: if phase = acutte then caution massage because "x"'
    assert lines[at + 2] == "   | " + " " * 20 + "^" * 6  # under the 6 letters of `acutte`
    assert lines[at + 3] == "   = hint: did you mean `acute`?"
    assert "bad.rules:4:13: error: undefined fact `fevr`" in lines
    # the second file: `fact NAME` must be followed by `:`, found `bool` at column 12
    assert "worse.rules:1:12: error: unexpected `bool`; expected `:`" in lines
    assert lines[-1] == "3 errors, 0 warnings in 3 files"


def test_check_json_for_editors(folder: Path) -> None:
    (folder / "bad.rules").write_text(BAD, encoding="utf-8")
    done = run("check", "--format", "json", "bad.rules", cwd=folder)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["schema"] == 1
    assert report["files"] == ["bad.rules"]
    assert report["summary"] == {"files": 1, "errors": 2, "warnings": 0}
    first = report["diagnostics"][0]
    assert first == {
        "location": "bad.rules:3:21",
        "file": "bad.rules",
        "line": 3,
        "column": 21,
        "end_line": 3,
        "end_column": 27,
        "severity": "error",
        "code": "undefined",
        "message": "`acutte` is not a value of `phase`",
        "hint": "did you mean `acute`?",
        "source_line": 'rule r1: if phase = acutte then caution massage because "x"',
    }


def test_check_warnings_pass_unless_strict(folder: Path) -> None:
    (folder / "warn.rules").write_text(
        'use "base.rules"\ntechnique spare\nif fever then caution massage\n', encoding="utf-8"
    )
    done = run("check", "warn.rules", cwd=folder)
    assert done.returncode == 0
    assert (
        "warn.rules:2:11: warning: technique `spare` is declared but no rule or test uses it"
        in (done.stdout)
    )
    # an anonymous rule is named by its content; it has no `because`
    assert "warn.rules:3:1: warning: rule `r_" in done.stdout
    assert done.stdout.splitlines()[-1] == "0 errors, 2 warnings in 1 file"
    assert run("check", "--strict", "warn.rules", cwd=folder).returncode == 1


def test_check_usage_mistakes_exit_2(folder: Path) -> None:
    missing = run("check", "nowhere.rules", cwd=folder)
    assert missing.returncode == 2
    assert "no file or folder `nowhere.rules`" in missing.stderr
    assert run("check", cwd=folder).returncode == 2  # no PATH
    assert run("frobnicate", cwd=folder).returncode == 2
    assert run(cwd=folder).returncode == 2


def test_check_a_folder_and_a_shipped_name(folder: Path) -> None:
    done = run("check", ".", "vocabulary", cwd=folder)
    assert done.returncode == 0
    assert done.stdout.strip() == "3 files checked: no problems"


# ---- fmt --------------------------------------------------------------------------------------

UGLY = 'use "base.rules"\nif fever  then\n   caution    massage  # why\n'
PRETTY = 'use "base.rules"\nif fever then caution massage  # why\n'


def test_fmt_check_diff_and_rewrite(folder: Path) -> None:
    (folder / "ugly.rules").write_text(UGLY, encoding="utf-8")
    check = run("fmt", "--check", "ugly.rules", cwd=folder)
    assert check.returncode == 1
    assert "would reformat ugly.rules" in check.stdout
    assert (folder / "ugly.rules").read_text(encoding="utf-8") == UGLY

    diff = run("fmt", "--diff", "ugly.rules", cwd=folder)
    assert diff.returncode == 1  # it would reformat, as --check says
    assert "+if fever then caution massage  # why" in diff.stdout.splitlines()
    assert "-if fever  then" in diff.stdout.splitlines()
    assert (folder / "ugly.rules").read_text(encoding="utf-8") == UGLY

    write = run("fmt", "ugly.rules", cwd=folder)
    assert write.returncode == 0
    assert "reformatted ugly.rules" in write.stdout
    assert (folder / "ugly.rules").read_text(encoding="utf-8") == PRETTY
    again = run("fmt", "--check", ".", cwd=folder)
    assert again.returncode == 0, again.stdout


def test_fmt_reads_stdin_and_refuses_broken_files(folder: Path) -> None:
    done = run("fmt", "-", cwd=folder, stdin=UGLY)
    assert (done.returncode, done.stdout) == (0, PRETTY)
    (folder / "broken.rules").write_text("fact fever bool\n", encoding="utf-8")
    broken = run("fmt", "broken.rules", cwd=folder)
    assert broken.returncode == 1
    assert "broken.rules:1:12: error:" in broken.stdout
    assert (folder / "broken.rules").read_text(encoding="utf-8") == "fact fever bool\n"


# ---- test -------------------------------------------------------------------------------------


def test_test_passes_and_reports_coverage(folder: Path) -> None:
    done = run("test", "main.rules", "--coverage", cwd=folder)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    # the two tests fire `acute` and `chronic`; nothing gives fever or stenosis
    assert "rules that no test makes fire:" in lines
    assert "  main.rules:17  fever" in lines
    assert "  main.rules:23  stenosis_exercise" in lines
    assert "coverage: 2 of 4 rules fire in some test (50.0%)" in lines
    assert lines[-1] == "2 passed, 0 failed"
    below = run("test", "main.rules", "--min-coverage", "75", cwd=folder)
    assert below.returncode == 1
    assert "coverage 50.0% is below the minimum 75%" in below.stdout
    assert run("test", "main.rules", "--min-coverage", "50", cwd=folder).returncode == 0
    assert run("test", "main.rules", "--min-coverage", "150", cwd=folder).returncode == 2


def test_test_failure_shows_expected_actual_and_fired_rules(folder: Path) -> None:
    (folder / "main.rules").write_text(MAIN + FAILING_TEST, encoding="utf-8")
    done = run("test", "main.rules", cwd=folder)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert 'FAIL main.rules:37: test "wrong on purpose"' in lines
    at = lines.index("  expected caution manual_pressure")
    assert lines[at + 1] == "  actual   contraindicated"
    assert lines[at + 2].strip() == "contraindicated by acute"
    assert "    acute (main.rules:5:1)" in lines
    assert lines[-1] == "2 passed, 1 failed"


def test_test_without_tests_and_with_broken_files_fails(folder: Path) -> None:
    assert run("test", "base.rules", cwd=folder).returncode == 1  # no tests found
    (folder / "broken.rules").write_text('test "x": given nothing expect\n', encoding="utf-8")
    done = run("test", "broken.rules", "main.rules", cwd=folder)
    assert done.returncode == 1
    assert "broken.rules: not run, the file has errors" in done.stdout
    assert done.stdout.splitlines()[-1] == "2 passed, 0 failed, 1 file with errors"


# ---- query ------------------------------------------------------------------------------------


def test_query_prints_the_verdict_table_and_the_rest(folder: Path) -> None:
    done = run(
        "query", "main.rules", "--fact", "condition=herniation", "--fact", "phase=chronic",
        "--all", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {row[0]: row for row in words(done.stdout) if row}
    assert rows["TECHNIQUE"] == ["TECHNIQUE", "VERDICT", "RULE", "SOURCE"]
    # fever is unknown and `fever` would contraindicate massage: undetermined, waits for fever
    assert rows["massage"][:3] == ["massage", "undetermined", "fever"]
    assert "waits for fever" in " ".join(rows["massage"])
    # exercise: only the stenosis rule speaks of it, and it is silent
    assert rows["exercise"][:3] == ["exercise", "unassessed", "-"]
    text = done.stdout
    assert "manual_pressure at affected_segment: undetermined" in text
    assert "1. fever: Does the patient have a fever?" in text

    cleared = run(
        "query", "main.rules", "--fact", "condition=herniation", "--fact", "phase=chronic",
        "--fact", "fever=no", "--all", cwd=folder,
    )  # fmt: skip
    rows = {row[0]: row for row in words(cleared.stdout) if row}
    assert rows["massage"][:3] == ["massage", "recommended", "chronic"]
    assert " ".join(rows["massage"][3:]) == "main.txt"  # the cite has no section
    assert "manual_pressure at affected_segment: caution  (chronic)" in cleared.stdout


def test_query_json_is_result_to_dict(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "patient.json").write_text('{"condition": "stenosis", "fever": true}')
    done = run("query", "./main.rules", "--json", "patient.json", "--format", "json", cwd=folder)
    assert done.returncode == 0, done.stderr
    monkeypatch.chdir(folder)  # locations in the result are shown as the file was named
    expected = spinerules.load_path("./main.rules").evaluate(
        {"condition": "stenosis", "fever": True}
    )
    got = json.loads(done.stdout)
    assert got.pop("schema") == 1
    assert got == json.loads(json.dumps(expected.to_dict()))
    assert got["verdicts"]["massage"]["verdict"] == "contraindicated"
    assert [r["urgency"] for r in got["referrals"]] == ["urgent"]
    # --fact wins over --json, and `-` reads the profile from standard input
    piped = run(
        "query", "main.rules", "--json", "-", "--fact", "fever=false", "--format", "json",
        cwd=folder, stdin='{"condition": "stenosis", "fever": true}',
    )  # fmt: skip
    assert json.loads(piped.stdout)["facts"] == {"condition": "stenosis", "fever": False}


def test_query_of_the_shipped_rulesets(tmp_path: Path) -> None:
    done = run("query", "all", "--fact", "condition=herniation", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["knowledge_base"] == "all"
    named = run("query", "herniation", "--format", "json", cwd=tmp_path)
    assert json.loads(named.stdout)["knowledge_base"] == "herniation"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fact", "fevr=true"], "`main` has no fact `fevr`; did you mean `fever`?"),
        (["--fact", "phase=acutte"], "`acutte` is not a value of `phase` (did you mean `acute`?)"),
        (["--fact", "fever=maybe"], "`fever` got `maybe`; allowed: true or false"),
        (["--fact", "phase"], "`--fact phase`: write FACT=VALUE"),
        (["--json", "nowhere.json"], "cannot read `nowhere.json`"),
    ],
)
def test_query_input_mistakes_exit_2(folder: Path, args: list[str], message: str) -> None:
    done = run("query", "main.rules", *args, cwd=folder)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_query_unknown_ruleset_or_broken_file(folder: Path) -> None:
    unknown = run("query", "hernation", cwd=folder)
    assert unknown.returncode == 2
    assert "did you mean `herniation`?" in unknown.stderr
    (folder / "bad.rules").write_text(BAD, encoding="utf-8")
    broken = run("query", "bad.rules", cwd=folder)
    assert broken.returncode == 1
    assert "bad.rules:3:21: error: `acutte` is not a value of `phase`" in broken.stderr
    assert "2 errors; nothing was evaluated" in broken.stderr


# ---- explain ----------------------------------------------------------------------------------


def test_explain_traces_each_rule_with_the_facts_that_decided(folder: Path) -> None:
    done = run(
        "explain", "main.rules", "--fact", "condition=herniation", "--fact", "phase=acute",
        cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    # acute fired: both parts true; chronic did not: `phase = chronic` is false (the true
    # `condition = herniation` did not decide it); fever waits; stenosis_exercise is false
    at = lines.index("fired acute main.rules:5")
    assert lines[at + 1 : at + 5] == [
        "if condition = herniation and phase = acute",
        "condition = herniation true condition is herniation",
        "phase = acute true phase is acute",
        "then contraindicate manual_pressure",
    ]
    at = lines.index("not fired chronic main.rules:11")
    assert lines[at + 2] == "phase = chronic false phase is acute"
    assert lines[at + 3].startswith("then recommend massage")
    at = lines.index("pending fever main.rules:17")
    assert lines[at + 2] == "fever unknown fever not given"
    assert lines[-1] == "1 fired, 2 did not fire, 1 pending"

    as_json = json.loads(
        run("explain", "main.rules", "--rule", "fever", "--format", "json", cwd=folder).stdout
    )
    assert as_json["rules"] == [
        {
            "id": "fever",
            "location": "main.rules:17",
            "status": "pending",
            "actions": [
                "contraindicate massage",
                'refer urgent "physician"',
                "require clearance",
            ],
            "decided_by": [{"condition": "fever", "value": None, "fact": "fever", "given": None}],
        }
    ]
    assert run("explain", "main.rules", "--rule", "fevr", cwd=folder).returncode == 2


# ---- the program itself ----------------------------------------------------------------------


def test_version_and_help(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (
        0,
        f"spinerules {spinerules.__version__}",
    )
    helped = run("--help", cwd=tmp_path)
    assert helped.returncode == 0
    for name in ("list", "check", "fmt", "test", "query", "explain"):
        assert name in helped.stdout


def test_the_installed_console_script(folder: Path) -> None:
    script = shutil.which("spinerules", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the spinerules console script is not installed next to this Python")
    done = subprocess.run(
        [script, "check", "main.rules"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "1 file checked: no problems")


def test_colour_only_when_asked_or_on_a_terminal(folder: Path) -> None:
    (folder / "bad.rules").write_text(BAD, encoding="utf-8")
    coloured = run("--color", "always", "check", "bad.rules", cwd=folder)
    assert "\x1b[1;31merror:\x1b[0m" in coloured.stdout
    assert "\x1b[" not in run("check", "bad.rules", cwd=folder).stdout


# ---- in process: output details ---------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def call(*args: str, stdout: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = stdout or io.StringIO(), io.StringIO()
    status = cli.main(list(args), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_a_terminal_gets_colour_unless_no_color_is_set(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    _, text, _ = call("query", "main.rules", "--all", stdout=FakeTerminal())
    assert "\x1b[" in text
    assert "  ────" in text  # a rule under the table header
    monkeypatch.setenv("NO_COLOR", "1")
    _, text, _ = call("query", "main.rules", "--all", stdout=FakeTerminal())
    assert "\x1b[" not in text


def test_a_terminal_wraps_the_last_column_instead_of_cutting_it() -> None:
    out = cli.Out(io.StringIO(), io.StringIO(), color=False, width=40)
    out.table(["A", "B"], [[("x", ()), ("one two three four five six seven eight nine", ())]])
    lines = out.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    # columns: two spaces, A (1 wide), two spaces: B starts at column 5 and has 34 columns
    assert lines[0] == "  A  B"
    assert lines[2] == "  x  one two three four five six seven"
    assert lines[3] == "     eight nine"


def test_a_new_subcommand_is_one_function_and_one_registration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "SUBCOMMANDS", dict(registry.SUBCOMMANDS))

    @cli.subcommand("hello", cli.arg("who"), registry.FORMAT)
    def cmd_hello(args: Any, out: cli.Out) -> int:
        """Say hello."""
        out.line(f"hello {args.who} ({args.format})")
        return 0

    assert call("hello", "world") == (0, "hello world (text)\n", "")
    assert "Say hello." in cli.build_parser().format_help()


def test_query_lists_overridden_rules_with_the_techniques_they_lost_for(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    status, text, _ = call(
        "query", "main.rules", "--fact", "condition=herniation", "--fact", "phase=chronic",
        "--fact", "fever=true", "--all",
    )  # fmt: skip
    assert status == 0
    lines = text.splitlines()
    # `chronic` recommends massage; `fever` contraindicates it: the recommendation loses for
    # massage and for manual_pressure under it (the site-qualified caution is another matter)
    at = lines.index("overridden (permissive rules that lost to restrictive ones)")
    assert lines[at + 1] == (
        "  recommend massage by chronic, lost to contraindicate massage by fever"
        "  (for massage (+1))"
    )
    assert "  urgent: physician  (fever; main.txt)" in lines
    assert "  clearance: see a doctor  (fever)" in lines


def test_explain_and_list_exit_statuses(folder: Path) -> None:
    (folder / "bad.rules").write_text(BAD, encoding="utf-8")
    broken = run("explain", "bad.rules", cwd=folder)
    assert broken.returncode == 1
    assert "bad.rules:4:13: error: undefined fact `fevr`" in broken.stderr
    assert run("list", "--format", "xml", cwd=folder).returncode == 2


def test_a_file_that_is_not_utf8_is_an_error_not_a_crash(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    (folder / "latin.rules").write_bytes(b'fact fever: bool "fi\xe8vre"\n')
    # the bad byte is the 21st: `fact fever: bool "fi` is 20 bytes
    message = "latin.rules:1:21: error: `latin.rules` is not UTF-8 text (byte 20)"
    for command in (["check"], ["test"], ["fmt"]):
        status, text, _ = call(*command, "latin.rules")
        assert status == 1
        assert text.splitlines()[0] == message
    status, _, err = call("query", "./latin.rules")
    assert status == 1
    assert err.splitlines()[0] == message


# ---- explain agrees with the engine ----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_explain_status_agrees_with_the_engine(data: st.DataObject) -> None:
    kb = spinerules.load_all()
    profile: dict[str, Any] = {}
    for name, fact in kb.facts.items():
        if not data.draw(st.booleans(), label=f"give {name}"):
            continue
        if fact.kind.value == "set":
            profile[name] = data.draw(st.lists(st.sampled_from(fact.values), unique=True))
        else:
            profile[name] = data.draw(st.sampled_from(fact.domain()))
    res = kb.evaluate(profile)
    _, traces = trace(kb, profile)
    fired = {r.id for r in res.fired}
    pending = {r.id for r in res.pending}
    for t in traces:
        expected = (
            "fired" if t.rule.id in fired else "pending" if t.rule.id in pending else ("not fired")
        )
        assert t.status == expected, t.rule.id
        assert t.decided_by or (not t.rule.facts and t.status == "fired")  # `if always`
        if t.status == "pending":  # a pending rule names the unknown parts it waits for
            assert all(value is None for _, value in t.decided_by)
        else:  # a decided rule is decided by known parts (false ones under a `not` may fire it)
            assert all(value is not None for _, value in t.decided_by)


def test_query_leads_with_cards_that_fit_80_columns(folder: Path) -> None:
    done = run(
        "query", "main.rules", "--fact", "condition=herniation", "--fact", "phase=chronic",
        "--fact", "fever=true", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # the fever rule contraindicates massage (main.rules): the first card, a critical one
    first = next(line for line in lines if line[:4] in ("STOP", "CARE", "INFO"))
    assert first.startswith("STOP  ") and "Do not use massage" in first
    assert "(fever)" in done.stdout  # the card names its rule
    assert "TECHNIQUE" not in done.stdout  # the table is behind --all
    assert "`--all` shows every technique's verdict" in lines[-1]
