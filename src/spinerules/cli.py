"""The `spinerules` command: list, check, fmt, test, query and explain rules files.

    spinerules list
    spinerules check PATH...                 [--format json] [--strict]
    spinerules fmt PATH... | -               [--check] [--diff]
    spinerules test PATH...                  [--coverage] [--min-coverage PCT] [-v]
    spinerules query RULESET|PATH            [--fact K=V ...] [--json FILE|-] [--format json]
    spinerules explain RULESET|PATH          [--fact K=V ...] [--json FILE|-] [--rule ID ...]

Exit status: 0 when all is well, 1 when the files have errors (or tests fail, or `fmt --check`
finds files to reformat), 2 for a usage mistake (unknown option, missing file, wrong fact).

Adding a subcommand is one function and one registration line:

    @subcommand("analyze", arg("target", help="..."), FORMAT)
    def cmd_analyze(args: argparse.Namespace, out: Out) -> int:
        '''One line of help, shown by `spinerules --help`.'''
        ...
        return 0

The function may live in another module, as long as `cli.py` imports that module. docs/cli.md
describes every command, the JSON diagnostic schema and the exit codes.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from . import __version__, filetests
from .api import load, load_all, rulesets
from .diagnostics import Diagnostic, display, shown_file
from .engine.kb import KnowledgeBase
from .engine.logic import Atom, Lowered, kleene, lower
from .engine.result import Result
from .errors import FactError, RulesError, RulesSyntaxError, UnknownNameError
from .model.load import read_source, shipped_names, shipped_path
from .model.model import Rule, RulesWarning, Verdict
from .model.profile import Normal, normalize, parse_value
from .suggest import did_you_mean
from .syntax.format import FormatError, format_text
from .syntax.source import Source, Span
from .syntax.unparse import condition_text

__all__ = ["SUBCOMMANDS", "Out", "Subcommand", "arg", "main", "subcommand"]


# ---- output ---------------------------------------------------------------------------------

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}

VERDICT_STYLE = {
    Verdict.CONTRAINDICATED: ("bold", "red"),
    Verdict.CAUTION: ("bold", "yellow"),
    Verdict.RECOMMENDED: ("green",),
    Verdict.ALLOWED: ("green",),
    Verdict.UNASSESSED: ("dim",),
    Verdict.UNDETERMINED: ("bold", "magenta"),
}


class Out:
    """Where a command writes: colour and tables on a terminal, plain text when piped."""

    def __init__(self, stream: TextIO, err: TextIO, color: bool, width: int | None) -> None:
        self.stream = stream
        self.err = err
        self.color = color
        self.width = width  # None: never cut lines (piped)

    @classmethod
    def for_streams(cls, stream: TextIO, err: TextIO, mode: str = "auto") -> Out:
        tty = _isatty(stream)
        if mode == "always":
            color = True
        elif mode == "never":
            color = False
        else:
            color = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        width = shutil.get_terminal_size((100, 24)).columns if tty else None
        return cls(stream, err, color, width)

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def error(self, text: str) -> None:
        """A usage or input problem, on stderr."""
        self.err.write(f"spinerules: {text}\n")

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]]
    ) -> None:
        """Columns aligned to their widest cell. On a terminal: a bold header over a rule, and
        the last column wrapped to the terminal's width; piped: plain aligned text, one row a
        line, nothing wrapped."""
        widths = [len(h) for h in header]
        for row in rows:
            for i, (cell, _) in enumerate(row):
                widths[i] = max(widths[i], len(cell))
        indent = "  "
        start = len(indent) + sum(w + 2 for w in widths[:-1])
        room = None if self.width is None else self.width - start - 1
        if room is not None and room < 20:
            room = None  # too narrow to wrap usefully: let the terminal fold it

        def render(cells: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
            *first, (last, last_style) = cells
            parts = [self.style(text.ljust(widths[i]), *st) for i, (text, st) in enumerate(first)]
            pieces = textwrap.wrap(last, room) if room is not None and last else [last]
            lines = [(indent + "  ".join([*parts, self.style(pieces[0], *last_style)])).rstrip()]
            lines += [" " * start + self.style(piece, *last_style) for piece in pieces[1:]]
            return lines

        bold = ("bold",)
        for text in render([(h, bold) for h in header]):
            self.line(text)
        if self.width is not None:
            last = min(widths[-1], room or widths[-1])
            self.line(indent + "  ".join("─" * w for w in [*widths[:-1], last]))
        for row in rows:
            for text in render(row):
                self.line(text)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# ---- subcommand registry ------------------------------------------------------------------------

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
        doc = (self.run.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

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


# ---- finding files and knowledge bases ----------------------------------------------------------


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.endswith(".rules") or text in (".", "..")


def rules_files(targets: Sequence[str], shipped: bool = True) -> list[Path]:
    """Files named by the arguments: files, folders (every .rules file below, sorted) and, when
    `shipped`, the names of shipped rulesets or `all`. Each file once, in argument order."""
    found: dict[Path, Path] = {}
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files = _walk(path)
            if not files:
                raise UsageError(f"no .rules file in `{target}`")
            for file in files:
                found.setdefault(file.resolve(), file)
        elif path.is_file():
            found.setdefault(path.resolve(), path)
        elif (
            shipped
            and not _looks_like_path(target)
            and (target == "all" or target in shipped_names())
        ):
            names = shipped_names() if target == "all" else (target,)
            for name in names:
                shipped_file = shipped_path(name)
                assert shipped_file is not None
                where = shipped_file.resolve()
                found.setdefault(where, Path(display(where)))
        else:
            hint = did_you_mean(target, ["all", *shipped_names()]) if shipped else None
            raise UsageError(f"no file or folder `{target}`" + (f" ({hint})" if hint else ""))
    return list(found.values())


def read_stdin(name: str) -> str:
    """Standard input as UTF-8 text; anything else is a `RulesSyntaxError` at the first byte
    that is not (never text with the bad bytes smuggled in as surrogates)."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        shown = Source(name=name, text=data.decode("utf-8", "replace"))
        raise RulesSyntaxError(
            f"`{name}` is not UTF-8 text (byte {exc.start})",
            Span(shown, line, column, line, column + 1),
            "save the file as UTF-8",
        ) from None


