"""Wrong answers a test makes the imitation give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultMode = Literal["not_json", "truncated", "status"]
FaultTarget = Literal["search", "document", "text", "any"]


@dataclass
class Fault:
    """A wrong answer in place of the right one: an HTML page with status 200 (not_json), the right JSON cut in
    half (truncated), or an error status with an HTML page (status, e.g. 502, or 429 with retry_after)."""

    mode: FaultMode
    target: FaultTarget = "any"
    status: int = 503
    document_number: str | None = None  # only this document's answers (document and text targets)
    times: int | None = None  # answers left to spoil; None: until cleared
    retry_after: int | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("not_json", "truncated", "status"):
            raise ValueError(f"unknown fault mode {self.mode!r}")
        if self.target not in ("search", "document", "text", "any"):
            raise ValueError(f"unknown fault target {self.target!r}")

    def applies(self, target: str, number: str | None) -> bool:
        if self.times == 0 or self.target not in (target, "any"):
            return False
        return self.document_number is None or self.document_number == number
