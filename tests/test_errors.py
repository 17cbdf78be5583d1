"""Every kind of mistake in a rules file is a RulesError with file, line, column and a caret."""

from __future__ import annotations

from pathlib import Path

import pytest

import spinerules
from spinerules import (
    DuplicateError,
    ImportCycleError,
    ImportNotFoundError,
    RangeError,
    RulesError,
    RulesErrors,
    RulesSyntaxError,
    TypeMismatchError,
    UndefinedNameError,
)

HEAD = """\
fact condition: herniation | stenosis
fact phase: ordered remission < chronic < acute
fact pain: int 0..10
fact fever: bool
fact symptoms: set of numbness | tingling
technique massage
technique pressure under massage
site lumbar_spine
"""
FIRST = HEAD.count("\n") + 1  # the first line after HEAD


def error_of(text: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + text, name="case.rules")
    (error,) = info.value.errors
    return error


@pytest.mark.parametrize(
    ("text", "kind", "column", "words", "hint"),
    [
        ("if phase = acuet then allow massage", UndefinedNameError, 12, "`acuet`", "`acute`"),
        ("if phaze = acute then allow massage", UndefinedNameError, 4, "fact `phaze`", "`phase`"),
        ("if fever then allow masage", UndefinedNameError, 21, "technique `masage`", "`massage`"),
        ("if fever then allow massage at lumbar", UndefinedNameError, 32, "site `lumbar`", None),
        ("if condition < stenosis then allow massage", TypeMismatchError, 4, "unordered", "in {"),
        ("if fever < true then allow massage", TypeMismatchError, 4, "bool", None),
        ("if pain > 11 then allow massage", RangeError, 11, "outside the range", None),
        ("if pain = acute then allow massage", TypeMismatchError, 11, "not a number", None),
        ("if phase = 3 then allow massage", TypeMismatchError, 12, "takes names", None),
        ("if symptoms = numbness then allow massage", TypeMismatchError, 4, "set fact", "has"),
        ("if symptoms in {numbness} then allow massage", TypeMismatchError, 4, "set fact", "has"),
        ("if condition has stenosis then allow massage", TypeMismatchError, 4, "`has`", None),
        ("if symptoms has fever then allow massage", UndefinedNameError, 17, "`fever`", None),
        ("if pain then allow massage", TypeMismatchError, 4, "not a bool", None),
        ("if fever = stenosis then allow massage", TypeMismatchError, 12, "bool", None),
        ("fact phase: bool", DuplicateError, 6, "fact `phase`", "first declared at"),
        ("technique massage", DuplicateError, 11, "technique `massage`", "first declared"),
        ("site lumbar_spine", DuplicateError, 6, "site `lumbar_spine`", None),
        ("fact x: a | a", DuplicateError, 13, "value `a`", None),
        ("fact x: int 5..1", RangeError, 13, "empty range", "`1..5`"),
        ("technique t under nothing_here", UndefinedNameError, 19, "`nothing_here`", None),
        ("if phase = acute and then allow massage", RulesSyntaxError, 22, "`then`", None),
        ("if phase = acute allow massage", RulesSyntaxError, 18, "`allow`", None),
        ("if pain = 07 then allow massage", RulesSyntaxError, 11, "start with 0", "leading"),
        ('if fever then advise "open', RulesSyntaxError, 22, "unterminated", None),
        ("if Fever then allow massage", RulesSyntaxError, 4, "lower case", None),
        ("if fever then", RulesSyntaxError, 14, "`contraindicate`", None),
        ("reviewed 2026-13-01", RulesSyntaxError, 10, "not a valid date", None),
        ("if (fever then allow massage", RulesSyntaxError, 11, "`)`", None),
    ],
)
def test_error_kinds_with_positions(
    text: str, kind: type[RulesError], column: int, words: str, hint: str | None
) -> None:
    error = error_of(text)
    assert type(error) is kind
    assert (error.file, error.line, error.column) == ("case.rules", FIRST, column)
    assert words in error.message
    assert error.source_line == text
    assert error.caret.startswith(" " * (column - 1) + "^")
    if hint is not None:
        assert error.hint is not None and hint in error.hint
    rendered = error.render()
    assert rendered.startswith(f"case.rules:{FIRST}:{column}: error: ")
    assert text in rendered


def test_syntax_errors_name_tokens_as_a_user_writes_them() -> None:
    error = error_of("if phase = acute and then allow massage")
    assert "a name" in error.message
    assert "NAME" not in error.message and "__ANON" not in error.message
    after = error_of("if (fever then allow massage")
    assert "RPAR" not in after.message


def test_keyword_as_a_name_gets_a_hint() -> None:
    error = error_of("if not then allow massage")
    assert error.hint is not None and "reserved word" in error.hint


def test_duplicate_rule_ids() -> None:
    text = "rule r: if fever then allow massage\nrule r: if fever then allow massage"
    error = error_of(text)
    assert isinstance(error, DuplicateError)
    assert (error.line, error.column) == (FIRST + 1, 6)
    assert error.hint is not None and f"case.rules:{FIRST}:6" in error.hint


