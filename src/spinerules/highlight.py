"""A Pygments lexer for `.rules` files, registered as `spinerules` through the
`pygments.lexers` entry point (so `pygmentize -l spinerules`, Sphinx and MkDocs code blocks
find it). Keywords come from the grammar itself (`syntax.grammar.keywords`).

It needs Pygments, which whatever highlights code already has; spinerules does not depend on
it otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from .syntax.grammar import keywords

__all__ = ["RulesLexer"]

#: keywords that are followed by the name they declare
_DECLARING = ("fact", "technique", "site", "rule", "ruleset")
_CONSTANTS = ("true", "false")


class RulesLexer(RegexLexer):  # type: ignore[misc]  # Pygments has no type hints
    """Lexer for spinerules `.rules` files."""

    name = "spinerules"
    aliases: ClassVar[list[str]] = ["spinerules", "rules"]
    filenames: ClassVar[list[str]] = ["*.rules"]
    mimetypes: ClassVar[list[str]] = ["text/x-spinerules"]
    url = "https://spinerules.invalid/docs/language.md"

    _other = sorted(keywords() - set(_DECLARING) - set(_CONSTANTS), key=len, reverse=True)

    tokens: ClassVar[dict[str, list]] = {  # type: ignore[type-arg]
        "root": [
            (r"[ \t]+", Whitespace),
            (r"\n", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"', String.Double, "string"),
            (r"(rule|test)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(fact|technique|site|ruleset)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (words(_DECLARING, suffix=r"\b"), Keyword.Declaration),
            (words(_CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(_other, suffix=r"\b"), Keyword),
            (r"\d{4}-\d{2}-\d{2}\b", Number.Other),  # a review date
            (r"-?\d+", Number.Integer),
            (r"\.\.", Operator),  # a range, 0..10
            (r"!=|<=|>=|=|<|>", Operator),
            (r"[{}(),:|]", Punctuation),
            (r"[a-z_][a-z0-9_]*", Name),
            # anything else is not the language: an Error token
        ],
        "string": [
            (r'\\.', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", String.Double),
        ],
    }  # fmt: skip
