"""The validated model to a fast evaluator: everything that does not depend on the patient.

Names become slot numbers; the technique and site hierarchies are folded so that each rule knows
every (technique, level) it reaches; conditions are specialised into a decision tree over fact
values (`index.py`) and turned into Python source that is compiled once.

The source is generated only from the validated model: fact slots become local names `s<N>`,
techniques `l<N>`, every literal is emitted with `repr()`, and value sets are bound as constants
`_k<N>`; no text from a rules file is placed in the code except through `repr()`, and the code
runs with no builtins. `Program.code` shows what was generated.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .._collector import paused
from ..model.model import BY_LEVEL, RESTRICTIVE, Fact, FactKind, Hierarchy, Model, Verdict
from ..model.profile import Normal
from .index import Cond, Leaf, Tree, build
from .logic import COMPARISONS, Atom, Junction, Lowered, lower, slots_of
from .result import FiredAction

__all__ = ["Program", "compile_model"]

FireFn = Callable[[Sequence[Normal]], list[int]]
ScreenFn = Callable[[Sequence[Normal]], dict[str, Verdict]]
LevelsFn = Callable[[Sequence[Normal]], tuple[int, ...]]
ActsFn = Callable[[Sequence[Normal]], list[FiredAction]]
PartialFn = Callable[[Sequence[Normal]], tuple[list[int], list[int]]]
PartialLevelsFn = Callable[[Sequence[Normal]], tuple[tuple[int, ...], tuple[int, ...]]]
NormFn = Callable[[Mapping[str, Any]], tuple[Normal, ...]]

#: ints with at most this many values can be switched on by the index
_MAX_SWITCH = 16


#: (rule, technique it names, site it names or -1, level, action index): see `Program.entries`
ActionEntry = tuple[int, int, int, int, int]


@attrs.frozen
class Program:
    """A compiled knowledge base: indexes into the model's facts, techniques, sites and rules.

    Verdict actions are kept as written, one *entry* per (rule, action): what a technique
    inherits from the techniques above it is worked out through the hierarchies (`Hierarchy`)
    when a verdict or an explanation needs it, so a tree of N techniques under one root with N
    rules on the root costs N entries, not N * N."""

    slots: tuple[str, ...]
    techniques: tuple[str, ...]
    sites: tuple[str, ...]
    rule_slots: tuple[tuple[int, ...], ...]
    technique_tree: Hierarchy = attrs.field(repr=False)
    site_tree: Hierarchy = attrs.field(repr=False)
    #: complete profile -> technique -> verdict, unqualified actions only (through the index)
    screen_complete: ScreenFn = attrs.field(repr=False)
    #: complete profile -> verdict level per technique (what `screen_complete` reports)
    levels_complete: LevelsFn = attrs.field(repr=False)
    #: profile -> normalised values, for well-formed input; raises anything on bad input
    quick_check: NormFn = attrs.field(repr=False)
    #: the slots the index may switch on, with their values
    domains: Mapping[int, tuple[object, ...]] = attrs.field(repr=False)
    #: the code screening does not need, generated and compiled on first use
    later: _Later = attrs.field(repr=False, eq=False)

    @property
    def entries(self) -> tuple[ActionEntry, ...]:
        """Every verdict action as (rule, technique it names, site it names or -1, level,
        action index), in rule order; its position in this tuple is its *entry number*. Built
        on first use (explanations), like `rule_entries` and `lowered`."""
        return self.later.tables[0]

    @property
    def rule_entries(self) -> tuple[tuple[int, ...], ...]:
        """Per rule: the numbers of its entries."""
        return self.later.tables[1]

    @property
    def lowered(self) -> tuple[Lowered, ...]:
        """Every rule's condition lowered to slots, in rule order: lowered again from the
        model on first use (explanations, partial profiles, analysis), so that a knowledge base
        used only for screening does not keep them."""
        return self.later.lowered

    def fire_complete(self, values: Sequence[Normal]) -> list[int]:
        """Complete profile -> fired rule indexes, in rule order (through the index)."""
        return self.later.fire(values)

    def actions_complete(self, values: Sequence[Normal]) -> list[FiredAction]:
        """Complete profile -> every action of every fired rule, in rule order."""
        return self.later.acts(values)

    def fire_partial(self, values: Sequence[Normal]) -> tuple[list[int], list[int]]:
        """Any profile -> (fired, pending) rule indexes, each in rule order, by Kleene's logic
        (unknown facts are `None`), through the index where the facts it switches on are
        known."""
        return self.later.partial(values)

    def levels_partial(self, values: Sequence[Normal]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Any profile -> (floor, ceiling) level per technique, unqualified actions only: the
        levels of the fired actions, and of the fired and pending ones, pushed down the
        technique hierarchy."""
        return self.later.plevels(values)

    def screen_partial(self, values: Sequence[Normal]) -> dict[str, Verdict]:
        """Any profile -> technique -> verdict, unqualified actions only."""
        return self.later.pscreen(values)

    def index_tree(self, budget: int | None = None) -> Tree:
        """The index over the rules (built again: nothing keeps it after compiling)."""
        return build(list(enumerate(self.lowered)), dict(self.domains), self.rule_slots, budget)

    @property
    def code(self) -> str:
        """Every generated function's source (generated again), for reading and tests."""
        return self.later.source()

    def push_entries(self, named: Sequence[tuple[int, ...]]) -> Sequence[tuple[int, ...]]:
        """Per technique, the numbers of the entries naming it made the numbers of the entries
        reaching it (rule order kept): a technique inherits its parent's, without the
        permissive ones if it is explicit. Linear in what it returns."""
        tree = self.technique_tree
        if not tree.edges:
            return named
        parents, explicit, entries = tree.parents, tree.explicit, self.entries
        found = list(named)
        for t in tree.preorder:
            parent = parents[t]
            if parent < 0:
                continue
            inherited = found[parent]
            if inherited and explicit[t]:  # only restrictions pass an explicit technique
                inherited = tuple([x for x in inherited if entries[x][3] >= RESTRICTIVE])
            if inherited:
                own = found[t]
                found[t] = tuple(sorted((*inherited, *own))) if own else inherited
        return found

    def reached(self, rule: int) -> tuple[tuple[int, int], ...]:
        """The (technique, level) pairs the rule's actions without a site reach, the hierarchy
        folded in (for tools that need rules flattened, such as the benchmark translations)."""
        best: dict[int, int] = {}
        tree = self.technique_tree
        for number in self.rule_entries[rule]:
            _, named, site, level, _ = self.entries[number]
            if site < 0:
                for t in tree.below(named, permissive=level < RESTRICTIVE):
                    best[t] = max(best.get(t, 0), level)
        return tuple(sorted(best.items()))


