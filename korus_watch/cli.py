"""The korus-watch command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from archive.db import ArchiveUnwritable, Database
from archive.diffing import Segment
from archive.lock import CrawlInProgress, JobInProgress
from archive.models import RunStatus
from archive.product import VERSION
from archive.queries import NotFound, list_events, list_statements, show_statement, statement_diff, statement_history
from archive.unavailable import DatabaseUnavailable
from korus_watch import app as composition
from korus_watch.columns import columns
from korus_watch.logs import configure_logging
from korus_watch.settings import CONFIG_ENV, ConfigError, Settings, load_settings


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


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, "--version", prog_name="korus-watch")
@click.option("--config", "config_path", type=click.Path(path_type=Path), envvar=CONFIG_ENV,
              help=f"TOML configuration file (default: ${CONFIG_ENV}, else built-in defaults).")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Watches the USTR press office and archives every statement with its full version history."""
    app = App(config_path)
    ctx.obj = app
    ctx.call_on_close(lambda: app._db.dispose() if app._db else None)


def _known_topic(ctx: click.Context, _param: click.Parameter, topic: str | None) -> str | None:
    if topic is None:
        return None
    known = [t.name for t in _app(ctx).settings.enabled_topics()]
    if topic not in known:
        raise click.BadParameter(f"unknown topic {topic!r} (configured: {', '.join(known) or 'none'})")
    return topic


def topic_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--topic", callback=_known_topic, help=help)


def no_such_channel(name: str, known: Collection[str]) -> str:
    return f"no channel named {name!r} (configured: {', '.join(sorted(known)) or 'none'})"


def _known_channel(ctx: click.Context, _param: click.Parameter, name: str | None) -> str | None:
    known = [channel.name for channel in _app(ctx).settings.channels]
    if name is not None and name not in known:
        raise click.BadParameter(no_such_channel(name, known))
    return name


def nothing_listed(what: str, *conditions: str | None) -> str:
    """"no events since 2026-11-01 about korus": what an empty listing says, with the filters it was given."""
    return " ".join(["no", what, *filter(None, conditions)])


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@main.command()
@click.option("--full", is_flag=True, help="Re-check every statement and archive page now.")
@click.pass_obj
def crawl(app: App, full: bool) -> None:
    """Crawl the press office once and record what changed."""
    try:
        run = composition.crawl_once(app.db, app.settings, full=full)
    except CrawlInProgress as exc:
        raise click.ClickException(str(exc)) from None
    except ArchiveUnwritable as exc:
        raise click.ClickException(
            f"the crawl stopped: the archive cannot be written ({exc}), and its end could not be recorded either; "
            "free space or make the database writable, then crawl again"
        ) from None
    click.echo(
        f"crawl {run.id} {run.status.value}{' (baseline)' if run.baseline else ''}: new {run.new}, "
        f"edited {run.edited}, removed {run.removed}, restored {run.restored}, unchanged {run.unchanged}, "
        f"requests {run.requests}, 304s {run.not_modified}, errors {run.errors}; "
        f"{run.cpu_seconds or 0.0:.2f} s CPU"
    )
    if run.message:
        click.echo(run.message, err=True)
    if run.status is not RunStatus.SUCCEEDED:
        sys.exit(1)


@main.command()
@topic_option("Only statements relevant to this topic (e.g. korus).")
@click.option("--since", help="Only statements published on or after this date (YYYY-MM-DD).")
@json_option
@click.pass_obj
def statements(app: App, topic: str | None, since: str | None, as_json: bool) -> None:
    """List archived statements, newest first."""
    rows = app.read(list_statements, topic=topic, since=_day(since))
    if as_json:
        return emit_json(rows)
    if not rows:
        return click.echo(nothing_listed("statements", topic and f"about {topic}",
                                         since and f"published since {since}"))
    table = [[str(row["id"]), str(row["published_on"] or "-"), ",".join(row["topics"]) or "-", row["status"],
              row["title"]] for row in rows]
    for line in columns(["ID", "PUBLISHED", "TOPICS", "STATUS", "TITLE"], table, right={0}):
        click.echo(line)


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
@click.option("--from", "from_number", type=click.IntRange(min=1),
              help="Older version number (default: the one before --to).")
@click.option("--to", "to_number", type=click.IntRange(min=1), help="Newer version number (default: the newest).")
@click.option("--unified", is_flag=True, help="Show a unified line diff instead of word changes.")
@json_option
@click.pass_obj
def diff(app: App, reference: str, from_number: int | None, to_number: int | None, unified: bool,
         as_json: bool) -> None:
    """What changed between two versions of a statement."""
    result = app.read(statement_diff, reference, from_number, to_number)
    if as_json:
        return emit_json(result.as_dict())
    if result.old.number == result.new.number:
        if from_number is None and to_number is None:
            return click.echo(f"statement {result.statement_id} has one version: nothing to compare")
        return click.echo(f"version {result.new.number} against itself: nothing to compare")
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
@topic_option("Only events about statements relevant to this topic.")
@json_option
@click.pass_obj
def events(app: App, since: str | None, topic: str | None, as_json: bool) -> None:
    """List change events (new, edited, removed, restored), newest first, with the topics each matched."""
    rows = app.read(list_events, since=_day(since), topic=topic)
    if as_json:
        return emit_json(rows)
    if not rows:
        return click.echo(nothing_listed("events", since and f"since {since}", topic and f"about {topic}"))
    table = [[str(row["id"]), f"{row['detected_at']:%Y-%m-%d %H:%M}", row["kind"], ",".join(row["topics"]) or "-",
              f"#{row['statement_id']}", row["title"]] for row in rows]
    for line in columns(["ID", "DETECTED", "KIND", "TOPICS", "STATEMENT", "TITLE"], table, right={0}):
        click.echo(line)


