"""Text to syntax tree: the Lark LALR parser, lowered to `nodes.py`, with errors users can read.

`parse(source)` returns a `nodes.Module` or raises `RulesSyntaxError` (one mistake) or
`RulesErrors` (several): after a first error the file is re-parsed statement by statement, so
that every broken statement is reported, not only the first.
"""

from __future__ import annotations

import datetime
import itertools
import re
from functools import cache
from typing import Any

import lark
from lark import Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr

from . import nodes as n
from ._resources import grammar_path
from .errors import RulesError, RulesSyntaxError, raise_all
from .source import Source, Span
from .suggest import did_you_mean

__all__ = ["keywords", "parse", "parse_text"]

_STATEMENT_WORDS = (
    *("ruleset", "document", "version", "reviewed", "study", "use"),
    *("fact", "technique", "site", "rule", "if", "test"),
)
_STATEMENT_START = re.compile(rf"^({'|'.join(_STATEMENT_WORDS)})\b")

_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "INT": "a whole number",
    "DATE": "a date like 2026-01-31",
    "$END": "the end of the file",
}


@cache
def _parser() -> lark.Lark:
    return lark.Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


@cache
def _terminal_names() -> dict[str, str]:
    names = dict(_TERMINAL_WORDS)
    for term in _parser().terminals:
        if isinstance(term.pattern, PatternStr):
            names[term.name] = f"`{term.pattern.value}`"
    return names


def _keywords() -> frozenset[str]:
    word = re.compile(r"[a-z_]+")
    return frozenset(
        term.pattern.value
        for term in _parser().terminals
        if isinstance(term.pattern, PatternStr) and word.fullmatch(term.pattern.value)
    )


@cache
def keywords() -> frozenset[str]:
    """The reserved words of the language."""
    return _keywords()


def parse_text(text: str, name: str = "<text>") -> n.Module:
    return parse(Source(name=name, text=text))


def parse(source: Source) -> n.Module:
    try:
        tree = _parser().parse(source.text)
        statements = _Lower(source, 0).transform(tree)
    except UnexpectedInput:
        raise_all(_all_syntax_errors(source))
        raise AssertionError("unreachable: a failed parse reports at least one error") from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, _LoweringError):
            raise RulesSyntaxError(exc.orig_exc.message, exc.orig_exc.span) from None
        if isinstance(exc.orig_exc, _BadEscape):
            tok = exc.orig_exc.token
            line, column = tok.line or 1, tok.column or 1
            raise RulesSyntaxError(
                'unknown escape in a string: only `\\"` and `\\\\` are escapes',
                Span(source, line, column, line, column + len(tok)),
                "write a backslash as `\\\\`",
            ) from None
        if isinstance(exc.orig_exc, RecursionError):
            raise _too_deep(source) from None
        raise
    except RecursionError:
        raise _too_deep(source) from None
    return n.Module(source=source, statements=tuple(statements), comments=_comments(source))


# ---- errors -----------------------------------------------------------------------------------


def _all_syntax_errors(source: Source) -> list[RulesError]:
    """Parse each top-level statement alone, so that one mistake does not hide the next."""
    errors: list[RulesError] = []
    for first_line, chunk in _chunks(source.text):
        try:
            _parser().parse(chunk)
        except UnexpectedInput as exc:
            errors.append(_syntax_error(source, exc, first_line, chunk))
    if not errors:  # the pieces parse but the whole does not: report the whole
        try:
            _parser().parse(source.text)
        except UnexpectedInput as exc:
            errors.append(_syntax_error(source, exc, 0, source.text))
    return errors


