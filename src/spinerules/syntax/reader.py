"""Text to syntax tree: the Lark LALR parser, lowered to `nodes.py`, with errors users can read.

`parse(source)` returns a `nodes.Module` or raises `RulesSyntaxError` (one mistake) or
`RulesErrors` (several): after a first error the file is re-parsed statement by statement, so
that every broken statement is reported, not only the first.

A well-formed file is read by a hand-written scanner and parser ("the fast path", at the end of
this module) that builds the same nodes and spans several times faster; anything it does not
accept is read by Lark, which is the reference for the language and for every error message.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Iterator
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
from lark.lark import PostLex
from lark.lexer import PatternStr

from .._resources import grammar_path
from ..errors import RulesError, RulesSyntaxError, raise_all
from ..suggest import did_you_mean
from . import nodes as n
from .nodes import MAX_NESTING
from .source import Source, Span

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


#: longest number a file may write
MAX_DIGITS = 100


class _Glued(Exception):
    """Two words with nothing between them, which the contextual lexer read as two tokens."""

    def __init__(self, first: Token, second: Token) -> None:
        super().__init__(f"{first}{second}")
        self.first = first
        self.second = second


_WORD = re.compile(r"-?[a-z0-9_]+")


class _NoGluedWords(PostLex):
    """A keyword must stand on its own: `iffever` is not `if fever`. Lark's contextual lexer,
    where only `if` may come, splits `iffever` into `if` and `fever`; two word tokens (keywords,
    names, numbers) that touch are refused here, as soon as the second is read."""

    always_accept = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        before: Token | None = None
        for token in stream:
            if (
                before is not None
                and before.end_pos == token.start_pos
                and _WORD.fullmatch(str(before))
                and _WORD.fullmatch(str(token))
            ):
                raise _Glued(before, token)
            yield token
            before = token


@cache
def _parser() -> lark.Lark:
    return lark.Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_NoGluedWords(),
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(source: Source) -> n.Module:
    bad = _SURROGATE.search(source.text)
    if bad is not None:  # only a Python string can hold one: a file is decoded strictly
        before = source.text[: bad.start()]
        line = before.count("\n") + 1
        column = bad.start() - (before.rfind("\n") + 1) + 1
        shown = Source(source.name, _SURROGATE.sub("\ufffd", source.text), source.path)
        raise RulesSyntaxError(
            f"the text holds a lone surrogate (U+{ord(bad.group()):04X}), which is not Unicode "
            "text",
            Span(shown, line, column, line, column + 1),
            "decode the file as UTF-8 without `surrogateescape`, or remove the character",
        )
    statements = _fast_statements(source)
    if statements is None:
        statements = _lark_statements(source)
    return n.Module(source=source, statements=statements, comments=_comments(source))


def _lark_statements(source: Source) -> tuple[n.Statement, ...]:
    """The statements as Lark reads them; raises every error, as a user should see it.

    Each statement is parsed alone first: a broken statement is reported without parsing the
    rest of the file again, and every broken statement is reported, not only the first."""
    _check_nesting(source)
    errors = _all_syntax_errors(source)
    if errors:
        raise_all(errors)
    try:
        tree = _parser().parse(source.text)
        statements = _Lower(source, 0).transform(tree)
    except (UnexpectedInput, _Glued):  # pragma: no cover - the pieces parsed, so does the whole
        raise_all(_all_syntax_errors(source, whole=True))
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
        raise
    return tuple(statements)


# ---- errors -----------------------------------------------------------------------------------


def _all_syntax_errors(source: Source, whole: bool = False) -> list[RulesError]:
    """Parse each top-level statement alone, so that one mistake does not hide the next (and
    with `whole`, the whole file when every piece parses)."""
    errors: list[RulesError] = []
    pieces = [(0, source.text)] if whole else _chunks(source.text)
    for first_line, chunk in pieces:
        try:
            _parser().parse(chunk)
        except UnexpectedInput as exc:
            errors.append(_syntax_error(source, exc, first_line, chunk))
        except _Glued as exc:
            errors.append(_glued_error(source, exc.first, exc.second, first_line))
    return errors


def _glued_error(source: Source, first: Token, second: Token, line_offset: int) -> RulesError:
    word = f"{first.value}{second.value}"
    line = (first.line or 1) + line_offset
    column = first.column or 1
    if len(str(second.value)) <= 2:
        hint = f"did you mean `{first.value}`?"
    else:
        hint = f"put a space between `{first.value}` and `{second.value}`"
    return RulesSyntaxError(
        f"`{word}` is not a word of the language (it reads as `{first.value}` followed by "
        f"`{second.value}`)",
        Span(source, line, column, line, column + len(word)),
        hint,
    )


_NESTING_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[a-z_][a-z0-9_]*|[()]|\n')


def _check_nesting(source: Source) -> None:
    """Refuse brackets nested, or `not` repeated, more than MAX_NESTING deep, at the place where
    it happens, before Lark builds a tree too deep to walk."""
    depth = 0
    nots = 0
    line, line_start = 1, 0
    for match in _NESTING_TOKEN.finditer(source.text):
        token = match.group()
        if token == "\n":
            line, line_start = line + 1, match.end()
            continue
        if token[0] in "#\"":  # a comment or a string
            continue
        nots = nots + 1 if token == "not" else 0
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        if depth > MAX_NESTING or nots > MAX_NESTING:
            column = match.start() - line_start + 1
            what = "brackets nested" if depth > MAX_NESTING else "`not` repeated"
            raise RulesSyntaxError(
                f"{what} more than {MAX_NESTING} deep",
                Span(source, line, column, line, column + len(token)),
                "split the condition into several rules",
            )


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
    **dict.fromkeys(
        ("contraindicate", "caution", "recommend", "allow", "doubt"), "a name of a technique"
    ),
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
    "advise": "a topic name or a quoted string",
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
        # `thenn`: the contextual lexer read `then`, then refused `n` where an action must come
        last = before[-1] if before else None
        if (
            last is not None
            and token.type != "$END"
            and last.end_pos == token.start_pos
            and _WORD.fullmatch(str(last))
            and _WORD.fullmatch(str(token))
        ):
            return _glued_error(source, last, token, line_offset)
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
        if "#" not in line:
            continue
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
        name, (kind, values, low, high), session, desc = items
        return n.FactDecl(
            self._ident(name),
            kind,
            values,
            low,
            high,
            self._text(desc),
            self._span(meta),
            session=session is not None,
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
        token: Token = items[0]
        if len(str(token).lstrip("-")) > MAX_DIGITS:
            raise _LoweringError(
                f"a number of more than {MAX_DIGITS} digits", self._tspan(token)
            )
        return n.Literal(int(token), self._tspan(token))

    def technique_decl(self, meta: Any, items: list[Any]) -> n.TechniqueDecl:
        name, parent, explicit, desc = items
        parent_id = None if parent is None else self._ident(parent)
        return n.TechniqueDecl(
            self._ident(name),
            parent_id,
            self._text(desc),
            self._span(meta),
            explicit=explicit is not None,
        )

    def site_decl(self, meta: Any, items: list[Any]) -> n.SiteDecl:
        name, parent, explicit, desc = items
        parent_id = None if parent is None else self._ident(parent)
        return n.SiteDecl(
            self._ident(name),
            parent_id,
            self._text(desc),
            self._span(meta),
            explicit=explicit is not None,
        )

    # rules
    def rule(self, meta: Any, items: list[Any]) -> n.RuleNode:
        rule_id = None if items[0] is None else self._ident(items[0])
        condition = items[1]
        actions: list[n.Action] = []
        because: str | None = None
        generalizes: str | None = None
        cites: list[n.Cite] = []
        for item in items[2:]:
            if isinstance(item, n.Cite):
                cites.append(item)
            elif isinstance(item, _Because):
                if item.word == "because":
                    if because is not None:
                        raise _LoweringError("a rule can have only one `because`", item.span)
                    because = item.text
                else:
                    if generalizes is not None:
                        raise _LoweringError("a rule can generalize only one document", item.span)
                    generalizes = item.text
            else:
                actions.append(item)
        return n.RuleNode(
            rule_id,
            condition,
            tuple(actions),
            because,
            tuple(cites),
            self._span(meta),
            generalizes=generalizes,
        )

    def because(self, meta: Any, items: list[Token]) -> _Because:
        return _Because(_unquote(items[0]), self._span(meta))

    def generalizes(self, meta: Any, items: list[Token]) -> _Because:
        return _Because(_unquote(items[0]), self._span(meta), "generalizes")

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

    def always(self, meta: Any, items: list[Token]) -> n.Always:
        return n.Always(self._span(meta))

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

    def advise(self, meta: Any, items: list[Token | None]) -> n.Advise:
        topic, text = items
        assert text is not None
        return n.Advise(
            _unquote(text),
            self._span(meta),
            topic=None if topic is None else self._ident(topic),
        )

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
    """A one-string rule clause: `because "..."` or `generalizes "..."` (`word`)."""

    def __init__(self, text: str, span: Span, word: str = "because") -> None:
        self.text = text
        self.span = span
        self.word = word


class _LoweringError(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


# ---- the fast path ----------------------------------------------------------------------------
#
# A well-formed file (nearly every file, and every large one) is read by the scanner and the
# recursive-descent parser below, which build the same nodes with the same spans as Lark and
# `_Lower` do, without a parse tree or per-node metadata in between (10,000 rules, 1.6 MB:
# 4.8 s -> 0.7 s). They accept only what the grammar accepts, and give up on anything else:
# a syntax error, a bad escape or date, a second `because`, deep nesting. `parse` then reads
# the file with Lark, which reports every error exactly as before.
#
# Why the results are the same:
# - tokens: the scanner's patterns are the grammar's terminals, and a word is a keyword exactly
#   when NAME's lookahead rejects it. Lark's contextual lexer can split text differently only
#   where the grammar does not accept this scanner's token (`contraindicated` where only
#   `contraindicate` may stand, `<=` where only `<` may), and there this parser gives up.
# - spans: with propagate_positions, a tree spans from the first to the last token its rule
#   matched, the filtered keywords and brackets included, and a parenthesised condition keeps
#   its own span (without the brackets) while the node around it counts them. So every node
#   here spans the tokens its own production consumed.
# tests/test_parse_fast.py compares both paths on the shipped, example and generated files.

#: Every keyword of the grammar: the words NAME's negative lookahead excludes.
_RESERVED = frozenset(
    {
        "contraindicated",
        "contraindicate",
        "disagreement",
        "undetermined",
        "generalizes",
        "recommended",
        "requirement",
        "unassessed",
        "recommend",
        "technique",
        "document",
        "explicit",
        "referral",
        "reviewed",
        "allowed",
        "always",
        "because",
        "caution",
        "missing",
        "nothing",
        "ordered",
        "require",
        "routine",
        "ruleset",
        "session",
        "unknown",
        "version",
        "advise",
        "expect",
        "urgent",
        "allow",
        "doubt",
        "false",
        "fires",
        "given",
        "known",
        "quote",
        "refer",
        "study",
        "under",
        "bool",
        "cite",
        "fact",
        "none",
        "rule",
        "site",
        "test",
        "then",
        "true",
        "all",
        "and",
        "any",
        "has",
        "int",
        "not",
        "set",
        "use",
        "at",
        "if",
        "in",
        "is",
        "of",
        "or",
    }
)
_WORD_KIND = {word: word for word in _RESERVED}

_SCAN = re.compile(
    r"(?:[ \t\f\r\n]+|#[^\n]*)*"  # WS and COMMENT, which the grammar ignores
    r"(?:"
    r'("(?:[^"\\\n]|\\[^\n])*")'  # 1: STRING
    r"|([a-z_][a-z0-9_]*)"  # 2: a keyword if reserved, else NAME
    r"|([0-9]{4}-[0-9]{2}-[0-9]{2})"  # 3: DATE
    r"|(-?(?:0|[1-9][0-9]*)(?![0-9]))"  # 4: INT
    r"|(<=|>=|!=|\.\.|[=<>{}(),:|])"  # 5: punctuation
    r"|(.|\Z)"  # 6: anything else, or the end of the text
    r")",
    re.DOTALL,
)
_SCANNED_KIND = ("", "STRING", "", "DATE", "INT")


_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_VERBS = frozenset({"contraindicate", "caution", "recommend", "allow", "doubt"})
_URGENCIES = frozenset({"urgent", "routine"})
_VERDICT_WORDS = frozenset(
    {"contraindicated", "caution", "recommended", "allowed", "unassessed", "undetermined"}
)


class _NotFast(Exception):
    """The fast path gives up on this file: Lark reads it."""


def _int(text: str) -> int:
    if len(text) > MAX_DIGITS:  # Lark reports it (and Python refuses 4,300 digits)
        raise _NotFast
    return int(text)


def _fast_statements(source: Source) -> tuple[n.Statement, ...] | None:
    """The statements of a well-formed file, or None when Lark has to read it."""
    try:
        return _FastParser(source).statements()
    except (_NotFast, RecursionError):
        return None


def _scan(text: str) -> tuple[list[str], list[str], list[int], list[int], list[int]]:
    """Kinds, texts, lines, columns and end columns of the tokens, ending with `$END`."""
    kinds: list[str] = []
    values: list[str] = []
    lines: list[int] = []
    columns: list[int] = []
    ends: list[int] = []
    word_kind = _WORD_KIND.get
    scanned_kind = _SCANNED_KIND
    find = text.find
    line = 1
    line_start = 0
    next_newline = find("\n")  # tokens never hold one: only the gaps between them do
    if next_newline < 0:
        next_newline = len(text)
    word_end = -1  # where the last word or number ended: two may not touch (`3and`)
    for match in _SCAN.finditer(text):
        group = match.lastindex
        assert group is not None  # one group always matches
        value = match.group(group)
        if group == 2 or group == 4:
            if match.start(group) == word_end:
                raise _NotFast
            word_end = match.end(group)
        if group == 2:
            kinds.append(word_kind(value, "NAME"))
        elif group == 5:
            kinds.append(value)
        elif group == 6:
            if value:
                raise _NotFast
            kinds.append("$END")
        else:
            kinds.append(scanned_kind[group])
        start = match.start(group)
        while next_newline < start:
            line += 1
            line_start = next_newline + 1
            next_newline = find("\n", line_start)
            if next_newline < 0:
                next_newline = len(text)
        column = start - line_start + 1
        values.append(value)
        lines.append(line)
        columns.append(column)
        ends.append(column + len(value))
    if not kinds or kinds[-1] != "$END":
        raise _NotFast
    # room to look a few tokens past the end
    kinds += ["$END"] * 3
    values += [""] * 3
    return kinds, values, lines, columns, ends


def _unquote_text(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body:
        return body
    if re.search(r"\\[^\\\"]", body.replace("\\\\", "")):
        raise _NotFast
    return re.sub(r"\\([\\\"])", r"\1", body)


class _FastParser:
    """Recursive descent over the scanned tokens; each method takes the index of its first token
    and returns what it read with the index after it."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.kinds, self.values, self.lines, self.columns, self.ends = _scan(source.text)
        self.starters: dict[str, Callable[[int], tuple[n.Statement, int]]] = {
            "ruleset": self.ruleset_decl,
            "document": self.document_decl,
            "version": self.version_decl,
            "reviewed": self.reviewed_decl,
            "study": self.study_decl,
            "use": self.use_decl,
            "fact": self.fact_decl,
            "technique": self.technique_decl,
            "site": self.site_decl,
            "rule": self.rule,
            "if": self.rule,
            "test": self.test,
        }

    # tokens and spans
    def span(self, first: int, last: int) -> Span:
        lines = self.lines
        return Span(self.source, lines[first], self.columns[first], lines[last], self.ends[last])

    def expect(self, i: int, kind: str) -> int:
        if self.kinds[i] != kind:
            raise _NotFast
        return i + 1

    def ident(self, i: int) -> n.Ident:
        if self.kinds[i] != "NAME":
            raise _NotFast
        return n.Ident(self.values[i], self.span(i, i))

    def text(self, i: int) -> str:
        if self.kinds[i] != "STRING":
            raise _NotFast
        return _unquote_text(self.values[i])

    def optional_text(self, i: int) -> tuple[str | None, int]:
        if self.kinds[i] == "STRING":
            return _unquote_text(self.values[i]), i + 1
        return None, i

    def int_literal(self, i: int) -> n.Literal:
        if self.kinds[i] != "INT":
            raise _NotFast
        return n.Literal(_int(self.values[i]), self.span(i, i))

    def value(self, i: int) -> n.Literal:
        kind = self.kinds[i]
        if kind == "NAME":
            return n.Literal(self.values[i], self.span(i, i))
        if kind == "INT":
            return n.Literal(_int(self.values[i]), self.span(i, i))
        if kind == "true":
            return n.Literal(True, self.span(i, i))
        if kind == "false":
            return n.Literal(False, self.span(i, i))
        raise _NotFast

    def value_set(self, i: int) -> tuple[tuple[n.Literal, ...], int]:
        kinds = self.kinds
        if kinds[i] != "{":
            raise _NotFast
        found = [self.value(i + 1)]
        i += 2
        while kinds[i] == ",":
            found.append(self.value(i + 1))
            i += 2
        if kinds[i] != "}":
            raise _NotFast
        return tuple(found), i + 1

    def names(self, i: int, separator: str) -> tuple[tuple[n.Ident, ...], int]:
        """NAME (SEPARATOR NAME)*"""
        found = [self.ident(i)]
        i += 1
        while self.kinds[i] == separator:
            found.append(self.ident(i + 1))
            i += 2
        return tuple(found), i

    # file
    def statements(self) -> tuple[n.Statement, ...]:
        kinds = self.kinds
        starters = self.starters
        found: list[n.Statement] = []
        i = 0
        while kinds[i] != "$END":
            starter = starters.get(kinds[i])
            if starter is None:
                raise _NotFast
            statement, i = starter(i)
            found.append(statement)
        return tuple(found)

    def ruleset_decl(self, i: int) -> tuple[n.RulesetDecl, int]:
        name = self.ident(i + 1)
        title, j = self.optional_text(i + 2)
        return n.RulesetDecl(name, title, self.span(i, j - 1)), j

    def document_decl(self, i: int) -> tuple[n.DocumentDecl, int]:
        return n.DocumentDecl(self.text(i + 1), self.span(i, i + 1)), i + 2

    def version_decl(self, i: int) -> tuple[n.VersionDecl, int]:
        return n.VersionDecl(self.text(i + 1), self.span(i, i + 1)), i + 2

    def reviewed_decl(self, i: int) -> tuple[n.ReviewedDecl, int]:
        if self.kinds[i + 1] != "DATE":
            raise _NotFast
        try:
            date = datetime.date.fromisoformat(self.values[i + 1])
        except ValueError:
            raise _NotFast from None
        return n.ReviewedDecl(date, self.span(i, i + 1)), i + 2

    def study_decl(self, i: int) -> tuple[n.StudyDecl, int]:
        return n.StudyDecl(self.text(i + 1), self.span(i, i + 1)), i + 2

    def use_decl(self, i: int) -> tuple[n.UseDecl, int]:
        kind = self.kinds[i + 1]
        if kind == "STRING":
            return n.UseDecl(self.text(i + 1), True, self.span(i, i + 1)), i + 2
        if kind == "NAME":
            return n.UseDecl(self.values[i + 1], False, self.span(i, i + 1)), i + 2
        raise _NotFast

    # declarations
    def fact_decl(self, i: int) -> tuple[n.FactDecl, int]:
        kinds = self.kinds
        name = self.ident(i + 1)
        j = self.expect(i + 2, ":")
        kind = kinds[j]
        values: tuple[n.Ident, ...] = ()
        low = high = None
        if kind == "NAME":
            kind = "enum"
            values, j = self.names(j, "|")
        elif kind == "ordered":
            if kinds[j + 2] != "<":
                raise _NotFast
            values, j = self.names(j + 1, "<")
        elif kind == "int":
            low = self.int_literal(j + 1)
            self.expect(j + 2, "..")
            high = self.int_literal(j + 3)
            j += 4
        elif kind == "bool":
            j += 1
        elif kind == "set":
            values, j = self.names(self.expect(j + 1, "of"), "|")
        else:
            raise _NotFast
        session = kinds[j] == "session"
        description, j = self.optional_text(j + session)
        span = self.span(i, j - 1)
        decl = n.FactDecl(name, kind, values, low, high, description, span, session=session)
        return decl, j

    def technique_decl(self, i: int) -> tuple[n.TechniqueDecl, int]:
        name, parent, explicit, description, j = self.declared(i)
        span = self.span(i, j - 1)
        return n.TechniqueDecl(name, parent, description, span, explicit=explicit), j

    def site_decl(self, i: int) -> tuple[n.SiteDecl, int]:
        name, parent, explicit, description, j = self.declared(i)
        return n.SiteDecl(name, parent, description, self.span(i, j - 1), explicit=explicit), j

    def declared(self, i: int) -> tuple[n.Ident, n.Ident | None, bool, str | None, int]:
        """WORD NAME ["under" NAME] ["explicit"] [STRING]"""
        name = self.ident(i + 1)
        parent = None
        j = i + 2
        if self.kinds[j] == "under":
            parent = self.ident(j + 1)
            j += 2
        explicit = self.kinds[j] == "explicit"
        description, j = self.optional_text(j + explicit)
        return name, parent, explicit, description, j

    # rules
    def rule(self, i: int) -> tuple[n.RuleNode, int]:
        kinds = self.kinds
        rule_id = None
        j = i
        if kinds[j] == "rule":
            rule_id = self.ident(j + 1)
            j = self.expect(j + 2, ":")
        j = self.expect(j, "if")
        condition: n.Condition
        if kinds[j] == "always":
            condition, j = n.Always(self.span(j, j)), j + 1
        else:
            condition, j = self.or_(j, 0)
        action, j = self.action(self.expect(j, "then"))
        actions = [action]
        while kinds[j] == ",":
            action, j = self.action(j + 1)
            actions.append(action)
        because: str | None = None
        generalizes: str | None = None
        cites: list[n.Cite] = []
        while True:
            kind = kinds[j]
            if kind == "because":
                if because is not None:
                    raise _NotFast
                because = self.text(j + 1)
                j += 2
            elif kind == "generalizes":
                if generalizes is not None:
                    raise _NotFast
                generalizes = self.text(j + 1)
                j += 2
            elif kind == "cite":
                section, k = self.optional_text(j + 1)
                quote = self.text(self.expect(k, "quote"))
                cites.append(n.Cite(section, quote, self.span(j, k + 1)))
                j = k + 2
            else:
                break
        span = self.span(i, j - 1)
        node = n.RuleNode(
            rule_id, condition, tuple(actions), because, tuple(cites), span, generalizes=generalizes
        )
        return node, j

    # conditions
    def or_(self, i: int, depth: int) -> tuple[n.Condition, int]:
        return self.chain(i, depth, "or", self.and_, n.Or)

    def and_(self, i: int, depth: int) -> tuple[n.Condition, int]:
        return self.chain(i, depth, "and", self.not_, n.And)

    def chain(
        self,
        i: int,
        depth: int,
        word: str,
        operand: Callable[[int, int], tuple[n.Condition, int]],
        node: type[n.Or] | type[n.And],
    ) -> tuple[n.Condition, int]:
        """Operands joined by `word` (`or`, `and`): one alone is itself, not a one-part node."""
        first, j = operand(i, depth)
        kinds = self.kinds
        if kinds[j] != word:
            return first, j
        operands = [first]
        while kinds[j] == word:
            nxt, j = operand(j + 1, depth)
            operands.append(nxt)
        return node(tuple(operands), self.span(i, j - 1)), j

    def not_(self, i: int, depth: int) -> tuple[n.Condition, int]:
        if self.kinds[i] != "not":
            return self.atom(i, depth)
        if depth >= MAX_NESTING:
            raise _NotFast
        operand, j = self.not_(i + 1, depth + 1)
        return n.Not(operand, self.span(i, j - 1)), j

    def atom(self, i: int, depth: int) -> tuple[n.Condition, int]:
        kinds = self.kinds
        kind = kinds[i]
        if kind == "(":
            if depth >= MAX_NESTING:
                raise _NotFast
            inner, j = self.or_(i + 1, depth + 1)
            return inner, self.expect(j, ")")
        fact = self.ident(i)
        kind = kinds[i + 1]
        if kind in _COMPARISONS:
            value = self.value(i + 2)
            return n.Compare(fact, kind, value, self.span(i, i + 2)), i + 3
        if kind == "in":
            values, j = self.value_set(i + 2)
            return n.InSet(fact, values, False, self.span(i, j - 1)), j
        if kind == "not":
            values, j = self.value_set(self.expect(i + 2, "in"))
            return n.InSet(fact, values, True, self.span(i, j - 1)), j
        if kind == "has":
            mode = kinds[i + 2]
            if mode == "any" or mode == "all":
                values, j = self.value_set(i + 3)
                return n.Has(fact, mode, values, self.span(i, j - 1)), j
            value = self.value(i + 2)
            return n.Has(fact, "one", (value,), self.span(i, i + 2)), i + 3
        if kind == "is":
            known = kinds[i + 2]
            if known != "known" and known != "unknown":
                raise _NotFast
            return n.Known(fact, known == "known", self.span(i, i + 2)), i + 3
        return n.Truthy(fact, self.span(i, i)), i + 1

    # actions
    def action(self, i: int) -> tuple[n.Action, int]:
        kind = self.kinds[i]
        if kind in _VERBS:
            techniques, j = self.targets(i + 1)
            sites: tuple[n.Ident, ...] = ()
            if self.kinds[j] == "at":
                sites, j = self.targets(j + 1)
            note, j = self.optional_text(j)
            return n.VerdictAction(kind, techniques, sites, note, self.span(i, j - 1)), j
        if kind == "refer":
            urgency = self.kinds[i + 1]
            if urgency not in _URGENCIES:
                raise _NotFast
            return n.Refer(urgency, self.text(i + 2), self.span(i, i + 2)), i + 3
        if kind == "require":
            name = self.ident(i + 1)
            text, j = self.optional_text(i + 2)
            return n.Require(name, text, self.span(i, j - 1)), j
        if kind == "advise":
            topic = None
            j = i + 1
            if self.kinds[j] == "NAME":
                topic = self.ident(j)
                j += 1
            return n.Advise(self.text(j), self.span(i, j), topic=topic), j + 1
        raise _NotFast

    def targets(self, i: int) -> tuple[tuple[n.Ident, ...], int]:
        kind = self.kinds[i]
        if kind == "NAME":
            return (self.ident(i),), i + 1
        if kind != "{":
            raise _NotFast
        found, j = self.names(i + 1, ",")
        return found, self.expect(j, "}")

    # tests
    def test(self, i: int) -> tuple[n.TestNode, int]:
        kinds = self.kinds
        name = self.text(i + 1)
        j = self.expect(self.expect(i + 2, ":"), "given")
        givens: tuple[n.Given, ...] = ()
        if kinds[j] == "nothing":
            j += 1
        else:
            given, j = self.given(j)
            found = [given]
            while kinds[j] == ",":
                given, j = self.given(j + 1)
                found.append(given)
            givens = tuple(found)
        expectation, j = self.expectation(self.expect(j, "expect"))
        expectations = [expectation]
        while kinds[j] == ",":
            expectation, j = self.expectation(j + 1)
            expectations.append(expectation)
        return n.TestNode(name, givens, tuple(expectations), self.span(i, j - 1)), j

    def given(self, i: int) -> tuple[n.Given, int]:
        fact = self.ident(i)
        j = self.expect(i + 1, "=")
        value: n.Literal | tuple[n.Literal, ...]
        if self.kinds[j] != "{":
            value = self.value(j)
            j += 1
        elif self.kinds[j + 1] == "}":
            value = ()
            j += 2
        else:
            value, j = self.value_set(j)
        return n.Given(fact, value, self.span(i, j - 1)), j

    def expectation(self, i: int) -> tuple[n.Expectation, int]:
        kind = self.kinds[i]
        if kind in _VERDICT_WORDS:
            technique = self.ident(i + 1)
            site = None
            j = i + 2
            if self.kinds[j] == "at":
                site = self.ident(j + 1)
                j += 2
            return n.ExpectVerdict(kind, technique, site, self.span(i, j - 1)), j
        if kind == "referral":
            urgency = self.kinds[i + 1]
            if urgency != "none" and urgency not in _URGENCIES:
                raise _NotFast
            value = None if urgency == "none" else urgency
            return n.ExpectReferral(value, self.span(i, i + 1)), i + 2
        if kind == "requirement":
            name = None if self.kinds[i + 1] == "none" else self.ident(i + 1)
            return n.ExpectRequirement(name, self.span(i, i + 1)), i + 2
        if kind == "missing":
            return n.ExpectMissing(self.ident(i + 1), self.span(i, i + 1)), i + 2
        if kind == "disagreement":
            return n.ExpectDisagreement(self.ident(i + 1), self.span(i, i + 1)), i + 2
        if kind == "fires":
            return n.ExpectFires(self.ident(i + 1), self.span(i, i + 1)), i + 2
        raise _NotFast