def _walk(folder: Path) -> list[Path]:
    """Every .rules file below a folder, sorted; a folder that cannot be read is an error, not
    something to skip (a check that silently skipped it would report "no problems")."""
    problems: list[OSError] = []
    files = [
        Path(root) / name
        for root, dirs, names in os.walk(folder, onerror=problems.append)
        for name in names
        if name.endswith(".rules")
    ]
    if problems:
        first = problems[0]
        where = first.filename if first.filename is not None else folder
        raise UsageError(f"cannot read the folder `{where}`: {first.strerror or first}")
    return sorted(files)


def knowledge_base(target: str) -> KnowledgeBase:
    """`all`, a shipped ruleset's name, or a path (anything with a `/` or ending in `.rules`)."""
    if _looks_like_path(target):
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"no rules file `{target}`")
        return filetests.load(path)
    if target == "all":
        return load_all()
    try:
        return load(target)
    except UnknownNameError as exc:
        raise UsageError(f"{exc}; to load a file, give its path (e.g. ./{target}.rules)") from None


def profile(kb: KnowledgeBase, args: argparse.Namespace) -> dict[str, Any]:
    """The patient profile from `--json` and `--fact` (which wins), checked against `kb`."""
    given: dict[str, Any] = {}
    if args.json_file is not None:
        try:
            if args.json_file == "-":
                raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else None
                text = raw.decode("utf-8") if raw is not None else sys.stdin.read()
            else:
                text = Path(args.json_file).read_bytes().decode("utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise UsageError(f"cannot read `{args.json_file}`: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"`{args.json_file}` is not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"`{args.json_file}` is not valid JSON: {exc}") from None
        except ValueError as exc:  # a number longer than Python reads (4,300 digits)
            raise UsageError(f"`{args.json_file}` cannot be read: {exc}") from None
        except RecursionError:
            raise UsageError(f"`{args.json_file}` nests arrays or objects too deeply") from None
        if not isinstance(data, dict):
            raise UsageError(f"`{args.json_file}` must hold a JSON object of facts")
        given.update(data)
    for item in args.fact:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"`--fact {item}`: write FACT=VALUE, e.g. --fact phase=acute")
        fact = kb.facts.get(name)
        if fact is None:
            hint = did_you_mean(name, kb.facts)
            raise UsageError(
                f"`{kb.name}` has no fact `{name}`"
                + (f"; {hint}" if hint else f"; its facts: {', '.join(kb.facts)}")
            )
        try:
            given[name] = parse_value(fact, text)
        except FactError as exc:
            raise UsageError(str(exc)) from None
    try:
        kb.check(given)
    except FactError as exc:
        raise UsageError(str(exc)) from None
    return given


