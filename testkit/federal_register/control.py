"""The control API: a change to the imitation named in a URL (POST /_fr/NAME), its arguments as JSON, for an
imitation in another process. Dates travel as ISO strings.

The server itself answers GET /_fr/requests, /_fr/timing?window=1 (the request log's peaks) and /_fr/documents."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from testkit.federal_register.documents import FrDocument
from testkit.federal_register.faults import Fault
from testkit.mirror.overload import RateLimit

if TYPE_CHECKING:
    from testkit.federal_register.server import ServingState

_DATE_FIELDS = frozenset({"publication_date", "effective_on", "comments_close_on", "signing_date", "published", "on"})


def _dates(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        name: date.fromisoformat(value) if name in _DATE_FIELDS and isinstance(value, str) else value
        for name, value in arguments.items()
    }


def apply(state: ServingState, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Runs change `name`; an unknown name raises KeyError, bad arguments ValueError or TypeError."""
    register = state.register
    arguments = _dates(arguments)
    if name == "add":
        arguments["agencies"] = tuple(arguments.get("agencies", ()))
        return _described(register.add(FrDocument(**arguments)))
    if name == "patch":
        return _described(register.patch(**arguments))
    if name == "correct":
        return _described(register.correct(**arguments))
    if name == "churn":
        register.churn(**arguments)
    elif name == "set_missing":
        register.set_missing(**arguments)
    elif name == "fault":
        with state.lock:
            state.faults.append(Fault(**arguments))
    elif name == "clear_faults":
        with state.lock:
            state.faults.clear()
    elif name == "rate_limit":
        state.refusals = RateLimit(**arguments)
    elif name == "clear_refusals":
        state.refusals = None
    elif name == "clear_log":
        state.request_log.clear()
    elif name == "latency":
        state.options.latency = arguments["seconds"]
    else:
        raise KeyError(f"no change named {name!r}")
    return {"ok": True}


def _described(document: FrDocument) -> dict[str, Any]:
    return {"ok": True, "document_number": document.document_number,
            "publication_date": document.publication_date.isoformat()}
