"""Source text and positions in it.

A `Source` is the text of one rules file with the name it is shown under; a `Span` points into it
and can draw the line it covers with a caret, so that any error anywhere can show where it is.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import attrs

__all__ = ["IDENTIFIER", "Source", "Span"]

#: a name as it is written in a rules file, or as an editor picks a word out of one
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _universal_newlines(text: str) -> str:
    """Text as the parser reads it: `\r\n` and a lone `\r` end lines like `\n` (as when a file
    is read in text mode), and a leading byte-order mark is not part of the text."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _written_as_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith(".rules") or text in (".", "..")


@attrs.frozen(eq=False, slots=False)
class Source:
    """The text of one rules file.

    `name` is what messages show (a path, a shipped ruleset's name, or ``<text>``); `path` is the
    file it was read from, if any, and is what relative `use` imports resolve against.
    """

    name: str
    text: str = attrs.field(converter=_universal_newlines)
    path: Path | None = None
    #: SHA-256 of the bytes the text was decoded from, when it was read from a file
    digest: str | None = None

    @property
    def shown(self) -> str:
        """The file as a user can open it: as written when given as a relative path, else its
        path relative to the working directory when inside it, else its absolute path (a
        shipped ruleset too: `rulesets/vocabulary.rules` in a checkout, the installed file's
        path elsewhere); the name when there is no file."""
        if self.path is None:
            return self.name
        name = Path(self.name)
        if _written_as_path(self.name) and not name.is_absolute():
            return self.name
        try:
            return (
                str(self.path.relative_to(Path.cwd()))
                if self.path.is_absolute()
                else str(self.path)
            )
        except ValueError:
            return str(self.path)

    def line(self, number: int) -> str:
        """The text of line `number` (1-based), without its line break; empty past the end.
        Only "\n" ends a line, as for the parser (`str.splitlines` would also split at form
        feeds, U+2028 and others, and put carets on the wrong line)."""
        starts = self._starts
        if not 1 <= number <= len(starts):
            return ""
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end].removesuffix("\r")

    @functools.cached_property
    def _starts(self) -> list[int]:
        """Where each line starts: found once, so that showing many errors of one large file
        costs each error its own line, not another pass over the whole text."""
        text = self.text
        starts = [0]
        at = text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        return starts


@attrs.frozen(eq=False, weakref_slot=False)
class Span:
    """A range of a `Source`: 1-based line and column of its start and end (end exclusive)."""

    source: Source
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.name

    def location(self) -> str:
        """``file:line:col``, the way compilers and editors write a position, with the file as
        a user can open it (`Source.shown`)."""
        return f"{self.source.shown}:{self.line}:{self.column}"

    def snippet(self) -> str:
        """The first line of the span and a caret line under the part the span covers."""
        text = self.source.line(self.line)
        start = max(self.column - 1, 0)
        if self.end_line == self.line and self.end_column > self.column:
            width = self.end_column - self.column
        else:
            width = max(len(text) - start, 1)
        width = max(min(width, max(len(text) - start, 1)), 1)
        prefix = "".join("\t" if ch == "\t" else " " for ch in text[:start])
        return f"{text}\n{prefix}{'^' * width}"

    def __repr__(self) -> str:
        return f"Span({self.location()})"
