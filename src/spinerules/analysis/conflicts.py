"""Conflicts and disagreements: a restrictive and a permissive action that can fire together.

Two actions *meet* when some verdict counts both (`Model.reaches`): some technique is reached by
the restrictive action's technique and permitted by the permissive one's (a permission does not
pass an explicit technique or site it does not name), and some site, or no site, counts both. A
pair of
rules with meeting restrictive (caution, contraindicate) and permissive (allow, recommend) actions
conflicts when some patient fires both. Partial patients count here: a rule that tests
`is unknown` fires only with facts missing, and the engine evaluates such patients.

When the two rules come from different documents the finding is a `disagreement` (with both
citations), as in `Result.disagreements`; otherwise a `conflict`. A rule's own restrictive and
permissive actions are not a conflict (see `shadowed`).
"""

from __future__ import annotations

from ..engine.result import Result
from .context import Context, RuleInfo, VAction
from .encode import Patient
from .findings import Citation, Code, Finding, Witness, spans_of
from .recheck import confirm, fired_ids

__all__ = ["check_conflicts"]

#: restrictive rule, action, permissive rule, action, and a technique and site counting both
Meeting = tuple[int, VAction, int, VAction, str, str | None]


def _meetings(ctx: Context) -> dict[tuple[int, int], list[Meeting]]:
    restrictive = ctx.restrictive
    pairs: dict[tuple[int, int], list[Meeting]] = {}
    for info in ctx.rules:
        for act in info.actions:
            if act.restrictive:
                continue
            # restrictive actions on an ancestor of the technique, or on a technique it permits
            near = sorted(ctx.tech_up[act.technique] | ctx.tech_permit_down[act.technique])
            for t in near:
                for r, ract in restrictive.get(t, ()):
                    if r == info.index:
                        continue
                    tech = ctx.meeting_tech(ract.technique, act.technique)
                    site = ctx.meeting_site(ract.site, act.site)
                    if tech is None or site is False:
                        continue
                    assert site is not True
                    key = (min(r, info.index), max(r, info.index))
                    pairs.setdefault(key, []).append((r, ract, info.index, act, tech, site))
    return pairs


def _together(ctx: Context, a: RuleInfo, b: RuleInfo) -> Patient | None:
    """A patient firing both rules: from the pool, else the solver (complete, then partial)."""
    found = ctx.first(ctx.masks[a.index] & ctx.masks[b.index])
    if found is not None:
        return found
    if ctx.disjoint(a.index, b.index):
        return None
    found = ctx.solve_lean([a.index, b.index])
    if found is None and (a.has_known or b.has_known):
        found = ctx.solve_partial([a.index, b.index])
    return found


def _citations(info: RuleInfo) -> list[Citation]:
    rule = info.rule
    cites = rule.cites or ()
    if not cites:
        return [Citation(rule.id, rule.ruleset, rule.document, None, None, rule.location)]
    return [
        Citation(rule.id, rule.ruleset, rule.document, c.section, c.quote, rule.location)
        for c in cites
    ]


def _recheck(res: Result, meeting: Meeting, ctx: Context, patient: Patient) -> None:
    r, ract, p, pact, tech, site = meeting
    rid, pid = ctx.rules[r].id, ctx.rules[p].id
    confirm({rid, pid} <= fired_ids(res), f"that `{rid}` and `{pid}` both fire", patient)
    judged = res.assessment(tech, site)
    kinds = {(x.rule_id, x.kind, x.technique, x.site) for x in judged.fired}
    confirm(
        (rid, ract.kind, ract.technique, ract.site) in kinds
        and (pid, pact.kind, pact.technique, pact.site) in kinds
        and judged.floor.level >= 3,
        f"that `{ract.text}` overrides `{pact.text}` on `{tech}`",
        patient,
    )


def check_conflicts(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for (i, j), meetings in sorted(_meetings(ctx).items()):
        a, b = ctx.rules[i], ctx.rules[j]
        patient = _together(ctx, a, b)
        if patient is None:
            continue
        meeting = meetings[0]
        _recheck(ctx.evaluate(patient), meeting, ctx, patient)
        r, ract, p, pact, tech, site = meeting
        restr, perm = ctx.rules[r], ctx.rules[p]
        where = f" at `{site}`" if site else ""
        differ = restr.rule.document != perm.rule.document
        code = Code.DISAGREEMENT if differ else Code.CONFLICT
        partial = len(patient) < len(ctx.program.slots)
        message = (
            f"`{restr.id}` ({ract.text}) and `{perm.id}` ({pact.text}) can fire together"
            f"{' for a patient with facts missing' if partial else ''}: the restrictive action "
            f"overrides the permissive one on `{tech}`{where}"
        )
        if differ:
            message += (
                f"; the sources disagree ({restr.rule.document or restr.rule.ruleset} vs "
                f"{perm.rule.document or perm.rule.ruleset})"
            )
        out.append(
            Finding(
                code=code,
                subjects=(restr.id, perm.id),
                message=message,
                rules=(restr.id, perm.id),
                technique=tech,
                site=site,
                witnesses=(Witness("fires both", patient),),
                citations=tuple(_citations(restr) + _citations(perm)) if differ else (),
                spans=spans_of(restr.rule, perm.rule),
                files=tuple(dict.fromkeys((ctx.file_of(r), ctx.file_of(p)))),
            )
        )
    return out
