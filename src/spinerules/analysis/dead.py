"""Dead rules: no valid patient makes the condition true.

This check alone looks at partial patients too: a rule that fires only when a fact is missing
(`imaging_done is unknown`) is not dead. For conditions without `is known` / `is unknown` the two
questions have the same answer (Kleene logic: what is true with facts missing stays true for every
completion), so the partial solver is only asked about rules that test knownness.
"""

from __future__ import annotations

from ..syntax.unparse import condition_text
from .context import Context
from .findings import Code, Finding, spans_of

__all__ = ["check_dead"]


def check_dead(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for info in ctx.rules:
        if ctx.live(info.index):
            continue
        if info.has_known and ctx.solve_partial([info.index]) is not None:
            continue
        rule = info.rule
        out.append(
            Finding(
                code=Code.DEAD_RULE,
                subjects=(rule.id,),
                message=(
                    f"rule `{rule.id}` can never fire: no patient has "
                    f"`{condition_text(rule.condition)}`"
                ),
                rules=(rule.id,),
                spans=spans_of(rule),
                files=(ctx.file_of(info.index),),
            )
        )
    return out
