"""The formatter: one canonical layout for a rules file, keeping every comment.

`format_text(text)` parses the text and writes it back in the canonical layout:

- one statement per line or block; rules and tests as indented blocks, one clause a line
  (`if`, `then`, `because`, each `cite`; `given`, `expect`);
- canonical spelling of every condition and action (`unparse.py`), single spaces, no
  redundant parentheses;
- lines that would pass `WIDTH` columns are broken at the top-level `and`/`or` of a
  condition, between actions, between the values of a fact and between givens and
  expectations (strings are never broken);
- blank lines kept where the author put them (at most one in a row), and always one between
  two statements when either of them takes several lines;
- every comment kept, in order: a comment on a line of its own stays on a line of its own
  before the clause that followed it; a comment after code stays at the end of the line of
  the clause it was written on.

The layout depends only on the syntax tree and the comments, so formatting is idempotent.
Before returning, the result is parsed again and compared with the original: the same
statements (so the same rules, ids and tests) and the same comments, or `FormatError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from . import nodes as n
from .reader import parse
from .source import Source, Span
from .unparse import action_text, condition_text, literal_text, quote

__all__ = [
    "WIDTH",
    "FormatError",
    "expectation_text",
    "format_module",
    "format_text",
    "given_text",
]

#: Lines longer than this are broken where the language allows it.
WIDTH = 100
_STEP = "  "
_BLANK = " \t\r"  # what ends a line without meaning anything (the grammar's whitespace)


class FormatError(RuntimeError):
    """The formatter would have changed what a file means (a bug: please report it)."""


# ---- canonical text of test parts -------------------------------------------------------------


def given_text(given: n.Given) -> str:
    """`fact = value` as written in a test's `given` (a set as `{a, b}`)."""
    if isinstance(given.value, tuple):
        value = "{" + ", ".join(literal_text(v) for v in given.value) + "}"
    else:
        value = literal_text(given.value)
    return f"{given.fact.name} = {value}"


def expectation_text(exp: n.Expectation) -> str:
    """One expectation of a test's `expect` clause, canonical."""
    if isinstance(exp, n.ExpectVerdict):
        text = f"{exp.verdict} {exp.technique.name}"
        return text + (f" at {exp.site.name}" if exp.site is not None else "")
    if isinstance(exp, n.ExpectReferral):
        return f"referral {exp.urgency or 'none'}"
    if isinstance(exp, n.ExpectRequirement):
        return f"requirement {exp.name.name if exp.name is not None else 'none'}"
    if isinstance(exp, n.ExpectMissing):
        return f"missing {exp.fact.name}"
    if isinstance(exp, n.ExpectDisagreement):
        return f"disagreement {exp.technique.name}"
    return f"fires {exp.rule.name}"


_PRECEDENCE = {n.Or: 1, n.And: 2, n.Not: 3}


def _lay(
    cond: n.Condition, col: int, parent: int, anchor: int, tail: int = 0
) -> list[tuple[str, int]]:
    """A condition laid out from column `col`: on one line if it fits, else broken before its
    `and`s or `or`s (as many operands on a line as fit), continuations starting under the first
    operand. The first line's text starts at `col`; later lines carry their own indentation;
    `tail` columns (closing parentheses of enclosing groups) will follow the last line. Each
    line comes with the source line it starts at (`anchor` for the first)."""
    flat = condition_text(cond, parent)
    if col + len(flat) + tail <= WIDTH:
        return [(flat, anchor)]
    if isinstance(cond, n.Not):
        inner = _lay(cond.operand, col + 4, 3, anchor, tail)
        return [("not " + inner[0][0], anchor), *inner[1:]]
    if not isinstance(cond, n.And | n.Or):
        return [(flat, anchor)]
    mine = _PRECEDENCE[type(cond)]
    word = "and" if isinstance(cond, n.And) else "or"
    paren = mine < parent
    start = col + 1 if paren else col
    inner_tail = tail + 1 if paren else tail  # the closing parenthesis follows the last operand
    lines: list[tuple[str, int]] = []
    last = len(cond.operands) - 1
    for i, op in enumerate(cond.operands):
        level = mine + 1 if type(op) is type(cond) else mine
        after = inner_tail if i == last else 0
        if not lines:
            lines = _lay(op, start, level, anchor, after)
            continue
        piece = f" {word} {condition_text(op, level)}"
        end = start + len(lines[0][0]) if len(lines) == 1 else len(lines[-1][0])
        if end + len(piece) + after <= WIDTH:
            lines[-1] = (lines[-1][0] + piece, lines[-1][1])
        else:
            sub = _lay(op, start + len(word) + 1, level, op.span.line, after)
            lines.append((" " * start + f"{word} " + sub[0][0], op.span.line))
            lines += sub[1:]
    if paren:
        lines[0] = ("(" + lines[0][0], lines[0][1])
        lines[-1] = (lines[-1][0] + ")", lines[-1][1])
    return lines