def test_several_mistakes_are_reported_together_in_line_order() -> None:
    text = (
        "if phase = acuet then allow massage\n"
        "if fever then allow masage\n"
        "if condition < stenosis then allow massage\n"
    )
    with pytest.raises(RulesErrors) as info:
        spinerules.compile_text(HEAD + text, name="case.rules")
    errors = info.value.errors
    assert [type(e) for e in errors] == [UndefinedNameError, UndefinedNameError, TypeMismatchError]
    assert [e.line for e in errors] == [FIRST, FIRST + 1, FIRST + 2]
    assert str(info.value).startswith("3 errors")


def test_several_syntax_errors_are_reported_together() -> None:
    text = "if fever allow massage\nfact ok: bool\nif (fever then allow massage\n"
    with pytest.raises(RulesErrors) as info:
        spinerules.compile_text(HEAD + text, name="case.rules")
    assert [(e.line, type(e)) for e in info.value.errors] == [
        (FIRST, RulesSyntaxError),
        (FIRST + 2, RulesSyntaxError),
    ]


def test_hierarchy_cycle_is_an_error() -> None:
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + "technique a under b\ntechnique b under a", name="c")
    errors = info.value.errors
    assert [type(e) for e in errors] == [DuplicateError, DuplicateError]
    assert [e.line for e in errors] == [FIRST, FIRST + 1]
    assert all("its own ancestor" in e.message for e in errors)


def test_reserved_words_are_not_names() -> None:
    error = error_of("fact then: bool")
    assert isinstance(error, RulesSyntaxError)
    assert (error.line, error.column) == (FIRST, 6)
    assert error.hint is not None and "`then` is a reserved word" in error.hint


# ---- imports --------------------------------------------------------------------------------


def test_unknown_shipped_import(tmp_path: Path) -> None:
    with pytest.raises(ImportNotFoundError) as info:
        spinerules.compile_text("use vocabularry\n", name="x.rules")
    err = info.value
    assert (err.line, err.column) == (1, 1)
    assert err.hint is not None and "`vocabulary`" in err.hint


def test_missing_file_import(tmp_path: Path) -> None:
    main = tmp_path / "main.rules"
    main.write_text('fact f: bool\nuse "nope.rules"\n')
    with pytest.raises(ImportNotFoundError) as info:
        spinerules.load_path(main)
    assert info.value.line == 2
    assert "nope.rules" in info.value.message


def test_import_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.rules").write_text('use "b.rules"\nfact a: bool\n')
    (tmp_path / "b.rules").write_text('fact b: bool\nuse "a.rules"\n')
    with pytest.raises(ImportCycleError) as info:
        spinerules.load_path(tmp_path / "a.rules")
    assert info.value.line == 2
    assert "a.rules -> b.rules -> a.rules" in info.value.message


def test_imports_cannot_leave_the_folder_tree(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "secret.rules").write_text("fact s: bool\n")
    (inner / "main.rules").write_text('use "../secret.rules"\n')
    with pytest.raises(ImportNotFoundError) as info:
        spinerules.load_path(inner / "main.rules")
    assert "outside" in info.value.message
    (inner / "abs.rules").write_text(f'use "{tmp_path / "secret.rules"}"\n')
    with pytest.raises(ImportNotFoundError):
        spinerules.load_path(inner / "abs.rules")


def test_relative_import_needs_a_folder() -> None:
    with pytest.raises(ImportNotFoundError) as info:
        spinerules.compile_text('use "x.rules"\n')
    assert "no folder" in info.value.message


def test_imports_below_the_folder_work_and_are_loaded_once(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "vocab.rules").write_text("fact f: bool\ntechnique t\n")
    (tmp_path / "a.rules").write_text('use "sub/vocab.rules"\nif f then caution t because "a"\n')
    (tmp_path / "main.rules").write_text(
        'use "sub/vocab.rules"\nuse "a.rules"\nrule m: if f then allow t because "m"\n'
    )
    kb = spinerules.load_path(tmp_path / "main.rules")
    assert list(kb.facts) == ["f"]
    assert [r.ruleset for r in kb.rules] == ["a", "main"]
    assert kb.evaluate({"f": True}).verdict("t") is spinerules.Verdict.CAUTION


def test_errors_in_an_imported_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "lib.rules").write_text("fact f: bool\nif g then allow t\n")
    (tmp_path / "main.rules").write_text('use "lib.rules"\n')
    with pytest.raises(RulesError) as info:
        spinerules.load_path(tmp_path / "main.rules")
    files = {Path(e.file).name for e in info.value.errors}
    assert files == {"lib.rules"}


def test_rules_error_is_never_a_raw_lark_error() -> None:
    for text in ["if", "fact", "}", "rule r if a then allow t", '"', "fact x: int 1..", "\x00"]:
        with pytest.raises(RulesError):
            spinerules.compile_text(text)


def test_carets_stay_on_the_parser_s_line_after_unusual_line_breaks() -> None:
    text = "# a\u2028b\x0cc\nfact x: bool\ntechnique t\nif y then caution t\n"
    with pytest.raises(UndefinedNameError) as info:
        spinerules.compile_text(text, name="odd.rules")
    assert info.value.line == 4
    assert info.value.source_line == "if y then caution t"
