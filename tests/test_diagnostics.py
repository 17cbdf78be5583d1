"""Golden tests of `spinerules check` output: one case per kind of mistake, in tests/golden/.

A case file holds the files to check and the exact expected output:

    # what the case shows
    === main.rules
    <the file>
    --- check main.rules (exit 1)
    <expected standard output>

The expected outputs were written by hand from the checks in syntax/ and model/validate.py (the
message, the line and column of the offending word, the hint); they are the documentation of
what each mistake looks like. The case files are not named `.rules`, so the pytest plugin never
collects them.
"""

from __future__ import annotations

import hashlib
import io
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import cli
from spinerules.cli.inputs import diagnose
from spinerules.errors import (
    DuplicateError,
    ImportCycleError,
    ImportNotFoundError,
    RangeError,
    RulesError,
    RulesSyntaxError,
    TypeMismatchError,
    UndefinedNameError,
)
from spinerules.syntax.samples import rule_sources

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(GOLDEN.glob("*.case"))
_COMMAND = re.compile(r"^--- (?P<args>.*) \(exit (?P<status>\d)\)$")


def read_case(path: Path) -> tuple[dict[str, str], list[str], int, str]:
    files: dict[str, str] = {}
    current: list[str] | None = None
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("=== "):
            current = []
            files[line[4:].strip()] = current  # type: ignore[assignment]
        elif match := _COMMAND.match(line.rstrip("\n")):
            expected = "".join(lines[i + 1 :])
            texts = {name: "".join(body) for name, body in files.items()}  # type: ignore[arg-type]
            return texts, shlex.split(match["args"]), int(match["status"]), expected
        elif current is not None:
            current.append(line)
    raise AssertionError(f"{path.name} has no `--- command (exit N)` line")


def anonymous_id(ruleset: str, body: str) -> str:
    """The id of a rule without `rule ID:` (docs/language.md): from its canonical text."""
    return "r_" + hashlib.sha1(f"{ruleset}\n{body}".encode()).hexdigest()[:8]


PLACEHOLDERS = {
    "{anonymous}": anonymous_id("main", "if fever then recommend massage"),
}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden_output(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, args, status, expected = read_case(case)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    got = cli.main(["--color", "never", *args], stdout=out, stderr=err)
    for key, value in PLACEHOLDERS.items():
        expected = expected.replace(key, value)
    assert out.getvalue() == expected
    assert (got, err.getvalue()) == (status, "")


def test_every_error_kind_has_a_golden_case() -> None:
    """Each `RulesError` code appears in some case's expected output (JSON) or is produced by
    one of the cases (text): checked by running every case and collecting the codes."""
    kinds = {
        RulesSyntaxError.code,
        UndefinedNameError.code,
        TypeMismatchError.code,
        RangeError.code,
        DuplicateError.code,
        ImportNotFoundError.code,
        ImportCycleError.code,
    }
    seen: set[str] = set()
    warnings: set[str] = set()
    for case in CASES:
        files, args, _, _ = read_case(case)
        paths = [a for a in args if a in files]
        with pytest.MonkeyPatch.context() as patch, _folder(files) as folder:
            patch.chdir(folder)
            for found in diagnose([Path(p) for p in paths]):
                (seen if found.severity == "error" else warnings).add(found.code)
    assert kinds <= seen
    assert {"unused-fact", "unused-technique", "unused-site", "no-because", "no-cite"} <= warnings


class _folder:
    """A temporary folder holding a case's files."""

    def __init__(self, files: dict[str, str]) -> None:
        import tempfile

        self._dir = tempfile.TemporaryDirectory()
        self.path = Path(self._dir.name)
        for name, text in files.items():
            (self.path / name).parent.mkdir(parents=True, exist_ok=True)
            (self.path / name).write_text(text, encoding="utf-8")

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()


# ---- any broken text: a RulesError in the user's words, never a raw parser exception ---------

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\[^\n])*"|#[^\n]*|[a-z_][a-z0-9_]*|-?[0-9]+|\.\.|[<>!]=|\S')
_KEYWORDS = ["if", "then", "and", "or", "not", "rule", "test", "given", "expect", "at", "{", "}"]


@st.composite
def broken_sources(draw: st.DrawFn) -> str:
    """A valid file with one token dropped, doubled, swapped with the next, or replaced."""
    text = draw(rule_sources(comments=False, messy=False))
    tokens = [m for m in _TOKEN.finditer(text)]
    assume(len(tokens) > 1)
    i = draw(st.integers(0, len(tokens) - 2))
    a, b = tokens[i], tokens[i + 1]
    how = draw(st.sampled_from(["drop", "double", "swap", "replace"]))
    if how == "drop":
        new = ""
    elif how == "double":
        new = f"{a.group()} {a.group()}"
    elif how == "swap":
        return text[: a.start()] + b.group() + " " + a.group() + text[b.end() :]
    else:
        new = draw(st.sampled_from([*_KEYWORDS, "Upper", "007", '"open', ";", "=="]))
    return text[: a.start()] + new + text[a.end() :]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_sources())
def test_broken_text_gives_rules_errors_in_the_users_words(text: str) -> None:
    try:
        spinerules.compile_text(text, name="broken.rules")
    except RulesError as exc:
        for error in exc.errors:
            assert error.span.file == "broken.rules"
            assert 1 <= error.line <= max(len(text.splitlines()), 1)
            # outside backticks (user text), no grammar terminal like NAME, $END or __ANON_0
            words = re.sub(r"`[^`]*`", "", error.message)
            assert not re.search(r"[A-Z_$]{3,}", words), error.message
            assert "Token(" not in error.message and "Tree(" not in error.message
            error.render()  # renders without failing
