"""Screening a register: a whole table of patients, one row of verdicts each.

    from spinerules.screening import screen_table
    out = screen_table(kb, frame)        # pandas / polars DataFrame, Arrow table, or records

Input: a pyarrow `Table`, `RecordBatch` or `RecordBatchReader` (or any iterable of record
batches), a pandas or polars DataFrame, or an iterable of mappings. Each row is read with
`KnowledgeBase.read_profile`'s rules (empty cells, `None`, NaN and pandas' `NA` are unknown;
text as the command line reads it; see docs/api.md, "Reading records").

Output: an Arrow table (or, from `screen_batches`, a stream of record batches for inputs larger
than memory) with, per input row:

- `row`: its position in the input (0-based), and the columns named in `keep`, as given;
- one column per technique with its verdict (`contraindicated`, ..., `undetermined`), and one
  per technique and chosen site (`TECHNIQUE@SITE`);
- `TECHNIQUE.rules` (with `reasons=True`): the ids of the rules that decide the verdict (for
  an undetermined verdict, the rules that wait for a fact);
- `missing`: the unknown facts that could change the answer, most decisive first;
- `error`: why the row could not be screened (every bad fact), or null. A bad row never stops
  the others; `errors="raise"` makes the first one raise `ProfileError` instead.

Every distinct profile is evaluated once: a register repeats profiles, and rows with the same
facts share one answer. pyarrow is needed (`pip install 'spinerules[table]'`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._collector import paused
from .engine.kb import KnowledgeBase
from .engine.result import Result
from .errors import FactError, ProfileError
from .model.model import BY_LEVEL, Verdict
from .model.profile import normalize, problems, read_record
from .suggest import did_you_mean

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Summary", "output_schema", "screen_batches", "screen_table"]

#: distinct profiles remembered within one screening (then forgotten, and built again)
MEMO_SIZE = 1 << 17

#: verdict names by level, as the output columns hold them
_NAMES = tuple(v.value for v in BY_LEVEL)
_UNDETERMINED = Verdict.UNDETERMINED.value


@attrs.define
class Summary:
    """What a screening went through: filled in as batches are screened."""

    rows: int = 0
    distinct: int = 0
    errors: int = 0
    #: technique -> verdict -> rows
    verdicts: dict[str, dict[str, int]] = attrs.Factory(dict)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _arrow() -> Any:
    try:
        import pyarrow
    except ImportError:  # pragma: no cover - the extra is installed wherever this is tested
        raise ImportError(
            "screening tables needs pyarrow: pip install 'spinerules[table]'"
        ) from None
    return pyarrow


def output_schema(
    kb: KnowledgeBase,
    keep: Sequence[Any] = (),
    sites: Sequence[str] = (),
    reasons: bool = True,
) -> pa.Schema:
    """The schema of `screen_batches`' output; `keep`: the kept input columns as Arrow fields
    (or names, typed as strings)."""
    pa = _arrow()
    fields = [pa.field("row", pa.int64(), nullable=False)]
    for item in keep:
        fields.append(item if isinstance(item, pa.Field) else pa.field(str(item), pa.string()))
    for site in sites:
        if site not in kb.site_index:
            raise kb.unknown_name("site", site)
    for technique in kb.techniques:
        fields.append(pa.field(technique, pa.string()))
        fields += [pa.field(f"{technique}@{site}", pa.string()) for site in sites]
        if reasons:
            fields.append(pa.field(f"{technique}.rules", pa.list_(pa.string())))
    fields.append(pa.field("missing", pa.list_(pa.string())))
    fields.append(pa.field("error", pa.string()))
    names = [f.name for f in fields]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(f"kept columns clash with output columns: {', '.join(clash)}")
    metadata = {"spinerules.knowledge_base": kb.name, "spinerules.fingerprint": kb.fingerprint}
    return pa.schema(fields, metadata=metadata)


def screen_table(
    kb: KnowledgeBase,
    data: Any,
    *,
    keep: Sequence[str] = (),
    sites: Sequence[str] = (),
    reasons: bool = True,
    errors: str = "report",
    separator: str = ",",
    batch_size: int = 65_536,
    summary: Summary | None = None,
) -> pa.Table:
    """Screen every row of `data` (see the module's documentation) into one Arrow table."""
    pa = _arrow()
    batches = list(
        screen_batches(
            kb, data, keep=keep, sites=sites, reasons=reasons, errors=errors,
            separator=separator, batch_size=batch_size, summary=summary,
        )
    )  # fmt: skip
    if batches:
        return pa.Table.from_batches(batches)
    schema = output_schema(kb, _kept_fields(_empty_schema(data), keep), sites, reasons)
    return schema.empty_table()


def screen_batches(
    kb: KnowledgeBase,
    data: Any,
    *,
    keep: Sequence[str] = (),
    sites: Sequence[str] = (),
    reasons: bool = True,
    errors: str = "report",
    separator: str = ",",
    batch_size: int = 65_536,
    summary: Summary | None = None,
) -> Iterator[pa.RecordBatch]:
    """Screen `data` batch by batch: one output record batch per input batch, so that memory
    stays bounded however long the input is."""
    pa = _arrow()
    if errors not in ("report", "raise"):
        raise ValueError(f"errors must be `report` or `raise`, not `{errors}`")
    screener = _Screener(kb, tuple(keep), tuple(sites), reasons, errors, separator, summary)
    for batch in _record_batches(data, batch_size):
        with paused():  # a batch's answers make no cycles; the caller's code runs with it on
            if isinstance(batch, list):
                done = screener.records(batch, pa)
            else:
                screener.check_columns(batch.schema.names)
                done = screener.arrow(batch, pa)
        yield done


# ---- inputs -------------------------------------------------------------------------------------


def _key(fields: dict[str, Any]) -> tuple[Any, ...] | None:
    """The row's cells as a dict key (lists as tuples), or None if a cell cannot be one."""
    try:
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in fields.items())
        hash(key)
    except TypeError:
        return None
    return key


