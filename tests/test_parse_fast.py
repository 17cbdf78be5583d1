"""The fast reader in parse.py builds exactly the nodes and spans the Lark parser builds, or steps
aside and lets Lark read the file (and report its errors).

Every file here is read both ways: `_fast_statements` (None when it steps aside) and
`_lark_statements` (the grammar in grammar/spinerules.lark, lowered by `_Lower`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinerules._resources import grammar_path
from spinerules.errors import RulesError
from spinerules.syntax import nodes as n
from spinerules.syntax import reader as p
from spinerules.syntax.source import Source, Span
from spinerules.testing import rule_sources

ROOT = Path(__file__).resolve().parent.parent


def _shape(value: Any, source: Source, out: list[Any], path: str = "") -> list[Any]:
    """Every node, field value and span position, in order, for an exact comparison."""
    if isinstance(value, Span):
        assert value.source is source
        out.append((path, value.line, value.column, value.end_line, value.end_column))
    elif isinstance(value, tuple):
        out.append((path, "tuple", len(value)))
        for i, item in enumerate(value):
            _shape(item, source, out, f"{path}[{i}]")
    elif attrs.has(type(value)):
        out.append((path, type(value).__name__))
        for field in attrs.fields(type(value)):
            _shape(getattr(value, field.name), source, out, f"{path}.{field.name}")
    else:
        out.append((path, type(value).__name__, repr(value)))
    return out


def _lark(source: Source) -> tuple[n.Statement, ...] | None:
    try:
        return p._lark_statements(source)
    except RulesError:
        return None


def same_or_aside(text: str) -> bool:
    """Read `text` both ways: if the fast reader reads it, Lark must read it the same. True when
    the fast reader read it."""
    source = Source(name="t.rules", text=text)
    fast = p._fast_statements(source)
    if fast is None:
        return False
    slow = _lark(source)
    assert slow is not None, "the fast reader accepted text the grammar rejects"
    assert _shape(fast, source, []) == _shape(slow, source, [])
    return True


def test_the_reserved_words_are_the_grammars() -> None:
    grammar = grammar_path().read_text(encoding="utf-8")
    lookahead = re.search(r"NAME: /\(\?!\(\?:([a-z|]+)\)", grammar)
    assert lookahead is not None
    assert set(lookahead.group(1).split("|")) == p._RESERVED
    assert p.keywords() == p._RESERVED


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "rulesets").glob("*.rules")) + sorted((ROOT / "examples").glob("*.rules")),
    ids=lambda path: path.name,
)
def test_shipped_and_example_files(path: Path) -> None:
    assert same_or_aside(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("keyed", [False, True])
def test_generated_benchmark_files(keyed: bool) -> None:
    if not (ROOT / "benchmarks" / "synth.py").exists():
        pytest.skip("benchmarks/ is not here")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.synth import generate_ruleset, to_rules_text

    assert same_or_aside(to_rules_text(generate_ruleset(400, seed=7, keyed=keyed)))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sources())
def test_generated_files(text: str) -> None:
    assert same_or_aside(text)


_SNIPPETS = [
    *("(", ")", "{", "}", ",", ":", "|", "<", "<=", ">", ">=", "=", "!=", "..", "-"),
    *("not", "and", "or", "in", "has", "any", "all", "is", "known", "unknown", "then", "if"),
    *("rule", "x", "true", "false", "none", "1", "-1", "01", "-0", "2026-01-31", "2026-02-30"),
    *('"s"', '"a\\b"', '"a\\"b"', '"\\\\"', "because", "cite", "quote", "at", "under"),
    *("contraindicated", "contraindicate", "caution", "recommended", "allowed", "refer"),
    *("test", "given", "expect", "nothing", "referral", "requirement", "missing", "fires"),
    *("fact", "int", "bool", "set", "of", "ordered", "technique", "site", "use", "reviewed"),
    *("#c\n", "\n", " ", "\t", "\f", "\v", "A", "é", "thenx", "iff", "_", "__x9", "\u2028"),
]


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sources(), st.data())
def test_edited_generated_files(text: str, data: st.DataObject) -> None:
    """Broken or odd text: the fast reader either reads it as Lark does or steps aside."""
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()):
            text = text[:at] + data.draw(st.sampled_from(_SNIPPETS)) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(1, 12)) :]
    same_or_aside(text)


@pytest.mark.parametrize(
    "text",
    [
        # Lark's contextual lexer splits a keyword glued to a name; the fast reader steps aside
        "technique t\ntechniquex\n",
        "fact f: bool\ntechnique t\nif f then cautiont\n",
        # errors, reported by Lark
        "if f then\n",
        'if f then advise "a\\qb"\n',
        "reviewed 2026-02-30\n",
        'if f then advise "x" because "a" because "b"\n',
        "fact p: int 01..3\n",
        "fact F: bool\n",
        "if f then advise x\n",
        'if f then advise "open\n',
        "fact f: ordered a <= b\n",
        'if f\v then advise "x"\n',
    ],
)
def test_what_the_fast_reader_leaves_to_lark(text: str) -> None:
    assert not same_or_aside(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment",
        "\n\n  \t\f\n",
        'ruleset r\nruleset r "t"\ndocument "d"\nversion "1"\nreviewed 2026-01-31\nstudy "s"\n',
        'use vocabulary\nuse "a/b.rules"\n',
        'fact a: x | y "d"\nfact b: ordered lo < mid < hi\nfact c: int -3..0\nfact d: bool\n',
        "fact e: set of p | q\nfact g: set of p\n",
        'technique t\ntechnique u under t "d"\nsite s "x"\nsite z under s\n',
        "rule r1: if a = x and not (b > lo or c <= -1) then contraindicate {t, u} at s\n",
        'if (((a))) and ((b) or c) then caution t at {s, z}, refer urgent "gp", advise "x"\n',
        'if e has p or e has any {p, q} or e has all {p} then require r "why", require q\n',
        "if a in {x} and a not in {y, x} and d is known and d is unknown and d then allow t\n",
        'if d = true and d != false and c >= 2 then recommend t "n" because "b" cite quote "q"\n',
        'if not not d then allow t cite "s" quote "q" cite quote "r" because "\\"b\\\\"\n',
        'test "t": given nothing expect contraindicated t, caution t at s, referral none\n',
        'test "u": given a = x, e = {}, e = {p, q}, c = 1, d = false expect referral urgent,\n'
        "  requirement none, requirement r, missing a, disagreement t, fires r1, allowed t\n",
        'if d then advise "tab\there, é and \u2028 and \f"  # a comment "with quotes"\n'
        "\tif d then allow t\n",
    ],
)
def test_every_construct(text: str) -> None:
    assert same_or_aside(text)


def test_deep_nesting_is_left_to_lark() -> None:
    limit = p.MAX_NESTING
    assert same_or_aside(f"if {'(' * limit}d{')' * limit} then allow t")
    assert same_or_aside(f"if {'not ' * limit}d then allow t")
    assert not same_or_aside(f"if {'(' * (limit + 1)}d{')' * (limit + 1)} then allow t")
    assert not same_or_aside(f"if {'not ' * (limit + 1)}d then allow t")
