"""`# spinerules: ...` comments: what a rules file tells the analyzer.

    # spinerules: accept CODE NAME [vs NAME] [in KB] because "REASON"
    # spinerules: neutral FACT because "REASON"
    # spinerules: worse FACT because "REASON"

`accept` marks a finding as known and intended. NAME is a rule id (dead-rule, shadowed,
conflict, disagreement, redundant), a technique (gap) or a technique and a fact
(`accept monotonicity massage vs phase`); `*` matches any name, and a second NAME left out
matches any. For conflicts and disagreements the order of the two rules does not matter. A
technique also matches its descendants (`accept gap massage` covers `swedish`).

A directive only accepts findings its file is part of: findings about one of its rules, and
findings of an analysis of that file itself (gaps, and monotonicity, which also belongs to the
rules that stop firing). `in KB` instead limits the directive to the analysis of the knowledge
base named KB, where it may accept any finding: this is how the shared vocabulary accepts
findings of `load_all()` (named `all`), whose root file is generated and holds no comments.

`neutral` says an ordered or set fact is not a severity scale: a higher value (or one more
element) does not make the patient worse, so safety monotonicity does not look at it (for example
who gives the massage). `worse` adds a bool fact (true is worse) or an int fact (higher is worse)
to the scales monotonicity looks at. Every directive needs its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from ..syntax.comments import comments
from ..syntax.source import Source, Span
from .findings import ACCEPTABLE, Code, Finding

__all__ = ["Directive", "read_directives"]

_PREFIX = re.compile(r"#\s*spinerules\s*:(.*)$")
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\["\\])*")|(?P<word>[a-z_][a-z0-9_-]*|\*)|(?P<bad>\S))'
)
_VERBS = ("accept", "neutral", "worse")


@attrs.frozen
class Directive:
    verb: str  # accept | neutral | worse
    code: Code | None  # for accept
    names: tuple[str, ...]
    reason: str
    file: str  # the source name of the file it is in
    line: int
    text: str
    kb: str | None = None  # `in KB`: only in the analysis of this knowledge base
    span: Span | None = attrs.field(default=None, eq=False, repr=False)  # the comment

    def applies_to(self, kb_name: str) -> bool:
        return self.kb is None or self.kb == kb_name

    @property
    def where(self) -> str:
        """`file:line`, with the file as the user can open it."""
        shown = self.span.source.shown if self.span is not None else self.file
        return f"{shown}:{self.line}"

    def matches(self, finding: Finding, kb_name: str) -> bool:
        if self.verb != "accept" or self.code is not finding.code:
            return False
        if self.kb is not None:
            if self.kb != kb_name:
                return False
        elif self.file not in finding.files:
            return False
        subjects = finding.subjects
        names = self.names
        first = names[0] == "*" or names[0] == subjects[0] or names[0] in finding.within
        if len(names) == 1:
            if finding.code.ordered or len(subjects) == 1:
                return first
            return any(_name_ok(names[0], s) for s in subjects)
        if len(subjects) != 2:
            return False
        a, b = names
        if first and _name_ok(b, subjects[1]):
            return True
        return not finding.code.ordered and _name_ok(a, subjects[1]) and _name_ok(b, subjects[0])


def _name_ok(pattern: str, name: str) -> bool:
    return pattern == "*" or pattern == name


def read_directives(sources: Iterable[Source]) -> tuple[list[Directive], list[Finding]]:
    """Every directive in the sources, and a `bad-directive` finding for each one that cannot be
    read."""
    found: list[Directive] = []
    bad: list[Finding] = []
    for source in sources:
        for comment in comments(source):
            match = _PREFIX.match(comment.text)
            if not match:
                continue
            line = comment.span.line
            where = f"{source.shown}:{line}"
            try:
                found.append(
                    attrs.evolve(
                        _parse(match.group(1), source.name, line, comment.text),
                        span=comment.span,
                    )
                )
            except ValueError as exc:
                bad.append(
                    Finding(
                        code=Code.BAD_DIRECTIVE,
                        subjects=(where,),
                        message=f"cannot read this directive: {exc}",
                        spans=(comment.span,),
                        files=(source.name,),
                    )
                )
    return found, bad


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only trailing whitespace
            break
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _parse(body: str, file: str, line: int, text: str) -> Directive:
    tokens = _tokens(body)
    if not tokens or tokens[0] != ("word", tokens[0][1]) or tokens[0][1] not in _VERBS:
        raise ValueError("expected `accept`, `neutral` or `worse` after `spinerules:`")
    verb = tokens[0][1]
    rest = tokens[1:]
    if len(rest) < 2 or rest[-2] != ("word", "because") or rest[-1][0] != "str":
        raise ValueError('a directive ends with `because "REASON"`')
    reason = re.sub(r"\\([\\\"])", r"\1", rest[-1][1][1:-1]).strip()
    if not reason:
        raise ValueError("the reason is empty")
    middle = rest[:-2]
    for kind, value in middle:
        if kind != "word":
            raise ValueError(f"unexpected `{value}`")
    words = [value for _, value in middle]
    code: Code | None = None
    if verb == "accept":
        if not words:
            raise ValueError("`accept` needs a finding code, e.g. `accept conflict RULE vs RULE`")
        try:
            code = Code(words[0])
        except ValueError:
            codes = ", ".join(sorted(c.value for c in ACCEPTABLE))
            raise ValueError(f"unknown finding code `{words[0]}` (codes: {codes})") from None
        if code not in ACCEPTABLE:
            raise ValueError(f"`{code.value}` cannot be accepted")
        words = words[1:]
        kb: str | None = None
        if len(words) >= 2 and words[-2] == "in":
            kb = words[-1]
            words = words[:-2]
        names: tuple[str, ...]
        if len(words) == 1:
            names = (words[0],)
        elif len(words) == 3 and words[1] == "vs":
            names = (words[0], words[2])
        else:
            raise ValueError(
                "expected `NAME` or `NAME vs NAME` (then optionally `in KB`) after the code"
            )
    else:
        kb = None
        if len(words) != 1 or words[0] == "*":
            raise ValueError(f"`{verb}` names exactly one fact")
        names = (words[0],)
    for name in (*names, *((kb,) if kb is not None else ())):
        if name != "*" and not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"`{name}` is not a name")
    return Directive(verb, code, names, reason, file, line, text, kb)
