"""The subcommand registry: a command is a function, its arguments and its docstring."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import attrs

from .output import Out

Run = Callable[[argparse.Namespace, Out], int]


@attrs.frozen
class Arg:
    flags: tuple[str, ...]
    options: dict[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    """One argument of a subcommand, as `argparse.ArgumentParser.add_argument` takes it."""
    return Arg(flags, options)


@attrs.frozen
class Subcommand:
    name: str
    run: Run
    arguments: tuple[Arg, ...]

    @property
    def help(self) -> str:
        """The docstring's first paragraph, whole (a sentence is never cut at a line end)."""
        doc = (self.run.__doc__ or "").strip()
        return " ".join(doc.split("\n\n", 1)[0].split())

    @property
    def description(self) -> str:
        return (self.run.__doc__ or "").strip()


#: Every subcommand, in the order `spinerules --help` lists them.
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *arguments: Arg) -> Callable[[Run], Run]:
    """Register `fn` as `spinerules NAME`; its docstring is the help text."""

    def register(fn: Run) -> Run:
        SUBCOMMANDS[name] = Subcommand(name, fn, arguments)
        return fn

    return register


FORMAT = arg(
    "--format", choices=("text", "json"), default="text", help="output format (default: text)"
)
FACTS = (
    arg(
        "--fact",
        action="append",
        default=[],
        metavar="FACT=VALUE",
        help="a fact of the patient (repeat it); sets are comma separated, e.g. "
        "symptoms=numbness,tingling; an empty value means unknown",
    ),
    arg(
        "--json",
        dest="json_file",
        metavar="FILE",
        help="read the profile from a JSON object in FILE (`-` for standard input); "
        "--fact values override it",
    ),
)
TARGET = arg(
    "target",
    metavar="RULESET|PATH",
    help="`all` (every shipped ruleset), a shipped ruleset's name, or the path of a .rules file",
)


class UsageError(Exception):
    """A mistake in how the command was called: exit status 2."""