def _domain(fact: Fact) -> tuple[object, ...] | None:
    """The values the index may switch on for a fact, or None if it should not."""
    if fact.kind is FactKind.ENUM:
        return fact.values
    if fact.kind is FactKind.ORDERED:
        return tuple(range(len(fact.values)))
    if fact.kind is FactKind.BOOL:
        return (False, True)
    if fact.kind is FactKind.INT:
        assert fact.low is not None and fact.high is not None
        if fact.high - fact.low < _MAX_SWITCH:
            return tuple(range(fact.low, fact.high + 1))
    return None


def _lower_all(model: Model) -> tuple[Lowered, ...]:
    slot_of = {name: i for i, name in enumerate(model.facts)}
    return tuple(lower(rule.condition, model.facts, slot_of) for rule in model.rules)


def _entries(
    model: Model,
) -> tuple[tuple[ActionEntry, ...], tuple[tuple[int, ...], ...], list[tuple[tuple[int, int], ...]]]:
    """`Program.entries`, `Program.rule_entries`, and per rule the (technique, level) pairs
    its actions without a site name (what the generated code sets)."""
    t_index = model.technique_tree.index
    s_index = model.site_tree.index
    entries: list[ActionEntry] = []
    rule_entries: list[tuple[int, ...]] = []
    direct: list[tuple[tuple[int, int], ...]] = []
    same: dict[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]] = {}  # few differ
    for r, rule in enumerate(model.rules):
        named: dict[int, int] = {}
        mine: list[int] = []
        for a, action in enumerate(rule.actions):
            if not action.level or action.technique is None:
                continue
            t0 = t_index[action.technique]
            site = s_index[action.site] if action.site is not None else -1
            if site < 0:
                named[t0] = max(named.get(t0, 0), action.level)
            mine.append(len(entries))
            entries.append((r, t0, site, action.level, a))
        rule_entries.append(tuple(mine))
        pairs = tuple(sorted(named.items()))
        direct.append(same.setdefault(pairs, pairs))
    return tuple(entries), tuple(rule_entries), direct


