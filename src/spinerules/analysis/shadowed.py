"""Shadowed rules: a permissive action that never takes effect, because whenever its rule fires a
restrictive action that overrides it fires too.

A permissive action on technique T (at site S, or without a site) takes effect for a patient when
its rule fires and no restrictive action counted by `verdict(T, at=S)` fires: one on T or an
ancestor of T, without a site or at S or an ancestor of S. (T itself and S itself are where the
action has the best chance: a descendant technique or site only adds restrictive actions.) The
rule's own restrictive actions count. Over complete patients; a rule no complete patient fires is
a dead rule, not a shadowed one.
"""

from __future__ import annotations

from .context import Context, VAction
from .findings import Code, Finding, Witness, spans_of
from .recheck import confirm, fired_ids, level

__all__ = ["check_shadowed"]


def _overriders(ctx: Context, act: VAction) -> list[int]:
    """Rules with a restrictive action that `verdict(act.technique, at=act.site)` counts."""
    found = {
        r
        for tech in ctx.tech_up[act.technique]
        for r, b in ctx.restrictive.get(tech, ())
        if ctx.counts(b, act.technique, act.site)
    }
    return sorted(found)


def check_shadowed(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for info in ctx.rules:
        permissive = list({a.text: a for a in info.actions if not a.restrictive}.values())
        if not permissive or not ctx.live(info.index):
            continue
        for act in permissive:
            over = _overriders(ctx, act)
            if not over:
                continue
            free = ctx.masks[info.index] & ~ctx.any_of(over)
            if free:
                continue
            if ctx.solve([ctx.fire[info.index], *[ctx.nofire[r] for r in over]]) is not None:
                continue
            patient = ctx.first(ctx.masks[info.index])
            assert patient is not None
            res = ctx.evaluate(patient)
            confirm(
                info.id in fired_ids(res) and level(res, act.technique, act.site) >= 3,
                f"that `{act.text}` of `{info.id}` is overridden",
                patient,
            )
            by = sorted({r.rule_id for r in res.assessment(act.technique, act.site).reasons})
            out.append(
                Finding(
                    code=Code.SHADOWED,
                    subjects=(info.id,),
                    message=(
                        f"`{act.text}` in `{info.id}` never takes effect: whenever the rule "
                        f"fires, a restrictive rule on `{act.technique}` fires too "
                        f"(here: {', '.join(f'`{b}`' for b in by)})"
                    ),
                    rules=(info.id, *(b for b in by if b != info.id)),
                    technique=act.technique,
                    site=act.site,
                    witnesses=(Witness("fires it, overridden", patient),),
                    spans=spans_of(info.rule),
                    files=(ctx.file_of(info.index),),
                )
            )
    return out
