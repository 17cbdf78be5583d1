"""One adapter per engine; :func:`all_engines` lists them in report order."""

from __future__ import annotations

from benchmarks.engines.base import Engine
from benchmarks.engines.businessrules import BusinessRules
from benchmarks.engines.clipsrules import Clips
from benchmarks.engines.durablerules import DurableRules
from benchmarks.engines.expertarules import Experta
from benchmarks.engines.handwritten import Handwritten, HandwrittenFired
from benchmarks.engines.naive import Naive
from benchmarks.engines.ruleengine import RuleEngine
from benchmarks.engines.spinerules_engine import (
    Spinerules,
    SpinerulesEvaluate,
    SpinerulesExplained,
    SpinerulesFired,
)

__all__ = ["Engine", "all_engines"]


def all_engines() -> list[Engine]:
    """Every engine, the baseline first (third-party imports happen lazily)."""
    return [
        Handwritten(),
        Spinerules(),
        SpinerulesEvaluate(),
        SpinerulesExplained(),
        HandwrittenFired(),
        SpinerulesFired(),
        Naive(),
        Clips(),
        DurableRules(),
        BusinessRules(),
        RuleEngine(),
        Experta(),
    ]
