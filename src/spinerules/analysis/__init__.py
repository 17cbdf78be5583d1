"""Proving things about a knowledge base before a patient is screened with it.

    from spinerules.analysis import analyze
    report = analyze(spinerules.load("herniation"))
    for finding in report.findings:
        print(finding.render())

The analysis is exact over the declared fact domains: every question is decided by the z3 SMT
solver, so "no finding" means no such patient exists, and every finding that claims a patient
comes with one, re-checked by evaluating it with the engine. Findings are about complete patients
(every fact given) except dead rules and conflicts, which also consider patients with facts
missing (see each check's module for its exact definition).

Importing this module imports z3; `import spinerules` does not.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from ..engine.kb import KnowledgeBase
from ..model.load import read_source, shipped_path
from ..model.model import FactKind
from ..syntax.source import Source
from .conflicts import check_conflicts
from .context import Context
from .dead import check_dead
from .directives import Directive, read_directives
from .findings import Citation, Code, Finding, Report, Witness
from .gaps import check_gaps
from .monotonicity import check_monotonicity
from .recheck import WitnessError
from .redundant import check_redundant
from .shadowed import check_shadowed

__all__ = [
    "CHECKS",
    "Citation",
    "Code",
    "Finding",
    "Report",
    "Witness",
    "WitnessError",
    "analyze",
    "main",
    "worsening_facts",
]

#: The checks, in the order they run. `conflict` also reports disagreements.
CHECKS = ("dead-rule", "conflict", "shadowed", "redundant", "gap", "monotonicity")


def analyze(
    kb: KnowledgeBase,
    *,
    checks: Iterable[str] = CHECKS,
    worsening: Iterable[str] | None = None,
    sources: Iterable[Source] | None = None,
) -> Report:
    """Analyze a knowledge base; `report.findings` are the findings no file accepted.

    `checks` selects checks by name (see `CHECKS`). `worsening` replaces the facts safety
    monotonicity treats as severity scales (default: every ordered and set fact, minus those a
    file marks `neutral`, plus those it marks `worse`). `sources` are the texts to read
    `# spinerules:` directives from (default: every file of the knowledge base).
    """
    start = time.perf_counter()
    wanted = tuple(checks)
    for name in wanted:
        if name not in CHECKS:
            raise ValueError(f"unknown check `{name}` (checks: {', '.join(CHECKS)})")
    texts = list(sources) if sources is not None else kb_sources(kb)
    directives, findings = read_directives(texts)
    scales, bad = worsening_facts(kb, directives, worsening)
    findings += bad
    ctx = Context(kb)
    if "dead-rule" in wanted:
        findings += check_dead(ctx)
    if "conflict" in wanted:
        findings += check_conflicts(ctx)
    if "shadowed" in wanted:
        findings += check_shadowed(ctx)
    if "redundant" in wanted:
        findings += check_redundant(ctx)
    if "gap" in wanted:
        findings += check_gaps(ctx)
    if "monotonicity" in wanted:
        findings += check_monotonicity(ctx, scales)

    open_: list[Finding] = []
    accepted: list[Finding] = []
    used: set[Directive] = set()
    for finding in findings:
        match = next((d for d in directives if d.matches(finding, kb.name)), None)
        if match is None:
            open_.append(finding)
        else:
            used.add(match)
            accepted.append(attrs.evolve(finding, accepted=match.reason, accepted_at=match.where))
    unused = tuple(
        f"{d.where}: {d.text}"
        for d in directives
        if d.verb == "accept" and d not in used and _could_apply(d, kb, wanted)
    )
    return Report(
        knowledge_base=kb.name,
        findings=tuple(open_),
        accepted=tuple(accepted),
        unused=unused,
        worsening=tuple(scales),
        checks=wanted,
        queries=ctx.queries,
        seconds=time.perf_counter() - start,
        rule_facts={rule.id: rule.facts for rule in kb.rules},
    )


#: The check that reports each code.
_CHECK_OF = {
    Code.DEAD_RULE: "dead-rule",
    Code.CONFLICT: "conflict",
    Code.DISAGREEMENT: "conflict",
    Code.SHADOWED: "shadowed",
    Code.REDUNDANT: "redundant",
    Code.GAP: "gap",
    Code.MONOTONICITY: "monotonicity",
}


def _could_apply(directive: Directive, kb: KnowledgeBase, checks: Sequence[str]) -> bool:
    """Whether an unused directive is worth a note: its check ran, it is in the analysed file
    itself (not one it imports), it is about this knowledge base, it names only things the
    knowledge base has, and it is not about disagreements in a knowledge base with a single
    document."""
    assert directive.code is not None
    if _CHECK_OF.get(directive.code) not in checks or not directive.applies_to(kb.name):
        return False
    if kb.rulesets and directive.file != kb.rulesets[-1].file:
        # a directive of an imported file was written for that file's own analysis: analysed
        # here together with other files, it may have nothing to accept
        return False
    known = {r.id for r in kb.rules} | set(kb.techniques) | set(kb.facts)
    if any(name != "*" and name not in known for name in directive.names):
        return False
    documents = {r.document for r in kb.rules}
    return not (directive.code is Code.DISAGREEMENT and len(documents) < 2)


def kb_sources(kb: KnowledgeBase) -> list[Source]:
    """The text of every file of the knowledge base (found through the spans of what it
    declares, and for files that declare nothing, by reading the file again)."""
    found: dict[str, Source] = {}
    spans = [
        *(f.span for f in kb.facts.values()),
        *(t.span for t in kb.techniques.values()),
        *(s.span for s in kb.sites.values()),
        *(r.span for r in kb.rules),
        *(t.span for _, t in kb.tests),
    ]
    for span in spans:
        if span is not None:
            found.setdefault(span.source.name, span.source)
    for info in kb.rulesets:
        if info.file in found:
            continue
        path = shipped_path(info.file)
        if path is None and Path(info.file).is_file():
            path = Path(info.file)
        if path is not None:
            found[info.file] = read_source(path, info.file)
    return list(found.values())


def worsening_facts(
    kb: KnowledgeBase, directives: Sequence[Directive], override: Iterable[str] | None = None
) -> tuple[list[str], list[Finding]]:
    """The facts monotonicity worsens, and findings for directives that name a wrong fact."""
    bad: list[Finding] = []
    if override is not None:
        chosen = set(override)
        for name in chosen:
            if name not in kb.facts:
                raise ValueError(f"`{name}` is not a fact of `{kb.name}`")
            if kb.facts[name].kind is FactKind.ENUM:
                raise ValueError(f"`{name}` is an unordered enum: it has no worse value")
        return [f for f in kb.facts if f in chosen], bad
    chosen = {n for n, f in kb.facts.items() if f.kind in (FactKind.ORDERED, FactKind.SET)}
    for d in directives:
        if d.verb == "accept":
            continue
        name = d.names[0]
        fact = kb.facts.get(name)
        problem = None
        if fact is None:
            problem = f"`{name}` is not a fact of this knowledge base"
        elif fact.kind is FactKind.ENUM:
            problem = f"`{name}` is an unordered enum: it has no worse value"
        elif d.verb == "neutral" and fact.kind not in (FactKind.ORDERED, FactKind.SET):
            problem = f"`{name}` is a {fact.kind.value} fact, which is neutral already"
        if problem is not None:
            bad.append(
                Finding(
                    code=Code.BAD_DIRECTIVE,
                    subjects=(d.where,),
                    message=f"cannot apply `{d.verb} {name}`: {problem}",
                    spans=(d.span,) if d.span is not None else (),
                    files=(d.file,),
                )
            )
            continue
        if d.verb == "neutral":
            chosen.discard(name)
        else:
            chosen.add(name)
    return [f for f in kb.facts if f in chosen], bad


def main(argv: Sequence[str] | None = None) -> int:
    """`spinerules analyze RULESET|PATH [--format json] ...` with these arguments: 0 when no
    finding is open, 1 when some finding is, 2 for a usage mistake."""
    import sys

    from ..cli import main as cli_main

    return cli_main(["analyze", *(sys.argv[1:] if argv is None else argv)])
