"""The Retry-After header (RFC 9110), read one way by both of korus-watch's clients: the crawler, refused by the site,
and the notifier, refused by a chat service."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

# RFC 9110 says whole seconds; a fraction, which some services send, is read as meant.
_SECONDS = re.compile(r"\d+(\.\d+)?")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header's wait in seconds from `now` (aware): delay-seconds or an HTTP-date; None if absent or
    unreadable, never negative."""
    text = (value or "").strip()
    if not text:
        return None
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form without a zone is read as such
        when = when.replace(tzinfo=now.tzinfo)
    return max(0.0, (when - now).total_seconds())
