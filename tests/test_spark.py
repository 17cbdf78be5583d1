"""Screening a Spark DataFrame for real: Spark in local mode (two worker threads, Python
workers in their own processes receiving the pickled knowledge base), every row compared with
`kb.screen`. Slow (Spark starts a JVM): part of the full suite, not of the fast subset."""

from __future__ import annotations

import os
import random
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark extra: pip install 'spinerules[spark]'")

import spinerules  # noqa: E402
from spinerules.spark import screen_dataframe  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
        reason="Spark needs Java (17 or later), which this machine does not have",
    ),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers use this interpreter
    session = (
        SparkSession.builder.master("local[2]")
        .appName("spinerules-test")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def patients(n: int) -> list[dict[str, Any]]:
    """Register rows with unknowns (None), repeats, and a bad row every 50."""
    rng = random.Random(7)
    rows = []
    for i in range(n):
        rows.append({
            "patient_id": i,
            "condition": rng.choice(["herniation", "stenosis", "osteochondrosis", None]),
            "phase": rng.choice(["remission", "chronic", "subacute", "acute", None]),
            "prior_fusion": rng.choice([True, False, None]),
            "minutes_since_meal": rng.choice([10, 60, 120, None]) if i % 50 else 5000,
            "symptoms": rng.choice([["numbness"], [], ["tingling", "severe_leg_pain"], None]),
        })  # fmt: skip
    return rows


def test_a_dataframe_is_screened_row_by_row_as_kb_screen_does(spark: Any) -> None:
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    kb = spinerules.load_all()
    rows = patients(400)
    schema = StructType([
        StructField("patient_id", LongType()),
        StructField("condition", StringType()),
        StructField("phase", StringType()),
        StructField("prior_fusion", BooleanType()),
        StructField("minutes_since_meal", LongType()),
        StructField("symptoms", ArrayType(StringType())),
    ])  # fmt: skip
    frame = spark.createDataFrame(rows, schema).repartition(4)
    screened = screen_dataframe(kb, frame, keep=["patient_id"], sites=["lumbar_spine"])
    got = {r["patient_id"]: r.asDict() for r in screened.collect()}
    assert len(got) == len(rows)
    for row in rows:
        out = got[row["patient_id"]]
        profile = {k: v for k, v in row.items() if k != "patient_id" and v is not None}
        if row["minutes_since_meal"] == 5000:
            assert out["error"] and "minutes_since_meal" in out["error"]
            assert out["massage"] is None
            continue
        assert out["error"] is None
        assert {t: out[t] for t in kb.techniques} == {
            t: v.value for t, v in kb.screen(profile).items()
        }
        res = kb.evaluate(profile)
        assert out["massage@lumbar_spine"] == res.verdict("massage", at="lumbar_spine").value
        assert out["missing"] == [m.fact for m in res.missing]


def test_a_column_that_is_not_a_fact_is_refused_before_the_job(spark: Any) -> None:
    kb = spinerules.load_all()
    frame = spark.createDataFrame([{"conditon": "herniation"}])
    with pytest.raises(ValueError, match="`conditon` is not a fact"):
        screen_dataframe(kb, frame)
