"""Comments: found beside the parse, so that the formatter can put every one back."""

from __future__ import annotations

from . import nodes as n
from .source import Source, Span

__all__ = ["comments"]


def comments(source: Source) -> tuple[n.Comment, ...]:
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
