"""An overloaded or rate-limiting site: answers of 429 or 503 with a Retry-After, the way ustr.gov's CDN sheds load.

Both kinds are deterministic, so that a test can count the refusals it expects: an Overload refuses a fixed
share of the requests it sees, a RateLimit every request past its budget in the last second."""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

RetryAfter = int | str | None  # seconds, an HTTP-date as sent, or no header


def _checked(status: int, retry_after: RetryAfter) -> None:
    if not 400 <= status <= 599:
        raise ValueError(f"a refusal's status must be 4xx or 5xx, not {status}")
    if isinstance(retry_after, int) and retry_after < 0:
        raise ValueError(f"Retry-After cannot be negative: {retry_after}")


@dataclass(frozen=True)
class Refusal:
    status: int
    retry_after: RetryAfter


class Overload:
    """Refuses `share` of the requests it sees. Without a seed the refusals are spread evenly (share 0.25: the 4th,
    8th, 12th ... request), so that any n requests meet floor(n * share) of them; with a seed, each request is
    refused with probability `share`, the same sequence for the same seed."""

    def __init__(self, share: float, status: int = 503, retry_after: RetryAfter = 120, seed: int | None = None) -> None:
        if not 0 <= share <= 1:
            raise ValueError(f"share must be between 0 and 1, not {share}")
        _checked(status, retry_after)
        # Exact arithmetic: 0.7 * 10 is 7.000000000000001 in floats, which would move a refusal.
        self._share = Fraction(share).limit_denominator(1_000_000)
        self._refusal = Refusal(status, retry_after)
        self._random = random.Random(seed) if seed is not None else None
        self._lock = threading.Lock()
        self._seen = 0
        self.refused = 0

    def check(self, now: float) -> Refusal | None:
        """Counts one request; the refusal if this one is refused."""
        with self._lock:
            self._seen += 1
            if self._random is not None:
                refuse = self._random.random() < self._share
            else:
                refuse = math.floor(self._seen * self._share) > math.floor((self._seen - 1) * self._share)
            self.refused += refuse
            return self._refusal if refuse else None


class RateLimit:
    """Lets `per_second` requests through in any sliding `window` seconds and refuses the rest; refused requests do
    not use up the budget, as with a token bucket that a client's retries cannot drain."""

    def __init__(self, per_second: int, status: int = 429, retry_after: RetryAfter = 1, window: float = 1.0) -> None:
        if per_second < 0 or window <= 0:
            raise ValueError(f"need per_second >= 0 and window > 0, not {per_second} and {window}")
        _checked(status, retry_after)
        self._budget = per_second
        self._window = window
        self._refusal = Refusal(status, retry_after)
        self._lock = threading.Lock()
        self._admitted: deque[float] = deque()
        self.refused = 0

    def check(self, now: float) -> Refusal | None:
        with self._lock:
            while self._admitted and now - self._admitted[0] >= self._window:
                self._admitted.popleft()
            if len(self._admitted) >= self._budget:
                self.refused += 1
                return self._refusal
            self._admitted.append(now)
            return None
