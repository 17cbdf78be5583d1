"""Batch screening: a CSV of patients in, a CSV of verdicts out.

    python examples/batch_screen.py examples/patients.csv                  # to stdout
    python examples/batch_screen.py examples/patients.csv -o verdicts.csv
    python examples/batch_screen.py patients.csv --ruleset stenosis --techniques massage,swedish

Input: one row per patient, an `id` column and one column per fact (any subset of the facts).
An empty cell means "not asked yet" (unknown), never "no". Booleans are true/false (or yes/no,
1/0); set facts list their values separated by `;`, and `none` means the empty set.

Output: the id, one column per technique (`technique` or `technique@site`) with its verdict,
then the referrals, requirements, disagreeing techniques and the next questions to ask; a row
whose facts are invalid gets its message in the `error` column instead. Exit status: 0 when
every row was screened, 1 when some row had an error, 2 when the input cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

import spinerules

DEFAULT_TECHNIQUES = (
    "massage",
    "swedish",
    "classical_massage",
    "deep_pressure",
    "deep_pressure@affected_segment",
    "cupping",
    "exercise",
)
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


class RowError(ValueError):
    """A cell that cannot be read as its fact's type."""


def parse_cell(fact: Any, cell: str) -> Any:
    """The profile value of one CSV cell, or None (unknown) for an empty cell."""
    text = cell.strip()
    if not text:
        return None
    kind = fact.kind.value
    if kind == "bool":
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise RowError(f"`{fact.name}`: `{text}` is not true or false")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise RowError(f"`{fact.name}`: `{text}` is not a whole number") from None
    if kind == "set":
        if text.lower() == "none":
            return []
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def profile_of(kb: spinerules.KnowledgeBase, row: Mapping[str, str]) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for column, cell in row.items():
        if column == "id":
            continue
        fact = kb.facts.get(column)
        if fact is None:
            raise RowError(f"unknown column `{column}`: not a fact of `{kb.name}`")
        value = parse_cell(fact, cell or "")
        if value is not None:
            profile[column] = value
    return profile


def screen_rows(
    kb: spinerules.KnowledgeBase, rows: Iterable[Mapping[str, str]], techniques: list[str]
) -> tuple[list[str], list[dict[str, str]], int]:
    """Header, output rows, and the number of rows with errors."""
    header = ["id", *techniques, "referrals", "requirements", "disagreements", "next_questions"]
    header.append("error")
    out: list[dict[str, str]] = []
    errors = 0
    for row in rows:
        line = dict.fromkeys(header, "")
        line["id"] = row.get("id", "")
        try:
            res = kb.evaluate(profile_of(kb, row))
        except (RowError, spinerules.FactError) as err:
            line["error"] = str(err).splitlines()[0]
            errors += 1
            out.append(line)
            continue
        for column in techniques:
            technique, _, site = column.partition("@")
            line[column] = res.verdict(technique, at=site or None).value
        line["referrals"] = "; ".join(f"{r.urgency}: {r.to}" for r in res.referrals)
        line["requirements"] = "; ".join(r.name for r in res.requirements)
        line["disagreements"] = "; ".join(
            dict.fromkeys(d.technique or f"advice on {d.topic}" for d in res.disagreements)
        )
        line["next_questions"] = "; ".join(m.fact for m in res.missing)
        out.append(line)
    return header, out, errors


def write_csv(stream: TextIO, header: list[str], rows: list[dict[str, str]]) -> None:
    writer = csv.DictWriter(stream, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patients", help="CSV file of patients (`id` plus fact columns)")
    parser.add_argument("-o", "--output", help="CSV file to write (default: stdout)")
    parser.add_argument("--ruleset", help="one shipped ruleset (default: all of them)")
    parser.add_argument(
        "--techniques",
        default=",".join(DEFAULT_TECHNIQUES),
        help="comma-separated techniques, `technique@site` for a site (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    kb = spinerules.load(args.ruleset) if args.ruleset else spinerules.load_all()
    techniques = [t.strip() for t in args.techniques.split(",") if t.strip()]
    for column in techniques:
        technique, _, site = column.partition("@")
        if technique not in kb.techniques or (site and site not in kb.sites):
            print(f"error: unknown technique or site in `{column}`", file=sys.stderr)
            return 2
    try:
        with Path(args.patients).open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as err:
        print(f"error: cannot read {args.patients}: {err}", file=sys.stderr)
        return 2

    header, out, errors = screen_rows(kb, rows, techniques)
    if args.output:
        with Path(args.output).open("w", newline="", encoding="utf-8") as stream:
            write_csv(stream, header, out)
    else:
        write_csv(sys.stdout, header, out)
    if errors:
        print(f"{errors} of {len(out)} rows could not be screened", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
