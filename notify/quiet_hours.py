"""Quiet hours: when an instant channel's alerts wait, in the channel's time zone (notify.holding holds them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class QuietHours:
    """Periods that start at `start` on each of `days` (all days when none are given) and last until the next
    `end`: "20:00-07:00" on Saturday runs into Sunday morning; a start equal to the end is the whole day."""

    start: time
    length: timedelta
    days: frozenset[int]
    zone: ZoneInfo
    text: str

    @classmethod
    def parse(cls, hours: str, days: list[str], timezone: str) -> QuietHours:
        """Raises ValueError saying what is wrong, in one line."""
        found = _HOURS.fullmatch(hours.strip())
        if found is None:
            raise ValueError(f"quiet_hours {hours!r} is not HH:MM-HH:MM, e.g. \"20:00-07:00\"")
        start_hour, start_minute, end_hour, end_minute = map(int, found.groups())
        if start_hour > 23 or end_hour > 24 or start_minute > 59 or end_minute > 59 or (
                end_hour == 24 and end_minute):
            raise ValueError(f"quiet_hours {hours!r} is not a time of day (00:00 to 24:00)")
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r} for quiet_hours") from None
        start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
        length = timedelta(minutes=(end - start) % 1440 or 1440)
        weekdays = frozenset(WEEKDAYS.index(day) for day in days) if days else frozenset(range(7))
        return cls(time(start_hour, start_minute), length, weekdays, zone, hours.strip())

    def period(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The quiet period `moment` falls in, as (start, end) in UTC, or None."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        for day in (local.date(), local.date() - _DAY):  # one that began today, or yesterday and runs past midnight
            if day.weekday() not in self.days:
                continue
            start = datetime.combine(day, self.start)
            end = start + self.length
            if start <= local < end:
                return start.replace(tzinfo=self.zone), end.replace(tzinfo=self.zone)
        return None
