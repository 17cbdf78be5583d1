"""`spinerules screen`."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ProfileError
from ..screening import Summary, screen_batches
from .inputs import knowledge_base
from .output import Out, plural
from .registry import TARGET, UsageError, arg, subcommand

FORMATS = ("csv", "parquet")


def _format(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("parquet", "pq"):
        return "parquet"
    if suffix in ("csv", "txt", "tsv"):
        return "csv"
    raise UsageError(f"cannot tell the format of `{path}` from its name: give --format")


@subcommand(
    "screen",
    TARGET,
    arg("input", metavar="INPUT", help="a CSV or Parquet file of patients, one per row"),
    arg("--out", required=True, metavar="OUTPUT",
        help="where to write the verdicts (CSV or Parquet)"),
    arg("--format", dest="in_format", choices=FORMATS,
        help="the input's format (default: from its name)"),
    arg("--out-format", choices=FORMATS, help="the output's format (default: from its name)"),
    arg("--keep", action="append", default=[], metavar="COLUMN",
        help="an input column to copy to the output (repeat it), e.g. a patient id"),
    arg("--site", action="append", default=[], metavar="SITE",
        help="also a verdict per technique at this site (repeat it)"),
    arg("--separator", default=",", metavar="TEXT",
        help="what separates the values of a set in a cell (default: `,`)"),
    arg("--no-reasons", action="store_true", help="leave out the deciding rules"),
    arg("--strict", action="store_true",
        help="stop at the first row that cannot be screened (exit status 1)"),
    arg("--batch-size", type=int, default=65_536, metavar="ROWS", help="rows per batch"),
)  # fmt: skip
def cmd_screen(args: argparse.Namespace, out: Out) -> int:
    """Screen a register: verdicts for every row of a CSV or Parquet file.

    Each row is a patient, each column a fact (or a column named with --keep); empty cells
    are unknown. The output has, per row, its number, the kept columns, each technique's
    verdict, the rules behind it, the facts worth asking for, and an error for a row that
    could not be screened (the others are screened all the same; --strict stops instead).
    Identical rows are evaluated once. Exit status 1 when some row had an error.
    """
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UsageError("`screen` needs pyarrow: pip install 'spinerules[table]'") from None
    kb = knowledge_base(args.target)
    source, target = Path(args.input), Path(args.out)
    if not source.is_file():
        raise UsageError(f"no file `{source}`")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    in_format, out_format = _format(source, args.in_format), _format(target, args.out_format)
    summary = Summary()
    batches, total = _read(source, in_format, args.batch_size)
    try:
        results = screen_batches(
            kb, batches, keep=args.keep, sites=args.site, reasons=not args.no_reasons,
            errors="raise" if args.strict else "report", separator=args.separator,
            batch_size=args.batch_size, summary=summary,
        )  # fmt: skip
        _write(results, target, out_format, _progress(out, total))
    except ProfileError as exc:  # --strict
        out.error(f"{exc} (stopped there: --strict)")
        return 1
    except ValueError as exc:  # a column that is not a fact, an unknown kept column
        raise UsageError(str(exc)) from None
    _report(out, kb.name, kb.fingerprint, summary, target)
    return 1 if summary.errors else 0


def _read(path: Path, fmt: str, batch_size: int) -> tuple[Iterator[Any], int | None]:
    """The input as record batches, streamed, and its row count when the file says it."""
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            file = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise UsageError(f"cannot read `{path}` as Parquet: {exc}") from None
        return file.iter_batches(batch_size=batch_size), file.metadata.num_rows
    import pyarrow.csv as pacsv

    try:
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read `{path}`: {exc}") from None
    # every column as text: the knowledge base's facts say how to read each cell
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True
    )
    try:
        reader = pacsv.open_csv(path, convert_options=convert)
    except (OSError, pa.ArrowException) as exc:
        raise UsageError(f"cannot read `{path}` as CSV: {exc}") from None
    return iter(reader), None


def _progress(out: Out, total: int | None) -> Any:
    """A progress bar on a terminal (tqdm, when installed), else nothing."""
    if not out.err.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit=" rows", file=out.err, dynamic_ncols=True)


def _write(results: Iterator[Any], path: Path, fmt: str, bar: Any) -> None:
    import pyarrow as pa

    writer: Any = None
    try:
        for batch in results:
            if fmt == "csv":
                batch = _flat(batch)
            if writer is None:
                writer = _writer(path, fmt, batch.schema)
            writer.write_batch(batch)
            if bar is not None:
                bar.update(batch.num_rows)
        if writer is None:  # an input with no rows: the header alone
            return
    except OSError as exc:
        raise UsageError(f"cannot write `{path}`: {exc.strerror or exc}") from None
    except pa.ArrowException as exc:
        raise UsageError(f"cannot read the input: {exc}") from None
    finally:
        if writer is not None:
            writer.close()
        if bar is not None:
            bar.close()


def _writer(path: Path, fmt: str, schema: Any) -> Any:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetWriter(path, schema)
    import pyarrow.csv as pacsv

    return pacsv.CSVWriter(path, schema)


def _flat(batch: Any) -> Any:
    """Lists (deciding rules, missing facts) as `;`-separated text: CSV has no lists."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays, fields = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_list(field.type):
            column = pc.binary_join(column, ";")
            field = pa.field(field.name, pa.string())
        arrays.append(column)
        fields.append(field)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields, batch.schema.metadata))


def _report(out: Out, name: str, fingerprint: str, summary: Summary, target: Path) -> None:
    out.line(
        f"{plural(summary.rows, 'row')} screened with `{name}` "
        f"(fingerprint {fingerprint[:12]}): {plural(summary.distinct, 'distinct profile')}, "
        + out.style(
            f"{plural(summary.errors, 'row')} with errors",
            "bold",
            "red" if summary.errors else "green",
        )
    )
    out.line(f"written to {target}")
    shown = [(t, c) for t, c in summary.verdicts.items() if c]
    if shown:
        out.table(
            ["TECHNIQUE", "CONTRAINDICATED", "CAUTION", "UNDETERMINED", "OTHER"],
            [
                [
                    (t, ()),
                    (str(c.get("contraindicated", 0)), ("red",)),
                    (str(c.get("caution", 0)), ("yellow",)),
                    (str(c.get("undetermined", 0)), ("magenta",)),
                    (str(sum(v for k, v in c.items() if k not in _RESTRICTED)), ()),
                ]
                for t, c in shown
            ],
        )


_RESTRICTED = ("contraindicated", "caution", "undetermined")
