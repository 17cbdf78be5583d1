"""Screening a register: tables in, one row of verdicts out, bad rows reported, never sinking
the batch; the answers are those of `kb.screen` and `kb.evaluate`, row by row."""

from __future__ import annotations

import functools
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import FactError, KnowledgeBase, ProfileError, Verdict
from spinerules.cli import main
from spinerules.screening import Summary, screen_batches, screen_table


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return spinerules.load_all()


ACUTE = {"condition": "herniation", "phase": "acute"}


def verdicts_of(table: pa.Table, kb: KnowledgeBase) -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = []
    for row in table.to_pylist():
        out.append(None if row["error"] else {t: row[t] for t in kb.techniques})
    return out


def expected(kb: KnowledgeBase, profile: dict[str, Any]) -> dict[str, str]:
    return {t: v.value for t, v in kb.screen(profile).items()}


# ---- reading cells ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", [None, float("nan"), np.nan, np.float32("nan"), pd.NA, pd.NaT, "", "  "]
)
def test_every_spelling_of_a_missing_cell_is_unknown(kb: KnowledgeBase, cell: Any) -> None:
    profile = kb.read_profile({"condition": "herniation", "phase": cell, "prior_fusion": cell})
    assert profile == {"condition": "herniation"}
    assert kb.screen(profile)["massage"] is kb.screen({"condition": "herniation"})["massage"]


@pytest.mark.parametrize(
    ("cell", "value"),
    [("yes", True), ("No", False), ("true", True), ("1", True), ("0", False), (1, True),
     (np.bool_(False), False), ("t", True), ("n", False)],
)  # fmt: skip
def test_a_bool_cell_in_its_usual_spellings(kb: KnowledgeBase, cell: Any, value: bool) -> None:
    assert kb.read_profile({"prior_fusion": cell}) == {"prior_fusion": value}


def test_numbers_sets_and_ordered_values_from_table_cells(kb: KnowledgeBase) -> None:
    read = kb.read_profile(
        {"minutes_since_meal": 45.0, "symptoms": "numbness, tingling", "phase": "acute"}
    )
    assert read == {
        "minutes_since_meal": 45,
        "symptoms": ["numbness", "tingling"],
        "phase": "acute",
    }
    assert kb.read_profile({"minutes_since_meal": np.int64(45)}) == {"minutes_since_meal": 45}
    assert kb.read_profile({"symptoms": np.array(["numbness"])}) == {"symptoms": ["numbness"]}
    assert kb.read_profile({"symptoms": "numbness;tingling"}, separator=";") == {
        "symptoms": ["numbness", "tingling"]
    }
    assert kb.read_profile({"symptoms": ""}) == {}  # an empty cell is unknown, not the empty set
    assert kb.read_profile({"symptoms": []}) == {"symptoms": []}


def test_a_bad_record_names_every_bad_fact(kb: KnowledgeBase) -> None:
    with pytest.raises(ProfileError) as caught:
        kb.read_profile(
            {"condition": "hernia", "minutes_since_meal": 45.5, "fever": True, "phase": "acute"}
        )
    facts = {e.fact for e in caught.value.errors}
    assert facts == {"condition", "minutes_since_meal", "fever"}
    assert "did you mean `herniation`" in str(caught.value)
    assert isinstance(caught.value, FactError)


# ---- batches of profiles ----------------------------------------------------------------------


def test_evaluate_many_names_the_bad_row_and_every_bad_fact(kb: KnowledgeBase) -> None:
    rows = [ACUTE, {"condition": "x", "phase": "y"}, {"condition": "stenosis"}]
    with pytest.raises(ProfileError) as caught:
        kb.evaluate_many(rows)
    assert caught.value.row == 1 and len(caught.value.errors) == 2
    assert str(caught.value).startswith("row 1: 2 bad facts")
    kept = kb.screen_many(rows, errors="keep")
    assert isinstance(kept[1], ProfileError)
    assert kept[0] == kb.screen(ACUTE) and kept[2] == kb.screen({"condition": "stenosis"})
    results = kb.evaluate_many(rows, errors="keep")
    assert results[2].verdicts() == kb.screen({"condition": "stenosis"})


# ---- tables -----------------------------------------------------------------------------------


