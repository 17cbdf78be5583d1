"""The formatter's layout at its edges: exact widths, long negations and nested groups, where each
comment goes inside every kind of statement, keywords on lines of their own, statements sharing a
line, and the guard that refuses a formatting that would change the file.

Every expected text is written by hand from the layout rules in `format.py`'s docstring and
docs/cli.md ("The canonical layout"); the widths that a test depends on are asserted too, so that
a test that no longer sits on its boundary says so.
"""

from __future__ import annotations

import pytest

import spinerules
from spinerules.syntax import format as fmt
from spinerules.syntax.format import WIDTH, format_text, is_formatted

DECLS = """\
fact condition: herniation | stenosis
fact phase: ordered chronic < acute
fact fever: bool
fact cold: bool
fact pain: int 0..10
fact symptoms: set of numbness | tingling
technique massage
technique deep_pressure under massage
site lumbar_spine
"""

ANY = "symptoms has any {numbness, tingling}"
ALL = "symptoms has all {numbness, tingling}"


def widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


# ---- conditions -------------------------------------------------------------------------------


def test_a_long_negation_breaks_inside_its_parentheses_aligned_under_the_first_operand() -> None:
    # `  if not (` is 10 wide: continuation lines start with 10 spaces, under `condition`
    text = DECLS + (
        "rule r: if not (condition = herniation and phase = acute and pain >= 7 and fever"
        f" and {ANY} and {ALL}) then caution massage\n"
    )
    expected = (
        "rule r:\n"
        "  if not (condition = herniation and phase = acute and pain >= 7 and fever\n"
        f"          and {ANY} and {ALL})\n"
        "  then caution massage\n"
    )
    out = format_text(text)
    assert out == DECLS + "\n" + expected
    assert max(widths(out)) <= WIDTH
    assert format_text(out) == out


def test_parenthesised_operands_keep_their_parentheses_and_a_line_may_be_exactly_width() -> None:
    # the first operand and an operand joined on the first line are `or`s inside an `and`: their
    # parentheses stay; `and cold` brings the first line to exactly WIDTH, so it stays there
    cond = (
        "(fever or pain >= 7) and condition = herniation and (phase = acute or phase = chronic)"
        f" and cold and {ANY} and {ALL}"
    )
    text = DECLS + f"rule r: if {cond} then caution massage\n"
    first = (
        "  if (fever or pain >= 7) and condition = herniation"
        " and (phase = acute or phase = chronic) and cold"
    )
    assert len(first) == WIDTH
    assert format_text(text) == DECLS + (
        f"\nrule r:\n{first}\n     and {ANY} and {ALL}\n  then caution massage\n"
    )


def test_a_nested_group_over_three_lines_keeps_a_comment_before_its_last_line() -> None:
    # `fever or (... or ...)`: the inner `or` keeps its parentheses (another tree without them);
    # it starts on a continuation line at column 9 and takes three lines, its continuations
    # indented by nine spaces; the comment written before its last operand stays there
    text = DECLS + (
        "\n"
        "rule r:\n"
        "  if fever\n"
        f"     or ({ANY} or {ALL}\n"
        "         or condition = herniation or condition = stenosis or phase = acute"
        " or phase = chronic\n"
        "         # the last resort\n"
        "         or pain >= 9)\n"
        "  then caution massage\n"
    )
    assert format_text(text) == text
    assert max(widths(text)) <= WIDTH
    # written on one line, the same condition gets the same lines
    flat = DECLS + (
        f"rule r: if fever or ({ANY} or {ALL} or condition = herniation or condition = stenosis"
        " or phase = acute or phase = chronic or pain >= 9) then caution massage\n"
    )
    assert format_text(flat) == text.replace("         # the last resort\n", "")


def test_the_last_operand_of_a_condition_may_end_at_exactly_width() -> None:
    # no group is open on the continuation line, so nothing follows `cold`: the line is full at
    # exactly WIDTH, and `cold` stays on it
    cond = f"fever and pain >= 7 and {ALL} and {ANY} and condition = herniation and phase = acute"
    text = DECLS + f"rule r: if {cond} and cold then caution massage\n"
    second = f"     and {ANY} and condition = herniation and phase = acute and cold"
    assert len(second) == WIDTH
    assert format_text(text) == DECLS + (
        f"\nrule r:\n  if fever and pain >= 7 and {ALL}\n{second}\n  then caution massage\n"
    )


