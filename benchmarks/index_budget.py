"""The index budget: what the copies of rules in the discrimination index buy and cost.

    python -m benchmarks.index_budget            # a few minutes
    python -m benchmarks.index_budget --markdown # the table for benchmarks/README.md

The index (`spinerules.engine.index`) specialises each rule into the branches it can fire in;
every copy is generated code. This compares, side by side in one run on the same rule bases and
profiles, the shipped budget (`index.COPIES` copies per rule) with the budget spinerules used
before (16 per rule; it fell to about 10 at 2,000 rules) and with no index at all (no copies:
every rule tested in turn): profiles per second of `kb.screen_many` on 2,000 complete profiles
(median of 7 interleaved runs), compile time of the model (`KnowledgeBase(model)`, median of 3)
and the peak of Python's heap while compiling (tracemalloc). Ratios are to the shipped budget.
Results go to `benchmarks/index_budget.json`.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.synth import generate_profiles, generate_ruleset, to_rules_text

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "index_budget.json"


def _budgets() -> dict[str, int]:
    from spinerules.engine.index import COPIES

    return {f"{COPIES} per rule (shipped)": COPIES, "16 per rule (before)": 16, "no index": 0}


def measure(n: int, keyed: bool) -> list[dict[str, Any]]:
    from spinerules.engine import index
    from spinerules.engine.kb import KnowledgeBase
    from spinerules.model.load import load_modules
    from spinerules.model.validate import validate
    from spinerules.syntax.source import Source

    ruleset = generate_ruleset(n, seed=0, keyed=keyed)
    model = validate(load_modules(Source(name=ruleset.name, text=to_rules_text(ruleset)), None),
                     ruleset.name)  # fmt: skip
    profiles = generate_profiles(ruleset, 2000, seed=1)
    rows: dict[str, dict[str, Any]] = {}
    kbs: dict[str, Any] = {}
    shipped = index.COPIES
    for name, copies in _budgets().items():
        index.COPIES = copies  # read by `index.build` when the compiler asks for the default
        try:
            times = []
            for _ in range(3):
                gc.collect()
                t0 = time.perf_counter()
                kbs[name] = KnowledgeBase(model)
                times.append(time.perf_counter() - t0)
            gc.collect()
            tracemalloc.start()
            KnowledgeBase(model)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        finally:
            index.COPIES = shipped
        rows[name] = {"compile_s": statistics.median(times), "peak_mib": peak / 2**20}
    expected = None
    for name, kb in kbs.items():  # every budget must give the same verdicts
        got = kb.screen_many(profiles)
        assert expected is None or got == expected, f"{name} disagrees"
        expected = got
    runs: dict[str, list[float]] = {name: [] for name in kbs}
    for _ in range(7):
        for name, kb in kbs.items():
            t0 = time.perf_counter()
            kb.screen_many(profiles)
            runs[name].append(time.perf_counter() - t0)
    out = []
    for name, row in rows.items():
        out.append({
            "series": "keyed" if keyed else "random", "rules": n, "budget": name,
            "profiles_per_s": len(profiles) / statistics.median(runs[name]), **row,
        })  # fmt: skip
    return out


def markdown(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| rules | budget | profiles/s | compile (s) | peak (MiB) |",
        "|---|---|---|---|---|",
    ]
    shipped: dict[tuple[str, int], dict[str, Any]] = {
        (r["series"], r["rules"]): r for r in results if "shipped" in r["budget"]
    }
    for r in results:
        base = shipped[(r["series"], r["rules"])]

        def cell(key: str, shown: str, r: dict[str, Any] = r, base: dict[str, Any] = base) -> str:
            text = format(r[key], shown)
            return text if r is base else f"{text} ({r[key] / base[key]:.2f}×)"

        lines.append(
            f"| {r['rules']:,} {r['series']} | {r['budget']} | {cell('profiles_per_s', ',.0f')} "
            f"| {cell('compile_s', '.3f')} | {cell('peak_mib', '.1f')} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="200,1000,2000")
    parser.add_argument("--markdown", action="store_true", help="print the last results' table")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(RESULTS.read_text())["results"]))
        return 0
    results = []
    for keyed in (False, True):
        for n in (int(x) for x in args.sizes.split(",")):
            results += measure(n, keyed)
            print(f"{'keyed' if keyed else 'random'} {n}: done", file=sys.stderr)
    RESULTS.write_text(json.dumps({"results": results}, indent=1) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
