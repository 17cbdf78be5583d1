"""Every grammar construct parses to the node it should."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lark import Token

from spinerules.errors import RulesError
from spinerules.syntax import nodes as n
from spinerules.syntax.grammar import _Scanner, checker_parser
from spinerules.syntax.reader import parse_text
from spinerules.syntax.samples import rule_sources
from spinerules.syntax.source import Source
from spinerules.syntax.unparse import condition_text


def only(text: str) -> n.Statement:
    (stmt,) = parse_text(text).statements
    return stmt


def cond_of(text: str) -> n.Condition:
    rule = only(f"if {text} then allow t")
    assert isinstance(rule, n.RuleNode)
    return rule.condition


def test_the_product_card_line_parses() -> None:
    rule = only("if phase=acute and condition=herniation then contraindicate manual_pressure")
    assert isinstance(rule, n.RuleNode)
    assert rule.id is None
    assert condition_text(rule.condition) == "phase = acute and condition = herniation"
    (action,) = rule.actions
    assert isinstance(action, n.VerdictAction)
    assert (action.verb, [t.name for t in action.techniques]) == (
        "contraindicate",
        ["manual_pressure"],
    )


def test_header_statements() -> None:
    module = parse_text(
        'ruleset herniation "Title"\ndocument "002.txt"\nversion "1.2.0"\n'
        'reviewed 2026-11-22\nstudy "BMJ Open (2023)"\nuse vocabulary\nuse "local/x.rules"\n'
    )
    kinds = [type(s) for s in module.statements]
    assert kinds == [
        n.RulesetDecl,
        n.DocumentDecl,
        n.VersionDecl,
        n.ReviewedDecl,
        n.StudyDecl,
        n.UseDecl,
        n.UseDecl,
    ]
    ruleset, _, _, reviewed, _, use_name, use_path = module.statements
    assert isinstance(ruleset, n.RulesetDecl) and ruleset.title == "Title"
    assert isinstance(reviewed, n.ReviewedDecl) and reviewed.date == datetime.date(2026, 11, 22)
    assert isinstance(use_name, n.UseDecl) and not use_name.is_path
    assert isinstance(use_path, n.UseDecl) and use_path.is_path
    assert use_path.target == "local/x.rules"


@pytest.mark.parametrize(
    ("text", "kind", "values", "low", "high"),
    [
        ("fact c: a | b | c", "enum", ["a", "b", "c"], None, None),
        ("fact p: ordered low < mid < high", "ordered", ["low", "mid", "high"], None, None),
        ("fact s: int 0..10", "int", [], 0, 10),
        ("fact t: int -5..5", "int", [], -5, 5),
        ("fact f: bool", "bool", [], None, None),
        ("fact s: set of x | y", "set", ["x", "y"], None, None),
    ],
)
def test_fact_kinds(
    text: str, kind: str, values: list[str], low: int | None, high: int | None
) -> None:
    decl = only(text)
    assert isinstance(decl, n.FactDecl)
    assert decl.kind == kind
    assert [v.name for v in decl.values] == values
    assert (decl.low.value if decl.low else None) == low
    assert (decl.high.value if decl.high else None) == high


def test_declarations_take_a_description_and_a_parent() -> None:
    fact = only('fact fever: bool "Is the temperature raised?"')
    assert isinstance(fact, n.FactDecl) and fact.description == "Is the temperature raised?"
    tech = only('technique deep_pressure under manual_pressure "firm pressure"')
    assert isinstance(tech, n.TechniqueDecl)
    assert tech.parent is not None and tech.parent.name == "manual_pressure"
    assert tech.description == "firm pressure"
    site = only("site affected_segment under lumbar_spine")
    assert isinstance(site, n.SiteDecl) and site.parent is not None


@pytest.mark.parametrize(
    ("text", "node", "canonical"),
    [
        ("a = x", n.Compare, "a = x"),
        ("a != x", n.Compare, "a != x"),
        ("a < x", n.Compare, "a < x"),
        ("a <= 3", n.Compare, "a <= 3"),
        ("a > x", n.Compare, "a > x"),
        ("a >= -2", n.Compare, "a >= -2"),
        ("a = true", n.Compare, "a = true"),
        ("a in {x, y}", n.InSet, "a in {x, y}"),
        ("a not in {x}", n.InSet, "a not in {x}"),
        ("s has x", n.Has, "s has x"),
        ("s has any {x, y}", n.Has, "s has any {x, y}"),
        ("s has all {x, y}", n.Has, "s has all {x, y}"),
        ("fever", n.Truthy, "fever"),
        ("not fever", n.Not, "not fever"),
        ("a is known", n.Known, "a is known"),
        ("a is unknown", n.Known, "a is unknown"),
        ("a = x and b = y", n.And, "a = x and b = y"),
        ("a = x or b = y", n.Or, "a = x or b = y"),
        ("(a = x)", n.Compare, "a = x"),
    ],
)
def test_condition_forms(text: str, node: type, canonical: str) -> None:
    cond = cond_of(text)
    assert isinstance(cond, node)
    assert condition_text(cond) == canonical


def test_precedence_not_then_and_then_or() -> None:
    cond = cond_of("not a or b and c")
    assert isinstance(cond, n.Or)
    left, right = cond.operands
    assert isinstance(left, n.Not)
    assert isinstance(right, n.And)
    grouped = cond_of("(a or b) and c")
    assert isinstance(grouped, n.And) and isinstance(grouped.operands[0], n.Or)
    assert condition_text(grouped) == "(a or b) and c"


def test_all_action_forms() -> None:
    rule = only(
        'rule r1: if a then contraindicate t, caution t at s "gently", recommend {t, u}, '
        'allow t at {s, z}, refer urgent "GP", refer routine "physio", require consult, '
        'require imaging "MRI first", advise "rest"'
    )
    assert isinstance(rule, n.RuleNode)
    assert rule.id is not None and rule.id.name == "r1"
    kinds = [type(a).__name__ for a in rule.actions]
    assert kinds == ["VerdictAction"] * 4 + ["Refer", "Refer", "Require", "Require", "Advise"]
    caution = rule.actions[1]
    assert isinstance(caution, n.VerdictAction)
    assert [s.name for s in caution.sites] == ["s"] and caution.note == "gently"
    recommend = rule.actions[2]
    assert isinstance(recommend, n.VerdictAction)
    assert [t.name for t in recommend.techniques] == ["t", "u"]
    refer = rule.actions[4]
    assert isinstance(refer, n.Refer) and (refer.urgency, refer.to) == ("urgent", "GP")
    req = rule.actions[7]
    assert isinstance(req, n.Require) and req.text == "MRI first"


def test_rule_metadata() -> None:
    rule = only('if a then allow t because "why" cite "Section" quote "first" cite quote "second"')
    assert isinstance(rule, n.RuleNode)
    assert rule.because == "why"
    assert [(c.section, c.quote) for c in rule.cites] == [("Section", "first"), (None, "second")]


def test_strings_unescape_and_keep_unicode() -> None:
    rule = only(r'if a then advise "say \"no\" to it\\ — don’t"')
    assert isinstance(rule, n.RuleNode)
    advise = rule.actions[0]
    assert isinstance(advise, n.Advise)
    assert advise.text == 'say "no" to it\\ — don’t'


def test_in_file_tests() -> None:
    test = only(
        'test "acute herniation blocks pressure":\n'
        "  given condition = herniation, phase = acute, symptoms = {numbness}, fever = true,"
        " pain_score = 7, other = {}\n"
        "  expect contraindicated manual_pressure, undetermined swedish at lumbar_spine,"
        " referral none, referral urgent, requirement none, requirement consult,"
        " missing phase, disagreement massage, fires r1"
    )
    assert isinstance(test, n.TestNode)
    assert test.name == "acute herniation blocks pressure"
    assert [g.fact.name for g in test.givens] == [
        "condition",
        "phase",
        "symptoms",
        "fever",
        "pain_score",
        "other",
    ]
    assert test.givens[5].value == ()
    kinds = [type(e).__name__ for e in test.expectations]
    assert kinds == [
        "ExpectVerdict",
        "ExpectVerdict",
        "ExpectReferral",
        "ExpectReferral",
        "ExpectRequirement",
        "ExpectRequirement",
        "ExpectMissing",
        "ExpectDisagreement",
        "ExpectFires",
    ]
    nothing = only('test "x": given nothing expect unassessed t')
    assert isinstance(nothing, n.TestNode) and nothing.givens == ()


def test_comments_are_kept_with_positions_but_not_inside_strings() -> None:
    module = parse_text('# top\nif a then advise "no # here" # tail\n')
    assert [(c.text, c.span.line, c.span.column) for c in module.comments] == [
        ("# top", 1, 1),
        ("# tail", 2, 30),
    ]


def test_spans_point_at_the_source() -> None:
    rule = only("\n\n  if a = x then allow t")
    assert isinstance(rule, n.RuleNode)
    assert (rule.span.line, rule.span.column) == (3, 3)
    cond = rule.condition
    assert isinstance(cond, n.Compare)
    assert (cond.value.span.line, cond.value.span.column) == (3, 10)


def test_the_documented_reserved_words_are_the_grammars_keywords() -> None:
    from pathlib import Path

    from spinerules.syntax.reader import keywords

    text = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text("utf-8")
    section = text.split("## Reserved words", 1)[1]
    listed = section.split("`")[1].split()
    assert sorted(listed) == sorted(keywords())


def test_the_reserved_words_are_the_grammars() -> None:
    """The grammar spells its keywords out twice: as the words of its rules, and in NAME's
    lookahead, which keeps a name from being one. The two lists must be the same."""
    import re

    from spinerules._resources import grammar_path
    from spinerules.syntax.grammar import keywords

    grammar = grammar_path().read_text(encoding="utf-8")
    lookahead = re.search(r"NAME: /\(\?!\(\?:([a-z|]+)\)", grammar)
    assert lookahead is not None
    assert set(lookahead.group(1).split("|")) == keywords()


def test_nesting_is_limited_where_it_goes_too_deep() -> None:
    from spinerules import RulesError
    from spinerules.syntax.nodes import MAX_NESTING

    head = "fact d: bool\ntechnique t\n"
    fine = [
        f"if {'(' * MAX_NESTING}d{')' * MAX_NESTING} then allow t",
        f"if {'not ' * MAX_NESTING}d then allow t",
    ]
    for text in fine:
        parse_text(head + text)
    deep = MAX_NESTING + 1
    for text, column in (
        (f"if {'(' * deep}d{')' * deep} then allow t", 4 + MAX_NESTING),
        (f"if {'not ' * deep}d then allow t", 4 + 4 * MAX_NESTING),
    ):
        with pytest.raises(RulesError) as info:
            parse_text(head + text)
        assert (info.value.line, info.value.column) == (3, column)


# ---- the builder's scanner gives the contextual lexer's tokens ----------------------------


def _contextual_tokens(text: str) -> list[tuple[object, ...]]:
    """The tokens Lark's contextual lexer gives the parser, read while parsing `text`."""
    steps = checker_parser().parse_interactive(text).iter_parse()  # type: ignore[no-untyped-call]
    return [_where(t) for t in steps if t.type != "$END"]


