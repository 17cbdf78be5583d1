"""Cards: a result as the few findings a therapist reads at intake, most important first.

One card per rule that decides something for this patient (a verdict on some techniques, a
referral, a requirement, advice), not one per technique and site; one "incomplete screening"
card when verdicts wait for facts, listing the questions to ask; one card when the general
safety screening is not part of the knowledge base. Each card has an indicator (`critical`:
a contraindication or an urgent referral; `warning`: a caution, a requirement, a routine
referral, an incomplete screening; `info`: the rest), a summary under 140 characters, a
detail with the quote, section and note, and its source (the document's title). The shape
follows CDS Hooks 2.0 cards (`Card.to_cds()`); `Result.cards()` builds them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..model.model import Verdict

if TYPE_CHECKING:
    from .result import Reason, Result

__all__ = ["Card", "build_cards"]

#: a summary is cut to fewer characters than this (the CDS Hooks advice for summaries)
SUMMARY_LIMIT = 140

#: the namespace of the cards' uuids: a card's uuid is the same for the same finding
_NAMESPACE = uuid.UUID("6f1c2e3a-8d4b-5c6e-9f70-1a2b3c4d5e6f")

#: the code systems of card topics and override reasons (a reserved `.invalid` name: the
#: project publishes no code system yet)
_SYSTEM = "https://spinerules.invalid"
_ORDER = {"critical": 0, "warning": 1, "info": 2}


@attrs.frozen
class Card:
    """One finding. `rule_id` is None for the incomplete-screening and no-screening cards."""

    uuid: str
    indicator: str  # critical | warning | info
    summary: str
    detail: str
    source: str  # the document's title (or the ruleset's name)
    rule_id: str | None
    kinds: tuple[str, ...]  # the rule's actions that count here: contraindicate, refer, ...
    techniques: tuple[str, ...]  # the techniques it decides (top-most of each family)
    sites: tuple[str, ...]  # the sites its actions name, if any
    notes: tuple[str, ...]  # the actions' notes ("gentle only", the referral's addressee)
    suggestions: tuple[str, ...]  # what to do: the referral, the requirement
    questions: tuple[str, ...]  # facts to ask for (incomplete screening)
    quote: str | None
    section: str | None
    document: str | None
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return {
            field.name: list(value) if isinstance(value, tuple) else value
            for field in attrs.fields(Card)
            for value in (getattr(self, field.name),)
        }

    def to_cds(self) -> dict[str, Any]:
        """The card in CDS Hooks 2.0 JSON."""
        card: dict[str, Any] = {
            "uuid": self.uuid,
            "summary": self.summary,
            "indicator": self.indicator,
            "detail": self.detail,
            "source": {
                "label": self.source,
                "topic": {
                    "system": f"{_SYSTEM}/rule",
                    "code": self.rule_id or "screening",
                    "display": self.rule_id or "screening",
                },
            },
        }
        if self.suggestions:
            card["suggestions"] = [
                {
                    "label": label,
                    "uuid": str(uuid.uuid5(_NAMESPACE, f"{self.uuid}:{label}")),
                    "isRecommended": True,  # what the rule asks for
                }
                for label in self.suggestions
            ]
            card["selectionBehavior"] = "any"
        if self.indicator != "info" and self.rule_id is not None:
            card["overrideReasons"] = [
                {"code": code, "system": f"{_SYSTEM}/override-reason", "display": display}
                for code, display in (
                    ("patient-specific", "Not applicable to this patient"),
                    ("clinician-judgement", "Overridden by clinical judgement"),
                )
            ]
        return card


def _cut(text: str, limit: int = SUMMARY_LIMIT - 1) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def _listed(names: list[str], limit: int = 3) -> str:
    shown = [n.replace("_", " ") for n in names[:limit]]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return text + (f" (+{more} more)" if more > 0 else "")


def _top_most(names: Iterable[str], parents: Mapping[str, str | None]) -> list[str]:
    """The names whose parent is not among them: a family folded into its head."""
    chosen = list(dict.fromkeys(names))
    inside = set(chosen)
    return [n for n in chosen if parents.get(n) not in inside]


class _Finding:
    """What one rule decides for this patient, gathered before it becomes a card."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        self.kinds: dict[str, None] = {}
        self.techniques: dict[str, None] = {}
        self.by_kind: dict[str, dict[str, None]] = {}  # verdict kind -> techniques
        self.sites: dict[str, None] = {}
        self.notes: dict[str, None] = {}
        self.suggestions: dict[str, None] = {}
        self.required: dict[str, None] = {}
        self.urgent = False

    def rank(self) -> tuple[int, int]:
        indicator = self.indicator()
        stakes = 0 if "contraindicate" in self.kinds or self.urgent else 1
        return (_ORDER[indicator], stakes)

    def indicator(self) -> str:
        if "contraindicate" in self.kinds or self.urgent:
            return "critical"
        if {"caution", "require", "refer"} & self.kinds.keys():
            return "warning"
        return "info"


