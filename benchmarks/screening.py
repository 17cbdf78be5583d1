"""Screening a register: `screen_table` against a plain Python loop over `kb.screen` and
against `kb.evaluate_many`, on the shipped knowledge base (`load_all()`), side by side in one
run; Spark local mode beside them.

    python -m benchmarks.screening                 # 1,000,000 rows (several minutes)
    python -m benchmarks.screening --rows 100000 --no-spark

Two registers of the same length:

- *realistic*: rows drawn (Zipf-like: a few profiles very common) from 200 distinct partial
  profiles over the shipped vocabulary, as a clinic group's register repeats its patients'
  situations;
- *distinct*: complete random profiles, every row its own (the worst case for
  `screen_table`, which evaluates each distinct profile once).

Every way is checked to give the same verdicts on the first 2,000 rows before anything is
timed. Times are one run each (the loop over a million rows is long enough not to need more);
peak memory is tracemalloc's (Python's heap) while the way runs. Results go to
`benchmarks/screening.json`; `--markdown` prints the table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "screening.json"


def register(kb: Any, rows: int, distinct: bool, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(f"register:{seed}:{distinct}")
    facts = list(kb.facts.values())

    def profile(p_known: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in facts:
            if rng.random() >= p_known:
                continue
            kind = str(f.kind)
            if kind == "bool":
                out[f.name] = rng.random() < 0.2
            elif kind == "int":
                out[f.name] = rng.randint(f.low, f.high)
            elif kind == "set":
                out[f.name] = [v for v in f.values if rng.random() < 0.15]
            else:
                out[f.name] = rng.choice(f.values)
        return out

    if distinct:
        return [profile(1.0) for _ in range(rows)]
    pool = [profile(0.8) for _ in range(200)]
    weights = [1 / (i + 1) for i in range(len(pool))]
    return rng.choices(pool, weights=weights, k=rows)


def as_table(kb: Any, rows: list[dict[str, Any]]) -> Any:
    """The register as an Arrow table with one column per fact (nulls for unknown)."""
    import pyarrow as pa

    columns = {}
    for name, fact in kb.facts.items():
        values = [r.get(name) for r in rows]
        kind = str(fact.kind)
        kinds = {"bool": pa.bool_(), "int": pa.int64(), "set": pa.list_(pa.string())}
        columns[name] = pa.array(values, type=kinds.get(kind, pa.string()))
    return pa.table(columns)


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(seconds, peak MiB): one timed run, then one under tracemalloc for the memory (which
    slows allocation down too much to time with it on)."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return seconds, peak


def run(rows: int, spark: bool) -> dict[str, Any]:
    import spinerules
    from spinerules.screening import Summary, screen_table

    kb = spinerules.load_all()
    out: dict[str, Any] = {"rows": rows, "registers": {}}
    for name, distinct in (("realistic", False), ("distinct", True)):
        profiles = register(kb, rows, distinct)
        table = as_table(kb, profiles)
        check = profiles[:2000]
        expected = [{t: v.value for t, v in kb.screen(p).items()} for p in check]
        got = screen_table(kb, table.slice(0, len(check)), reasons=False)
        for row, want in zip(got.to_pylist(), expected, strict=True):
            assert {t: row[t] for t in kb.techniques} == want, "screen_table disagrees"
        assert [r.verdicts() for r in kb.evaluate_many(check)] == [kb.screen(p) for p in check]
        ways = _ways(kb, profiles, table)
        found: dict[str, Any] = {}
        for label, fn in ways.items():
            n = rows
            if distinct and "deciding rules" in label:
                # every row explained: measured on the first tenth (rows/s is what is reported)
                n = max(1, rows // 10)
                fn = _ways(kb, profiles[:n], table.slice(0, n))[label]
            seconds, peak = timed(fn)
            found[label] = {
                "seconds": seconds, "rows": n, "rows_per_s": n / seconds, "peak_mib": peak,
            }  # fmt: skip
            print(f"{name:9} {label}: {n / seconds:,.0f} rows/s, peak {peak:,.0f} MiB",
                  file=sys.stderr, flush=True)  # fmt: skip
        found["to_dict"] = to_dict_costs(kb, profiles[:20_000])
        summary = Summary()
        screen_table(kb, table.slice(0, min(rows, 200_000)), summary=summary, reasons=False)
        found["distinct profiles in the first 200,000 rows"] = summary.distinct
        if spark:
            found["spark local[2]"] = run_spark(kb, table, rows)
        out["registers"][name] = found
    return out


def _ways(kb: Any, profiles: list[dict[str, Any]], table: Any) -> dict[str, Callable[[], Any]]:
    from spinerules.screening import Summary, screen_table

    return {
        "python loop over kb.screen": lambda: [kb.screen(p) for p in profiles],
        "kb.evaluate_many, then verdicts()": lambda: [
            r.verdicts() for r in kb.evaluate_many(profiles)
        ],
        "screen_table (verdicts)": lambda: screen_table(kb, table, reasons=False),
        "screen_table (verdicts, deciding rules, missing facts)": lambda: screen_table(
            kb, table, summary=Summary()
        ),
    }


def to_dict_costs(kb: Any, profiles: list[dict[str, Any]]) -> dict[str, float]:
    """Microseconds per result of `kb.evaluate`, and of `to_dict(compact=True)` and
    `to_dict()` on results already evaluated (the collector paused for all three, as in the
    batch calls), median of 3 over the same profiles."""
    import statistics

    def per_result(fn: Callable[[], Any], count: int = len(profiles)) -> float:
        times = []
        for _ in range(3):
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            finally:
                gc.enable()
        return statistics.median(times) / count * 1e6

    results = [kb.evaluate(p) for p in profiles]
    full = profiles[: max(1, len(profiles) // 10)]  # the full form is slow: a tenth
    full_results = results[: len(full)]
    evaluate = per_result(lambda: [kb.evaluate(p) for p in profiles])
    compact = per_result(lambda: [r.to_dict(compact=True) for r in results])
    whole = per_result(lambda: [r.to_dict() for r in full_results], len(full))
    return {"evaluate_us": evaluate, "compact_us": compact, "full_us": whole}


def run_spark(kb: Any, table: Any, rows: int) -> dict[str, Any]:
    """Spark local mode (2 worker threads): the DataFrame is made from the Arrow table before
    timing; timed is screening it and writing the result to a Parquet file (an action that
    makes Spark do the work)."""
    import shutil
    import tempfile

    try:
        from pyspark.sql import SparkSession

        from spinerules.spark import screen_dataframe
    except ImportError as exc:
        return {"status": f"not installed: {exc}"}
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]").appName("spinerules-bench")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )  # fmt: skip
    folder = tempfile.mkdtemp()
    try:
        frame = session.createDataFrame(table.to_pandas()).repartition(4).cache()
        frame.count()
        t0 = time.perf_counter()
        screen_dataframe(kb, frame, reasons=False).write.parquet(f"{folder}/out")
        seconds = time.perf_counter() - t0
        return {"status": "ok", "seconds": seconds, "rows_per_s": rows / seconds}
    finally:
        session.stop()
        shutil.rmtree(folder, ignore_errors=True)


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Screening {results['rows']:,} rows of the shipped knowledge base (`load_all()`), "
        f"measured {results.get('date', '')} with `python -m benchmarks.screening`:",
        "",
        "| register | way | rows/s | vs the Python loop | peak memory (MiB) |",
        "|---|---|---|---|---|",
    ]
    for name, found in results["registers"].items():
        loop = found["python loop over kb.screen"]["rows_per_s"]
        for label, m in found.items():
            if not isinstance(m, dict) or "rows_per_s" not in m:
                continue
            peak = f"{m['peak_mib']:,.0f}" if "peak_mib" in m else "– (JVM)"
            label += (
                f" (first {m['rows']:,} rows)"
                if m.get("rows", results["rows"]) != results["rows"]
                else ""
            )
            lines.append(
                f"| {name} | {label} | {m['rows_per_s']:,.0f} | {m['rows_per_s'] / loop:.2f}× | "
                f"{peak} |"
            )
        spark = found.get("spark local[2]")
        if isinstance(spark, dict) and spark.get("status") != "ok":
            lines.append(f"| {name} | spark local[2] | {spark.get('status')} | | |")
    costs = [(name, found["to_dict"]) for name, found in results["registers"].items()
             if "to_dict" in found]  # fmt: skip
    if costs:
        lines += [
            "",
            "`Result.to_dict` on the first 20,000 rows (µs per result; the result already "
            "evaluated, the collector paused):",
            "",
            "| register | evaluate | to_dict(compact=True) | to_dict() |",
            "|---|---|---|---|",
        ]
        for name, c in costs:
            e = c["evaluate_us"]
            lines.append(
                f"| {name} | {e:.1f} | {c['compact_us']:.1f} ({c['compact_us'] / e:.1f}×) "
                f"| {c['full_us']:.1f} ({c['full_us'] / e:.1f}×) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.screening", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="print the table of the last run")
    args = ap.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(RESULTS.read_text())))
        return 0
    results = run(args.rows, not args.no_spark)
    results["date"] = time.strftime("%Y-%m-%d")
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
