"""The `spinerules analyze` command, also runnable as `python -m spinerules.analysis`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import api
from ..errors import SpinerulesError
from ..kb import KnowledgeBase

__all__ = ["add_arguments", "load_target", "run", "run_parsed"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="PATH|NAME",
        help="a .rules file, a shipped ruleset's name, or `all` for every shipped ruleset",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--check",
        action="append",
        dest="checks",
        metavar="CHECK",
        help="run only this check (repeatable): dead-rule conflict shadowed redundant gap "
        "monotonicity",
    )
    parser.add_argument(
        "--show-accepted", action="store_true", help="also list the findings files accepted"
    )


def load_target(target: str) -> KnowledgeBase:
    if target == "all":
        return api.load_all()
    path = Path(target)
    if path.suffix == ".rules" or path.is_file():
        return api.load_path(path)
    return api.load(target)


def run_parsed(args: argparse.Namespace) -> int:
    from . import CHECKS, analyze

    try:
        kb = load_target(args.target)
        report = analyze(kb, checks=args.checks or CHECKS)
    except (SpinerulesError, FileNotFoundError, ValueError) as exc:
        print(f"spinerules analyze: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.render(show_accepted=args.show_accepted))
    return 0 if report.ok else 1


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spinerules analyze",
        description="Prove properties of a knowledge base: dead, conflicting, shadowed and "
        "redundant rules, gaps, disagreements between sources, and safety monotonicity.",
    )
    add_arguments(parser)
    return run_parsed(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
