"""The control API: a MirrorSite mutation named in a URL, its arguments as JSON (for a mirror in another process).

The server itself answers the rest: GET /_mirror/statements, /_mirror/requests and /_mirror/timing?window=1 (the
request log's peaks), POST /_mirror/clear_log and /_mirror/latency {"seconds": 0.15}."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from testkit.mirror.site import MirrorSite, MirrorStatement

# Mutations whose JSON arguments are exactly their keyword arguments.
_PLAIN = frozenset({
    "edit", "remove", "restore", "set_chrome", "set_banner", "set_caption", "redesign", "set_landing_style",
    "fault", "hang", "redirect", "clear_override", "overload", "rate_limit", "clear_overload",
})


def apply(site: MirrorSite, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Runs mutation `name`; unknown names raise KeyError, bad arguments ValueError or TypeError."""
    if name == "add":
        statement = site.add(MirrorStatement(**{**arguments, "published": date.fromisoformat(arguments["published"])}))
        return _described(statement)
    if name == "new_statement":
        published = arguments.pop("published", None)
        statement = site.new_statement(**arguments, published=date.fromisoformat(published) if published else None)
        return _described(statement)
    if name == "set_raw":
        # Bytes travel as base64 so that non-UTF-8 bodies survive JSON.
        site.set_raw(arguments["path"], base64.b64decode(arguments["body_base64"]),
                     arguments.get("content_type", "text/html; charset=utf-8"))
        return {"ok": True}
    if name in _PLAIN:
        result = getattr(site, name)(**arguments)
        return _described(result) if isinstance(result, MirrorStatement) else {"ok": True}
    raise KeyError(f"no mutation named {name!r}")


def _described(statement: MirrorStatement) -> dict[str, Any]:
    return {"ok": True, "path": statement.path, "href": statement.href, "node_id": statement.node_id}