_VERBS = {
    "contraindicate": "Do not use",
    "caution": "Use with caution:",
    "recommend": "Recommended:",
    "allow": "Allowed:",
    "doubt": "Benefit in doubt:",
}


def _summary(finding: _Finding, parents: Mapping[str, str | None]) -> str:
    reason = finding.reason
    parts = []
    if finding.urgent:
        parts.append(f"Refer urgently to {next(iter(finding.notes), 'a specialist')}")
    for kind in ("contraindicate", "caution", "recommend", "allow", "doubt"):
        if finding.by_kind.get(kind):
            names = _top_most(finding.by_kind[kind], parents)
            where = f" at {_listed(list(finding.sites), 2)}" if finding.sites else ""
            parts.append(f"{_VERBS[kind]} {_listed(names)}{where}")
    if "refer" in finding.kinds and not finding.urgent:
        parts.append(f"Refer to {next(iter(finding.notes), 'a physician')}")
    if "require" in finding.kinds:
        parts.append(f"First: {next(iter(finding.required), 'a requirement')}")
    if "advise" in finding.kinds and not parts:
        parts.append(f"Advice: {next(iter(finding.notes), '')}")
    head = "; ".join(parts) or reason.action
    why = (reason.text or reason.rule_id.replace("_", " ")).strip().rstrip(".")
    return _cut(f"{head}: {why}" if why else head)


def _detail(finding: _Finding) -> str:
    reason = finding.reason
    lines = []
    if reason.text:
        lines.append(reason.text)
    for note in finding.notes:
        lines.append(f"Note: {note}")
    if reason.quote:
        where = f" ({reason.section})" if reason.section else ""
        lines.append(f"Source{where}: “{reason.quote}”")
    if reason.generalized:
        lines.append(
            "Applied to every patient as a safety-first reading of what the document says "
            "about one condition."
        )
    lines.append(f"Rule `{reason.rule_id}`, {reason.location}.")
    return "\n\n".join(lines)