def compile_model(model: Model) -> Program:
    slots = tuple(model.facts)
    techniques = model.technique_tree.names
    sites = model.site_tree.names
    lowered = _lower_all(model)
    direct = _entries(model)[2]  # the rest is built again if an explanation needs it
    same_slots: dict[tuple[int, ...], tuple[int, ...]] = {}  # rules read the same facts
    rule_slots = tuple(same_slots.setdefault(r, r) for r in map(slots_of, lowered))
    domains = {
        i: d for i, name in enumerate(slots) if (d := _domain(model.facts[name])) is not None
    }
    hierarchy = model.technique_tree
    parents = [
        (child, hierarchy.parents[child], hierarchy.explicit[child])
        for child in hierarchy.preorder
        if hierarchy.parents[child] >= 0
    ]
    generated = _Generator(model, slots, techniques, direct, parents)
    # screening needs only `levels`, `screen` and `check`: compiled now, from the deep index
    # (which nothing keeps once its code is compiled)
    tree = build(list(enumerate(lowered)), domains, rule_slots)
    namespace = generated.compile(generated.screening(tree))
    return Program(
        slots=slots,
        techniques=techniques,
        sites=sites,
        rule_slots=rule_slots,
        technique_tree=model.technique_tree,
        site_tree=model.site_tree,
        screen_complete=namespace["screen"],
        levels_complete=namespace["levels"],
        quick_check=namespace["check"],
        domains=domains,
        later=_Later(generated, domains, rule_slots),
    )


class _Later:
    """The generated code `compile_text` does not build: each unit is generated and compiled
    on its first use, under a lock, from a shallow index (at most two copies per rule: these
    functions test every rule of a leaf, with no early exit, so their code grows with the
    copies in the tree). Until then each function is a stand-in that compiles its unit, then
    calls the real one.

    - `fire`: the fired rules of a complete profile (explanations);
    - `partial`: the fired and pending rules of any profile (explanations);
    - `plevels`, `pscreen`: the floor and ceiling levels, and the verdicts, of any profile
      (screening a partial profile)."""

    def __init__(
        self,
        generator: _Generator,
        domains: Mapping[int, tuple[object, ...]],
        reads: Sequence[tuple[int, ...]],
    ) -> None:
        self._generator = generator
        self._domains = domains
        self._reads = reads
        self._lock = threading.Lock()
        self._shallow: Tree | None = None
        self._done: set[str] = set()
        self.fire: FireFn = lambda v: self._unit("fire").fire(v)
        self.acts: ActsFn = lambda v: self._unit("fire").acts(v)
        self.partial: PartialFn = lambda v: self._unit("partial").partial(v)
        self.plevels: PartialLevelsFn = lambda v: self._unit("plevels").plevels(v)
        self.pscreen: ScreenFn = lambda v: self._unit("plevels").pscreen(v)

    @functools.cached_property
    def lowered(self) -> tuple[Lowered, ...]:
        with paused():  # tens of thousands of small objects, no cycles
            return _lower_all(self._generator.model)

    @functools.cached_property
    def tables(self) -> tuple[tuple[ActionEntry, ...], tuple[tuple[int, ...], ...]]:
        with paused():
            entries, rule_entries, _ = _entries(self._generator.model)
        return entries, rule_entries

    @functools.cached_property
    def action_table(self) -> tuple[tuple[FiredAction, ...], ...]:
        """Per rule, its actions as `Result.fired_actions` reports them."""
        return tuple(
            tuple(FiredAction(rule.id, a.kind.value, a.technique, a.site) for a in rule.actions)
            for rule in self._generator.model.rules
        )

    def _tree(self) -> Tree:
        if self._shallow is None:
            n = len(self.lowered)
            every = list(enumerate(self.lowered))
            self._shallow = build(every, dict(self._domains), self._reads, 2 * n + 64)
        return self._shallow

    def _lines(self, unit: str) -> list[str]:
        gen = self._generator
        if unit == "fire":
            return gen.fire(self._tree(), self.action_table)
        if unit == "partial":
            return gen.partial(self._tree())
        return gen.partial_levels(self._tree())

    def _unit(self, unit: str) -> _Later:
        with self._lock:
            if unit not in self._done:
                namespace = self._generator.compile(self._lines(unit))
                for name in _UNITS[unit]:
                    setattr(self, name, namespace[name])
                self._done.add(unit)
                if self._done == set(_UNITS):
                    self._shallow = None  # every unit compiled: the tree is not needed again
        return self

    def source(self) -> str:
        """The source of every generated function, the screening ones first, generated
        again."""
        gen = self._generator
        with self._lock:  # generating names constants: one generator at a time
            deep = build(list(enumerate(self.lowered)), dict(self._domains), self._reads)
            lines = gen.screening(deep)
            lines += [line for unit in _UNITS for line in self._lines(unit)]
        return "\n".join(lines) + "\n"


