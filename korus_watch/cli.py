"""The korus-watch command line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from archive.db import Database
from archive.diffing import Segment
from archive.lock import CrawlInProgress
from archive.queries import (
    NotFound,
    archive_status,
    list_events,
    list_statements,
    show_statement,
    statement_diff,
    statement_history,
)
from korus_watch.settings import CONFIG_ENV, ConfigError, Settings, load_settings

log = logging.getLogger("korus_watch")


def _library_record_worth_showing(record: logging.LogRecord) -> bool:
    # Scrapy resets its loggers to DEBUG whenever a crawl starts, so this filters on the handler.
    library = record.name.split(".", 1)[0] in ("scrapy", "twisted", "py", "alembic")
    return not library or record.levelno >= logging.WARNING


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_library_record_worth_showing)
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


class App:
    """What every command needs: the settings, and the archive opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.database.url)
        return self._db

    def read(self, question: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.db.sessions() as session:
            try:
                return question(session, *args, **kwargs)
            except NotFound as exc:
                raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar=CONFIG_ENV,
              help=f"TOML configuration file (default: ${CONFIG_ENV}, else built-in defaults).")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Watches the USTR press office and archives every statement with its full version history."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.logging.level)
    app = App(settings)
    ctx.obj = app
    ctx.call_on_close(lambda: app._db.dispose() if app._db else None)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@main.command()
@click.option("--full", is_flag=True, help="Re-check every statement and archive page now.")
@click.pass_obj
def crawl(app: App, full: bool) -> None:
    """Crawl the press office once and record what changed."""
    from crawler.run import run_crawl

    try:
        run = run_crawl(app.settings, full=full)
    except CrawlInProgress as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"crawl {run.id} {run.status.value}{' (baseline)' if run.baseline else ''}: new {run.new}, "
        f"edited {run.edited}, removed {run.removed}, restored {run.restored}, unchanged {run.unchanged}, "
        f"requests {run.requests}, 304s {run.not_modified}, errors {run.errors}; "
        f"{run.cpu_seconds or 0.0:.2f} s CPU"
    )
    if run.message:
        click.echo(run.message, err=True)
    if run.status.value != "succeeded":
        sys.exit(1)


@main.command()
@click.option("--topic", help="Only statements relevant to this topic (e.g. korus).")
@click.option("--since", help="Only statements published on or after this date (YYYY-MM-DD).")
@json_option
@click.pass_obj
def statements(app: App, topic: str | None, since: str | None, as_json: bool) -> None:
    """List archived statements, newest first."""
    rows = app.read(list_statements, topic=topic, since=_day(since))
    if as_json:
        return emit_json(rows)
    for row in rows:
        topics = ",".join(row["topics"]) or "-"
        status = "" if row["status"] == "active" else f" [{row['status']}]"
        click.echo(f"{row['id']:>6}  {row['published_on'] or '          '}  {topics:<8} {row['title']}{status}")


@main.command()
@click.argument("reference")
@json_option
@click.pass_obj
def show(app: App, reference: str, as_json: bool) -> None:
    """Show a statement by archive ID or URL."""
    data = app.read(show_statement, reference)
    if as_json:
        return emit_json(data)
    click.echo(click.style(data["title"], bold=True))
    click.echo(f"{data['published_on'] or 'no date'} · {data['section']} · {data['status']} · "
               f"version {data['version']['number']} of {data['versions']}")
    click.echo(data["url"])
    for topic, match in data["topics"].items():
        click.echo(f"relevant to {topic} (score {match['score']:g}): {', '.join(match['matched_terms'])}")
    click.echo()
    click.echo(data["body_text"])


@main.command()
@click.argument("reference")
@json_option
@click.pass_obj
def history(app: App, reference: str, as_json: bool) -> None:
    """The versions of a statement and the change events between them."""
    data = app.read(statement_history, reference)
    if as_json:
        return emit_json(data)
    click.echo(click.style(data["title"], bold=True))
    for version in data["versions"]:
        click.echo(f"version {version['number']}: seen {version['first_seen_at']:%Y-%m-%d %H:%M} to "
                   f"{version['last_seen_at']:%Y-%m-%d %H:%M}  {version['title']}")
    for event in data["events"]:
        click.echo(f"event {event['id']}: {event['kind']} at {event['detected_at']:%Y-%m-%d %H:%M} "
                   f"(version {event['from_version'] or '-'} -> {event['to_version'] or '-'})")


