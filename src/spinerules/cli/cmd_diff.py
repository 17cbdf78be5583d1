"""`spinerules diff`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis.diff import Change
from ..api import compile_text
from ..engine.kb import KnowledgeBase
from ..errors import RulesError
from .inputs import knowledge_base
from .output import Out, emit_json, plural
from .registry import FORMAT, UsageError, arg, subcommand


def _version(target: str) -> KnowledgeBase:
    """A shipped name, `all`, a file, or a folder (every `.rules` file in it, together)."""
    folder = Path(target)
    if not folder.is_dir():
        return knowledge_base(target)
    files = sorted(folder.glob("*.rules"))
    if not files:
        raise UsageError(f"no .rules files in `{target}`")
    text = "\n".join(f'use "{f.name}"' for f in files)
    return compile_text(text, name=folder.name or str(folder), base_dir=folder)


def _reads(new: KnowledgeBase, old: KnowledgeBase, rule_id: str) -> tuple[str, ...]:
    """The facts a rule reads, in whichever version has it."""
    for kb in (new, old):
        index = kb.rule_index.get(rule_id)
        if index is not None:
            return kb.rules[index].facts
    return ()


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(value) + "}"
    return str(value).lower() if isinstance(value, bool) else str(value)


@subcommand(
    "diff",
    arg("old", metavar="OLD", help="the old version: a file, a folder, a shipped name or `all`"),
    arg("new", metavar="NEW", help="the new version, the same way"),
    FORMAT,
)  # fmt: skip
def cmd_diff(args: argparse.Namespace, out: Out) -> int:
    """Does any patient's answer change between two versions of a knowledge base?

    Exact (the analyzer's solver): for every technique, referral and requirement, a complete
    patient whose answer differs, if there is one, with the answer and the deciding rules
    before and after. Exit status 1 when something changes (for review gates), 0 when no
    patient's answer does, 2 when the versions cannot be read or compared.
    """
    from ..analysis.diff import DiffError, diff

    try:
        old, new = _version(args.old), _version(args.new)
    except RulesError as exc:
        for error in exc.errors:
            out.err.write(error.diagnostic().render(out.style) + "\n")
        return 2
    try:
        report = diff(old, new)
    except DiffError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        emit_json(out, report.to_dict())
        return 1 if report.changed else 0
    for name in report.added_techniques:
        out.line(out.style(f"+ technique {name}", "green"))
    for name in report.removed_techniques:
        out.line(out.style(f"- technique {name}", "red"))
    # changes with the same answers and rules are one group (a family of techniques)
    groups: dict[tuple[object, ...], list[Change]] = {}
    for change in report.changes:
        key = (change.kind, change.before, change.after, change.rules_before, change.rules_after)
        groups.setdefault(key, []).append(change)
    for members in groups.values():
        first = members[0]
        subjects = ", ".join(c.subject for c in members)
        out.line(
            out.style(subjects, "bold") + f": {first.before} -> " + out.style(first.after, "bold")
        )
        read = {f for r in (*first.rules_before, *first.rules_after) for f in _reads(new, old, r)}
        facts = ", ".join(f"{k}={_shown(v)}" for k, v in first.patient.items() if k in read)
        out.line(
            f"  for example: {facts or 'any patient'} (the other facts: any value)"
            if facts
            else "  for example: any patient"
        )
        out.line(out.style(
            f"  before: {', '.join(first.rules_before) or '-'}; "
            f"after: {', '.join(first.rules_after) or '-'}", "dim",
        ))  # fmt: skip
    if report.changed:
        count = len(report.changes) + len(report.added_techniques) + len(report.removed_techniques)
        out.line(out.style(f"{plural(count, 'answer')} can change", "bold", "red"))
        return 1
    out.line(out.style(f"no patient's answer changes ({report.queries} solver queries)", "green"))
    return 0
