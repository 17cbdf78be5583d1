"""Redundant rules: a rule implied by another rule that does at least the same.

Rule A is redundant given rule B when every complete patient A fires for also fires B, and B's
actions include every action of A (same kind, technique and site; same referral, requirement or
advice; notes are not compared). Removing A would then change no verdict, referral, requirement
or advice of any complete patient (only the reasons listed). When A and B are equivalent (each
implies the other, same actions) only the later one is reported. Dead rules are reported as dead,
not as redundant.
"""

from __future__ import annotations

from .context import Context, RuleInfo
from .findings import Code, Finding, Witness, spans_of
from .recheck import confirm, fired_ids

__all__ = ["check_redundant"]


def check_redundant(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    implied: dict[tuple[int, int], bool] = {}

    def implies(a: int, b: int) -> bool:
        key = (a, b)
        found = implied.get(key)
        if found is None:
            # a pooled patient firing a but not b refutes it; else the solver decides
            refuted = bool(ctx.masks[a] & ~ctx.masks[b])
            found = not refuted and ctx.solve_lean([a], [b]) is None
            implied[key] = found
        return found

    live = [info for info in ctx.rules if ctx.live(info.index)]
    having: dict[tuple[object, ...], list[RuleInfo]] = {}
    for info in live:
        for effect in info.effects:
            having.setdefault(effect, []).append(info)
    for a in live:
        # b must do everything a does, so it is among the rules with a's rarest effect
        rarest = min(a.effects, key=lambda e: len(having[e]))
        for b in having[rarest]:
            if a.index == b.index or not a.effects <= b.effects:
                continue
            if not implies(a.index, b.index):
                continue
            if a.effects == b.effects and b.index > a.index and implies(b.index, a.index):
                continue  # equivalent: the later one is the redundant one
            patient = ctx.first(ctx.masks[a.index])
            assert patient is not None
            res = ctx.evaluate(patient)
            confirm(
                {a.id, b.id} <= fired_ids(res),
                f"that `{b.id}` fires with `{a.id}`",
                patient,
            )
            out.append(
                Finding(
                    code=Code.REDUNDANT,
                    subjects=(a.id, b.id),
                    message=(
                        f"`{a.id}` is redundant: whenever it fires, `{b.id}` fires too and does "
                        f"{'the same' if a.effects == b.effects else 'at least the same'}"
                    ),
                    rules=(a.id, b.id),
                    witnesses=(Witness("fires both", patient),),
                    spans=spans_of(a.rule, b.rule),
                    files=tuple(dict.fromkeys((ctx.file_of(a.index), ctx.file_of(b.index)))),
                )
            )
    return out
