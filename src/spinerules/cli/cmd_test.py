"""`spinerules test`."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from typing import Any

import attrs

from .. import filetests
from .inputs import rules_files
from .output import Out, emit_json, plural, rule_location
from .registry import FORMAT, UsageError, arg, subcommand


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
    arg("-k", dest="keyword", metavar="TEXT",
        help="run only the tests whose name contains TEXT (case-insensitive; `not TEXT` inverts)"),
    FORMAT,
    arg("--junit-xml", metavar="FILE", help="also write the results as JUnit XML (for CI)"),
)  # fmt: skip
def cmd_test(args: argparse.Namespace, out: Out) -> int:
    """Run the in-file tests (`test "..."` blocks) and report each failure.

    A failure shows the givens, each expectation that did not hold with what the engine said
    instead and why, and the rules that fired. Exit status 1 when a test fails, a file has
    errors, no test is found, or coverage is below --min-coverage.
    """
    files = rules_files(args.paths)
    runs = [_selected(filetests.run_file(f), args.keyword) for f in files]
    if args.junit_xml:
        _write_junit(runs, args.junit_xml)
    if args.format == "json":
        return _json(out, runs)
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


def _selected(run: filetests.FileRun, keyword: str | None) -> filetests.FileRun:
    """The run with only the tests `-k` names."""
    if not keyword:
        return run
    text = keyword.strip()
    invert = text.lower().startswith("not ")
    needle = (text[4:] if invert else text).strip().lower()
    kept = tuple(o for o in run.outcomes if (needle in o.name.lower()) != invert)
    return attrs.evolve(run, outcomes=kept)


def _outcome(outcome: filetests.TestOutcome) -> dict[str, Any]:
    span = outcome.test.span
    return {
        "name": outcome.name,
        "file": str(span.source.path or span.source.name),
        "line": span.line,
        "column": span.column,
        "passed": outcome.passed,
        "checks": [
            {"expected": c.expected, "passed": c.passed, "actual": c.actual, "why": list(c.why)}
            for c in outcome.checks
        ],
        "fired": [r.id for r in outcome.fired],
    }


def _json(out: Out, runs: list[filetests.FileRun]) -> int:
    files = []
    failed = broken = total = 0
    for run in runs:
        entry: dict[str, Any] = {"file": str(run.path), "tests": [], "errors": []}
        if run.error is not None:
            broken += 1
            entry["errors"] = [e.diagnostic().to_dict() for e in run.error.errors]
        for outcome in run.outcomes:
            total += 1
            failed += not outcome.passed
            entry["tests"].append(_outcome(outcome))
        files.append(entry)
    summary = {"passed": total - failed, "failed": failed, "files_with_errors": broken}
    emit_json(out, {"files": files, "summary": summary})
    return 1 if failed or broken or total == 0 else 0


def _write_junit(runs: list[filetests.FileRun], path: str) -> None:
    """JUnit XML, as CI systems read it: a testsuite per file, a testcase per test, a
    <failure> with the report for a failing one, an <error> for a file that did not compile."""
    suites = ET.Element("testsuites", name="spinerules")
    for run in runs:
        outcomes = run.outcomes
        failures = sum(not o.passed for o in outcomes)
        suite = ET.SubElement(
            suites, "testsuite", name=str(run.path), tests=str(len(outcomes) or 1),
            failures=str(failures), errors="1" if run.error is not None else "0",
        )  # fmt: skip
        if run.error is not None:
            case = ET.SubElement(suite, "testcase", classname=str(run.path), name="compile")
            error = ET.SubElement(case, "error", message="the file has errors")
            error.text = "\n".join(e.diagnostic().render() for e in run.error.errors)
        for outcome in outcomes:
            case = ET.SubElement(
                suite, "testcase", classname=str(run.path), name=outcome.name,
                file=str(run.path), line=str(outcome.test.span.line),
            )  # fmt: skip
            if not outcome.passed:
                report = outcome.render()
                failure = ET.SubElement(case, "failure", message=report.splitlines()[0])
                failure.text = report
    try:
        ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise UsageError(f"cannot write `{path}`: {exc.strerror or exc}") from None