# ---- output lines -----------------------------------------------------------------------------


@attrs.define
class _Line:
    """One output line of a statement; `anchor` is the source line its text came from."""

    text: str
    anchor: int
    trailing: str | None = None
    before: list[tuple[int, int, str]] = attrs.field(factory=list)  # (line, col, comment)

    @property
    def indent(self) -> str:
        return self.text[: len(self.text) - len(self.text.lstrip(" "))]


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"|#[^\n]*|[a-z_][a-z0-9_]*|\S')


def _keyword_lines(span: Span) -> dict[str, list[int]]:
    """Source line of each keyword in a statement (strings and comments skipped), in order."""
    lines = _source_lines(span.source)
    found: dict[str, list[int]] = {}
    for number in range(span.line, min(span.end_line, len(lines)) + 1):
        text = lines[number - 1]
        start = span.column - 1 if number == span.line else 0
        end = span.end_column - 1 if number == span.end_line else len(text)
        for match in _TOKEN.finditer(text, start, end):
            word = match.group()
            if word[0].isalpha() or word[0] == "_":
                found.setdefault(word, []).append(number)
    return found


def _source_lines(source: Source) -> list[str]:
    """The lines as the parser counts them: only "\n" ends a line (not U+2028, form feeds...)."""
    return [line.removesuffix("\r") for line in source.text.split("\n")]


def _fill(head: str, items: Sequence[tuple[str, int]], sep: str, indent: str) -> list[_Line]:
    """`head` then the items, as many on a line as fit; continuations aligned under the first."""
    out: list[_Line] = []
    current = head
    anchor = items[0][1] if items else 0
    for i, (text, line) in enumerate(items):
        piece = text + (sep if i < len(items) - 1 else "")
        if current != head and len(current) + len(piece.rstrip()) > WIDTH:
            out.append(_Line(current.rstrip(), anchor))
            current, anchor = indent, line
        current += piece
    out.append(_Line(current.rstrip(), anchor))
    return out


def _with_description(lines: list[_Line], description: str | None, span: Span) -> list[_Line]:
    if description is None:
        return lines
    text = quote(description)
    if len(lines[-1].text) + 1 + len(text) <= WIDTH:
        lines[-1].text += " " + text
    else:  # the description is the last token of the declaration
        lines.append(_Line(_STEP + text, span.end_line))
    return lines


# ---- statements -------------------------------------------------------------------------------


def _fact(decl: n.FactDecl) -> list[_Line]:
    head = f"fact {decl.name.name}: "
    line = decl.span.line
    if decl.kind == "bool":
        lines = [_Line(head + "bool", line)]
    elif decl.kind == "int":
        assert decl.low is not None and decl.high is not None
        lines = [_Line(f"{head}int {literal_text(decl.low)}..{literal_text(decl.high)}", line)]
    else:
        prefix = {"enum": "", "ordered": "ordered ", "set": "set of "}[decl.kind]
        sep = " < " if decl.kind == "ordered" else " | "
        values = [v.name for v in decl.values]
        one = head + prefix + sep.join(values)
        if decl.session:
            one += " session"
        if len(one) <= WIDTH:
            return _with_description([_Line(one, line)], decl.description, decl.span)
        indent = " " * len(head)
        lines = [_Line(head + prefix + values[0], line)]
        current = lines[0]
        for value in decl.values[1:]:
            piece = sep + value.name
            if len(current.text) + len(piece) > WIDTH:
                current = _Line(indent + sep.strip() + " " + value.name, value.span.line)
                lines.append(current)
            else:
                current.text += piece
    if decl.session:
        if len(lines[-1].text) + len(" session") <= WIDTH:
            lines[-1].text += " session"
        else:
            lines.append(_Line(_STEP + "session", decl.span.end_line))
    return _with_description(lines, decl.description, decl.span)


