"""The fields of an item's kind (a Federal Register document's citation, agencies, dates, dockets) as people read
them, for every reader that shows them: the web app's pages and the alerts and digests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Fields shown elsewhere in an alert (its link, date and section) or by a line of their own (a correction's original).
_SHOWN_APART = frozenset({"html_url", "publication_date", "type", "correction_of"})


def field_label(name: str) -> str:
    """A field as a person reads it: "comments_close_on" as "Comments close on"."""
    return name.replace("_", " ").capitalize()


def field_facts(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The item's fields with a value, as (label, text) in the order of their names, bar those an alert shows apart;
    a list as its items joined by commas."""
    facts = []
    for name, value in sorted(fields.items()):
        if name in _SHOWN_APART or value in (None, "", []) or isinstance(value, Mapping):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        facts.append((field_label(name), text))
    return facts
