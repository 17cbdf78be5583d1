"""Fuzzing: whatever the input, a clear error or an answer, never another exception.

Bounded so that the suite stays fast; `SPINERULES_FUZZ_EXAMPLES=20000 python -m pytest
tests/test_fuzz.py` runs a longer campaign (docs/DEVELOPERS.md: "Fuzzing").
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import string
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import FactError, RulesError, cli
from spinerules.syntax.format import FormatError, format_text
from spinerules.testing import rule_sources

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SPINERULES_FUZZ_EXAMPLES", "150"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYWORDS = sorted(__import__("spinerules.syntax.reader", fromlist=["keywords"]).keywords())
PIECES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(list('(){}:,=<>!|."#\\\n \t-0123456789')),
    st.sampled_from(["fact", "massage", "f", "t", "0", "99", "..", "<=", "use", '"x.rules"']),
    st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=6),
    st.text(max_size=3),
)


@st.composite
def mutated_sources(draw: st.DrawFn) -> str:
    """A valid file with a few random edits: pieces inserted, text deleted or duplicated."""
    text = draw(rule_sources())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if kind == "insert":
            text = text[:at] + draw(PIECES) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            text = text[:at] + text[at : at + 20] * draw(st.integers(2, 5)) + text[at:]
    return text


RULES_TEXT = st.one_of(st.lists(PIECES, max_size=40).map(" ".join), mutated_sources())


@fuzz
@given(RULES_TEXT)
def test_rules_text_compiles_or_gives_a_rules_error(text: str) -> None:
    try:
        spinerules.compile_text(text, name="fuzz.rules")
    except RulesError as exc:
        assert exc.errors
        str(exc)  # renders
    with contextlib.suppress(RulesError, FormatError):
        format_text(text, "fuzz.rules")


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True),
        st.text(max_size=8),
        st.sampled_from(["acute", "herniation", "numbness", "fever", "", "yes", "true"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)
KB = spinerules.load_all()


@st.composite
def json_profiles(draw: st.DrawFn) -> Any:
    names = st.one_of(st.sampled_from(sorted(KB.facts)), st.text(max_size=8))
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)  # not even a mapping
    return draw(st.dictionaries(names, JSON, max_size=6))


@fuzz
@given(json_profiles())
def test_json_shaped_profiles_give_a_result_or_a_fact_error(profile: Any) -> None:
    try:
        res = KB.evaluate(profile)
    except FactError:
        return
    json.dumps(res.to_dict())
    assert KB.screen(profile) == res.verdicts()


FOLDER = Path(tempfile.mkdtemp(prefix="spinerules-fuzz-"))
ARGS = st.sampled_from(
    [
        "list",
        "check",
        "fmt",
        "test",
        "query",
        "explain",
        "analyze",
        "all",
        "herniation",
        "FILE",
        "FOLDER",
        "-",
        "--fact",
        "phase=acute",
        "minutes_since_meal=99999999999",
        "symptoms=numbness,",
        "x=",
        "=",
        "--json",
        "--format",
        "json",
        "text",
        "--check",
        "--diff",
        "--strict",
        "--coverage",
        "--min-coverage",
        "150",
        "abc",
        "--rule",
        "--show-accepted",
        "--help",
        "--version",
        "--color",
        "always",
        "",
    ]
)


@fuzz
@given(st.lists(ARGS, max_size=6), RULES_TEXT, st.binary(max_size=40))
def test_the_command_line_never_prints_a_traceback(argv: list[str], text: str, junk: bytes) -> None:
    folder = FOLDER / "files"
    folder.mkdir(exist_ok=True)
    (folder / "f.rules").write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "j.json").write_bytes(junk)
    argv = [
        str(folder / "f.rules") if a == "FILE" else str(folder) if a == "FOLDER" else a
        for a in argv
    ]
    after = zip(["", *argv], argv, strict=False)
    argv = [str(folder / "j.json") if prev == "--json" else a for prev, a in after]
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(junk), encoding="utf-8")  # `-` reads the junk
    try:
        status = cli.main(argv, stdout=out, stderr=err)
    except SystemExit as exc:  # argparse's --help and --version
        status = exc.code if isinstance(exc.code, int) else 0
    finally:
        sys.stdin = saved
    assert status in (0, 1, 2), (argv, status)
    assert "Traceback" not in out.getvalue() + err.getvalue()
