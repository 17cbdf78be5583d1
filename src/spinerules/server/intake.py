"""The therapist's intake page, served at `/` by the same app as the CDS Hooks service.

One question a screen, always the most decisive one still open (`Result.missing`), with the
cards updated after every answer, critical first. The page keeps no state: every answer so far
travels in the form as hidden fields and in the address, so nothing about the patient stays on
the server (unless the decision log is on: then the finished intake is logged). Rendered on the
server with Jinja2 templates (`templates/`), styled by one stylesheet and helped by one small
script (`static/`), both served by the app: no build step, no CDN, works offline.

    GET /                      choose the knowledge base
    GET /intake?kb=NAME&...    the next question and the cards so far, or the result
    GET /static/{file}         the stylesheet and the script

Query parameters: `kb`; one per answered fact (`phase=acute`; a set fact repeated,
`symptoms=numbness&symptoms=tingling`, and `symptoms=-` for "none of these"); `skip=FACT` for
each "not known yet"; `asked=FACT` (the question just shown); `done=1` to finish early.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from starlette.responses import FileResponse, HTMLResponse, Response

from ..decisionlog import DecisionLog
from ..engine.kb import KnowledgeBase
from ..engine.result import Result
from ..errors import ProfileError
from ..model.model import Fact, FactKind, Verdict

__all__ = ["add_intake"]

_HERE = Path(__file__).parent
#: "none of these" for a set fact (not an identifier, so never a value's name)
NONE = "-"
#: the parameters that are not facts
_CONTROL = ("kb", "skip", "asked", "done")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_INDICATOR = {"critical": "Stop", "warning": "Care", "info": "Info"}


class FormError(Exception):
    """What is wrong with the request, in words for the therapist."""


class Intake:
    """The answers so far, read from the query and checked against the knowledge base."""

    def __init__(self, kb: KnowledgeBase, params: list[tuple[str, str]]) -> None:
        self.kb = kb
        self.skipped: list[str] = []
        self.asked: str | None = None
        self.done = False
        raw: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in params:
            if key == "kb":
                continue
            if key == "skip":
                if value not in kb.facts:
                    problems.append(f"“{value}” is not a question of {kb.name}")
                elif value not in self.skipped:
                    self.skipped.append(value)
            elif key == "asked":
                self.asked = value
            elif key == "done":
                self.done = value == "1"
            elif key not in kb.facts:
                problems.append(f"“{key}” is not a question of {kb.name}")
            elif kb.facts[key].kind is FactKind.SET:
                members = raw.setdefault(key, [])
                if value != NONE:
                    members.append(value)
            elif key in raw and raw[key] != value:
                problems.append(f"{_label(key)} was answered twice ({raw[key]}, {value})")
            elif value != "":
                raw[key] = value
        for fact in self.skipped:  # "not known yet" wins over an answer sent with it
            raw.pop(fact, None)
        try:
            self.profile = kb.read_profile(raw)
        except ProfileError as exc:
            problems.extend(f"{_label(e.fact)}: {e}" for e in exc.errors)
            self.profile = {}
        if problems:
            raise FormError("; ".join(problems))

    def hidden(self) -> list[tuple[str, str]]:
        """The answers so far as (name, value) pairs for hidden form fields."""
        pairs: list[tuple[str, str]] = [("kb", self.kb.name)]
        for fact, value in self.profile.items():
            if self.kb.facts[fact].kind is FactKind.SET:
                members = [v for v in self.kb.facts[fact].values if v in value]
                pairs.extend((fact, m) for m in members or [NONE])
            elif isinstance(value, bool):
                pairs.append((fact, "yes" if value else "no"))
            else:
                pairs.append((fact, str(value)))
        pairs.extend(("skip", fact) for fact in self.skipped)
        return pairs


def _label(fact: str) -> str:
    return fact.replace("_", " ")


def _question(fact: Fact) -> dict[str, Any]:
    """What the template needs to ask one fact."""
    kind = fact.kind
    if kind is FactKind.BOOL:
        options = [("yes", "Yes"), ("no", "No")]
    elif kind is FactKind.INT:
        options = []
    else:
        options = [(v, _label(v)) for v in fact.values]
    return {
        "name": fact.name,
        "label": _label(fact.name),
        "text": fact.description or f"What is the patient's {_label(fact.name)}?",
        "kind": kind.value,
        "options": options,
        "low": fact.low,
        "high": fact.high,
        "allowed": fact.allowed(),
    }


def _cards(res: Result) -> list[dict[str, Any]]:
    return [
        {
            "indicator": card.indicator,
            "word": _INDICATOR[card.indicator],
            "summary": card.summary,
            "paragraphs": [p for p in card.detail.split("\n\n") if p.strip()],
            "source": card.source,
            "section": card.section,
            "quote": card.quote,
            "rule": card.rule_id,
            "questions": [_label(q) for q in card.questions],
        }
        for card in res.cards()
    ]


def _verdicts(res: Result) -> list[dict[str, str]]:
    rows = []
    for technique, judged in res.assessments().items():
        rules = ", ".join(dict.fromkeys(r.rule_id for r in judged.reasons))
        rows.append({
            "technique": _label(technique),
            "verdict": str(judged.verdict),
            "rules": rules or "-",
        })  # fmt: skip
    return rows


def add_intake(app: FastAPI, kbs: Mapping[str, KnowledgeBase], log: DecisionLog | None) -> None:
    """Add the intake page to `app`, offering the knowledge bases `kbs` (the first is the
    default)."""
    default = next(iter(kbs))

    def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = _env.get_template(template).render(kbs=list(kbs), default=default, **context)
        return HTMLResponse(html, status_code=status)

    @app.get("/", include_in_schema=False)
    async def start() -> Response:
        return page("start.html", title="Massage therapy intake")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        path = _HERE / "static" / name
        if name not in ("intake.css", "intake.js") or not path.is_file():
            return page("error.html", 404, title="Not found", message=f"No file “{name}”.")
        return FileResponse(path)

    @app.get("/intake", include_in_schema=False)
    async def intake(request: Request) -> Response:
        params = list(request.query_params.multi_items())
        name = request.query_params.get("kb", default)
        kb = kbs.get(name)
        if kb is None:
            choices = ", ".join(kbs)
            message = f"There is no knowledge base “{name}” here (choose one of: {choices})."
            return page("error.html", 400, title="Intake: a form error", message=message)
        try:
            answers = Intake(kb, params)
        except FormError as exc:
            return page("error.html", 400, title="Intake: a form error", message=str(exc))
        res = kb.evaluate(answers.profile)
        open_questions = [m for m in res.missing if m.fact not in answers.skipped]
        error = None
        if (
            answers.asked is not None
            and answers.asked in kb.facts
            and answers.asked not in answers.profile
            and answers.asked not in answers.skipped
        ):
            error = "Choose an answer, or “Not known yet”."
        common: dict[str, Any] = {
            "kb": kb,
            "cards": _cards(res),
            "hidden": answers.hidden(),
            "answered": [(_label(f), _shown(v)) for f, v in answers.profile.items()],
            "skipped": [_label(f) for f in answers.skipped],
        }
        if open_questions and not answers.done:
            next_fact = kb.facts[open_questions[0].fact]
            return page(
                "question.html",
                400 if error else 200,
                title=f"Intake: {_label(next_fact.name)}",
                question=_question(next_fact),
                remaining=len(open_questions),
                stakes=open_questions[0].stakes,
                error=error,
                **common,
            )
        decision = None
        if log is not None:
            decision = log.record(res, context={"source": "intake"})
        undetermined = [t for t, v in res.verdicts().items() if v is Verdict.UNDETERMINED]
        return page(
            "result.html",
            title="Intake: the result",
            verdicts=_verdicts(res),
            requirements=[
                {"name": _label(r.name), "text": r.text, "rule": r.reason.rule_id}
                for r in res.requirements
            ],
            waiting=[_label(m.fact) for m in res.missing],
            undetermined=[_label(t) for t in undetermined],
            fingerprint=kb.fingerprint,
            date=datetime.date.today().isoformat(),
            decision=decision,
            **common,
        )


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(_label(v) for v in value)) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _label(str(value))
