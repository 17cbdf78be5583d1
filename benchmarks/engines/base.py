"""What every engine adapter provides."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from benchmarks.synth import Profile, RuleSet, Value, Verdicts, verdicts_from_mapping


class Engine(abc.ABC):
    """One way of running a :class:`~benchmarks.synth.RuleSet` on profiles.

    ``prepare`` turns the IR into the engine's own source form (not timed: an engine's
    users write rules in that form); ``compile`` turns that into something runnable
    (timed as compile time); ``run`` gives the verdicts of every profile in the
    engine's natural output form (timed); ``normalize`` turns those into canonical
    :data:`~benchmarks.synth.Verdicts` for the agreement check (not timed).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    max_rules: ClassVar[int | None] = None
    """Largest rule count benchmarked; above it the engine is skipped as too slow."""
    max_seconds_per_profile: ClassVar[float] = 1.0

    def unavailable(self) -> str | None:
        """Why the engine cannot run here (not installed, import fails), or None."""
        return None

    def prepare(self, ruleset: RuleSet) -> Any:
        return ruleset

    @abc.abstractmethod
    def compile(self, prepared: Any) -> Any: ...

    @abc.abstractmethod
    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[Any]: ...

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[Verdicts]:
        """Default: each output is a ``{technique: level}`` mapping (absent = unassessed)."""
        return [verdicts_from_mapping(ruleset, o) for o in outputs]


def import_failure(*modules: str) -> str | None:
    """None if every module imports, else a one-line reason."""
    import importlib

    for mod in modules:
        try:
            importlib.import_module(mod)
        except ImportError as e:
            return f"not installed: {e}"
        except Exception as e:  # e.g. experta's pinned frozendict on Python >= 3.10
            return f"import fails: {type(e).__name__}: {e}"
    return None


def ranker(ruleset: RuleSet) -> Callable[[Profile], dict[str, Value]]:
    """A function giving a profile with ordered enums replaced by their rank (0 = lowest).

    Engines without ordered enums compare ranks as numbers, as their users would.
    """
    ranks = {
        f.name: {v: i for i, v in enumerate(f.values)} for f in ruleset.facts if f.kind == "ordered"
    }

    def ranked(p: Profile) -> dict[str, Value]:
        q = dict(p)
        for name, r in ranks.items():
            q[name] = r[p[name]]  # type: ignore[index]
        return q

    return ranked


def ranked_value(ruleset: RuleSet, fact: str, value: str | int) -> str | int:
    """An atom's value as the engine sees it: a rank for ordered enums."""
    f = ruleset.fact_by_name[fact]
    if f.kind == "ordered" and isinstance(value, str):
        return f.rank(value)
    return value