# ---- diagnostics --------------------------------------------------------------------------------


def _from_error(error: RulesError) -> Diagnostic:
    return error.diagnostic()


def _from_warning(warning: RulesWarning) -> Diagnostic:
    return warning.diagnostic()


def diagnose(files: Iterable[Path]) -> list[Diagnostic]:
    """Every error of every file (and of what it imports), and the warnings of the files
    themselves; each once, in file and line order."""
    files = list(files)
    mine = {f.resolve() for f in files}
    found: dict[tuple[str, int, int, str, str], Diagnostic] = {}
    for file in files:
        try:
            kb = filetests.load(file)
        except RulesError as exc:
            items = [_from_error(e) for e in exc.errors]
        else:
            items = [
                _from_warning(w)
                for w in kb.warnings
                if w.span.source.path is not None and w.span.source.path.resolve() in mine
            ]
        for item in items:
            found.setdefault(item.key(), item)
    order = {f.resolve(): i for i, f in enumerate(files)}

    def position(d: Diagnostic) -> tuple[int, str, int, int]:
        path = d.span.source.path
        rank = order.get(path.resolve(), -1) if path is not None else -1
        return (rank, d.file, d.span.line, d.span.column)

    return sorted(found.values(), key=position)


# ---- list ---------------------------------------------------------------------------------------


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
        out.line(json.dumps(entries, indent=2, ensure_ascii=False))
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