#: the functions of each unit of `_Later`
_UNITS = {
    "fire": ("fire", "acts"),
    "partial": ("partial",),
    "plevels": ("plevels", "pscreen"),
}


# ---- code generation ----------------------------------------------------------------------


class _Generator:
    """Python source from index trees. Each method that writes a function returns its lines;
    `compile` runs them in a namespace of their constants and no builtins."""

    def __init__(
        self,
        model: Model,
        slots: tuple[str, ...],
        techniques: tuple[str, ...],
        direct: list[tuple[tuple[int, int], ...]],
        parents: list[tuple[int, int, bool]],
    ) -> None:
        self.model = model
        self.slots = slots
        self.techniques = techniques
        self.direct = direct  # per rule: (technique, level) its actions without a site name
        self.parents = parents  # (child, parent, child is explicit), parents first
        self.constants: dict[str, Any] = {}
        self._by_value: dict[object, str] = {}
        self.lines: list[str] = []

    def const(self, value: object) -> str:
        key = (type(value), value)
        name = self._by_value.get(key)
        if name is None:
            name = f"_k{len(self.constants)}"
            self.constants[name] = value
            self._by_value[key] = name
        return name

    # conditions

    def expr(self, cond: Lowered, positive: bool = True) -> str:
        """Two-valued Python for a condition whose slots are all known (or for its negation,
        when not `positive`). Negations are pushed down to the atoms, each atom written with its
        complement (`s1 != 'x'`, `s2 is not True`): less code for Python to compile, and, on
        complete profiles, the same truth value."""
        if isinstance(cond, Junction):
            if cond.op == "not":
                return self.expr(cond.parts[0], not positive)
            if not cond.parts:  # `always` (an empty `and`)
                return str((cond.op == "and") is positive)
            op = cond.op if positive else ("or" if cond.op == "and" else "and")
            return "(" + f" {op} ".join(self.expr(p, positive) for p in cond.parts) + ")"
        return self.atom(cond, f"s{cond.slot}", positive)

    def atom(self, atom: Atom, s: str, positive: bool = True) -> str:
        op = atom.op if positive else _COMPLEMENT[atom.op]
        comparison = COMPARISONS.get(op)
        if comparison is not None:
            assert isinstance(atom.arg, str | int)
            return f"{s} {comparison.python} {atom.arg!r}"
        if op in ("true", "false"):  # a bool slot of a complete profile is True or False
            return f"{s} is {op.title()}"
        if op in ("in", "nin"):
            return f"{s} {'in' if op == 'in' else 'not in'} {self.const(atom.arg)}"
        if op in ("has", "lacks"):
            assert isinstance(atom.arg, str)
            return f"{atom.arg!r} {'in' if op == 'has' else 'not in'} {s}"
        if op in ("any", "none"):
            test = f"{self.const(atom.arg)}.isdisjoint({s})"
            return test if op == "none" else f"not {test}"
        if op in ("all", "notall"):
            test = f"{self.const(atom.arg)} <= {s}"
            return test if op == "all" else f"not {test}"
        assert op in ("known", "unknown")
        return str(op == "known")  # every slot of a complete profile is known

    # the tree, emitted twice: `fire` collects fired rules, `screen` folds verdict levels. The
    # switches are the same; only what a leaf does differs.

    def known(self, cond: Lowered, want: bool) -> str:
        """Python that is true when Kleene's logic gives `cond` the value `want` (true or
        false) on a profile whose unknown facts are `None`: an atom on an unknown slot is
        neither, and the junctions combine as docs/semantics.md says."""
        if isinstance(cond, Junction):
            if cond.op == "not":
                return self.known(cond.parts[0], not want)
            if not cond.parts:  # `always`
                return str(want)
            every = (cond.op == "and") is want  # true `and`, false `or`: every part must be
            joiner = " and " if every else " or "
            return "(" + joiner.join(self.known(p, want) for p in cond.parts) + ")"
        s = f"s{cond.slot}"
        if cond.op in ("known", "unknown"):
            return f"{s} is {'not ' if (cond.op == 'known') is want else ''}None"
        test = self.atom(cond, s, want)
        op = cond.op if want else _COMPLEMENT[cond.op]
        if op in _FALSE_ON_NONE:
            return test
        return f"({s} is not None and {test})"

    def tree(
        self,
        tree: Tree,
        depth: int,
        leaf: Callable[[Leaf, str], None],
        unknown: bool = False,
    ) -> None:
        """A switch per branch; with `unknown`, a branch first sends a patient whose value of
        its slot is unknown to a leaf of the branch's rules."""
        pad = "    " * depth
        if isinstance(tree, Leaf):
            leaf(tree, pad)
            return
        keyword = "if"
        if unknown:
            self.lines.append(f"{pad}if s{tree.slot} is None:")
            before = len(self.lines)
            leaf(Leaf(tree.rules), pad + "    ")
            if len(self.lines) == before:
                self.lines.append(f"{pad}    pass")
            keyword = "elif"
        for value, sub in tree.cases:
            self.lines.append(f"{pad}{keyword} s{tree.slot} == {value!r}:")
            before = len(self.lines)
            self.tree(sub, depth + 1, leaf, unknown)
            if len(self.lines) == before:
                self.lines.append(f"{pad}    pass")
            keyword = "elif"

    def fire_leaf(self, leaf: Leaf, pad: str) -> None:
        """Test every rule of the leaf; note each that fires."""
        for index, cond in leaf.rules:
            if cond is True:
                self.lines.append(f"{pad}add({index})")
            else:
                assert not isinstance(cond, bool)
                self.lines.append(f"{pad}if {self.expr(cond)}: add({index})")

    def partial_leaf(self, leaf: Leaf, pad: str) -> None:
        """Test every rule of the leaf by Kleene's logic: fired, or pending (not false)."""
        for index, cond in leaf.rules:
            if cond is True:
                self.lines.append(f"{pad}add({index})")
                continue
            assert not isinstance(cond, bool)
            self.lines.append(f"{pad}if {self.known(cond, True)}: add({index})")
            self.lines.append(f"{pad}elif not {self.known(cond, False)}: wait({index})")

    def screen_leaf(self, leaf: Leaf, pad: str) -> None:
        """Decide each technique with one chain, most restrictive level first, that stops at the
        first rule that fires (a patient reaches exactly one leaf)."""
        chains: dict[int, dict[int, list[Cond]]] = {}
        for index, cond in leaf.rules:
            for t, level in self.direct[index]:
                chains.setdefault(t, {}).setdefault(level, []).append(cond)
        for t in sorted(chains):
            keyword = "if"
            for level in sorted(chains[t], reverse=True):
                conds = chains[t][level]
                if any(c is True for c in conds):
                    otherwise = "" if keyword == "if" else "else: "
                    self.lines.append(f"{pad}{otherwise}l{t} = {level}")
                    break
                test = " or ".join(self.expr(c) for c in conds if not isinstance(c, bool))
                self.lines.append(f"{pad}{keyword} {test}: l{t} = {level}")
                keyword = "elif"

    def unpack(self) -> None:
        if self.slots:
            names = ", ".join(f"s{i}" for i in range(len(self.slots)))
            self.lines.append(f"    ({names},) = v")

    def _take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines

    def screening(self, tree: Tree) -> list[str]:
        """`levels(v)`: the verdict level per technique of a complete profile, from the actions
        naming it, then pushed down the hierarchy; `screen(v)`: the same as verdicts;
        `check(p)`: the profile normalised."""
        techs = range(len(self.techniques))
        self.lines += ["def levels(v):"]
        self.unpack()
        if self.techniques:
            self.lines.append("    " + " = ".join(f"l{t}" for t in techs) + " = 0")
        self.tree(tree, 1, self.screen_leaf)
        # a level flows down the hierarchy; into an explicit technique only a restrictive one
        for child, parent, explicit in self.parents:
            guard = f" and l{parent} >= {RESTRICTIVE}" if explicit else ""
            self.lines.append(f"    if l{child} < l{parent}{guard}: l{child} = l{parent}")
        self.lines.append("    return (" + "".join(f"l{t}, " for t in techs) + ")")
        pairs = ", ".join(f"{name!r}: _V[l[{t}]]" for t, name in enumerate(self.techniques))
        self.lines += ["def screen(v):", "    l = levels(v)", f"    return {{{pairs}}}"]
        self.check()
        return self._take()

    def fire(self, tree: Tree, actions: Sequence[tuple[FiredAction, ...]]) -> list[str]:
        """`fire(v)`: the fired rules of a complete profile, in rule order (a patient reaches
        one leaf, and a leaf keeps its rules in order); `acts(v)`: their actions, each rule's
        a constant `_a<rule>` from `actions`."""
        for name, add in (("fire", "out.append"), ("acts", "out.extend")):
            self.lines += [f"def {name}(v):"]
            self.unpack()
            self.lines += ["    out = []", f"    add = {add}"]
            self.tree(tree, 1, self.fire_leaf if name == "fire" else self.acts_leaf)
            self.lines += ["    return out"]
        for r, found in enumerate(actions):
            self.constants[f"_a{r}"] = found
        return self._take()

    def acts_leaf(self, leaf: Leaf, pad: str) -> None:
        """Test every rule of the leaf; add the actions of each that fires."""
        for index, cond in leaf.rules:
            if cond is True:
                self.lines.append(f"{pad}add(_a{index})")
            else:
                assert not isinstance(cond, bool)
                self.lines.append(f"{pad}if {self.expr(cond)}: add(_a{index})")

    def partial(self, tree: Tree) -> list[str]:
        """`partial(v)`: the fired and the pending rules of any profile, in rule order."""
        self.lines += ["def partial(v):"]
        self.unpack()
        self.lines += ["    out = []", "    add = out.append"]
        self.lines += ["    held = []", "    wait = held.append"]
        self.tree(tree, 1, self.partial_leaf, unknown=True)
        self.lines += ["    return out, held"]
        return self._take()

    def partial_levels(self, tree: Tree) -> list[str]:
        """`plevels(v)`: per technique, the floor (the highest level of the fired actions)
        and the ceiling (of the fired and pending ones) of any profile, pushed down the
        hierarchy; `pscreen(v)`: the verdicts (undetermined where the two differ)."""
        techs = range(len(self.techniques))
        self.lines += ["def plevels(v):"]
        self.unpack()
        if self.techniques:
            self.lines.append(
                "    " + " = ".join([*(f"f{t}" for t in techs), *(f"c{t}" for t in techs)]) + " = 0"
            )
        self.tree(tree, 1, self.levels_leaf, unknown=True)
        for child, parent, explicit in self.parents:
            for x in "fc":
                guard = f" and {x}{parent} >= {RESTRICTIVE}" if explicit else ""
                self.lines.append(
                    f"    if {x}{child} < {x}{parent}{guard}: {x}{child} = {x}{parent}"
                )
        floor = "".join(f"f{t}, " for t in techs)
        ceiling = "".join(f"c{t}, " for t in techs)
        self.lines.append(f"    return ({floor}), ({ceiling})")
        pairs = ", ".join(
            f"{name!r}: _V[f[{t}]] if f[{t}] == c[{t}] else _U"
            for t, name in enumerate(self.techniques)
        )
        self.lines += ["def pscreen(v):", "    f, c = plevels(v)", f"    return {{{pairs}}}"]
        return self._take()

    def levels_leaf(self, leaf: Leaf, pad: str) -> None:
        """Per technique two chains, most restrictive level first, each stopping at the first
        rule that decides it: the floor from the rules that fire, the ceiling from those that
        may (fired or pending)."""
        chains: dict[int, dict[int, list[Cond]]] = {}
        for index, cond in leaf.rules:
            for t, level in self.direct[index]:
                chains.setdefault(t, {}).setdefault(level, []).append(cond)
        for t in sorted(chains):
            for x, may in (("f", False), ("c", True)):
                keyword = "if"
                for level in sorted(chains[t], reverse=True):
                    conds = chains[t][level]
                    if any(c is True for c in conds):
                        otherwise = "" if keyword == "if" else "else: "
                        self.lines.append(f"{pad}{otherwise}{x}{t} = {level}")
                        break
                    either = " or ".join(
                        f"not {self.known(c, False)}" if may else self.known(c, True)
                        for c in conds
                        if not isinstance(c, bool)
                    )
                    self.lines.append(f"{pad}{keyword} {either}: {x}{t} = {level}")
                    keyword = "elif"

    def compile(self, lines: list[str]) -> dict[str, Any]:
        namespace: dict[str, Any] = {
            "__builtins__": {},
            "_V": BY_LEVEL,
            "_U": Verdict.UNDETERMINED,
            "_bad": _BadInput,
            "_frozenset": frozenset,
            "_str": str,
            "_bytes": bytes,
            "_int": int,
            "_type": type,
            **self.constants,
        }
        code = "\n".join(lines) + "\n"
        exec(compile(code, "<spinerules generated>", "exec"), namespace)
        return namespace

    def check(self) -> None:
        """`check(p)`: the profile as a tuple of normalised values, for well-formed input only.
        Anything unexpected raises (any exception); the caller then runs the careful checker in
        `facts.py`, which raises the `FactError` that explains the problem."""
        keys = self.const(frozenset(self.slots))
        lines = ["def check(p):", f"    if not {keys}.issuperset(p): raise _bad", "    g = p.get"]
        for i, name in enumerate(self.slots):
            fact = self.model.facts[name]
            s = f"s{i}"
            lines.append(f"    {s} = g({name!r})")
            if fact.kind is FactKind.ENUM:
                lines.append(
                    f"    if {s} is not None and ({s}.__class__ is not _str or "
                    f"{s} not in {self.const(frozenset(fact.values))}): raise _bad"
                )
            elif fact.kind is FactKind.ORDERED:
                ranks = {v: r for r, v in enumerate(fact.values)}
                lines += [
                    f"    if {s} is not None:",
                    f"        if {s}.__class__ is not _str: raise _bad",
                    f"        {s} = {self.const(_FrozenMap(ranks))}[{s}]",
                ]
            elif fact.kind is FactKind.BOOL:
                lines.append(
                    f"    if {s} is not None and {s} is not True and {s} is not False: raise _bad"
                )
            elif fact.kind is FactKind.INT:
                lines.append(
                    f"    if {s} is not None and ({s}.__class__ is not _int or not "
                    f"({fact.low!r} <= {s} <= {fact.high!r})): raise _bad"
                )
            else:
                # only plain collections here: an iterator must not be used up before the
                # careful checker sees it, and a str (subclass) is never a set
                values = self.const(frozenset(fact.values))
                collections = self.const(frozenset({list, tuple, set, frozenset}))
                lines.append(f"    if {s} is not None:")
                lines.append(f"        if {s}.__class__ not in {collections}: raise _bad")
                lines.append(f"        {s} = _frozenset({s})")
                lines.append(f"        if not {s} <= {values}: raise _bad")
        names = ", ".join(f"s{i}" for i in range(len(self.slots)))
        lines.append(f"    return ({names},)" if self.slots else "    return ()")
        self.lines += lines


#: each atom's complement on complete profiles (`lacks`, `none`, `notall` and `false` exist only
#: here, as the written negations of `has`, `any`, `all` and `true`)
_COMPLEMENT = {
    "eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt",
    "true": "false", "false": "true", "in": "nin", "nin": "in",
    "has": "lacks", "lacks": "has", "any": "none", "none": "any", "all": "notall",
    "notall": "all", "known": "unknown", "unknown": "known",
}  # fmt: skip


#: the atoms (or complements) that are false when their slot is `None`, with no test for it
_FALSE_ON_NONE = frozenset({"eq", "in", "true", "false"})


class _BadInput(Exception):
    """Raised by the generated checker; the careful checker then says what is wrong."""


class _FrozenMap(dict[str, int]):
    """Ordered value -> rank, for generated code (a dict, so that looking a value up is a
    subscript; hashable, so that equal ones are one constant; never changed once made)."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))
