"""What a source's reader raises when a response cannot be read as what it should be."""

from __future__ import annotations


class ReadError(Exception):
    """A response that cannot be read: `kind` is short and stable (for health problems and tests to match), the
    message one line for a person."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
