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
from collections.abc import Collection, Mapping, Sequence

import attrs

from .logic import Atom, Junction, Lowered, holds

__all__ = ["COPIES", "Branch", "Leaf", "Tree", "build", "specialize"]

Cond = Lowered | bool


def specialize(cond: Lowered, slot: int, value: object) -> Cond:
    """`cond` with `slot` known to hold `value` (a complete-profile value), simplified. A part
    that does not read the slot is kept as it is (the same object)."""
    if isinstance(cond, Atom):
        return holds(cond, value) if cond.slot == slot else cond  # type: ignore[arg-type]
    if cond.op == "not":
        inner = specialize(cond.parts[0], slot, value)
        if inner is cond.parts[0]:
            return cond
        return (not inner) if isinstance(inner, bool) else Junction("not", (inner,))
    absorbing = cond.op == "or"  # True absorbs an `or`, False an `and`
    parts: list[Lowered] = []
    changed = False
    for part in cond.parts:
        if isinstance(part, Atom):
            if part.slot != slot:
                parts.append(part)
                continue
            got: Cond = holds(part, value)  # type: ignore[arg-type]
        else:
            got = specialize(part, slot, value)
        if isinstance(got, bool):
            if got is absorbing:
                return absorbing
            changed = True
            continue
        changed = changed or got is not part
        parts.append(got)
    if not changed:
        return cond
    if not parts:
        return not absorbing
    return parts[0] if len(parts) == 1 else Junction(cond.op, tuple(parts))


@attrs.frozen
class Leaf:
    """Rules to test one by one: (rule index, its condition here; True means it fires)."""

    rules: tuple[tuple[int, Cond], ...]


@attrs.frozen
class Branch:
    """Switch on a slot: one subtree per value that some rule can still fire for. `rules` are
    the node's rules before the split, for a patient whose value of the slot is unknown."""

    slot: int
    cases: tuple[tuple[object, Tree], ...]
    rules: tuple[tuple[int, Cond], ...] = ()


Tree = Leaf | Branch

#: stop splitting below this many rules: a few tests are cheaper than a switch
LEAF_SIZE = 6
MAX_DEPTH = 6
#: rule copies the index may hold per rule, on average. Each copy is code to compile: peak
#: memory while compiling grows with the copies, and CPython's compiler is most of it. Splits
#: that keep most rules in every branch (random rule bases) would take more and buy little
#: (benchmarks/README.md, "Index budget"); rule bases keyed on a fact split within it.
COPIES = 3
#: rules looked at when choosing the slot to split a node on
_SAMPLE = 64


def _allowed(
    cond: Lowered, domains: Mapping[int, tuple[object, ...]]
) -> dict[int, frozenset[object]]:
    """For each slot of `domains` the top-level conjunction of `cond` tests: the values for which
    it does not rule `cond` out. A slot it says nothing about is left out."""
    parts = cond.parts if isinstance(cond, Junction) and cond.op == "and" else (cond,)
    allowed: dict[int, frozenset[object]] = {}
    for part in parts:
        if isinstance(part, Atom) and part.op not in ("known", "unknown"):
            domain = domains.get(part.slot)
            if domain is None:
                continue
            here = _atom_allowed(part, domain)
            before = allowed.get(part.slot)
            allowed[part.slot] = here if before is None else before & here
    return allowed


@functools.lru_cache(maxsize=65536)
def _atom_allowed(atom: Atom, domain: tuple[object, ...]) -> frozenset[object]:
    """The values of the atom's slot for which the atom holds (it depends on nothing else).
    The usual tests are spelled out as `holds` makes them, without a call per value (a keyed
    rule base has enums of hundreds of values)."""
    op, arg = atom.op, atom.arg
    if op == "eq":
        return frozenset([v for v in domain if v == arg])
    if op == "ne":
        return frozenset([v for v in domain if v != arg])
    if op == "in":
        return frozenset([v for v in domain if v in arg])  # type: ignore[operator]
    if op == "nin":
        return frozenset([v for v in domain if v not in arg])  # type: ignore[operator]
    return frozenset([v for v in domain if holds(atom, v)])  # type: ignore[arg-type]