def _scanned_tokens(text: str) -> list[tuple[object, ...]]:
    return [_where(t) for t in _Scanner(checker_parser().lexer_conf).lex(text)]


def _where(t: Token) -> tuple[object, ...]:
    return (t.type, str(t), t.start_pos, t.end_pos, t.line, t.column, t.end_line, t.end_column)


_ROOT = Path(__file__).resolve().parents[1]
_FILES = sorted([*(_ROOT / "rulesets").glob("*.rules"), *(_ROOT / "examples").glob("*.rules")])


@pytest.mark.parametrize("path", _FILES, ids=lambda p: p.name)
def test_the_scanner_reads_every_shipped_file_as_the_contextual_lexer(path: Path) -> None:
    text = Source(path.name, path.read_text(encoding="utf-8")).text
    tokens = _scanned_tokens(text)
    assert len(tokens) > 100
    assert tokens == _contextual_tokens(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sources())
def test_the_scanner_reads_every_valid_source_as_the_contextual_lexer(text: str) -> None:
    assert _scanned_tokens(text) == _contextual_tokens(text)


@pytest.mark.parametrize(
    "text",
    [
        "if feverr then allow t",  # a name that starts with a keyword's letters
        "if fever then allow t # not a token: ( { <=\n",
        'rule a_1: if x <= -3 and y != 0 then caution {t, u} at lumbar "n, (x)"',
        "fact f: int -5..10\nfact d: ordered a < b < c\n",
        'reviewed 2026-01-31\nstudy "a \\" quote"',
    ],
)
def test_the_scanner_reads_edge_cases_as_the_contextual_lexer(text: str) -> None:
    assert _scanned_tokens(text) == _contextual_tokens(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iffever then allow t", "`iffever` is not a word of the language"),
        ("if fever then allow T", "unexpected"),
        ("if fever then allow t\x0b", "unexpected"),
    ],
)
def test_text_the_scanner_cannot_read_is_reported_by_the_grammar(text: str, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_text(text)
    assert message in str(caught.value).lower()
