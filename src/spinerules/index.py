"""The discrimination index: a decision tree over fact values, built at compile time.

For complete profiles the compiler does not test every rule. It picks a fact that many rules
constrain (say `condition`), and for each of its values keeps only the rules that can still fire,
each *specialised* to that value (its atoms on that fact replaced by true or false and the
condition simplified). It repeats inside each branch with another fact while that pays. Rules that
cannot fire for a value are never looked at for a patient with that value, so evaluation time
grows with the rules that can apply, not with the size of the rule base.
"""

from __future__ import annotations

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


def _allowed(cond: Lowered, slot: int, domain: Sequence[object]) -> frozenset[object] | None:
    """Values of `slot` for which the top-level conjunction does not rule `cond` out;
    None when it says nothing about the slot."""
    parts = cond.parts if isinstance(cond, Junction) and cond.op == "and" else (cond,)
    allowed: frozenset[object] | None = None
    for part in parts:
        if isinstance(part, Atom) and part.slot == slot and part.op not in ("known", "unknown"):
            here = frozenset(v for v in domain if atom2(part, v))  # type: ignore[arg-type]
            allowed = here if allowed is None else allowed & here
    return allowed


def build(
    rules: Sequence[tuple[int, Lowered]],
    domains: dict[int, tuple[object, ...]],
    reads: Sequence[frozenset[int]],
    budget: int | None = None,
) -> Tree:
    """The index for `rules` ((rule index, condition) pairs). `domains` lists the slots that can
    be switched on, with their values; `reads[i]` is the set of slots rule i reads. `budget`
    bounds how many rule copies the tree may hold in all (default 16 per rule)."""
    state = {"left": budget if budget is not None else 16 * len(rules) + 64}
    return _build([(i, c) for i, c in rules], domains, reads, 0, state)


def _build(
    rules: list[tuple[int, Cond]],
    domains: dict[int, tuple[object, ...]],
    reads: Sequence[frozenset[int]],
    depth: int,
    state: dict[str, int],
) -> Tree:
    if len(rules) <= LEAF_SIZE or depth >= MAX_DEPTH or not domains:
        return Leaf(tuple(rules))
    best: tuple[float, int] | None = None
    for slot, domain in domains.items():
        total = 0
        for _, cond in rules:
            allowed = None if isinstance(cond, bool) else _allowed(cond, slot, domain)
            total += len(domain) if allowed is None else len(allowed)
        average = total / len(domain)  # rules a patient meets in a branch, on average
        if best is None or average < best[0]:
            best = (average, slot)
    assert best is not None
    average, slot = best
    if average > 0.9 * len(rules) or len(rules) - average < 2:
        return Leaf(tuple(rules))
    domain = domains[slot]
    rest = {s: d for s, d in domains.items() if s != slot}
    split: list[tuple[object, list[tuple[int, Cond]]]] = []
    for value in domain:
        kept: list[tuple[int, Cond]] = []
        for index, cond in rules:
            if isinstance(cond, bool) or slot not in reads[index]:
                kept.append((index, cond))
                continue
            got = specialize(cond, slot, value)
            if got is not False:
                kept.append((index, got))
        if kept:
            split.append((value, kept))
    copies = sum(len(kept) for _, kept in split)
    if copies > state["left"]:  # over budget: this node stays a leaf, its siblings may split
        return Leaf(tuple(rules))
    state["left"] -= copies
    cases = [(value, _build(kept, rest, reads, depth + 1, state)) for value, kept in split]
    return Branch(slot, tuple(cases))


def size(tree: Tree) -> int:
    """How many rule copies the tree holds (for statistics and tests)."""
    if isinstance(tree, Leaf):
        return len(tree.rules)
    return sum(size(t) for _, t in tree.cases)
