"""`spinerules check`."""

from __future__ import annotations

import argparse

from .inputs import diagnose, rules_files
from .output import Out, emit_json, plural
from .registry import FORMAT, arg, subcommand


@subcommand(
    "check",
    arg("paths", nargs="+", metavar="PATH", help=".rules files, folders, or shipped ruleset names"),
    FORMAT,
    arg("--strict", action="store_true", help="warnings fail the check too (exit status 1)"),
)
def cmd_check(args: argparse.Namespace, out: Out) -> int:
    """Parse and validate rules files; report every error and warning with its line.

    Each problem is shown as `file:line:col: error: message`, the line with a caret under the
    mistake, and a hint where one helps. Exit status 1 when there is an error (or, with
    --strict, a warning).
    """
    files = rules_files(args.paths)
    found = diagnose(files)
    errors = sum(d.severity == "error" for d in found)
    warnings = len(found) - errors
    if args.format == "json":
        report = {
            "files": [str(f) for f in files],
            "diagnostics": [d.to_dict() for d in found],
            "summary": {"files": len(files), "errors": errors, "warnings": warnings},
        }
        emit_json(out, report)
    else:
        for d in found:
            out.line(d.render(out.style))
            out.line()
        what = f"{len(files)} file" + ("s" if len(files) != 1 else "")
        if not found:
            out.line(out.style(f"{what} checked: no problems", "green"))
        else:
            counts = plural(errors, "error") + ", " + plural(warnings, "warning")
            out.line(out.style(f"{counts} in {what}", "bold", "red" if errors else "yellow"))
    return 1 if errors or (args.strict and warnings) else 0
