"""Screening a Spark DataFrame: the register stays where it is, each executor screens its
partitions.

    from spinerules.spark import screen_dataframe
    verdicts = screen_dataframe(kb, patients, keep=["patient_id"])
    verdicts.write.parquet("verdicts.parquet")

The knowledge base travels to the executors pickled (as the text of its files and its
fingerprint; it is compiled again there, once per Python worker, and refuses to run if its
fingerprint differs). Each partition goes through `spinerules.screening.screen_batches` with
Arrow record batches (`DataFrame.mapInArrow`), so the result has the columns and the meaning of
`screen_table`'s: one row per input row, `row` counting within its partition (keep an id column
to join on). Rows that cannot be screened carry their `error`; they never fail the job.

Needs pyspark (`pip install 'spinerules[spark]'`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .engine.kb import KnowledgeBase
from .screening import output_schema, screen_batches

__all__ = ["screen_dataframe"]


def screen_dataframe(
    kb: KnowledgeBase,
    frame: Any,
    *,
    keep: Sequence[str] = (),
    sites: Sequence[str] = (),
    reasons: bool = True,
    separator: str = ",",
) -> Any:
    """`frame` screened: a DataFrame with `screen_table`'s columns. Lazy, as Spark is: nothing
    runs until an action (`write`, `collect`, `count`) asks for rows."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    names = frame.schema.names
    facts = kb.facts
    for name in names:  # as screen_batches does, but before anything is sent to the cluster
        if name not in facts and name not in keep:
            raise ValueError(
                f"column `{name}` is not a fact of `{kb.name}`; to pass it through to the "
                "output, name it in keep="
            )
    for name in keep:
        if name not in names:
            raise ValueError(f"kept column `{name}` is not in the input")
    arrow_in = to_arrow_schema(frame.schema)
    schema = output_schema(kb, [arrow_in.field(name) for name in keep], sites, reasons)
    options = {
        "keep": tuple(keep), "sites": tuple(sites), "reasons": reasons, "separator": separator,
    }  # fmt: skip

    def screen(batches: Iterator[Any]) -> Iterator[Any]:
        yield from screen_batches(kb, batches, **options)  # type: ignore[arg-type]

    return frame.mapInArrow(screen, from_arrow_schema(schema))
