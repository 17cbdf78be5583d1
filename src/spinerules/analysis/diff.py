"""A semantic diff of two versions of a knowledge base: does any patient's answer change?

For every technique both versions know, every referral and every requirement, the solver the
analyzer uses is asked for a complete patient (every fact known) whose answer differs between
the two versions; the answer is exact. A technique's verdict for a complete patient is the
strongest verdict action that counts for it among the rules that fire (contraindicate >
caution > recommend > allow; none: unassessed), so it is written as a formula over the rules'
conditions, once per version. Each difference found comes with a witness patient, evaluated
again by both versions' engines, with the rules deciding it before and after.

The two versions must declare the facts they share identically (a fact's kind, values and
range); facts only one version has are fine (the other version's rules do not read them).
Partial patients (some facts unknown) are not compared: `undetermined` is a matter of which
questions are still open, and every complete patient's answer is compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import z3  # type: ignore[import-untyped]

from ..engine.kb import KnowledgeBase
from ..model.model import Action
from .context import Context, action_effect
from .encode import to_profile

__all__ = ["Change", "DiffError", "DiffReport", "diff"]


class DiffError(ValueError):
    """The two versions cannot be compared (their shared facts differ)."""


@attrs.frozen
class Change:
    """One answer that some patient gets differently: a technique's verdict, a referral or a
    requirement, with one witness patient."""

    kind: str  # "verdict" | "referral" | "requirement"
    subject: str  # the technique, "urgent physician", or the requirement's name
    patient: Mapping[str, Any]
    before: str  # the verdict, or "given" / "not given"
    after: str
    rules_before: tuple[str, ...]  # the rules deciding it before, and after
    rules_after: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "patient": dict(self.patient),
            "before": self.before,
            "after": self.after,
            "rules_before": list(self.rules_before),
            "rules_after": list(self.rules_after),
        }


@attrs.frozen
class DiffReport:
    old: str
    new: str
    changes: tuple[Change, ...]
    added_techniques: tuple[str, ...]
    removed_techniques: tuple[str, ...]
    queries: int

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.added_techniques or self.removed_techniques)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
            "changes": [c.to_dict() for c in self.changes],
            "added_techniques": list(self.added_techniques),
            "removed_techniques": list(self.removed_techniques),
        }


def _check_facts(old: KnowledgeBase, new: KnowledgeBase) -> None:
    problems = []
    for name in sorted(set(old.facts) & set(new.facts)):
        a, b = old.facts[name], new.facts[name]
        if (a.kind, a.values, a.low, a.high) != (b.kind, b.values, b.low, b.high):
            problems.append(f"`{name}`: {a.allowed()} -> {b.allowed()}")
    if problems:
        raise DiffError(
            "the two versions declare shared facts differently, so their patients are not the "
            "same: " + "; ".join(problems)
        )


def _level(ctx: Context, technique: str) -> Any:
    """The technique's verdict level (0 unassessed .. 4 contraindicated) as a formula."""
    by_level: dict[int, list[Any]] = {}
    for info in ctx.rules:
        for act in info.actions:
            if ctx.counts(act, technique, None):
                by_level.setdefault(act.level, []).append(ctx.cond[info.index])
    level: Any = z3.IntVal(0)
    for value in sorted(by_level):  # weakest first, so the strongest ends outermost
        level = z3.If(z3.Or(*by_level[value]), z3.IntVal(value), level)
    return level


def _given(ctx: Context, key: tuple[object, ...]) -> Any:
    """Whether a referral (`("refer", urgency, to)`) or requirement (`("require", name)`) is
    given, as a formula."""
    firing = [
        ctx.cond[info.index]
        for info in ctx.rules
        for action in info.rule.actions
        if _key(action) == key
    ]
    return z3.Or(*firing) if firing else z3.BoolVal(False)


def _key(action: Action) -> tuple[object, ...] | None:
    """A referral's or requirement's identity (the analyzer's `action_effect`); None
    otherwise."""
    effect = action_effect(action)
    return effect if effect[0] in ("refer", "require") else None


def diff(old: KnowledgeBase, new: KnowledgeBase) -> DiffReport:
    """Every answer some complete patient gets differently from `old` and `new`."""
    _check_facts(old, new)
    a, b = Context(old), Context(new)
    solver = z3.Solver()
    solver.add(*a.x.domain(), *b.x.domain())
    queries = 0

    def witness(differs: Any) -> dict[str, Any] | None:
        nonlocal queries
        queries += 1
        solver.push()
        solver.add(differs)
        try:
            if solver.check() != z3.sat:
                return None
            model = solver.model()
        finally:
            solver.pop()
        patient = dict(to_profile(model, a.x))
        patient.update(to_profile(model, b.x))
        return patient

    changes: list[Change] = []
    shared = [t for t in old.techniques if t in new.techniques]
    for technique in shared:
        patient = witness(_level(a, technique) != _level(b, technique))
        if patient is None:
            continue
        before, after = old.evaluate(patient), new.evaluate(patient)
        changes.append(
            Change(
                "verdict", technique, patient,
                str(before.verdict(technique)), str(after.verdict(technique)),
                _ids(before.reasons(technique)), _ids(after.reasons(technique)),
            )
        )  # fmt: skip
    keys: dict[tuple[object, ...], None] = {}
    for kb in (old, new):
        for rule in kb.rules:
            for action in rule.actions:
                key = _key(action)
                if key is not None:
                    keys.setdefault(key, None)
    for key in keys:
        patient = witness(_given(a, key) != _given(b, key))
        if patient is None:
            continue
        before, after = old.evaluate(patient), new.evaluate(patient)
        if key[0] == "refer":
            subject = f"{key[1]} referral to {key[2]}"
            got = [
                tuple(r.reason.rule_id for r in res.referrals if (r.urgency, r.to) == key[1:])
                for res in (before, after)
            ]
        else:
            subject = f"requirement {key[1]}"
            got = [
                tuple(r.reason.rule_id for r in res.requirements if r.name == key[1])
                for res in (before, after)
            ]
        changes.append(
            Change(
                "referral" if key[0] == "refer" else "requirement", subject, patient,
                "given" if got[0] else "not given", "given" if got[1] else "not given",
                got[0], got[1],
            )
        )  # fmt: skip
    return DiffReport(
        old=old.name,
        new=new.name,
        changes=tuple(changes),
        added_techniques=tuple(t for t in new.techniques if t not in old.techniques),
        removed_techniques=tuple(t for t in old.techniques if t not in new.techniques),
        queries=queries,
    )


def _ids(reasons: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.rule_id for r in reasons))
