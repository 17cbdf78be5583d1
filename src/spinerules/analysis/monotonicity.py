"""Safety monotonicity: making a patient worse never relaxes a restriction.

A *worsening step* changes one worsening fact of a complete patient: an ordered (or `worse` int)
fact one step higher, one more element in a set fact (red flags, symptoms, comorbidities), or a
`worse` bool fact from false to true. By default every ordered and every set fact is a worsening
fact; a file takes one out with `# spinerules: neutral FACT because "..."` (for example who gives
the massage) and adds a bool or int fact with `# spinerules: worse FACT because "..."`.

A violation is a patient and a step after which some technique's verdict (without a site, or at
any site) is less restrictive than a restrictive verdict it had: contraindicated becoming
anything else, or caution becoming recommended, allowed or unassessed. A permissive verdict that
becomes weaker or unassessed is not a safety problem and is not reported. There is one finding
per (technique, fact), with the two witness patients.

Only the verdict at a site some action names, or at an explicit site, can differ from the verdict
at that site's nearest such ancestor, so checking the unqualified verdict, the named sites and
the sites that are not open covers every site.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import z3  # type: ignore[import-untyped]

from ..model.model import VERDICT_OF, ActionKind, FactKind, Verdict
from .context import Context
from .encode import Vars, to_profile
from .findings import Code, Finding, Witness, spans_of
from .recheck import confirm, fired_ids, level

__all__ = ["check_monotonicity"]

_fresh = itertools.count()


def _stepped(ctx: Context, slot: int) -> tuple[Vars, list[Any]]:
    """A copy of the patient with one slot replaced by its worsened value, and the step."""
    fact = ctx.x.facts[slot]
    old = ctx.x.values[slot]
    name = f"y.{fact.name}"
    new: Any
    if fact.kind in (FactKind.ORDERED, FactKind.INT):
        new = z3.Int(name)
        top = len(fact.values) - 1 if fact.kind is FactKind.ORDERED else fact.high
        step = [new == old + 1, new <= top]
    elif fact.kind is FactKind.BOOL:
        new = z3.Bool(name)
        step = [z3.Not(old), new]
    else:
        assert fact.kind is FactKind.SET
        new = {e: z3.Bool(f"{name}.{e}") for e in fact.values}
        choices = [
            z3.And(z3.Not(old[e]), new[e], *[new[o] == old[o] for o in fact.values if o != e])
            for e in fact.values
        ]
        step = [z3.Or(*choices)]
    values = list(ctx.x.values)
    values[slot] = new
    return Vars(ctx.x.facts, tuple(values), None), step


def _scopes(ctx: Context, tech: str) -> list[str | None]:
    ups = ctx.tech_up[tech]
    named = {a.site for info in ctx.rules for a in info.actions if a.technique in ups and a.site}
    return [None, *(s for s, node in ctx.kb.sites.items() if s in named or not node.open)]


def _levels(ctx: Context, tech: str, site: str | None) -> dict[int, int]:
    """Rule -> the highest level of its actions that `verdict(tech, at=site)` counts."""
    ups = ctx.tech_up[tech]
    out: dict[int, int] = {}
    for info in ctx.rules:
        for a in info.actions:
            if a.technique in ups and ctx.counts(a, tech, site):
                out[info.index] = max(out.get(info.index, 0), a.level)
    return out


def _describe(fact_kind: FactKind, name: str, before: Any, after: Any) -> str:
    if fact_kind is FactKind.SET:
        added = [e for e in after if e not in before]
        return f"adding `{added[0]}` to `{name}`"
    if fact_kind is FactKind.BOOL:
        return f"`{name}` becoming true"
    return f"`{name}` going from `{before}` to `{after}`"


def check_monotonicity(ctx: Context, worsening: Sequence[str]) -> list[Finding]:
    slots = {name: i for i, name in enumerate(ctx.program.slots)}
    reads = [frozenset(s) for s in ctx.program.rule_slots]
    techs = list(ctx.kb.techniques)
    plans = {t: [(s, _levels(ctx, t, s)) for s in _scopes(ctx, t)] for t in techs}
    found: dict[tuple[str, str], Finding] = {}
    solver = ctx.solver
    for fact_name in worsening:
        slot = slots[fact_name]
        fact = ctx.x.facts[slot]
        affected = [r for r in range(len(ctx.rules)) if slot in reads[r]]
        if not any(ctx.rules[r].actions for r in affected):
            continue
        y, step = _stepped(ctx, slot)
        solver.push()
        solver.add(*step)
        fy = {r: z3.Bool(f"yfire.{slot}.{r}") for r in affected}
        for r in affected:
            solver.add(fy[r] == y.holds(ctx.program.lowered[r]))

        for tech in techs:
            for site, levels in plans[tech]:
                model = _violation(ctx, levels, slot, reads, fy)
                if model is None:
                    continue
                before_p = to_profile(model, ctx.x)
                after_p = to_profile(model, y)
                found[(tech, fact_name)] = _finding(
                    ctx, tech, site, fact_name, fact.kind, before_p, after_p
                )
                break  # one finding per (technique, fact): the first scope that shows it
        solver.pop()
    return [found[key] for key in sorted(found, key=lambda k: (techs.index(k[0]), k[1]))]


def _violation(
    ctx: Context,
    levels: dict[int, int],
    slot: int,
    reads: list[frozenset[int]],
    fy: dict[int, Any],
) -> Any:
    """A model of a patient whose restriction (caution, or contraindicated) is lost by the step,
    or None. Losing level L means some rule of level >= L fires before and none after. Rules that
    do not read the stepped fact fire the same before and after, so none of them may fire: they
    go in as assumption literals, and only the rules reading the fact need formulas."""
    for floor in (4, 3):
        upto = [r for r, lvl in levels.items() if lvl >= floor]
        moving = [r for r in upto if slot in reads[r]]
        if not moving:
            continue
        still = [ctx.nofire[r] for r in upto if slot not in reads[r]]
        lost = z3.Bool(f"lost.{next(_fresh)}")
        ctx.solver.add(
            lost == z3.And(z3.Or(*[ctx.fire[r] for r in moving]), *[z3.Not(fy[r]) for r in moving])
        )
        model = ctx.check([lost, *still])
        if model is not None:
            return model
    return None


def _finding(
    ctx: Context,
    tech: str,
    site: str | None,
    fact_name: str,
    kind: FactKind,
    before: dict[str, Any],
    after: dict[str, Any],
) -> Finding:
    res_b, res_a = ctx.evaluate(before), ctx.evaluate(after)
    lb, la = level(res_b, tech, site), level(res_a, tech, site)
    confirm(
        lb >= 3 and la < lb,
        f"that `{tech}` is relaxed from {Verdict.of_level(lb)} to {Verdict.of_level(la)}",
        before,
    )
    lost = sorted(
        {
            r.rule_id
            for r in res_b.assessment(tech, site).fired
            if VERDICT_OF[ActionKind(r.kind)].level > la
        }
        - fired_ids(res_a)
    )
    by_id = {info.id: info.index for info in ctx.rules}
    change = _describe(kind, fact_name, before[fact_name], after[fact_name])
    where = f" at `{site}`" if site else ""
    return Finding(
        code=Code.MONOTONICITY,
        subjects=(tech, fact_name),
        message=(
            f"a worse patient gets a less restrictive verdict: {change} takes `{tech}`{where} "
            f"from {Verdict.of_level(lb)} to {Verdict.of_level(la)} "
            f"({', '.join(f'`{r}`' for r in lost)} "
            f"no longer fire{'s' if len(lost) == 1 else ''})"
        ),
        rules=tuple(lost),
        technique=tech,
        site=site,
        fact=fact_name,
        within=ctx.kb.techniques[tech].ancestors,
        witnesses=(Witness("before", before), Witness("after (worse)", after)),
        spans=spans_of(*(ctx.rules[by_id[r]].rule for r in lost)),
        files=tuple(dict.fromkeys((ctx.root_file, *(ctx.file_of(by_id[r]) for r in lost)))),
    )
