"""No wrong answer, no traceback, no blow-up, whatever the input: one regression test per item
of the reliability audit (each failed before its fix), in the audit's order."""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import spinerules
from spinerules import FactError, RulesError, Verdict, cli
from spinerules.engine import cache
from spinerules.errors import RulesErrors

V = Verdict
HEAD = "fact f: bool\nfact n: int 0..10\nfact s: set of a | b\ntechnique massage\nsite lumbar\n"


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        saved = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        status = cli.main(["--color", "never", *argv], stdout=out, stderr=err)
    finally:
        if stdin is not None:
            sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text


# ---- wrong answers ---------------------------------------------------------------------------


def test_1_a_file_saved_during_a_load_is_not_cached_under_its_new_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPINERULES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPINERULES_CACHE", raising=False)
    lib = tmp_path / "lib.rules"
    lib.write_text("fact f: bool\ntechnique t\nrule r: if f then allow t\n")
    main = tmp_path / "main.rules"
    main.write_text('use "lib.rules"\n')
    real = spinerules.api.validate

    def saved_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # the author saves the file while the load is validating what it read before
        lib.write_text("fact f: bool\ntechnique t\nrule r: if f then contraindicate t\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(spinerules.api, "validate", saved_meanwhile)
    assert spinerules.load_path(main).evaluate({"f": True}).verdict("t") is V.ALLOWED
    monkeypatch.setattr(spinerules.api, "validate", real)
    # the next load must see the text now on disk, not the old model under the new text's hash
    assert spinerules.load_path(main).evaluate({"f": True}).verdict("t") is V.CONTRAINDICATED


@pytest.mark.parametrize("value", [{"a": False, "b": False}, "ab", 3, b"a"])
def test_2_a_set_fact_takes_a_list_tuple_or_set_only(value: object) -> None:
    kb = spinerules.compile_text(HEAD + 'if s has a then contraindicate massage because "x"')
    with pytest.raises(FactError, match="a list of values"):
        kb.evaluate({"s": value})
    with pytest.raises(FactError):
        kb.screen({"s": value})
    for fine in (["a"], ("a",), {"a"}, frozenset({"a"})):
        assert kb.screen({"s": fine})["massage"] is V.CONTRAINDICATED


def test_2_a_dict_for_a_set_fact_is_refused_by_the_command_line_too(tmp_path: Path) -> None:
    form = tmp_path / "p.json"
    form.write_text(json.dumps({"symptoms": {"numbness": False, "tingling": False}}))
    status, out, err = run("query", "all", "--json", str(form))
    assert status == 2
    assert "symptoms" in err and "a list of values" in err
    no_traceback(out, err)


@pytest.mark.parametrize(
    "text, word",
    [
        ("iffever then caution massage", "iffever"),
        ("if f thencaution massage", "thencaution"),
        ("if f then cautionmassage", "cautionmassage"),
        ("if f andnot f then caution massage", "andnot"),
        ("if f then caution massage atlumbar", "atlumbar"),
        ("if n isknown then caution massage", "isknown"),
        ("factpain: bool", "factpain"),
        ("if n > 3and f then caution massage", "3and"),
    ],
)
def test_3_a_keyword_must_stand_on_its_own(text: str, word: str) -> None:
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + text)
    assert f"`{word}` is not a word of the language" in info.value.errors[0].message


# ---- tracebacks instead of a clear error -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "if n > " + "9" * 5000 + " then caution massage",
        'if f then caution massage\ntest "t": given n = ' + "7" * 5000 + " expect caution massage",
        "if f thenn n > " + "9" * 5000,
    ],
)
def test_4_a_huge_number_is_a_clear_error(text: str, tmp_path: Path) -> None:
    with pytest.raises(RulesError):
        spinerules.compile_text(HEAD + text)
    (tmp_path / "big.rules").write_text(HEAD + text)
    status, out, err = run("check", str(tmp_path / "big.rules"))
    assert status == 1
    no_traceback(out, err)


