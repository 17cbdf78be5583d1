"""spinerules: clinical decision support rules for massage therapy in lumbar spine conditions.

import spinerules
kb = spinerules.load("herniation")
res = kb.evaluate({"condition": "herniation", "phase": "acute"})
res.verdict("manual_pressure")      # Verdict.CONTRAINDICATED
res.reasons("manual_pressure")      # the rules behind it, with their citations
"""

from ._version import __version__
from .api import compile_text, load, load_all, load_path, rulesets
from .engine.kb import KnowledgeBase
from .engine.result import (
    Advice,
    Assessment,
    Disagreement,
    FiredAction,
    MissingFact,
    Override,
    Reason,
    Referral,
    Requirement,
    Result,
)
from .errors import (
    DuplicateError,
    FactError,
    ImportCycleError,
    ImportNotFoundError,
    ProfileError,
    RangeError,
    RulesError,
    RulesErrors,
    RulesSyntaxError,
    SpinerulesError,
    TypeMismatchError,
    UndefinedNameError,
    UnknownNameError,
)
from .model.model import Verdict

__all__ = [
    "Advice",
    "Assessment",
    "Disagreement",
    "DuplicateError",
    "FactError",
    "FiredAction",
    "ImportCycleError",
    "ImportNotFoundError",
    "KnowledgeBase",
    "MissingFact",
    "Override",
    "ProfileError",
    "RangeError",
    "Reason",
    "Referral",
    "Requirement",
    "Result",
    "RulesError",
    "RulesErrors",
    "RulesSyntaxError",
    "SpinerulesError",
    "TypeMismatchError",
    "UndefinedNameError",
    "UnknownNameError",
    "Verdict",
    "__version__",
    "compile_text",
    "load",
    "load_all",
    "load_path",
    "rulesets",
]
