"""The benchmark runs on a tiny size and every installed engine agrees with the baseline.

No timing is asserted here. Third-party engines are not test dependencies: those not
installed are reported as such by the benchmark and skipped here; the hand-written
baseline, the naive interpreter and spinerules always run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if not (ROOT / "benchmarks" / "run.py").exists():  # e.g. tests run from an sdist
    pytest.skip("benchmarks/ is not here", allow_module_level=True)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import report  # noqa: E402
from benchmarks.engines import all_engines  # noqa: E402
from benchmarks.run import Config, DisagreementError, Results, check_agreement, run_benchmark  # noqa: E402
from benchmarks.synth import (  # noqa: E402
    Atom,
    generate_profiles,
    generate_ruleset,
    nnf,
    to_rules_text,
)

pytestmark = pytest.mark.slow

ALWAYS = (
    "handwritten", "naive", "spinerules", "spinerules-explain", "handwritten-fired",
    "spinerules-fired",
)  # fmt: skip


@pytest.fixture(scope="module")
def tiny() -> Results:
    cfg = Config(
        sizes=(20,), profiles=50, repeats=1, run_seconds=0.0, min_batch=50,
        compile_repeats=1, shipped=False, cold_import=False, memory=False, verbose=False,
        partial_sizes=(20,), stage_sizes=(20,),
    )  # fmt: skip
    return run_benchmark(cfg)


def test_always_available_engines_are_available(tiny: Results) -> None:
    for name in ALWAYS:
        assert name not in tiny.unavailable, tiny.unavailable.get(name)


@pytest.mark.parametrize("series", ["random", "keyed"])
def test_every_installed_engine_ran_and_agreed(tiny: Results, series: str) -> None:
    # run_benchmark raises DisagreementError on any disagreement; here every engine that
    # could be imported also has to have finished, on all 50 profiles
    ran = {m.engine: m for m in tiny.measurements if m.series == series}
    for engine in all_engines():
        if engine.name in tiny.unavailable:
            continue
        m = ran[engine.name]
        assert m.status == "ok", f"{engine.name}: {m.status}"
        assert m.checked == 50
        assert m.profiles_per_s is not None and m.profiles_per_s > 0


def test_partial_profiles_and_stages_are_measured_and_checked(tiny: Results) -> None:
    assert tiny.partial is not None and tiny.stages is not None
    (row,) = tiny.partial
    assert row["rules"] == 20 and row["checked"] > 0  # verdicts agreed with tests/reference.py
    assert row["partial_per_s"] > 0 and row["complete_per_s"] > 0
    assert {(r["series"], r["rules"]) for r in tiny.stages} == {("random", 20), ("keyed", 20)}
    assert all(r[f"{k}_s"] > 0 for r in tiny.stages for k in ("read", "validate", "compile"))
    assert "Partial profiles" in report.render(tiny)


def test_unavailable_engines_are_reported_with_a_reason(tiny: Results) -> None:
    table = report.render(tiny)
    for name, reason in tiny.unavailable.items():
        assert reason
        assert f"{name}: **{reason}**" in table
    for engine in all_engines():
        assert engine.name in table


def test_a_disagreement_aborts() -> None:
    rs = generate_ruleset(5)
    profiles = generate_profiles(rs, 2)
    right = [(0,) * len(rs.techniques)] * 2
    wrong = [right[0], (4, *right[1][1:])]
    with pytest.raises(DisagreementError, match=rs.techniques[0]):
        check_agreement("broken", rs, profiles, wrong, right)


def test_generator_is_seeded() -> None:
    assert generate_ruleset(30, seed=3) == generate_ruleset(30, seed=3)
    assert generate_ruleset(30, seed=3) != generate_ruleset(30, seed=4)
    rs = generate_ruleset(30)
    assert generate_profiles(rs, 10, seed=1) == generate_profiles(rs, 10, seed=1)


def test_keyed_rules_start_with_the_key() -> None:
    rs = generate_ruleset(400, keyed=True)
    condition = rs.fact_by_name["condition"]
    assert len(condition.values) == 400 // 25
    for rule in rs.rules:
        first = rule.cond.items[0] if hasattr(rule.cond, "items") else rule.cond
        assert isinstance(first, Atom) and first.fact == "condition"


def test_nnf_has_no_not() -> None:
    for rule in generate_ruleset(200).rules:
        assert "Not(" not in repr(nnf(rule.cond))


def test_rules_text_compiles_in_spinerules() -> None:
    spinerules = pytest.importorskip("spinerules")
    rs = generate_ruleset(50)
    kb = spinerules.compile_text(to_rules_text(rs), name="synth")
    assert len(kb.rules) == 50


def test_readme_markers(tmp_path: Path, tiny: Results) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n<!-- bench:start -->\nOLD TABLE\n<!-- bench:end -->\n\n## after\n")
    report.write_readme(report.render(tiny), readme)
    text = readme.read_text()
    assert "OLD TABLE" not in text and "## after" in text and "Profiles per second" in text
    missing = tmp_path / "OTHER.md"
    missing.write_text("# y\n")
    report.write_readme("table\n", missing)
    assert missing.read_text() == "# y\n\n<!-- bench:start -->\ntable\n<!-- bench:end -->\n"


def test_shipped_rulesets_agree_in_every_installed_engine() -> None:
    pytest.importorskip("spinerules")
    cfg = Config(
        sizes=(), series=(), profiles=30, repeats=1, run_seconds=0.0, min_batch=30,
        compile_repeats=1, shipped=True, cold_import=False, memory=False, verbose=False,
    )  # fmt: skip
    results = run_benchmark(cfg)
    assert results.shipped_status == "ok"
    ran = {m.engine: m for m in results.measurements if m.series == "shipped"}
    for engine in all_engines():
        if engine.name not in results.unavailable:
            assert ran[engine.name].status == "ok", ran[engine.name].status
            assert ran[engine.name].checked == 30
    assert results.shipped is not None and results.shipped["status"] == "ok"