def test_a_group_fills_its_lines_to_exactly_width_its_closing_parenthesis_included() -> None:
    # inside the group a middle operand (`not cold`) may end at column 100, since nothing follows
    # it on that line; the last one (`fever`) may end at 99, its `)` then at 100
    ops = [ANY, ALL, "not cold", "condition = herniation", "condition = stenosis"]
    ops += ["phase = acute", "pain >= 10", "fever"]
    text = DECLS + f"rule r: if pain >= 7 and ({' or '.join(ops)}) then caution massage\n"
    first = f"     and ({ANY} or {ALL} or not cold"
    second = " " * 10 + "or condition = herniation or condition = stenosis or phase = acute"
    second += " or pain >= 10 or fever)"
    assert len(first) == WIDTH and len(second) == WIDTH
    assert format_text(text) == DECLS + (
        f"\nrule r:\n  if pain >= 7\n{first}\n{second}\n  then caution massage\n"
    )


def test_a_negation_ending_a_group_breaks_when_the_groups_parenthesis_would_pass_width() -> None:
    # the negation, last operand of the group `(cold or not (...))`, starts at column 14 and
    # would end at exactly column 100: the group's `)` after it would be column 101, so the
    # negation breaks inside its own parentheses, continuations under `condition`
    negation = (
        "not (condition = herniation and phase = acute and pain >= 10 and symptoms has numbness)"
    )
    unbroken = " " * 10 + "or " + negation
    assert len(unbroken) == WIDTH
    text = DECLS + f"rule r: if fever and (cold or {negation}) then caution massage\n"
    expected = (
        "rule r:\n"
        "  if fever\n"
        "     and (cold\n"
        "          or not (condition = herniation and phase = acute and pain >= 10\n"
        "                  and symptoms has numbness))\n"
        "  then caution massage\n"
    )
    out = format_text(text)
    assert out == DECLS + "\n" + expected
    assert format_text(out) == out


# ---- rules ------------------------------------------------------------------------------------


def test_a_bare_anonymous_rule_of_exactly_width_columns_stays_on_one_line() -> None:
    one = 'if fever then caution massage, refer routine "' + "x" * 53 + '"'
    assert len(one) == WIDTH
    assert format_text(DECLS + one + "  # fits\n") == DECLS + one + "  # fits\n"
    longer = one.replace('"x', '"xx')  # one column too many: a block, `then` indented
    assert format_text(DECLS + longer + "\n") == DECLS + (
        "\nif fever\n  then " + longer.removeprefix("if fever then ") + "\n"
    )


def test_a_keyword_on_a_line_of_its_own_anchors_the_comment_written_after_it() -> None:
    # `then`, `generalizes`, `given` and `expect` each keep the comment written after them, on
    # their own line, even when what follows them was on the next line
    text = DECLS + (
        "rule r:\n"
        "  if fever\n"
        "  then  # then\n"
        "    caution massage\n"
        '  because "x"\n'
        "  generalizes  # generalizes\n"
        '    "other.txt"\n'
        '  cite quote "q"\n'
        'test "t":  # the test\n'
        "  given fever = true\n"
        "  expect  # expect\n"
        "    fires r\n"
    )
    assert format_text(text) == DECLS + (
        "\n"
        "rule r:\n"
        "  if fever\n"
        "  then caution massage  # then\n"
        '  because "x"\n'
        '  generalizes "other.txt"  # generalizes\n'
        '  cite quote "q"\n'
        "\n"
        'test "t":  # the test\n'
        "  given fever = true\n"
        "  expect fires r  # expect\n"
    )


# ---- declarations -----------------------------------------------------------------------------


def test_a_long_fact_fills_lines_up_to_exactly_width_and_session_ends_its_last_line() -> None:
    values = [f"value_{i:02d}" for i in range(14)] + ["value_end"]
    text = f"fact category: {' | '.join(values)} session\n"
    first = "fact category: " + " | ".join(values[:8])
    last = " " * 15 + "| " + " | ".join(values[8:]) + " session"
    assert len(first) == WIDTH and len(last) == WIDTH
    assert format_text(text) == f"{first}\n{last}\n"