def _node_decl(decl: n.TechniqueDecl | n.SiteDecl) -> list[_Line]:
    word = "technique" if isinstance(decl, n.TechniqueDecl) else "site"
    text = f"{word} {decl.name.name}"
    if decl.parent is not None:
        text += f" under {decl.parent.name}"
    if decl.explicit:
        text += " explicit"
    return _with_description([_Line(text, decl.span.line)], decl.description, decl.span)


def _header(stmt: n.Statement) -> str:
    if isinstance(stmt, n.RulesetDecl):
        title = f" {quote(stmt.title)}" if stmt.title is not None else ""
        return f"ruleset {stmt.name.name}{title}"
    if isinstance(stmt, n.DocumentDecl):
        return f"document {quote(stmt.document)}"
    if isinstance(stmt, n.VersionDecl):
        return f"version {quote(stmt.version)}"
    if isinstance(stmt, n.ReviewedDecl):
        return f"reviewed {stmt.date.isoformat()}"
    if isinstance(stmt, n.StudyDecl):
        return f"study {quote(stmt.study)}"
    assert isinstance(stmt, n.UseDecl)
    return f"use {quote(stmt.target) if stmt.is_path else stmt.target}"


def _rule(rule: n.RuleNode) -> list[_Line]:
    words = _keyword_lines(rule.span)
    cond = condition_text(rule.condition)
    actions = [action_text(a) for a in rule.actions]
    start = rule.span.line
    one = f"if {cond} then {', '.join(actions)}"
    bare = rule.because is None and rule.generalizes is None and not rule.cites
    if rule.id is None and bare and len(one) <= WIDTH:
        return [_Line(one, start)]
    out: list[_Line] = []
    if rule.id is not None:
        out.append(_Line(f"rule {rule.id.name}:", start))
        base, first = _STEP, _STEP
    else:
        base, first = _STEP, ""
    if_line = words.get("if", [start])[0]
    laid = _lay(rule.condition, len(first) + 3, 0, if_line)
    out.append(_Line(f"{first}if {laid[0][0]}", if_line))
    out += [_Line(text, anchor) for text, anchor in laid[1:]]
    then_line = words.get("then", [rule.actions[0].span.line])[0]
    items = [(t, a.span.line) for t, a in zip(actions, rule.actions, strict=True)]
    lines = _fill(f"{base}then ", items, ", ", " " * len(f"{base}then "))
    lines[0].anchor = then_line
    out += lines
    if rule.because is not None:
        out.append(_Line(f"{base}because {quote(rule.because)}", words["because"][0]))
    if rule.generalizes is not None:
        line = words.get("generalizes", [rule.span.end_line])[0]
        out.append(_Line(f"{base}generalizes {quote(rule.generalizes)}", line))
    for cite in rule.cites:
        section = f" {quote(cite.section)}" if cite.section is not None else ""
        out.append(_Line(f"{base}cite{section} quote {quote(cite.quote)}", cite.span.line))
    return out


def _test(test: n.TestNode) -> list[_Line]:
    words = _keyword_lines(test.span)
    out = [_Line(f"test {quote(test.name)}:", test.span.line)]
    given_line = words.get("given", [test.span.line])[0]
    if test.givens:
        items = [(given_text(g), g.span.line) for g in test.givens]
        lines = _fill(f"{_STEP}given ", items, ", ", " " * len(f"{_STEP}given "))
    else:
        lines = [_Line(f"{_STEP}given nothing", given_line)]
    lines[0].anchor = given_line
    out += lines
    expect_line = words.get("expect", [test.expectations[0].span.line])[0]
    items = [(expectation_text(e), e.span.line) for e in test.expectations]
    lines = _fill(f"{_STEP}expect ", items, ", ", " " * len(f"{_STEP}expect "))
    lines[0].anchor = expect_line
    return out + lines


