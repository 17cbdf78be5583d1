"""business-rules (https://pypi.org/project/business-rules/): rules as its JSON-like
conditions (``all``/``any`` of variable/operator/value), variables and actions as
decorated classes, ``run_all`` per profile.

It has no ``not``, and its string operators have no "not equal": conditions are put
in negation normal form, enum tests become ``any`` of ``equal_to``, sets are
``select_multiple`` variables, ordered enums are numeric ranks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure, ranked_value, ranker
from benchmarks.synth import And, Atom, Cond, Or, Profile, RuleSet, nnf

_NUM = {
    "eq": "equal_to", "lt": "less_than", "le": "less_than_or_equal_to",
    "gt": "greater_than", "ge": "greater_than_or_equal_to",
}  # fmt: skip


def _atom(a: Atom, rs: RuleSet) -> dict[str, Any]:
    fact = rs.fact_by_name[a.fact]
    v = a.value

    def test(op: str, value: Any) -> dict[str, Any]:
        return {"name": a.fact, "operator": op, "value": value}

    match a.op:
        case "true":
            return test("is_true", True)
        case "false":
            return test("is_false", True)
        case "has":
            return test("contains_all", [v])
        case "not_has":
            return test("shares_no_elements_with", [v])
    if fact.kind == "enum":
        assert isinstance(v, str | tuple)
        chosen = set(v) if isinstance(v, tuple) else {v}
        if a.op in ("ne", "not_in"):
            chosen = set(fact.values) - chosen
        return {"any": [test("equal_to", x) for x in fact.values if x in chosen]}
    # numbers: ints and ordered ranks
    if a.op in ("in", "not_in"):
        assert isinstance(v, tuple)
        values = [ranked_value(rs, a.fact, x) for x in v]
        if a.op == "in":
            return {"any": [test("equal_to", x) for x in values]}
        return {"all": [_atom(Atom(a.fact, "ne", x), rs) for x in v]}
    assert isinstance(v, str | int)
    n = ranked_value(rs, a.fact, v)
    if a.op == "ne":
        return {"any": [test("less_than", n), test("greater_than", n)]}
    return test(_NUM[a.op], n)


def conditions(c: Cond, rs: RuleSet) -> dict[str, Any]:
    if isinstance(c, Atom):
        return _atom(c, rs)
    assert isinstance(c, And | Or)
    return {"all" if isinstance(c, And) else "any": [conditions(x, rs) for x in c.items]}


def rules_json(rs: RuleSet) -> list[dict[str, Any]]:
    return [
        {
            "conditions": conditions(nnf(r.cond), rs),
            "actions": [
                {"name": "set_verdict", "params": {"technique": technique, "level": level}}
                for level, technique in r.actions
            ],
        }
        for r in rs.rules
    ]


class BusinessRules(Engine):
    name = "business-rules"
    description = "business-rules: run_all over JSON rules"
    max_rules = 2000

    def unavailable(self) -> str | None:
        return import_failure("business_rules")

    def prepare(self, ruleset: RuleSet) -> tuple[RuleSet, list[dict[str, Any]]]:
        return ruleset, rules_json(ruleset)

    def compile(self, prepared: tuple[RuleSet, list[dict[str, Any]]]) -> Any:
        from business_rules.actions import BaseActions, rule_action
        from business_rules.fields import FIELD_NUMERIC, FIELD_TEXT
        from business_rules.operators import (
            BooleanType,
            NumericType,
            SelectMultipleType,
            StringType,
        )
        from business_rules.variables import BaseVariables, rule_variable

        rs, rules = prepared
        types = {
            "enum": StringType, "ordered": NumericType, "int": NumericType,
            "bool": BooleanType, "set": SelectMultipleType,
        }  # fmt: skip

        def variable(name: str) -> Any:
            def get(self: Any) -> Any:
                return self.profile[name]

            get.__name__ = name
            return rule_variable(types[rs.fact_by_name[name].kind])(get)

        def init(self: Any, profile: dict[str, Any]) -> None:
            self.profile = profile

        body: dict[str, Any] = {f.name: variable(f.name) for f in rs.facts}
        body["__init__"] = init
        variables = type("ProfileVariables", (BaseVariables,), body)

        class VerdictActions(BaseActions):  # type: ignore[misc]
            def __init__(self, verdicts: dict[str, int]) -> None:
                self.verdicts = verdicts

            @rule_action(params={"technique": FIELD_TEXT, "level": FIELD_NUMERIC})  # type: ignore[misc]
            def set_verdict(self, technique: str, level: int) -> None:
                if level > self.verdicts.get(technique, 0):
                    self.verdicts[technique] = level

        return ranker(rs), variables, VerdictActions, rules

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[dict[str, int]]:
        from business_rules import run_all

        ranked, variables, actions, rules = compiled
        out = []
        for p in profiles:
            verdicts: dict[str, int] = {}
            run_all(
                rule_list=rules,
                defined_variables=variables(ranked(p)),
                defined_actions=actions(verdicts),
                stop_on_first_trigger=False,
            )
            out.append(verdicts)
        return out
