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
from lark.common import LexerConf
from lark.exceptions import UnexpectedCharacters
from lark.lark import PostLex
from lark.lexer import Lexer, PatternStr

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


#: the grammar's pattern terminals, in the order the scanner tries them (a date before a
#: number, a number before a name); `_Scanner` refuses a grammar with others
_PATTERNS = ("STRING", "DATE", "INT", "NAME")


class _Scanner(Lexer):
    """The lexer of the node builder: one regular expression made from the grammar's own
    terminals, tried once per token (Lark's lexers try each terminal in turn, and reading
    the tokens was two thirds of reading a large file).

    It gives the contextual lexer's tokens on every text that parses: a word is a keyword when
    it is spelled as one, else a name (the grammar's NAME leaves every keyword out), and no
    two terminals match the same text. It is not asked about text that does not parse: the
    builder's failure sends the text to `checker_parser`, whose contextual lexer finds and
    describes the error (tests/test_parse.py compares the two lexers' tokens)."""

    __future_interface__ = 0  # `lex(text)`

    def __init__(self, conf: LexerConf) -> None:
        words: dict[str, str] = {}
        symbols: dict[str, str] = {}
        patterns: dict[str, str] = {}
        for term in conf.terminals:
            if isinstance(term.pattern, PatternStr):
                spelled = term.pattern.value
                (words if WORD.fullmatch(spelled) else symbols)[spelled] = term.name
            elif term.name not in conf.ignore:
                patterns[term.name] = term.pattern.to_regexp()
        if set(patterns) != set(_PATTERNS) or set(conf.ignore) != {"WS", "COMMENT"}:
            raise AssertionError(f"the scanner does not know these terminals: {sorted(patterns)}")
        by_length = sorted(symbols, key=len, reverse=True)  # `<=` before `<`
        alternatives = [
            r"(?P<_space>[ \t\f\r\n]+)",
            r"(?P<_comment>#[^\n]*)",
            *(f"(?P<{name}>{patterns[name]})" for name in _PATTERNS),
            r"(?P<_word>[a-z_][a-z0-9_]*)",  # what NAME left: a keyword
            f"(?P<_symbol>{'|'.join(map(re.escape, by_length))})",
        ]
        self._match = re.compile("|".join(alternatives)).match
        self._words = words
        self._symbols = symbols

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        match, words, symbols = self._match, self._words, self._symbols
        pos, line, line_start, end = 0, 1, 0, len(text)
        while pos < end:
            found = match(text, pos)
            if found is None:
                raise UnexpectedCharacters(text, pos, line, pos - line_start + 1)  # type: ignore[no-untyped-call]
            kind, value, stop = found.lastgroup, found.group(), found.end()
            if kind == "_space":
                breaks = value.count("\n")
                if breaks:
                    line += breaks
                    line_start = pos + value.rindex("\n") + 1
            elif kind != "_comment":
                if kind == "_word":
                    kind = words.get(value)
                elif kind == "_symbol":
                    kind = symbols[value]
                if kind is None:  # a word the grammar spells only with others: not a token
                    raise UnexpectedCharacters(text, pos, line, pos - line_start + 1)  # type: ignore[no-untyped-call]
                column = pos - line_start + 1
                yield Token(kind, value, pos, line, column, line, column + len(value), stop)
            pos = stop


def _lark(lexer: str | type[Lexer] = "contextual", **options: Any) -> lark.Lark:
    return lark.Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer=lexer,
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
    return _lark(_Scanner, keep_all_tokens=True, transformer=callbacks)


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
