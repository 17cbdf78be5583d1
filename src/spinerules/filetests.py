"""In-file tests: run the `test` blocks of a rules file, and measure which rules they exercise.

    test "acute herniation blocks pressure":
      given condition = herniation, phase = acute
      expect contraindicated manual_pressure, undetermined swedish, referral none

A file's tests run against the knowledge base of that file (the file and everything it `use`s);
tests written in an imported file belong to that file and run when it is tested itself. Each
expectation is checked on its own, so one run reports every expectation that failed, each with
what the engine said instead and why. Used by `spinerules test` and by the pytest plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from .api import load_path
from .engine.kb import KnowledgeBase
from .engine.result import Result
from .errors import FactError, RulesError
from .model.model import VERDICT_OF, Action, ActionKind, Rule, Verdict
from .syntax import nodes as n
from .syntax.format import expectation_text, given_text
from .syntax.source import Source, Span

__all__ = [
    "Check",
    "Coverage",
    "FileRun",
    "TestOutcome",
    "coverage",
    "load",
    "own_tests",
    "profile_of",
    "run_file",
    "run_kb",
    "run_test",
    "unreadable",
]


@attrs.frozen
class Check:
    """One expectation and what the engine said about it."""

    expected: str  # the expectation as written (canonical form)
    passed: bool
    actual: str  # what the engine said, in the words of the language
    why: tuple[str, ...] = ()  # the rules and facts behind `actual`


@attrs.frozen
class TestOutcome:
    """One in-file test, run."""

    __test__ = False  # not a pytest test class

    test: n.TestNode
    ruleset: str
    checks: tuple[Check, ...]
    fired: tuple[Rule, ...]  # every rule that fired for the test's givens
    error: str | None = None  # the givens were refused (cannot happen after validation)

    @property
    def name(self) -> str:
        return self.test.name

    @property
    def location(self) -> str:
        """``file:line`` of the test."""
        return f"{self.test.span.file}:{self.test.span.line}"

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def render(self) -> str:
        """The failure report: the givens, each failing expectation with what the engine said
        and why, the expectations that held, and the rules that fired."""
        givens = ", ".join(given_text(g) for g in self.test.givens) or "nothing"
        lines = [f'{self.location}: test "{self.name}"', f"  given {givens}"]
        if self.error is not None:
            lines.append(f"  error: {self.error}")
        for check in self.checks:
            if check.passed:
                lines.append(f"  ok       {check.expected}")
                continue
            lines.append(f"  expected {check.expected}")
            lines.append(f"  actual   {check.actual}")
            lines += [f"           {why}" for why in check.why]
        if self.fired:
            lines.append("  rules that fired:")
            lines += [f"    {rule.id} ({rule.location})" for rule in self.fired]
        else:
            lines.append("  no rule fired")
        return "\n".join(lines)


@attrs.frozen
class FileRun:
    """The tests of one file: its knowledge base (or why it did not load) and every outcome."""

    path: str
    kb: KnowledgeBase | None
    error: RulesError | None
    outcomes: tuple[TestOutcome, ...]

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules written in this file (not those it imports)."""
        if self.kb is None:
            return ()
        root = self.kb.rulesets[-1].file
        return tuple(r for r in self.kb.rules if r.span is not None and r.span.file == root)


# ---- running ----------------------------------------------------------------------------------


def profile_of(test: n.TestNode) -> dict[str, Any]:
    """The test's givens as a profile for `KnowledgeBase.evaluate` (sets as lists)."""
    profile: dict[str, Any] = {}
    for given in test.givens:
        if isinstance(given.value, tuple):
            profile[given.fact.name] = [str(v.value) for v in given.value]
        else:
            profile[given.fact.name] = given.value.value
    return profile


def own_tests(kb: KnowledgeBase) -> tuple[n.TestNode, ...]:
    """The tests written in the knowledge base's root file, in file order."""
    root = kb.rulesets[-1].file
    return tuple(test for _, test in kb.tests if test.span.file == root)