#: id(condition) -> (the condition, its `_allowed`)
_Memo = dict[int, tuple[Cond, dict[int, frozenset[object]]]]


def _allowed_memo(
    memo: _Memo, cond: Lowered, domains: Mapping[int, tuple[object, ...]]
) -> dict[int, frozenset[object]]:
    """`_allowed` over every slot the index may switch on, once per condition object (a
    condition a split did not change is the same object in every branch). The memo keeps the
    condition alive, so ids stay unique."""
    found = memo.get(id(cond))
    if found is None:
        found = (cond, _allowed(cond, domains))
        memo[id(cond)] = found
    return found[1]


def build(
    rules: Sequence[tuple[int, Lowered]],
    domains: dict[int, tuple[object, ...]],
    reads: Sequence[Collection[int]],
    budget: int | None = None,
) -> Tree:
    """The index for `rules` ((rule index, condition) pairs). `domains` lists the slots that can
    be switched on, with their values; `reads[i]` holds the slots rule i reads. `budget`
    bounds how many rule copies the tree may hold in all (default: `COPIES` per rule)."""
    default = COPIES * len(rules) + 64
    state = {"left": budget if budget is not None else default}
    return _build([(i, c) for i, c in rules], domains, domains, reads, {}, 0, state)


def _build(
    rules: list[tuple[int, Cond]],
    domains: dict[int, tuple[object, ...]],
    every: dict[int, tuple[object, ...]],
    reads: Sequence[Collection[int]],
    memo: _Memo,
    depth: int,
    state: dict[str, int],
) -> Tree:
    """`domains`: the slots still to switch on here; `every`: all of them (the memo's)."""
    if len(rules) <= LEAF_SIZE or depth >= MAX_DEPTH or not domains:
        return Leaf(tuple(rules))
    # choose the slot on a sample of the rules: choosing is a guess anyway, and looking at every
    # rule of every node for every slot would make compiling large rule bases quadratic.
    # A slot's score is how many (rule, value) pairs of the sample survive a split on it: all of
    # them but those the rules' conjunctions rule out.
    sample = rules if len(rules) <= _SAMPLE else rules[:: len(rules) // _SAMPLE]
    ruled_out = dict.fromkeys(domains, 0)
    for _, cond in sample:
        if isinstance(cond, bool):
            continue
        for s, allowed in _allowed_memo(memo, cond, every).items():
            if s in ruled_out:
                ruled_out[s] += len(domains[s]) - len(allowed)
    best: tuple[float, int] | None = None
    for slot, domain in domains.items():
        total = len(domain) * len(sample) - ruled_out[slot]
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
    position = {value: i for i, value in enumerate(domain)}
    for index, cond in rules:
        if isinstance(cond, bool) or slot not in reads[index]:
            for value in domain:
                buckets[value].append((index, cond))
            continue
        values = _allowed_memo(memo, cond, every).get(slot)
        if values is None:
            chosen: Sequence[object] = domain
        elif len(values) * 8 < len(domain):  # a few values of many: in domain order
            chosen = sorted(values, key=position.__getitem__)
        else:
            chosen = [v for v in domain if v in values]
        for value in chosen:
            got = specialize(cond, slot, value)
            if got is not False:
                buckets[value].append((index, got))
    split = [(value, kept) for value, kept in buckets.items() if kept]
    copies = sum(len(kept) for _, kept in split)
    if copies > state["left"]:  # over budget: this node stays a leaf, its siblings may split
        return Leaf(tuple(rules))
    state["left"] -= copies
    cases = [
        (value, _build(kept, rest, every, reads, memo, depth + 1, state)) for value, kept in split
    ]
    return Branch(slot, tuple(cases), tuple(rules))


def size(tree: Tree) -> int:
    """How many rule copies the tree holds (for statistics and tests)."""
    if isinstance(tree, Leaf):
        return len(tree.rules)
    return sum(size(t) for _, t in tree.cases)
