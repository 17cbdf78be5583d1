"""Re-checking witnesses with the engine: a finding is reported only if `kb.evaluate` agrees.

The solver works on an encoding of the rules; the engine is what screens patients. Each witness
is therefore evaluated by the engine and the property the finding claims is confirmed on the
`Result`. A mismatch is a bug in the analyzer (or the engine) and raises `WitnessError` instead
of reporting something unconfirmed.
"""

from __future__ import annotations

from ..engine.result import Result
from .encode import Patient

__all__ = ["WitnessError", "confirm", "fired_ids", "level"]


class WitnessError(AssertionError):
    """The engine does not confirm what the solver found."""


def confirm(ok: bool, what: str, patient: Patient) -> None:
    if not ok:
        raise WitnessError(f"the engine does not confirm {what} for {patient!r}")


def fired_ids(res: Result) -> frozenset[str]:
    return frozenset(rule.id for rule in res.fired)


def level(res: Result, technique: str, site: str | None) -> int:
    """The decided verdict level (0 unassessed .. 4 contraindicated) of what fired."""
    return res.assessment(technique, site).floor.level
