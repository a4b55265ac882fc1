"""The one typed settings object: a TOML file overridden by KORUS_WATCH_<SECTION>__<KEY> variables."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from archive import relevance

CONFIG_ENV = "KORUS_WATCH_CONFIG"
DEFAULT_SECTIONS = ("press-releases", "fact-sheets", "speeches-and-remarks")


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    # None means SQLite in the per-user data directory (see archive.db.default_database_url).
    url: str | None = None


class CrawlSettings(_Section):
    base_url: str = "https://ustr.gov"
    # Press-office section names (".../press-office/<name>") or root-relative paths of other listings.
    sections: list[str] = Field(default_factory=lambda: list(DEFAULT_SECTIONS), min_length=1)
    user_agent: str = "korus-watch/0.1 (+https://github.com/korus-watch/korus-watch)"
    concurrent_requests: int = Field(default=8, ge=1, le=64)
    autothrottle: bool = True
    obey_robots_txt: bool = True
    verify_tls: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0)
    retry_times: int = Field(default=2, ge=0)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024)
    interval_minutes: float = Field(default=15.0, gt=0)
    # A poll that runs longer is stopped and recorded as failed.
    timeout_minutes: float = Field(default=30.0, gt=0)
    full_revisit_hours: float = Field(default=24.0, gt=0)
    removal_confirmations: int = Field(default=2, ge=1)
    # The redesign guard: a run in which more than this share of statement pages fails extraction,
    # or of re-checked known statements changes, records one health problem instead of events.
    guard_share: float = Field(default=0.5, gt=0, le=1)
    guard_min_pages: int = Field(default=5, ge=1)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class RuleSettings(_Section):
    term: str | None = None
    phrase: str | None = None
    regex: str | None = None
    weight: float = 1.0
    context: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one_pattern(self) -> RuleSettings:
        given = [kind for kind in ("term", "phrase", "regex") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError("a rule needs exactly one of term, phrase or regex")
        relevance.compile_rule(self.to_rule())
        return self

    def to_rule(self) -> relevance.Rule:
        kind: relevance.RuleKind = next(k for k in ("term", "phrase", "regex") if getattr(self, k) is not None)
        return relevance.Rule(
            pattern=getattr(self, kind), kind=kind, weight=self.weight, context=tuple(self.context)
        )


class TopicSettings(_Section):
    enabled: bool = True
    threshold: float | None = None
    # Empty rules on the built-in topic keep its built-in rules.
    rules: list[RuleSettings] = Field(default_factory=list)
    exclude: list[RuleSettings] = Field(default_factory=list)


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["keyvalue", "json"] = "keyvalue"


class HttpSettings(_Section):
    """`korus-watch serve`'s health and metrics endpoint."""

    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)


class ServiceSettings(_Section):
    shutdown_grace_seconds: float = Field(default=30.0, gt=0)
    # Crawl-run records and the delivery log are pruned after this long; statement versions are kept forever.
    retention_days: int = Field(default=90, ge=1)
    # How often due retries and queued digests are looked for between polls.
    delivery_sweep_seconds: float = Field(default=60.0, gt=0)
    # Each poll starts up to this much later than its interval says, so that instances and sites are not hit
    # in lockstep.
    poll_jitter_seconds: float = Field(default=30.0, ge=0)
    # PostgreSQL: how often a standby instance tries to take over the scheduler from a leader that is gone.
    leader_check_seconds: float = Field(default=10.0, gt=0)


class SmtpSettings(_Section):
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


ChannelMode = Literal["digest", "instant"]
EventName = Literal["new", "edited", "removed", "restored"]


def _every_event() -> list[EventName]:
    return ["new", "edited", "removed", "restored"]


class ChannelSettings(_Section):
    """One destination. Its filters are checked here; its type, address and schedule when the channel is built
    (notify.channels), so that one broken channel is reported by name and never stops the others."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    type: str
    mode: ChannelMode = "instant"
    to: list[str] = Field(default_factory=list)
    url: SecretStr | None = None
    secret: SecretStr | None = None
    schedule: str | None = None
    timezone: str = "UTC"
    topics: list[str] = Field(default_factory=list)
    events: list[EventName] = Field(default_factory=_every_event)
    # Admin channels also get one alert when the archive's health breaks (a redesign, the site down) and mends.
    admin: bool = False
    max_per_hour: int = Field(default=20, ge=2)

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


class NotifySettings(_Section):
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KORUS_WATCH_", env_nested_delimiter="__", extra="forbid", nested_model_default_partial_update=True
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    topics: dict[str, TopicSettings] = Field(default_factory=dict)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    channels: list[ChannelSettings] = Field(default_factory=list)
    http: HttpSettings = Field(default_factory=HttpSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)

    @field_validator("topics")
    @classmethod
    def _custom_topics_have_rules(cls, topics: dict[str, TopicSettings]) -> dict[str, TopicSettings]:
        for name, topic in topics.items():
            if name != relevance.KORUS.name and not topic.rules:
                raise ValueError(f"topic {name!r} has no rules")
        return topics

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

    def enabled_topics(self) -> list[relevance.Topic]:
        """The configured topics; the built-in one is on unless disabled, and keeps its rules unless given others."""
        configured = {relevance.KORUS.name: TopicSettings(), **self.topics}
        return [_topic(name, topic) for name, topic in configured.items() if topic.enabled]


def _topic(name: str, configured: TopicSettings) -> relevance.Topic:
    builtin = relevance.KORUS if name == relevance.KORUS.name else relevance.Topic(name=name, rules=())
    return relevance.Topic(
        name=name,
        rules=tuple(r.to_rule() for r in configured.rules) or builtin.rules,
        exclude=tuple(r.to_rule() for r in configured.exclude) or builtin.exclude,
        threshold=builtin.threshold if configured.threshold is None else configured.threshold,
    )


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
        return Settings(**values)
    except SettingsError as exc:
        # A list or table given in an environment variable must be JSON, e.g. '["press-releases"]'.
        raise ConfigError(f"config error in the environment: {exc} (lists and tables are written as JSON)") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"config error: {_describe(first, values)}{more}") from None
