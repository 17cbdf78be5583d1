"""spinerules itself, through its public API only.

Three rows: verdicts only (``kb.screen_many(profiles)``, else ``kb.screen(p)`` per
profile, else ``kb.evaluate(p).verdicts()``, whichever the engine has); verdicts
through the full result object (``kb.evaluate_many(profiles)`` then ``.verdicts()``:
explanations available on demand); and full explanations (``kb.evaluate(p)`` then
``res.assessments()``: for every technique the verdict, the deciding reasons with their
quotes, every fired action, pending actions and overrides, all built; the assessments the
knowledge base remembers are forgotten before each timed run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.engines.base import Engine, import_failure
from benchmarks.synth import (
    ACTION_WORDS,
    LEVEL_NAMES,
    Profile,
    RuleSet,
    Verdicts,
    to_rules_text,
)


def verdict_level(v: Any) -> int:
    """A spinerules Verdict (a str enum) as a level; -1 for ``undetermined``."""
    name = str(getattr(v, "value", v))
    return LEVEL_NAMES.index(name) if name in LEVEL_NAMES else -1


class Spinerules(Engine):
    name = "spinerules"
    description = "spinerules, verdicts only (screen_many / screen)"

    def unavailable(self) -> str | None:
        return import_failure("spinerules")

    def prepare(self, ruleset: RuleSet) -> tuple[RuleSet, str]:
        return ruleset, to_rules_text(ruleset)

    def compile(self, prepared: tuple[RuleSet, str]) -> Any:
        import spinerules

        rs, text = prepared
        if rs.origin == "shipped":  # the shipped rulesets themselves, not their translation
            return spinerules.load_all()
        return spinerules.compile_text(text, name=rs.name)

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[Any]:
        kb = compiled
        screen_many = getattr(kb, "screen_many", None)
        if screen_many is not None:
            return list(screen_many(profiles))
        screen = getattr(kb, "screen", None)
        if screen is not None:
            return [screen(p) for p in profiles]
        evaluate = kb.evaluate
        return [evaluate(p).verdicts() for p in profiles]

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[Verdicts]:
        return [tuple(verdict_level(o[t]) for t in ruleset.techniques) for o in outputs]


class SpinerulesEvaluate(Spinerules):
    name = "spinerules-evaluate"
    description = "spinerules, verdicts of the full result (evaluate_many, then verdicts())"

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[Any]:
        kb = compiled
        evaluate_many = getattr(kb, "evaluate_many", None)
        if evaluate_many is not None:
            return [res.verdicts() for res in evaluate_many(profiles)]
        return [kb.evaluate(p).verdicts() for p in profiles]


class SpinerulesExplained(Spinerules):
    name = "spinerules-explain"
    description = "spinerules, full explanations (evaluate, then assessments(): every technique)"

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[Any]:
        # the knowledge base remembers assessments it built; each timed run starts with none, so
        # that runs over the same profiles do not profit from the runs before them
        compiled.assessed.clear()
        evaluate = compiled.evaluate
        return [evaluate(p).assessments() for p in profiles]

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[Verdicts]:
        return [tuple(verdict_level(o[t].verdict) for t in ruleset.techniques) for o in outputs]


class SpinerulesFired(Spinerules):
    name = "spinerules-fired"
    description = (
        "spinerules, every fired action (evaluate, then Result.fired_actions: rule, action, "
        "technique, site); compare with handwritten-fired"
    )

    def run(self, compiled: Any, profiles: Sequence[Profile]) -> list[Any]:
        evaluate = compiled.evaluate
        return [(res, res.fired_actions) for res in map(evaluate, profiles)]

    def normalize(self, ruleset: RuleSet, outputs: Sequence[Any]) -> list[Verdicts]:
        """Synthetic rules have flat techniques: the verdicts are the fired actions folded,
        which checks the fired actions themselves. The shipped rulesets have a hierarchy that
        `fired_actions` reports as written: their verdicts come from the result."""
        from benchmarks.engines.handwritten import fold

        if ruleset.origin == "shipped":
            return super().normalize(ruleset, [res.verdicts() for res, _ in outputs])
        return [
            fold(ruleset, ((ACTION_WORDS.index(a.kind), a.technique) for a in fired))
            for _, fired in outputs
        ]