def test_session_goes_on_a_line_of_its_own_when_it_does_not_fit_and_comments_stay() -> None:
    values = [f"value_{i:02d}" for i in range(14)] + ["last_value"]
    first = "fact category: " + " | ".join(values[:8])
    second = " " * 15 + "| " + " | ".join(values[8:])
    assert len(second + " session") == WIDTH + 1
    text = f"{first}  # first\n{second}  # second\n  session  # third\n"
    assert format_text(text) == text
    flat = f"fact category: {' | '.join(values)} session\n"
    assert format_text(flat) == f"{first}\n{second}\n  session\n"


def test_a_ruleset_without_a_title_and_short_session_facts_stay_as_written() -> None:
    text = "ruleset demo\nfact kind: a | b session\nfact stage: ordered early < late session\n"
    assert format_text(text) == text


def test_comments_inside_every_kind_of_statement_keep_their_line() -> None:
    description = '"' + "d" * 100 + '"'
    text = (
        'ruleset demo "Demo rules"  # the header\n'
        'version "1.0"\n'
        "fact pain: int 0..10  # a scale\n"
        "fact fever: bool\n"
        "technique massage\n"
        "\n"
        "technique deep_pressure under massage\n"
        f"  {description}  # described\n"
        "\n"
        "rule r:\n"
        "  if condition = herniation and phase = acute and pain >= 7 and fever\n"
        f"     and {ANY}  # continued\n"
        "  then caution massage\n"
        '  because "why"\n'
        '  generalizes "other.txt"  # generalized\n'
        '  cite quote "q"  # cited\n'
        "\n"
        'test "t":  # the test\n'
        "  given condition = herniation, phase = acute, pain = 7, fever = true,\n"
        "        symptoms = {numbness, tingling}  # the set\n"
        "  expect " + ", ".join(["unassessed massage"] * 4) + ",\n"
        "         " + ", ".join(["unassessed massage"] * 4) + ",  # middle\n"
        "         " + ", ".join(["unassessed massage"] * 2) + "  # last\n"
    )
    assert format_text(text) == text


def test_a_one_line_statement_followed_by_a_two_line_one_gets_a_blank_line() -> None:
    long = "x" * 100
    text = f'technique other\ntechnique massage under other "{long}"\n'
    assert format_text(text) == (f'technique other\n\ntechnique massage under other\n  "{long}"\n')


def test_a_use_of_a_path_stays_quoted_and_a_use_of_a_name_does_not() -> None:
    text = 'use "local/extra.rules"\nuse vocabulary\n'
    assert format_text(text) == text


# ---- keywords found in the source -------------------------------------------------------------


def test_a_rule_that_starts_after_another_on_the_same_line_keeps_its_own_keywords() -> None:
    # `rule b` starts mid-line, after rules with an `if` of their own: the comment written
    # before b's `if` stays before b's `if`
    text = (
        "fact fever: bool\n"
        "technique massage\n"
        "if fever then caution massage\n"
        "if fever then contraindicate massage rule b:\n"
        "  # about b\n"
        "  if fever\n"
        "  then caution massage\n"
    )
    assert format_text(text) == (
        "fact fever: bool\n"
        "technique massage\n"
        "if fever then caution massage\n"
        "if fever then contraindicate massage\n"
        "\n"
        "rule b:\n"
        "  # about b\n"
        "  if fever\n"
        "  then caution massage\n"
    )


def test_keywords_at_the_margin_and_after_a_string_without_a_space_are_found() -> None:
    text = "rule r:\n# before the condition\nif fever\nthen caution massage\n"
    assert format_text(text) == (
        "rule r:\n  # before the condition\n  if fever\n  then caution massage\n"
    )
    text = 'technique massage "d"rule r: if fever then caution massage because "w"\n'
    assert format_text(text) == (
        'technique massage "d"\n\nrule r:\n  if fever\n  then caution massage\n  because "w"\n'
    )


def test_keywords_past_the_last_column_of_the_last_line_are_found() -> None:
    # the statement's last line is shorter than the column of `then` and `because` on its first
    text = 'rule r: if fever then caution massage because "x"\n  cite quote "y"\n'
    assert format_text(text) == (
        'rule r:\n  if fever\n  then caution massage\n  because "x"\n  cite quote "y"\n'
    )


