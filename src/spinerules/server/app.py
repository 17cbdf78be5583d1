"""`spinerules serve`: a CDS Hooks 2.0 service (an ASGI app on Starlette/FastAPI).

    GET  /cds-services                   discovery: a patient-view service, an order-select
                                         and an order-sign service for a massage order
    POST /cds-services/{id}              cards for the patient in the request's prefetch
    POST /cds-services/{id}/feedback     a card accepted or overridden (kept in the log)

The patient's facts come from the prefetched FHIR R4 resources through the bindings
(`bindings.py`); every resource is checked as R4 first. Bad requests get the spec's answers:
400 with an OperationOutcome for JSON that is not a hook request, a hook the service does not
serve or a resource that is not valid R4; 412 when a prefetch the service needs is missing
(the service fetches nothing itself); 413 for a request larger than the limit. Nothing a client
sends produces a 500 or a traceback.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import attrs
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fhir.resources.R4B import get_fhir_model_class
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from ..api import load_all
from ..decisionlog import DecisionLog
from ..engine.cards import Card
from ..engine.kb import KnowledgeBase
from ..errors import FactError
from .bindings import RESOURCES, Bindings, Reading
from .intake import add_intake

__all__ = ["SERVICES", "create_app"]

_PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "medications": "MedicationStatement?patient={{context.patientId}}",
}
#: the prefetch keys a request must fill (the others may be absent)
REQUIRED = ("conditions",)

SERVICES = {
    "spinerules-patient-view": {
        "hook": "patient-view",
        "title": "Massage therapy screening (lumbar spine)",
        "description": "What massage techniques are contraindicated, need caution or are "
        "recommended for this patient, and why, from the documents the rules cite.",
    },
    "spinerules-order-select": {
        "hook": "order-select",
        "title": "Massage order check (lumbar spine)",
        "description": "Checks a draft massage order (ServiceRequest) against the patient's "
        "contraindications and red flags.",
    },
    "spinerules-order-sign": {
        "hook": "order-sign",
        "title": "Massage order check before signing (lumbar spine)",
        "description": "The same check as order-select, when the order is signed.",
    },
}

_OUTCOME_SCHEMA = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
}
_CARD_SCHEMA = {
    "type": "object",
    "required": ["uuid", "summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string"},
        "summary": {"type": "string", "maxLength": 140},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "detail": {"type": "string"},
        "source": {"type": "object", "required": ["label"]},
        "suggestions": {"type": "array"},
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "overrideReasons": {"type": "array"},
    },
}
_ERRORS = {
    400: "not a request this service can answer",
    412: "a prefetch the service needs is missing",
    413: "the request is too large",
}


def _openapi(body: dict[str, Any], answer: dict[str, Any], errors: tuple[int, ...]) -> Any:
    """An operation's OpenAPI description: its request body, its answer and its errors (what a
    schema-driven client or fuzzer reads)."""

    def json_of(schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}

    return {
        "requestBody": {"required": True, "content": json_of(body)},
        "responses": {
            "200": {"description": "the answer", "content": json_of(answer)},
            **{str(status): {"description": _ERRORS[status], "content": json_of(_OUTCOME_SCHEMA)}
               for status in errors},
        },
    }  # fmt: skip


def _call_openapi(hook: str) -> Any:
    return _openapi(
        {
            "type": "object",
            "required": ["hook", "hookInstance", "context"],
            "properties": {
                "hook": {"const": hook},
                "hookInstance": {"type": "string"},
                "fhirServer": {"type": "string"},
                "context": {"type": "object", "required": ["patientId"], "properties": {
                    "patientId": {"type": "string"},
                    "userId": {"type": "string"},
                    "encounterId": {"type": "string"},
                    "draftOrders": {"type": "object"},
                }},
                "prefetch": {  # a missing prefetch is the spec's 412, not a bad request
                    "type": "object",
                    # null: the client could not fetch it
                    "properties": {key: {"type": ["object", "null"]} for key in _PREFETCH},
                    "additionalProperties": False,
                },
            },
        },
        {"type": "object", "required": ["cards"],
         "properties": {"cards": {"type": "array", "items": _CARD_SCHEMA}}},
        (400, 412, 413),
    )  # fmt: skip


_FEEDBACK_OPENAPI = _openapi(
    {
        "type": "object", "required": ["feedback"],
        "properties": {"feedback": {"type": "array", "items": {
            "type": "object", "required": ["card", "outcome", "outcomeTimestamp"],
            "properties": {"card": {"type": "string"},
                           "outcome": {"enum": ["accepted", "overridden"]},
                           "overrideReason": {"type": "object"},
                           "acceptedSuggestions": {"type": "array"},
                           "outcomeTimestamp": {"type": "string"}},
        }}},
    },
    {"type": "object"},
    (400, 413),
)  # fmt: skip

#: the largest request body read, in bytes
MAX_BODY = 2_000_000


def outcome(status: int, message: str, code: str = "invalid") -> Any:
    """An error response with a FHIR OperationOutcome body."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return JSONResponse(body, status_code=status)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _resources(prefetch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every resource of the prefetch (bundles unpacked), each checked as FHIR R4."""
    found: list[dict[str, Any]] = []
    for key, value in prefetch.items():
        if value is None:
            continue
        if not isinstance(value, Mapping) or "resourceType" not in value:
            raise _BadRequest(400, f"prefetch `{key}` is not a FHIR resource or Bundle")
        items: list[Any] = [value]
        if value.get("resourceType") == "Bundle":
            entries = value.get("entry") or []
            if not isinstance(entries, list):
                raise _BadRequest(400, f"prefetch `{key}`: Bundle.entry must be a list")
            items = [e.get("resource") for e in entries if isinstance(e, Mapping)]
        expected = _PREFETCH[key].split("/")[0].split("?")[0] if key in _PREFETCH else None
        for item in items:
            if not isinstance(item, Mapping):
                raise _BadRequest(400, f"prefetch `{key}` holds an entry without a resource")
            kind = item.get("resourceType")
            if expected is not None and kind != expected and kind != "OperationOutcome":
                raise _BadRequest(
                    400, f"prefetch `{key}` should hold {expected} resources, not `{kind}`"
                )
            if not isinstance(kind, str) or kind == "OperationOutcome":
                continue
            _check_r4(kind, item, f"prefetch `{key}`")
            if kind in RESOURCES:
                found.append(dict(item))
    return found