# ---- check --------------------------------------------------------------------------------------


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
            "version": 1,
            "files": [str(f) for f in files],
            "diagnostics": [d.to_dict() for d in found],
            "summary": {"files": len(files), "errors": errors, "warnings": warnings},
        }
        out.line(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for d in found:
            out.line(d.render(out.style))
            out.line()
        what = f"{len(files)} file" + ("s" if len(files) != 1 else "")
        if not found:
            out.line(out.style(f"{what} checked: no problems", "green"))
        else:
            counts = _plural(errors, "error") + ", " + _plural(warnings, "warning")
            out.line(out.style(f"{counts} in {what}", "bold", "red" if errors else "yellow"))
    return 1 if errors or (args.strict and warnings) else 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


# ---- fmt ----------------------------------------------------------------------------------------


@subcommand(
    "fmt",
    arg("paths", nargs="+", metavar="PATH", help=".rules files or folders; `-` formats stdin"),
    arg("--check", action="store_true", help="change nothing; exit 1 if a file needs formatting"),
    arg("--diff", action="store_true", help="change nothing; print what would change"),
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
                out.err.write(_from_error(error).render(out.style) + "\n")
            return 1
        if args.check or args.diff:
            _show_diff(out, text, result, "<stdin>", args.diff)
            return 1 if args.check and result != text else 0
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
            out.line(_from_error(filetests.unreadable(file, exc)).render(out.style))
            continue
        except RulesError as exc:
            failed += 1
            for error in exc.errors:
                out.line(_from_error(error).render(out.style))
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
    summary = f"{_plural(changed, 'file')} {verb}, {unchanged} unchanged"
    if failed:
        summary += f", {failed} not formatted (errors)"
    out.line(out.style(summary, "bold"))
    return 1 if failed or (args.check and changed) else 0


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


# ---- test ---------------------------------------------------------------------------------------


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a percentage") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 100")
    return value


@subcommand(
    "test",
    arg("paths", nargs="+", metavar="PATH", help=".rules files, folders, or shipped ruleset names"),
    arg("--coverage", action="store_true", help="list the rules that no test makes fire"),
    arg(
        "--min-coverage",
        type=_percent,
        metavar="PCT",
        help="fail when fewer than PCT percent of the rules fire in some test",
    ),
    arg("-v", "--verbose", action="store_true", help="list every test, not only the failures"),
)
def cmd_test(args: argparse.Namespace, out: Out) -> int:
    """Run the in-file tests (`test "..."` blocks) and report each failure.

    A failure shows the givens, each expectation that did not hold with what the engine said
    instead and why, and the rules that fired. Exit status 1 when a test fails, a file has
    errors, no test is found, or coverage is below --min-coverage.
    """
    files = rules_files(args.paths)
    runs = [filetests.run_file(f) for f in files]
    passed = failed = 0
    broken = 0
    for run in runs:
        if run.error is not None:
            broken += 1
            for error in run.error.errors:
                out.line(_from_error(error).render(out.style))
            out.line(out.style(f"{run.path}: not run, the file has errors", "bold", "red"))
            out.line()
            continue
        for outcome in run.outcomes:
            if outcome.passed:
                passed += 1
                if args.verbose:
                    out.line(f"{out.style('ok', 'green')}   {outcome.location}: {outcome.name}")
                continue
            failed += 1
            report = outcome.render().splitlines()
            out.line(f"{out.style('FAIL', 'bold', 'red')} {report[0]}")
            for line in report[1:]:
                if line.startswith("  expected"):
                    line = out.style(line, "bold")
                elif line.startswith("  actual"):
                    line = out.style(line, "red")
                elif line.startswith("  ok "):
                    line = out.style(line, "dim")
                out.line(line)
            out.line()
    status = 1 if failed or broken else 0
    if args.coverage or args.min_coverage is not None:
        cov = filetests.coverage(runs)
        if args.coverage and cov.uncovered:
            out.line(out.style("rules that no test makes fire:", "bold"))
            for rule in cov.uncovered:
                out.line(f"  {_rule_location(rule)}  {rule.id}")
        covered = len(cov.rules) - len(cov.uncovered)
        text = f"coverage: {covered} of {_plural(len(cov.rules), 'rule')} fire in some test "
        text += f"({cov.percent:.1f}%)"
        out.line(text)
        if args.min_coverage is not None and cov.percent < args.min_coverage:
            out.line(
                out.style(
                    f"coverage {cov.percent:.1f}% is below the minimum {args.min_coverage:g}%",
                    "bold",
                    "red",
                )
            )
            status = 1
    if passed + failed == 0 and not broken:
        out.line(out.style("no tests found", "bold", "red"))
        return 1
    summary = f"{passed} passed, {failed} failed"
    if broken:
        summary += f", {_plural(broken, 'file')} with errors"
    out.line(out.style(summary, "bold", "red" if status else "green"))
    return status


def _rule_location(rule: Rule) -> str:
    if rule.span is None:
        return rule.ruleset
    return f"{shown_file(rule.span.source)}:{rule.span.line}"


# ---- query --------------------------------------------------------------------------------------


@subcommand("query", TARGET, *FACTS, FORMAT)
def cmd_query(args: argparse.Namespace, out: Out) -> int:
    """Verdicts for one patient: the table, referrals, requirements, advice and next questions.

    Each technique gets its verdict with the deciding rule and its citation; facts left out are
    unknown, and the verdicts they could change are `undetermined`, with the questions to ask
    next, most decisive first. `--format json` prints `Result.to_dict()`.
    """
    kb = knowledge_base(args.target)
    res = kb.evaluate(profile(kb, args))
    if args.format == "json":
        out.line(json.dumps(res.to_dict(), indent=2, ensure_ascii=False))
        return 0
    _query_text(out, kb, res)
    return 0


def _facts_line(res: Result) -> str:
    given = res.facts
    if not given:
        return "nothing (every fact unknown)"
    return ", ".join(f"{k}={_show(v)}" for k, v in given.items())


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "{" + ", ".join(str(v) for v in value) + "}"
    return str(value)


def _citation(reason: Any) -> str:
    where = reason.document or reason.ruleset
    text = f"{where} § {reason.section}" if reason.section else str(where)
    return text + (" [generalized to every condition]" if reason.generalized else "")


#: said by `query` when the knowledge base lacks the general screening
NO_SCREENING = (
    "general safety screening is not included: red flags and general contraindications are "
    "checked only for the condition each document is about; query `all`, or add "
    "`use general_screening`, to screen every patient for them"
)


def _query_text(out: Out, kb: KnowledgeBase, res: Result) -> None:
    out.line(f"{out.style('knowledge base:', 'bold')} {kb.name}")
    out.line(f"{out.style('facts:', 'bold')} {_facts_line(res)}")
    if not kb.general_screening:
        out.line(out.style("note: " + NO_SCREENING, "yellow"))
    if res.unused_facts:
        out.line(
            out.style(
                f"note: not considered for this patient (no rule read them): "
                f"{', '.join(res.unused_facts)}",
                "yellow",
            )
        )
    out.line()
    rows = []
    for technique, verdict in res.verdicts().items():
        judged = res.assessment(technique)
        if verdict is Verdict.UNDETERMINED:
            pending = list(dict.fromkeys(r.rule_id for r in judged.pending))
            rule = _first_of(pending)
            waits = _waiting(res, pending)
            source = f"{judged.floor.value} so far, could become {judged.ceiling.value}"
            source += f"; waits for {', '.join(waits)}" if waits else ""
        elif judged.reasons:
            rule = _first_of(list(dict.fromkeys(r.rule_id for r in judged.reasons)))
            source = _first_of(list(dict.fromkeys(_citation(r) for r in judged.reasons)))
        else:
            rule, source = "-", "no rule speaks about it"
        rows.append(
            [
                (technique, ()),
                (verdict.value, VERDICT_STYLE[verdict]),
                (rule, ()),
                (source, ("dim",) if rule == "-" else ()),
            ]
        )
    out.table(["TECHNIQUE", "VERDICT", "RULE", "SOURCE"], rows)

    sites = [(t, s, v) for t in kb.techniques for s, v in res.site_verdicts(t).items()]
    if sites:
        _section(out, "at body sites")
        for technique, site, verdict in sites:
            reasons = res.reasons(technique, at=site)
            by = ", ".join(dict.fromkeys(r.rule_id for r in reasons))
            out.line(
                f"  {technique} at {site}: {out.style(verdict.value, *VERDICT_STYLE[verdict])}"
                + (f"  ({by})" if by else "")
            )
    overridden: dict[tuple[str, str], list[str]] = {}
    for technique in kb.techniques:
        for o in res.overridden(technique):
            permissive = f"{o.permissive.action} by {o.permissive.rule_id}"
            by = ", ".join(dict.fromkeys(f"{r.action} by {r.rule_id}" for r in o.by))
            overridden.setdefault((permissive, by), []).append(technique)
    if overridden:
        _section(out, "overridden (permissive rules that lost to restrictive ones)")
        for (permissive, by), techniques in overridden.items():
            out.line(f"  {permissive}, lost to {by}  (for {_first_of(techniques)})")
    if res.disagreements:
        _section(out, "disagreements between sources")
        for d in res.disagreements:
            if d.kind == "advice":
                where = f"advice on {d.topic}"
            else:
                where = f"{d.technique}" + (f" at {d.site}" if d.site else "")
                where += " (benefit)" if d.kind == "benefit" else ""
            out.line(
                f"  {where}: {_citation(d.permissive)} says `{d.permissive.action}` "
                f"({d.permissive.rule_id}); {_citation(d.restrictive)} says "
                f"`{d.restrictive.action}` ({d.restrictive.rule_id})"
            )
    _section(out, "referrals")
    if not res.referrals:
        out.line("  none")
    for ref in res.referrals:
        urgency = out.style(ref.urgency, "bold", "red" if ref.urgency == "urgent" else "yellow")
        out.line(f"  {urgency}: {ref.to}  ({ref.reason.rule_id}; {_citation(ref.reason)})")
    _section(out, "requirements")
    if not res.requirements:
        out.line("  none")
    for req in res.requirements:
        text = f": {req.text}" if req.text else ""
        out.line(f"  {req.name}{text}  ({req.reason.rule_id})")
    if res.advice:
        _section(out, "advice")
        for advice in res.advice:
            out.line(f"  {advice.text}  ({advice.reason.rule_id})")
    if res.missing:
        _section(out, "next questions (most decisive first)")
        for i, missing in enumerate(res.missing, start=1):
            question = missing.description or f"What is `{missing.fact}`?"
            out.line(f"  {i}. {out.style(missing.fact, 'bold')}: {question}")
            out.line(
                out.style(
                    f"     answers: {missing.allowed}; could trigger: {missing.stakes}; "
                    f"rules waiting: {', '.join(missing.rules)}",
                    "dim",
                )
            )


def _first_of(items: list[str]) -> str:
    """The first item, and how many more there are."""
    return items[0] + (f" (+{len(items) - 1})" if len(items) > 1 else "")


def _section(out: Out, title: str) -> None:
    out.line()
    out.line(out.style(title, "bold"))


def _waiting(res: Result, rule_ids: Iterable[str]) -> list[str]:
    index = res.knowledge_base.rule_index
    known = res.facts
    waits: dict[str, None] = {}
    for rule_id in rule_ids:
        rule = res.knowledge_base.rules[index[rule_id]]
        for fact in rule.facts:
            if fact not in known:
                waits.setdefault(fact, None)
    return list(waits)


# ---- explain ------------------------------------------------------------------------------------


@attrs.frozen
class Trace:
    """One rule for one patient: whether it fired and which parts of its condition decided."""

    rule: Rule
    status: str  # "fired" | "not fired" | "pending"
    decided_by: tuple[tuple[Atom, bool | None], ...]


def trace(kb: KnowledgeBase, given: dict[str, Any]) -> tuple[tuple[Normal, ...], list[Trace]]:
    """Every rule's outcome by the reference (Kleene) semantics of `logic.py`, with the atoms
    that decided it: for a rule that fired, the true parts that made it fire; for one that did
    not, the false parts that stopped it; for a pending one, the unknown parts it waits for."""
    slots = tuple(kb.facts)
    slot_of = {name: i for i, name in enumerate(slots)}
    values = normalize(kb.facts, slots, given)
    out = []
    for rule in kb.rules:
        cond = lower(rule.condition, kb.facts, slot_of)
        outcome = kleene(cond, values)
        status = "fired" if outcome is True else "not fired" if outcome is False else "pending"
        out.append(Trace(rule, status, tuple(_decisive(cond, values))))
    return values, out


def _decisive(cond: Lowered, values: Sequence[Normal]) -> Iterator[tuple[Atom, bool | None]]:
    outcome = kleene(cond, values)
    if isinstance(cond, Atom):
        yield cond, outcome
        return
    if cond.op == "not":
        yield from _decisive(cond.parts[0], values)
        return
    parts = [(p, kleene(p, values)) for p in cond.parts]
    if cond.op == "and":
        chosen = [p for p, v in parts if v is outcome] if outcome is not True else cond.parts
    else:
        chosen = [p for p, v in parts if v is outcome] if outcome is not False else cond.parts
    for part in chosen:
        yield from _decisive(part, values)


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
                    "location": _rule_location(t.rule),
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
        out.line(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    out.line(f"{out.style('knowledge base:', 'bold')} {kb.name}")
    out.line(f"{out.style('facts:', 'bold')} {_facts_line(res)}")
    status_style = {
        "fired": ("bold", "green"),
        "not fired": ("dim",),
        "pending": ("bold", "magenta"),
    }
    width = max(len(s) for s in status_style)
    for t in traces:
        out.line()
        label = out.style(t.status.ljust(width), *status_style[t.status])
        out.line(f"{label}  {out.style(t.rule.id, 'bold')}  {_rule_location(t.rule)}")
        out.line(out.style(f"{' ' * (width + 2)}if {condition_text(t.rule.condition)}", "dim"))
        atoms = [(atom.text, value, names[atom.slot]) for atom, value in t.decided_by]
        wide = max((len(text) for text, _, _ in atoms), default=0)
        for text, value, fact in atoms:
            word = {True: "true", False: "false", None: "unknown"}[value]
            given_text = f"{fact} is {_show(known[fact])}" if fact in known else f"{fact} not given"
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


# ---- analyze ------------------------------------------------------------------------------------


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
    from .analysis import CHECKS, analyze  # imports z3: only this command pays for it

    try:
        report = analyze(knowledge_base(args.target), checks=args.checks or CHECKS)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        out.line(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        out.line(report.render(show_accepted=args.show_accepted))
    return 0 if report.ok else 1


# ---- main ---------------------------------------------------------------------------------------


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
    for sub in SUBCOMMANDS.values():
        p = commands.add_parser(
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
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version (0) and usage errors (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    out = Out.for_streams(stdout, stderr, args.color)
    try:
        return SUBCOMMANDS[args.command].run(args, out)
    except UsageError as exc:
        out.error(str(exc))
        return 2
    except RulesError as exc:  # a knowledge base that does not load (query, explain)
        for error in exc.errors:
            stderr.write(_from_error(error).render(out.style) + "\n")
        stderr.write(
            out.style(f"{_plural(len(exc.errors), 'error')}; nothing was evaluated", "bold", "red")
            + "\n"
        )
        return 1
    except BrokenPipeError:  # `spinerules ... | head`
        return 0
    except KeyboardInterrupt:
        return 130
