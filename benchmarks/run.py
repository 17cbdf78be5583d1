"""Run the side-by-side benchmark and write its table into README.md.

    python -m benchmarks.run            # full run (several minutes)
    python -m benchmarks.run --quick    # smaller sizes, fewer repeats

Every engine's verdicts are checked against the hand-written baseline (and so against
spinerules, which is checked the same way) on exactly the profiles it is timed on,
before any time is taken; a disagreement aborts the run. Figures are medians of
repeated runs in this one process. Results go to ``benchmarks/results.json`` and, by
``benchmarks/report.py``, into README.md between ``<!-- bench:start -->`` and
``<!-- bench:end -->``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.engines import Engine, all_engines
from benchmarks.synth import (
    LEVEL_NAMES,
    Profile,
    RuleSet,
    Verdicts,
    generate_profiles,
    generate_ruleset,
    to_rules_text,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
BASELINE = "handwritten"


@dataclass
class Config:
    sizes: tuple[int, ...] = (50, 200, 1000, 2000, 10000)
    series: tuple[str, ...] = ("random", "keyed")
    profiles: int = 2000  # M
    repeats: int = 7  # timed runs per measurement (median reported)
    run_seconds: float = 0.3  # aim for timed runs about this long (profiles x passes)
    min_batch: int = 20  # but never fewer profiles than this
    compile_repeats: int = 3
    compile_budget: float = 5.0  # stop repeating compiles after this many seconds
    seed: int = 0
    engines: tuple[str, ...] = ()  # only these (default: all)
    shipped: bool = True
    #: sizes (random rules) of the partial-profile rows and of the compile-stage rows
    partial_sizes: tuple[int, ...] = (200, 10000)
    stage_sizes: tuple[int, ...] = (1000, 10000)
    cold_import: bool = True
    memory: bool = True
    verbose: bool = True
    command: str = "python -m benchmarks.run"

    @classmethod
    def quick(cls) -> Config:
        return cls(
            sizes=(50, 200, 1000), profiles=500, repeats=3, run_seconds=0.1,
            partial_sizes=(200,), stage_sizes=(1000,),
        )  # fmt: skip


@dataclass
class Measurement:
    engine: str
    series: str
    rules: int
    status: str  # "ok", "skipped: ...", "failed: ..."
    profiles_per_s: float | None = None
    compile_s: float | None = None
    peak_mib: float | None = None
    #: what the compiled rules keep once compiled and run (100 profiles), collector run
    retained_mib: float | None = None
    checked: int = 0  # profiles whose verdicts were checked against the baseline
    runs: list[float] = field(default_factory=list)  # profiles/s of each timed run


@dataclass
class Results:
    meta: dict[str, Any]
    engines: dict[str, str]  # name -> description
    unavailable: dict[str, str]  # name -> reason
    measurements: list[Measurement]
    shipped: dict[str, Any] | None = None  # spinerules alone, partial profiles
    shipped_status: str | None = None  # every engine on the shipped rulesets
    cold_import: dict[str, Any] | None = None
    partial: list[dict[str, Any]] | None = None  # spinerules, partial vs complete profiles
    stages: list[dict[str, Any]] | None = None  # spinerules' compile time per stage

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Results:
        data = json.loads(text)
        data["measurements"] = [Measurement(**m) for m in data["measurements"]]
        return cls(**data)


class DisagreementError(AssertionError):
    """An engine's verdicts differ from the baseline's: its timings would mean nothing."""


def check_agreement(
    engine: str, ruleset: RuleSet, profiles: Sequence[Profile], got: list[Verdicts],
    expected: list[Verdicts],
) -> None:  # fmt: skip
    if len(got) != len(expected):
        raise DisagreementError(f"{engine}: {len(got)} answers for {len(expected)} profiles")
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if g != e:
            diffs = [
                f"{t}: {engine} says {_name(gv)}, {BASELINE} says {_name(ev)}"
                for t, gv, ev in zip(ruleset.techniques, g, e, strict=True)
                if gv != ev
            ]
            raise DisagreementError(
                f"{engine} disagrees with {BASELINE} on {ruleset.name}, profile {i} "
                f"{profiles[i]!r}:\n  " + "\n  ".join(diffs)
            )


def _name(level: int) -> str:
    return LEVEL_NAMES[level] if 0 <= level < len(LEVEL_NAMES) else f"level {level}"


def _log(cfg: Config, msg: str) -> None:
    if cfg.verbose:
        print(msg, file=sys.stderr, flush=True)


def measure(
    engine: Engine, ruleset: RuleSet, profiles: Sequence[Profile], reference: list[Verdicts],
    series: str, cfg: Config,
) -> Measurement:  # fmt: skip
    """Compile, check agreement on the profiles to be timed, then time runs and memory."""
    m = Measurement(engine.name, series, len(ruleset.rules), "ok")
    prepared = engine.prepare(ruleset)
    times: list[float] = []
    compiled: Any = None
    for _ in range(cfg.compile_repeats):
        gc.collect()
        t0 = time.perf_counter()
        compiled = engine.compile(prepared)
        times.append(time.perf_counter() - t0)
        if sum(times) > cfg.compile_budget:
            break
    m.compile_s = statistics.median(times)

    probe = profiles[: min(10, len(profiles))]
    t0 = time.perf_counter()
    engine.run(compiled, probe)
    per_profile = max((time.perf_counter() - t0) / len(probe), 1e-9)
    batch = min(len(profiles), max(cfg.min_batch, int(cfg.run_seconds / per_profile)))
    timed = profiles[:batch]

    got = engine.normalize(ruleset, engine.run(compiled, timed))
    check_agreement(engine.name, ruleset, timed, got, reference[:batch])
    m.checked = batch

    # fast engines go over the profiles several times per timed run, so that each run
    # lasts about run_seconds and is not at the mercy of a timer tick or a GC pause
    loops = max(1, min(100, round(cfg.run_seconds / (per_profile * batch))))
    for _ in range(cfg.repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(loops):
            engine.run(compiled, timed)
        m.runs.append(batch * loops / (time.perf_counter() - t0))
    m.profiles_per_s = statistics.median(m.runs)

    if cfg.memory:
        compiled = None
        gc.collect()
        tracemalloc.start()
        try:
            compiled = engine.compile(prepared)
            engine.run(compiled, timed[: min(batch, 100)])
            m.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
            gc.collect()
            m.retained_mib = tracemalloc.get_traced_memory()[0] / 2**20
        finally:
            tracemalloc.stop()
    return m


def run_workload(
    engines: Sequence[Engine], series: str, ruleset: RuleSet, profiles: list[Profile],
    cfg: Config, results: Results, failed: dict[str, int],
) -> None:  # fmt: skip
    """Every engine on one ruleset and its profiles (the baseline first, as reference)."""
    n = len(ruleset.rules)
    baseline = next(e for e in engines if e.name == BASELINE)
    reference = baseline.normalize(
        ruleset, baseline.run(baseline.compile(baseline.prepare(ruleset)), profiles)
    )
    for engine in engines:
        if engine.name in results.unavailable:
            continue
        if engine.max_rules is not None and n > engine.max_rules:
            results.measurements.append(Measurement(
                engine.name, series, n,
                f"skipped: too slow to benchmark above {engine.max_rules} rules",
            ))  # fmt: skip
            continue
        if engine.name in failed:
            results.measurements.append(Measurement(
                engine.name, series, n, f"skipped: failed at {failed[engine.name]} rules"
            ))  # fmt: skip
            continue
        _log(cfg, f"{series} {n:>6} rules: {engine.name} ...")
        try:
            m = measure(engine, ruleset, profiles, reference, series, cfg)
        except DisagreementError:
            raise
        except Exception as e:  # an engine that breaks is reported, never dropped
            failed[engine.name] = n
            m = Measurement(engine.name, series, n, f"failed: {type(e).__name__}: {e}"[:300])
        results.measurements.append(m)
        if m.profiles_per_s is not None:
            _log(cfg, f"    {m.profiles_per_s:,.0f} profiles/s, compile "
                      f"{m.compile_s or 0:.3f} s, checked {m.checked}")  # fmt: skip
        else:
            _log(cfg, f"    {m.status}")


def run_series(engines: Sequence[Engine], series: str, cfg: Config, results: Results) -> None:
    failed: dict[str, int] = {}
    for n in cfg.sizes:
        ruleset = generate_ruleset(n, seed=cfg.seed, keyed=(series == "keyed"))
        profiles = generate_profiles(ruleset, cfg.profiles, seed=cfg.seed)
        run_workload(engines, series, ruleset, profiles, cfg, results, failed)


def run_shipped_everywhere(engines: Sequence[Engine], cfg: Config, results: Results) -> None:
    """Every engine on the shipped rulesets (translated; spinerules runs them as shipped)."""
    from benchmarks.shipped import complete_profiles, shipped_ruleset

    try:
        ruleset = shipped_ruleset()
    except Exception as e:
        results.shipped_status = f"failed: {type(e).__name__}: {e}"[:300]
        return
    profiles = complete_profiles(ruleset, cfg.profiles, seed=cfg.seed)
    run_workload(engines, "shipped", ruleset, profiles, cfg, results, {})
    results.shipped_status = "ok"


# --- the shipped rulesets -----------------------------------------------------------------------


def realistic_profiles(kb: Any, m: int, seed: int = 0) -> list[dict[str, Any]]:
    """Partial profiles over the shipped vocabulary, as a clinic would send them before
    every question is answered: each fact given with probability 0.8 (the rest unknown)."""
    rng = random.Random(f"shipped:{seed}:{m}")
    out = []
    for _ in range(m):
        p: dict[str, Any] = {}
        for name, f in kb.facts.items():
            if rng.random() >= 0.8:
                continue
            kind = str(f.kind)
            if kind == "bool":
                p[name] = rng.random() < 0.2
            elif kind == "int":
                p[name] = rng.randint(f.low, f.high)
            elif kind == "set":
                p[name] = [v for v in f.values if rng.random() < 0.15]
            else:
                p[name] = rng.choice(f.values)
        out.append(p)
    return out


def _rate(fn: Callable[[], object], n: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def run_shipped(cfg: Config) -> dict[str, Any]:
    """spinerules alone on its shipped knowledge base with partial profiles (unknown
    facts, three-valued logic: the other engines have no way to express them)."""
    try:
        import spinerules

        t0 = time.perf_counter()
        kb = spinerules.load_all()
        load_s = time.perf_counter() - t0
    except Exception as e:
        return {"status": f"failed: {type(e).__name__}: {e}"[:300]}
    profiles = realistic_profiles(kb, cfg.profiles, cfg.seed)
    techniques = list(kb.techniques)
    checked = _agree_with_reference(kb, profiles[:200])
    out: dict[str, Any] = {
        "status": "ok", "rules": len(kb.rules), "facts": len(kb.facts),
        "techniques": len(techniques), "profiles": len(profiles), "load_all_s": load_s,
        "checked": checked,
    }  # fmt: skip

    def verdicts() -> None:
        for p in profiles:
            kb.evaluate(p).verdicts()

    def explained() -> None:
        kb.assessed.clear()  # as in the explain rows: no help from the previous run
        for p in profiles:
            res = kb.evaluate(p)
            res.assessments()
            res.missing  # noqa: B018 - computing the explanation is the point

    out["verdicts_per_s"] = _rate(verdicts, len(profiles), cfg.repeats)
    out["explained_per_s"] = _rate(explained, len(profiles), max(1, cfg.repeats // 2))
    return out


def _agree_with_reference(kb: Any, profiles: list[dict[str, Any]]) -> int:
    """Partial profiles have no other engine to agree with: check the verdicts against
    tests/reference.py, the test suite's second implementation of docs/semantics.md, before
    anything is timed. Returns how many profiles were checked."""
    tests = Path(__file__).resolve().parent.parent / "tests"
    if str(tests) not in sys.path:
        sys.path.insert(0, str(tests))
    from reference import Reference

    for profile in profiles:
        got = {t: v.value for t, v in kb.evaluate(profile).verdicts().items()}
        expected = Reference(kb, profile).verdicts()
        if got != expected:
            raise DisagreementError(f"shipped, partial profile {profile}: {got} != {expected}")
    return len(profiles)


COLD_CODE = (
    "import time; t = time.perf_counter(); import spinerules; spinerules.load_all(); "
    "print(time.perf_counter() - t)"
)


def _cold(repeats: int, env: dict[str, str]) -> tuple[float, float] | str:
    inside, whole = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", COLD_CODE], capture_output=True, text=True, cwd=ROOT, env=env
        )
        whole.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:300]
        inside.append(float(proc.stdout.strip()))
    return statistics.median(inside), statistics.median(whole)


def run_cold_import(repeats: int = 5) -> dict[str, Any]:
    """``import spinerules; spinerules.load_all()`` in fresh processes: as users get it
    (spinerules' on-disk cache of compiled rulesets warm: the first run fills it), and
    with that cache turned off (``SPINERULES_CACHE=0``), as on a first run ever. Python's own
    bytecode cache is allowed (an installed package has one), whatever
    ``PYTHONDONTWRITEBYTECODE`` says here."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = _cold(repeats, env)
    if isinstance(warm, str):
        return {"status": warm}
    out: dict[str, Any] = {
        "status": "ok", "import_and_load_all_s": warm[0], "whole_process_s": warm[1],
        "runs": repeats,
    }  # fmt: skip
    uncached = _cold(repeats, {**env, "SPINERULES_CACHE": "0"})
    if not isinstance(uncached, str):
        out["uncached_import_and_load_all_s"] = uncached[0]
    return out


# --- spinerules alone: partial profiles and compile stages ----------------------------------------


def run_partial(cfg: Config) -> list[dict[str, Any]]:
    """Verdicts of partial profiles (each fact unknown with probability 0.3) against the same
    profiles complete, on random rules, through `kb.screen`. No other engine has unknown facts:
    the partial verdicts are checked against tests/reference.py before anything is timed."""
    import spinerules

    rows = []
    for n in cfg.partial_sizes:
        ruleset = generate_ruleset(n, seed=cfg.seed)
        kb = spinerules.compile_text(to_rules_text(ruleset), name=ruleset.name)
        complete = generate_profiles(ruleset, cfg.profiles, seed=cfg.seed)
        rng = random.Random(f"partial:{cfg.seed}:{n}")
        partial = [{k: v for k, v in p.items() if rng.random() >= 0.3} for p in complete]
        checked = _agree_with_reference(kb, partial[: 100 if n <= 1000 else 10])
        kb.screen(partial[0])  # the partial-profile code is compiled on first use

        def run(
            profiles: list[Profile], screen: Callable[[Profile], object] = kb.screen
        ) -> Callable[[], None]:
            return lambda: [screen(p) for p in profiles] and None

        row = {
            "rules": n,
            "profiles": len(complete),
            "checked": checked,
            "complete_per_s": _rate(run(complete), len(complete), cfg.repeats),
            "partial_per_s": _rate(run(partial), len(partial), cfg.repeats),
        }
        _log(cfg, f"partial {n:>6} rules: {row['partial_per_s']:,.0f} profiles/s "
                  f"(complete {row['complete_per_s']:,.0f})")  # fmt: skip
        rows.append(row)
    return rows


def run_stages(cfg: Config) -> list[dict[str, Any]]:
    """spinerules' compile time per stage (median of 3): reading the text into nodes,
    validating them into a model, and compiling the model (index and screening code); then the
    first partial profile, which compiles the rest of the generated code."""
    from spinerules.engine.kb import KnowledgeBase
    from spinerules.model.load import load_modules
    from spinerules.model.validate import validate
    from spinerules.syntax.source import Source

    rows = []
    for series in cfg.series:
        for n in cfg.stage_sizes:
            ruleset = generate_ruleset(n, seed=cfg.seed, keyed=(series == "keyed"))
            text = to_rules_text(ruleset)
            times: dict[str, list[float]] = {"read": [], "validate": [], "compile": [], "later": []}
            for _ in range(3):
                gc.collect()
                gc.disable()  # as compile_text does
                try:
                    t0 = time.perf_counter()
                    modules = load_modules(Source(name=ruleset.name, text=text), None)
                    t1 = time.perf_counter()
                    model = validate(modules, ruleset.name)
                    t2 = time.perf_counter()
                    kb = KnowledgeBase(model)
                    t3 = time.perf_counter()
                    kb.screen({})  # a partial profile: the rest of the code
                    t4 = time.perf_counter()
                finally:
                    gc.enable()
                for key, (a, b) in zip(
                    times, ((t0, t1), (t1, t2), (t2, t3), (t3, t4)), strict=True
                ):
                    times[key].append(b - a)
            rows.append({
                "series": series, "rules": n,
                **{f"{k}_s": statistics.median(v) for k, v in times.items()},
            })  # fmt: skip
            _log(cfg, f"stages {series} {n}: " + ", ".join(
                f"{k} {statistics.median(v):.3f} s" for k, v in times.items()
            ))  # fmt: skip
    return rows


# --- the whole run ------------------------------------------------------------------------------


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return cpu


def machine() -> dict[str, Any]:
    cpu = cpu_name()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
    }


