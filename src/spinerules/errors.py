"""Errors a user can cause, and nothing else.

`RulesError` is the root of everything wrong with a rules file: each carries the file, line and
column, the source line and a caret. A file with several mistakes raises one `RulesError` whose
`errors` lists them all (a single mistake is its own one-element list). `FactError` is a wrong
patient profile given to `evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .syntax.source import Span

__all__ = [
    "DuplicateError",
    "FactError",
    "ImportCycleError",
    "ImportNotFoundError",
    "ProfileError",
    "RangeError",
    "RulesError",
    "RulesErrors",
    "RulesSyntaxError",
    "SpinerulesError",
    "TypeMismatchError",
    "UndefinedNameError",
    "UnknownNameError",
]


class SpinerulesError(Exception):
    """Root of every error spinerules raises on purpose."""


class RulesError(SpinerulesError):
    """A mistake in a rules file, at a known place.

    Attributes: `message` (lower case, names in backticks), `span`, `hint` (what to do, or None),
    `code` (stable, for editors and suppression), and `file`, `line`, `column`, `source_line`,
    `caret` derived from the span.
    """

    code = "error"

    def __init__(self, message: str, span: Span, hint: str | None = None) -> None:
        self.message = message
        self.span = span
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        # rendered when shown, not when made: a file with thousands of mistakes makes thousands
        # of errors, and most programs show a few of them
        return self.render()

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def source_line(self) -> str:
        return self.span.source.line(self.span.line)

    @property
    def caret(self) -> str:
        return self.span.snippet().split("\n", 1)[1]

    @property
    def errors(self) -> tuple[RulesError, ...]:
        """Every mistake this error stands for (just itself for a single one)."""
        return (self,)

    def diagnostic(self) -> Diagnostic:
        from .diagnostics import Diagnostic

        return Diagnostic("error", self.code, self.message, self.span, self.hint)

    def render(self) -> str:
        """``file:line:col: error: message``, the source line, a caret, and the hint."""
        return self.diagnostic().render()


class RulesSyntaxError(RulesError):
    """The text does not follow the grammar."""

    code = "syntax"


class UndefinedNameError(RulesError):
    """A fact, value, technique, site or rule that was never declared."""

    code = "undefined"


class TypeMismatchError(RulesError):
    """An operator used on a fact of the wrong kind (e.g. `<` on an unordered enum)."""

    code = "type"


class RangeError(RulesError):
    """An integer outside the fact's declared range, or an empty or reversed range."""

    code = "range"


class DuplicateError(RulesError):
    """A name or rule id declared twice."""

    code = "duplicate"


class ImportNotFoundError(RulesError):
    """A `use` that names no shipped ruleset or no file (or a file outside the allowed tree)."""

    code = "import"


class ImportCycleError(RulesError):
    """Files that `use` each other in a cycle."""

    code = "import-cycle"


class RulesErrors(RulesError):
    """Several mistakes, reported together; `errors` lists each one, in file and line order."""

    code = "errors"

    def __init__(self, errors: Sequence[RulesError]) -> None:
        if not errors:
            raise ValueError("RulesErrors needs at least one error")
        self._errors = tuple(errors)
        first = self._errors[0]
        super().__init__(first.message, first.span, first.hint)

    @property
    def errors(self) -> tuple[RulesError, ...]:
        return self._errors

    def render(self) -> str:
        body = "\n".join(e.render() for e in self._errors)
        return f"{len(self._errors)} errors\n{body}"


def raise_all(errors: Sequence[RulesError]) -> None:
    """Raise nothing, the one error, or all of them together."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise RulesErrors(errors)


class FactError(SpinerulesError, ValueError):
    """A patient profile that does not fit the knowledge base's facts.

    `fact` is the offending fact's name; `allowed` says what the fact accepts.
    """

    def __init__(self, fact: str, message: str, allowed: str | None = None) -> None:
        self.fact = fact
        self.allowed = allowed
        text = message if allowed is None else f"{message}; allowed: {allowed}"
        super().__init__(text)


class ProfileError(FactError):
    """Every problem of one profile (and, in a batch, which row it is): `errors` holds one
    `FactError` per bad fact, `row` the profile's position in the batch (0-based) or None."""

    def __init__(self, errors: Sequence[FactError], row: int | None = None) -> None:
        self.errors = tuple(errors)
        self.row = row
        where = f"row {row}: " if row is not None else ""
        count = len(self.errors)
        head = f"{where}{count} bad fact{'s' if count != 1 else ''}: " if count > 1 else where
        super().__init__(
            ", ".join(e.fact for e in self.errors), head + "; ".join(str(e) for e in self.errors)
        )


class UnknownNameError(SpinerulesError, LookupError):
    """A technique, site or ruleset asked for by name that the knowledge base does not have."""
