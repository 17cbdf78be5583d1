"""The intake page in a real browser: Playwright driving Debian's Chromium against
`spinerules serve` on 127.0.0.1, axe checking every page of each walk, screenshots kept in
`test-artifacts/intake/` (or $SPINERULES_ARTIFACTS). What the pages show is checked against
`kb.evaluate` on the same answers and against the documents' words.

Chromium comes from Debian (`apt-get install chromium`, done by `.ci/run`); Playwright's own
browser download is not used."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra is not installed")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

from serving import Server  # noqa: E402

import spinerules  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
ARTIFACTS = Path(os.environ.get("SPINERULES_ARTIFACTS", ROOT / "test-artifacts")) / "intake"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: as the machine notes say: no sandbox as root, and no background network in a closed one
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
KB = spinerules.load_all()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server("all", log=tmp_path_factory.mktemp("intake") / "log.jsonl")
    yield running
    running.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must provide Debian's chromium (see .ci/run)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Walk:
    """One intake, page by page, with axe run on every page it sees."""

    def __init__(self, browser: Any, server: Server, name: str, width: int = 1024) -> None:
        self.name = name
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.violations: list[str] = []
        self.asked: list[str] = []
        self.base = server.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check_page(self) -> None:
        result = axe_module.Axe().run(self.page)
        if result.violations_count:
            self.violations.append(f"{self.page.url}: {result.generate_report()}")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        assert width <= viewport, f"{self.page.url} scrolls sideways at {viewport} px"

    def start(self) -> None:
        self.page.goto(self.base + "/")
        self.check_page()
        self.submit(lambda: self.page.get_by_role("button", name="Start the intake").click())

    def submit(self, action: Callable[[], None]) -> None:
        """Do what submits the form, and wait for the next page."""
        with self.page.expect_navigation():
            action()

    def question(self) -> str | None:
        asked = self.page.locator("input[name=asked]")
        return asked.get_attribute("value") if asked.count() else None

    def answer(self, fact: str, value: Any) -> None:
        page = self.page
        kind = KB.facts[fact].kind.value
        if kind == "set":
            for member in value or ["-"]:
                page.locator(f"input[name={fact}][value='{member}']").check()
        elif kind == "int":
            page.locator(f"input[name={fact}]").fill(str(value))
        else:
            shown = ("yes" if value else "no") if kind == "bool" else value
            page.locator(f"input[name={fact}][value='{shown}']").check()
        self.submit(lambda: page.get_by_role("button", name="Next").click())

    def run(
        self, answers: dict[str, Any], stop: Callable[[Any], bool] = lambda page: False
    ) -> None:
        """Answer each question from `answers` ("Not known yet" for the others) until the
        result, or until `stop` says so (then "Finish now"). At most 40 questions."""
        self.start()
        for _ in range(40):
            self.check_page()
            fact = self.question()
            if fact is None:
                break
            self.asked.append(fact)
            if stop(self.page):
                self.submit(lambda: self.page.get_by_role("button", name="Finish now").click())
                break
            if fact in answers:
                self.answer(fact, answers[fact])
            else:
                self.submit(lambda: self.page.get_by_role("button", name="Not known yet").click())
        else:
            raise AssertionError("the intake asked more than 40 questions")
        assert self.question() is None, "the walk ended on a question"
        self.check_page()
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors
        assert not self.violations, "\n".join(self.violations)


def verdict_rows(page: Any) -> dict[str, str]:
    rows = page.locator("details.verdicts tbody tr")  # collapsed: read the text, not the view
    return {
        rows.nth(i).locator("th").text_content().strip(): rows.nth(i)
        .locator("td")
        .first.text_content()
        .strip()
        for i in range(rows.count())
    }


def agrees_with_the_engine(page: Any, profile: dict[str, Any]) -> spinerules.Result:
    """The result page shows what `kb.evaluate` gives for these answers."""
    res = KB.evaluate(profile)
    shown = verdict_rows(page)
    assert shown == {t.replace("_", " "): str(v) for t, v in res.verdicts().items()}
    summaries = page.locator(".cards h3").all_inner_texts()
    expected = [c.summary for c in res.cards()]
    assert [s.split(" ", 1)[1] for s in summaries] == expected
    assert KB.fingerprint in page.locator("footer").inner_text()
    return res


def seed_text() -> str:
    return " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))


def test_a_red_flag_stops_the_intake_early_with_an_urgent_referral(
    browser: Any, server: Server
) -> None:
    answers = {"condition": "nonspecific_lbp", "red_flags": ["bladder_bowel_dysfunction"]}
    walk = Walk(browser, server, "red-flag")

    def urgent(page: Any) -> bool:
        critical = page.locator(".card-critical h3").all_inner_texts()
        return any("Refer urgently" in text for text in critical)

    walk.run(answers, stop=urgent)
    page = walk.page
    assert "red_flags" in walk.asked and len(walk.asked) < 8  # stopped, not walked to the end
    given = {f: answers[f] for f in walk.asked if f in answers}
    res = agrees_with_the_engine(page, given)
    first = page.locator(".cards li").first
    assert "card-critical" in (first.get_attribute("class") or "")
    assert "Refer urgently to physician" in first.inner_text()
    # the quote is the stenosis article's, verbatim, applied to every patient
    quote = first.locator("blockquote").inner_text().strip("“” \n")
    assert quote in seed_text() and "loss of bladder or bowel control" in quote
    assert res.verdicts()["massage"] == "contraindicated"
    walk.close()


def test_a_mild_herniation_is_walked_to_a_cleared_result(browser: Any, server: Server) -> None:
    answers: dict[str, Any] = {
        "condition": "herniation", "severity": "mild", "phase": "chronic",
        "trend": "improving", "red_flags": [], "comorbidities": [], "symptoms": [],
        "recent_spinal_surgery": False, "prior_fusion": False,
        "nerve_root_compression": False, "medical_clearance": True,
    }  # fmt: skip
    walk = Walk(browser, server, "mild-herniation")
    walk.run(answers)
    page = walk.page
    assert set(walk.asked) <= set(answers), "asked for a fact this patient's answer needs"
    res = agrees_with_the_engine(page, {f: answers[f] for f in walk.asked})
    assert not res.missing
    # document 002: a mild, non-acute herniation "can generally receive massage therapy",
    # only under medical guidance: cleared, with care
    assert "can generally receive massage therapy" in seed_text()
    assert verdict_rows(page)["massage"] == "caution"
    assert "medical guidance" in page.locator("#requirements + ul").inner_text()
    assert "Not decided" not in page.locator("main").inner_text()
    walk.close()


def test_unknowns_left_open_are_never_read_as_no(browser: Any, server: Server) -> None:
    answers = {"condition": "stenosis", "phase": "chronic"}  # all else: "not known yet"
    walk = Walk(browser, server, "unknowns", width=375)  # a phone
    walk.run(answers)
    page = walk.page
    res = agrees_with_the_engine(page, {f: answers[f] for f in walk.asked if f in answers})
    assert res.verdicts()["massage"] == "undetermined"
    warning = page.locator(".warn").inner_text()
    assert "Not decided" in warning and "massage" in warning and "red flags" in warning
    answers_shown = page.locator("#answers + dl").inner_text()
    assert "red flags" in answers_shown and "not known yet" in answers_shown
    walk.close()


def test_the_flow_works_from_the_keyboard_with_visible_focus(browser: Any, server: Server) -> None:
    walk = Walk(browser, server, "keyboard")
    walk.start()
    page = walk.page
    assert walk.question() == "condition"
    focused = page.evaluate("document.activeElement.name")
    assert focused == "condition"  # the first answer has the focus
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("ArrowDown")  # the second answer: muscle tension
    walk.submit(lambda: page.keyboard.press("Enter"))
    assert walk.question() != "condition"
    assert page.locator("#answers + dl").inner_text().split("\n")[:2] == [
        "condition",
        "muscle tension",
    ]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("INPUT", "BUTTON", "A")
    walk.check_page()
    walk.close()


def test_a_hand_edited_request_gets_a_form_error_in_words(browser: Any, server: Server) -> None:
    walk = Walk(browser, server, "form-error")
    page = walk.page
    for query, words in (
        ("kb=all&phase=very_acute", "phase"),
        ("kb=all&pregnant=yes", "“pregnant” is not a question"),
        ("kb=nowhere", "no knowledge base “nowhere”"),
        ("kb=all&minutes_since_meal=9999", "minutes since meal"),
    ):
        response = page.goto(f"{server.url}/intake?{query}")
        assert response.status == 400
        text = page.locator("[role=alert]").inner_text()
        assert words in text and "Traceback" not in page.content()
        walk.check_page()
    # no answer chosen: the same question again, with a message
    page.goto(f"{server.url}/intake?kb=all&asked=condition")
    assert walk.question() == "condition"
    assert "Choose an answer" in page.locator("[role=alert]").inner_text()
    walk.check_page()
    page.screenshot(path=str(ARTIFACTS / "form-error.png"), full_page=True)
    # the browser logs each 400 it was sent to on purpose; nothing else may be in the console
    walk.errors = [e for e in walk.errors if "status of 400" not in e]
    walk.close()


def test_every_asset_is_served_by_the_app(browser: Any, server: Server) -> None:
    walk = Walk(browser, server, "assets")
    requested: list[str] = []
    walk.page.on("request", lambda r: requested.append(r.url))
    walk.start()
    assert requested and all(url.startswith(server.url) for url in requested), requested
    walk.close()
