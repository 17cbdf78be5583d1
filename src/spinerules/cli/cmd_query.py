"""`spinerules query`."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterable

from ..engine.kb import KnowledgeBase
from ..engine.result import Result
from ..model.model import Verdict
from .inputs import knowledge_base, profile
from .output import VERDICT_STYLE, Out, citation, emit_json, facts_line, first_of, section
from .registry import FACTS, FORMAT, TARGET, UsageError, arg, subcommand


@subcommand(
    "query",
    TARGET,
    *FACTS,
    FORMAT,
    arg("--all", dest="everything", action="store_true",
        help="every technique's verdict, site verdicts, overrides and disagreements too"),
    arg("--log", metavar="FILE",
        help="append the decision to this JSON Lines decision log (docs/server.md)"),
)  # fmt: skip
def cmd_query(args: argparse.Namespace, out: Out) -> int:
    """The answer for one patient: a few cards, most important first.

    One card per rule that decides something (do not use, caution, recommended, refer, first
    do, advice), with the document it comes from; an incomplete-screening card with the
    questions to ask when verdicts wait for facts. `--all` adds the table of every technique's
    verdict with its deciding rule, site verdicts, overrides and disagreements. `--format json`
    prints `Result.to_dict()` (cards included).
    """
    kb = knowledge_base(args.target)
    res = kb.evaluate(profile(kb, args))
    if args.log:
        from ..decisionlog import DecisionLog

        try:
            DecisionLog(args.log).record(res)
        except OSError as exc:
            raise UsageError(f"cannot write `{args.log}`: {exc.strerror or exc}") from None
    if args.format == "json":
        emit_json(out, res.to_dict())
        return 0
    if args.everything:
        _query_text(out, kb, res)
    else:
        _cards_text(out, kb, res)
    return 0


_TAGS = {"critical": ("STOP", ("bold", "red")), "warning": ("CARE", ("bold", "yellow")),
         "info": ("INFO", ("cyan",))}  # fmt: skip


def _cards_text(out: Out, kb: KnowledgeBase, res: Result) -> None:
    """The cards, each wrapped to 80 columns (or the terminal's width, if narrower)."""
    width = min(out.width or 80, 80)
    out.line(f"{out.style('knowledge base:', 'bold')} {kb.name}")
    for line in textwrap.wrap(f"facts: {facts_line(res)}", width, subsequent_indent="  "):
        out.line(line)
    if res.unused_facts:
        note = f"note: not considered (no rule read them): {', '.join(res.unused_facts)}"
        for line in textwrap.wrap(note, width, subsequent_indent="  "):
            out.line(out.style(line, "yellow"))
    for card in res.cards():
        tag, style = _TAGS[card.indicator]
        out.line()
        lines = textwrap.wrap(card.summary, width - 6) or [""]
        out.line(f"{out.style(tag, *style)}  {lines[0]}")
        for line in lines[1:]:
            out.line(f"      {line}")
        extra = [*(f"note: {n}" for n in card.notes if n not in card.summary)]
        if card.questions:
            extra.append("ask: " + ", ".join(card.questions))
        where = f"{card.source}" + (f" § {card.section}" if card.section else "")
        if card.rule_id:
            where += f" ({card.rule_id})"
        extra.append(where)
        for item in extra:
            for line in textwrap.wrap(item, width - 6):
                out.line(out.style(f"      {line}", "dim"))
    out.line()
    out.line(
        out.style("`--all` shows every technique's verdict; `explain` traces each rule", "dim")
    )


#: said by `query` when the knowledge base lacks the general screening
NO_SCREENING = (
    "general safety screening is not included: red flags and general contraindications are "
    "checked only for the condition each document is about; query `all`, or add "
    "`use general_screening`, to screen every patient for them"
)


def _query_text(out: Out, kb: KnowledgeBase, res: Result) -> None:
    out.line(f"{out.style('knowledge base:', 'bold')} {kb.name}")
    out.line(f"{out.style('facts:', 'bold')} {facts_line(res)}")
    if not kb.general_screening:
        out.line(out.style("note: " + NO_SCREENING, "yellow"))
    if res.unused_facts:
        out.line(
            out.style(
                f"note: not considered for this patient (no rule read them): "
                f"{', '.join(res.unused_facts)}",
                "yellow",
            )
        )
    out.line()
    rows = []
    for technique, verdict in res.verdicts().items():
        judged = res.assessment(technique)
        if verdict is Verdict.UNDETERMINED:
            pending = list(dict.fromkeys(r.rule_id for r in judged.pending))
            rule = first_of(pending)
            waits = _waiting(res, pending)
            source = f"{judged.floor.value} so far, could become {judged.ceiling.value}"
            source += f"; waits for {', '.join(waits)}" if waits else ""
        elif judged.reasons:
            rule = first_of(list(dict.fromkeys(r.rule_id for r in judged.reasons)))
            source = first_of(list(dict.fromkeys(citation(r) for r in judged.reasons)))
        else:
            rule, source = "-", "no rule speaks about it"
        rows.append(
            [
                (technique, ()),
                (verdict.value, VERDICT_STYLE[verdict]),
                (rule, ()),
                (source, ("dim",) if rule == "-" else ()),
            ]
        )
    out.table(["TECHNIQUE", "VERDICT", "RULE", "SOURCE"], rows)

    sites = [(t, s, v) for t in kb.techniques for s, v in res.site_verdicts(t).items()]
    if sites:
        section(out, "at body sites")
        for technique, site, verdict in sites:
            reasons = res.reasons(technique, at=site)
            by = ", ".join(dict.fromkeys(r.rule_id for r in reasons))
            out.line(
                f"  {technique} at {site}: {out.style(verdict.value, *VERDICT_STYLE[verdict])}"
                + (f"  ({by})" if by else "")
            )
    overridden: dict[tuple[str, str], list[str]] = {}
    for technique in kb.techniques:
        for o in res.overridden(technique):
            permissive = f"{o.permissive.action} by {o.permissive.rule_id}"
            by = ", ".join(dict.fromkeys(f"{r.action} by {r.rule_id}" for r in o.by))
            overridden.setdefault((permissive, by), []).append(technique)
    if overridden:
        section(out, "overridden (permissive rules that lost to restrictive ones)")
        for (permissive, by), techniques in overridden.items():
            out.line(f"  {permissive}, lost to {by}  (for {first_of(techniques)})")
    if res.disagreements:
        section(out, "disagreements between sources")
        for d in res.disagreements:
            if d.kind == "advice":
                where = f"advice on {d.topic}"
            else:
                where = f"{d.technique}" + (f" at {d.site}" if d.site else "")
                where += " (benefit)" if d.kind == "benefit" else ""
            out.line(
                f"  {where}: {citation(d.permissive)} says `{d.permissive.action}` "
                f"({d.permissive.rule_id}); {citation(d.restrictive)} says "
                f"`{d.restrictive.action}` ({d.restrictive.rule_id})"
            )
    section(out, "referrals")
    if not res.referrals:
        out.line("  none")
    for ref in res.referrals:
        urgency = out.style(ref.urgency, "bold", "red" if ref.urgency == "urgent" else "yellow")
        out.line(f"  {urgency}: {ref.to}  ({ref.reason.rule_id}; {citation(ref.reason)})")
    section(out, "requirements")
    if not res.requirements:
        out.line("  none")
    for req in res.requirements:
        text = f": {req.text}" if req.text else ""
        out.line(f"  {req.name}{text}  ({req.reason.rule_id})")
    if res.advice:
        section(out, "advice")
        for advice in res.advice:
            out.line(f"  {advice.text}  ({advice.reason.rule_id})")
    if res.missing:
        section(out, "next questions (most decisive first)")
        for i, missing in enumerate(res.missing, start=1):
            question = missing.description or f"What is `{missing.fact}`?"
            out.line(f"  {i}. {out.style(missing.fact, 'bold')}: {question}")
            out.line(
                out.style(
                    f"     answers: {missing.allowed}; could trigger: {missing.stakes}; "
                    f"rules waiting: {', '.join(missing.rules)}",
                    "dim",
                )
            )


def _waiting(res: Result, rule_ids: Iterable[str]) -> list[str]:
    index = res.knowledge_base.rule_index
    known = res.facts
    waits: dict[str, None] = {}
    for rule_id in rule_ids:
        rule = res.knowledge_base.rules[index[rule_id]]
        for fact in rule.facts:
            if fact not in known:
                waits.setdefault(fact, None)
    return list(waits)
