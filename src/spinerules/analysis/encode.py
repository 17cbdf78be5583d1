"""Patients and conditions as z3 formulas.

Each fact becomes solver variables over exactly its declared domain:

| fact kind | variables |
|---|---|
| enum, ordered | one `Int`, the value's position in the declaration (0 <= v < n) |
| int `low..high` | one `Int`, low <= v <= high |
| bool | one `Bool` |
| set of `a | b | ...` | one `Bool` per element (the patient has it) |

A *complete* patient gives every fact; a condition is then an ordinary two-valued formula
(`is known` is true, `is unknown` false). For *partial* patients each fact also gets a `Bool`
"known" flag and a condition becomes a pair (is true, is false) following Kleene's strong
three-valued logic, exactly as `logic.kleene` evaluates it: a rule fires when its condition is
true, which can happen with facts missing only through `is unknown` tests or through parts that
are decided without the missing facts.

The conditions come from `kb.program.lowered`, the same lowered form the engine evaluates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import z3  # type: ignore[import-untyped]

from ..engine.kb import KnowledgeBase
from ..engine.logic import COMPARISONS, Atom, Junction, Lowered
from ..model.model import Fact, FactKind

__all__ = ["Patient", "Vars", "has_known_tests", "make_vars", "to_profile"]

Patient = dict[str, Any]
"""A patient profile as `kb.evaluate` takes it: ordered values by name, sets as lists; a
partial patient leaves unknown facts out."""


@attrs.frozen(eq=False)
class Vars:
    """One copy of the patient: a variable (or, for sets, one per element) for every slot."""

    facts: tuple[Fact, ...]
    values: tuple[Any, ...]  # z3 Int / Bool / dict[str, Bool] per slot
    known: tuple[Any, ...] | None  # z3 Bool per slot for partial patients, else None
    _names: dict[int, str] = attrs.field(factory=dict, init=False, repr=False)

    def name(self, var: Any) -> str:
        """The variable's declared name (cached: z3's own str() pretty-prints, slowly)."""
        key = id(var)  # the variables live as long as this object, so ids stay theirs
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = var.decl().name()
        return found

    def domain(self) -> list[Any]:
        """Constraints keeping every variable inside its fact's declared domain."""
        out: list[Any] = []
        for fact, var in zip(self.facts, self.values, strict=True):
            if fact.kind in (FactKind.ENUM, FactKind.ORDERED):
                out += [var >= 0, var < len(fact.values)]
            elif fact.kind is FactKind.INT:
                out += [var >= fact.low, var <= fact.high]
        return out

    # ---- conditions ---------------------------------------------------------------------

    def holds(self, cond: Lowered) -> Any:
        """The condition on a complete patient (two-valued)."""
        if isinstance(cond, Junction):
            if cond.op == "not":
                return z3.Not(self.holds(cond.parts[0]))
            parts = [self.holds(p) for p in cond.parts]
            return z3.And(*parts) if cond.op == "and" else z3.Or(*parts)
        if cond.op == "known":
            return z3.BoolVal(True)
        if cond.op == "unknown":
            return z3.BoolVal(False)
        return self.test(cond)

    def kleene(self, cond: Lowered) -> tuple[Any, Any]:
        """(condition is true, condition is false) on a partial patient."""
        assert self.known is not None, "kleene() needs variables made with partial=True"
        if isinstance(cond, Junction):
            if cond.op == "not":
                true, false = self.kleene(cond.parts[0])
                return false, true
            pairs = [self.kleene(p) for p in cond.parts]
            trues = [t for t, _ in pairs]
            falses = [f for _, f in pairs]
            if cond.op == "and":
                return z3.And(*trues), z3.Or(*falses)
            return z3.Or(*trues), z3.And(*falses)
        known = self.known[cond.slot]
        if cond.op == "known":
            return known, z3.Not(known)
        if cond.op == "unknown":
            return z3.Not(known), known
        test = self.test(cond)
        return z3.And(known, test), z3.And(known, z3.Not(test))

    def fires(self, cond: Lowered) -> Any:
        """The rule fires: its condition is true (Kleene-true if these are partial variables)."""
        return self.kleene(cond)[0] if self.known is not None else self.holds(cond)

    def test(self, atom: Atom) -> Any:
        """An atom on a known value."""
        fact = self.facts[atom.slot]
        var = self.values[atom.slot]
        op, arg = atom.op, atom.arg
        if fact.kind is FactKind.SET:
            if op == "has":
                return var[arg]
            elements = [var[e] for e in sorted(arg, key=fact.values.index)]  # type: ignore[call-overload]
            if op == "any":
                return z3.Or(*elements)
            if op == "all":
                return z3.And(*elements)
            raise AssertionError(f"set atom {op!r}")
        if op == "true":
            return var
        if op in ("in", "nin"):
            options = [var == self.constant(fact, a) for a in _sorted(arg)]
            inside = z3.Or(*options)
            return inside if op == "in" else z3.Not(inside)
        return COMPARISONS[op].apply(var, self.constant(fact, arg))

    @staticmethod
    def constant(fact: Fact, arg: object) -> Any:
        """A lowered literal as a z3 value (enums by position; ordered are already ranks)."""
        if fact.kind is FactKind.BOOL:
            return z3.BoolVal(bool(arg))
        if fact.kind is FactKind.ENUM:
            return fact.values.index(str(arg))
        assert isinstance(arg, int)
        return arg

    # ---- models -------------------------------------------------------------------------

    def equal(self, other: Vars, slot: int) -> Any:
        """This copy and `other` agree on one slot."""
        fact = self.facts[slot]
        a, b = self.values[slot], other.values[slot]
        if fact.kind is FactKind.SET:
            return z3.And(*[a[e] == b[e] for e in fact.values]) if fact.values else z3.BoolVal(True)
        return a == b


