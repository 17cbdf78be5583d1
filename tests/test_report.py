"""The knowledge report: rendered in Debian's Chromium without console errors, its pictures
present, and its verdict matrix equal, cell by cell, to `kb.evaluate` on the same patients."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("graphviz", reason="the report extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra is not installed")

import spinerules  # noqa: E402
from spinerules.cli import main  # noqa: E402
from spinerules.report import typical_patients  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("SPINERULES_ARTIFACTS", ROOT / "test-artifacts")) / "report"


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide Debian's chromium and graphviz (see .ci/run)")
        pytest.skip("needs Debian's chromium and graphviz: apt-get install chromium graphviz")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "report-all.html"
    assert main(["report", "all", "--out", str(out)]) == 0
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        opened = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        opened.on("console", lambda m: m.type == "error" and errors.append(m.text))
        opened.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        opened.on("request", lambda r: requests.append(r.url))
        opened.goto(out.as_uri())
        opened.screenshot(path=str(ARTIFACTS / "report-all.png"))
        opened.errors = errors  # type: ignore[attr-defined]
        opened.requests = requests  # type: ignore[attr-defined]
        yield opened
        browser.close()


@pytest.mark.slow
def test_the_report_renders_offline_without_console_errors(page: Any) -> None:
    assert page.errors == []
    assert all(url.startswith("file:") for url in page.requests), page.requests
    # the two trees, drawn: every technique and every site is a node of its picture
    kb = spinerules.load_all()
    techniques = page.locator("#technique-tree svg g.node title").all_text_contents()
    sites = page.locator("#site-tree svg g.node title").all_text_contents()
    assert set(techniques) == set(kb.techniques) and set(sites) == set(kb.sites)
    assert page.locator("#technique-tree svg").bounding_box()["width"] > 100
    # every document's section of COVERAGE.md is there
    for number in ("000", "001", "002", "003", "004"):
        assert page.locator("#documents ~ h3", has_text=number).count() == 1


@pytest.mark.slow
def test_the_matrix_agrees_cell_by_cell_with_evaluate(page: Any) -> None:
    kb = spinerules.load_all()
    patients = typical_patients(kb)
    rows = page.locator("#verdict-matrix tbody tr")
    assert rows.count() == len(patients) == 3 * len(kb.facts["condition"].values)
    for index, patient in enumerate(patients):
        row = rows.nth(index)
        assert row.locator("th").inner_text() == patient.label
        res = kb.evaluate(patient.profile)
        cells = row.locator("td")
        shown = {
            cells.nth(i).get_attribute("data-technique"): (
                cells.nth(i).get_attribute("data-verdict"),
                cells.nth(i).get_attribute("data-rules"),
            )
            for i in range(cells.count())
        }
        assert shown == {
            technique: (
                str(judged.verdict),
                " ".join(dict.fromkeys(r.rule_id for r in judged.reasons)),
            )
            for technique, judged in res.assessments().items()
        }
        for i in range(cells.count()):  # each link leads to a rule written in the report
            href = cells.nth(i).locator("a").get_attribute("href")
            if href != "#matrix":
                assert page.locator(href).count() == 1


def test_the_typical_patients_follow_the_declarations() -> None:
    kb = spinerules.load_all()
    patients = {p.label: dict(p.profile) for p in typical_patients(kb)}
    least = patients["herniation: least severe"]
    most = patients["herniation: most severe"]
    assert least["phase"] == "remission" and most["phase"] == "acute"
    assert least["severity"] == "mild" and most["severity"] == "severe"
    assert least["red_flags"] == [] and least["prior_fusion"] is False
    assert "minutes_since_meal" not in least  # a number: which end is safe is not declared
    assert patients["herniation: condition only"] == {"condition": "herniation"}
    # document 002: "if the condition is severe or currently experiencing an acute episode,
    # massage therapy is generally not recommended": the most severe herniation is forbidden
    text = (SEEDS / "002_959be2965843c846.txt").read_text(encoding="utf-8")
    assert "acute episode, massage therapy is generally not recommended" in text
    assert kb.evaluate(most).verdicts()["massage"] == "contraindicated"


def test_report_on_the_command_line(tmp_path: Path, capsys: Any) -> None:
    if shutil.which("dot") is None:
        pytest.skip("needs graphviz's dot")
    assert main(["report", "herniation", "--out", str(tmp_path / "r.html"), "--no-analysis"]) == 0
    assert "fingerprint" in capsys.readouterr().out
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert main(["report", "herniation", "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert "cannot write" in capsys.readouterr().err
