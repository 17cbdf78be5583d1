"""What the language server knows about one `.rules` document, without any protocol: its
diagnostics, the names under the cursor, hovers, completions, definitions, references and
symbols. `server.py` turns these into LSP messages.

Positions here are 0-based (line, character), as LSP counts; spans are 1-based, as the
compiler counts. Characters are counted in code points (the rules language is ASCII outside
strings and comments).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

from ..analysis import kb_sources
from ..diagnostics import Diagnostic
from ..engine.kb import KnowledgeBase
from ..errors import RulesError
from ..model.load import load_modules
from ..model.model import ActionKind, FactKind
from ..model.validate import validate
from ..syntax.grammar import keywords
from ..syntax.source import IDENTIFIER, Source, Span

__all__ = ["Document", "Place", "check", "replacement", "word_at"]

_DID_YOU_MEAN = re.compile(r"did you mean `([A-Za-z_][A-Za-z0-9_]*)`")
#: words that start an action: a technique (or a referral's addressee) follows
_ACTIONS = tuple(kind.value for kind in ActionKind)


@attrs.frozen
class Place:
    """A 0-based range in a file."""

    path: Path | None
    line: int
    character: int
    end_line: int
    end_character: int

    @classmethod
    def of(cls, span: Span) -> Place:
        return cls(
            span.source.path, span.line - 1, span.column - 1, span.end_line - 1,
            span.end_column - 1,
        )  # fmt: skip


@attrs.frozen
class Document:
    """One checked document: its diagnostics, and the knowledge base when it compiled."""

    path: Path | None
    text: str
    diagnostics: tuple[Diagnostic, ...]
    kb: KnowledgeBase | None


def replacement(hint: str | None) -> str | None:
    """The name a "did you mean" hint offers, if any (what a quick fix writes)."""
    match = _DID_YOU_MEAN.search(hint or "")
    return match[1] if match else None


def check(text: str, path: Path | None) -> Document:
    """Compile `text` as the file `path` (its `use` imports resolve beside it): every error,
    or the file's own warnings."""
    name = str(path) if path is not None else "<editor>"
    source = Source(name=name, text=text, path=path)
    base = path.parent if path is not None else None
    try:
        kb = KnowledgeBase(validate(load_modules(source, base), None))
    except RulesError as exc:
        return Document(path, text, tuple(e.diagnostic() for e in exc.errors), None)
    own = tuple(w.diagnostic() for w in kb.warnings if w.span.source is source or (
        path is not None and w.span.source.path == path))  # fmt: skip
    return Document(path, text, own, kb)


def word_at(text: str, line: int, character: int) -> tuple[str, int, int] | None:
    """The identifier at a 0-based position: (word, start, end) on that line."""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    for match in IDENTIFIER.finditer(lines[line]):
        if match.start() <= character <= match.end():
            return match[0], match.start(), match.end()
    return None


def _code_parts(line: str) -> Iterator[tuple[int, str]]:
    """The parts of a line outside strings and comments, with their offsets."""
    start, i, quoted = 0, 0, False
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted, start = False, i + 1
        elif ch == '"':
            yield start, line[start:i]
            quoted = True
        elif ch == "#":
            yield start, line[start:i]
            return
        i += 1
    if not quoted:
        yield start, line[start:]


def occurrences(source: Source, name: str) -> Iterator[Place]:
    """Where `name` is written as code (not in a string or comment) in `source`."""
    for number, line in enumerate(source.text.split("\n")):
        for offset, part in _code_parts(line):
            for match in IDENTIFIER.finditer(part):
                if match[0] == name:
                    start = offset + match.start()
                    yield Place(source.path, number, start, number, start + len(name))


def definition(kb: KnowledgeBase, name: str) -> Place | None:
    """Where a name is declared (a value: its fact's declaration)."""
    span: Span | None = None
    if name in kb.facts:
        span = kb.facts[name].span
    elif name in kb.techniques:
        span = kb.techniques[name].span
    elif name in kb.sites:
        span = kb.sites[name].span
    else:
        rule = next((r for r in kb.rules if r.id == name), None)
        if rule is not None:
            span = rule.span
        else:
            fact = next((f for f in kb.facts.values() if name in f.values), None)
            span = fact.span if fact is not None else None
    return Place.of(span) if span is not None else None


def references(kb: KnowledgeBase, name: str, current: Source | None = None) -> list[Place]:
    """Every place a name is written, in the document and every file it uses."""
    sources = {s.name: s for s in kb_sources(kb)}
    if current is not None:  # the editor's text, not the file on disk
        sources = {n: s for n, s in sources.items() if s.path != current.path}
        sources[current.name] = current
    return [place for source in sources.values() for place in occurrences(source, name)]


