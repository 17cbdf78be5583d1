"""Syntax nodes back to canonical text: the one way each construct is written.

Used to give anonymous rules stable ids (their canonical text is hashed, so layout and comments do
not change the id), to show conditions in explanations, and by the formatter.
"""

from __future__ import annotations

from . import nodes as n

__all__ = [
    "action_text",
    "advise_text",
    "condition_text",
    "literal_text",
    "quote",
    "refer_text",
    "require_text",
    "rule_body_text",
    "verdict_text",
]

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
    """The condition in canonical form, with parentheses only where they are needed: where
    precedence asks for them, and around a junction nested in one of its own kind (`a or (b or
    c)` is not the same tree as `a or b or c`, and the text must read back as the same tree)."""
    mine = _PRECEDENCE.get(type(cond), 4)
    if isinstance(cond, n.And | n.Or):
        word = " or " if isinstance(cond, n.Or) else " and "
        text = word.join(
            condition_text(op, mine + 1 if type(op) is type(cond) else mine) for op in cond.operands
        )
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


def _listed(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return "{" + ", ".join(names) + "}"


def action_text(action: n.Action) -> str:
    """An action node as written."""
    if isinstance(action, n.VerdictAction):
        return verdict_text(
            action.verb,
            [t.name for t in action.techniques],
            [s.name for s in action.sites],
            action.note,
        )
    if isinstance(action, n.Refer):
        return refer_text(action.urgency, action.to)
    if isinstance(action, n.Require):
        return require_text(action.name.name, action.text)
    return advise_text(action.topic.name if action.topic is not None else None, action.text)


def verdict_text(verb: str, techniques: list[str], sites: list[str], note: str | None) -> str:
    """`VERB T [at SITE] ["note"]`, `{a, b}` for several names."""
    text = f"{verb} {_listed(techniques)}"
    if sites:
        text += f" at {_listed(sites)}"
    return text + (f" {quote(note)}" if note is not None else "")


def refer_text(urgency: str, to: str) -> str:
    return f"refer {urgency} {quote(to)}"


def require_text(name: str, text: str | None) -> str:
    return f"require {name}" + (f" {quote(text)}" if text is not None else "")


def advise_text(topic: str | None, text: str) -> str:
    return "advise " + (f"{topic} " if topic is not None else "") + quote(text)


def rule_body_text(rule: n.RuleNode) -> str:
    """`if COND then ACTIONS`, canonical: what a rule does, without its id or metadata."""
    actions = ", ".join(action_text(a) for a in rule.actions)
    return f"if {condition_text(rule.condition)} then {actions}"