def _record_batches(data: Any, batch_size: int) -> Iterator[Any]:
    """Arrow record batches (at most `batch_size` rows), or lists of mappings, for every kind
    of input."""
    pa = _arrow()
    kind = type(data).__module__.split(".")[0]
    if kind == "pandas":
        data = pa.Table.from_pandas(data, preserve_index=False)
    elif kind == "polars":
        data = data.to_arrow()
    if isinstance(data, pa.Table):
        data = data.to_batches(max_chunksize=batch_size)
    elif isinstance(data, pa.RecordBatch):
        data = [data]
    if isinstance(data, Mapping):
        raise TypeError("screen a table, or an iterable of profiles, not one profile")
    chunk: list[dict[str, Any]] = []
    for item in data:
        if isinstance(item, pa.RecordBatch):
            if chunk:
                yield chunk
                chunk = []
            for start in range(0, item.num_rows, batch_size):
                yield item.slice(start, batch_size)
            if item.num_rows == 0:
                yield item
            continue
        chunk.append(item)
        if len(chunk) >= batch_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _kinds(batch: Any, fields: list[str], pa: Any) -> tuple[list[int], Any, list[Any]]:
    """Rows with equal cells, found column by column: (the first row of each kind, in order of
    first appearance; each row's kind, a NumPy array). Each column is dictionary-encoded and a
    row's kind is the number its codes make (in mixed radix), or, when that number would not fit
    64 bits, the tuple of its codes. Also, per column, (its codes, its distinct cells with None
    last for null): what `_Screener.arrow` reads each distinct cell from."""
    import numpy
    import pyarrow.compute as pc

    codes = []
    cells: list[Any] = []
    radix = 1
    for name in fields:
        column = batch.column(name)
        listed = pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
        if listed:  # a list as text: its length, then its items (so [] and [""] differ)
            items = column.cast(pa.list_(pa.string()))
            length = pc.cast(pc.list_value_length(items), pa.string())
            column = pc.binary_join_element_wise(length, pc.binary_join(items, "\x1f"), "\x1d")
        encoded = pc.dictionary_encode(column)
        size = len(encoded.dictionary) + 1  # and null
        codes.append((pc.fill_null(encoded.indices, size - 1).to_numpy().astype(numpy.int64), size))
        radix *= size
        cells.append((encoded.dictionary, listed))
    n = batch.num_rows
    columns = [
        (c, [*([_unlisted(x) for x in d.to_pylist()] if listed else d.to_pylist()), None])
        for (c, _), (d, listed) in zip(codes, cells, strict=True)
    ]
    if not codes:
        return ([0] if n else []), numpy.zeros(n, dtype=numpy.int64), columns
    if radix < 2**62:
        key = numpy.zeros(n, dtype=numpy.int64)
        for column_codes, size in codes:
            key = key * size + column_codes
        _, first, kind_of = numpy.unique(key, return_index=True, return_inverse=True)
    else:  # too many kinds of cell to number: tuples of codes
        tuples = list(zip(*(c.tolist() for c, _ in codes), strict=True))
        seen: dict[tuple[int, ...], int] = {}
        kind_list = [seen.setdefault(t, len(seen)) for t in tuples]
        first_of: dict[int, int] = {}
        for i, k in enumerate(kind_list):
            first_of.setdefault(k, i)
        return list(first_of.values()), numpy.array(kind_list, dtype=numpy.int64), columns
    # number the kinds by first appearance, as the tuples would be
    order = numpy.argsort(first, kind="stable")
    renumber = numpy.empty_like(order)
    renumber[order] = numpy.arange(len(order))
    return first[order].tolist(), renumber[kind_of.reshape(-1)], columns


