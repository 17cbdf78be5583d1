"""`spinerules analyze`."""

from __future__ import annotations

import argparse

from .inputs import knowledge_base
from .output import Out, emit_json
from .registry import FORMAT, TARGET, UsageError, arg, subcommand


@subcommand(
    "analyze",
    TARGET,
    FORMAT,
    arg("--check", action="append", dest="checks", metavar="CHECK",
        help="run only this check (repeat it): dead-rule, conflict (also disagreements), "
        "shadowed, redundant, gap, monotonicity"),
    arg("--show-accepted", action="store_true", help="also list the findings files accepted"),
)  # fmt: skip
def cmd_analyze(args: argparse.Namespace, out: Out) -> int:
    """Prove properties of a knowledge base: dead, conflicting, shadowed, redundant rules, gaps,
    disagreements between sources and safety monotonicity, each with a witness patient.

    Exact over the declared fact domains (the z3 solver decides every question); every witness is
    re-checked with the engine. A file accepts a finding with
    `# spinerules: accept CODE NAME [vs NAME] because "REASON"`. Exit status 1 when a finding is
    not accepted.
    """
    from ..analysis import CHECKS, analyze  # imports z3: only this command pays for it

    try:
        report = analyze(knowledge_base(args.target), checks=args.checks or CHECKS)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        emit_json(out, report.to_dict())
    else:
        out.line(report.render(show_accepted=args.show_accepted))
    return 0 if report.ok else 1
