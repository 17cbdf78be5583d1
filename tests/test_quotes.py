"""Every `quote "..."` in a shipped ruleset occurs verbatim in the document it cites: the file's
`document`, or for a rule that `generalizes "DOCUMENT"`, that document.

The first half reads the .rules text with a small tokenizer, so it does not depend on the
engine; the second half checks the same through the public API (`rule.cites[j].quote`).
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RULESETS = REPO / "rulesets"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

SHIPPED = sorted(p for p in RULESETS.glob("*.rules"))
DOCUMENT_RULESETS = [
    "fusion_avoidance",
    "stenosis",
    "herniation",
    "spine_specialist",
    "osteochondrosis",
]

# Tokens of the rules language that matter here: strings (with the two escapes \" and \\),
# comments (skipped), names, and any other single character.
TOKEN = re.compile(r'"(?:[^"\\\n]|\\["\\])*"|#[^\n]*|[a-z_][a-z0-9_]*|\S', re.ASCII)


def _unquote(token: str) -> str:
    return re.sub(r"\\([\"\\])", r"\1", token[1:-1])


def parse_cites(text: str) -> tuple[str | None, list[tuple[int, str, str | None]]]:
    """Return the `document` string and every (line number, quote, document it quotes) of a
    .rules text."""
    document = None
    generalized: str | None = None  # of the rule being read
    quotes: list[tuple[int, str, str | None]] = []
    tokens = [
        (m.group(), text.count("\n", 0, m.start()) + 1)
        for m in TOKEN.finditer(text)
        if not m.group().startswith("#")
    ]
    for (word, _), (nxt, line) in itertools.pairwise(tokens):
        if word in ("rule", "if", "test"):
            generalized = None  # a new statement (`if` also starts a rule without an id)
        if not nxt.startswith('"'):
            continue
        if word == "document":
            document = _unquote(nxt)
        elif word == "generalizes":
            generalized = _unquote(nxt)
        elif word == "quote":
            quotes.append((line, _unquote(nxt), generalized or document))
    return document, quotes


def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        message = f"seed documents not found at {SEEDS}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SEEDS


def read_document(name: str) -> str:
    path = seeds_dir() / name
    assert path.is_file(), f"cited document {name} is not in {path.parent}"
    return path.read_text(encoding="utf-8")


def test_every_document_has_its_ruleset() -> None:
    names = {p.stem for p in SHIPPED}
    assert "vocabulary" in names
    for name in DOCUMENT_RULESETS:
        assert name in names, f"rulesets/{name}.rules is missing"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_quotes_are_verbatim(path: Path) -> None:
    document, quotes = parse_cites(path.read_text(encoding="utf-8"))
    if path.stem == "vocabulary":
        assert document is None and quotes == []
        return
    assert quotes, f"{path.name} quotes nothing"
    for line, quote, source in quotes:
        assert source is not None, f"{path.name}:{line}: the quote names no document"
        text = read_document(source)
        assert quote.strip(), f"{path.name}:{line}: empty quote"
        assert "\n" not in quote, f"{path.name}:{line}: a quote must not span a line break"
        assert quote in text, f"{path.name}:{line}: not verbatim in {source}: {quote!r}"


def test_tokenizer_reads_escapes_and_skips_comments() -> None:
    text = (
        '# quote "not this"\ndocument "d.txt"\n'
        'rule x: if a then advise "quote" cite quote "say \\"hi\\""\n'
    )
    assert parse_cites(text) == ("d.txt", [(3, 'say "hi"', "d.txt")])
    general = (
        'rule x: if a then advise "b" generalizes "e.txt" cite quote "q"\nif b then advise "c"'
    )
    assert parse_cites(general + ' cite quote "r"') == (None, [(1, "q", "e.txt"), (2, "r", None)])


# ------------------------------------------------------------------ through the engine


@pytest.mark.parametrize("name", [*DOCUMENT_RULESETS, "general_screening"])
def test_quotes_are_verbatim_through_the_api(name: str) -> None:
    spinerules = pytest.importorskip("spinerules")
    kb = spinerules.load(name)
    assert kb.rules, f"{name} has no rules"
    regex_quotes = sorted(
        (q, d) for _, q, d in parse_cites((RULESETS / f"{name}.rules").read_text("utf-8"))[1]
    )
    api_quotes = []
    for rule in kb.rules:
        assert rule.cites, f"rule {rule.id} cites nothing"
        assert rule.document is not None, f"rule {rule.id} names no document"
        assert rule.generalized == (name == "general_screening")
        text = read_document(rule.document)
        for cite in rule.cites:
            assert cite.quote in text, (
                f"rule {rule.id}: not verbatim in its document: {cite.quote!r}"
            )
            api_quotes.append((cite.quote, rule.document))
    # the engine and the tokenizer above read the same quotes, of the same documents
    assert sorted(api_quotes) == regex_quotes
