"""What the analyzer reports: findings with stable codes, their witnesses, and the report."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from typing import Any

import attrs

from ..diagnostics import Diagnostic, Style, plain, where
from ..model.model import Rule
from ..syntax.source import Span

__all__ = ["Citation", "Code", "Finding", "Report", "Witness", "spans_of"]


def spans_of(*rules: Rule) -> tuple[Span, ...]:
    """Where the rules are, for a finding about them."""
    return tuple(rule.span for rule in rules if rule.span is not None)


class Code(StrEnum):
    """A finding's stable code: what `# spinerules: accept CODE ...` names."""

    DEAD_RULE = "dead-rule"
    CONFLICT = "conflict"
    SHADOWED = "shadowed"
    REDUNDANT = "redundant"
    GAP = "gap"
    DISAGREEMENT = "disagreement"
    MONOTONICITY = "monotonicity"
    BAD_DIRECTIVE = "bad-directive"  # a `# spinerules:` comment the analyzer cannot read

    @property
    def ordered(self) -> bool:
        """Whether the order of the subjects matters when a directive names two."""
        return self in (Code.REDUNDANT, Code.MONOTONICITY)


#: Codes a file may accept (a malformed directive cannot accept itself).
ACCEPTABLE = frozenset(Code) - {Code.BAD_DIRECTIVE}


@attrs.frozen
class Witness:
    """A concrete patient behind a finding, re-checked with the engine before it is reported.

    `profile` is what `kb.evaluate` takes (ordered values by name, sets as lists); a partial
    patient leaves unknown facts out. `role` says what the patient shows ("fires both rules",
    "before", "after", ...).
    """

    role: str
    profile: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "profile": dict(self.profile)}


@attrs.frozen
class Citation:
    rule: str
    ruleset: str
    document: str | None
    section: str | None
    quote: str | None
    location: str

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Finding:
    """One problem the analyzer proved, or a concrete patient showing it.

    `subjects` are the names a directive uses to accept it: rule ids for rule findings, the
    technique for a gap, the technique and the fact for monotonicity (a directive naming an
    ancestor of the technique matches too: `accept gap massage` covers `swedish`). `files` are
    the files allowed to accept it: those of the rules involved, and for gaps and monotonicity
    the analyzed file.
    """

    code: Code
    subjects: tuple[str, ...]
    message: str
    rules: tuple[str, ...] = ()
    technique: str | None = None
    site: str | None = None
    fact: str | None = None
    witnesses: tuple[Witness, ...] = ()
    citations: tuple[Citation, ...] = ()
    spans: tuple[Span, ...] = ()  # where: the rules (or declaration, or directive) involved
    files: tuple[str, ...] = ()
    within: tuple[str, ...] = ()  # the technique's ancestors: a directive naming one matches
    accepted: str | None = None  # the reason a file gave for accepting it
    accepted_at: str | None = None  # where that directive is

    @property
    def locations(self) -> tuple[str, ...]:
        """`file:line:col` of each span, with the file as the user can open it."""
        return tuple(where(span) for span in self.spans)

    @property
    def title(self) -> str:
        sep = " vs "
        return f"{self.code.value} {sep.join(self.subjects)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code.value,
            "subjects": list(self.subjects),
            "message": self.message,
            "rules": list(self.rules),
            "technique": self.technique,
            "site": self.site,
            "fact": self.fact,
            "witnesses": [w.to_dict() for w in self.witnesses],
            "citations": [c.to_dict() for c in self.citations],
            "locations": list(self.locations),
        }
        if self.accepted is not None:
            out["accepted"] = {"reason": self.accepted, "at": self.accepted_at}
        return out

    def render(
        self, style: Style = plain, relevant: Collection[str] | None = None,
        also: Sequence[str] = (),
    ) -> str:  # fmt: skip
        """The finding as a diagnostic (the first span, its source line and a caret), then the
        other places, the techniques or sites it also holds for (`also`), the witnesses (with
        only the `relevant` facts, when given), the citations and how to accept it."""
        severity = "note" if self.accepted is not None else "error"
        if self.spans:
            first = Diagnostic(severity, self.code.value, self.message, self.spans[0])
            lines = [first.render(style)]
        else:
            lines = [f"{severity}: {self.code.value}: {self.message}"]
        for loc in self.locations[1:]:
            lines.append(f"  see {loc}")
        if also:
            lines.append(f"  the same for: {', '.join(also)}")
        for w in self.witnesses:
            profile = dict(w.profile)
            shown = {k: v for k, v in profile.items() if relevant is None or k in relevant}
            rest = " (the other facts: --format json)" if len(shown) < len(profile) else ""
            lines.append(f"  {w.role}: {json.dumps(shown, sort_keys=False)}{rest}")
        for c in self.citations:
            doc = c.document or c.ruleset
            quote = f' quote "{c.quote}"' if c.quote else ""
            lines.append(f"  {c.rule} ({doc}){quote}")
        if self.accepted is not None:
            lines.append(f'  accepted at {self.accepted_at}: "{self.accepted}"')
        elif self.code is Code.BAD_DIRECTIVE:
            lines.append('  write it as: # spinerules: accept CODE NAME [vs NAME] because "..."')
        else:
            lines.append(f'  to accept it: # spinerules: accept {self.title} because "..."')
        return "\n".join(lines)