def run_benchmark(cfg: Config) -> Results:
    engines = [e for e in all_engines() if not cfg.engines or e.name in cfg.engines]
    if not any(e.name == BASELINE for e in engines):
        engines.insert(0, next(e for e in all_engines() if e.name == BASELINE))
    results = Results(
        meta={
            "command": cfg.command,
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
            "config": dataclasses.asdict(cfg),
        },
        engines={e.name: e.description for e in engines},
        unavailable={},
        measurements=[],
    )
    for e in engines:
        reason = e.unavailable()
        if reason is not None:
            results.unavailable[e.name] = reason
            _log(cfg, f"{e.name}: {reason}")
    for series in cfg.series:
        run_series(engines, series, cfg, results)
    if cfg.shipped and "spinerules" not in results.unavailable:
        _log(cfg, "shipped rulesets ...")
        run_shipped_everywhere(engines, cfg, results)
        results.shipped = run_shipped(cfg)
    if "spinerules" not in results.unavailable:
        results.partial = run_partial(cfg)
        results.stages = run_stages(cfg)
    if cfg.cold_import and "spinerules" not in results.unavailable:
        _log(cfg, "cold import ...")
        results.cold_import = run_cold_import()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--quick", action="store_true", help="sizes 50..1000, 500 profiles, 3 runs")
    ap.add_argument("--sizes", help="comma-separated rule counts, e.g. 50,200,1000")
    ap.add_argument("--profiles", type=int, help="profiles per ruleset (M)")
    ap.add_argument("--repeats", type=int, help="timed runs per measurement")
    ap.add_argument("--engines", help="comma-separated engine names (the baseline always runs)")
    ap.add_argument("--series", help="random,keyed (default both)")
    ap.add_argument("--no-readme", action="store_true", help="do not update README.md")
    ap.add_argument("--output", type=Path, default=RESULTS, help="results JSON file")
    args = ap.parse_args(argv)

    cfg = Config.quick() if args.quick else Config()
    shown = [a for a in (argv or sys.argv[1:]) if a in ("--quick",) or a.startswith("--sizes")]
    cfg.command = " ".join(["python -m benchmarks.run", *shown])
    if args.sizes:
        cfg.sizes = tuple(int(s) for s in args.sizes.split(","))
    if args.profiles:
        cfg.profiles = args.profiles
    if args.repeats:
        cfg.repeats = args.repeats
    if args.engines:
        cfg.engines = tuple(args.engines.split(","))
    if args.series:
        cfg.series = tuple(args.series.split(","))

    try:
        results = run_benchmark(cfg)
    except DisagreementError as e:
        print(f"ABORTED, engines disagree: {e}", file=sys.stderr)
        return 1
    args.output.write_text(results.to_json() + "\n")

    from benchmarks import report

    table = report.render(results)
    print(table)
    if not args.no_readme:
        report.write_readme(table, ROOT / "README.md")
        print(f"\nwrote the table into {ROOT / 'README.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
