"""Absolute links into the web app, for messages sent elsewhere (alerts, digests, the feed)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import AnyUrl


def event_url(public_url: AnyUrl | str, event_id: int) -> str:
    """The permalink of a change event's page: what an alert links to beside the statement on ustr.gov."""
    return f"{str(public_url).rstrip('/')}/events/{event_id}"


def statement_url(public_url: AnyUrl | str, statement_id: int) -> str:
    """The permalink of an item's page (its versions, its related items)."""
    return f"{str(public_url).rstrip('/')}/statements/{statement_id}"


@dataclass(frozen=True)
class PublicLinks:
    """The web app's pages at its public address (http.public_url), as the notifier links them (notify.content)."""

    public_url: str

    def event(self, event_id: int) -> str:
        return event_url(self.public_url, event_id)

    def statement(self, statement_id: int) -> str:
        return statement_url(self.public_url, statement_id)