def _statement(stmt: n.Statement) -> list[_Line]:
    if isinstance(stmt, n.RuleNode):
        return _rule(stmt)
    if isinstance(stmt, n.TestNode):
        return _test(stmt)
    if isinstance(stmt, n.FactDecl):
        return _fact(stmt)
    if isinstance(stmt, n.TechniqueDecl | n.SiteDecl):
        return _node_decl(stmt)
    return [_Line(_header(stmt), stmt.span.line)]


# ---- the file ---------------------------------------------------------------------------------


@attrs.define
class _Item:
    """A statement (with the comments written inside it) or a comment on a line of its own."""

    first: int  # first source line
    last: int  # last source line
    lines: list[_Line]
    statement: bool
    after: list[tuple[int, int, str]] = attrs.field(factory=list)


def _place(item: _Item, line: int, col: int, text: str, trailing: bool) -> None:
    lines = item.lines
    if trailing:
        i = max((k for k, ln in enumerate(lines) if ln.anchor <= line), default=0)
        if lines[i].trailing is None:
            lines[i].trailing = text
            return
        # a second comment for the same output line goes on its own line below it
        if i + 1 < len(lines):
            lines[i + 1].before.append((line, col, text))
        else:
            item.after.append((line, col, text))
        return
    later = [k for k, ln in enumerate(lines) if ln.anchor > line]
    if later:
        lines[later[0]].before.append((line, col, text))
    elif len(lines) == 1:  # inside a one-line statement: above it, where it is read first
        lines[0].before.append((line, col, text))
    else:
        item.after.append((line, col, text))


def format_module(module: n.Module) -> str:
    """The module in the canonical layout (not checked: use `format_text`)."""
    text_lines = _source_lines(module.source)
    items = [_Item(s.span.line, s.span.end_line, _statement(s), True) for s in module.statements]
    for comment in module.comments:
        line, col = comment.span.line, comment.span.column
        text = comment.text.rstrip(_BLANK)
        trailing = bool(text_lines[line - 1][: col - 1].strip())
        owners = [it for it in items if it.first <= line <= it.last]
        if trailing:
            assert owners, "code before a comment belongs to a statement"
            _place(owners[-1], line, col, text, True)
        elif owners:
            _place(owners[-1], line, col, text, False)
        else:
            items.append(_Item(line, line, [_Line(text, line)], False))
    items.sort(key=lambda it: (it.first, not it.statement))

    out: list[str] = []
    previous: _Item | None = None
    for item in items:
        if previous is not None:
            both = previous.statement and item.statement
            tall = len(previous.lines) > 1 or len(item.lines) > 1
            if (both and tall) or item.first - previous.last > 1:
                out.append("")
        for ln in item.lines:
            for _, _, text in sorted(ln.before):
                out.append(ln.indent + text)
            out.append(ln.text + (f"  {ln.trailing}" if ln.trailing is not None else ""))
        out.extend(text for _, _, text in sorted(item.after))
        previous = item
    return "\n".join(out) + "\n" if out else ""


def format_text(text: str, name: str = "<text>") -> str:
    """Format rules text. Raises `RulesError` when the text does not parse, and `FormatError`
    if the result would not mean exactly the same as the input (which would be a bug)."""
    module = parse(Source(name=name, text=text))
    result = format_module(module)
    check_same(module, parse(Source(name=name, text=result)))
    return result


def check_same(before: n.Module, after: n.Module) -> None:
    """Raise `FormatError` unless both modules have the same statements and comments."""
    if before.statements != after.statements:
        for old, new in zip(before.statements, after.statements, strict=False):
            if old != new:
                raise FormatError(
                    f"{before.source.name}:{old.span.line}: formatting would change this "
                    "statement; the file was left as it is (please report this as a bug)"
                )
        raise FormatError(f"{before.source.name}: formatting would add or drop statements")
    if _comment_texts(before.comments) != _comment_texts(after.comments):
        raise FormatError(f"{before.source.name}: formatting would lose or change a comment")


def _comment_texts(comments: Sequence[n.Comment]) -> list[str]:
    return sorted(c.text.rstrip(_BLANK) for c in comments)


def is_formatted(text: str, name: str = "<text>") -> bool:
    return format_text(text, name) == text
