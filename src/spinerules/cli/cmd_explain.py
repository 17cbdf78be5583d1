"""`spinerules explain`."""

from __future__ import annotations

import argparse

from ..engine.trace import trace
from ..suggest import did_you_mean
from ..syntax.unparse import condition_text
from .inputs import knowledge_base, profile
from .output import Out, emit_json, facts_line, rule_location, show
from .registry import FACTS, FORMAT, TARGET, UsageError, arg, subcommand


@subcommand(
    "explain",
    TARGET,
    *FACTS,
    arg("--rule", action="append", default=[], metavar="ID", help="only these rules (repeat it)"),
    FORMAT,
)
def cmd_explain(args: argparse.Namespace, out: Out) -> int:
    """Trace every rule for one patient: fired, did not fire, or pending, and which facts decided.

    Each rule is shown with the parts of its condition that decided it and the value each fact
    had (or that it was not given), then its actions.
    """
    kb = knowledge_base(args.target)
    given = profile(kb, args)
    res = kb.evaluate(given)
    _, traces = trace(kb, given)
    unknown_ids = [r for r in args.rule if r not in kb.rule_index]
    if unknown_ids:
        hint = did_you_mean(unknown_ids[0], kb.rule_index)
        raise UsageError(
            f"`{kb.name}` has no rule `{unknown_ids[0]}`" + (f"; {hint}" if hint else "")
        )
    if args.rule:
        traces = [t for t in traces if t.rule.id in args.rule]
    known = res.facts
    names = tuple(kb.facts)
    if args.format == "json":
        report = {
            "knowledge_base": kb.name,
            "facts": dict(known),
            "rules": [
                {
                    "id": t.rule.id,
                    "location": rule_location(t.rule),
                    "status": t.status,
                    "actions": [a.describe() for a in t.rule.actions],
                    "decided_by": [
                        {
                            "condition": atom.text,
                            "value": value,
                            "fact": names[atom.slot],
                            "given": known.get(names[atom.slot]),
                        }
                        for atom, value in t.decided_by
                    ],
                }
                for t in traces
            ],
        }
        emit_json(out, report)
        return 0
    out.line(f"{out.style('knowledge base:', 'bold')} {kb.name}")
    out.line(f"{out.style('facts:', 'bold')} {facts_line(res)}")
    status_style = {
        "fired": ("bold", "green"),
        "not fired": ("dim",),
        "pending": ("bold", "magenta"),
    }
    width = max(len(s) for s in status_style)
    for t in traces:
        out.line()
        label = out.style(t.status.ljust(width), *status_style[t.status])
        out.line(f"{label}  {out.style(t.rule.id, 'bold')}  {rule_location(t.rule)}")
        out.line(out.style(f"{' ' * (width + 2)}if {condition_text(t.rule.condition)}", "dim"))
        atoms = [(atom.text, value, names[atom.slot]) for atom, value in t.decided_by]
        wide = max((len(text) for text, _, _ in atoms), default=0)
        for text, value, fact in atoms:
            word = {True: "true", False: "false", None: "unknown"}[value]
            given_text = f"{fact} is {show(known[fact])}" if fact in known else f"{fact} not given"
            colour = {True: "green", False: "red", None: "magenta"}[value]
            out.line(
                f"{' ' * (width + 2)}{text.ljust(wide)}  {out.style(word.ljust(7), colour)}  "
                + out.style(given_text, "dim")
            )
        actions = ", ".join(a.describe() for a in t.rule.actions)
        out.line(f"{' ' * (width + 2)}then {actions}")
    counts = {s: sum(t.status == s for t in traces) for s in status_style}
    out.line()
    out.line(
        f"{counts['fired']} fired, {counts['not fired']} did not fire, {counts['pending']} pending"
    )
    return 0
