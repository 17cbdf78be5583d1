"""How commands write: colour and aligned tables on a terminal, plain text when piped, and
the small phrases several commands share."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ..diagnostics import shown_file
from ..engine.result import Result
from ..model.model import Rule, Verdict

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}

VERDICT_STYLE = {
    Verdict.CONTRAINDICATED: ("bold", "red"),
    Verdict.CAUTION: ("bold", "yellow"),
    Verdict.RECOMMENDED: ("green",),
    Verdict.ALLOWED: ("green",),
    Verdict.UNASSESSED: ("dim",),
    Verdict.UNDETERMINED: ("bold", "magenta"),
}


class Out:
    """Where a command writes: colour and tables on a terminal, plain text when piped."""

    def __init__(self, stream: TextIO, err: TextIO, color: bool, width: int | None) -> None:
        self.stream = stream
        self.err = err
        self.color = color
        self.width = width  # None: never cut lines (piped)

    @classmethod
    def for_streams(cls, stream: TextIO, err: TextIO, mode: str = "auto") -> Out:
        tty = _isatty(stream)
        if mode == "always":
            color = True
        elif mode == "never":
            color = False
        else:
            color = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        width = shutil.get_terminal_size((100, 24)).columns if tty else None
        return cls(stream, err, color, width)

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def error(self, text: str) -> None:
        """A usage or input problem, on stderr."""
        self.err.write(f"spinerules: {text}\n")

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]]
    ) -> None:
        """Columns aligned to their widest cell. On a terminal: a bold header over a rule, and
        the last column wrapped to the terminal's width; piped: plain aligned text, one row a
        line, nothing wrapped."""
        widths = [len(h) for h in header]
        for row in rows:
            for i, (cell, _) in enumerate(row):
                widths[i] = max(widths[i], len(cell))
        indent = "  "
        start = len(indent) + sum(w + 2 for w in widths[:-1])
        room = None if self.width is None else self.width - start - 1
        if room is not None and room < 20:
            room = None  # too narrow to wrap usefully: let the terminal fold it

        def render(cells: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
            *first, (last, last_style) = cells
            parts = [self.style(text.ljust(widths[i]), *st) for i, (text, st) in enumerate(first)]
            pieces = textwrap.wrap(last, room) if room is not None and last else [last]
            lines = [(indent + "  ".join([*parts, self.style(pieces[0], *last_style)])).rstrip()]
            lines += [" " * start + self.style(piece, *last_style) for piece in pieces[1:]]
            return lines

        bold = ("bold",)
        for text in render([(h, bold) for h in header]):
            self.line(text)
        if self.width is not None:
            last = min(widths[-1], room or widths[-1])
            self.line(indent + "  ".join("─" * w for w in [*widths[:-1], last]))
        for row in rows:
            for text in render(row):
                self.line(text)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


#: the version of every `--format json` output's shape, its first key (docs/cli.md)
JSON_SCHEMA = 1


def emit_json(out: Out, payload: Mapping[str, Any]) -> None:
    """Print a `--format json` answer: an object whose first key is `"schema"`."""
    out.line(json.dumps({"schema": JSON_SCHEMA, **payload}, indent=2, ensure_ascii=False))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def rule_location(rule: Rule) -> str:
    if rule.span is None:
        return rule.ruleset
    return f"{shown_file(rule.span.source)}:{rule.span.line}"


def facts_line(res: Result) -> str:
    given = res.facts
    if not given:
        return "nothing (every fact unknown)"
    return ", ".join(f"{k}={show(v)}" for k, v in given.items())


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "{" + ", ".join(str(v) for v in value) + "}"
    return str(value)


def citation(reason: Any) -> str:
    where = reason.document or reason.ruleset
    text = f"{where} § {reason.section}" if reason.section else str(where)
    return text + (" [generalized to every condition]" if reason.generalized else "")


def first_of(items: list[str]) -> str:
    """The first item, and how many more there are."""
    return items[0] + (f" (+{len(items) - 1})" if len(items) > 1 else "")


def section(out: Out, title: str) -> None:
    out.line()
    out.line(out.style(title, "bold"))