def test_a_file_without_a_final_line_break_gets_one() -> None:
    assert format_text("if fever then caution massage") == "if fever then caution massage\n"
    assert format_text('test "t": given nothing expect referral none') == (
        'test "t":\n  given nothing\n  expect referral none\n'
    )


# ---- comments ---------------------------------------------------------------------------------


def test_a_second_trailing_comment_for_the_last_line_goes_below_the_statement() -> None:
    text = "fact kind:  # one\n  a | b  # two\ntechnique massage\n"
    assert format_text(text) == "fact kind: a | b  # one\n# two\ntechnique massage\n"


def test_a_comment_after_the_last_clause_of_a_block_follows_the_block() -> None:
    text = DECLS + (
        'rule r:\n  if fever\n  then caution massage,\n  # the referral\n  refer routine "gp"\n'
    )
    assert format_text(text) == DECLS + (
        '\nrule r:\n  if fever\n  then caution massage, refer routine "gp"\n# the referral\n'
    )


def test_a_comment_loses_its_trailing_blanks_and_keeps_any_other_character() -> None:
    assert format_text("fact fever: bool  # hot \t \n") == "fact fever: bool  # hot\n"
    # a form feed is no blank for the grammar: it is part of the comment
    assert format_text("# page\x0c\nfact fever: bool\n") == "# page\x0c\nfact fever: bool\n"


# ---- names and the guard ----------------------------------------------------------------------


def test_errors_name_the_text_as_given() -> None:
    with pytest.raises(spinerules.RulesSyntaxError, match=r"^<text>:1:12: "):
        format_text("fact fever bool\n")
    with pytest.raises(spinerules.RulesSyntaxError, match=r"^x\.rules:1:12: "):
        format_text("fact fever bool\n", name="x.rules")
    with pytest.raises(spinerules.RulesSyntaxError, match=r"^<text>:1:12: "):
        is_formatted("fact fever bool\n")
    with pytest.raises(spinerules.RulesSyntaxError, match=r"^x\.rules:1:12: "):
        is_formatted("fact fever bool\n", "x.rules")
    assert is_formatted("fact fever: bool\n", "x.rules")
    assert not is_formatted("fact fever : bool\n", "x.rules")


def test_the_guard_names_each_kind_of_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "format_module", lambda module: "technique other\n")
    with pytest.raises(
        fmt.FormatError,
        match=r"^x\.rules:1: formatting would change this statement; the file was left as it is "
        r"\(please report this as a bug\)$",
    ):
        format_text("technique massage\n", name="x.rules")
    monkeypatch.setattr(fmt, "format_module", lambda module: "technique massage\ntechnique b\n")
    with pytest.raises(
        fmt.FormatError, match=r"^x\.rules: formatting would add or drop statements$"
    ):
        format_text("technique massage\n", name="x.rules")
    # a comment that lost a character the grammar does not count as a blank is a change
    monkeypatch.setattr(fmt, "format_module", lambda module: "technique massage  # hi\n")
    with pytest.raises(fmt.FormatError, match="lose or change a comment"):
        format_text("technique massage  # hi\x0c\n", name="x.rules")
    # a result that does not parse is reported under the file's name
    monkeypatch.setattr(fmt, "format_module", lambda module: "fact fever bool\n")
    with pytest.raises(spinerules.RulesSyntaxError, match=r"^x\.rules:1:12: "):
        format_text("fact fever: bool\n", name="x.rules")


def test_a_closing_parenthesis_counts_toward_the_width() -> None:
    """A group whose operands just fit on their line without its `)` is broken once more, for
    every length of its last operand around the width (the `)` was once column 101)."""
    for k in range(1, 40):
        name = "x" * k
        text = (
            DECLS
            + f"fact {name}: int 0..5\n"
            + "rule r: if fever and phase = acute and condition = stenosis and pain = 2 and "
            + f"({ANY} or condition = herniation or {name} = 1) then caution massage\n"
        )
        out = format_text(text, name="x.rules")
        assert max(widths(out)) <= WIDTH, out
        assert is_formatted(out, name="x.rules")
