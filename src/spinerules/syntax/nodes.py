"""The syntax tree of a rules file: frozen attrs classes, tuple children, a `Span` on every node.

These nodes say what was written, not whether it makes sense: names are not yet resolved and
types not yet checked (that is `validate.py`'s job).
"""

from __future__ import annotations

import datetime

import attrs

from .source import Source, Span

__all__ = [
    "Action",
    "Advise",
    "Always",
    "And",
    "Cite",
    "Compare",
    "Condition",
    "DocumentDecl",
    "ExpectDisagreement",
    "ExpectFires",
    "ExpectMissing",
    "ExpectReferral",
    "ExpectRequirement",
    "ExpectVerdict",
    "Expectation",
    "FactDecl",
    "Given",
    "Has",
    "Ident",
    "InSet",
    "Known",
    "Literal",
    "Module",
    "Not",
    "Or",
    "Refer",
    "Require",
    "ReviewedDecl",
    "RuleNode",
    "RulesetDecl",
    "SiteDecl",
    "Statement",
    "StudyDecl",
    "TechniqueDecl",
    "TestNode",
    "Truthy",
    "UseDecl",
    "VerdictAction",
    "VersionDecl",
]

Value = str | int | bool

#: deepest nesting of brackets, of a run of `not`, and of `and`/`or`/`not` in a condition
#: (docs/language.md, Limits): checked by the parser and by validation
MAX_NESTING = 32


@attrs.frozen(weakref_slot=False)
class Ident:
    """A name as written, with where it was written."""

    name: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Literal:
    """A value as written: a name (enum value), an int, or true/false."""

    value: Value
    span: Span = attrs.field(eq=False, repr=False)


# ---- conditions -----------------------------------------------------------------------------


@attrs.frozen(weakref_slot=False)
class Compare:
    """`fact OP value` with OP one of = != < <= > >=."""

    fact: Ident
    op: str
    value: Literal
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class InSet:
    """`fact in {..}`, or `fact not in {..}` when `negated`."""

    fact: Ident
    values: tuple[Literal, ...]
    negated: bool
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Has:
    """`set has v` (mode "one"), `set has any {..}`, `set has all {..}`."""

    fact: Ident
    mode: str
    values: tuple[Literal, ...]
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Known:
    """`fact is known` (known=True) or `fact is unknown` (known=False)."""

    fact: Ident
    known: bool
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Truthy:
    """A bare bool fact: true when the fact is true."""

    fact: Ident
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Always:
    """`if always`: the rule applies to every patient. Only a whole condition can be `always`."""

    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Not:
    operand: Condition
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class And:
    operands: tuple[Condition, ...]
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Or:
    operands: tuple[Condition, ...]
    span: Span = attrs.field(eq=False, repr=False)


Condition = Compare | InSet | Has | Known | Truthy | Not | And | Or | Always


# ---- actions --------------------------------------------------------------------------------


@attrs.frozen(weakref_slot=False)
class VerdictAction:
    """`contraindicate|caution|recommend|allow TARGETS [at SITES] ["note"]`."""

    verb: str
    techniques: tuple[Ident, ...]
    sites: tuple[Ident, ...]
    note: str | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Refer:
    """`refer urgent|routine "to whom"`."""

    urgency: str
    to: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Require:
    """`require NAME ["text"]`."""

    name: Ident
    text: str | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class Advise:
    """`advise [TOPIC] "text"`."""

    text: str
    span: Span = attrs.field(eq=False, repr=False)
    #: advice of two documents on the same topic is listed as a disagreement
    topic: Ident | None = attrs.field(default=None, kw_only=True)


Action = VerdictAction | Refer | Require | Advise