def _shown_critical(kb: KnowledgeBase, reading: Reading, res: Any) -> list[Card]:
    """The critical cards what a record shows of a list would give: a red flag the record shows
    is there, whatever else the list holds. The list stays unknown for the screening (it may
    hold more), but a contraindication or an urgent referral that follows from the members
    shown is not held back until someone confirms the list: when in doubt, the more
    restrictive answer. Each says, in its detail, that it comes from the record."""
    if not reading.shown:
        return []
    shown = {fact: list(members) for fact, members in reading.shown.items()}
    already = {c.rule_id for c in res.cards()}
    listed = "; ".join(
        f"{fact.replace('_', ' ')}: {', '.join(m.replace('_', ' ') for m in members)}"
        for fact, members in shown.items()
    )
    out = []
    for card in kb.evaluate({**reading.profile, **shown}).cards():
        if card.indicator != "critical" or card.rule_id in already:
            continue
        note = (
            f"From the record, which shows {listed}: this follows from what it shows; confirm "
            "the list with the patient.\n\n"
        )
        out.append(attrs.evolve(card, detail=note + card.detail))
    return out


def _record_cards(reading: Reading, fingerprint: str) -> list[dict[str, Any]]:
    """What the record shows that the rules could not take as a fact: for the clinician."""
    cards = []
    for fact, members in reading.shown.items():
        text = ", ".join(m.replace("_", " ") for m in members)
        cards.append({
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fingerprint}:shown:{fact}:{text}")),
            "summary": f"The record shows {fact.replace('_', ' ')}: {text}; confirm the list"[:139],
            "indicator": "warning",
            "detail": f"`{fact}` is a list, and a record shows what a patient has, never all of "
            "it: the screening treats the list as unknown until someone confirms it. "
            f"The record shows: {text}.",
            "source": {"label": "FHIR record (spinerules bindings)"},
        })  # fmt: skip
    for fact, values in reading.conflicts.items():
        text = ", ".join(str(v) for v in values)
        cards.append({
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fingerprint}:conflict:{fact}:{text}")),
            "summary": f"The record gives {fact.replace('_', ' ')} as {text}: confirm which"[:139],
            "indicator": "warning",
            "detail": f"`{fact}` takes one value; the record gives several ({text}), so the "
            "screening treats it as unknown.",
            "source": {"label": "FHIR record (spinerules bindings)"},
        })  # fmt: skip
    return cards


