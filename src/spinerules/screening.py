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

from .engine.kb import KnowledgeBase
from .errors import FactError, ProfileError
from .model.model import Verdict
from .model.profile import problems, read_record
from .suggest import did_you_mean

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Summary", "output_schema", "screen_batches", "screen_table"]

#: distinct profiles remembered within one screening (then forgotten, and built again)
MEMO_SIZE = 1 << 17


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
    for rows, schema in _record_batches(data, batch_size):
        if schema is not None:
            screener.check_columns(schema.names)
        yield screener.batch(rows, schema, pa)


# ---- inputs -------------------------------------------------------------------------------------


def _record_batches(data: Any, batch_size: int) -> Iterator[tuple[list[dict[str, Any]], Any]]:
    """(rows as dicts, the batch's Arrow schema or None) for every kind of input."""
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
                yield chunk, None
                chunk = []
            for start in range(0, item.num_rows, batch_size):
                part = item.slice(start, batch_size)
                yield part.to_pylist(), part.schema
            if item.num_rows == 0:
                yield [], item.schema
            continue
        chunk.append(item)
        if len(chunk) >= batch_size:
            yield chunk, None
            chunk = []
    if chunk:
        yield chunk, None


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
        self.memo: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.row = 0
        self.schema: Any = None
        self.techniques = tuple(kb.techniques)
        for technique in self.techniques:
            self.summary.verdicts.setdefault(technique, {})
        output_schema(kb, keep, sites, reasons)  # unknown sites, clashes: before any row

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

    def answer(self, values: tuple[Any, ...], profile: dict[str, Any]) -> tuple[Any, ...]:
        """(verdicts, site verdicts, deciding rules per technique, missing facts)."""
        res = self.kb.evaluate(profile)
        verdicts = res.verdicts()
        at = tuple(res.verdict(t, at=site).value for t in self.techniques for site in self.sites)
        rules: tuple[Any, ...] = ()
        if self.reasons:
            found = []
            for t in self.techniques:
                judged = res.assessment(t)
                deciding = judged.pending if verdicts[t] is Verdict.UNDETERMINED else judged.reasons
                found.append(list(dict.fromkeys(r.rule_id for r in deciding)))
            rules = tuple(found)
        missing = [m.fact for m in res.missing]
        return (tuple(v.value for v in verdicts.values()), at, rules, missing)

    def batch(self, rows: list[dict[str, Any]], schema: Any, pa: Any) -> Any:
        kb = self.kb
        facts = kb.facts
        n_t, n_s = len(self.techniques), len(self.sites)
        columns: dict[str, list[Any]] = {"row": []}
        for name in self.keep:
            columns[name] = []
        verdict_cols: list[list[Any]] = [[] for _ in range(n_t)]
        site_cols: list[list[Any]] = [[] for _ in range(n_t * n_s)]
        rule_cols: list[list[Any]] = [[] for _ in range(n_t)]
        missing: list[Any] = []
        error: list[Any] = []
        counts = self.summary.verdicts
        for record in rows:
            row = self.row
            self.row += 1
            columns["row"].append(row)
            for name in self.keep:
                columns[name].append(record.get(name))
            fields = {k: v for k, v in record.items() if k not in self.keep}
            if schema is None:  # records: columns are checked row by row
                unknown = [k for k in fields if k not in facts]
                if unknown:
                    self.check_columns(list(fields))
            profile, bad = read_record(facts, fields, self.separator)
            values = None
            if not bad:
                try:
                    values = kb.check(profile)
                except FactError:
                    bad = problems(facts, kb.program.slots, profile)
            if values is None:
                failure = ProfileError(bad or [FactError("<profile>", "not a profile")], row)
                if self.errors == "raise":
                    raise failure
                self.summary.errors += 1
                error.append(str(failure))
                for col in (*verdict_cols, *site_cols, *rule_cols):
                    col.append(None)
                missing.append(None)
                continue
            found = self.memo.get(values)
            if found is None:
                if len(self.memo) >= MEMO_SIZE:
                    self.memo.clear()
                found = self.memo[values] = self.answer(values, profile)
                self.summary.distinct += 1
            verdicts, at, rules, gaps = found
            for i, verdict in enumerate(verdicts):
                verdict_cols[i].append(verdict)
                tally = counts[self.techniques[i]]
                tally[verdict] = tally.get(verdict, 0) + 1
            for i, verdict in enumerate(at):
                site_cols[i].append(verdict)
            for i, ids in enumerate(rules):
                rule_cols[i].append(ids)
            missing.append(gaps)
            error.append(None)
        self.summary.rows += len(rows)
        keep_fields = _kept_fields(schema, self.keep) if schema is not None else list(self.keep)
        if schema is None and rows:  # records: the kept columns' types from their values
            keep_fields = [pa.field(name, pa.array(columns[name]).type) for name in self.keep]
        out = output_schema(kb, keep_fields, self.sites, self.reasons)
        arrays: dict[str, list[Any]] = dict(columns)
        for t, technique in enumerate(self.techniques):
            arrays[technique] = verdict_cols[t]
            for s, site in enumerate(self.sites):
                arrays[f"{technique}@{site}"] = site_cols[t * n_s + s]
            if self.reasons:
                arrays[f"{technique}.rules"] = rule_cols[t]
        arrays["missing"] = missing
        arrays["error"] = error
        return pa.RecordBatch.from_arrays(
            [pa.array(arrays[f.name], type=f.type) for f in out], schema=out
        )