# `korus-watch status` exits with these, for scripts and monitors (1 and 2 stay click's: an error, a usage error).
STATUS_OK = 0
STATUS_LAST_CRAWL_FAILED = 3
STATUS_HEALTH_PROBLEM = 4


def status_exit_code(data: dict[str, Any]) -> int:
    """An open health problem outranks a failed crawl: it is what needs a person."""
    if data["health_problems"]:
        return STATUS_HEALTH_PROBLEM
    run = data["last_run"]
    if run is not None and run["status"] in (RunStatus.FAILED, RunStatus.INTERRUPTED):
        return STATUS_LAST_CRAWL_FAILED
    return STATUS_OK


@main.command()
@json_option
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """The last crawl, archive counts, the delivery queue, the service's jobs, and open health problems.

    Exits 0 when all is well, 3 when the last crawl failed or was interrupted, 4 while a health problem is open."""
    data = app.read(composition.status)
    if as_json:
        emit_json(data)
    else:
        print_status(app, data)
    sys.exit(status_exit_code(data))


def print_status(app: App, data: dict[str, Any]) -> None:
    click.echo(f"archive: {app.db.url}")
    run = data["last_run"]
    if run is None:
        click.echo("no crawl yet")
    else:
        click.echo(f"last crawl: #{run['id']} {run['status']} at {run['started_at']:%Y-%m-%d %H:%M} UTC: "
                   f"new {run['new']}, edited {run['edited']}, removed {run['removed']}, "
                   f"unchanged {run['unchanged']}, requests {run['requests']}, 304s {run['not_modified']}, "
                   f"errors {run['errors']}")
    last_success = data["last_success_at"]
    click.echo(f"last successful crawl: {f'{last_success:%Y-%m-%d %H:%M} UTC' if last_success else 'never'}")
    click.echo(f"statements: {data['statements']['active']} active, {data['statements']['removed']} removed; "
               f"{data['versions']} versions; {data['events']} events")
    queue = data["deliveries"]
    click.echo(f"deliveries: {queue.get('pending', 0)} pending, {queue.get('sending', 0)} sending, "
               f"{queue.get('held', 0)} held for digests, {queue.get('failed', 0)} failed, "
               f"{queue.get('unknown', 0)} of unknown outcome")
    for job in data["jobs"]:
        next_run = f"{job['next_run_at']:%Y-%m-%d %H:%M:%S} UTC" if job["next_run_at"] else "paused"
        click.echo(f"job {job['id']}: next run {next_run}")
    for error in data["last_run_errors"]:
        click.echo(f"error in last crawl: {error['kind']} {error['url']}: {error['message']}")
    if not data["health_problems"]:
        click.echo("health: ok")
    for problem in data["health_problems"]:
        click.echo(click.style(f"HEALTH PROBLEM {problem['kind']} since {problem['opened_at']:%Y-%m-%d %H:%M}: "
                               f"{problem['message']}", fg="red"))


def _dispatcher(app: App) -> Any:
    dispatcher = composition.dispatcher(app.db, app.settings)
    click.get_current_context().call_on_close(dispatcher.close)
    return dispatcher


def _report_line(report: Any) -> str:
    return (f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
            f"folded into summaries {report.folded}")


@main.command()
@click.pass_obj
def deliver(app: App) -> None:
    """Send every due alert and retry (instant channels, admin alerts, digests waiting for a retry)."""
    dispatcher = _dispatcher(app)
    try:
        report = dispatcher.deliver()
    except JobInProgress as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"deliver: {_report_line(report)}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        sys.exit(1)


def _working_channel(dispatcher: Any, name: str) -> Any:
    channels = dispatcher.channels
    if name in channels.broken:
        raise click.ClickException(channels.broken[name])
    if name not in channels.working:
        raise click.ClickException(no_such_channel(name, channels.working))
    return channels.working[name]


