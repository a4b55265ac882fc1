"""Absolute links into the web app, for messages sent elsewhere (alerts, digests, the feed)."""

from __future__ import annotations

from pydantic import AnyUrl


def event_url(public_url: AnyUrl | str, event_id: int) -> str:
    """The permalink of a change event's page: what an alert links to beside the statement on ustr.gov."""
    return f"{str(public_url).rstrip('/')}/events/{event_id}"