@attrs.frozen(weakref_slot=False)
class Cite:
    """`cite ["section"] quote "verbatim text"`."""

    section: str | None
    quote: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class RuleNode:
    """`[rule ID:] if COND then ACTIONS [because ...] [cite ...]*`."""

    id: Ident | None
    condition: Condition
    actions: tuple[Action, ...]
    because: str | None
    cites: tuple[Cite, ...]
    span: Span = attrs.field(eq=False, repr=False)
    #: `generalizes "DOCUMENT"`: the rule applies a statement of DOCUMENT, made about one
    #: condition, to every patient (a safety-first reading); its cites quote that document
    generalizes: str | None = attrs.field(default=None, kw_only=True)


# ---- header and declarations ------------------------------------------------------------------


@attrs.frozen(weakref_slot=False)
class RulesetDecl:
    name: Ident
    title: str | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class DocumentDecl:
    document: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class VersionDecl:
    version: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ReviewedDecl:
    date: datetime.date
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class StudyDecl:
    study: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class UseDecl:
    """`use NAME` (a shipped ruleset, `is_path` False) or `use "path"` (a file)."""

    target: str
    is_path: bool
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class FactDecl:
    """`fact NAME: TYPE [session] ["description"]`.

    `kind` is one of "enum", "ordered", "int", "bool", "set"; `values` lists the enum, ordered
    (lowest first) or set values; `low`/`high` bound an int; `session` marks a day-of-session
    detail, asked after the clinical facts.
    """

    name: Ident
    kind: str
    values: tuple[Ident, ...]
    low: Literal | None
    high: Literal | None
    description: str | None
    span: Span = attrs.field(eq=False, repr=False)
    session: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen(weakref_slot=False)
class TechniqueDecl:
    """`technique NAME [under PARENT] [explicit] ["description"]`: `explicit` means a
    permissive action reaches it only by naming it (or a node below the last explicit one
    above it); restrictive actions reach it from any ancestor."""

    name: Ident
    parent: Ident | None
    description: str | None
    span: Span = attrs.field(eq=False, repr=False)
    explicit: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen(weakref_slot=False)
class SiteDecl:
    """`site NAME [under PARENT] [explicit] ["description"]`: `explicit` means a
    permissive action reaches it only by naming it (or a node below the last explicit one
    above it); restrictive actions reach it from any ancestor."""

    name: Ident
    parent: Ident | None
    description: str | None
    span: Span = attrs.field(eq=False, repr=False)
    explicit: bool = attrs.field(default=False, kw_only=True)


# ---- in-file tests --------------------------------------------------------------------------


@attrs.frozen(weakref_slot=False)
class Given:
    """`fact = value` in a test; a set fact's value is a tuple of literals."""

    fact: Ident
    value: Literal | tuple[Literal, ...]
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectVerdict:
    verdict: str
    technique: Ident
    site: Ident | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectReferral:
    """`referral none` (urgency None) or `referral urgent|routine`."""

    urgency: str | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectRequirement:
    """`requirement none` (name None) or `requirement NAME`."""

    name: Ident | None
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectMissing:
    fact: Ident
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectDisagreement:
    technique: Ident
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(weakref_slot=False)
class ExpectFires:
    rule: Ident
    span: Span = attrs.field(eq=False, repr=False)


Expectation = (
    ExpectVerdict
    | ExpectReferral
    | ExpectRequirement
    | ExpectMissing
    | ExpectDisagreement
    | ExpectFires
)


@attrs.frozen(weakref_slot=False)
class TestNode:
    name: str
    givens: tuple[Given, ...]
    expectations: tuple[Expectation, ...]
    span: Span = attrs.field(eq=False, repr=False)

    __test__ = False  # not a pytest test class


Statement = (
    RulesetDecl
    | DocumentDecl
    | VersionDecl
    | ReviewedDecl
    | StudyDecl
    | UseDecl
    | FactDecl
    | TechniqueDecl
    | SiteDecl
    | RuleNode
    | TestNode
)


@attrs.frozen(weakref_slot=False)
class Comment:
    """A `#` comment, kept so that the formatter can put it back."""

    text: str
    span: Span = attrs.field(eq=False, repr=False)


@attrs.frozen(eq=False)
class Module:
    """One parsed file: its statements in order, and its comments."""

    source: Source
    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...]