def register() -> pd.DataFrame:
    """Rows with unknowns in each spelling and two bad rows in the middle."""
    return pd.DataFrame(
        {
            "pid": [10, 11, 12, 13, 14, 15],
            "condition": ["herniation", "stenosis", None, "herniation", "hernia", "herniation"],
            "phase": ["acute", "chronic", np.nan, "acute", "acute", pd.NA],
            "prior_fusion": [True, None, False, True, True, None],
            "minutes_since_meal": [30.0, np.nan, 2000.0, 30.0, 20.0, 90.0],
            "symptoms": ["numbness, tingling", "", None, "numbness, tingling", "x", None],
        }
    )


PROFILES = [
    {"condition": "herniation", "phase": "acute", "prior_fusion": True,
     "minutes_since_meal": 30, "symptoms": ["numbness", "tingling"]},
    {"condition": "stenosis", "phase": "chronic"},
    None,  # minutes_since_meal 2000 is out of range
    {"condition": "herniation", "phase": "acute", "prior_fusion": True,
     "minutes_since_meal": 30, "symptoms": ["numbness", "tingling"]},
    None,  # `hernia` and `x`
    {"condition": "herniation", "minutes_since_meal": 90},
]  # fmt: skip


@pytest.mark.parametrize("form", ["pandas", "polars", "arrow", "records", "batches"])
def test_a_register_in_every_form_gives_the_rows_answers(kb: KnowledgeBase, form: str) -> None:
    frame = register()
    data: Any = {
        "pandas": lambda: frame,
        "polars": lambda: pl.from_pandas(frame),
        "arrow": lambda: pa.Table.from_pandas(frame, preserve_index=False),
        "records": lambda: frame.to_dict("records"),
        "batches": lambda: pa.Table.from_pandas(frame, preserve_index=False).to_batches(2),
    }[form]()
    summary = Summary()
    table = screen_table(kb, data, keep=["pid"], summary=summary, batch_size=4)
    assert table.column("row").to_pylist() == list(range(6))
    assert table.column("pid").to_pylist() == [10, 11, 12, 13, 14, 15]
    assert verdicts_of(table, kb) == [None if p is None else expected(kb, p) for p in PROFILES]
    errors = table.column("error").to_pylist()
    assert errors[2] is not None and errors[2].startswith("row 2: ")
    assert "minutes_since_meal" in errors[2]
    assert errors[4] is not None and errors[4].startswith("row 4: 2 bad facts")
    assert (summary.rows, summary.errors, summary.distinct) == (6, 2, 3)  # rows 0 and 3 agree
    assert summary.verdicts["massage"]["contraindicated"] == 2


def test_deciding_rules_and_missing_facts_are_those_of_evaluate(kb: KnowledgeBase) -> None:
    table = screen_table(kb, [ACUTE, {"condition": "stenosis"}], sites=["lumbar_spine"])
    for row, profile in zip(table.to_pylist(), [ACUTE, {"condition": "stenosis"}], strict=True):
        res = kb.evaluate(profile)
        judged = res.assessment("massage")
        deciding = judged.pending if judged.verdict is Verdict.UNDETERMINED else judged.reasons
        assert row["massage.rules"] == list(dict.fromkeys(r.rule_id for r in deciding))
        assert row["missing"] == [m.fact for m in res.missing]
        assert row["massage@lumbar_spine"] == res.verdict("massage", at="lumbar_spine").value


def test_errors_raise_stops_at_the_first_bad_row_and_names_it(kb: KnowledgeBase) -> None:
    with pytest.raises(ProfileError) as caught:
        screen_table(kb, register(), keep=["pid"], errors="raise")
    assert caught.value.row == 2


def test_a_column_that_is_not_a_fact_is_refused_before_any_row(kb: KnowledgeBase) -> None:
    frame = pd.DataFrame({"conditon": ["herniation"]})
    with pytest.raises(ValueError, match=r"`conditon` is not a fact .*did you mean `condition`"):
        screen_table(kb, frame)
    with pytest.raises(ValueError, match="not a fact"):
        screen_table(kb, [{"conditon": "herniation"}])
    with pytest.raises(ValueError, match="kept column `pid` is not in the input"):
        screen_table(kb, pd.DataFrame({"condition": ["herniation"]}), keep=["pid"])


def test_an_empty_table_has_the_output_columns(kb: KnowledgeBase) -> None:
    table = screen_table(kb, pd.DataFrame({"pid": pd.Series([], dtype="int64")}), keep=["pid"])
    assert table.num_rows == 0
    assert {"row", "pid", "massage", "massage.rules", "missing", "error"} <= set(table.schema.names)
    assert table.schema.metadata[b"spinerules.fingerprint"] == kb.fingerprint.encode()


