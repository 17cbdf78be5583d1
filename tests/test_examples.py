"""The examples run as a user would run them, and their output follows from the documents."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import spinerules
from spinerules import filetests

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


# ------------------------------------------------------------------- intake_screening.py


def test_intake_acute_herniation(tmp_path: Path) -> None:
    form = tmp_path / "patient.json"
    form.write_text(json.dumps({"condition": "herniation", "phase": "acute"}), encoding="utf-8")
    done = run(EXAMPLES / "intake_screening.py", form, "--ruleset", "herniation")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.strip()}
    # 002: an acute episode -> massage generally not recommended (contraindicated)
    assert rows["massage"][1] == "contraindicated"
    assert "herniation_severe_or_acute" in rows["massage"][2]
    assert "medical_guidance" in done.stdout  # the requirement is listed


def test_intake_asks_the_next_questions() -> None:
    form = {"condition": "herniation", "severity": "mild", "phase": "chronic"}
    done = run(
        EXAMPLES / "intake_screening.py", "-", "--ruleset", "herniation", stdin=json.dumps(form)
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "undetermined" in out
    questions = out.split("Next questions", 1)[1]
    for fact in ("trend", "symptoms", "red_flags", "medical_clearance"):
        assert fact in questions
    # 002's contraindication is triggered by obvious symptoms, not by the imaging finding alone
    assert "nerve_root_compression" not in questions
    # the question text comes from the vocabulary's description
    assert "Has a physician assessed the patient" in questions


def test_intake_rejects_an_invalid_form() -> None:
    done = run(
        EXAMPLES / "intake_screening.py",
        "-",
        "--ruleset",
        "stenosis",
        stdin=json.dumps({"condition": "stenosis", "phase": "flare"}),
    )
    assert done.returncode == 2
    assert "flare" in done.stderr and "phase" in done.stderr
    done = run(EXAMPLES / "intake_screening.py", "-", stdin="[1, 2]")
    assert done.returncode == 2


def test_intake_sample_shows_the_disagreement_between_sources() -> None:
    done = run(EXAMPLES / "intake_screening.py")  # sample form, all shipped rulesets
    assert done.returncode == 0, done.stderr
    # sample: mild, chronic herniation -> 002 recommends ("can generally benefit"), 003 cautions
    section = done.stdout.split("Sources disagree:", 1)[1]
    assert "002_959be2965843c846.txt says recommend" in section
    assert "003_6a5c21f48292ca6a.txt says caution" in section


# --------------------------------------------------------------------- clinic_policy.rules


def test_clinic_policy_compiles_and_its_tests_pass() -> None:
    kb = spinerules.load_path(EXAMPLES / "clinic_policy.rules")
    assert kb.warnings == ()
    run = filetests.run_kb(kb, "clinic_policy.rules")
    assert [o.render() for o in run.outcomes if not o.passed] == []
    own = [r.id for r in kb.rules if r.ruleset == "clinic_policy"]
    assert own == ["clinic_no_deep_pressure_in_herniation"]
    assert filetests.coverage([run]).uncovered == ()


def test_clinic_policy_is_stricter_than_the_document() -> None:
    cleared = {
        "condition": "herniation",
        "severity": "mild",
        "phase": "chronic",
        "trend": "stable",
        "nerve_root_compression": False,
        "symptoms": [],
        "red_flags": [],
        "medical_clearance": True,
    }
    shipped = spinerules.load("herniation").evaluate(cleared)
    local = spinerules.load_path(EXAMPLES / "clinic_policy.rules").evaluate(cleared)
    assert shipped.verdict("deep_pressure") is spinerules.Verdict.CAUTION
    assert local.verdict("deep_pressure") is spinerules.Verdict.CONTRAINDICATED
    assert local.verdict("massage") is shipped.verdict("massage") is spinerules.Verdict.RECOMMENDED


def test_clinic_policy_runs_from_a_subprocess() -> None:
    code = (
        "import spinerules; "
        "kb = spinerules.load_path('examples/clinic_policy.rules'); "
        "print(kb.evaluate({'condition': 'herniation', 'phase': 'acute'}).verdict('massage'))"
    )
    done = run("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "contraindicated"


# ------------------------------------------------------------------------ batch_screen.py


def read_csv(text: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_batch_screen_one_ruleset(tmp_path: Path) -> None:
    out = tmp_path / "verdicts.csv"
    done = run(
        EXAMPLES / "batch_screen.py",
        EXAMPLES / "patients.csv",
        "--ruleset",
        "herniation",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert list(rows) == [f"p0{i}" for i in range(1, 9)]
    # p01: mild, chronic, stable, no symptoms or red flags, cleared -> recommended, gently
    assert rows["p01"]["massage"] == "recommended"
    assert rows["p01"]["deep_pressure"] == "caution"
    assert rows["p01"]["requirements"] == "medical_guidance"
    # p02: acute, worsening, severe leg pain and numbness -> contraindicated, prompt attention
    assert rows["p02"]["massage"] == "contraindicated"
    assert rows["p02"]["referrals"].startswith("urgent:")
    # the herniation document says nothing about the other conditions
    assert rows["p05"]["massage"] == "unassessed"
    assert all(row["error"] == "" for row in rows.values())


def test_batch_screen_all_rulesets() -> None:
    done = run(EXAMPLES / "batch_screen.py", EXAMPLES / "patients.csv")
    assert done.returncode == 0, done.stderr
    rows = read_csv(done.stdout)
    # p01: 002 recommends, 003 cautions a shifted disc -> caution, and the sources disagree
    assert rows["p01"]["massage"] == "caution"
    assert "massage" in rows["p01"]["disagreements"].split("; ")
    # p03: stenosis -> approached cautiously; no deep pressure over the narrowing
    assert rows["p03"]["massage"] == "caution"
    assert rows["p03"]["deep_pressure@affected_segment"] == "contraindicated"
    # p04: stenosis with loss of bladder control -> no massage, immediate medical attention
    assert rows["p04"]["massage"] == "contraindicated"
    assert "urgent:" in rows["p04"]["referrals"]
    # p05: osteochondrosis in remission, every prerequisite met -> indicated
    assert rows["p05"]["massage"] == "recommended"
    assert rows["p05"]["cupping"] == "recommended"
    # p06: osteochondrosis with fever -> contraindicated
    assert rows["p06"]["massage"] == "contraindicated"
    # p07: muscle tension, no nerve problem -> allowed (003)
    assert rows["p07"]["massage"] == "allowed"
    # p08: almost nothing known -> undetermined, with questions to ask
    assert rows["p08"]["massage"] == "undetermined"
    assert "nerve_root_compression" in rows["p08"]["next_questions"].split("; ")


def test_batch_screen_reports_bad_rows(tmp_path: Path) -> None:
    patients = tmp_path / "patients.csv"
    patients.write_text(
        "id,condition,phase,medical_clearance\n"
        "ok,herniation,acute,true\n"
        "bad,herniation,flare,true\n"
        "worse,herniation,chronic,maybe\n",
        encoding="utf-8",
    )
    done = run(EXAMPLES / "batch_screen.py", patients, "--ruleset", "herniation")
    assert done.returncode == 1
    rows = read_csv(done.stdout)
    assert rows["ok"]["massage"] == "contraindicated" and rows["ok"]["error"] == ""
    assert "flare" in rows["bad"]["error"] and rows["bad"]["massage"] == ""
    assert "maybe" in rows["worse"]["error"]


@pytest.mark.parametrize("technique", ["no_such_technique", "massage@no_such_site"])
def test_batch_screen_rejects_unknown_columns(technique: str) -> None:
    done = run(
        EXAMPLES / "batch_screen.py",
        EXAMPLES / "patients.csv",
        "--ruleset",
        "herniation",
        "--techniques",
        technique,
    )
    assert done.returncode == 2
    assert technique in done.stderr