def hover(kb: KnowledgeBase, name: str) -> str | None:
    """Markdown about a name: its declaration, and what uses it."""
    titles = {info.name: info.label for info in kb.rulesets}
    if name in kb.facts:
        fact = kb.facts[name]
        readers = [r.id for r in kb.rules if name in r.facts]
        text = f"**fact** `{name}`: {fact.kind.value}, {fact.allowed()}"
        if fact.description:
            text += f"\n\n{fact.description}"
        text += f"\n\nRead by {len(readers)} rule(s)" + (
            f": {', '.join(f'`{r}`' for r in readers[:12])}" if readers else ""
        )
        return text + ("…" if len(readers) > 12 else "")
    for kind, nodes in (("technique", kb.techniques), ("site", kb.sites)):
        if name in nodes:
            node = nodes[name]
            text = f"**{kind}** `{name}`"
            if node.parent:
                text += f" under `{node.parent}`"
            if node.explicit:
                text += " (explicit: a permission above it does not reach it)"
            if node.description:
                text += f"\n\n{node.description}"
            field = "technique" if kind == "technique" else "site"
            users = [r.id for r in kb.rules if any(getattr(a, field) == name for a in r.actions)]
            text += f"\n\nNamed by {len(users)} rule(s)" + (
                f": {', '.join(f'`{r}`' for r in users[:12])}" if users else ""
            )
            return text
    rule = next((r for r in kb.rules if r.id == name), None)
    if rule is not None:
        text = f"**rule** `{rule.id}` ({rule.ruleset})"
        if rule.because:
            text += f"\n\n{rule.because}"
        for cite in rule.cites:
            where = f" ({cite.section})" if cite.section else ""
            text += f"\n\n> {cite.quote}{where}"
        title = titles.get(rule.ruleset)
        if title:
            text += f"\n\n— {title}"
        return text
    facts = [f.name for f in kb.facts.values() if name in f.values]
    if facts:
        return f"**value** `{name}` of " + ", ".join(f"`{f}`" for f in facts)
    return None


def completions(
    kb: KnowledgeBase | None, text: str, line: int, character: int
) -> list[tuple[str, str]]:
    """(label, kind) candidates at a 0-based position: a fact's values after a comparison,
    techniques after an action word, sites after `at`, else keywords and fact names."""
    lines = text.split("\n")
    before = lines[line][:character] if 0 <= line < len(lines) else ""
    before = re.sub(r"[A-Za-z_][A-Za-z0-9_]*$", "", before)  # the word being typed
    words = sorted(keywords())
    if kb is None:
        return [(w, "keyword") for w in words]
    value = re.search(
        r"([a-z_][a-z0-9_]*)\s*(?:=|!=|<=|>=|<|>|\bin\s*\{[^}]*|has\s+(?:any|all)?\s*\{?[^}]*)\s*$",
        before,
    )
    if value and value[1] in kb.facts:
        fact = kb.facts[value[1]]
        if fact.kind is FactKind.BOOL:
            return [("true", "value"), ("false", "value")]
        return [(v, "value") for v in fact.values]
    if re.search(r"\bat\s*\{?[\w\s,]*$", before):
        return [(s, "site") for s in kb.sites]
    head = re.search(r"\b(" + "|".join(_ACTIONS) + r")\b[^\n]*$", before)
    if head and "because" not in before and "at" not in before.split()[-1:]:
        return [(t, "technique") for t in kb.techniques]
    return [(w, "keyword") for w in words] + [(f, "fact") for f in kb.facts]


def symbols(kb: KnowledgeBase, path: Path | None) -> list[tuple[str, str, Place]]:
    """(name, kind, place) of what the document itself declares: facts, techniques, sites,
    rules and tests."""
    found: list[tuple[str, str, Place]] = []

    def mine(span: Span | None) -> bool:
        return span is not None and (span.source.path == path or span.source.name == "<editor>")

    for name, fact in kb.facts.items():
        if mine(fact.span):
            assert fact.span is not None
            found.append((name, "fact", Place.of(fact.span)))
    for kind, nodes in (("technique", kb.techniques), ("site", kb.sites)):
        for name, node in nodes.items():
            if mine(node.span):
                assert node.span is not None
                found.append((name, kind, Place.of(node.span)))
    for rule in kb.rules:
        if mine(rule.span):
            assert rule.span is not None
            found.append((rule.id, "rule", Place.of(rule.span)))
    for _ruleset, test in kb.tests:
        if mine(test.span):
            found.append((test.name, "test", Place.of(test.span)))
    return sorted(found, key=lambda item: (item[2].line, item[2].character))