def test_output_batches_stream_one_per_input_batch(kb: KnowledgeBase) -> None:
    rows = [ACUTE] * 10
    batches = list(screen_batches(kb, rows, batch_size=3))
    assert [b.num_rows for b in batches] == [3, 3, 3, 1]


FACT_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "condition": st.sampled_from(["herniation", "stenosis", "osteochondrosis", None]),
        "phase": st.sampled_from(["remission", "chronic", "subacute", "acute", ""]),
        "prior_fusion": st.sampled_from([True, False, None, "yes", "no"]),
        "recent_spinal_surgery": st.sampled_from([True, False, float("nan")]),
        "minutes_since_meal": st.sampled_from([0, 60, 120, 1440, None]),
        "symptoms": st.lists(st.sampled_from(["numbness", "tingling", "severe_leg_pain"]),
                             unique=True).map(lambda s: ",".join(s)),
        "red_flags": st.sampled_from(["", "bladder_bowel_dysfunction", None]),
    },
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(FACT_VALUES, min_size=1, max_size=30))
def test_every_row_is_screened_as_kb_screen_screens_it(rows: list[dict[str, Any]]) -> None:
    kb = spinerules.load_all()
    table = screen_table(kb, rows)
    for row, record in zip(table.to_pylist(), rows, strict=True):
        assert row["error"] is None
        profile = kb.read_profile(record)
        assert {t: row[t] for t in kb.techniques} == expected(kb, profile)
        assert row["missing"] == [m.fact for m in kb.evaluate(profile).missing]


# ---- pickling ---------------------------------------------------------------------------------


@functools.cache
def _unpickled() -> KnowledgeBase:
    """`load_all()` through pickle and back (once: each round trip compiles it again)."""
    return pickle.loads(pickle.dumps(spinerules.load_all()))  # type: ignore[no-any-return]


@settings(max_examples=12, deadline=None)  # each full `to_dict` is milliseconds
@given(st.lists(FACT_VALUES, min_size=1, max_size=5))
def test_a_pickled_knowledge_base_answers_identically(rows: list[dict[str, Any]]) -> None:
    kb = spinerules.load_all()
    copy = _unpickled()
    assert copy is not kb and copy.fingerprint == kb.fingerprint and copy.general_screening
    for record in rows:
        profile = kb.read_profile(record)
        assert copy.screen(profile) == kb.screen(profile)
        assert copy.evaluate(profile).to_dict() == kb.evaluate(profile).to_dict()


def test_an_unpickled_knowledge_base_from_another_version_is_refused(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pickle.dumps(kb)
    from spinerules.engine import kb as kb_module
    from spinerules.model import model

    monkeypatch.setattr(model, "__version__", "0.0.0-other")
    monkeypatch.setattr(kb_module, "_UNPICKLED", {})  # nothing unpickled in this process yet
    with pytest.raises(spinerules.SpinerulesError, match="another version of spinerules"):
        pickle.loads(data)


def test_a_file_knowledge_base_pickles_without_its_files(tmp_path: Path) -> None:
    (tmp_path / "lib.rules").write_text("fact f: bool\ntechnique t\n")
    (tmp_path / "main.rules").write_text(
        'use "lib.rules"\nrule r: if f then caution t because "x"\n'
    )
    kb = spinerules.load_path(tmp_path / "main.rules")
    data = pickle.dumps(kb)
    for file in tmp_path.iterdir():
        file.unlink()
    copy = pickle.loads(data)
    assert copy.screen({"f": True}) == {"t": Verdict.CAUTION}


# ---- the command ------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["--color", "never", *args], stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_screen_command_csv_to_parquet_and_csv(kb: KnowledgeBase, tmp_path: Path) -> None:
    source = tmp_path / "register.csv"
    register().to_csv(source, index=False)
    code, out, _ = run("screen", "all", str(source), "--out", str(tmp_path / "v.parquet"),
                       "--keep", "pid")  # fmt: skip
    assert code == 1  # two rows have errors
    assert "6 rows screened with `all`" in out and "2 rows with errors" in out
    assert f"fingerprint {kb.fingerprint[:12]}" in out
    table = pq.read_table(tmp_path / "v.parquet")
    assert table.schema.metadata[b"spinerules.fingerprint"] == kb.fingerprint.encode()
    assert verdicts_of(table, kb) == [None if p is None else expected(kb, p) for p in PROFILES]
    assert table.column("pid").to_pylist() == ["10", "11", "12", "13", "14", "15"]  # CSV: text

    code, _, _ = run(
        "screen", "all", str(source), "--out", str(tmp_path / "v.csv"), "--keep", "pid"
    )
    nulls = pacsv.ConvertOptions(strings_can_be_null=True)
    back = pacsv.read_csv(tmp_path / "v.csv", convert_options=nulls).to_pylist()
    assert back[0]["massage"] == "contraindicated"
    assert isinstance(back[0]["massage.rules"], str) and ";" in back[0]["massage.rules"]
    assert back[2]["massage"] is None and back[2]["error"].startswith("row 2:")


def test_screen_command_parquet_in_strict_and_usage_errors(tmp_path: Path) -> None:
    good = pd.DataFrame({"condition": ["herniation", None], "phase": ["acute", "chronic"]})
    good.to_parquet(tmp_path / "in.parquet")
    code, out, _ = run(
        "screen", "all", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "o.csv")
    )
    assert code == 0 and "2 rows screened" in out and "0 rows with errors" in out
    register().to_csv(tmp_path / "bad.csv", index=False)
    code, _, err = run("screen", "all", str(tmp_path / "bad.csv"), "--out",
                       str(tmp_path / "o.csv"), "--keep", "pid", "--strict")  # fmt: skip
    assert code == 1 and "row 2:" in err and "--strict" in err
    code, _, err = run("screen", "all", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "column `pid` is not a fact" in err and "keep=" in err
    code, _, err = run(
        "screen", "all", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")
    )
    assert code == 2 and "no file" in err
    code, _, err = run(
        "screen", "all", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "o.x")
    )
    assert code == 2 and "--format" in err