@pytest.mark.parametrize("target", ["a\0b.rules", "x" * 5000 + ".rules"])
def test_5_a_use_path_that_no_system_can_open_is_a_clear_error(target: str, tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        spinerules.compile_text(HEAD + f'use "{target}"\n', base_dir=tmp_path)


@pytest.mark.parametrize(
    "content",
    [b'{"condition": "caf\xe9"}', b'{"minutes_since_meal": ' + b"9" * 5000 + b"}", b"[" * 100000],
)
def test_6_query_json_input_that_cannot_be_read_is_a_usage_error(
    content: bytes, tmp_path: Path
) -> None:
    form = tmp_path / "p.json"
    form.write_bytes(content)
    for argv, stdin in ((["--json", str(form)], None), (["--json", "-"], content)):
        status, out, err = run("query", "all", *argv, stdin=stdin)
        assert status == 2, err
        no_traceback(out, err)


def test_7_fmt_reports_a_file_it_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messy = tmp_path / "messy.rules"
    messy.write_text("fact f: bool\ntechnique t\nif   f then caution t\n")

    def refuse(self: Path, *args: Any, **kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    status, out, err = run("fmt", str(messy))
    assert status == 1
    assert "cannot write" in out and "Permission denied" in out
    no_traceback(out, err)


def test_8_a_long_chain_of_imports_loads(tmp_path: Path) -> None:
    count = 1500  # deeper than Python's recursion limit
    (tmp_path / "f0.rules").write_text("fact f: bool\ntechnique t\n")
    for i in range(1, count):
        (tmp_path / f"f{i}.rules").write_text(f'use "f{i - 1}.rules"\n')
    (tmp_path / "main.rules").write_text(
        f'use "f{count - 1}.rules"\nrule r: if f then caution t because "x"\n'
    )
    kb = spinerules.load_path(tmp_path / "main.rules")
    assert kb.evaluate({"f": True}).verdict("t") is V.CAUTION
    assert len(kb.rulesets) == count + 1


def test_8_an_import_cycle_in_a_long_chain_is_still_found(tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"f{i}.rules").write_text(f'use "f{(i + 1) % 50}.rules"\n')
    with pytest.raises(RulesError, match="import cycle"):
        spinerules.load_path(tmp_path / "f0.rules")


def test_9_lone_surrogates_are_a_clear_error() -> None:
    with pytest.raises(RulesError, match="lone surrogate"):
        spinerules.compile_text(HEAD + 'if f then advise "caf\udce9"')
    kb = spinerules.compile_text(HEAD + 'if f then advise "x"', name="caf\udce9")
    assert kb.rules[0].id.startswith("r_")


# ---- the command line --------------------------------------------------------------------------


def test_10_fmt_of_standard_input_that_is_not_utf8_fails() -> None:
    status, out, err = run("fmt", "-", stdin=b"fact caf\xe9: bool\n")
    assert status == 1
    assert "not UTF-8" in err
    assert "\\udce9" not in out and out == ""
    no_traceback(out, err)


def test_11_check_fails_on_an_empty_or_unreadable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = run("check", str(empty))
    assert status == 2 and "no .rules file" in err
    folder = tmp_path / "rules"
    (folder / "locked").mkdir(parents=True)
    (folder / "ok.rules").write_text("fact f: bool\n")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    status, out, err = run("check", str(folder))
    assert status == 2
    assert "cannot read the folder" in err and "locked" in err
    no_traceback(out, err)


@pytest.mark.parametrize("value", ["1_000", "+5", "00012", "\u0663\u0660", " 7 ", "0x10"])
def test_12_fact_integers_are_written_as_the_language_writes_them(value: str) -> None:
    status, out, err = run("query", "all", "--fact", f"minutes_since_meal={value}")
    if value.strip() == "7":  # surrounding spaces are only spaces
        assert status == 0
        return
    assert status == 2, value
    assert "minutes_since_meal" in err
    no_traceback(out, err)


# ---- cost that grows faster than the input (see also test_growth.py) --------------------------


def test_14_errors_are_rendered_when_shown_not_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    from spinerules.syntax.source import Span

    calls = 0
    real = Span.snippet

    def counting(self: Span) -> str:
        nonlocal calls
        calls += 1
        return real(self)

    monkeypatch.setattr(Span, "snippet", counting)
    text = HEAD + "".join(f"if f then caution massage{i}\n" for i in range(2000))
    with pytest.raises(RulesErrors) as info:
        spinerules.compile_text(text)
    assert len(info.value.errors) == 2000
    assert calls == 0
    assert "massage1999" in str(info.value.errors[-1])


def test_15_did_you_mean_work_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from spinerules import suggest

    compared = 0
    real = suggest.did_you_mean

    def counting(word: str, candidates: Any) -> str | None:
        nonlocal compared
        compared += len(list(candidates))
        return real(word, candidates)

    monkeypatch.setattr(suggest, "did_you_mean", counting)
    facts = "".join(f"fact fact{i}: bool\n" for i in range(1000))
    uses = "".join(f"if fakt{i} then caution t\n" for i in range(1000))
    with pytest.raises(RulesError):
        spinerules.compile_text(facts + "technique t\n" + uses)
    assert compared <= suggest.Suggester().left


def test_17_a_syntax_error_at_the_end_does_not_parse_the_whole_file_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lark

    lengths: list[int] = []
    real = lark.Lark.parse

    def measured(self: lark.Lark, text: str, *args: Any, **kwargs: Any) -> Any:
        lengths.append(len(text))
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(lark.Lark, "parse", measured)
    body = "".join(f'rule r{i}: if f then caution massage because "x"\n' for i in range(500))
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + body + "if f then caution\n")
    assert info.value.line == 5 + 500 + 1
    # the file is read once, the error is found statement by statement, and the statements
    # that parse are read once more (blanking the broken one) to check their names in the
    # same run: two whole-file parses, however many statements, never one per statement
    assert len([n for n in lengths if n > 100]) == 2


# ---- smaller -----------------------------------------------------------------------------------


def test_18_a_failed_cache_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SPINERULES_CACHE_DIR", str(folder))
    monkeypatch.delenv("SPINERULES_CACHE", raising=False)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.pickle, "dump", broken)
    (tmp_path / "x.rules").write_text("fact f: bool\n")
    spinerules.load_path(tmp_path / "x.rules")
    assert list(folder.iterdir()) == []