def _chunks(text: str) -> list[tuple[int, str]]:
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    starts = [i for i, line in enumerate(lines) if _STATEMENT_START.match(line)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    return [(a, "".join(lines[a:b])) for a, b in itertools.pairwise(bounds)]


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"`{token.value}`"


_VALUE_TERMINALS = frozenset({"NAME", "INT", "TRUE", "FALSE"})

#: What a name means after each word: "expected a technique name", not "expected a name".
_NAME_AFTER = {
    **dict.fromkeys(("contraindicate", "caution", "recommend", "allow"), "a name of a technique"),
    **dict.fromkeys(("contraindicated", "recommended", "allowed"), "a name of a technique"),
    **dict.fromkeys(("unassessed", "undetermined", "disagreement"), "a name of a technique"),
    "at": "a name of a site",
    "technique": "a name for the technique",
    "site": "a name for the site",
    "fact": "a name for the fact",
    "ruleset": "a name for the ruleset",
    "under": "the name of the parent",
    "rule": "a rule id",
    "fires": "a rule id",
    "require": "a name of a requirement",
    "requirement": "a name of a requirement",
    "use": "a name of a shipped ruleset",
    **dict.fromkeys(("if", "and", "or", "not", "(", "given", "missing"), "a name of a fact"),
    **dict.fromkeys((":", "|", "<", "of"), "a name for a value"),
}


def _expected(names: set[str] | frozenset[str], after: Token | None = None) -> str:
    """The expected terminals as a user writes them: `then`, a fact name, `)`, a new statement."""
    names = set(names)
    words: list[str] = []
    if names >= _VALUE_TERMINALS and after is not None and after.type != "NAME":
        names -= _VALUE_TERMINALS
        words.append("a value (a name, a number, `true` or `false`)")
    statements = {t for t in names if _terminal_names().get(t, "").strip("`") in _STATEMENT_WORDS}
    new_statement = len(statements) >= 3
    if new_statement:
        names -= statements | {"$END"}
    if "NAME" in names and after is not None:
        meaning = _NAME_AFTER.get(str(after.value))
        if meaning is not None:
            names.discard("NAME")
            words.append(meaning)
    words = sorted({_terminal_names().get(t, t.lower()) for t in names}) + words
    if new_statement:
        words.append("a new statement")
    if not words:
        return ""
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


def _tokens_before(exc: UnexpectedInput) -> list[Token]:
    """The tokens the parser had read when it stopped, in order (empty if unknown)."""
    stack = getattr(getattr(exc, "state", None), "value_stack", None) or []
    found: list[Token] = []

    def walk(item: Any) -> None:
        if isinstance(item, Token):
            found.append(item)
        elif isinstance(item, lark.Tree):
            for child in item.children:
                walk(child)

    for item in stack:
        walk(item)
    return found


def _glued(first: Token, second: Token) -> bool:
    """A keyword with a name stuck to it (`thenn`, `cautionx`): the lexer split one word in two."""
    return (
        first.type != "NAME"
        and str(first.value) in keywords()
        and second.type == "NAME"
        and first.end_pos is not None
        and first.end_pos == second.start_pos
    )


def _end_of(chunk: str, line_offset: int) -> tuple[int, int]:
    """Line and column just after the last non-blank text of a chunk (where input ran out)."""
    lines = chunk.rstrip("\n").split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    last = lines[-1] if lines else ""
    return line_offset + max(len(lines), 1), len(last.rstrip()) + 1


def _syntax_error(source: Source, exc: UnexpectedInput, line_offset: int, chunk: str) -> RulesError:
    line = (exc.line if exc.line > 0 else 1) + line_offset
    column = exc.column if exc.column > 0 else 1
    hint: str | None = None
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        before = _tokens_before(exc)
        width = max(len(str(token.value)), 1) if token.type != "$END" else 1
        if token.type == "$END":
            line, column = _end_of(chunk, line_offset)
        expected = _expected(exc.accepts or exc.expected, before[-1] if before else None)
        if token.type == "$END":
            message = f"incomplete statement; expected {expected}"
        else:
            message = f"unexpected {_describe_token(token)}; expected {expected}"
        if token.value in keywords() and "NAME" in (exc.accepts or exc.expected):
            hint = f"`{token.value}` is a reserved word and cannot be used as a name"
        accepted = exc.accepts or exc.expected
        if hint is None and re.fullmatch(r"[a-z_][a-z0-9_]*", str(token.value)):
            words = [_terminal_names().get(t, "").strip("`") for t in accepted]
            hint = did_you_mean(str(token.value), [w for w in words if w in keywords()])
        if hint is None and token.type == "EQUAL" and before and before[-1].type == "EQUAL":
            hint = "equality is written with one `=`"
        pairs = [(before[-1], token)] if before and token.type != "$END" else []
        if len(before) >= 2:
            pairs.append((before[-2], before[-1]))
        for first, second in pairs:
            if _glued(first, second):
                word = f"{first.value}{second.value}"
                line = (first.line or 1) + line_offset
                column, width = first.column or 1, len(word)
                message = f"`{word}` is not a word of the language (it reads as `{first.value}` "
                message += f"followed by `{second.value}`)"
                hint = f"did you mean `{first.value}`?"
                break
    elif isinstance(exc, UnexpectedCharacters):
        text = source.line(line)
        rest = text[column - 1 :]
        width = 1
        number = re.match(r"-?0[0-9]+", rest)
        if number:
            message = "a number cannot start with 0"
            hint = "write it without leading zeros"
            width = len(number.group())
        elif rest.startswith('"'):
            message = "unterminated string"
            hint = 'close the string with `"` on the same line'
            width = len(rest)
        elif rest[:1].isalpha() and rest[:1].isupper():
            message = f"unexpected `{rest[:1]}`: names are lower case"
            hint = "write names in lower case, with letters, digits and `_`"
        else:
            message = f"unexpected character `{rest[:1] or exc.char}`"
            allowed = getattr(exc, "allowed", None)
            if allowed:
                message += f"; expected {_expected(allowed)}"
    elif isinstance(exc, UnexpectedEOF):
        line, column = _end_of(chunk, line_offset)
        width = 1
        message = f"incomplete statement; expected {_expected(set(exc.expected))}"
    else:  # pragma: no cover - lark has no other kinds
        width = 1
        message = "syntax error"
    span = Span(source, line, column, line, column + width)
    return RulesSyntaxError(message, span, hint)


# ---- comments ---------------------------------------------------------------------------------


def _comments(source: Source) -> tuple[n.Comment, ...]:
    found: list[n.Comment] = []
    # lines as the parser counts them: only "\n" ends a line (splitlines() would also break at
    # form feeds, U+2028 and others, which may stand in strings and comments)
    for number, line in enumerate(source.text.split("\n"), start=1):
        line = line.removesuffix("\r")
        in_string = False
        escaped = False
        for col, ch in enumerate(line):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                span = Span(source, number, col + 1, number, len(line) + 1)
                found.append(n.Comment(line[col:], span))
                break
    return tuple(found)


# ---- lowering the parse tree ----------------------------------------------------------------


def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    if re.search(r"\\[^\\\"]", body.replace("\\\\", "")):
        raise _BadEscape(token)
    return re.sub(r"\\([\\\"])", r"\1", body)


class _BadEscape(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__(str(token))
        self.token = token


def _too_deep(source: Source) -> RulesSyntaxError:
    return RulesSyntaxError(
        "the file nests parentheses too deeply to read",
        Span(source, 1, 1, 1, 2),
        "split deeply nested conditions into several rules",
    )


@v_args(meta=True)
class _Lower(Transformer[Token, Any]):
    """Turns Lark's tree into `nodes`; every node gets the span of the text it came from."""

    def __init__(self, source: Source, line_offset: int) -> None:
        super().__init__()
        self.source = source
        self.offset = line_offset

    # spans
    def _span(self, meta: Any) -> Span:
        return Span(
            self.source,
            meta.line + self.offset,
            meta.column,
            meta.end_line + self.offset,
            meta.end_column,
        )

    def _tspan(self, tok: Token) -> Span:
        return Span(
            self.source,
            (tok.line or 1) + self.offset,
            tok.column or 1,
            (tok.end_line or tok.line or 1) + self.offset,
            tok.end_column or (tok.column or 1) + len(tok),
        )

    def _ident(self, tok: Token) -> n.Ident:
        return n.Ident(str(tok), self._tspan(tok))

    def _lit(self, item: Any) -> n.Literal:
        if isinstance(item, n.Literal):
            return item
        tok: Token = item
        if tok.type == "TRUE":
            return n.Literal(True, self._tspan(tok))
        if tok.type == "FALSE":
            return n.Literal(False, self._tspan(tok))
        return n.Literal(str(tok), self._tspan(tok))

    def _text(self, tok: Token | None) -> str | None:
        return None if tok is None else _unquote(tok)

    # file
    def start(self, meta: Any, items: list[Any]) -> list[Any]:
        return items

    def ruleset_decl(self, meta: Any, items: list[Any]) -> n.RulesetDecl:
        return n.RulesetDecl(self._ident(items[0]), self._text(items[1]), self._span(meta))

    def document_decl(self, meta: Any, items: list[Any]) -> n.DocumentDecl:
        return n.DocumentDecl(_unquote(items[0]), self._span(meta))

    def version_decl(self, meta: Any, items: list[Any]) -> n.VersionDecl:
        return n.VersionDecl(_unquote(items[0]), self._span(meta))

    def reviewed_decl(self, meta: Any, items: list[Any]) -> n.ReviewedDecl:
        tok: Token = items[0]
        try:
            date = datetime.date.fromisoformat(str(tok))
        except ValueError:
            raise _LoweringError(f"`{tok}` is not a valid date", self._tspan(tok)) from None
        return n.ReviewedDecl(date, self._span(meta))

    def study_decl(self, meta: Any, items: list[Any]) -> n.StudyDecl:
        return n.StudyDecl(_unquote(items[0]), self._span(meta))

    def use_decl(self, meta: Any, items: list[Any]) -> n.UseDecl:
        tok: Token = items[0]
        if tok.type == "STRING":
            return n.UseDecl(_unquote(tok), True, self._span(meta))
        return n.UseDecl(str(tok), False, self._span(meta))

    # declarations
    def fact_decl(self, meta: Any, items: list[Any]) -> n.FactDecl:
        name, (kind, values, low, high), desc = items
        return n.FactDecl(
            self._ident(name), kind, values, low, high, self._text(desc), self._span(meta)
        )

    def enum_type(self, meta: Any, items: list[Token]) -> tuple[Any, ...]:
        return ("enum", tuple(self._ident(t) for t in items), None, None)

    def ordered_type(self, meta: Any, items: list[Token]) -> tuple[Any, ...]:
        return ("ordered", tuple(self._ident(t) for t in items), None, None)

    def set_type(self, meta: Any, items: list[Token]) -> tuple[Any, ...]:
        return ("set", tuple(self._ident(t) for t in items), None, None)

    def bool_type(self, meta: Any, items: list[Token]) -> tuple[Any, ...]:
        return ("bool", (), None, None)

    def int_type(self, meta: Any, items: list[n.Literal]) -> tuple[Any, ...]:
        return ("int", (), items[0], items[1])

    def int(self, meta: Any, items: list[Token]) -> n.Literal:
        return n.Literal(int(items[0]), self._tspan(items[0]))

    def technique_decl(self, meta: Any, items: list[Any]) -> n.TechniqueDecl:
        name, parent, desc = items
        parent_id = None if parent is None else self._ident(parent)
        return n.TechniqueDecl(self._ident(name), parent_id, self._text(desc), self._span(meta))

    def site_decl(self, meta: Any, items: list[Any]) -> n.SiteDecl:
        name, parent, desc = items
        parent_id = None if parent is None else self._ident(parent)
        return n.SiteDecl(self._ident(name), parent_id, self._text(desc), self._span(meta))

    # rules
    def rule(self, meta: Any, items: list[Any]) -> n.RuleNode:
        rule_id = None if items[0] is None else self._ident(items[0])
        condition = items[1]
        actions: list[n.Action] = []
        because: str | None = None
        cites: list[n.Cite] = []
        for item in items[2:]:
            if isinstance(item, n.Cite):
                cites.append(item)
            elif isinstance(item, _Because):
                if because is not None:
                    raise _LoweringError("a rule can have only one `because`", item.span)
                because = item.text
            else:
                actions.append(item)
        return n.RuleNode(
            rule_id, condition, tuple(actions), because, tuple(cites), self._span(meta)
        )

    def because(self, meta: Any, items: list[Token]) -> _Because:
        return _Because(_unquote(items[0]), self._span(meta))

    def cite(self, meta: Any, items: list[Token | None]) -> n.Cite:
        section, quote = items
        assert quote is not None
        return n.Cite(self._text(section), _unquote(quote), self._span(meta))

    # conditions
    def or_(self, meta: Any, items: list[n.Condition]) -> n.Condition:
        return items[0] if len(items) == 1 else n.Or(tuple(items), self._span(meta))

    def and_(self, meta: Any, items: list[n.Condition]) -> n.Condition:
        return items[0] if len(items) == 1 else n.And(tuple(items), self._span(meta))

    def not_(self, meta: Any, items: list[n.Condition]) -> n.Not:
        return n.Not(items[0], self._span(meta))

    def comp_op(self, meta: Any, items: list[Token]) -> str:
        return str(items[0])

    def compare(self, meta: Any, items: list[Any]) -> n.Compare:
        return n.Compare(self._ident(items[0]), items[1], self._lit(items[2]), self._span(meta))

    def value_set(self, meta: Any, items: list[Any]) -> tuple[n.Literal, ...]:
        return tuple(self._lit(i) for i in items)

    def in_(self, meta: Any, items: list[Any]) -> n.InSet:
        return n.InSet(self._ident(items[0]), items[1], False, self._span(meta))

    def not_in(self, meta: Any, items: list[Any]) -> n.InSet:
        return n.InSet(self._ident(items[0]), items[1], True, self._span(meta))

    def has(self, meta: Any, items: list[Any]) -> n.Has:
        return n.Has(self._ident(items[0]), "one", (self._lit(items[1]),), self._span(meta))

    def has_any(self, meta: Any, items: list[Any]) -> n.Has:
        return n.Has(self._ident(items[0]), "any", items[1], self._span(meta))

    def has_all(self, meta: Any, items: list[Any]) -> n.Has:
        return n.Has(self._ident(items[0]), "all", items[1], self._span(meta))

    def is_known(self, meta: Any, items: list[Token]) -> n.Known:
        return n.Known(self._ident(items[0]), True, self._span(meta))

    def is_unknown(self, meta: Any, items: list[Token]) -> n.Known:
        return n.Known(self._ident(items[0]), False, self._span(meta))

    def truthy(self, meta: Any, items: list[Token]) -> n.Truthy:
        return n.Truthy(self._ident(items[0]), self._span(meta))

    # actions
    def verdict_verb(self, meta: Any, items: list[Token]) -> str:
        return str(items[0])

    def targets(self, meta: Any, items: list[Token]) -> tuple[n.Ident, ...]:
        return tuple(self._ident(t) for t in items)

    def verdict_action(self, meta: Any, items: list[Any]) -> n.VerdictAction:
        verb, techniques, sites, note = items
        return n.VerdictAction(verb, techniques, sites or (), self._text(note), self._span(meta))

    def urgency(self, meta: Any, items: list[Token]) -> str:
        return str(items[0])

    def refer(self, meta: Any, items: list[Any]) -> n.Refer:
        return n.Refer(items[0], _unquote(items[1]), self._span(meta))

    def require(self, meta: Any, items: list[Any]) -> n.Require:
        return n.Require(self._ident(items[0]), self._text(items[1]), self._span(meta))

    def advise(self, meta: Any, items: list[Token]) -> n.Advise:
        return n.Advise(_unquote(items[0]), self._span(meta))

    # tests
    def test(self, meta: Any, items: list[Any]) -> n.TestNode:
        return n.TestNode(_unquote(items[0]), items[1], tuple(items[2:]), self._span(meta))

    def given_nothing(self, meta: Any, items: list[Any]) -> tuple[n.Given, ...]:
        return ()

    def given_list(self, meta: Any, items: list[n.Given]) -> tuple[n.Given, ...]:
        return tuple(items)

    def empty_set(self, meta: Any, items: list[Any]) -> tuple[n.Literal, ...]:
        return ()

    def given(self, meta: Any, items: list[Any]) -> n.Given:
        value = items[1] if isinstance(items[1], tuple) else self._lit(items[1])
        return n.Given(self._ident(items[0]), value, self._span(meta))

    def verdict_word(self, meta: Any, items: list[Token]) -> str:
        return str(items[0])

    def expect_verdict(self, meta: Any, items: list[Any]) -> n.ExpectVerdict:
        site = None if items[2] is None else self._ident(items[2])
        return n.ExpectVerdict(items[0], self._ident(items[1]), site, self._span(meta))

    def expect_referral(self, meta: Any, items: list[Any]) -> n.ExpectReferral:
        value = str(items[0])
        return n.ExpectReferral(None if value == "none" else value, self._span(meta))

    def expect_requirement(self, meta: Any, items: list[Token]) -> n.ExpectRequirement:
        tok = items[0]
        name = None if tok.type == "NONE" else self._ident(tok)
        return n.ExpectRequirement(name, self._span(meta))

    def expect_missing(self, meta: Any, items: list[Token]) -> n.ExpectMissing:
        return n.ExpectMissing(self._ident(items[0]), self._span(meta))

    def expect_disagreement(self, meta: Any, items: list[Token]) -> n.ExpectDisagreement:
        return n.ExpectDisagreement(self._ident(items[0]), self._span(meta))

    def expect_fires(self, meta: Any, items: list[Token]) -> n.ExpectFires:
        return n.ExpectFires(self._ident(items[0]), self._span(meta))


class _Because:
    def __init__(self, text: str, span: Span) -> None:
        self.text = text
        self.span = span


class _LoweringError(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
