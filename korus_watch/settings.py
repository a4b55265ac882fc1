"""The one typed settings object the command line loads: every package's sections, composed, from a TOML file
overridden by KORUS_WATCH_<SECTION>__<KEY> variables."""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from archive import relevance
from archive.models import PRESS_OFFICE
from archive.settings import (
    ArchiveSettings,
    DatabaseSettings,
    Section,
    TopicSettings,
    check_topics,
    enabled_topics,
)
from crawler.settings import CrawlSettings, SourcesSettings
from notify.settings import ChannelSettings, NotifierSettings, NotifySettings, SmtpSettings
from scheduler.settings import ServiceSettings
from web.links import PublicLinks
from web.settings import HttpSettings

CONFIG_ENV = "KORUS_WATCH_CONFIG"
ENV_PREFIX = "KORUS_WATCH_"

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the key."""


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["keyvalue", "json"] = "keyvalue"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", nested_model_default_partial_update=True
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    topics: dict[str, TopicSettings] = Field(default_factory=dict)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    channels: list[ChannelSettings] = Field(default_factory=list)
    http: HttpSettings = Field(default_factory=HttpSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    # The config file's keys that the environment overrides, as dotted names (set by load_settings).
    _overridden: list[str] = PrivateAttr(default_factory=list)

    @field_validator("topics")
    @classmethod
    def _custom_topics_have_rules(cls, topics: dict[str, TopicSettings]) -> dict[str, TopicSettings]:
        return check_topics(topics)

    @model_validator(mode="after")
    def _channels_are_named_once_and_know_their_topics(self) -> Settings:
        known_topics = {topic.name for topic in self.enabled_topics()}
        seen: set[str] = set()
        for channel in self.channels:
            if channel.name in seen:
                raise ValueError(f"two channels are named {channel.name!r}")
            seen.add(channel.name)
            unknown = sorted(set(channel.topics) - known_topics)
            if unknown:
                raise ValueError(f"channel {channel.name!r}: unknown or disabled topic {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _sources_are_named_once(self) -> Settings:
        seen = {PRESS_OFFICE}
        for entries in self.sources.by_kind().values():
            for entry in entries:
                if entry.name in seen:
                    taken = "is the press office's" if entry.name == PRESS_OFFICE else "names two sources"
                    raise ValueError(f"sources: the name {entry.name!r} {taken}")
                seen.add(entry.name)
        return self

    def source_names(self) -> list[str]:
        return [PRESS_OFFICE, *(entry.name for entries in self.sources.by_kind().values() for entry in entries)]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init arguments; the environment overrides it.
        return (env_settings, init_settings)

    def log_environment_overrides(self) -> None:
        """Says which of the file's keys the environment overrides (its value may be a secret: never shown), so that
        a value written in the file and silently unused is found. Logging must be configured first."""
        if self._overridden:
            log.warning("the environment overrides the config file's %s", ", ".join(
                f"{key} ({ENV_PREFIX}{key.replace('.', '__').upper()})" for key in self._overridden))

    def enabled_topics(self) -> list[relevance.Topic]:
        return enabled_topics(self.topics)

    def notifier(self) -> NotifierSettings:
        public_url = self.http.public_url
        return NotifierSettings(notify=self.notify, smtp=self.smtp, channels=self.channels,
                                site_url=self.crawl.base_url,
                                links=PublicLinks(str(public_url)) if public_url is not None else None)


def _describe(error: ErrorDetails, values: dict[str, Any]) -> str:
    location = list(error["loc"])
    channels = values.get("channels")
    if len(location) > 1 and location[0] == "channels" and isinstance(channels, list):
        # "channels[team-chat].url" says which channel, where "channels.3.url" would send the reader counting.
        index = location[1]
        entry = channels[index] if isinstance(index, int) and index < len(channels) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str):
            location[:2] = [f"channels[{name}]"]
    key = ".".join(str(part) for part in location) or "(top level)"
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    given = error.get("input")
    # The value is echoed only where it cannot be a secret: not for database URLs, SMTP settings or channels,
    # nor for an unknown key (a misspelt "password").
    secretive = error["loc"][:1] in (("database",), ("smtp",), ("channels",)) or error["type"] == "extra_forbidden"
    shown = "" if secretive or isinstance(given, (dict, list)) or given is None else f" (got {given!r})"
    return f"{key}: {message}{shown}"


def load_settings(config_path: Path | str | None = None) -> Settings:
    """Reads the TOML file (argument, else $KORUS_WATCH_CONFIG, else none) and the environment."""
    path = config_path or os.environ.get(CONFIG_ENV)
    values: dict[str, Any] = {}
    if path:
        path = Path(path)
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        settings = Settings(**values)
    except SettingsError as exc:
        # A list or table given in an environment variable must be JSON, e.g. '["press-releases"]'.
        raise ConfigError(f"config error in the environment: {exc} (lists and tables are written as JSON)") from None
    except ValidationError as exc:
        # All of them at once: fixing one to be shown the next is a slow way to a working configuration.
        problems = [_describe(error, values) for error in exc.errors()]
        if len(problems) == 1:
            raise ConfigError(f"config error: {problems[0]}") from None
        raise ConfigError("\n  ".join([f"{len(problems)} config errors:", *problems])) from None
    # The environment as the settings read it: what they would take from it, by key, parsed the same way.
    settings._overridden = _keys_in_both(values, EnvSettingsSource(Settings)())
    return settings


def _keys_in_both(file: dict[str, Any], environment: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in environment.items():
        if key not in file:
            continue
        if isinstance(value, dict) and isinstance(file[key], dict):
            keys += _keys_in_both(file[key], value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys
