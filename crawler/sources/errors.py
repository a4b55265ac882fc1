"""What a source's reader raises when a fetched answer cannot be read into an item."""

from __future__ import annotations


class ReadError(Exception):
    """A response that cannot be read: `kind` is short and stable (e.g. "selector_matched_nothing"), for health
    problems and tests; `message` is one line for a person, naming what was looked for and where."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
