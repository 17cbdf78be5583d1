"""`spinerules test`."""

from __future__ import annotations

import argparse

from .. import filetests
from .inputs import rules_files
from .output import Out, plural, rule_location
from .registry import arg, subcommand


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
                out.line(error.diagnostic().render(out.style))
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
                out.line(f"  {rule_location(rule)}  {rule.id}")
        covered = len(cov.rules) - len(cov.uncovered)
        text = f"coverage: {covered} of {plural(len(cov.rules), 'rule')} fire in some test "
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
        summary += f", {plural(broken, 'file')} with errors"
    out.line(out.style(summary, "bold", "red" if status else "green"))
    return status
