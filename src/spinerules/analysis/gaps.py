"""Gaps: for each technique, a complete patient for whom no rule gives it any verdict.

"Any verdict" includes site-qualified ones: a gap patient has `verdict(T)` unassessed and no
verdict of T at any site (`Result.site_verdicts(T)` is empty), so no fired rule speaks of T or of
an ancestor of T. A technique no rule speaks of at all has every patient as a gap.
"""

from __future__ import annotations

from ..model.model import Verdict
from .context import Context
from .findings import Code, Finding, Witness
from .recheck import confirm

__all__ = ["check_gaps"]


def check_gaps(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for tech, node in ctx.kb.techniques.items():
        ups, permits = ctx.tech_up[tech], ctx.tech_permit[tech]
        speaking = [
            info.index
            for info in ctx.rules
            if any(a.technique in (ups if a.restrictive else permits) for a in info.actions)
        ]
        patient = ctx.first(ctx.everyone & ~ctx.any_of(speaking))
        if patient is None:
            patient = ctx.solve([ctx.nofire[r] for r in speaking])
        if patient is None:
            continue
        res = ctx.evaluate(patient)
        confirm(
            res.verdict(tech) is Verdict.UNASSESSED and not res.site_verdicts(tech),
            f"that no rule gives `{tech}` a verdict",
            patient,
        )
        if speaking:
            message = f"no rule gives `{tech}` any verdict for some patients, e.g. the one below"
        else:
            message = f"no rule of this knowledge base gives `{tech}` a verdict"
        out.append(
            Finding(
                code=Code.GAP,
                subjects=(tech,),
                message=message,
                technique=tech,
                within=node.ancestors,
                witnesses=(Witness(f"no verdict for {tech}", patient),),
                spans=(node.span,) if node.span is not None else (),
                files=(ctx.root_file,),
            )
        )
    return out
