"""The grammar, loaded once: the Lark parsers built from grammar/spinerules.lark, its keywords
and how its terminals are called in messages. Everything that knows a word of the language
learns it here, from the grammar itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import lark
from lark import Token
from lark.lark import PostLex
from lark.lexer import PatternStr

from .._resources import grammar_path

__all__ = [
    "Glued",
    "builder_parser",
    "checker_parser",
    "keywords",
    "statement_words",
    "words_of",
]

_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "INT": "a whole number",
    "DATE": "a date like 2026-01-31",
    "$END": "the end of the file",
}


class Glued(Exception):
    """Two words with nothing between them, which the contextual lexer read as two tokens."""

    def __init__(self, first: Token, second: Token) -> None:
        super().__init__(f"{first}{second}")
        self.first = first
        self.second = second


WORD = re.compile(r"-?[a-z0-9_]+")


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
                and WORD.fullmatch(str(before))
                and WORD.fullmatch(str(token))
            ):
                raise Glued(before, token)
            yield token
            before = token


def _lark(**options: Any) -> lark.Lark:
    return lark.Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        maybe_placeholders=True,
        postlex=_NoGluedWords(),
        **options,
    )


@cache
def checker_parser() -> lark.Lark:
    """The grammar alone, for finding and describing syntax errors (the tree is not used)."""
    return _lark()


def builder_parser(callbacks: object) -> lark.Lark:
    """The grammar with `callbacks` building the nodes during the parse (no tree): every token
    is kept, so that a node's span runs from its first token to its last."""
    return _lark(keep_all_tokens=True, transformer=callbacks)


@cache
def terminal_names() -> dict[str, str]:
    """How a terminal is called in a message: `then`, a name, the end of the file."""
    names = dict(_TERMINAL_WORDS)
    for term in checker_parser().terminals:
        if isinstance(term.pattern, PatternStr):
            names[term.name] = f"`{term.pattern.value}`"
    return names


@cache
def keywords() -> frozenset[str]:
    """The reserved words of the language: every word the grammar spells out."""
    word = re.compile(r"[a-z_]+")
    return frozenset(
        term.pattern.value
        for term in checker_parser().terminals
        if isinstance(term.pattern, PatternStr) and word.fullmatch(term.pattern.value)
    )


@cache
def words_of(rule: str) -> tuple[str, ...]:
    """The words a grammar rule of plain alternatives spells out, in the grammar's order:
    `words_of("verdict_verb")` is `("contraindicate", "caution", ...)`."""
    parser = checker_parser()
    spelled = {
        t.name: t.pattern.value for t in parser.terminals if isinstance(t.pattern, PatternStr)
    }
    found = tuple(
        spelled[r.expansion[0].name]
        for r in parser.rules
        if r.origin.name == rule and len(r.expansion) == 1 and r.expansion[0].name in spelled
    )
    if not found:
        raise ValueError(f"the grammar has no rule `{rule}` of plain words")
    return found


@cache
def statement_words() -> frozenset[str]:
    """The words a statement can start with, read from the parser's first state."""
    first: set[str] = checker_parser().parse_interactive("").accepts()  # type: ignore[no-untyped-call]
    names = terminal_names()
    return frozenset(names[t].strip("`") for t in first if t in names and t != "$END")
