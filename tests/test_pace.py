"""The politeness policy's arithmetic (crawler.pace): the spacing of requests, and the waits after refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from archive.retry_after import retry_after_seconds
from crawler.pace import (
    DEFAULT_WAIT_SECONDS,
    MAX_WAIT_SECONDS,
    SLOWEST_INTERVAL_SECONDS,
    Politeness,
)

POLICY = Politeness(concurrent_requests=8, max_requests_per_second=10, adaptive=True, max_refusals=3)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_fastest_spacing_keeps_any_second_to_the_cap() -> None:
    # Eleven starts span ten spacings: more than a second, with room for a request delayed on its way.
    assert 10 * POLICY.fastest_interval >= 1.2
    assert POLICY.fastest_interval < 0.13


def test_quick_answers_of_any_kind_bring_the_pace_to_the_cap() -> None:
    for status in (200, 304, 301, 404):
        interval = 5.0  # where AutoThrottle's start delay would keep a poll of 304s
        for _ in range(12):
            interval = POLICY.after_answer(interval, latency=0.15, status=status)
        assert interval == pytest.approx(POLICY.fastest_interval), status


def test_a_slower_site_gets_a_slower_pace_at_once() -> None:
    # 0.8 s answers with 8 permitted in flight: half of them busy means a start every 0.2 s.
    assert POLICY.after_answer(POLICY.fastest_interval, latency=0.8, status=304) == pytest.approx(0.2)
    fixed = Politeness(concurrent_requests=8, max_requests_per_second=10, adaptive=False, max_refusals=3)
    assert fixed.after_answer(fixed.fastest_interval, latency=0.8, status=200) == fixed.fastest_interval


def test_server_errors_never_speed_it_up_and_refusals_slow_it_down() -> None:
    assert POLICY.after_answer(1.0, latency=0.01, status=500) == 1.0
    assert POLICY.after_refusal(1.0) == 2.0
    interval = POLICY.fastest_interval
    for _ in range(20):
        interval = POLICY.after_refusal(interval)
    assert interval == SLOWEST_INTERVAL_SECONDS


def test_waits_after_refusals_are_capped() -> None:
    assert Politeness.wait_after_refusal(None) == DEFAULT_WAIT_SECONDS
    assert Politeness.wait_after_refusal(3) == 3
    assert Politeness.wait_after_refusal(3600) == MAX_WAIT_SECONDS


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    (" 2 ", 2.0),
    (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    (format_datetime(NOW - timedelta(seconds=90), usegmt=True), 0.0),
    ("Sun, 06 Nov 1994 08:49:37", 0.0),  # the obsolete form without a zone, long past
    ("soon", None),
    ("-5", None),
    ("", None),
    (None, None),
])
def test_retry_after_is_read_as_seconds_or_a_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds
