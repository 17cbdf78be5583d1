"""The one shape and the one renderer of everything spinerules reports about a file: errors,
warnings and notes of rules files, and analysis findings.

A `Diagnostic` has a severity, a stable code, a message (lower case, user input in
backticks), a span and an optional hint. `render()` draws it the way compilers do, with the
source line and a caret; `to_dict()` is its JSON form. Where a file is shown, it is shown as a
path the user can open (`where`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from .syntax.source import Source, Span

__all__ = ["Diagnostic", "Style", "plain", "shown_file", "where"]

#: `style(text, *names)`: colours for a terminal (`names`: bold, red, blue, ...), or nothing
Style = Callable[..., str]


def plain(text: str, *names: str) -> str:
    return text


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.endswith(".rules") or text in (".", "..")


def display(path: Path) -> str:
    """A path relative to the working directory when inside it, else as it is."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def shown_file(source: Source) -> str:
    """The file as the user can open it (`Source.shown`)."""
    return source.shown


def where(span: Span) -> str:
    """`file:line:col`, with the file as the user can open it."""
    return f"{shown_file(span.source)}:{span.line}:{span.column}"


def _here(text: str | None) -> str | None:
    """Paths inside the working directory, in a message or hint, shown relative to it."""
    if text is None:
        return None
    return text.replace(f"{Path.cwd()}{os.sep}", "")


@attrs.frozen
class Diagnostic:
    severity: str  # "error" | "warning" | "note"
    code: str
    message: str
    span: Span
    hint: str | None = None

    @property
    def file(self) -> str:
        return shown_file(self.span.source)

    def key(self) -> tuple[str, int, int, str, str]:
        source = self.span.source
        place = str(source.path) if source.path is not None else source.name
        return (place, self.span.line, self.span.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": where(self.span),
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": _here(self.message),
            "hint": _here(self.hint),
            "source_line": self.span.source.line(self.span.line),
        }

    def render(self, style: Style = plain) -> str:
        """`file:line:col: severity: message`, the source line with a caret under the span,
        and the hint."""
        colour = {"error": "red", "warning": "yellow"}.get(self.severity, "cyan")
        head = (
            style(f"{self.file}:{self.span.line}:{self.span.column}:", "bold")
            + " "
            + style(f"{self.severity}:", "bold", colour)
            + " "
            + (_here(self.message) or "")
        )
        lines = [head]
        if self.span.source.text:  # a file that could not be read has no line to show
            text, caret = self.span.snippet().split("\n", 1)
            pad = caret[: len(caret) - len(caret.lstrip())]
            number = str(self.span.line)
            gutter = " " * len(number)
            bar = style("|", "blue")
            lines.append(f" {style(number, 'blue')} {bar} {text}".rstrip())
            lines.append(f" {gutter} {bar} {pad}" + style(caret.lstrip(), "bold", colour))
        if self.hint:
            gutter = " " * len(str(self.span.line))
            lines.append(f" {gutter} {style('= hint:', 'bold', 'cyan')} {_here(self.hint)}")
        return "\n".join(lines)
