"""What every command shares: the settings and archive loaded on first use, `--config` after a command's name,
one-line errors for an archive that cannot be opened, and the options and output helpers of the listings."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from archive.db import Database
from archive.read.common import NotFound
from archive.unavailable import DatabaseUnavailable
from korus_watch import app as composition
from korus_watch.logs import configure_logging
from korus_watch.settings import ConfigError, Settings, load_settings


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


class App:
    """What every command needs: the settings and the archive, each loaded on first use, so that a --config given
    after the command's name counts as much as one before it."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
            configure_logging(self._settings.logging.level, self._settings.logging.format)
            self._settings.log_environment_overrides()
        return self._settings

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = composition.open_database(self.settings)
        return self._db

    def read(self, question: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.db.sessions() as session:
            try:
                return question(session, *args, **kwargs)
            except NotFound as exc:
                raise click.ClickException(str(exc)) from None


def _app(ctx: click.Context) -> App:
    app = ctx.find_object(App)
    assert app is not None, "the group makes the App before any command's options are read"
    return app


def _config_after_the_command(ctx: click.Context, _param: click.Parameter, path: Path | None) -> None:
    if path is not None:
        _app(ctx).config_path = path


class Command(click.Command):
    """A command, which takes --config after its name as well ("korus-watch status --config x.toml")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Eager: read before the options whose checks need the settings (--topic, --channel).
        self.params.append(click.Option(["--config"], type=click.Path(path_type=Path), expose_value=False,
                                        is_eager=True, callback=_config_after_the_command,
                                        help="TOML configuration file (here or before the command)."))


class Commands(click.Group):
    """The command group: an archive that cannot be opened is one line of advice, not a traceback."""

    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DatabaseUnavailable as exc:
            raise click.ClickException(str(exc)) from None


def known_topic(ctx: click.Context, _param: click.Parameter, topic: str | None) -> str | None:
    if topic is None:
        return None
    known = [t.name for t in _app(ctx).settings.enabled_topics()]
    if topic not in known:
        raise click.BadParameter(f"unknown topic {topic!r} (configured: {', '.join(known) or 'none'})")
    return topic


def topic_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--topic", callback=known_topic, help=help)


def known_sources(ctx: click.Context, _param: click.Parameter, names: tuple[str, ...]) -> tuple[str, ...]:
    known = _app(ctx).settings.source_names()
    for name in names:
        if name not in known:
            raise click.BadParameter(f"unknown source {name!r} (configured: {', '.join(known)})")
    return names


def source_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--source", "source_names", multiple=True, callback=known_sources, help=help)


def no_such_channel(name: str, known: Collection[str]) -> str:
    return f"no channel named {name!r} (configured: {', '.join(sorted(known)) or 'none'})"


def known_channel(ctx: click.Context, _param: click.Parameter, name: str | None) -> str | None:
    known = [channel.name for channel in _app(ctx).settings.channels]
    if name is not None and name not in known:
        raise click.BadParameter(no_such_channel(name, known))
    return name


def nothing_listed(what: str, *conditions: str | None) -> str:
    """"no events since 2026-11-01 about korus": what an empty listing says, with the filters it was given."""
    return " ".join(["no", what, *filter(None, conditions)])


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
