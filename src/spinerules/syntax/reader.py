"""Text to syntax tree: one reader, Lark's LALR parser with the node-building callbacks of
`build.py`, and, when a file does not parse, every broken statement reported in the user's
words (`recovery.py`).

`parse(source)` returns a `nodes.Module` or raises `RulesSyntaxError` (one mistake) or
`RulesErrors` (several).
"""

from __future__ import annotations

import re
import threading
from typing import Any

import lark
from lark.exceptions import UnexpectedInput, VisitError

from ..errors import RulesError, RulesSyntaxError, raise_all
from . import nodes as n
from .build import Build, LoweringError
from .comments import comments
from .grammar import Glued, builder_parser, keywords
from .recovery import broken_lines, check_nesting, syntax_errors
from .source import Source, Span

__all__ = ["keywords", "parse", "parse_recovering", "parse_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_local = threading.local()


def _builder() -> tuple[lark.Lark, Build]:
    """This thread's parser and the callbacks it calls (they hold the source being read)."""
    found: tuple[lark.Lark, Build] | None = getattr(_local, "builder", None)
    if found is None:
        build = Build()
        found = _local.builder = (builder_parser(build), build)
    return found


def parse_text(text: str, name: str = "<text>") -> n.Module:
    return parse(Source(name=name, text=text))


def parse(source: Source) -> n.Module:
    _check_unicode(source)
    check_nesting(source)
    parser, build = _builder()
    build.source = source
    statements: Any
    try:
        statements = parser.parse(source.text)
    except (UnexpectedInput, Glued):
        raise_all(syntax_errors(source) or syntax_errors(source, whole=True))
        raise AssertionError("unreachable: a failed parse reports at least one error") from None
    except LoweringError as exc:
        raise RulesSyntaxError(exc.message, exc.span, exc.hint) from None
    except VisitError as exc:  # pragma: no cover - Lark wraps callback errors in some versions
        if isinstance(exc.orig_exc, LoweringError):
            error = exc.orig_exc
            raise RulesSyntaxError(error.message, error.span, error.hint) from None
        raise
    finally:
        build.source = Source("<text>", "")
    return n.Module(source=source, statements=tuple(statements), comments=comments(source))


def parse_recovering(source: Source) -> tuple[n.Module | None, list[RulesError], str]:
    """Like `parse`, but a file with syntax errors still gives the statements that do parse:
    (module or None, the errors, the text of the statements left out). The broken statements
    are blanked out (their characters replaced by spaces, line breaks kept), so every other
    statement keeps its place; names and types of what remains can then be checked in the
    same run as the syntax."""
    try:
        return parse(source), [], ""
    except RulesError as exc:
        errors: list[RulesError] = list(exc.errors)
    broken = broken_lines(source)
    if not broken:
        return None, errors, ""
    lines = source.text.split("\n")
    left_out = []
    for first, end in broken:
        for i in range(first, min(end, len(lines))):
            left_out.append(lines[i])
            lines[i] = " " * len(lines[i])
    blanked = "\n".join(lines)
    parser, build = _builder()
    build.source = source  # spans point into the real text: every position is unchanged
    try:
        statements: Any = parser.parse(blanked)
    except (UnexpectedInput, Glued, LoweringError, VisitError):
        return None, errors, ""
    finally:
        build.source = Source("<text>", "")
    module = n.Module(source=source, statements=tuple(statements), comments=comments(source))
    return module, errors, "\n".join(left_out)


def _check_unicode(source: Source) -> None:
    """Only a Python string can hold a lone surrogate (a file is decoded strictly)."""
    bad = _SURROGATE.search(source.text)
    if bad is None:
        return
    before = source.text[: bad.start()]
    line = before.count("\n") + 1
    column = bad.start() - (before.rfind("\n") + 1) + 1
    shown = Source(source.name, _SURROGATE.sub("\ufffd", source.text), source.path)
    raise RulesSyntaxError(
        f"the text holds a lone surrogate (U+{ord(bad.group()):04X}), which is not Unicode text",
        Span(shown, line, column, line, column + 1),
        "decode the file as UTF-8 without `surrogateescape`, or remove the character",
    )
