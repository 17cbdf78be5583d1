"""The formatter: canonical layout, every comment kept, same meaning, idempotent.

The layout tests spell out the expected text by hand from the rules in `fmt.py`'s docstring;
the properties run over generated sources (`spinerules.syntax.samples.rule_sources`) and over every
shipped ruleset.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import spinerules
from spinerules.syntax import format as fmt
from spinerules.syntax.reader import parse_text
from spinerules.syntax.samples import rule_sources

RULESETS = Path(__file__).resolve().parents[1] / "rulesets"
SHIPPED = sorted(RULESETS.glob("*.rules"))

DECLS = """\
fact condition: herniation | stenosis
fact phase: ordered chronic < acute
fact fever: bool
fact pain: int 0..10
fact symptoms: set of numbness | tingling
technique massage
technique deep_pressure under massage
site lumbar_spine
"""


def comments(text: str) -> Counter[str]:
    return Counter(c.text.rstrip(" \t\r") for c in parse_text(text).comments)


def same_meaning(before: str, after: str) -> None:
    """Both texts compile to the same rules (ids, conditions, actions, citations) and tests."""
    old = spinerules.compile_text(before, name="x")
    new = spinerules.compile_text(after, name="x")
    assert old.rules == new.rules
    assert [t for _, t in old.tests] == [t for _, t in new.tests]
    assert old.facts == new.facts and old.techniques == new.techniques and old.sites == new.sites
    assert old.rulesets == new.rulesets


# ---- layout -----------------------------------------------------------------------------------


def test_a_short_anonymous_rule_stays_on_one_line_with_canonical_spacing() -> None:
    text = DECLS + "if phase=acute and(condition=herniation)then contraindicate deep_pressure\n"
    assert fmt.format_text(text).endswith(
        "\nif phase = acute and condition = herniation then contraindicate deep_pressure\n"
    )


def test_a_named_rule_is_a_block_with_one_clause_a_line_because_before_cites() -> None:
    text = DECLS + (
        'rule r1: if fever then caution massage, refer routine "gp" '
        'cite "S" quote "q1" because "why" cite quote "q2"\n'
    )
    assert fmt.format_text(text) == DECLS + (
        "\n"
        "rule r1:\n"
        "  if fever\n"
        '  then caution massage, refer routine "gp"\n'
        '  because "why"\n'
        '  cite "S" quote "q1"\n'
        '  cite quote "q2"\n'
    )


def test_an_anonymous_rule_with_metadata_starts_at_the_margin() -> None:
    text = DECLS + 'if fever then caution massage because "hot"\n'
    assert fmt.format_text(text).endswith('\n\nif fever\n  then caution massage\n  because "hot"\n')


def test_redundant_parentheses_go_but_a_nested_junction_of_the_same_kind_keeps_them() -> None:
    text = DECLS + (
        "if ((fever)) or (condition = stenosis and not (pain > 3)) then caution massage\n"
        "if fever or (pain = 1 or pain = 2) then caution massage\n"
        "if not (fever and pain = 1) then caution massage\n"
    )
    out = fmt.format_text(text)
    assert "if fever or condition = stenosis and not pain > 3 then caution massage\n" in out
    # `a or (b or c)` is a different tree from `a or b or c`: the parentheses stay
    assert "if fever or (pain = 1 or pain = 2) then caution massage\n" in out
    assert "if not (fever and pain = 1) then caution massage\n" in out


def test_a_long_condition_breaks_before_and_or_with_operands_aligned() -> None:
    # 'if ' at column 3 after the two-space indent: the condition starts at column 6 (index 5);
    # its `and` operands continue on lines indented by five spaces; the parenthesised `or`
    # starts at index 9 and its continuation lines are indented by ten spaces.
    long_set = "{" + ", ".join(["numbness", "tingling"] * 1) + "}"
    text = DECLS + (
        "rule long: if condition = herniation and phase = acute and fever and pain >= 7 and "
        f"(symptoms has any {long_set} or symptoms has all {long_set} or pain = 10 "
        "or condition = stenosis) then caution massage\n"
    )
    out = fmt.format_text(text)
    expected = (
        "rule long:\n"
        "  if condition = herniation and phase = acute and fever and pain >= 7\n"
        "     and (symptoms has any {numbness, tingling} or symptoms has all {numbness, tingling}\n"
        "          or pain = 10 or condition = stenosis)\n"
        "  then caution massage\n"
    )
    assert out.endswith(expected)
    assert all(len(line) <= fmt.WIDTH for line in out.splitlines())


def test_long_value_lists_and_test_clauses_fill_lines_and_align_continuations() -> None:
    values = [f"value_{i:02d}" for i in range(12)]
    text = (
        f"fact kind: {' | '.join(values)}\n"
        "technique massage\n"
        f'test "t": given kind = value_00 expect {", ".join(["unassessed massage"] * 6)}\n'
    )
    out = fmt.format_text(text).splitlines()
    # 'fact kind: ' is 11 wide: `|` continues under the first value; each line as full as fits
    assert out[0] == "fact kind: " + " | ".join(values[:8])
    assert out[1] == " " * 11 + "| " + " | ".join(values[8:])
    assert len(out[0] + " | value_08") > fmt.WIDTH
    # 'expect ' continuation lines line up under the first expectation (9 columns)
    assert out[-3:] == [
        "  given kind = value_00",
        "  expect " + ", ".join(["unassessed massage"] * 4) + ",",
        "         " + ", ".join(["unassessed massage"] * 2),
    ]


def test_descriptions_stay_on_the_line_when_they_fit_and_move_below_when_not() -> None:
    short = 'fact fever: bool "Has a fever?"\n'
    long_text = "x" * 100
    long = f'technique massage under other "{long_text}"\ntechnique other\n'
    assert fmt.format_text(short) == short
    assert fmt.format_text(long) == (
        f'technique massage under other\n  "{long_text}"\n\ntechnique other\n'
    )  # two lines now, so a blank line separates it from the next statement


def test_tests_render_every_expectation_and_given_form() -> None:
    text = DECLS + (
        'test "all forms" : given symptoms={ } ,pain=3,fever=true,condition=herniation\n'
        "expect caution massage at lumbar_spine,referral none,requirement x,missing phase,"
        "disagreement massage\n"
        'test "nothing":given nothing expect referral urgent, requirement none\n'
    )
    out = fmt.format_text(text)
    assert out.endswith(
        '\ntest "all forms":\n'
        "  given symptoms = {}, pain = 3, fever = true, condition = herniation\n"
        "  expect caution massage at lumbar_spine, referral none, requirement x, missing phase,\n"
        "         disagreement massage\n"
        "\n"
        'test "nothing":\n'
        "  given nothing\n"
        "  expect referral urgent, requirement none\n"
    )


def test_blank_lines_are_kept_collapsed_and_forced_around_blocks() -> None:
    text = (
        "\n\n"
        "fact fever: bool\n"
        "\n\n\n"
        "technique massage\n"
        "technique swedish under massage\n"
        'rule a: if fever then caution massage because "x"\n'
        'rule b: if fever then caution swedish because "y"\n'
    )
    assert fmt.format_text(text) == (
        "fact fever: bool\n"
        "\n"
        "technique massage\n"
        "technique swedish under massage\n"
        "\n"
        'rule a:\n  if fever\n  then caution massage\n  because "x"\n'
        "\n"
        'rule b:\n  if fever\n  then caution swedish\n  because "y"\n'
    )


def test_two_statements_on_one_line_are_split() -> None:
    assert fmt.format_text("technique a technique b\n") == "technique a\ntechnique b\n"


def test_characters_that_are_not_line_breaks_for_the_parser_keep_comments_whole() -> None:
    # U+2028, form feed and NEL end a line for str.splitlines(), not for the grammar: the
    # comment after the string, and the comment containing them, must survive whole
    text = '# a\u2028b\x0cc\nfact fever: bool "q\u2028r\x85s"  # after\n'
    assert fmt.format_text(text) == text


def test_the_empty_file_and_a_file_of_comments() -> None:
    assert fmt.format_text("") == ""
    assert fmt.format_text("\n\n  # one\n\n\n# two\n\n") == "# one\n\n# two\n"


# ---- comments ---------------------------------------------------------------------------------


def test_comments_inside_a_rule_stay_with_their_clause() -> None:
    text = DECLS + (
        "# about the rule\n"
        "rule r:  # after the id\n"
        "  if fever   # the condition\n"
        "  # before then\n"
        "  then caution massage\n"
        '  because "a # in a string is not a comment"  # a real one, with "quotes"\n'
    )
    out = fmt.format_text(text)
    assert out.endswith(
        "\n# about the rule\n"
        "rule r:  # after the id\n"
        "  if fever  # the condition\n"
        "  # before then\n"
        "  then caution massage\n"
        '  because "a # in a string is not a comment"  # a real one, with "quotes"\n'
    )


def test_a_comment_inside_a_one_line_statement_moves_above_it() -> None:
    text = "fact kind:  # why these values\n  a | b\n"
    assert fmt.format_text(text) == "fact kind: a | b  # why these values\n"
    text = "fact kind:\n  # why these values\n  a | b\n"
    assert fmt.format_text(text) == "# why these values\nfact kind: a | b\n"


def test_two_trailing_comments_for_one_line_keep_both() -> None:
    text = DECLS + "rule r: if fever  # one\n and pain = 1  # two\n then caution massage\n"
    out = fmt.format_text(text)
    assert out.endswith("  if fever and pain = 1  # one\n  # two\n  then caution massage\n")


def test_unparseable_text_is_refused_with_the_syntax_error() -> None:
    with pytest.raises(spinerules.RulesSyntaxError):
        fmt.format_text("fact fever bool\n")


def test_a_formatter_bug_is_caught_before_anything_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fmt, "format_module", lambda module: "technique other\n")
    with pytest.raises(fmt.FormatError, match="would change"):
        fmt.format_text("technique massage\n", name="x.rules")
    monkeypatch.setattr(fmt, "format_module", lambda module: "technique massage\n")
    with pytest.raises(fmt.FormatError, match="comment"):
        fmt.format_text("technique massage  # hi\n", name="x.rules")


# ---- properties -------------------------------------------------------------------------------


def check_round_trip(text: str) -> str:
    out = fmt.format_text(text)
    same_meaning(text, out)
    assert comments(out) == comments(text)
    assert fmt.format_text(out) == out, "formatting twice changes the text"
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    assert not out.startswith("\n")
    assert "\n\n\n" not in out
    assert all(line == line.rstrip(" \t") for line in out.split("\n"))
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_rulesets_keep_their_meaning_and_comments(path: Path) -> None:
    check_round_trip(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_rulesets_keep_their_meaning_in_a_knowledge_base(path: Path) -> None:
    # the same through `use`: the formatted file, next to its imports, gives the same rules
    out = fmt.format_text(path.read_text(encoding="utf-8"))
    kb = spinerules.load(path.stem)
    again = spinerules.compile_text(out, name=path.stem)
    assert kb.rules == again.rules


@pytest.mark.slow  # a property campaign: the full run has it, the fast subset not
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sources())
def test_fmt_keeps_meaning_and_comments_and_is_idempotent(text: str) -> None:
    check_round_trip(text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sources(comments=False, messy=False))
def test_fmt_of_a_tidy_source_without_comments(text: str) -> None:
    out = check_round_trip(text)
    assert parse_text(out).comments == ()  # a `#` in the output is inside a string


@pytest.mark.parametrize(
    "text, line",
    [
        ("fact f: bool  # trailing\ntechnique t\n", "fact f: bool  # trailing"),
        ("fact f: bool\ntechnique t # the technique\n", "technique t  # the technique"),
        (
            'fact f: bool\ntechnique t\nrule r: if f # why\n then caution t because "x"\n',
            "  if f  # why",
        ),
        (
            'fact f: bool\ntechnique t\nif f then caution t because "x" # end\n',
            '  because "x"  # end',
        ),
    ],
)
def test_a_trailing_comment_stays_on_its_line(text: str, line: str) -> None:
    out = fmt.format_text(text)
    assert line in out.split("\n")


@settings(max_examples=25, deadline=None)
@given(rule_sources())
def test_generated_sources_are_valid(text: str) -> None:
    spinerules.compile_text(text, name="generated")
