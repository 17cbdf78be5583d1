"""`spinerules report`."""

from __future__ import annotations

import argparse

from ..report import ReportError, write_report
from .inputs import knowledge_base
from .output import Out
from .registry import TARGET, UsageError, arg, subcommand


@subcommand(
    "report",
    TARGET,
    arg("--out", required=True, metavar="FILE", help="the HTML file to write"),
    arg("--no-analysis", action="store_true",
        help="leave out the analyzer's findings (the slowest part on a large knowledge base)"),
)  # fmt: skip
def cmd_report(args: argparse.Namespace, out: Out) -> int:
    """Write a knowledge report: one self-contained HTML file for reviewing a knowledge base.

    The technique and site trees as pictures, a verdict matrix (each condition's typical
    patients × every technique, each cell linking to its deciding rules), the rules with their
    quotes, rule coverage by the in-file tests, the analyzer's open and accepted findings,
    disagreements between documents and, for the shipped rulesets, each document's statements
    as COVERAGE.md maps them. Needs `pip install 'spinerules[report]'` and graphviz's `dot`.
    """
    kb = knowledge_base(args.target)
    try:
        path = write_report(kb, args.out, analyze=not args.no_analysis)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    out.line(f"wrote {path} (knowledge base `{kb.name}`, fingerprint {kb.fingerprint[:12]})")
    return 0