def _sorted(values: object) -> list[Any]:
    items = list(values)  # type: ignore[call-overload]
    return sorted(items, key=lambda v: (str(type(v)), v))


def make_vars(kb: KnowledgeBase, tag: str, partial: bool = False) -> Vars:
    """Fresh variables for one patient; `tag` keeps copies apart."""
    facts = tuple(kb.facts[s] for s in kb.program.slots)
    values: list[Any] = []
    for fact in facts:
        name = f"{tag}.{fact.name}"
        if fact.kind is FactKind.BOOL:
            values.append(z3.Bool(name))
        elif fact.kind is FactKind.SET:
            values.append({e: z3.Bool(f"{name}.{e}") for e in fact.values})
        else:
            values.append(z3.Int(name))
    known = tuple(z3.Bool(f"{tag}.{f.name}?") for f in facts) if partial else None
    return Vars(facts, tuple(values), known)


def has_known_tests(cond: Lowered) -> bool:
    """Whether the condition asks `is known` / `is unknown` (so it can fire on partial patients
    where no completion fires it)."""
    if isinstance(cond, Atom):
        return cond.op in ("known", "unknown")
    return any(has_known_tests(p) for p in cond.parts)


_DEFINE = re.compile(
    r"\(define-fun \|?([^\s|]+)\|? \(\) (?:Int|Bool)\s+(\(- \d+\)|\d+|true|false)\)"
)


def _assignment(model: Any, vars: Vars) -> Callable[[Any], Any]:
    """A lookup from a variable to its value in the model (None when the model leaves it out).

    Small models are read in one call (their SMT-LIB text) instead of one call per variable."""
    if len(model) > 4 * len(vars.facts) + 64:
        return lambda var: _plain(model[var])
    values: dict[str, Any] = {}
    for name, text in _DEFINE.findall(model.sexpr()):
        if text in ("true", "false"):
            values[name] = text == "true"
        else:
            values[name] = int(text.strip("()").replace("- ", "-"))
    return lambda var: values.get(vars.name(var))


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if z3.is_int_value(value):
        return value.as_long()
    return z3.is_true(value)


def to_profile(model: Any, vars: Vars) -> Patient:
    """The patient a z3 model describes, as `kb.evaluate` takes it.

    A variable the model leaves out occurs in no assertion that matters, so any value of its
    domain satisfies the query: its lowest value (or false, or unknown) is used.
    """
    value_of = _assignment(model, vars)
    out: Patient = {}
    for i, fact in enumerate(vars.facts):
        if vars.known is not None and value_of(vars.known[i]) is not True:
            continue
        var = vars.values[i]
        if fact.kind is FactKind.SET:
            out[fact.name] = [e for e in fact.values if value_of(var[e]) is True]
        elif fact.kind is FactKind.BOOL:
            out[fact.name] = value_of(var) is True
        else:
            value = value_of(var)
            lowest = fact.low if fact.kind is FactKind.INT and fact.low is not None else 0
            number: int = value if value is not None else lowest
            out[fact.name] = number if fact.kind is FactKind.INT else fact.values[number]
    return out


def profile_key(profile: Mapping[str, Any], order: Sequence[str]) -> tuple[Any, ...]:
    """A hashable form of a profile (for de-duplicating witnesses)."""
    return tuple(
        tuple(profile[k]) if isinstance(profile.get(k), list) else profile.get(k, ...)
        for k in order
    )
