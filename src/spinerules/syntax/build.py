"""The callbacks that build `nodes` while Lark parses, one per grammar rule, with no tree in
between. Every token is kept, so each node's span runs from the first token its rule matched to
the last (a bracketed condition keeps its own span, without the brackets, and the node around
it counts them)."""

from __future__ import annotations

import datetime
import re
import sys
from typing import Any

from lark import Token, Transformer

from . import nodes as n
from .source import Source, Span

__all__ = ["MAX_DIGITS", "Build", "LoweringError"]

#: longest number a file may write
MAX_DIGITS = 100


class LoweringError(Exception):
    """Text the grammar accepts but the language does not (a bad escape, date or number)."""

    def __init__(self, message: str, span: Span, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


class _Group:
    """What a rule matched that is not a node of its own (bracketed text, a list of names or
    values, a fact's type), with the tokens it starts and ends with."""

    __slots__ = ("first", "last", "value")

    def __init__(self, value: Any, first: Any, last: Any) -> None:
        self.value = value
        self.first = first
        self.last = last


class _Clause:
    """A one-string rule clause: `because "..."` or `generalizes "..."`."""

    __slots__ = ("span", "text", "word")

    def __init__(self, word: str, text: str, span: Span) -> None:
        self.word = word
        self.text = text
        self.span = span


#: node classes: each has a span
_Leaf = (
    n.Ident, n.Literal, n.Compare, n.InSet, n.Has, n.Known, n.Truthy, n.Not, n.And, n.Or,
    n.Always, n.VerdictAction, n.Refer, n.Require, n.Advise, n.Cite, n.Given,
    n.ExpectVerdict, n.ExpectReferral, n.ExpectRequirement, n.ExpectMissing,
    n.ExpectDisagreement, n.ExpectFires,
)  # fmt: skip


def _start(item: Any) -> tuple[int, int] | None:
    if item is None:
        return None
    if isinstance(item, Token):
        return item.line or 1, item.column or 1
    if isinstance(item, _Group):
        return _start(item.first)
    if isinstance(item, tuple | list):
        for part in item:
            found = _start(part)
            if found is not None:
                return found
        return None
    span: Span = item.span
    return span.line, span.column


def _end(item: Any) -> tuple[int, int] | None:
    if item is None:
        return None
    if isinstance(item, Token):
        return item.end_line or item.line or 1, item.end_column or (item.column or 1) + len(item)
    if isinstance(item, _Group):
        return _end(item.last)
    if isinstance(item, tuple | list):
        for part in reversed(item):
            found = _end(part)
            if found is not None:
                return found
        return None
    span: Span = item.span
    return span.end_line, span.end_column


def _node(item: Any) -> Any:
    """A child as a value: a bracketed condition is the condition."""
    return item.value if isinstance(item, _Group) else item


def _words(items: list[Any]) -> list[Token]:
    """The NAME tokens among a rule's children (the keywords and punctuation left out)."""
    return [t for t in items if isinstance(t, Token) and t.type == "NAME"]


class Build(Transformer[Token, Any]):
    """Called by Lark for each rule it reduces; returns the node (see `nodes.py`)."""

    def __init__(self) -> None:
        super().__init__()
        self.source = Source("<text>", "")  # set before each parse

    # spans and leaves
    def _span(self, items: list[Any]) -> Span:
        first, last = items[0], items[-1]
        # most rules start and end with a token or a node: no search needed
        if type(first) is Token:
            start: tuple[int, int] | None = (first.line or 1, first.column or 1)
        elif isinstance(first, _Leaf):
            start = (first.span.line, first.span.column)
        else:
            start = _start(items)
        if type(last) is Token:
            end: tuple[int, int] | None = (
                last.end_line or last.line or 1,
                last.end_column or (last.column or 1) + len(last),
            )
        elif isinstance(last, _Leaf):
            end = (last.span.end_line, last.span.end_column)
        else:
            end = _end(items)
        start = start or (1, 1)
        end = end or start
        return Span(self.source, start[0], start[1], end[0], end[1])

    def _tspan(self, tok: Token) -> Span:
        return self._span([tok])

    def _ident(self, tok: Token) -> n.Ident:
        # names and values repeat thousands of times in a large file: one string each
        return n.Ident(sys.intern(str(tok)), self._tspan(tok))

    def _lit(self, item: Any) -> n.Literal:
        if isinstance(item, n.Literal):
            return item
        tok: Token = item
        if tok.type == "TRUE":
            return n.Literal(True, self._tspan(tok))
        if tok.type == "FALSE":
            return n.Literal(False, self._tspan(tok))
        return n.Literal(sys.intern(str(tok)), self._tspan(tok))

    def _text(self, tok: Token | None) -> str | None:
        return None if tok is None else self._unquote(tok)

    def _unquote(self, token: Token) -> str:
        body = str(token)[1:-1]
        if "\\" not in body:
            return body
        if re.search(r"\\[^\\\"]", body.replace("\\\\", "")):
            raise LoweringError(
                'unknown escape in a string: only `\\"` and `\\\\` are escapes',
                self._tspan(token),
                "write a backslash as `\\\\`",
            )
        return re.sub(r"\\([\\\"])", r"\1", body)

    # file
    def start(self, items: list[Any]) -> list[Any]:
        return items

    def ruleset_decl(self, items: list[Any]) -> n.RulesetDecl:
        _, name, title = items
        return n.RulesetDecl(self._ident(name), self._text(title), self._span(items))

    def document_decl(self, items: list[Any]) -> n.DocumentDecl:
        return n.DocumentDecl(self._unquote(items[1]), self._span(items))

    def version_decl(self, items: list[Any]) -> n.VersionDecl:
        return n.VersionDecl(self._unquote(items[1]), self._span(items))

    def reviewed_decl(self, items: list[Any]) -> n.ReviewedDecl:
        tok: Token = items[1]
        try:
            date = datetime.date.fromisoformat(str(tok))
        except ValueError:
            raise LoweringError(f"`{tok}` is not a valid date", self._tspan(tok)) from None
        return n.ReviewedDecl(date, self._span(items))

    def study_decl(self, items: list[Any]) -> n.StudyDecl:
        return n.StudyDecl(self._unquote(items[1]), self._span(items))

    def use_decl(self, items: list[Any]) -> n.UseDecl:
        tok: Token = items[1]
        if tok.type == "STRING":
            return n.UseDecl(self._unquote(tok), True, self._span(items))
        return n.UseDecl(str(tok), False, self._span(items))

    # declarations
    def fact_decl(self, items: list[Any]) -> n.FactDecl:
        _, name, _, kind, session, desc = items
        kind_name, values, low, high = kind.value
        return n.FactDecl(
            self._ident(name),
            kind_name,
            values,
            low,
            high,
            self._text(desc),
            self._span(items),
            session=session is not None,
        )

    def _type(self, kind: str, items: list[Any], low: Any = None, high: Any = None) -> _Group:
        values = tuple(self._ident(t) for t in _words(items))
        return _Group((kind, values, low, high), items[0], items[-1])

    def enum_type(self, items: list[Any]) -> _Group:
        return self._type("enum", items)

    def ordered_type(self, items: list[Any]) -> _Group:
        return self._type("ordered", items)

    def set_type(self, items: list[Any]) -> _Group:
        return self._type("set", items)

    def bool_type(self, items: list[Any]) -> _Group:
        return self._type("bool", items)

    def int_type(self, items: list[Any]) -> _Group:  # `int LOW .. HIGH`
        return _Group(("int", (), items[1], items[3]), items[0], items[-1])

    def int(self, items: list[Token]) -> n.Literal:
        token = items[0]
        if len(str(token).lstrip("-")) > MAX_DIGITS:
            raise LoweringError(f"a number of more than {MAX_DIGITS} digits", self._tspan(token))
        return n.Literal(int(token), self._tspan(token))

    def _declared(self, items: list[Any]) -> dict[str, Any]:
        _, name, _, parent, explicit, desc = items
        return {
            "name": self._ident(name),
            "parent": None if parent is None else self._ident(parent),
            "description": self._text(desc),
            "span": self._span(items),
            "explicit": explicit is not None,
        }

    def technique_decl(self, items: list[Any]) -> n.TechniqueDecl:
        return n.TechniqueDecl(**self._declared(items))

    def site_decl(self, items: list[Any]) -> n.SiteDecl:
        return n.SiteDecl(**self._declared(items))

    # rules
    def rule(self, items: list[Any]) -> n.RuleNode:
        rule_id = None if items[1] is None else self._ident(items[1])
        condition = _node(items[4])
        actions: list[n.Action] = []
        because: str | None = None
        generalizes: str | None = None
        cites: list[n.Cite] = []
        for item in items[6:]:
            if isinstance(item, Token):
                continue  # `then`, `,`
            if isinstance(item, n.Cite):
                cites.append(item)
            elif isinstance(item, _Clause):
                if item.word == "because":
                    if because is not None:
                        raise LoweringError("a rule can have only one `because`", item.span)
                    because = item.text
                else:
                    if generalizes is not None:
                        raise LoweringError("a rule can generalize only one document", item.span)
                    generalizes = item.text
            else:
                actions.append(item)
        return n.RuleNode(
            rule_id,
            condition,
            tuple(actions),
            because,
            tuple(cites),
            self._span(items),
            generalizes=generalizes,
        )

    def because(self, items: list[Token]) -> _Clause:
        return _Clause("because", self._unquote(items[1]), self._span(items))

    def generalizes(self, items: list[Token]) -> _Clause:
        return _Clause("generalizes", self._unquote(items[1]), self._span(items))

    def cite(self, items: list[Any]) -> n.Cite:
        _, section, _, quote = items
        return n.Cite(self._text(section), self._unquote(quote), self._span(items))

    # conditions
    def atom(self, items: list[Any]) -> _Group:  # `( cond )`
        return _Group(_node(items[1]), items[0], items[2])

    def _operands(self, items: list[Any]) -> tuple[n.Condition, ...]:
        return tuple(_node(i) for i in items if not isinstance(i, Token))

    def or_(self, items: list[Any]) -> Any:
        if len(items) == 1:  # one operand is itself (a bracketed one keeps its brackets)
            return items[0]
        return n.Or(self._operands(items), self._span(items))

    def and_(self, items: list[Any]) -> Any:
        if len(items) == 1:
            return items[0]
        return n.And(self._operands(items), self._span(items))

    def not_(self, items: list[Any]) -> n.Not:
        return n.Not(_node(items[1]), self._span(items))

    def comp_op(self, items: list[Token]) -> Token:
        return items[0]

    def compare(self, items: list[Any]) -> n.Compare:
        name, op, value = items
        return n.Compare(
            self._ident(name), sys.intern(str(op)), self._lit(value), self._span(items)
        )

    def value_set(self, items: list[Any]) -> _Group:
        values = tuple(self._lit(i) for i in items[1:-1] if not _is_comma(i))
        return _Group(values, items[0], items[-1])

    def in_(self, items: list[Any]) -> n.InSet:
        return n.InSet(self._ident(items[0]), items[2].value, False, self._span(items))

    def not_in(self, items: list[Any]) -> n.InSet:
        return n.InSet(self._ident(items[0]), items[3].value, True, self._span(items))

    def has(self, items: list[Any]) -> n.Has:
        value = self._lit(items[2])
        return n.Has(self._ident(items[0]), "one", (value,), self._span(items))

    def has_any(self, items: list[Any]) -> n.Has:
        return n.Has(self._ident(items[0]), "any", items[3].value, self._span(items))

    def has_all(self, items: list[Any]) -> n.Has:
        return n.Has(self._ident(items[0]), "all", items[3].value, self._span(items))

    def is_known(self, items: list[Token]) -> n.Known:
        return n.Known(self._ident(items[0]), True, self._span(items))

    def is_unknown(self, items: list[Token]) -> n.Known:
        return n.Known(self._ident(items[0]), False, self._span(items))

    def always(self, items: list[Token]) -> n.Always:
        return n.Always(self._span(items))

    def truthy(self, items: list[Token]) -> n.Truthy:
        fact = self._ident(items[0])
        return n.Truthy(fact, fact.span)  # the name is the whole condition

    # actions
    def verdict_verb(self, items: list[Token]) -> Token:
        return items[0]

    def targets(self, items: list[Token]) -> _Group:
        names = tuple(self._ident(t) for t in _words(items))
        return _Group(names, items[0], items[-1])

    def verdict_action(self, items: list[Any]) -> n.VerdictAction:
        verb, techniques, _, sites, note = items
        return n.VerdictAction(
            str(verb),
            techniques.value,
            sites.value if sites is not None else (),
            self._text(note),
            self._span(items),
        )

    def urgency(self, items: list[Token]) -> Token:
        return items[0]

    def refer(self, items: list[Any]) -> n.Refer:
        _, urgency, to = items
        return n.Refer(str(urgency), self._unquote(to), self._span(items))

    def require(self, items: list[Any]) -> n.Require:
        _, name, text = items
        return n.Require(self._ident(name), self._text(text), self._span(items))

    def advise(self, items: list[Any]) -> n.Advise:
        _, topic, text = items
        return n.Advise(
            self._unquote(text),
            self._span(items),
            topic=None if topic is None else self._ident(topic),
        )

    # tests
    def test(self, items: list[Any]) -> n.TestNode:
        name, givens = items[1], items[4]
        expectations = tuple(i for i in items[6:] if not isinstance(i, Token))
        return n.TestNode(self._unquote(name), givens.value, expectations, self._span(items))

    def given_nothing(self, items: list[Any]) -> _Group:
        return _Group((), items[0], items[0])

    def given_list(self, items: list[Any]) -> _Group:
        givens = tuple(i for i in items if isinstance(i, n.Given))
        return _Group(givens, items[0], items[-1])

    def empty_set(self, items: list[Any]) -> _Group:
        return _Group((), items[0], items[-1])

    def given(self, items: list[Any]) -> n.Given:
        name, _, value = items
        if isinstance(value, _Group):
            given: n.Literal | tuple[n.Literal, ...] = value.value
        else:
            given = self._lit(value)
        return n.Given(self._ident(name), given, self._span(items))

    def verdict_word(self, items: list[Token]) -> Token:
        return items[0]

    def expect_verdict(self, items: list[Any]) -> n.ExpectVerdict:
        word, technique, _, site = items
        return n.ExpectVerdict(
            str(word),
            self._ident(technique),
            None if site is None else self._ident(site),
            self._span(items),
        )

    def expect_referral(self, items: list[Any]) -> n.ExpectReferral:
        value = str(items[1])
        return n.ExpectReferral(None if value == "none" else value, self._span(items))

    def expect_requirement(self, items: list[Token]) -> n.ExpectRequirement:
        tok = items[1]
        name = None if tok.type == "NONE" else self._ident(tok)
        return n.ExpectRequirement(name, self._span(items))

    def expect_missing(self, items: list[Token]) -> n.ExpectMissing:
        return n.ExpectMissing(self._ident(items[1]), self._span(items))

    def expect_disagreement(self, items: list[Token]) -> n.ExpectDisagreement:
        return n.ExpectDisagreement(self._ident(items[1]), self._span(items))

    def expect_fires(self, items: list[Token]) -> n.ExpectFires:
        return n.ExpectFires(self._ident(items[1]), self._span(items))


def _is_comma(item: Any) -> bool:
    return isinstance(item, Token) and str(item) == ","
