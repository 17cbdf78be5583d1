"""The discrimination index: a decision tree over fact values, built at compile time.

For complete profiles the compiler does not test every rule. It picks a fact that many rules
constrain (say `condition`), and for each of its values keeps only the rules that can still fire,
each *specialised* to that value (its atoms on that fact replaced by true or false and the
condition simplified). It repeats inside each branch with another fact while that pays. Rules that
cannot fire for a value are never looked at for a patient with that value, so evaluation time
grows with the rules that can apply, not with the size of the rule base.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import attrs

from .logic import Atom, Junction, Lowered, atom2

__all__ = ["Branch", "Leaf", "Tree", "build", "specialize"]

Cond = Lowered | bool


def specialize(cond: Lowered, slot: int, value: object) -> Cond:
    """`cond` with `slot` known to hold `value` (a complete-profile value), simplified."""
    if isinstance(cond, Atom):
        return atom2(cond, value) if cond.slot == slot else cond  # type: ignore[arg-type]
    if cond.op == "not":
        inner = specialize(cond.parts[0], slot, value)
        return (not inner) if isinstance(inner, bool) else Junction("not", (inner,))
    absorbing = cond.op == "or"  # True absorbs an `or`, False an `and`
    parts: list[Lowered] = []
    for part in cond.parts:
        got = specialize(part, slot, value)
        if isinstance(got, bool):
            if got is absorbing:
                return absorbing
            continue
        parts.append(got)
    if not parts:
        return not absorbing
    return parts[0] if len(parts) == 1 else Junction(cond.op, tuple(parts))


@attrs.frozen
class Leaf:
    """Rules to test one by one: (rule index, its condition here; True means it fires)."""

    rules: tuple[tuple[int, Cond], ...]


@attrs.frozen
class Branch:
    """Switch on a slot: one subtree per value that some rule can still fire for."""

    slot: int
    cases: tuple[tuple[object, Tree], ...]


Tree = Leaf | Branch

#: stop splitting below this many rules: a few tests are cheaper than a switch
LEAF_SIZE = 6
MAX_DEPTH = 6
#: rules looked at when choosing the slot to split a node on
_SAMPLE = 64


def _allowed(cond: Lowered, slot: int, domain: Sequence[object]) -> frozenset[object] | None:
    """Values of `slot` for which the top-level conjunction does not rule `cond` out;
    None when it says nothing about the slot."""
    parts = cond.parts if isinstance(cond, Junction) and cond.op == "and" else (cond,)
    allowed: frozenset[object] | None = None
    for part in parts:
        if isinstance(part, Atom) and part.slot == slot and part.op not in ("known", "unknown"):
            here = _atom_allowed(part, tuple(domain))
            allowed = here if allowed is None else allowed & here
    return allowed


@functools.lru_cache(maxsize=65536)
def _atom_allowed(atom: Atom, domain: tuple[object, ...]) -> frozenset[object]:
    """The values of the atom's slot for which the atom holds (it depends on nothing else)."""
    return frozenset(v for v in domain if atom2(atom, v))  # type: ignore[arg-type]


def _allowed_memo(
    memo: dict[tuple[int, int], tuple[Cond, frozenset[object] | None]],
    cond: Lowered,
    slot: int,
    domain: Sequence[object],
) -> frozenset[object] | None:
    """`_allowed`, once per condition object and slot (a condition a split did not change is
    the same object in every branch). The memo keeps the condition alive, so ids stay unique."""
    key = (id(cond), slot)
    found = memo.get(key)
    if found is None:
        found = (cond, _allowed(cond, slot, domain))
        memo[key] = found
    return found[1]


def build(
    rules: Sequence[tuple[int, Lowered]],
    domains: dict[int, tuple[object, ...]],
    reads: Sequence[frozenset[int]],
    budget: int | None = None,
) -> Tree:
    """The index for `rules` ((rule index, condition) pairs). `domains` lists the slots that can
    be switched on, with their values; `reads[i]` is the set of slots rule i reads. `budget`
    bounds how many rule copies the tree may hold in all (default: 16 per rule for small rule
    bases, growing more slowly past 1,000 rules so that compiling stays fast)."""
    default = min(16 * len(rules), 4 * len(rules) + 12_000) + 64
    state = {"left": budget if budget is not None else default}
    return _build([(i, c) for i, c in rules], domains, reads, {}, 0, state)


def _build(
    rules: list[tuple[int, Cond]],
    domains: dict[int, tuple[object, ...]],
    reads: Sequence[frozenset[int]],
    memo: dict[tuple[int, int], tuple[Cond, frozenset[object] | None]],
    depth: int,
    state: dict[str, int],
) -> Tree:
    if len(rules) <= LEAF_SIZE or depth >= MAX_DEPTH or not domains:
        return Leaf(tuple(rules))
    # choose the slot on a sample of the rules: choosing is a guess anyway, and looking at every
    # rule of every node for every slot would make compiling large rule bases quadratic
    sample = rules if len(rules) <= _SAMPLE else rules[:: len(rules) // _SAMPLE]
    best: tuple[float, int] | None = None
    for slot, domain in domains.items():
        total = 0
        for _, cond in sample:
            values = None if isinstance(cond, bool) else _allowed_memo(memo, cond, slot, domain)
            total += len(domain) if values is None else len(values)
        share = total / (len(domain) * len(sample))  # of the rules a patient meets in a branch
        if best is None or share < best[0]:
            best = (share, slot)
    assert best is not None
    kept_share, slot = best
    if kept_share > 0.9 or len(rules) * (1 - kept_share) < 2:
        return Leaf(tuple(rules))
    domain = domains[slot]
    rest = {s: d for s, d in domains.items() if s != slot}
    # each rule goes only to the values its conjunction allows (O(rules + copies), not
    # O(rules x values)), specialised to each
    buckets: dict[object, list[tuple[int, Cond]]] = {value: [] for value in domain}
    for index, cond in rules:
        if isinstance(cond, bool) or slot not in reads[index]:
            for value in domain:
                buckets[value].append((index, cond))
            continue
        values = _allowed_memo(memo, cond, slot, domain)
        for value in domain if values is None else [v for v in domain if v in values]:
            got = specialize(cond, slot, value)
            if got is not False:
                buckets[value].append((index, got))
    split = [(value, kept) for value, kept in buckets.items() if kept]
    copies = sum(len(kept) for _, kept in split)
    if copies > state["left"]:  # over budget: this node stays a leaf, its siblings may split
        return Leaf(tuple(rules))
    state["left"] -= copies
    cases = [(value, _build(kept, rest, reads, memo, depth + 1, state)) for value, kept in split]
    return Branch(slot, tuple(cases))


def size(tree: Tree) -> int:
    """How many rule copies the tree holds (for statistics and tests)."""
    if isinstance(tree, Leaf):
        return len(tree.rules)
    return sum(size(t) for _, t in tree.cases)
