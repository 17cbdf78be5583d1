"""Intake screening: a patient form in, a verdict table with reasons and the next questions out.

    python examples/intake_screening.py patient.json            # all shipped rulesets
    python examples/intake_screening.py patient.json --ruleset herniation
    python examples/intake_screening.py                         # a built-in sample form
    echo '{"condition": "stenosis"}' | python examples/intake_screening.py -

The form is a JSON object of fact names to values; a missing key or `null` means "not asked
yet", never "no". Sets are lists (`"symptoms": []` means none of the listed symptoms).
Exit status: 0 when screened, 2 when the form is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import spinerules

SAMPLE_FORM: dict[str, Any] = {
    "condition": "herniation",
    "severity": "mild",
    "phase": "chronic",
    "trend": "stable",
    "symptoms": ["tingling"],
}


def read_form(source: str | None) -> dict[str, Any]:
    if source is None:
        return dict(SAMPLE_FORM)
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    form = json.loads(text)
    if not isinstance(form, dict):
        raise ValueError("the form must be a JSON object of fact names to values")
    return form


def short(text: str | None, width: int = 70) -> str:
    return textwrap.shorten(text or "", width=width, placeholder=" ...")


def screen(kb: spinerules.KnowledgeBase, form: dict[str, Any]) -> str:
    res = kb.evaluate(form)
    out: list[str] = [f"Screening with `{kb.name}`", ""]

    out.append("Facts given:")
    for name, value in res.facts.items():
        out.append(f"  {name} = {value}")
    out.append("")

    out.append(f"{'technique':<30} {'verdict':<16} why")
    out.append(f"{'-' * 30} {'-' * 16} {'-' * 40}")
    # a technique whose verdict equals its parent's is not repeated
    verdicts = res.verdicts()
    for technique, verdict in verdicts.items():
        if verdict is spinerules.Verdict.UNASSESSED:
            continue
        parent = kb.techniques[technique].parent
        if (
            parent is not None
            and verdicts[parent] is verdict
            and res.site_verdicts(technique) == res.site_verdicts(parent)
        ):
            continue  # shown by its parent (an action on a technique reaches its descendants)
        if verdict is spinerules.Verdict.UNDETERMINED:
            judged = res.assessment(technique)
            why = f"so far {judged.floor}; could become {judged.ceiling} (answer the questions)"
        else:
            reason = res.reasons(technique)[0]
            why = f"{reason.rule_id} [{reason.document or reason.ruleset}]"
        out.append(f"{technique:<30} {verdict.value:<16} {why}")
        for site, site_verdict in res.site_verdicts(technique).items():
            if site_verdict is not verdict:
                out.append(f"{'  at ' + site:<30} {site_verdict.value:<16}")
    out.append("")

    if res.referrals:
        out.append("Referrals:")
        for referral in res.referrals:
            out.append(f"  [{referral.urgency}] {referral.to}  ({referral.reason.rule_id})")
        out.append("")
    if res.requirements:
        out.append("Before massage:")
        for req in res.requirements:
            out.append(f"  - {req.name}: {req.text or ''}  ({req.reason.rule_id})")
        out.append("")
    if res.disagreements:
        out.append("Sources disagree:")
        for d in res.disagreements:
            out.append(
                f"  {d.technique or 'advice on ' + str(d.topic)}: "
                f"{d.permissive.document} says {d.permissive.kind}, "
                f"{d.restrictive.document} says {d.restrictive.kind}"
            )
            out.append(f"    {short(d.restrictive.quote, 90)!r}")
        out.append("")
    if res.advice:
        out.append("Advice:")
        for advice in res.advice:
            out.append(f"  - {advice.text}")
        out.append("")

    if res.missing:
        out.append("Next questions (most decisive first):")
        for i, missing in enumerate(res.missing, 1):
            out.append(f"  {i}. {missing.fact}: {missing.description or ''}")
            out.append(f"     answer: {missing.allowed}; could lead to: {missing.stakes}")
    else:
        out.append("No further questions: every verdict above is decided.")
    return "\n".join(line.rstrip() for line in out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("form", nargs="?", help="JSON file with the patient form, or - for stdin")
    parser.add_argument("--ruleset", help="one shipped ruleset (default: all of them)")
    args = parser.parse_args(argv)

    try:
        form = read_form(args.form)
    except (OSError, ValueError) as err:  # json.JSONDecodeError is a ValueError
        print(f"error: cannot read the form: {err}", file=sys.stderr)
        return 2
    kb = spinerules.load(args.ruleset) if args.ruleset else spinerules.load_all()
    try:
        print(screen(kb, form))
    except spinerules.FactError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
