"""The analyzer agrees with brute force on small generated knowledge bases.

Hypothesis writes knowledge bases of two files (two documents, so disagreements can happen) with
2-4 facts over tiny domains, a three-technique hierarchy, two nested sites (any of them may be
explicit) and 1-6 rules. The
oracle below evaluates *every* patient with the engine (every complete patient, and for the
checks that consider them every partial one) and derives each finding from the definitions in
the analysis modules' docstrings, using only `kb.evaluate` results. Every finding the analyzer
reports must be one the oracle derives, and every one the oracle derives must be reported.

SPINERULES_BRUTEFORCE_EXAMPLES sets how many knowledge bases to try (default 400, which runs in a
few seconds per hundred; the README records a run with several thousand).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import KnowledgeBase, Result, Verdict
from spinerules.analysis import Code, analyze
from spinerules.model.model import ActionKind, FactKind

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SPINERULES_BRUTEFORCE_EXAMPLES", "400"))
TMP = Path(tempfile.mkdtemp(prefix="spinerules-bruteforce-"))

TECHNIQUES = "technique t0{x0}\ntechnique t1 under t0{x1}\ntechnique t2{parent}{x2}\n"
SITES = "site s0{x0}\nsite s1 under s0{x1}\nsite s2{x2}\n"
VERBS = ("contraindicate", "caution", "recommend", "allow")
FactSpec = tuple[str, str, tuple[str, ...]]  # name, kind, values

# ---- generating knowledge bases --------------------------------------------------------------


@st.composite
def fact_decls(draw: st.DrawFn) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, kind, values) for 2-4 facts; ints are 0..2 and use values ("0", "1", "2")."""
    count = draw(st.integers(2, 4))
    out = []
    for i in range(count):
        kind = draw(st.sampled_from(["enum", "ordered", "int", "bool", "set"]))
        name = f"f{i}"
        if kind in ("enum", "ordered"):
            values = tuple(f"v{j}" for j in range(draw(st.integers(2, 3))))
        elif kind == "set":
            values = tuple(f"e{j}" for j in range(draw(st.integers(1, 2))))
        elif kind == "int":
            values = ("0", "1", "2")
        else:
            values = ()
        out.append((name, kind, values))
    return out


def decl_text(name: str, kind: str, values: tuple[str, ...]) -> str:
    if kind == "enum":
        return f"fact {name}: {' | '.join(values)}"
    if kind == "ordered":
        return f"fact {name}: ordered {' < '.join(values)}"
    if kind == "int":
        return f"fact {name}: int 0..2"
    if kind == "bool":
        return f"fact {name}: bool"
    return f"fact {name}: set of {' | '.join(values)}"


@st.composite
def atoms(draw: st.DrawFn, facts: list[tuple[str, str, tuple[str, ...]]]) -> str:
    name, kind, values = draw(st.sampled_from(facts))
    if draw(st.integers(0, 9)) == 0:
        return f"{name} is {draw(st.sampled_from(['known', 'unknown']))}"
    if kind == "bool":
        forms = [name, f"not {name}", f"{name} = true", f"{name} = false", f"{name} != true"]
        return draw(st.sampled_from(forms))
    if kind == "set":
        one = draw(st.sampled_from(values))
        some = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
        mode = draw(st.sampled_from(["has", "any", "all"]))
        if mode == "has":
            return f"{name} has {one}"
        return f"{name} has {mode} {{{', '.join(some)}}}"
    ops = ["=", "!=", "in", "not in"]
    if kind in ("ordered", "int"):
        ops += ["<", "<=", ">", ">="]
    op = draw(st.sampled_from(ops))
    if op in ("in", "not in"):
        some = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
        return f"{name} {op} {{{', '.join(some)}}}"
    return f"{name} {op} {draw(st.sampled_from(values))}"


