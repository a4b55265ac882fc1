"""The configured channels, each built into its format; a channel that cannot work is reported, not fatal."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from notify.errors import ChannelError
from notify.formats import FORMATS, Format
from notify.settings import ChannelSettings, NotifierSettings
from notify.templates import Templates

log = logging.getLogger(__name__)


@dataclass
class Channels:
    working: dict[str, Format] = field(default_factory=dict)
    # Channel name -> why it cannot send. Its deliveries wait, nothing is lost, and every run says so.
    broken: dict[str, str] = field(default_factory=dict)


def build_channel(channel: ChannelSettings, settings: NotifierSettings, templates: Templates) -> Format:
    format_class = FORMATS.get(channel.type)
    if format_class is None:
        raise ChannelError(f"channel {channel.name!r}: unknown type {channel.type!r} "
                           f"(one of {', '.join(sorted(FORMATS))})")
    return format_class(channel, settings, templates)


def _built_channels(settings: NotifierSettings) -> Channels:
    templates = Templates(settings.notify.template_dir)
    channels = Channels()
    for channel in settings.channels:
        try:
            channels.working[channel.name] = build_channel(channel, settings, templates)
        except ChannelError as exc:
            channels.broken[channel.name] = str(exc)
    return channels


def build_channels(settings: NotifierSettings) -> Channels:
    """The channels to send with: a broken one is logged, since its messages wait until it is fixed."""
    channels = _built_channels(settings)
    for problem in channels.broken.values():
        log.error("channel broken: %s", problem)
    return channels


def channel_overview(settings: NotifierSettings) -> list[dict[str, Any]]:
    """Each configured channel as plain data, secrets masked, with why it cannot send (None when it can). It is a
    listing, which shows the problems: nothing is logged, as nothing waits on them here."""
    built = _built_channels(settings)
    rows = []
    for channel in settings.channels:
        row = channel.model_dump(mode="json")  # SecretStr fields dump as "**********"
        row["target"] = ", ".join(channel.to) if channel.to else row["url"] or "-"
        row["problem"] = built.broken.get(channel.name)
        rows.append(row)
    return rows
