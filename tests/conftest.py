"""Shared fixtures: a small knowledge base written for the engine's own tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import Phase, settings

import spinerules

# Keep the test run's compiled-model cache out of the user's own cache directory.
os.environ.setdefault("SPINERULES_CACHE_DIR", tempfile.mkdtemp(prefix="spinerules-test-cache-"))

# Under mutmut (README, "Mutation testing") a failing property test only has to fail: without
# shrinking, a killed mutant costs the time to find a counterexample, not minutes to shrink it.
settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate])


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):  # set by mutmut in each of its test runs
        settings.load_profile("mutation")


DEMO = """\
ruleset demo "A small knowledge base for the engine's tests"
document "demo.txt"

fact condition: nonspecific_lbp | herniation | stenosis
fact phase: ordered remission < chronic < subacute < acute
fact trend: improving | stable | worsening
fact pain_score: int 0..10
fact fever: bool
fact symptoms: set of numbness | tingling | severe_leg_pain

technique massage
technique swedish under massage
technique manual_pressure under massage
technique deep_pressure under manual_pressure
technique exercise

site lumbar_spine
site affected_segment under lumbar_spine
site kidney_area

rule acute_herniation:
  if condition = herniation and (phase = acute or trend = worsening)
  then contraindicate massage
  because "No massage in an acute episode."
  cite "Detailed explanations" quote "currently experiencing an acute episode"

rule mild_herniation:
  if condition = herniation and phase <= chronic
  then recommend massage, caution deep_pressure at affected_segment "gentle only"
  because "Mild, non-acute herniation can generally receive massage."
  cite quote "can generally receive massage therapy"

rule fever_blocks:
  if fever then contraindicate massage, refer routine "general practitioner"
  because "No massage with a fever."
  cite quote "elevated body temperature"

rule nerve_signs:
  if symptoms has any {numbness, severe_leg_pain}
  then caution manual_pressure, require physician_consultation "ask a doctor first"
  because "Nerve signs call for care."
  cite quote "numbness"

rule severe_pain:
  if pain_score >= 8 then refer urgent "spine specialist", advise "rest"
  because "Severe pain needs a specialist."
  cite quote "severe"

rule exercise_always:
  if condition is known then recommend exercise
  because "Exercise helps."
  cite quote "Exercise"

rule kidneys:
  if condition in {nonspecific_lbp, stenosis} then caution massage at kidney_area
  because "Less force over the kidneys."
  cite quote "significantly less force"
"""


@pytest.fixture(scope="session")
def demo() -> spinerules.KnowledgeBase:
    return spinerules.compile_text(DEMO, name="demo")


def two_documents(
    folder: Path, vocabulary: str, rule_a: str, rule_b: str
) -> spinerules.KnowledgeBase:
    """A knowledge base of two rulesets over one vocabulary, each citing its own document:
    `a` (document "a.txt") with `rule_a`, `b` ("b.txt") with `rule_b`."""
    (folder / "v.rules").write_text(vocabulary)
    for name, rule in (("a", rule_a), ("b", rule_b)):
        (folder / f"{name}.rules").write_text(
            f'ruleset {name}\ndocument "{name}.txt"\nuse "v.rules"\n{rule}\n'
        )
    (folder / "both.rules").write_text('use "a.rules"\nuse "b.rules"\n')
    return spinerules.load_path(folder / "both.rules")
