"""Syntax nodes back to canonical text: the one way each construct is written.

Used to give anonymous rules stable ids (their canonical text is hashed, so layout and comments do
not change the id), to show conditions in explanations, and by the formatter.
"""

from __future__ import annotations

from . import nodes as n

__all__ = ["action_text", "condition_text", "literal_text", "quote", "rule_body_text"]

_PRECEDENCE = {n.Or: 1, n.And: 2, n.Not: 3}


def quote(text: str) -> str:
    """A string literal for `text`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal_text(lit: n.Literal) -> str:
    if isinstance(lit.value, bool):
        return "true" if lit.value else "false"
    return str(lit.value)


def _set_text(values: tuple[n.Literal, ...]) -> str:
    return "{" + ", ".join(literal_text(v) for v in values) + "}"


def condition_text(cond: n.Condition, parent: int = 0) -> str:
    """The condition in canonical form, with parentheses only where precedence needs them."""
    mine = _PRECEDENCE.get(type(cond), 4)
    if isinstance(cond, n.Or):
        text = " or ".join(condition_text(op, mine) for op in cond.operands)
    elif isinstance(cond, n.And):
        text = " and ".join(condition_text(op, mine) for op in cond.operands)
    elif isinstance(cond, n.Not):
        text = "not " + condition_text(cond.operand, mine)
    elif isinstance(cond, n.Compare):
        text = f"{cond.fact.name} {cond.op} {literal_text(cond.value)}"
    elif isinstance(cond, n.InSet):
        word = "not in" if cond.negated else "in"
        text = f"{cond.fact.name} {word} {_set_text(cond.values)}"
    elif isinstance(cond, n.Has):
        if cond.mode == "one":
            text = f"{cond.fact.name} has {literal_text(cond.values[0])}"
        else:
            text = f"{cond.fact.name} has {cond.mode} {_set_text(cond.values)}"
    elif isinstance(cond, n.Always):
        text = "always"
    elif isinstance(cond, n.Known):
        text = f"{cond.fact.name} is {'known' if cond.known else 'unknown'}"
    else:
        text = cond.fact.name
    # `not` over a binary operator, and a lower-precedence child, need parentheses
    return f"({text})" if mine < parent else text


def _names(idents: tuple[n.Ident, ...]) -> str:
    if len(idents) == 1:
        return idents[0].name
    return "{" + ", ".join(i.name for i in idents) + "}"


def action_text(action: n.Action) -> str:
    if isinstance(action, n.VerdictAction):
        text = f"{action.verb} {_names(action.techniques)}"
        if action.sites:
            text += f" at {_names(action.sites)}"
        if action.note is not None:
            text += f" {quote(action.note)}"
        return text
    if isinstance(action, n.Refer):
        return f"refer {action.urgency} {quote(action.to)}"
    if isinstance(action, n.Require):
        return f"require {action.name.name}" + (
            f" {quote(action.text)}" if action.text is not None else ""
        )
    topic = f"{action.topic.name} " if action.topic is not None else ""
    return f"advise {topic}{quote(action.text)}"


def rule_body_text(rule: n.RuleNode) -> str:
    """`if COND then ACTIONS`, canonical: what a rule does, without its id or metadata."""
    actions = ", ".join(action_text(a) for a in rule.actions)
    return f"if {condition_text(rule.condition)} then {actions}"