def run_test(kb: KnowledgeBase, test: n.TestNode) -> TestOutcome:
    ruleset = kb.rulesets[-1].name
    try:
        result = kb.evaluate(profile_of(test))
    except FactError as exc:
        return TestOutcome(test, ruleset, (), (), str(exc))
    checks = tuple(_check(result, exp) for exp in test.expectations)
    return TestOutcome(test, ruleset, checks, result.fired)


def run_kb(kb: KnowledgeBase, path: str) -> FileRun:
    return FileRun(path, kb, None, tuple(run_test(kb, t) for t in own_tests(kb)))


def run_file(path: str | Path) -> FileRun:
    """Load a rules file and run its tests; a file that does not load is reported, not raised."""
    try:
        kb = load(path)
    except RulesError as exc:
        return FileRun(str(path), None, exc, ())
    return run_kb(kb, str(path))


def load(path: str | Path) -> KnowledgeBase:
    """`load_path`, with a file that cannot be read (not UTF-8, unreadable) as a `RulesError`."""
    try:
        return load_path(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc) from None


def unreadable(path: str | Path, exc: OSError | UnicodeDecodeError) -> RulesError:
    """A `RulesError` for a file (or a file it uses) that cannot be read as UTF-8 text."""
    if isinstance(exc, UnicodeDecodeError):
        reason = "it is not UTF-8 text"
    else:
        reason = exc.strerror or str(exc)
    where = f" {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
    span = Span(Source(name=str(path), text=""), 1, 1, 1, 2)
    return RulesError(f"cannot read{where or ' this file or a file it uses'}: {reason}", span)


# ---- checking one expectation -------------------------------------------------------------------


def _check(res: Result, exp: n.Expectation) -> Check:
    expected = expectation_text(exp)
    why: tuple[str, ...]
    if isinstance(exp, n.ExpectVerdict):
        site = exp.site.name if exp.site is not None else None
        verdict = res.verdict(exp.technique.name, at=site)
        ok = verdict.value == exp.verdict
        return Check(expected, ok, verdict.value, () if ok else _verdict_why(res, exp))
    if isinstance(exp, n.ExpectReferral):
        refs = res.referrals
        ok = not refs if exp.urgency is None else any(r.urgency == exp.urgency for r in refs)
        actual = "; ".join(f'referral {r.urgency} "{r.to}" by {r.reason.rule_id}' for r in refs)
        why = () if ok or exp.urgency is None else _pending_giving(
            res, lambda a: a.kind is ActionKind.REFER and a.urgency == exp.urgency
        )  # fmt: skip
        return Check(expected, ok, actual or "referral none", why)
    if isinstance(exp, n.ExpectRequirement):
        reqs = res.requirements
        name = exp.name.name if exp.name is not None else None
        ok = not reqs if name is None else any(r.name == name for r in reqs)
        actual = ", ".join(f"requirement {r.name} by {r.reason.rule_id}" for r in reqs)
        why = () if ok or name is None else _pending_giving(
            res, lambda a: a.kind is ActionKind.REQUIRE and a.requirement == name
        )  # fmt: skip
        return Check(expected, ok, actual or "requirement none", why)
    if isinstance(exp, n.ExpectMissing):
        names = [m.fact for m in res.missing]
        ok = exp.fact.name in names
        actual = "missing " + ", ".join(names) if names else "nothing missing"
        why = ()
        if not ok and exp.fact.name in res.facts:
            why = (f"`{exp.fact.name}` is given",)
        elif not ok:
            why = (f"no pending rule that could change the result waits for `{exp.fact.name}`",)
        return Check(expected, ok, actual, why)
    if isinstance(exp, n.ExpectDisagreement):
        # a technique, or the topic of two documents' advice
        named = [d.technique or d.topic or "" for d in res.disagreements]
        ok = exp.technique.name in named
        everything = sorted(set(named))
        actual = "disagreement " + ", ".join(everything) if everything else "no disagreement"
        return Check(expected, ok, actual)
    rule_id = exp.rule.name
    if any(r.id == rule_id for r in res.fired):
        return Check(expected, True, f"fires {rule_id}")
    pending = [r for r in res.pending if r.id == rule_id]
    if pending:
        waits = [f for f in pending[0].facts if f not in res.facts]
        return Check(
            expected,
            False,
            f"{rule_id} is pending",
            (f"it waits for {', '.join(f'`{f}`' for f in waits)}",),
        )
    return Check(expected, False, f"{rule_id} did not fire", ("its condition is false",))


