"""`spinerules list`."""

from __future__ import annotations

import argparse

from .. import filetests
from ..api import load, rulesets
from .output import Out, emit_json
from .registry import FORMAT, subcommand


@subcommand("list", FORMAT)
def cmd_list(args: argparse.Namespace, out: Out) -> int:
    """List the shipped rulesets with their documents and rule counts.

    `vocabulary` declares the shared facts, techniques and sites and has no rules. Use a name
    with `query`, `explain`, `check` or `test`, or `all` for every ruleset at once.
    """
    entries = []
    for name in rulesets():
        kb = load(name)
        info = kb.rulesets[-1]
        entries.append(
            {
                "name": name,
                "title": info.title,
                "document": info.document,
                "version": info.version,
                "reviewed": info.reviewed.isoformat() if info.reviewed else None,
                "rules": sum(1 for r in kb.rules if r.ruleset == info.name),
                "tests": len(filetests.own_tests(kb)),
            }
        )
    if args.format == "json":
        emit_json(out, {"rulesets": entries})
        return 0
    rows = [
        [
            (str(e["name"]), ("bold",)),
            (str(e["document"] or "-"), ()),
            (str(e["rules"]), ()),
            (str(e["tests"]), ()),
            (str(e["title"] or ""), ("dim",)),
        ]
        for e in entries
    ]
    out.table(["RULESET", "DOCUMENT", "RULES", "TESTS", "TITLE"], rows)
    return 0