def test_set_columns_as_arrow_lists_keep_empty_unknown_and_bad_apart(kb: KnowledgeBase) -> None:
    table = pa.table(
        {
            "condition": ["herniation"] * 5,
            "symptoms": pa.array(
                [["numbness", "tingling"], [], None, [""], ["numbness", "tingling"]],
                pa.list_(pa.string()),
            ),
        }
    )
    out = screen_table(kb, table).to_pylist()
    rows = [
        {"condition": "herniation", "symptoms": ["numbness", "tingling"]},
        {"condition": "herniation", "symptoms": []},
        {"condition": "herniation"},
        None,  # "" is not a symptom
        {"condition": "herniation", "symptoms": ["numbness", "tingling"]},
    ]
    for got, profile in zip(out, rows, strict=True):
        if profile is None:
            assert got["error"] is not None and "symptoms" in got["error"]
            continue
        assert got["error"] is None
        assert {t: got[t] for t in kb.techniques} == expected(kb, profile)
        assert got["missing"] == [m.fact for m in kb.evaluate(profile).missing]


TYPED = st.fixed_dictionaries(
    {
        "condition": st.sampled_from(["herniation", "stenosis", "osteochondrosis", None]),
        "phase": st.sampled_from(["remission", "chronic", "subacute", "acute", None]),
        "prior_fusion": st.sampled_from([True, False, None]),
        "minutes_since_meal": st.sampled_from([0, 60, 120, 1440, None]),
        "symptoms": st.one_of(
            st.none(),
            st.lists(st.sampled_from(["numbness", "tingling", "severe_leg_pain"]), unique=True),
        ),
    }
)
TYPES = {
    "condition": pa.string(), "phase": pa.string(), "prior_fusion": pa.bool_(),
    "minutes_since_meal": pa.int64(), "symptoms": pa.list_(pa.string()),
}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(TYPED, min_size=1, max_size=40), st.integers(1, 7))
def test_every_row_of_an_arrow_table_is_screened_as_kb_screen_screens_it(
    rows: list[dict[str, Any]], batch_size: int
) -> None:
    """The columnar path (rows of equal cells found per column, each distinct cell read once)
    against `kb.screen` on each row, over batches of every size."""
    kb = spinerules.load_all()
    table = pa.table(
        {name: pa.array([r[name] for r in rows], kind) for name, kind in TYPES.items()}
    )
    out = screen_table(kb, table, batch_size=batch_size)
    for got, record in zip(out.to_pylist(), rows, strict=True):
        profile = {k: v for k, v in record.items() if v is not None}
        assert got["error"] is None
        assert {t: got[t] for t in kb.techniques} == expected(kb, profile)
        res = kb.evaluate(profile)
        assert got["missing"] == [m.fact for m in res.missing]
        judged = res.assessment("massage")
        deciding = judged.pending if judged.verdict is Verdict.UNDETERMINED else judged.reasons
        assert got["massage.rules"] == list(dict.fromkeys(r.rule_id for r in deciding))
