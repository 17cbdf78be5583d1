"""'Did you mean' hints for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

__all__ = ["Suggester", "did_you_mean"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close.

    A name that is a part of a candidate comes first: `pain` is `pain_score`, `kidneys` is
    `kidney_area` (its part `kidney`, plural), however close other names are letter by letter
    (`knees`). Otherwise the closest by letters, if close enough."""
    names = list(candidates)
    stem = word[:-1] if word.endswith("s") and len(word) > 3 else word
    parts = [
        name for name in names
        if name != word and (word in name.split("_") or stem in name.split("_"))
    ]  # fmt: skip
    if parts:
        best = difflib.get_close_matches(word, parts, n=1, cutoff=0.0)
        return f"did you mean `{best[0]}`?"
    matches = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


class Suggester:
    """`did_you_mean` for many names at once, as validation asks it: the same name is answered
    once, and the comparisons made in all are bounded (each costs a string comparison with
    every candidate, so a file with thousands of misspellings of thousands of names would
    otherwise cost their product). Past the budget, hints are left out; errors never are."""

    def __init__(self, budget: int = 50_000) -> None:
        self.left = budget
        self.memo: dict[tuple[str, int, int], str | None] = {}

    def __call__(self, word: str, candidates: Collection[str]) -> str | None:
        key = (word, id(candidates), len(candidates))
        if key in self.memo:
            return self.memo[key]
        if self.left < len(candidates):
            return None
        self.left -= len(candidates)
        found = self.memo[key] = did_you_mean(word, candidates)
        return found