@main.command()
@click.option("--channel", "channel_name", required=True, help="The digest channel's name.")
@click.option("--dry-run", is_flag=True, help="Print the digest (or write it to --out) and send nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="With --dry-run: write the rendered message (.eml or .json) into this directory.")
@click.pass_obj
def digest(app: App, channel_name: str, dry_run: bool, out_dir: Path | None) -> None:
    """Build a channel's digest of every event since its last one, and send it now."""
    dispatcher = _dispatcher(app)
    channel_format = _working_channel(dispatcher, channel_name)
    if channel_format.channel.mode != "digest":
        raise click.ClickException(f"channel {channel_name!r} is an instant channel; `deliver` sends its alerts")
    if out_dir is not None and not dry_run:
        raise click.UsageError("--out goes with --dry-run")
    if dry_run:
        content = dispatcher.preview_digest(channel_name)
        if content is None:
            click.echo(f"no events for channel {channel_name} since its last digest: nothing would be sent")
            return
        rendered = channel_format.render(content)
        if out_dir is None:
            click.echo(rendered.preview)
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"digest-{channel_name}{rendered.suffix}"
        path.write_bytes(rendered.body)
        click.echo(f"wrote {path} ({len(content.items)} events; nothing sent)")
        return
    digest_id, report = dispatcher.digest(channel_name)
    if digest_id is None:
        click.echo(f"no events for channel {channel_name} since its last digest: nothing sent")
        return
    if not (report.sent or report.retrying or report.failed):
        click.echo(f"digest {digest_id} for {channel_name} is queued: another sender is running and will send it")
        return
    click.echo(f"digest {digest_id} for {channel_name}: {_report_line(report)}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.sent == 0:
        sys.exit(1)


@main.command("notify-test")
@click.argument("channel_name")
@click.pass_obj
def notify_test(app: App, channel_name: str) -> None:
    """Send a clearly marked test message to a channel and show the server's answer."""
    from archive.models import utcnow
    from notify.content import Content
    from notify.errors import DeliveryError
    from notify.outbox import new_key

    channel_format = _working_channel(_dispatcher(app), channel_name)
    content = Content(kind="test", channel=channel_name, idempotency_key=new_key(), created_at=utcnow(),
                      site_url=app.settings.crawl.base_url)
    try:
        answer = channel_format.send(channel_format.render(content), content)
    except DeliveryError as exc:
        raise click.ClickException(f"test message not delivered: {exc}") from None
    click.echo(f"test message sent to {channel_name}: {answer}")


@main.command()
@click.option("--failed", is_flag=True, help="Only dead letters: deliveries out of attempts, refused for good, or "
                                            "of unknown outcome (sent, never answered).")
@click.option("--channel", "channel_name", callback=_known_channel, help="Only this channel's deliveries.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many, newest first.")
@json_option
@click.pass_obj
def deliveries(app: App, failed: bool, channel_name: str | None, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    from notify.deliveries import list_deliveries

    rows = app.read(list_deliveries, failed=failed, channel=channel_name, limit=limit)
    if as_json:
        return emit_json(rows)
    if not rows:
        return click.echo(nothing_listed("failed deliveries" if failed else "deliveries",
                                         channel_name and f"for channel {channel_name}"))
    for row in rows:
        subject = row["event"]["title"] if row["event"] else f"{row['items']} events" if row["items"] else ""
        when = row["sent_at"] or row["next_attempt_at"] or row["created_at"]
        click.echo(f"{row['id']:>6}  {row['channel']:<16} {row['kind']:<7} {row['status']:<8} "
                   f"attempts {row['attempts']}  {when:%Y-%m-%d %H:%M}  {subject}")
        if row["status"] in ("failed", "unknown") and row["last_error"]:
            click.echo(f"        {row['last_error']}")


@main.command()
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Requeue every dead letter.")
@click.pass_obj
def retry(app: App, ids: tuple[int, ...], all_failed: bool) -> None:
    """Put dead-lettered deliveries back in the queue; `deliver` then sends them."""
    from notify.deliveries import requeue_failed

    if bool(ids) == all_failed:
        raise click.UsageError("give delivery IDs or --all-failed")
    with app.db.sessions.begin() as session:
        requeued = requeue_failed(session, None if all_failed else list(ids))
    missing = sorted(set(ids) - set(requeued))
    click.echo(f"requeued {len(requeued)}: {', '.join(map(str, requeued)) or 'none'}")
    if missing:
        raise click.ClickException(f"not dead letters (or no such delivery): {', '.join(map(str, missing))}")


@main.command()
@json_option
@click.pass_obj
def channels(app: App, as_json: bool) -> None:
    """The configured channels, secrets masked, and whether each can send."""
    from notify.channels import channel_overview

    rows = channel_overview(app.settings.notifier())
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo("no channels configured")
    else:
        table = [[row["name"], row["type"],
                  row["mode"] + (f" {row['schedule']} {row['timezone']}" if row["mode"] == "digest" else ""),
                  ",".join(row["topics"]) or "all statements", row["target"],
                  f"BROKEN: {row['problem']}" if row["problem"] else "ok"] for row in rows]
        for line in columns(["NAME", "TYPE", "MODE", "TOPICS", "TARGET", "STATE"], table):
            click.echo(line)
    if any(row["problem"] for row in rows):
        sys.exit(1)


@main.command()
@click.pass_obj
def serve(app: App) -> None:
    """Run the service: polls, instant alerts, digests and housekeeping on their schedules, until SIGTERM."""
    sys.exit(composition.serve(app.settings))


@main.command()
@click.pass_obj
def web(app: App) -> None:
    """Serve the web app alone: pages, search, feeds and API over the archive (no scheduler, no crawling)."""
    composition.serve_web(app.db, app.settings)
