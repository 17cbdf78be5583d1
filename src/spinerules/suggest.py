"""'Did you mean' hints for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

__all__ = ["Suggester", "did_you_mean"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
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