@attrs.frozen
class Report:
    """Everything one analysis found. `findings` are open; `accepted` were accepted by a file."""

    knowledge_base: str
    findings: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    unused: tuple[str, ...]  # directives that matched no finding here, as `file:line: text`
    worsening: tuple[str, ...]  # the facts monotonicity treated as "worse when higher/added"
    checks: tuple[str, ...]
    queries: int  # solver queries made
    seconds: float
    #: each rule's facts (what a witness shows: the facts the finding's rules read)
    rule_facts: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.findings

    def by_code(self, code: Code | str, accepted: bool = False) -> tuple[Finding, ...]:
        pool = self.accepted if accepted else self.findings
        return tuple(f for f in pool if f.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "knowledge_base": self.knowledge_base,
            "ok": self.ok,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "accepted": [f.to_dict() for f in self.accepted],
            "unused_directives": list(self.unused),
            "worsening_facts": list(self.worsening),
            "checks": list(self.checks),
            "solver_queries": self.queries,
            "seconds": round(self.seconds, 3),
        }

    def counts(self) -> dict[str, int]:
        """Open findings by kind."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.code.value] = counts.get(f.code.value, 0) + 1
        return counts

    def groups(self, findings: Sequence[Finding]) -> list[list[Finding]]:
        """Findings of one cause together: the same kind, rules and fact, differing only in the
        technique or site they reach (one non-monotone rule on `massage` is one group, not one
        finding per technique under it)."""
        grouped: dict[tuple[object, ...], list[Finding]] = {}
        for f in findings:
            if f.rules or f.code is Code.GAP:  # all the gaps are one group: no rule speaks
                key: tuple[object, ...] = (f.code, f.rules, f.fact, f.accepted)
            else:
                key = (id(f),)
            grouped.setdefault(key, []).append(f)
        return list(grouped.values())

    def render(self, show_accepted: bool = False) -> str:
        """A summary by kind first, then each group of findings once."""
        counts = self.counts()
        by_kind = ", ".join(f"{code} {n}" for code, n in counts.items())
        summary = (
            f"{self.knowledge_base}: {len(self.findings)} open finding(s)"
            + (f" ({by_kind})" if by_kind else "")
            + f", {len(self.accepted)} accepted, {self.queries} solver queries, "
            f"{self.seconds:.2f}s"
        )
        parts = [summary]
        pools = [self.findings, self.accepted] if show_accepted else [self.findings]
        for pool in pools:
            for group in self.groups(pool):
                first = group[0]
                # the facts its rules read (for a gap: any rule's, since no rule speaks)
                rules = first.rules or tuple(self.rule_facts)
                relevant = {f for r in rules for f in self.rule_facts.get(r, ())}
                if first.fact:
                    relevant.add(first.fact)
                also = ["/".join(x for x in (f.technique, f.site) if x) or "-" for f in group[1:]]
                parts.append(first.render(relevant=relevant or None, also=also))
        for text in self.unused:
            parts.append(f"note: unused directive {text}")
        return "\n\n".join(parts)
