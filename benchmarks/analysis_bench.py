"""How long `spinerules.analysis` takes: the shipped rulesets, and growth with rule count.

    python -m benchmarks.analysis_bench             # full run, writes the README table
    python -m benchmarks.analysis_bench --quick     # sizes up to 1,000, one run each
    python -m benchmarks.analysis_bench --no-readme

1. All five shipped rulesets together (`load_all()`), every check: the median of several
   `analyze(kb)` calls in this process, and once as a user runs it, `spinerules analyze all`
   style in a fresh interpreter (Python start, imports, loading and analysis). The goal is under
   10 seconds on a 2-core machine; the exit status is 1 if the median is not.
2. Growth: seeded synthetic rulesets from `benchmarks/synth.py` with 100 to 2,000 rules, in two
   shapes: `keyed` (every rule starts with `condition = X`, as in a large knowledge base covering
   many conditions) and `random` (rules over any facts, so far more pairs can fire together).

The table goes into README.md between `<!-- analysis-bench:start -->` and
`<!-- analysis-bench:end -->` (inside the analysis section).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import spinerules
from benchmarks.run import cpu_name
from benchmarks.synth import generate_ruleset, to_rules_text
from spinerules.analysis import analyze

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- analysis-bench:start -->", "<!-- analysis-bench:end -->"
GOAL_SECONDS = 10.0

_FRESH = """
import time
start = time.perf_counter()
import spinerules
from spinerules.analysis import analyze
report = analyze(spinerules.load_all())
print(time.perf_counter() - start)
"""


def _median_analysis(kb: spinerules.KnowledgeBase, repeats: int) -> tuple[float, int, int]:
    """(median seconds, solver queries, findings incl. accepted) of `analyze(kb)`."""
    times = []
    queries = findings = 0
    for _ in range(repeats):
        start = time.perf_counter()
        report = analyze(kb)
        times.append(time.perf_counter() - start)
        queries, findings = report.queries, len(report.findings) + len(report.accepted)
    return statistics.median(times), queries, findings


def shipped(repeats: int) -> dict[str, float | int]:
    kb = spinerules.load_all()
    seconds, queries, findings = _median_analysis(kb, repeats)
    fresh = subprocess.run(
        [sys.executable, "-c", _FRESH], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return {
        "rules": len(kb.rules),
        "facts": len(kb.facts),
        "techniques": len(kb.techniques),
        "seconds": seconds,
        "fresh_seconds": float(fresh.stdout.strip()),
        "queries": queries,
        "findings": findings,
    }


def growth(sizes: Sequence[int], series: Sequence[str], repeats: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for shape in series:
        for n in sizes:
            text = to_rules_text(generate_ruleset(n, seed=1, keyed=shape == "keyed"))
            kb = spinerules.compile_text(text, name=f"synth_{shape}_{n}")
            seconds, queries, findings = _median_analysis(kb, repeats if n < 1000 else 1)
            row = {"series": shape, "rules": n, "seconds": seconds, "queries": queries}
            rows.append({**row, "findings": findings})
            print(f"{shape:>6} {n:>5} rules: {seconds:6.2f}s, {queries} solver queries, "
                  f"{findings} findings", file=sys.stderr, flush=True)  # fmt: skip
    return rows


def machine() -> str:
    cpu = cpu_name()
    import z3  # type: ignore[import-untyped]

    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} when it ended"
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"z3 {z3.get_version_string()}{load}"
    )


def table(ship: dict[str, float | int], rows: list[dict[str, object]]) -> str:
    lines = [
        f"Measured with `python -m benchmarks.analysis_bench` on {machine()}.",
        "",
        f"All five shipped rulesets together ({ship['rules']} rules, {ship['facts']} facts, "
        f"{ship['techniques']} techniques), every check: **{ship['seconds']:.2f} s** "
        f"(median, in process; {ship['queries']} solver queries, {ship['findings']} findings "
        f"before acceptance), {ship['fresh_seconds']:.2f} s in a fresh interpreter including "
        f"imports and loading. Goal: under {GOAL_SECONDS:.0f} s.",
        "",
        "| rules | keyed: seconds | keyed: solver queries | random: seconds | "
        "random: solver queries |",
        "|---:|---:|---:|---:|---:|",
    ]
    by = {(r["series"], r["rules"]): r for r in rows}
    for n in sorted({int(str(r["rules"])) for r in rows}):
        cells = []
        for shape in ("keyed", "random"):
            row = by.get((shape, n))
            if row is None:
                cells += ["", ""]
            else:
                cells += [f"{float(str(row['seconds'])):.2f}", str(row["queries"])]
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(text: str, readme: Path) -> None:
    body = readme.read_text(encoding="utf-8")
    if START not in body or END not in body:
        raise SystemExit(f"{readme} has no {START} ... {END} markers")
    head, rest = body.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.analysis_bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--quick", action="store_true", help="sizes up to 1,000, one run each")
    ap.add_argument("--sizes", help="comma-separated rule counts (default 100..2000)")
    ap.add_argument("--series", default="keyed,random", help="keyed,random (default both)")
    ap.add_argument("--repeats", type=int, help="runs per measurement (median)")
    ap.add_argument("--no-readme", action="store_true", help="do not update README.md")
    args = ap.parse_args(argv)

    sizes = [100, 250, 500, 1000] if args.quick else [100, 250, 500, 1000, 2000]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    repeats = args.repeats or (1 if args.quick else 5)
    ship = shipped(repeats)
    print(f"shipped: {ship['rules']} rules in {ship['seconds']:.2f}s "
          f"({ship['fresh_seconds']:.2f}s fresh)", file=sys.stderr)  # fmt: skip
    rows = growth(sizes, args.series.split(","), repeats)
    text = table(ship, rows)
    print(text)
    if not args.no_readme:
        write_readme(text, ROOT / "README.md")
    return 0 if float(ship["seconds"]) < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