def _check_r4(kind: str, item: Mapping[str, Any], where: str) -> None:
    """A 400 unless `item` is a valid FHIR R4 resource of type `kind` (fhir.resources' R4B
    models read R4 JSON)."""
    try:
        get_fhir_model_class(kind).model_validate(dict(item))
    except KeyError:
        raise _BadRequest(400, f"`{kind}` is not a FHIR R4 resource type") from None
    except Exception as exc:  # pydantic's ValidationError: not valid R4
        detail = " ".join(str(exc).splitlines()[:3])[:300]
        raise _BadRequest(400, f"{where}: not a valid R4 {kind}: {detail}") from None


def _draft_orders(context: Mapping[str, Any]) -> list[str]:
    """The draft ServiceRequests of an order hook, as `ServiceRequest/ID` references."""
    bundle = context.get("draftOrders")
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise _BadRequest(400, "`context.draftOrders` must be a FHIR Bundle of the draft orders")
    _check_r4("Bundle", bundle, "`context.draftOrders`")
    refs = []
    for entry in bundle.get("entry") or []:
        item = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(item, Mapping) and item.get("resourceType") == "ServiceRequest":
            refs.append(f"ServiceRequest/{item.get('id', '')}".rstrip("/"))
    return refs


def _unique(cards: list[dict[str, Any]], hook_instance: str) -> None:
    """Card and suggestion ids unique to this call (a card's id alone names its rule and the
    knowledge base), so that feedback leads back to one decision in the log."""
    for card in cards:
        card["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{hook_instance}:{card['uuid']}"))
        for suggestion in card.get("suggestions", []):
            suggestion["uuid"] = str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"{card['uuid']}:{suggestion['uuid']}")
            )


def _referral_actions(card: dict[str, Any], patient: str) -> None:
    """A referral suggestion proposes the referral: a draft ServiceRequest the EHR can create."""
    for suggestion in card.get("suggestions", []):
        label = suggestion["label"]
        if not label.startswith("Refer "):
            continue
        request = {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "proposal",
            "priority": "urgent" if label.startswith("Refer urgently") else "routine",
            "code": {"text": label},
            "subject": {"reference": f"Patient/{patient}"},
            "reasonCode": [{"text": card["summary"]}],
        }
        suggestion["actions"] = [{"type": "create", "description": label, "resource": request}]


def _cancel_suggestion(card: dict[str, Any], orders: list[str]) -> None:
    """A suggestion to withdraw the draft orders, first on the card."""
    label = "Cancel the draft massage order" + ("s" if len(orders) > 1 else "")
    card.setdefault("suggestions", []).insert(0, {
        "label": label,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{card['uuid']}:cancel")),
        "isRecommended": True,
        "actions": [
            {"type": "delete", "description": f"Cancel {order}", "resourceId": order}
            for order in orders
        ],
    })  # fmt: skip
    card["selectionBehavior"] = "any"


