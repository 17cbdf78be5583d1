"""`spinerules fmt`."""

from __future__ import annotations

import argparse
import difflib

from .. import filetests
from ..errors import RulesError
from ..model.load import read_source
from ..syntax.format import FormatError, format_text
from .inputs import read_stdin, rules_files
from .output import Out, plural
from .registry import arg, subcommand


@subcommand(
    "fmt",
    arg("paths", nargs="+", metavar="PATH", help=".rules files or folders; `-` formats stdin"),
    arg("--check", action="store_true", help="change nothing; exit 1 if a file needs formatting"),
    arg(
        "--diff",
        action="store_true",
        help="change nothing; print what would change; exit 1 if a file needs formatting",
    ),
)
def cmd_fmt(args: argparse.Namespace, out: Out) -> int:
    """Rewrite rules files in the one canonical layout, keeping every comment.

    The formatted text is parsed again and must mean exactly what the original meant (same
    rules, same ids, same tests, same comments) before anything is written.
    """
    if args.paths == ["-"]:
        try:
            text = read_stdin("<stdin>")
            result = format_text(text, "<stdin>")
        except RulesError as exc:
            for error in exc.errors:
                out.err.write(error.diagnostic().render(out.style) + "\n")
            return 1
        if args.check or args.diff:
            _show_diff(out, text, result, "<stdin>", args.diff)
            return 1 if result != text else 0
        out.stream.write(result)
        return 0
    files = rules_files(args.paths, shipped=False)
    changed = failed = 0
    for file in files:
        try:
            text = read_source(file, str(file)).text  # not UTF-8: a RulesError with its place
            result = format_text(text, str(file))
        except (OSError, UnicodeDecodeError) as exc:
            failed += 1
            out.line(filetests.unreadable(file, exc).diagnostic().render(out.style))
            continue
        except RulesError as exc:
            failed += 1
            for error in exc.errors:
                out.line(error.diagnostic().render(out.style))
            continue
        except FormatError as exc:
            failed += 1
            out.line(out.style("error:", "bold", "red") + f" {exc}")
            continue
        if result == text:
            continue
        changed += 1
        if args.diff:
            _show_diff(out, text, result, str(file), True)
        if args.check or args.diff:
            if args.check:
                out.line(f"would reformat {file}")
        else:
            try:
                file.write_text(result, encoding="utf-8")
            except OSError as exc:
                failed += 1
                changed -= 1
                reason = exc.strerror or str(exc)
                out.line(out.style("error:", "bold", "red") + f" cannot write {file}: {reason}")
                continue
            out.line(f"reformatted {file}")
    unchanged = len(files) - changed - failed
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    summary = f"{plural(changed, 'file')} {verb}, {unchanged} unchanged"
    if failed:
        summary += f", {failed} not formatted (errors)"
    out.line(out.style(summary, "bold"))
    return 1 if failed or ((args.check or args.diff) and changed) else 0


def _show_diff(out: Out, before: str, after: str, name: str, show: bool) -> None:
    if not show:
        return
    for line in difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{name} (before)",
        tofile=f"{name} (formatted)",
    ):
        text = line if line.endswith("\n") else line + "\n"
        style = ("green",) if line.startswith("+") else ("red",) if line.startswith("-") else ()
        out.stream.write(out.style(text.rstrip("\n"), *style) + "\n")