@st.composite
def conditions(draw: st.DrawFn, facts: list[FactSpec], depth: int = 2) -> str:
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(atoms(facts))
    form = draw(st.sampled_from(["and", "or", "not"]))
    if form == "not":
        return f"not ({draw(conditions(facts, depth - 1))})"
    parts = draw(st.lists(conditions(facts, depth - 1), min_size=2, max_size=3))
    return "(" + f" {form} ".join(parts) + ")"


@st.composite
def actions(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            out.append('refer routine "a doctor"')
        elif kind == 1:
            out.append('advise "rest"')
        else:
            verb = draw(st.sampled_from(VERBS))
            tech = draw(st.sampled_from(["t0", "t1", "t2"]))
            site = draw(st.sampled_from(["", "", "", " at s0", " at s1", " at s2"]))
            out.append(f"{verb} {tech}{site}")
    return ", ".join(out)


@st.composite
def knowledge_bases(draw: st.DrawFn) -> tuple[str, str]:
    """(root file text, imported file text)."""
    facts = draw(fact_decls())
    parent = draw(st.sampled_from(["", " under t0", " under t1"]))
    explicit = st.sampled_from(["", "", " explicit"])  # permissions stop at explicit nodes
    tech_flags = {f"x{i}": draw(explicit) for i in range(3)}
    site_flags = {f"x{i}": draw(explicit) for i in range(3)}
    n_rules = draw(st.integers(1, 6))
    rules = []
    for i in range(n_rules):
        cond = draw(conditions(facts))
        rules.append(f"rule r{i}:\n  if {cond}\n  then {draw(actions())}\n")
    split = draw(st.integers(0, n_rules))
    lib = (
        'ruleset lib\ndocument "B"\n'
        + "\n".join(decl_text(*f) for f in facts)
        + "\n"
        + TECHNIQUES.format(parent=parent, **tech_flags)
        + SITES.format(**site_flags)
        + "".join(rules[:split])
    )
    root = 'ruleset root\ndocument "A"\nuse "lib.rules"\n' + "".join(rules[split:])
    return root, lib


def build(root: str, lib: str) -> KnowledgeBase:
    (TMP / "lib.rules").write_text(lib, encoding="utf-8")
    return spinerules.compile_text(root, name="root", base_dir=TMP)


# ---- the oracle ------------------------------------------------------------------------------


def domain(kb: KnowledgeBase, name: str) -> list[Any]:
    fact = kb.facts[name]
    if fact.kind is FactKind.SET:
        elems = fact.values
        return [list(c) for r in range(len(elems) + 1) for c in itertools.combinations(elems, r)]
    return list(fact.domain())


def patients(kb: KnowledgeBase, partial: bool) -> Iterator[dict[str, Any]]:
    names = list(kb.facts)
    choices = [domain(kb, n) + ([None] if partial else []) for n in names]
    for combo in itertools.product(*choices):
        yield {n: v for n, v in zip(names, combo, strict=True) if v is not None}


def worse(kb: KnowledgeBase, patient: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every one-step worsening (default scales: ordered and set facts)."""
    for name, fact in kb.facts.items():
        value = patient[name]
        if fact.kind is FactKind.ORDERED:
            i = fact.values.index(value)
            if i + 1 < len(fact.values):
                yield name, {**patient, name: fact.values[i + 1]}
        elif fact.kind is FactKind.SET:
            for e in fact.values:
                if e not in value:
                    yield name, {**patient, name: [*value, e]}


LEVEL = {"allow": 1, "recommend": 2, "caution": 3, "contraindicate": 4}


def meetings(kb: KnowledgeBase, res: Result, scopes: list[str | None]) -> set[tuple[str, str]]:
    """(restrictive rule, permissive rule) pairs of different rules counted by one verdict."""
    out = set()
    for tech in kb.techniques:
        for site in scopes:
            fired = res.assessment(tech, site).fired
            for a in fired:
                for b in fired:
                    if a.rule_id != b.rule_id and LEVEL[a.kind] >= 3 and LEVEL[b.kind] <= 2:
                        out.add((a.rule_id, b.rule_id))
    return out


def effects(rule: Any) -> frozenset[tuple[Any, ...]]:
    out = set()
    for a in rule.actions:
        if a.kind is ActionKind.REFER:
            out.add(("refer", a.urgency, a.note))
        elif a.kind is ActionKind.ADVISE:
            out.add(("advise", a.note))
        elif a.kind is ActionKind.REQUIRE:
            out.add(("require", a.requirement))
        else:
            out.add((a.kind.value, a.technique, a.site))
    return frozenset(out)


def oracle(kb: KnowledgeBase) -> dict[Code, set[tuple[str, ...]]]:
    scopes: list[str | None] = [None, *kb.sites]
    rules = {r.id: r for r in kb.rules}
    docs = {r.id: r.document for r in kb.rules}
    fires_somehow: set[str] = set()
    together: set[tuple[str, str]] = set()
    for p in patients(kb, partial=True):
        res = kb.evaluate(p)
        ids = {r.id for r in res.fired}
        fires_somehow |= ids
        if len(ids) > 1:
            together |= meetings(kb, res, scopes)

    complete = list(patients(kb, partial=False))
    results = [kb.evaluate(p) for p in complete]
    fired = [{r.id for r in res.fired} for res in results]
    live = set().union(*fired)

    out: dict[Code, set[tuple[str, ...]]] = {code: set() for code in Code}
    out[Code.DEAD_RULE] = {(r,) for r in rules if r not in fires_somehow}
    for a, b in together:
        key = tuple(sorted((a, b)))
        code = Code.DISAGREEMENT if docs[a] != docs[b] else Code.CONFLICT
        out[code].add(key)

    for r in live:
        for action in rules[r].actions:
            if action.level in (1, 2) and all(
                res.verdict(action.technique, action.site).level >= 3
                for res, ids in zip(results, fired, strict=True)
                if r in ids
            ):
                out[Code.SHADOWED].add((r, action.describe()))

    def implies(a: str, b: str) -> bool:
        return all(b in ids for ids in fired if a in ids)

    for a in live:
        for b in live:
            if a == b or not effects(rules[a]) <= effects(rules[b]) or not implies(a, b):
                continue
            order = list(rules)
            equal = effects(rules[a]) == effects(rules[b])
            if equal and order.index(b) > order.index(a) and implies(b, a):
                continue
            out[Code.REDUNDANT].add((a, b))

    for tech in kb.techniques:
        if any(
            res.verdict(tech) is Verdict.UNASSESSED and not res.site_verdicts(tech)
            for res in results
        ):
            out[Code.GAP].add((tech,))

    for p, res in zip(complete, results, strict=True):
        for fact, q in worse(kb, p):
            res_q = kb.evaluate(q)
            for tech in kb.techniques:
                if (tech, fact) in out[Code.MONOTONICITY]:
                    continue
                for site in scopes:
                    before = res.verdict(tech, site).level
                    if before >= 3 and res_q.verdict(tech, site).level < before:
                        out[Code.MONOTONICITY].add((tech, fact))
                        break
    return out


def reported(kb: KnowledgeBase) -> dict[Code, set[tuple[str, ...]]]:
    report = analyze(kb)
    assert not report.accepted
    out: dict[Code, set[tuple[str, ...]]] = {code: set() for code in Code}
    for f in report.findings:
        if f.code in (Code.CONFLICT, Code.DISAGREEMENT):
            key: tuple[str, ...] = tuple(sorted(f.subjects))
        elif f.code is Code.SHADOWED:
            action = f.message.split("`")[1]
            key = (f.subjects[0], action)
        else:
            key = f.subjects
        assert key not in out[f.code], f"reported twice: {f.code} {key}"
        out[f.code].add(key)
    return out


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(knowledge_bases())
def test_analyzer_agrees_with_brute_force(texts: tuple[str, str]) -> None:
    kb = build(*texts)
    expected = oracle(kb)
    got = reported(kb)
    for code in Code:
        assert got[code] == expected[code], (code, texts)