def create_app(
    kb: KnowledgeBase,
    bindings: Bindings,
    log: DecisionLog | None = None,
    order_technique: str = "massage",
) -> Any:
    """The CDS Hooks service for `kb`, reading FHIR through `bindings`. An order hook's draft
    ServiceRequests are orders for `order_technique`: a critical card that forbids it (or one
    of the techniques under it), and an urgent referral, suggest cancelling them."""
    # the intake page offers the served knowledge base and, beside a clinic's own, the shipped one
    shipped = load_all()
    kbs = {kb.name: kb} if kb.fingerprint == shipped.fingerprint else {kb.name: kb, "all": shipped}
    node = kb.techniques.get(order_technique)
    if node is None:
        raise ValueError(f"`{kb.name}` has no technique `{order_technique}` to check orders for")

    def stops_order(card: Card) -> bool:
        if not card.techniques:  # an urgent referral: no technique, the patient goes elsewhere
            return True
        return any(order_technique in kb.techniques[t].reached_by for t in card.techniques)

    app = FastAPI(
        title="spinerules CDS Hooks service",
        version=kb.fingerprint[:12],
        description="CDS Hooks 2.0 decision support for massage therapy in lumbar spine "
        f"conditions, from the knowledge base `{kb.name}` (fingerprint {kb.fingerprint}).",
    )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Any:
        return outcome(
            exc.status_code, str(exc.detail), "not-found" if exc.status_code == 404 else "invalid"
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Any:
        return outcome(400, "the request does not fit the API")

    @app.exception_handler(Exception)
    async def any_error(_request: Request, _exc: Exception) -> Any:  # pragma: no cover
        return outcome(500, "the service failed on this request; it keeps serving", "exception")

    @app.get("/cds-services")
    async def discovery() -> dict[str, Any]:
        return {
            "services": [
                {"id": sid, **service, "prefetch": dict(_PREFETCH)}
                for sid, service in SERVICES.items()
            ]
        }

    async def body_of(request: Request) -> Any:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise _BadRequest(
                    413, f"the request is larger than {MAX_BODY:,} bytes", "too-costly"
                )
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError):
            raise _BadRequest(400, "the request body is not JSON", "structure") from None

    def handler(service_id: str) -> Any:
        async def call(request: Request) -> Any:
            try:
                return JSONResponse(await answer(service_id, request))
            except _BadRequest as bad:
                return outcome(bad.status, bad.message, bad.code)

        return call

    def feedback_handler(service_id: str) -> Any:
        async def call(request: Request) -> Any:
            return await feedback(service_id, request)

        return call

    # one route per service, so that the OpenAPI description says which hook each one takes
    for sid, service in SERVICES.items():
        app.post(
            f"/cds-services/{sid}", openapi_extra=_call_openapi(service["hook"]),
            summary=service["title"], operation_id=sid,
        )(handler(sid))  # fmt: skip
        app.post(
            f"/cds-services/{sid}/feedback", openapi_extra=_FEEDBACK_OPENAPI,
            summary=f"Feedback on {sid} cards", operation_id=f"{sid}-feedback",
        )(feedback_handler(sid))  # fmt: skip

    @app.post("/cds-services/{service_id}", include_in_schema=False)
    async def unknown(service_id: str) -> Any:
        return outcome(404, f"no service `{service_id}`", "not-found")

    @app.post("/cds-services/{service_id}/feedback", include_in_schema=False)
    async def unknown_feedback(service_id: str) -> Any:
        return outcome(404, f"no service `{service_id}`", "not-found")

    async def answer(service_id: str, request: Request) -> dict[str, Any]:
        service = SERVICES[service_id]
        body = await body_of(request)
        if not isinstance(body, Mapping):
            raise _BadRequest(400, "a hook request is a JSON object")
        if body.get("hook") != service["hook"]:
            raise _BadRequest(
                400, f"`{service_id}` serves the `{service['hook']}` hook, not `{body.get('hook')}`"
            )
        if not isinstance(body.get("hookInstance"), str):
            raise _BadRequest(400, "`hookInstance` is missing")
        if "fhirServer" in body and not isinstance(body["fhirServer"], str):
            raise _BadRequest(400, "`fhirServer` is a URL")
        context = body.get("context")
        if not isinstance(context, Mapping) or not isinstance(context.get("patientId"), str):
            raise _BadRequest(400, "`context.patientId` is missing")
        for field, kind in (("userId", str), ("encounterId", str), ("draftOrders", Mapping)):
            if field in context and not isinstance(context[field], kind):
                raise _BadRequest(400, f"`context.{field}` must be a {kind.__name__.lower()}")
        prefetch = body.get("prefetch")
        if prefetch is None:
            prefetch = {}
        if not isinstance(prefetch, Mapping):
            raise _BadRequest(400, "`prefetch` must be an object")
        unknown = [key for key in prefetch if key not in _PREFETCH]
        if unknown:
            raise _BadRequest(400, f"prefetch `{unknown[0]}` is not one this service asks for")
        resources = _resources(prefetch)
        missing = [key for key in REQUIRED if key not in prefetch]
        if missing:
            raise _BadRequest(
                412,
                f"prefetch `{missing[0]}` ({_PREFETCH[missing[0]]}) is needed; this service "
                "fetches nothing from a FHIR server",
                "required",
            )
        reading = bindings.read(resources)
        try:
            res = kb.evaluate(reading.profile)
        except FactError as exc:  # bindings checked at start: only a record value out of range
            raise _BadRequest(
                400, f"the record gives a value the rules cannot take: {exc}"
            ) from None
        found = [*_shown_critical(kb, reading, res), *res.cards()]
        cards = [c.to_cds() for c in found]
        orders = _draft_orders(context) if service["hook"] != "patient-view" else []
        for card, shown in zip(found, cards, strict=True):
            _referral_actions(shown, context["patientId"])
            if orders and card.indicator == "critical" and stops_order(card):
                _cancel_suggestion(shown, orders)
        critical = sum(1 for c in found if c.indicator == "critical")  # they lead
        cards[critical:critical] = _record_cards(reading, kb.fingerprint)
        _unique(cards, body["hookInstance"])
        decision = None
        if log is not None:
            decision = log.decision(
                service_id, body, reading.profile, res, cards=[c["uuid"] for c in cards]
            )
        return {
            "cards": cards,
            "extension": {
                "spinerules": {
                    "knowledgeBase": kb.name,
                    "fingerprint": kb.fingerprint,
                    "decision": decision,
                    "facts": res.facts,
                    "bindingsUsed": list(reading.used),
                }
            },
        }

    async def feedback(service_id: str, request: Request) -> Any:
        try:
            body = await body_of(request)
            items = body.get("feedback") if isinstance(body, Mapping) else None
            if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
                raise _BadRequest(
                    400, 'feedback is `{"feedback": [{"card": ..., "outcome": ...}]}`'
                )
            for item in items:
                if (
                    not isinstance(item.get("card"), str)
                    or item.get("outcome") not in ("accepted", "overridden")
                    or not isinstance(item.get("outcomeTimestamp"), str)
                ):
                    raise _BadRequest(
                        400,
                        "each feedback names a `card`, an `outcome` (accepted or overridden) "
                        "and an `outcomeTimestamp`",
                    )
                if item["outcome"] == "accepted" and "acceptedSuggestions" not in item:
                    raise _BadRequest(400, "an accepted card lists its `acceptedSuggestions`")
                for field, kind in (("acceptedSuggestions", list), ("overrideReason", Mapping)):
                    if field in item and not isinstance(item[field], kind):
                        raise _BadRequest(400, f"`{field}` must be a {kind.__name__.lower()}")
            if log is not None:
                for item in items:
                    log.feedback(service_id, dict(item))
            return JSONResponse({})
        except _BadRequest as bad:
            return outcome(bad.status, bad.message, bad.code)

    add_intake(app, kbs, log)
    return app
