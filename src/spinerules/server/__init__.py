"""The clinic's side: a CDS Hooks 2.0 service (`app.py`) and the FHIR R4 bindings that turn a
patient's coded resources into facts (`bindings.py`); decisions go to `spinerules.decisionlog`.
Needs the server extra: `pip install 'spinerules[server]'`."""

from typing import Any

from ..decisionlog import DecisionLog
from ..engine.kb import KnowledgeBase
from .bindings import BindingError, Bindings, load_bindings, shipped_bindings

__all__ = [
    "BindingError",
    "Bindings",
    "create_app",
    "load_bindings",
    "shipped_bindings",
]


def create_app(
    kb: KnowledgeBase,
    bindings: Bindings,
    log: DecisionLog | None = None,
    order_technique: str = "massage",
) -> Any:
    """The CDS Hooks service (an ASGI app): see `app.create_app`. FastAPI is imported here, on
    first use: it is an optional extra."""
    from .app import create_app as make

    return make(kb, bindings, log, order_technique)