def build_cards(res: Result) -> tuple[Card, ...]:
    """The result's cards, most important first (see the module's documentation)."""
    kb = res.knowledge_base
    fingerprint = kb.fingerprint
    titles = {info.name: info.label for info in kb.rulesets}
    parents = {name: node.parent for name, node in kb.techniques.items()}
    findings: dict[str, _Finding] = {}

    def finding(reason: Reason) -> _Finding:
        found = findings.get(reason.rule_id)
        if found is None:
            found = findings[reason.rule_id] = _Finding(reason)
        return found

    undetermined = []
    for technique, judged in res.assessments().items():
        if judged.verdict is Verdict.UNDETERMINED:
            undetermined.append(technique)
            continue
        for reason in judged.reasons:
            found = finding(reason)
            found.kinds[reason.kind] = None
            found.techniques[technique] = None
            found.by_kind.setdefault(reason.kind, {})[technique] = None
        for site, verdict in res.site_verdicts(technique).items():
            if verdict is Verdict.UNDETERMINED or verdict is judged.verdict:
                continue
            for reason in res.reasons(technique, at=site):
                found = finding(reason)
                found.kinds[reason.kind] = None
                found.techniques[technique] = None
                found.by_kind.setdefault(reason.kind, {})[technique] = None
                if reason.site is not None:
                    found.sites[reason.site] = None
    for reason in (r for t in kb.techniques for r in res.doubts(t)):
        found = finding(reason)
        found.kinds["doubt"] = None
        if reason.technique is not None:
            found.techniques[reason.technique] = None
            found.by_kind.setdefault("doubt", {})[reason.technique] = None
    for referral in res.referrals:
        found = finding(referral.reason)
        found.kinds["refer"] = None
        found.urgent = found.urgent or referral.urgency == "urgent"
        found.notes[referral.to] = None
        found.suggestions[f"Refer {'urgently ' if referral.urgency == 'urgent' else ''}to "
                          f"{referral.to}"] = None  # fmt: skip
    for requirement in res.requirements:
        found = finding(requirement.reason)
        found.kinds["require"] = None
        needed = requirement.text or requirement.name.replace("_", " ")
        found.required[needed] = None
        found.suggestions[needed] = None
    for advice in res.advice:
        found = finding(advice.reason)
        found.kinds["advise"] = None
        found.notes[advice.text] = None
    for found in findings.values():
        for reason in (found.reason,):
            if reason.note and reason.kind in ("contraindicate", "caution", "recommend", "allow"):
                found.notes[reason.note] = None

    cards = []
    for found in sorted(findings.values(), key=lambda f: f.rank()):
        reason = found.reason
        cards.append(
            Card(
                uuid=str(uuid.uuid5(_NAMESPACE, f"{fingerprint}:{reason.rule_id}")),
                indicator=found.indicator(),
                summary=_summary(found, parents),
                detail=_detail(found),
                source=titles.get(reason.ruleset, reason.ruleset),
                rule_id=reason.rule_id,
                kinds=tuple(found.kinds),
                techniques=tuple(found.techniques),
                sites=tuple(found.sites),
                notes=tuple(found.notes),
                suggestions=tuple(found.suggestions),
                questions=(),
                quote=reason.quote,
                section=reason.section,
                document=reason.document,
                fingerprint=fingerprint,
            )
        )
    extra = []
    if undetermined:
        questions = tuple(m.fact for m in res.missing)
        heads = _top_most(undetermined, parents)
        ask = ", ".join(q.replace("_", " ") for q in questions[:3])
        summary = _cut(
            f"Screening incomplete: {_listed(heads, 2)} undetermined"
            + (f"; ask about {ask}" if ask else "")
        )
        detail = "\n".join(
            f"- {m.fact}: {m.description or 'What is ' + m.fact + '?'} ({m.allowed}; could "
            f"bring: {m.stakes})"
            for m in res.missing
        )
        extra.append(
            Card(
                uuid=str(uuid.uuid5(_NAMESPACE, f"{fingerprint}:incomplete")),
                indicator="warning",
                summary=summary,
                detail=detail or "Some verdicts wait for facts not given.",
                source=kb.name,
                rule_id=None,
                kinds=(),
                techniques=tuple(undetermined),
                sites=(),
                notes=(),
                suggestions=(),
                questions=questions,
                quote=None,
                section=None,
                document=None,
                fingerprint=fingerprint,
            )
        )
    if not kb.general_screening:
        extra.append(
            Card(
                uuid=str(uuid.uuid5(_NAMESPACE, f"{fingerprint}:no-screening")),
                indicator="warning",
                summary="General safety screening not included: red flags are checked only "
                "for this document's condition",
                detail="Red flags and general contraindications are checked only for the "
                "condition each document is about. Use `all`, or add `use general_screening`, "
                "to screen every patient for them.",
                source=kb.name,
                rule_id=None,
                kinds=(),
                techniques=(),
                sites=(),
                notes=(),
                suggestions=(),
                questions=(),
                quote=None,
                section=None,
                document=None,
                fingerprint=fingerprint,
            )
        )
    critical = [c for c in cards if c.indicator == "critical"]
    rest = [c for c in cards if c.indicator != "critical"]
    warnings = [c for c in rest if c.indicator == "warning"]
    infos = [c for c in rest if c.indicator == "info"]
    return (*critical, *extra, *warnings, *infos)