def test_18_no_home_means_no_cache_and_nothing_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPINERULES_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "")
    assert cache.cache_dir() is None
    missing = tmp_path / "nonexistent" / "x"
    monkeypatch.setenv("HOME", str(missing))
    assert cache.cache_dir() is None
    (tmp_path / "y.rules").write_text("fact f: bool\n")
    spinerules.load_path(tmp_path / "y.rules")
    assert not missing.exists()


def test_18_a_symlinked_cache_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(elsewhere)
    monkeypatch.setenv("SPINERULES_CACHE_DIR", str(link))
    monkeypatch.delenv("SPINERULES_CACHE", raising=False)
    (tmp_path / "z.rules").write_text("fact f: bool\n")
    spinerules.load_path(tmp_path / "z.rules")
    assert list(elsewhere.iterdir()) == []


def test_19_a_build_leaves_the_collector_as_the_application_set_it() -> None:
    was = gc.isenabled()
    try:
        gc.disable()
        spinerules.compile_text(HEAD)
        assert not gc.isenabled()
        gc.enable()
        # overlapping builds in two threads: on again only when the last one ends
        barrier = threading.Barrier(2)
        seen: list[bool] = []

        def build() -> None:
            barrier.wait()
            spinerules.compile_text(HEAD + "if f then caution massage\n" * 50)
            seen.append(True)

        threads = [threading.Thread(target=build) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [True, True]
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def test_20_an_over_deep_condition_is_reported_once_where_it_is() -> None:
    deep = "f" + " and (f" * 40 + ")" * 40
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + f"if {deep} then caution massage\n")
    (error,) = info.value.errors
    assert error.line == 6 and error.column > 1
    brackets = "(" * 40 + "f" + ")" * 40
    with pytest.raises(RulesError) as info:
        spinerules.compile_text(HEAD + f"if {brackets} then caution massage\n")
    (error,) = info.value.errors
    assert (error.line, error.column) == (6, 4 + 32)
    assert "more than 32 deep" in error.message


def test_20_an_unreadable_file_shows_no_empty_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_bytes(b"fact f: bool\n")
    bad.chmod(0)
    if os.access(bad, os.R_OK):  # running as root: make the read fail another way
        bad.unlink()
        bad.mkdir()
        (tmp_path / "main.rules").write_text('use "bad.rules"\n')
        status, out, _ = run("check", str(tmp_path / "main.rules"))
    else:
        status, out, _ = run("check", str(bad))
    assert status == 1
    assert " | \n" not in out and not any(line.strip() == "|" for line in out.splitlines())
