"""Checking a patient profile against a knowledge base's facts, before any rule sees it.

A missing key or `None` means unknown. Anything else must fit the fact exactly, or `FactError`
says which fact is wrong and what it accepts: nothing is ever silently treated as missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import FactError
from ..suggest import did_you_mean
from .model import Fact, FactKind

__all__ = ["Normal", "denormalize", "normalize", "parse_value", "problems", "read_record"]

#: A normalised value: enum -> str, ordered -> rank (int), int -> int, bool -> bool,
#: set -> frozenset[str], unknown -> None.
Normal = str | int | bool | frozenset[str] | None


def normalize(
    facts: Mapping[str, Fact], slots: tuple[str, ...], profile: Mapping[str, Any]
) -> tuple[Normal, ...]:
    """The profile as one value per slot (declaration order), checked."""
    if not isinstance(profile, Mapping):
        raise FactError(
            "<profile>",
            f"a profile must be a mapping from fact names to values, not {type(profile).__name__}",
        )
    for key in profile:
        if key not in facts:
            hint = did_you_mean(str(key), facts)
            raise FactError(
                str(key),
                f"unknown fact `{key}`" + (f" ({hint})" if hint else ""),
                ", ".join(slots),
            )
    return tuple(_one(facts[name], profile.get(name)) for name in slots)


def problems(
    facts: Mapping[str, Fact], slots: tuple[str, ...], profile: Mapping[str, Any]
) -> list[FactError]:
    """Every problem of the profile, one `FactError` per bad fact (`normalize` stops at the
    first): for reports that must name all of them."""
    if not isinstance(profile, Mapping):
        try:
            normalize(facts, slots, profile)
        except FactError as exc:
            return [exc]
    found = []
    for key, value in profile.items():
        try:
            normalize(facts, slots, {key: value})
        except FactError as exc:
            found.append(exc)
    return found


def _one(fact: Fact, value: Any) -> Normal:
    if value is None:
        return None
    kind = fact.kind
    if kind is FactKind.BOOL:
        if isinstance(value, bool):
            return value
        raise _wrong(fact, value)
    if kind is FactKind.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(fact, value)
        assert fact.low is not None and fact.high is not None
        if not fact.low <= value <= fact.high:
            raise FactError(
                fact.name, f"{value} is outside the range of `{fact.name}`", fact.allowed()
            )
        return value
    if kind is FactKind.SET:
        # a list, tuple, set or frozenset of values: nothing else (a dict would read as its
        # keys, `{"numbness": False}` as "has numbness"; a str as its letters)
        if not isinstance(value, list | tuple | set | frozenset):
            raise _wrong(fact, value)
        items = list(value)
        for item in items:
            _member(fact, item)
        return frozenset(items)
    _member(fact, value)
    return fact.values.index(value) if kind is FactKind.ORDERED else value


def _member(fact: Fact, value: Any) -> None:
    if not isinstance(value, str):
        raise _wrong(fact, value)
    if value not in fact.values:
        hint = did_you_mean(value, fact.values)
        raise FactError(
            fact.name,
            f"`{value}` is not a value of `{fact.name}`" + (f" ({hint})" if hint else ""),
            fact.allowed(),
        )


def _wrong(fact: Fact, value: Any) -> FactError:
    what = fact.allowed()
    if fact.kind is FactKind.SET:
        what = f"a list of values ({what.removeprefix('a set of: ')})"
    return FactError(fact.name, f"`{fact.name}` got {type(value).__name__} `{value!r}`", what)


def denormalize(fact: Fact, value: Normal) -> Any:
    """A normalised value back to what a user writes (JSON-ready; sets as sorted lists)."""
    if value is None:
        return None
    if fact.kind is FactKind.ORDERED:
        assert isinstance(value, int)
        return fact.values[value]
    if isinstance(value, frozenset):
        return sorted(value, key=fact.values.index)
    return value


def parse_value(fact: Fact, text: str) -> Any:
    """A value written as text (command line, CSV) in the type `normalize` expects.

    Sets are comma separated (empty text is the empty set); bools are true/false/yes/no; an empty
    text for any other kind, or `unknown`, means unknown.
    """
    raw = text.strip()
    if fact.kind is FactKind.SET:
        return [] if raw in ("", "none", "{}") else [p.strip() for p in raw.strip("{}").split(",")]
    if raw in ("", "unknown"):
        return None
    if fact.kind is FactKind.BOOL:
        lowered = raw.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        raise FactError(fact.name, f"`{fact.name}` got `{raw}`", "true or false")
    if fact.kind is FactKind.INT:
        # as the language writes numbers: ASCII digits, no sign but `-`, no leading zeros, no
        # `_` (Python's int() would take `+5`, `1_000`, `007` and other scripts' digits)
        if not _INT.fullmatch(raw):
            raise FactError(fact.name, f"`{fact.name}` got `{raw}`", fact.allowed())
        return int(raw)
    return raw


_WHOLE = re.compile(r"-?(?:0|[1-9][0-9]{0,99})\.0+", re.ASCII)
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,99})", re.ASCII)


# ---- records: values as tables, CSV files and data frames hold them ----------------------------


def read_record(
    facts: Mapping[str, Fact], record: Mapping[str, Any], separator: str = ","
) -> tuple[dict[str, Any], list[FactError]]:
    """A row of a table as a profile: (the profile, one `FactError` per value that cannot be
    read). Unknown, for any fact: a missing key, `None`, NaN (float or NumPy), pandas' `NA` or
    `NaT`, and empty or blank text. Text is read as `parse_value` reads it, sets split at
    `separator`; a bool may also be 1/0, y/n or t/f; a set may also be a list, tuple or array
    of values; a whole float (3.0, which a pandas int column with gaps holds, or the text
    `3.0`, as such a column is written out) is an int; NumPy
    scalars are Python's. A key that is not a fact is kept as it is, for the checker to
    name."""
    out: dict[str, Any] = {}
    errors: list[FactError] = []
    for key, raw in record.items():
        fact = facts.get(key) if isinstance(key, str) else None
        if fact is None:
            out[key] = raw
            continue
        try:
            value = _cell(fact, raw, separator)
        except FactError as exc:
            errors.append(exc)
            continue
        if value is not None:
            out[key] = value
    return out, errors


#: how tables spell a bool, besides true/false/yes/no (`parse_value`): 1/0, y/n, t/f
_TRUE = frozenset({1, "1", "y", "t"})
_FALSE = frozenset({0, "0", "n", "f"})


def _missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float):
        return raw != raw  # NaN (NumPy's float64 is a float)
    name = type(raw).__name__
    return name in ("NAType", "NaTType") or (name == "float32" and raw != raw)


def _cell(fact: Fact, raw: Any, separator: str) -> Any:
    if _missing(raw):
        return None
    if hasattr(raw, "item") and type(raw).__module__ == "numpy":  # a NumPy scalar
        raw = raw.item()
        if _missing(raw):
            return None
    if (
        fact.kind is FactKind.BOOL
        and isinstance(raw, str | int | float)
        and not isinstance(raw, bool)
    ):
        spelled = raw.strip().lower() if isinstance(raw, str) else raw
        if spelled in _TRUE:
            return True
        if spelled in _FALSE:
            return False
    if isinstance(raw, str):
        if not raw.strip():
            return None
        if fact.kind is FactKind.INT and _WHOLE.fullmatch(raw.strip()):
            raw = raw.strip().split(".")[0]  # 30.0, as a float column is written out
        if fact.kind is FactKind.SET and separator != ",":
            raw = raw.replace(separator, ",")
        return parse_value(fact, raw)
    if fact.kind is FactKind.SET:
        if hasattr(raw, "tolist"):  # a NumPy or Arrow array
            raw = raw.tolist()
        if isinstance(raw, list | tuple | set | frozenset):
            return [item.strip() if isinstance(item, str) else item for item in raw]
        return raw  # the checker says what is wrong
    if fact.kind is FactKind.INT and isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw
