"""The notifier's settings sections: the SMTP relay, delivery policy, and the channels."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from archive.models import EventKind
from archive.settings import Section
from archive.significance import Significance
from notify.addresses import link_local_or_metadata
from notify.quiet_hours import QuietHours


class SmtpSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str = ""
    password: SecretStr = SecretStr("")
    from_addr: str = "korus-watch@localhost"
    verify_tls: bool = True
    # A private CA's certificates (PEM), for a mail relay whose certificate a public CA did not sign.
    ca_file: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("ca_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        # Found now, not at the first send, where it would read as "SMTP server unreachable".
        if value is not None and not value.is_file():
            raise ValueError(f"{value} does not exist" if not value.exists() else f"{value} is not a file")
        return value


ChannelMode = Literal["digest", "instant"]


def cron_trigger(schedule: str, timezone: str) -> CronTrigger:
    """A digest's schedule as the service runs it: a crontab line in a time zone (APScheduler keeps it right across
    daylight-saving changes). Raises ValueError for a line APScheduler refuses, or one that never fires."""
    try:
        trigger = CronTrigger.from_crontab(schedule, timezone=ZoneInfo(timezone))
    except ValueError as exc:
        raise ValueError(f"{schedule!r} is not a crontab line: {exc}") from None
    if trigger.get_next_fire_time(None, datetime.now(trigger.timezone)) is None:
        raise ValueError(f"{schedule!r} never fires (no such day)")
    return trigger


class ChannelSettings(Section):
    """One destination. Its filters and its schedule are checked here: a digest that can never be sent stops every
    command, as other bad settings do, instead of waiting unnoticed. Its type and address are checked when the
    channel is built (notify.channels), so that one broken channel is reported by name and never stops the
    others."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    type: str
    mode: ChannelMode = "instant"
    to: list[str] = Field(default_factory=list)
    url: SecretStr | None = None
    secret: SecretStr | None = None
    timezone: str = "UTC"  # before `schedule`, whose check reads it
    schedule: str | None = None
    topics: list[str] = Field(default_factory=list)
    events: list[EventKind] = Field(default_factory=lambda: list(EventKind))
    # Admin channels also get one alert when the archive's health breaks (a redesign, the site down) and mends.
    admin: bool = False
    # The receiver drops a message whose Idempotency-Key it has seen: a send that got no answer may then be repeated.
    # Otherwise such a send is not repeated (it may have arrived), and waits for `korus-watch retry`.
    deduplicates: bool = False
    max_per_hour: int = Field(default=20, ge=2)
    # Changes below this level are archived and shown, but not sent: by default cosmetic edits (punctuation, case,
    # spacing) reach no one.
    min_significance: Significance = Significance.WORDING
    # Instant channels: alerts falling due in these hours ("20:00-07:00", in `timezone`; on `quiet_days` only, when
    # given) wait, and go out as one summary when they end; "substantive" changes may bypass them.
    quiet_hours: str | None = None
    quiet_days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(default_factory=list)
    quiet_bypass: Literal["substantive"] | None = None
    # A webhook on a link-local address (169.254.0.0/16, fe80::/10) or a cloud metadata endpoint is refused unless
    # this is set: such a URL is far more often a mistake, or an attempt to read the host's credentials.
    allow_link_local: bool = False

    @field_validator("url", "secret", mode="before")
    @classmethod
    def _from_environment(cls, value: object) -> object:
        """A value of "${NAME}" is read from environment variable NAME, so that secrets need not sit in the file."""
        if isinstance(value, str) and (reference := re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value)):
            name = reference.group(1)
            if name not in os.environ:
                raise ValueError(f"environment variable {name} is not set")
            return os.environ[name]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, such as America/New_York)") from None
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_fires(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            # A time zone that failed its own check is reported there; the line is checked in UTC meanwhile.
            cron_trigger(value, info.data.get("timezone", "UTC"))
        return value

    @model_validator(mode="after")
    def _schedule_goes_with_digests(self) -> ChannelSettings:
        if self.mode == "digest" and not self.schedule:
            raise ValueError("a digest channel needs `schedule`, a crontab line")
        if self.mode == "instant" and self.schedule:
            raise ValueError("`schedule` is for digest channels; this one is instant")
        return self

    def digest_trigger(self) -> CronTrigger:
        assert self.schedule is not None, "a digest channel has a schedule (checked when the settings load)"
        return cron_trigger(self.schedule, self.timezone)

    @model_validator(mode="after")
    def _quiet_time(self) -> ChannelSettings:
        if self.quiet_hours is None:
            if self.quiet_days or self.quiet_bypass:
                raise ValueError("`quiet_days` and `quiet_bypass` need `quiet_hours`, e.g. \"20:00-07:00\"")
            return self
        if self.mode == "digest":
            raise ValueError("`quiet_hours` is for instant channels; a digest is sent on its `schedule`")
        self.quiet()  # a bad value or time zone is a config error now
        return self

    def quiet(self) -> QuietHours | None:
        """The channel's quiet hours, or None."""
        if self.quiet_hours is None:
            return None
        return QuietHours.parse(self.quiet_hours, list(self.quiet_days), self.timezone)

    @model_validator(mode="after")
    def _no_link_local_webhook(self) -> ChannelSettings:
        host = link_local_or_metadata(self.url.get_secret_value()) if self.url is not None else None
        if host is not None and not self.allow_link_local:
            raise ValueError(f"`url` points at {host}, a link-local or cloud metadata address; set "
                             "allow_link_local = true on the channel if it really is the webhook")
        return self


class NotifySettings(Section):
    max_attempts: int = Field(default=8, ge=1)
    backoff_seconds: float = Field(default=30.0, gt=0)
    max_backoff_seconds: float = Field(default=3600.0, gt=0)
    timeout_seconds: float = Field(default=20.0, gt=0)
    # The site answering nothing is a health problem after one poll, but worth an alert only once it lasts.
    site_down_alert_minutes: float = Field(default=60.0, ge=0)
    # Templates here override the built-in ones of the same path (e.g. email/message.html).
    template_dir: Path | None = None

    @field_validator("template_dir")
    @classmethod
    def _existing_directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value


class PageLinks(Protocol):
    """The web app's pages that messages link to (web.links.PublicLinks)."""

    def event(self, event_id: int) -> str: ...

    def statement(self, statement_id: int) -> str: ...


@dataclass(frozen=True)
class NotifierSettings:
    """What the notifier reads of the configuration: its own three sections, and where its links point."""

    notify: NotifySettings
    smtp: SmtpSettings
    channels: list[ChannelSettings]
    # The site the statements were crawled from, for the links in every message.
    site_url: str
    # The web app's pages, when it has a public address (http.public_url): each message links an event's page beside
    # the statement on the site, and the pages of related items. Given by the composition root; notify knows no web.
    links: PageLinks | None = None
