"""The Pygments lexer: found through its entry point, and no Error token on any shipped or
example file nor on random valid rules files; a character outside the language is one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

pygments_lexers = pytest.importorskip("pygments.lexers", reason="pygments is not installed")

from pygments.token import Error, Keyword, Name, String  # noqa: E402

from spinerules._resources import rulesets_dir  # noqa: E402
from spinerules.testing import rule_sources  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(rulesets_dir().glob("*.rules")) + sorted((ROOT / "examples").glob("*.rules"))


def errors(text: str) -> list[str]:
    lexer = pygments_lexers.get_lexer_by_name("spinerules")
    return [value for token, value in lexer.get_tokens(text) if token in Error]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_error_token_in_a_shipped_or_example_file(path: Path) -> None:
    assert errors(path.read_text(encoding="utf-8")) == []


@settings(max_examples=60, deadline=None)
@given(rule_sources())
def test_no_error_token_in_any_valid_rules_file(text: str) -> None:
    assert errors(text) == []


def test_what_the_tokens_are() -> None:
    assert pygments_lexers.get_lexer_for_filename("clinic.rules").name == "spinerules"
    text = 'rule no_cupping:\n  if phase = acute then contraindicate cupping because "x \\" y"\n'
    tokens = [(t, v) for t, v in pygments_lexers.get_lexer_by_name("spinerules").get_tokens(text)]
    assert (Name.Function, "no_cupping") in tokens
    assert (Keyword, "contraindicate") in tokens and (Name, "cupping") in tokens
    assert any(t in String and "\\" in v for t, v in tokens)
    assert errors("rule a:\n  if pain ^ 3\n") == ["^"]


# ---------------------------------------------------------------- the TextMate grammar

VSCODE = ROOT / "editors" / "vscode"
TM_GRAMMAR = VSCODE / "syntaxes" / "spinerules.tmLanguage.json"


def test_the_textmate_grammar_knows_every_keyword_and_no_other() -> None:
    import json
    import re

    from spinerules.syntax.grammar import keywords

    grammar = json.loads(TM_GRAMMAR.read_text(encoding="utf-8"))
    listed: set[str] = set()
    for group in ("declaration", "keyword"):
        for pattern in grammar["repository"][group]["patterns"]:
            alternatives = re.fullmatch(r"\\b\((.*)\)\\b", pattern.get("match", ""))
            if alternatives:
                listed |= set(alternatives[1].split("|"))
    assert listed == set(keywords())


def test_the_textmate_grammar_passes_its_annotated_samples() -> None:
    import os
    import shutil
    import subprocess

    tool = VSCODE / "node_modules" / ".bin" / "vscode-tmgrammar-test"
    if not tool.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install editors/vscode's node modules (see .ci/run)")
        pytest.skip("needs `npm ci` in editors/vscode")
    assert shutil.which("node")
    samples = sorted(str(p.relative_to(VSCODE)) for p in (VSCODE / "tests").glob("*.rules"))
    run = subprocess.run(
        [str(tool), "-g", str(TM_GRAMMAR.relative_to(VSCODE)), *samples],
        cwd=VSCODE, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("run successfuly") == len(samples) == 2
