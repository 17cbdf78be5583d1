"""The decision log: one JSON object a line, appended, for audit and replay.

    {"type": "decision", "decision": ID, "time": ISO-8601, "knowledge_base": NAME,
     "fingerprint": SHA-256, "service": SERVICE or "library", "context": {...masked...},
     "facts": {...}, "result": Result.to_dict(compact=True), "cards": [UUID, ...]}
    {"type": "feedback", "time": ..., "service": ..., "card": UUID, "outcome": "accepted" |
     "overridden", "overrideReason": {...}}

Identifying fields of the request context (`patientId`, `userId`, `encounterId`,
`hookInstance`, and any named with `mask=`) are replaced by a keyed hash: the same patient
gives the same value within one log (so decisions and feedback can be followed), and the log
does not hold the identifier. Facts are clinical, not identifying, and are kept: they are what
replay evaluates again. `replay(log, kb)` re-evaluates every decision with `kb` and lists the
ones whose answer would change, with the rules behind the old and the new verdict.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .engine.kb import KnowledgeBase
from .engine.result import Result
from .errors import FactError

__all__ = ["Change", "DecisionLog", "replay"]

MASKED = ("patientId", "userId", "encounterId", "hookInstance", "fhirServer")


class DecisionLog:
    def __init__(self, path: str | Path, mask: Sequence[str] = MASKED) -> None:
        self.path = Path(path)
        self.mask = tuple(mask)
        self._lock = threading.Lock()
        self._key = os.urandom(16).hex() if not self.path.exists() else self._key_of()

    def _key_of(self) -> str:
        """The masking key of an existing log (its first line), so one patient keeps one mask."""
        try:
            with self.path.open(encoding="utf-8") as fh:
                first = json.loads(fh.readline() or "{}")
            key = first.get("mask_key") if first.get("type") == "log" else None
            return str(key) if key else os.urandom(16).hex()
        except (OSError, ValueError):
            return os.urandom(16).hex()

    def _masked(self, value: Any) -> str:
        digest = hmac.new(self._key.encode(), json.dumps(value).encode(), hashlib.sha256)
        return "masked:" + digest.hexdigest()[:16]

    def _write(self, record: Mapping[str, Any]) -> None:
        with self._lock:
            new = not self.path.exists() or self.path.stat().st_size == 0
            with self.path.open("a", encoding="utf-8") as fh:
                if new:  # the key lives in the log itself, so that masks stay stable
                    fh.write(json.dumps({"type": "log", "format": 1, "mask_key": self._key}) + "\n")
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def decision(
        self,
        service: str,
        request: Mapping[str, Any],
        facts: Mapping[str, Any],
        res: Result,
        cards: Sequence[str] = (),
    ) -> str:
        """Log one answer (with the ids of the cards it was shown as); returns its id."""
        decision = str(uuid.uuid4())
        context = request.get("context") if isinstance(request.get("context"), Mapping) else {}
        masked = {
            k: self._masked(v) if k in self.mask else v
            for k, v in {**dict(context or {}), "hookInstance": request.get("hookInstance")}.items()
            if k != "draftOrders"
        }
        self._write({
            "type": "decision",
            "decision": decision,
            "time": _now(),
            "knowledge_base": res.knowledge_base.name,
            "fingerprint": res.knowledge_base.fingerprint,
            "service": service,
            "context": masked,
            "facts": dict(res.facts),
            "result": res.to_dict(compact=True),
            "cards": list(cards),
        })  # fmt: skip
        return decision

    def record(self, res: Result, context: Mapping[str, Any] | None = None) -> str:
        """Log a result the library computed (`service` is "library")."""
        return self.decision("library", {"context": dict(context or {})}, res.facts, res)

    def feedback(self, service: str, item: Mapping[str, Any]) -> None:
        self._write({"type": "feedback", "time": _now(), "service": service, **dict(item)})


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@attrs.frozen
class Change:
    """A logged decision whose answer the current knowledge base would change."""

    decision: str
    line: int
    fingerprint: str  # the one that answered then
    #: technique -> (then, now) verdicts, for the techniques whose verdict changed
    verdicts: dict[str, tuple[str, str]]
    #: technique -> (rules then, rules now) deciding it
    rules: dict[str, tuple[list[str], list[str]]]
    error: str | None = None  # the facts no longer fit the knowledge base


def decisions(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{path}:{number}: not a JSON line") from None
            if isinstance(record, dict) and record.get("type") == "decision":
                yield number, record


def replay(path: str | Path, kb: KnowledgeBase) -> list[Change]:
    """Every logged decision evaluated again with `kb`: those whose verdicts would change."""
    changes = []
    for number, record in decisions(path):
        then = record.get("result") or {}
        try:
            now = kb.evaluate(record.get("facts") or {}).to_dict(compact=True)
        except FactError as exc:
            changes.append(
                Change(str(record.get("decision")), number, str(record.get("fingerprint")), {}, {},
                       str(exc))
            )  # fmt: skip
            continue
        before, after = then.get("verdicts", {}), now["verdicts"]
        changed = {
            t: (str(before.get(t, "absent")), str(after.get(t, "absent")))
            for t in dict.fromkeys([*before, *after])
            if before.get(t) != after.get(t)
        }
        if changed:
            rules = {
                t: (list(then.get("rules", {}).get(t, [])), list(now["rules"].get(t, [])))
                for t in changed
            }
            changes.append(
                Change(str(record.get("decision")), number, str(record.get("fingerprint")),
                       changed, rules)
            )  # fmt: skip
    return changes