def _pending_giving(res: Result, gives: Callable[[Action], bool]) -> tuple[str, ...]:
    """Why an expected referral or requirement is absent: the pending rules that could give
    it, and the facts each waits for (or that no rule that could give it is pending)."""
    out = []
    for rule in res.pending:
        if any(gives(action) for action in rule.actions):
            waits = [f"`{f}`" for f in rule.facts if f not in res.facts]
            out.append(
                f"{rule.id} could give it" + (f"; it waits for {', '.join(waits)}" if waits else "")
            )
    return tuple(out) or ("no rule that could give it is pending: their conditions are false",)


def _verdict_why(res: Result, exp: n.ExpectVerdict) -> tuple[str, ...]:
    site = exp.site.name if exp.site is not None else None
    judged = res.assessment(exp.technique.name, at=site)
    why: list[str] = []
    undecided = judged.verdict is Verdict.UNDETERMINED
    if judged.reasons:
        so_far = " so far," if undecided else ""
        why.append(f"{judged.floor.value}{so_far} by " + ", ".join(_reason_ids(judged.reasons)))
    elif judged.floor is Verdict.UNASSESSED:
        why.append(f"no fired rule speaks about `{exp.technique.name}`")
    if undecided:
        known = res.facts
        for reason in judged.pending:
            rule = _rule(res, reason.rule_id)
            waits = [f"`{f}`" for f in rule.facts if f not in known] if rule else []
            why.append(
                f"could become {_verdict_word(reason.kind)} by {reason.rule_id}"
                + (f", which waits for {', '.join(waits)}" if waits else "")
            )
    for override in judged.overridden:
        why.append(f"{override.permissive.action} by {override.permissive.rule_id} was overridden")
    return tuple(why)


def _reason_ids(reasons: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(r.rule_id for r in reasons))


def _rule(res: Result, rule_id: str) -> Rule | None:
    index = res.knowledge_base.rule_index.get(rule_id)
    return None if index is None else res.knowledge_base.rules[index]


def _verdict_word(kind: str) -> str:
    verdict = next((v for k, v in VERDICT_OF.items() if k.value == kind), None)
    return kind if verdict is None else verdict.value


# ---- coverage ---------------------------------------------------------------------------------


@attrs.frozen
class Coverage:
    """Which rules of the tested files some test makes fire."""

    rules: tuple[Rule, ...]  # every rule written in the tested files
    uncovered: tuple[Rule, ...]  # those no test makes fire, in file order

    @property
    def percent(self) -> float:
        if not self.rules:
            return 100.0
        return 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules)


def _key(rule: Rule) -> tuple[str, str]:
    assert rule.span is not None
    source = rule.span.source
    return (str(source.path) if source.path is not None else source.name, rule.id)


def coverage(runs: Iterable[FileRun]) -> Coverage:
    """Rules of the given files that no test of any of them makes fire. A rule counts as covered
    when a test fires it, whether or not the test passes, and wherever the test is written (a
    file that imports another can cover the other's rules)."""
    runs = list(runs)
    fired = {_key(rule) for run in runs for out in run.outcomes for rule in out.fired}
    rules: dict[tuple[str, str], Rule] = {}
    for run in runs:
        for rule in run.rules:
            rules.setdefault(_key(rule), rule)
    everything = tuple(rules.values())
    return Coverage(everything, tuple(r for r in everything if _key(r) not in fired))
