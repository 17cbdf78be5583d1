"""CLIPS through clipspy (https://pypi.org/project/clipspy/): a ``profile`` deftemplate,
one ``defrule`` per rule, and a deffunction ``evaluate`` that resets, asserts the
profile, runs, and returns the verdict levels, so each profile is one CLIPS call.

A rule's pattern binds the slots it reads, and its whole condition is a predicate
constraint on the last of them (evaluated in the pattern network, no joins). Enums
are strings, ordered enums integer ranks, sets multislots, bools TRUE/FALSE; each
rule's action raises the level of its technique in the global ``?*v*``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure, ranked_value, ranker
from benchmarks.synth import And, Atom, Cond, Not, Or, Profile, RuleSet, atoms

_CMP = {"eq": "eq", "ne": "neq", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _lit(v: object) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def expression(c: Cond, rs: RuleSet) -> str:
    if isinstance(c, Not):
        return f"(not {expression(c.item, rs)})"
    if isinstance(c, And | Or):
        word = "and" if isinstance(c, And) else "or"
        return f"({word} {' '.join(expression(x, rs) for x in c.items)})"
    a: Atom = c
    var = f"?{a.fact}"
    v = a.value
    match a.op:
        case "true":
            return f"(eq {var} TRUE)"
        case "false":
            return f"(eq {var} FALSE)"
        case "has":
            return f"(member$ {_lit(v)} {var})"
        case "not_has":
            return f"(not (member$ {_lit(v)} {var}))"
        case "in" | "not_in":
            assert isinstance(v, tuple)
            # (eq x a b) means x = a and x = b: membership is an or of eqs
            tests = " ".join(f"(eq {var} {_lit(ranked_value(rs, a.fact, x))})" for x in v)
            test = f"(or {tests})" if len(v) > 1 else tests
            return test if a.op == "in" else f"(not {test})"
    assert isinstance(v, str | int)
    x = ranked_value(rs, a.fact, v)
    if isinstance(x, int) and a.op in ("eq", "ne"):
        return f"({'=' if a.op == 'eq' else '<>'} {var} {x})"
    return f"({_CMP[a.op]} {var} {_lit(x)})"


def clips_source(rs: RuleSet) -> list[str]:
    """The constructs, one string each, in load order."""
    slots = " ".join(
        f"(multislot {f.name})" if f.kind == "set" else f"(slot {f.name})" for f in rs.facts
    )
    index = {t: i + 1 for i, t in enumerate(rs.techniques)}
    zeros = " ".join("0" for _ in rs.techniques)
    out = [f"(deftemplate profile {slots})", f"(defglobal ?*v* = (create$ {zeros}))"]
    for r in rs.rules:
        used = list(dict.fromkeys(a.fact for a in atoms(r.cond)))
        binds = [f"({f} {'$' if rs.fact_by_name[f].kind == 'set' else ''}?{f})" for f in used]
        last = used[-1]
        sigil = "$" if rs.fact_by_name[last].kind == "set" else ""
        binds[-1] = f"({last} {sigil}?{last}&:{expression(r.cond, rs)})"
        rhs = " ".join(
            f"(if (< (nth$ {k} ?*v*) {level}) then (bind ?*v* (replace$ ?*v* {k} {k} {level})))"
            for level, k in ((level, index[t]) for level, t in r.actions)
        )
        out.append(f"(defrule {r.id} (profile {' '.join(binds)}) => {rhs})")
    params = " ".join(f"?{f.name}" for f in rs.facts)
    fields = " ".join(f"({f.name} ?{f.name})" for f in rs.facts)
    out.append(f"(deffunction evaluate ({params}) (reset) (assert (profile {fields})) (run) ?*v*)")
    return out


class Clips(Engine):
    name = "clipspy"
    description = "CLIPS via clipspy: one deffunction call per profile"

    def unavailable(self) -> str | None:
        return import_failure("clips")

    def prepare(self, ruleset: RuleSet) -> tuple[RuleSet, list[str]]:
        return ruleset, clips_source(ruleset)

    def compile(self, prepared: tuple[RuleSet, list[str]]) -> Any:
        import clips

        rs, constructs = prepared
        env = clips.Environment()
        for c in constructs:
            env.build(c)
        order = [(f.name, f.kind) for f in rs.facts]
        return env, env.find_function("evaluate"), ranker(rs), order

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[tuple[int, ...]]:
        import clips

        _env, evaluate, ranked, order = compiled
        true, false = clips.Symbol("TRUE"), clips.Symbol("FALSE")
        out = []
        for p in profiles:
            q = ranked(p)
            args = []
            for name, kind in order:
                x = q[name]
                if kind == "set":
                    args.append(list(x))  # type: ignore[arg-type]
                elif kind == "bool":
                    args.append(true if x else false)
                else:
                    args.append(x)
            out.append(evaluate(*args))
        return out

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[tuple[int, ...]]:
        return [tuple(int(x) for x in o) for o in outputs]
