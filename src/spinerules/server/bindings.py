"""FHIR R4 resources to facts: declarative bindings, checked when they are read.

A bindings file says which coded resources mean which fact values, one binding a line:

    # FACT[=VALUE] from RESOURCE where FHIRPATH is SYSTEM|CODE [value FHIRPATH]
    bind condition=herniation from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|M51.2*
    bind nerve_root_compression from Condition where code.coding is http://hl7.org/fhir/sid/icd-10|M54.1*

`where` is a FHIRPath expression giving the resource's codings; a binding holds when one of
them has the system and the code (a trailing `*`: any code that starts so). A bool fact is
true when a binding holds; an enum or ordered fact takes the binding's value; an int fact the
value of the `value` expression. Nothing a record lacks makes a fact false or a set empty:
a fact no binding speaks to stays unknown, and so does a set fact (a record shows some of a
patient's conditions, never all of them: the members it shows are reported, for the clinician
to confirm). A Condition that is inactive, resolved, refuted or entered in error, and an
Observation or Procedure entered in error, count for nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import fhirpathpy
from fhirpathpy.models import models as fhirpath_models

from .._resources import rulesets_dir
from ..engine.kb import KnowledgeBase
from ..errors import RulesError, RulesErrors
from ..model.model import FactKind
from ..suggest import did_you_mean
from ..syntax.source import Source, Span

__all__ = ["Binding", "BindingError", "Bindings", "load_bindings", "shipped_bindings"]

#: the resource types bindings may read
RESOURCES = ("Condition", "Observation", "Procedure", "MedicationStatement", "AllergyIntolerance")

_LINE = re.compile(
    r"bind\s+(?P<fact>[a-z_][a-z0-9_]*)(?:\s*=\s*(?P<value>[a-z0-9_]+))?"
    r"\s+from\s+(?P<resource>[A-Za-z]+)\s+where\s+(?P<path>.+?)"
    r"\s+is\s+(?P<system>\S+)\|(?P<code>\S+?)(?:\s+value\s+(?P<value_path>.+?))?\s*$"
)

#: FHIRPath reads the resources with the R4 model (so that a choice such as `performed[x]` is
#: read as `performed`)
R4 = fhirpath_models["r4"]

_SKIPPED_STATUS = {
    "clinicalStatus": {"inactive", "resolved"},
    "verificationStatus": {"refuted", "entered-in-error"},
}


class BindingError(RulesError):
    """A bindings file that does not fit the knowledge base or the syntax."""

    code = "binding"


@attrs.frozen
class Binding:
    fact: str
    value: str | None
    resource: str
    path: str
    system: str
    code: str
    value_path: str | None
    span: Span = attrs.field(eq=False, repr=False)

    def matches(self, coding: Any) -> bool:
        if not isinstance(coding, Mapping) or coding.get("system") != self.system:
            return False
        code = coding.get("code")
        if not isinstance(code, str):
            return False
        if self.code.endswith("*"):
            return code.startswith(self.code[:-1])
        return code == self.code


@attrs.frozen
class Reading:
    """What a record says: the profile, and what could not go into it."""

    profile: dict[str, Any]
    #: set facts: the members the record shows (the fact stays unknown)
    shown: dict[str, tuple[str, ...]]
    #: facts the record gives two answers for (left unknown)
    conflicts: dict[str, tuple[Any, ...]]
    #: bindings that held, as `file:line`
    used: tuple[str, ...]


@attrs.frozen(eq=False)
class Bindings:
    bindings: tuple[Binding, ...]
    kb: KnowledgeBase

    def read(self, resources: Iterable[Mapping[str, Any]]) -> Reading:

        facts = self.kb.facts
        values: dict[str, list[Any]] = {}
        used: list[str] = []
        for resource in resources:
            kind = resource.get("resourceType")
            if not _counts(resource):
                continue
            for binding in self.bindings:
                if binding.resource != kind:
                    continue
                found = fhirpathpy.evaluate(dict(resource), binding.path, {}, R4)
                if not any(binding.matches(item) for item in found):
                    continue
                fact = facts[binding.fact]
                if fact.kind is FactKind.INT:
                    assert binding.value_path is not None
                    got = fhirpathpy.evaluate(dict(resource), binding.value_path, {}, R4)
                    numbers = [
                        v for v in got if isinstance(v, int | float) and float(v).is_integer()
                    ]
                    if not numbers:
                        continue
                    value: Any = int(numbers[0])
                elif fact.kind is FactKind.BOOL:
                    value = True
                else:
                    value = binding.value
                values.setdefault(binding.fact, []).append(value)
                used.append(f"{binding.span.source.name}:{binding.span.line}")
        profile: dict[str, Any] = {}
        shown: dict[str, tuple[str, ...]] = {}
        conflicts: dict[str, tuple[Any, ...]] = {}
        for name, found_values in values.items():
            fact = facts[name]
            distinct = tuple(dict.fromkeys(found_values))
            if fact.kind is FactKind.SET:
                shown[name] = tuple(v for v in fact.values if v in distinct)
            elif fact.kind is FactKind.ORDERED:
                # two readings of an ordered fact: the higher one, the worse patient
                profile[name] = max(distinct, key=fact.values.index)
            elif len(distinct) == 1:
                profile[name] = distinct[0]
            else:
                conflicts[name] = distinct
        return Reading(profile, shown, conflicts, tuple(dict.fromkeys(used)))


def _counts(resource: Mapping[str, Any]) -> bool:
    """A resource that says something: not refuted, resolved or entered in error."""
    for field, skipped in _SKIPPED_STATUS.items():
        status = resource.get(field)
        codes = status.get("coding", []) if isinstance(status, Mapping) else []
        if any(isinstance(c, Mapping) and c.get("code") in skipped for c in codes):
            return False
    return resource.get("status") not in ("entered-in-error", "cancelled", "not-done")


def _part(source: Source, line: int, indent: int, match: re.Match[str], group: str) -> Span:
    """The span of one part of a binding line."""
    start, end = match.span(group)
    return Span(source, line, indent + start + 1, line, indent + end + 1)


def shipped_bindings() -> Path:
    return rulesets_dir() / "fhir.bindings"


def load_bindings(
    kb: KnowledgeBase, path: str | Path | None = None, text: str | None = None
) -> Bindings:
    """Read and check a bindings file against the knowledge base's facts (every problem at
    once, each with its line, as for a rules file)."""

    file = Path(path) if path is not None else shipped_bindings()
    if text is None:
        text = file.read_text(encoding="utf-8")
    source = Source(str(path) if path is not None else "fhir.bindings", text, path=file)
    errors: list[RulesError] = []
    found: list[Binding] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        whole = Span(source, number, indent + 1, number, len(line.rstrip()) + 1)
        match = _LINE.fullmatch(stripped)
        if match is None:
            errors.append(
                BindingError(
                    "cannot read this binding",
                    whole,
                    "write it as: bind FACT[=VALUE] from RESOURCE where FHIRPATH is "
                    "SYSTEM|CODE [value FHIRPATH]",
                )
            )
            continue

        at = functools.partial(_part, source, number, indent, match)
        name, value = match["fact"], match["value"]
        fact = kb.facts.get(name)
        if fact is None:
            hint = did_you_mean(name, kb.facts)
            errors.append(BindingError(f"`{kb.name}` has no fact `{name}`", at("fact"), hint))
            continue
        if match["resource"] not in RESOURCES:
            errors.append(
                BindingError(
                    f"`{match['resource']}` is not a resource bindings read",
                    at("resource"),
                    f"one of: {', '.join(RESOURCES)}",
                )
            )
        kind = fact.kind
        if kind in (FactKind.ENUM, FactKind.ORDERED, FactKind.SET):
            if value is None:
                errors.append(
                    BindingError(f"say which value of `{name}`", at("fact"), f"{name}=VALUE")
                )
            elif value not in fact.values:
                hint = did_you_mean(value, fact.values)
                errors.append(
                    BindingError(
                        f"`{value}` is not a value of `{name}`",
                        at("value"),
                        hint or f"its values: {', '.join(fact.values)}",
                    )
                )
        elif value is not None and not (kind is FactKind.BOOL and value == "true"):
            errors.append(
                BindingError(
                    f"`{name}` is a {kind.value} fact: a binding makes it "
                    + ("true" if kind is FactKind.BOOL else "the `value` expression's number"),
                    at("value"),
                    "a record never makes a fact false: leave out `=VALUE`",
                )
            )
        if kind is FactKind.INT and match["value_path"] is None:
            errors.append(
                BindingError(
                    f"`{name}` is an int fact: say where its number is",
                    whole,
                    "add `value FHIRPATH`, e.g. value valueQuantity.value",
                )
            )
        for group in ("path", "value_path"):
            expression = match[group]
            if expression is None:
                continue
            try:
                # fhirpathpy's parser is lenient: some mistakes show only when run
                fhirpathpy.evaluate({"resourceType": match["resource"]}, expression, {}, R4)
            except Exception as exc:  # fhirpathpy raises several kinds of errors
                errors.append(BindingError(f"not a FHIRPath expression: {exc}", at(group), None))
        found.append(
            Binding(
                name, value, match["resource"], match["path"], match["system"],
                match["code"], match["value_path"], whole,
            )
        )  # fmt: skip
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise RulesErrors(errors)
    return Bindings(tuple(found), kb)
