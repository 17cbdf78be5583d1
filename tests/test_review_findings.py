"""Regression tests for bugs a review of the core engine found (each failed before its fix).

Each test asserts the documented behaviour it names: a red flag given as a generator is never
lost, the cache never serves a model its files no longer describe, disagreements are found under
the site hierarchy, each file keeps its own document, rule ids stay unique, odd line endings and
encodings are errors or read correctly, and deep nesting is a RulesError.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import pytest
from conftest import two_documents

import spinerules
from spinerules import FactError, RulesError, Verdict

RED_FLAGS = """\
fact red_flags: set of cauda_equina | fracture
fact phase: ordered chronic < acute
technique massage
rule red: if red_flags has any {cauda_equina, fracture} then contraindicate massage because "r"
rule calm: if not red_flags has any {cauda_equina, fracture} then allow massage because "c"
"""


class Phase(StrEnum):
    CHRONIC = "chronic"
    ACUTE = "acute"


# semantics.md 13-14 (then: a set fact was "any iterable of str"); a value outside the domain raises
# FactError, "nothing is silently treated as missing". The generated quick checker
# (compile.py `check`) consumes a one-shot iterable with `frozenset(s)`, then raises on the typo;
# kb.check() falls back to facts.normalize, which re-reads the now exhausted generator as the
# EMPTY set. The typo is accepted and the real red flag is dropped: the patient is read as having
# no red flags and massage comes out `allowed` instead of a FactError.
def test_a_generator_set_with_a_bad_item_raises_instead_of_reading_as_empty() -> None:
    kb = spinerules.compile_text(RED_FLAGS)
    with pytest.raises(FactError):
        kb.evaluate({"red_flags": (f for f in ["cauda_equina", "fractur"])})


# Same root cause: any other value that the quick checker rejects but the careful checker accepts
# (here a StrEnum for an ordered fact, declared after the set fact) made the fallback re-read the
# exhausted generator, and a valid red flag was silently lost. A set fact now takes a list, tuple,
# set or frozenset and nothing else (semantics.md 13), so a generator is refused, with a clear
# error, instead of being read at all.
def test_a_generator_set_is_refused_not_lost() -> None:
    kb = spinerules.compile_text(RED_FLAGS)

    def profile() -> dict[str, object]:
        return {"red_flags": (f for f in ["cauda_equina"]), "phase": Phase.CHRONIC}

    with pytest.raises(FactError, match="a list of values"):
        kb.evaluate(profile())
    with pytest.raises(FactError):
        kb.screen(profile())
    assert (
        kb.evaluate({"red_flags": ("cauda_equina",), "phase": Phase.CHRONIC}).verdict("massage")
        is Verdict.CONTRAINDICATED
    )


# cache.py: "a cache that does not match the source is ignored, never trusted"; "the cache can only
# make loading faster, not different". The cache records imported files by their *resolved* path,
# so when `use "current.rules"` is a symlink that is re-pointed to a new guideline version, the
# old target is still unchanged and the stale model (here `allow`) is served instead of the new
# one (`contraindicate`).
def test_the_cache_notices_a_re_pointed_import_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("SPINERULES_CACHE_DIR", str(cache))
    monkeypatch.setenv("SPINERULES_CACHE", "1")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "v1.rules").write_text('fact f: bool\ntechnique t\nif f then allow t because "v1"\n')
    (rules / "v2.rules").write_text(
        'fact f: bool\ntechnique t\nif f then contraindicate t because "v2"\n'
    )
    (rules / "root.rules").write_text('use "current.rules"\n')
    os.symlink(rules / "v1.rules", rules / "current.rules")
    first = spinerules.load_path(rules / "root.rules").evaluate({"f": True})
    assert first.verdict("t") is Verdict.ALLOWED
    os.remove(rules / "current.rules")
    os.symlink(rules / "v2.rules", rules / "current.rules")
    again = spinerules.load_path(rules / "root.rules").evaluate({"f": True})
    assert again.verdict("t") is Verdict.CONTRAINDICATED


# semantics.md 4: a permissive action that lost to another document's restrictive one is listed in
# `res.disagreements` "with every technique where the permissive one lost" (the documented example
# is the technique hierarchy). The site hierarchy is ignored: `recommend massage at spine` (doc a)
# loses at `seg` (under spine) to `contraindicate massage at seg` (doc b) -- `res.overridden(...,
# at="seg")` says so -- but `res.disagreements` is empty. (Same for an unqualified `recommend`
# losing at a site: the code skips it on purpose, "an unqualified action is looked at without a
# site".)
def test_a_disagreement_at_a_descendant_site_is_reported(tmp_path: Path) -> None:
    kb = two_documents(
        tmp_path,
        "fact f: bool\ntechnique massage\nsite spine\nsite seg under spine\n",
        'rule a_ok: if f then recommend massage at spine because "x" cite quote "qa"',
        'rule b_no: if f then contraindicate massage at seg because "y" cite quote "qb"',
    )
    res = kb.evaluate({"f": True})
    (loss,) = res.overridden("massage", at="seg")  # the engine itself says a_ok lost at seg
    assert loss.permissive.rule_id == "a_ok"
    assert [r.rule_id for r in loss.by] == ["b_no"]
    assert [(d.permissive.rule_id, d.restrictive.rule_id) for d in res.disagreements] == [
        ("a_ok", "b_no")
    ]


# validate.py check_rules finds a module's header by its display name (`i.file ==
# module.source.name`). `compile_text(text, name="herniation")` where the text does `use
# herniation` gives two modules named "herniation": the root's own rules are attributed to the
# shipped file's ruleset and *document*, so their citations name the wrong document and a
# disagreement with the shipped document disappears (docs/api.md: a Reason's `document`;
# semantics.md 4).
def test_root_rules_keep_their_own_document_when_named_like_an_import() -> None:
    text = (
        'document "mine.txt"\nuse herniation\n'
        "rule mine_ok: if condition = herniation then recommend swedish\n"
        '  because "mine" cite quote "q"\n'
    )
    kb = spinerules.compile_text(text, name="herniation")
    (rule,) = [r for r in kb.rules if r.id == "mine_ok"]
    assert rule.document == "mine.txt"


# language.md: a rule without `rule ID:` gets a stable id; explicit ids used twice are an error
# ("rule id ... is used twice"). Anonymous ids hash only the ruleset name and the rule body, and
# are deduplicated per file, so two files with the same ruleset name (here both named after their
# stem `x`) and the same rule text (two guidelines saying the same thing) give two different rules
# with one id: `fired` ids, `rule_index`, `fires RULE` and per-rule analysis directives become
# ambiguous.
def test_rule_ids_are_unique_in_a_knowledge_base(tmp_path: Path) -> None:
    for folder, doc in (("a", "a.txt"), ("b", "b.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.rules").write_text(
            f'document "{doc}"\nif f then caution t because "same words"\n'
        )
    (tmp_path / "root.rules").write_text(
        'fact f: bool\ntechnique t\nuse "a/x.rules"\nuse "b/x.rules"\n'
    )
    try:
        kb = spinerules.load_path(tmp_path / "root.rules")
    except RulesError:
        return  # reporting the clash as an error would also be acceptable
    ids = [r.id for r in kb.rules]
    assert len(ids) == len(set(ids)), ids


# semantics.md 11: a set fact is "any iterable of str (not a str)"; facts.normalize rejects any
# `str` instance. The generated quick checker only rejects `str` and `bytes` *exactly*
# (`__class__ is _str`), so a str subclass -- e.g. a StrEnum member passed where a list was meant
# -- is taken as the set of its characters when every character is a value.
def test_a_str_subclass_is_not_a_set() -> None:
    class Grade(StrEnum):
        AB = "ab"

    kb = spinerules.compile_text(
        'fact g: set of a | b\ntechnique t\nif g has a then contraindicate t because "x"\n'
    )
    with pytest.raises(FactError):
        kb.evaluate({"g": Grade.AB})


# The same bytes must give the same rules whichever way they are loaded. load_path reads with
# universal newlines (a lone "\r" becomes a line break), compile_text does not: with old-Mac line
# endings the grammar's COMMENT (`#[^\n]*`) swallows everything after the first comment, and the
# rule silently disappears (verdict `unassessed` instead of `contraindicated`), no error.
def test_lone_carriage_returns_do_not_hide_rules(tmp_path: Path) -> None:
    text = 'fact f: bool\rtechnique t # a technique\rif f then contraindicate t because "x"\r'
    (tmp_path / "x.rules").write_bytes(text.encode())
    assert len(spinerules.load_path(tmp_path / "x.rules").rules) == 1
    kb = spinerules.compile_text(text)
    assert kb.evaluate({"f": True}).verdict("t") is Verdict.CONTRAINDICATED


# DEVELOPERS.md: "Every error a user can cause is a RulesError or FactError with a clear message;
# no ... traceback leaves the package." An imported file that is not UTF-8 (a Latin-1 `é` in a
# `because`) raises a bare UnicodeDecodeError with no file, line or hint.
def test_a_non_utf8_import_is_a_rules_error(tmp_path: Path) -> None:
    (tmp_path / "v.rules").write_bytes(
        'fact f: bool\ntechnique t\nif f then caution t because "caf\xe9"\n'.encode("latin-1")
    )
    with pytest.raises(RulesError):
        spinerules.compile_text('use "v.rules"\n', base_dir=tmp_path)


# DEVELOPERS.md, same line: a grammatical rule whose condition nests about 100 `and`/`or` levels
# makes Python's compiler fail on the generated code (MemoryError / SyntaxError "too many nested
# parentheses"), and deeper ones hit RecursionError in the parser's transformer; none is a
# RulesError. (It must either compile or be reported as a RulesError.)
def test_a_deeply_nested_condition_compiles_or_is_a_rules_error() -> None:
    depth = 100
    cond = " and (g or (".join(["f"] * depth) + "))" * (depth - 1)
    text = f'fact f: bool\nfact g: bool\ntechnique t\nif {cond} then caution t because "x"\n'
    try:
        kb = spinerules.compile_text(text)
    except RulesError:
        return
    assert kb.evaluate({"f": True, "g": True}).verdict("t") is Verdict.CAUTION