def render_segments(segments: list[Segment], color: bool) -> str:
    """Track changes: colored on a terminal, wdiff's [-deleted-] and {+inserted+} marks elsewhere."""
    parts = []
    for segment in segments:
        if segment.op == "equal":
            parts.append(segment.text)
        elif color:
            parts.append(click.style(segment.text, fg="red" if segment.op == "delete" else "green",
                                     strikethrough=segment.op == "delete", underline=segment.op == "insert"))
        else:
            parts.append(f"[-{segment.text}-]" if segment.op == "delete" else f"{{+{segment.text}+}}")
    return "".join(parts)


@main.command()
@click.argument("reference")
@click.option("--from", "from_number", type=int, help="Older version number (default: the one before --to).")
@click.option("--to", "to_number", type=int, help="Newer version number (default: the newest).")
@click.option("--unified", is_flag=True, help="Show a unified line diff instead of word changes.")
@json_option
@click.pass_obj
def diff(app: App, reference: str, from_number: int | None, to_number: int | None, unified: bool,
         as_json: bool) -> None:
    """What changed between two versions of a statement."""
    result = app.read(statement_diff, reference, from_number, to_number)
    if as_json:
        return emit_json(result.as_dict())
    if unified:
        return click.echo(result.unified)
    color = sys.stdout.isatty()
    old, new = result.old, result.new
    click.echo(click.style(f"version {old.number} -> {new.number}: {new.title}", bold=True))
    if result.title_changed:
        click.echo(f"title: {old.title!r} -> {new.title!r}")
    if result.date_changed:
        click.echo(f"date: {old.published_on} -> {new.published_on}")
    click.echo()
    click.echo(render_segments(result.body_segments, color), color=color)


@main.command()
@click.option("--since", help="Only events detected on or after this date (YYYY-MM-DD).")
@click.option("--topic", help="Only events about statements relevant to this topic.")
@json_option
@click.pass_obj
def events(app: App, since: str | None, topic: str | None, as_json: bool) -> None:
    """List change events (new, edited, removed, restored), newest first."""
    rows = app.read(list_events, since=_day(since), topic=topic)
    if as_json:
        return emit_json(rows)
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['detected_at']:%Y-%m-%d %H:%M}  {row['kind']:<8}  "
                   f"#{row['statement_id']} {row['title']}")


@main.command()
@json_option
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """The last crawl, archive counts, and open health problems."""
    data = app.read(archive_status)
    if as_json:
        return emit_json(data)
    click.echo(f"archive: {app.db.url}")
    run = data["last_run"]
    if run is None:
        click.echo("no crawl yet")
    else:
        click.echo(f"last crawl: #{run['id']} {run['status']} at {run['started_at']:%Y-%m-%d %H:%M} UTC: "
                   f"new {run['new']}, edited {run['edited']}, removed {run['removed']}, "
                   f"unchanged {run['unchanged']}, requests {run['requests']}, 304s {run['not_modified']}, "
                   f"errors {run['errors']}")
    click.echo(f"last successful crawl: {data['last_success_at'] or 'never'}")
    click.echo(f"statements: {data['statements']['active']} active, {data['statements']['removed']} removed; "
               f"{data['versions']} versions; {data['events']} events")
    for error in data["last_run_errors"]:
        click.echo(f"error in last crawl: {error['kind']} {error['url']}: {error['message']}")
    if not data["health_problems"]:
        click.echo("health: ok")
    for problem in data["health_problems"]:
        click.echo(click.style(f"HEALTH PROBLEM {problem['kind']} since {problem['opened_at']:%Y-%m-%d %H:%M}: "
                               f"{problem['message']}", fg="red"))
