"""The two ways a channel fails: its configuration, or one send."""

from __future__ import annotations


class ChannelError(Exception):
    """A channel that cannot work as configured; the message names it."""


class DeliveryError(Exception):
    """A send that failed. Temporary failures are retried; a permanent one is dead-lettered at once."""

    def __init__(self, message: str, *, temporary: bool, retry_after: float | None = None,
                 unreachable: bool = False, owed_to: list[str] | None = None, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        # The request went out and no answer came: the receiver may have taken it.
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after
        # The server could not be reached at all: the channel's other messages would only wait for the same timeout.
        self.unreachable = unreachable
        # Some recipients got it: a retry goes to these only.
        self.owed_to = owed_to
