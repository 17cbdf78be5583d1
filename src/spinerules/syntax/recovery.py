"""Syntax errors as a user should see them: every broken statement of a file, each with what
was expected in the user's words, a hint where one helps, and limits checked before Lark would
build a tree too deep to walk."""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any

import lark
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import RulesError, RulesSyntaxError
from ..suggest import did_you_mean
from .grammar import (
    WORD,
    Glued,
    checker_parser,
    keywords,
    statement_words,
    terminal_names,
    words_of,
)
from .nodes import MAX_NESTING
from .source import Source, Span

__all__ = ["broken_lines", "check_nesting", "glued_error", "syntax_errors"]


@cache
def _statement_start() -> re.Pattern[str]:
    words = sorted(statement_words(), key=len, reverse=True)
    return re.compile(rf"^({'|'.join(words)})\b")


def syntax_errors(source: Source, whole: bool = False) -> list[RulesError]:
    """Parse each top-level statement alone, so that one mistake does not hide the next (and
    with `whole`, the whole file when every piece parses)."""
    return [error for _, _, error in _pieces(source, whole) if error is not None]


def broken_lines(source: Source) -> list[tuple[int, int]]:
    """The (first, end) line ranges (0-based, end exclusive) of the statements that do not
    parse: what recovery leaves out to read the rest."""
    out = []
    for first_line, chunk, error in _pieces(source, whole=False):
        if error is not None:
            out.append((first_line, first_line + chunk.count("\n") + (not chunk.endswith("\n"))))
    return out


def _pieces(source: Source, whole: bool) -> list[tuple[int, str, RulesError | None]]:
    """Each statement (or the whole file) with its syntax error, if any. A statement cut short
    at the end of its piece takes in the pieces after it that start with `if`: a rule written
    without indentation (`rule a:` / `if ...` on the next line) is one statement, although a
    line starting with `if` may also start one."""
    pieces = [(0, source.text)] if whole else _chunks(source.text)
    out: list[tuple[int, str, RulesError | None]] = []
    i = 0
    while i < len(pieces):
        first_line, chunk = pieces[i]
        error, at_end = _parse_piece(source, first_line, chunk)
        j = i + 1
        if error is not None and at_end:
            merged = chunk
            while j < len(pieces) and pieces[j][1].startswith("if"):
                merged += pieces[j][1]
                j += 1
                again, still_at_end = _parse_piece(source, first_line, merged)
                if again is None:
                    chunk, error = merged, None
                    break
                if not still_at_end:
                    break
            if error is not None:
                j = i + 1
        out.append((first_line, chunk, error))
        i = j
    return out


def _parse_piece(source: Source, first_line: int, chunk: str) -> tuple[RulesError | None, bool]:
    """The piece's syntax error (None if it parses), and whether the parse ran out of text."""
    try:
        checker_parser().parse(chunk)
    except UnexpectedInput as exc:
        at_end = isinstance(exc, UnexpectedEOF) or (
            isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
        )
        return _syntax_error(source, exc, first_line, chunk), at_end
    except Glued as exc:
        return glued_error(source, exc.first, exc.second, first_line), False
    return None, False


def glued_error(source: Source, first: Token, second: Token, line_offset: int) -> RulesError:
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


def check_nesting(source: Source) -> None:
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
        if token[0] in '#"':  # a comment or a string
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
    starts = [i for i, line in enumerate(lines) if _statement_start().match(line)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    return [(a, "".join(lines[a:b])) for a, b in itertools.pairwise(bounds)]


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"`{token.value}`"


_VALUE_TERMINALS = frozenset({"NAME", "INT", "TRUE", "FALSE"})


@cache
def _name_after() -> dict[str, str]:
    """What a name means after each word: "expected a technique name", not "expected a name"."""
    return {
        **dict.fromkeys(words_of("verdict_verb"), "a name of a technique"),
        **dict.fromkeys((*words_of("verdict_word"), "disagreement"), "a name of a technique"),
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
    statements = {t for t in names if terminal_names().get(t, "").strip("`") in statement_words()}
    new_statement = len(statements) >= 3
    if new_statement:
        names -= statements | {"$END"}
    if "NAME" in names and after is not None:
        meaning = _name_after().get(str(after.value))
        if meaning is not None:
            names.discard("NAME")
            words.append(meaning)
    words = sorted({terminal_names().get(t, t.lower()) for t in names}) + words
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
            words = [terminal_names().get(t, "").strip("`") for t in accepted]
            hint = did_you_mean(str(token.value), [w for w in words if w in keywords()])
        if hint is None and token.type == "EQUAL" and before and before[-1].type == "EQUAL":
            hint = "equality is written with one `=`"
        if hint is None and token.type == "STRING" and accepted and "NAME" in accepted:
            inner = str(token.value)[1:-1]
            if re.fullmatch(r"-?[0-9]+|[a-z_][a-z0-9_]*", inner):  # `"true"`, `"acute"`, `"3"`
                hint = f"drop the quotes: {inner}"
        # `thenn`: the contextual lexer read `then`, then refused `n` where an action must come
        last = before[-1] if before else None
        if (
            last is not None
            and token.type != "$END"
            and last.end_pos == token.start_pos
            and WORD.fullmatch(str(last))
            and WORD.fullmatch(str(token))
        ):
            return glued_error(source, last, token, line_offset)
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
