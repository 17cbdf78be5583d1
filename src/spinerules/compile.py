"""The validated model to a fast evaluator: everything that does not depend on the patient.

Names become slot numbers; the technique and site hierarchies are folded so that each rule knows
every (technique, level) it reaches; conditions are turned into Python source that is compiled
once. The source is generated only from the validated model: fact slots become local names
`s<N>`, every literal is emitted with `repr()`, and value sets are bound as constants `_k<N>`;
no text from a rules file is ever placed in the code except through `repr()`. `Program.code`
shows what was generated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from .facts import Normal
from .logic import Atom, Junction, Lowered, lower, slots_of
from .schema import Model, Node

__all__ = ["Program", "compile_model"]

FireFn = Callable[[Sequence[Normal]], list[int]]
CondFn = Callable[[Sequence[Normal]], bool]


@attrs.frozen
class Program:
    """A compiled knowledge base: indexes into the model's facts, techniques, sites and rules."""

    slots: tuple[str, ...]
    techniques: tuple[str, ...]
    sites: tuple[str, ...]
    lowered: tuple[Lowered, ...]
    rule_slots: tuple[tuple[int, ...], ...]
    #: per rule: the (technique, level) pairs its unqualified verdict actions reach
    effects: tuple[tuple[tuple[int, int], ...], ...]
    #: per rule: the (technique, site, level) triples its site-qualified verdict actions reach
    site_effects: tuple[tuple[tuple[int, int, int], ...], ...]
    #: per site: the sites whose actions count there (itself and its ancestors)
    site_scope: tuple[frozenset[int], ...]
    fire_complete: FireFn = attrs.field(repr=False)
    cond2: tuple[CondFn, ...] = attrs.field(repr=False)
    code: str = attrs.field(repr=False)


def _descendants(table: dict[str, Node]) -> dict[str, tuple[str, ...]]:
    """Each node and everything under it, in declaration order."""
    out: dict[str, list[str]] = {name: [name] for name in table}
    for name, node in table.items():
        for ancestor in node.ancestors:
            out[ancestor].append(name)
    return {k: tuple(v) for k, v in out.items()}


def compile_model(model: Model) -> Program:
    slots = tuple(model.facts)
    slot_of = {name: i for i, name in enumerate(slots)}
    techniques = tuple(model.techniques)
    sites = tuple(model.sites)
    t_index = {t: i for i, t in enumerate(techniques)}
    s_index = {s: i for i, s in enumerate(sites)}
    reach = _descendants(dict(model.techniques))

    lowered = tuple(lower(rule.condition, model.facts, slot_of) for rule in model.rules)
    effects: list[tuple[tuple[int, int], ...]] = []
    site_effects: list[tuple[tuple[int, int, int], ...]] = []
    for rule in model.rules:
        plain: dict[int, int] = {}
        at_site: dict[tuple[int, int], int] = {}
        for action in rule.actions:
            if not action.level or action.technique is None:
                continue
            for tech in reach[action.technique]:
                t = t_index[tech]
                if action.site is None:
                    plain[t] = max(plain.get(t, 0), action.level)
                else:
                    key = (t, s_index[action.site])
                    at_site[key] = max(at_site.get(key, 0), action.level)
        effects.append(tuple(sorted(plain.items())))
        site_effects.append(tuple((t, s, lvl) for (t, s), lvl in sorted(at_site.items())))
    site_scope = tuple(
        frozenset([i, *(s_index[a] for a in model.sites[s].ancestors)]) for i, s in enumerate(sites)
    )
    fire, cond2, code = _generate(lowered, len(slots))
    return Program(
        slots=slots,
        techniques=techniques,
        sites=sites,
        lowered=lowered,
        rule_slots=tuple(slots_of(c) for c in lowered),
        effects=tuple(effects),
        site_effects=tuple(site_effects),
        site_scope=site_scope,
        fire_complete=fire,
        cond2=cond2,
        code=code,
    )


# ---- code generation ----------------------------------------------------------------------

_COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class _Emitter:
    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}
        self._by_value: dict[object, str] = {}

    def const(self, value: object) -> str:
        key = (type(value), value)
        name = self._by_value.get(key)
        if name is None:
            name = f"_k{len(self.constants)}"
            self.constants[name] = value
            self._by_value[key] = name
        return name

    def expr(self, cond: Lowered, var: Callable[[int], str]) -> str:
        """Two-valued Python for a condition whose slots are all known."""
        if isinstance(cond, Junction):
            if cond.op == "not":
                return f"(not {self.expr(cond.parts[0], var)})"
            joiner = f" {cond.op} "
            return "(" + joiner.join(self.expr(p, var) for p in cond.parts) + ")"
        return self.atom(cond, var(cond.slot))

    def atom(self, atom: Atom, s: str) -> str:
        op = atom.op
        if op in _COMPARE:
            assert isinstance(atom.arg, str | int)
            return f"({s} {_COMPARE[op]} {atom.arg!r})"
        if op == "true":
            return f"({s} is True)"
        if op == "in":
            return f"({s} in {self.const(atom.arg)})"
        if op == "nin":
            return f"({s} not in {self.const(atom.arg)})"
        if op == "has":
            assert isinstance(atom.arg, str)
            return f"({atom.arg!r} in {s})"
        if op == "any":
            return f"(not {self.const(atom.arg)}.isdisjoint({s}))"
        if op == "all":
            return f"({self.const(atom.arg)} <= {s})"
        if op == "known":
            return "True"
        assert op == "unknown"
        return "False"


def _generate(lowered: tuple[Lowered, ...], n_slots: int) -> tuple[FireFn, tuple[CondFn, ...], str]:
    emit = _Emitter()
    lines = ["def fire(v):"]
    if n_slots:
        names = ", ".join(f"s{i}" for i in range(n_slots))
        lines.append(f"    ({names},) = v")
    lines += ["    out = []", "    add = out.append"]
    for i, cond in enumerate(lowered):
        lines.append(f"    if {emit.expr(cond, lambda s: f's{s}')}: add({i})")
    lines.append("    return out")
    for i, cond in enumerate(lowered):
        lines.append(f"def c{i}(v): return {emit.expr(cond, lambda s: f'v[{s}]')}")
    code = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {"__builtins__": {}, **emit.constants}
    exec(compile(code, "<spinerules generated>", "exec"), namespace)
    fire: FireFn = namespace["fire"]
    cond2 = tuple(namespace[f"c{i}"] for i in range(len(lowered)))
    return fire, cond2, code
