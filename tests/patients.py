"""Complete patients of the shipped vocabulary, for tests: every fact given, so that the engine
answers with its generated two-valued code (the three-valued path is for facts left out)."""

from __future__ import annotations

from typing import Any


def favourable(condition: str | None) -> dict[str, Any]:
    """Every fact of the vocabulary known and favourable (the condition unknown if None):
    no red flag, no comorbidity, no acute symptom, every prerequisite met, the last meal three
    hours ago, a therapist with a medical education."""
    profile: dict[str, Any] = {
        "phase": "remission" if condition == "osteochondrosis" else "chronic",
        "severity": "mild",
        "trend": "stable",
        "region": "lumbar",
        "stenosis_location": "central",
        "symptoms": ["nagging_pain"] if condition == "osteochondrosis" else [],
        "red_flags": [],
        "comorbidities": [],
        "recent_spinal_surgery": False,
        "prior_fusion": False,
        "failed_conservative_care": False,
        "nerve_root_compression": False,
        "inflammation_controlled": True,
        "medical_clearance": True,
        "imaging_done": True,
        "dermatologist_consulted": True,
        "minutes_since_meal": 180,
        "therapist": "medical",
    }
    if condition is not None:
        profile["condition"] = condition
    return profile


def changed(condition: str | None, **changes: Any) -> dict[str, Any]:
    """A favourable patient with some facts changed."""
    return {**favourable(condition), **changes}
