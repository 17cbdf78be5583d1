"""The `spinerules` command: list, check, fmt, test, query, explain, analyze and screen.

    spinerules list
    spinerules check PATH...                 [--format json] [--strict]
    spinerules fmt PATH... | -               [--check] [--diff]
    spinerules test PATH...                  [--coverage] [--min-coverage PCT] [-v]
    spinerules query RULESET|PATH            [--fact K=V ...] [--json FILE|-] [--format json]
    spinerules explain RULESET|PATH          [--fact K=V ...] [--json FILE|-] [--rule ID ...]
    spinerules analyze RULESET|PATH          [--check CHECK ...] [--format json]
    spinerules screen RULESET|PATH INPUT --out OUTPUT   [--keep COLUMN ...] [--strict]

Exit status: 0 when all is well, 1 when the files have errors (or tests fail, or `fmt --check`
finds files to reformat), 2 for a usage mistake (unknown option, missing file, wrong fact).

Adding a subcommand is one function and one registration line:

    @subcommand("analyze", arg("target", help="..."), FORMAT)
    def cmd_analyze(args: argparse.Namespace, out: Out) -> int:
        '''One line of help, shown by `spinerules --help`.'''
        ...
        return 0

Each command lives in its own module of this package (`cli/cmd_query.py` for `spinerules
query`), registered by importing it (`COMMANDS`); `output.py` holds how commands write,
`inputs.py` what they read (files, knowledge bases, profiles), `registry.py` the registry
itself. docs/cli.md describes every command, the JSON diagnostic schema and the exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TextIO

from .._version import __version__
from ..errors import RulesError
from . import registry
from .output import Out, emit_json, plural
from .registry import SUBCOMMANDS, Subcommand, UsageError, arg, subcommand

__all__ = ["SUBCOMMANDS", "Out", "Subcommand", "arg", "main", "subcommand"]

#: The command modules (`cmd_NAME.py`), in the order `spinerules --help` lists them; importing
#: one registers its command.
COMMANDS = (
    "list",
    "check",
    "fmt",
    "test",
    "query",
    "explain",
    "analyze",
    "diff",
    "screen",
    "report",
    "serve",
    "lsp",
)
for _name in COMMANDS:
    importlib.import_module(f".cmd_{_name}", __name__)


def build_parser() -> argparse.ArgumentParser:
    def color_option(default: str) -> argparse.ArgumentParser:
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument(
            "--color",
            choices=("auto", "always", "never"),
            default=default,
            help="colour: auto (on a terminal, unless NO_COLOR is set), always or never",
        )
        return common

    # given before or after the subcommand; the subcommand's copy must not reset it
    common, sub_common = color_option("auto"), color_option(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="spinerules",
        description="Check, format, test and query spinerules .rules files.",
        epilog="Run `spinerules COMMAND --help` for a command's options; docs/cli.md has more.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"spinerules {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.subcommand_parsers = {}  # type: ignore[attr-defined]
    for sub in registry.SUBCOMMANDS.values():
        p = parser.subcommand_parsers[sub.name] = commands.add_parser(  # type: ignore[attr-defined]
            sub.name,
            help=sub.help,
            description=sub.description,
            parents=[sub_common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for a in sub.arguments:
            p.add_argument(*a.flags, **a.options)
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command; returns the exit status (0 ok, 1 errors or failures, 2 usage)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    for stream in (stdout, stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # the command's own usage, not the top level's
            parser.subcommand_parsers[args.command].error(  # type: ignore[attr-defined]
                f"unrecognized arguments: {' '.join(unknown)}"
            )
    except SystemExit as exc:  # argparse: --help, --version (0) and usage errors (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    out = Out.for_streams(stdout, stderr, args.color)
    try:
        return registry.SUBCOMMANDS[args.command].run(args, out)
    except UsageError as exc:
        if getattr(args, "format", None) == "json":  # a program reads stdout: JSON there too
            emit_json(out, {"errors": [{"code": "usage", "message": str(exc)}]})
        out.error(str(exc))
        return 2
    except RulesError as exc:  # a knowledge base that does not load (query, explain)
        if getattr(args, "format", None) == "json":
            emit_json(out, {"errors": [e.diagnostic().to_dict() for e in exc.errors]})
            return 1
        for error in exc.errors:
            stderr.write(error.diagnostic().render(out.style) + "\n")
        stderr.write(
            out.style(f"{plural(len(exc.errors), 'error')}; nothing was evaluated", "bold", "red")
            + "\n"
        )
        return 1
    except BrokenPipeError:  # `spinerules ... | head`
        return 0
    except KeyboardInterrupt:
        return 130