def _unlisted(text: str) -> list[str]:
    """A list written by `_kinds` (its length, then its items) back as the list."""
    length, _, items = text.partition("\x1d")
    return items.split("\x1f") if int(length) else []


def _empty_schema(data: Any) -> Any:
    pa = _arrow()
    kind = type(data).__module__.split(".")[0]
    if kind == "pandas":
        return pa.Schema.from_pandas(data, preserve_index=False)
    if kind == "polars":
        return data.to_arrow().schema
    return getattr(data, "schema", None)


def _kept_fields(schema: Any, keep: Sequence[str]) -> list[Any]:
    if schema is None:
        return list(keep)
    return [schema.field(name) if name in schema.names else name for name in keep]


# ---- the work -----------------------------------------------------------------------------------


class _Screener:
    def __init__(
        self,
        kb: KnowledgeBase,
        keep: tuple[str, ...],
        sites: tuple[str, ...],
        reasons: bool,
        errors: str,
        separator: str,
        summary: Summary | None,
    ) -> None:
        self.kb = kb
        self.keep = keep
        self.sites = sites
        self.reasons = reasons
        self.errors = errors
        self.separator = separator
        self.summary = summary if summary is not None else Summary()
        self.memo: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # by checked values
        #: verdict names by levels: distinct profiles share few verdict combinations
        self.names: dict[tuple[int, ...], tuple[str, ...]] = {}
        self.seen: dict[tuple[Any, ...], Any] = {}  # by the row's cells as given
        self.cells: dict[tuple[str, Any], Any] = {}  # (column, cell) -> read_record's answer
        self.row = 0
        self.schema: Any = None
        self.techniques = tuple(kb.techniques)
        for technique in self.techniques:
            self.summary.verdicts.setdefault(technique, {})
        #: rows per verdict tuple, folded into the summary after each batch
        self.tally: dict[tuple[str, ...], int] = {}
        output_schema(kb, keep, sites, reasons)  # unknown sites, clashes: before any row

    def count(self) -> None:
        counts = self.summary.verdicts
        for verdicts, rows in self.tally.items():
            for technique, verdict in zip(self.techniques, verdicts, strict=True):
                tally = counts[technique]
                tally[verdict] = tally.get(verdict, 0) + rows
        self.tally.clear()

    def check_columns(self, names: Sequence[str]) -> None:
        """Every column is a fact or kept: a misspelt fact column must not pass as unknown."""
        facts = self.kb.facts
        for name in names:
            if name not in facts and name not in self.keep:
                hint = did_you_mean(name, facts)
                raise ValueError(
                    f"column `{name}` is not a fact of `{self.kb.name}`"
                    + (f" ({hint})" if hint else "")
                    + "; to pass it through to the output, name it in keep="
                )
        missing = [name for name in self.keep if name not in names]
        if missing:
            raise ValueError(f"kept column `{missing[0]}` is not in the input")

    def read(self, fields: dict[str, Any]) -> Any:
        """A row's answer (distinct profiles answered once), or the list of its problems."""
        kb = self.kb
        cells = self.cells
        profile: dict[str, Any] = {}
        bad: list[FactError] = []
        for name, raw in fields.items():
            key = (name, tuple(raw) if type(raw) is list else raw)
            try:
                got = cells[key]
            except KeyError:
                got = cells[key] = read_record(kb.facts, {name: raw}, self.separator)
            except TypeError:  # a cell that cannot be a key
                got = read_record(kb.facts, {name: raw}, self.separator)
            profile.update(got[0])
            bad += got[1]
        if len(cells) >= MEMO_SIZE:
            cells.clear()
        if bad:
            return bad
        try:
            values = kb.check(profile)
        except FactError:
            return problems(kb.facts, kb.program.slots, profile) or [
                FactError("<profile>", "not a profile")
            ]
        return self.answered(values)

    def normal(self, name: str, cell: Any) -> Any:
        """One cell of a fact's column, read and checked: its normalised value, or the
        `FactError` saying what is wrong with it."""
        kb = self.kb
        piece, bad = read_record(kb.facts, {name: cell}, self.separator)
        if bad:
            return bad[0]
        try:
            return normalize(kb.facts, (name,), piece)[0]
        except FactError as exc:
            return exc

    def answered(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """The answer for checked values, each distinct profile answered once."""
        found = self.memo.get(values)
        if found is None:
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            found = self.memo[values] = self.answer(values)
            self.summary.distinct += 1
        return found

    def answer(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """(verdicts, site verdicts, deciding rules per technique, missing facts)."""
        prog = self.kb.program
        complete = None not in values
        if complete:
            levels = tuple(prog.levels_complete(values))
            named = self.names.get(levels)
            if named is None:
                named = self.names[levels] = tuple([_NAMES[level] for level in levels])
            if not (self.sites or self.reasons):
                return (named, (), (), [])
            verdicts = named
        else:
            floor, ceiling = prog.levels_partial(values)
            verdicts = tuple(
                [
                    _NAMES[f] if f == c else _UNDETERMINED
                    for f, c in zip(floor, ceiling, strict=True)
                ]
            )
        res = Result(self.kb, values)
        at = tuple(res.verdict(t, at=site).value for t in self.techniques for site in self.sites)
        rules: tuple[Any, ...] = ()
        if self.reasons:
            found = []
            for t, verdict in zip(self.techniques, verdicts, strict=True):
                judged = res.assessment(t)
                deciding = judged.pending if verdict == _UNDETERMINED else judged.reasons
                found.append(list(dict.fromkeys(r.rule_id for r in deciding)))
            rules = tuple(found)
        missing = [m.fact for m in res.missing] if not complete else []
        return (verdicts, at, rules, missing)

    def settle(self, row: int, known: Any) -> Any:
        """A row's answer, or None after noting its error (or raising, with errors="raise")."""
        if not isinstance(known, list):
            return known
        failure = ProfileError(known, row)
        if self.errors == "raise":
            raise failure
        self.summary.errors += 1
        return failure

    def arrow(self, batch: Any, pa: Any) -> Any:
        """An Arrow batch: rows with equal cells are found column by column (each column
        dictionary-encoded, a row's key the tuple of its codes), and only the first row of
        each kind is read into Python."""
        import numpy

        fields = [name for name in batch.schema.names if name not in self.keep]
        first, kind_of, distinct_cells = _kinds(batch, fields, pa)
        # each distinct cell of each column read once; the kinds of row are then gathered
        # column by column (NumPy), and zipped into their values
        slots = self.kb.program.slots
        by_slot: list[Any] = [None] * len(slots)
        wrong = numpy.zeros(len(first), dtype=bool)
        picks = numpy.array(first, dtype=numpy.int64)
        position = {name: i for i, name in enumerate(slots)}
        for name, (codes, cells) in zip(fields, distinct_cells, strict=True):
            normal = numpy.empty(len(cells), dtype=object)
            normal[:] = [self.normal(name, cell) for cell in cells]
            taken = normal[codes[picks]]
            is_error = numpy.fromiter(
                (isinstance(v, FactError) for v in normal), dtype=bool, count=len(normal)
            )
            if is_error.any():
                wrong |= is_error[codes[picks]]
            by_slot[position[name]] = taken.tolist()
        nothing = [None] * len(first)
        rows_values = zip(*(v if v is not None else nothing for v in by_slot), strict=True)
        answers: list[Any]
        memo, answered = self.memo, self.answered
        if not wrong.any():  # the common case: one dictionary look-up a kind of row
            answers = [memo.get(values) or answered(values) for values in rows_values]
        else:
            answers = []
            for k, values in enumerate(rows_values):
                if wrong[k]:
                    answers.append([v for v in values if isinstance(v, FactError)])
                else:
                    answers.append(answered(values))
        start = self.row
        self.row += batch.num_rows
        bad = {k for k, a in enumerate(answers) if isinstance(a, list)}
        error: list[str | None] = [None] * batch.num_rows if bad else []
        if bad:
            for i, k in enumerate(kind_of.tolist()):
                if k in bad:
                    failure = self.settle(start + i, answers[k])  # raises with errors="raise"
                    error[i] = str(failure)
        # every output column: one value per kind of row, then taken for each row (in C)
        n_t, n_s = len(self.techniques), len(self.sites)
        blank = ((None,) * n_t, (None,) * (n_t * n_s), (None,) * n_t, None)
        per_kind: list[Any] = [blank if k in bad else a for k, a in enumerate(answers)]
        for k, rows in enumerate(numpy.bincount(kind_of, minlength=len(answers)).tolist()):
            if k not in bad:
                verdicts = per_kind[k][0]
                self.tally[verdicts] = self.tally.get(verdicts, 0) + rows
        self.summary.rows += batch.num_rows
        self.count()
        take = pa.array(kind_of)
        out = output_schema(
            self.kb, _kept_fields(batch.schema, self.keep), self.sites, self.reasons
        )
        columns: dict[str, Any] = {
            "row": pa.array(numpy.arange(start, start + batch.num_rows, dtype=numpy.int64)),
            "error": pa.array(error, pa.string()) if bad else pa.nulls(batch.num_rows, pa.string()),
        }
        for name in self.keep:
            columns[name] = batch.column(name)
        verdict_cols = list(zip(*(a[0] for a in per_kind), strict=True)) or [()] * n_t
        site_cols = list(zip(*(a[1] for a in per_kind), strict=True)) or [()] * (n_t * n_s)
        if self.reasons:
            rule_cols = list(zip(*(a[2] or blank[2] for a in per_kind), strict=True))
        for t, technique in enumerate(self.techniques):
            columns[technique] = verdict_cols[t]
            for s, site in enumerate(self.sites):
                columns[f"{technique}@{site}"] = site_cols[t * n_s + s]
            if self.reasons:
                columns[f"{technique}.rules"] = rule_cols[t] if rule_cols else []
        columns["missing"] = [a[3] for a in per_kind]
        arrays = []
        for f in out:
            value = columns[f.name]
            if not isinstance(value, pa.Array | pa.ChunkedArray):
                value = pa.array(value, type=f.type).take(take)
            arrays.append(value)
        return pa.RecordBatch.from_arrays(arrays, schema=out)

    def records(self, rows: list[Any], pa: Any) -> Any:
        """Mappings: read one by one (the same cells twice are read once)."""
        facts = self.kb.facts
        answers = []
        start = self.row
        for i, record in enumerate(rows):
            if not isinstance(record, Mapping):
                known: Any = [
                    FactError("<profile>", f"a row must be a mapping, not {type(record).__name__}")
                ]
                answers.append(self.settle(start + i, known))
                continue
            fields = {k: v for k, v in record.items() if k not in self.keep}
            if any(k not in facts for k in fields):
                self.check_columns(list(fields))
            raw = _key(fields)
            known = self.seen.get(raw) if raw is not None else None
            if known is None:
                known = self.read(fields)
                if raw is not None:
                    if len(self.seen) >= MEMO_SIZE:
                        self.seen.clear()
                    self.seen[raw] = known
            answers.append(self.settle(start + i, known))
        self.row += len(rows)
        kept_values = [[r.get(name) if isinstance(r, Mapping) else None for r in rows]
                       for name in self.keep]  # fmt: skip
        kept = [pa.array(values) for values in kept_values]
        typed = [pa.field(name, array.type) for name, array in zip(self.keep, kept, strict=True)]
        return self.output(answers, start, kept, typed, pa)

    def output(
        self, answers: list[Any], start: int, kept: list[Any], kept_fields: list[Any], pa: Any
    ) -> Any:
        n_t, n_s = len(self.techniques), len(self.sites)
        blank = ((None,) * n_t, (None,) * (n_t * n_s), (None,) * n_t, None)
        tally = self.tally
        filled = []
        error: list[str | None] = []
        for a in answers:
            if isinstance(a, ProfileError):
                filled.append(blank)
                error.append(str(a))
            else:
                filled.append(a)
                error.append(None)
                tally[a[0]] = tally.get(a[0], 0) + 1
        self.summary.rows += len(answers)
        self.count()
        out = output_schema(self.kb, kept_fields, self.sites, self.reasons)
        arrays: dict[str, Any] = {"row": pa.array(range(start, start + len(answers)), pa.int64())}
        for name, array in zip(self.keep, kept, strict=True):
            arrays[name] = array
        verdict_cols = list(zip(*(a[0] for a in filled), strict=True)) or [()] * n_t
        site_cols = list(zip(*(a[1] for a in filled), strict=True)) or [()] * (n_t * n_s)
        rule_cols = list(zip(*(a[2] or (None,) * n_t for a in filled), strict=True)) or [()] * n_t
        for t, technique in enumerate(self.techniques):
            arrays[technique] = verdict_cols[t]
            for s, site in enumerate(self.sites):
                arrays[f"{technique}@{site}"] = site_cols[t * n_s + s]
            if self.reasons:
                arrays[f"{technique}.rules"] = rule_cols[t]
        arrays["missing"] = [a[3] for a in filled]
        arrays["error"] = error
        return pa.RecordBatch.from_arrays(
            [
                arrays[f.name] if isinstance(arrays[f.name], pa.Array)
                else pa.array(arrays[f.name], type=f.type)
                for f in out
            ],
            schema=out,
        )  # fmt: skip
