"""Alerts and digests: sending, previewing, testing channels, the delivery log and dead letters."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from archive.lock import JobInProgress
from archive.models import MAX_ID
from korus_watch import app as composition
from korus_watch.columns import columns
from korus_watch.commands.common import (
    App,
    Command,
    emit_json,
    json_option,
    known_channel,
    no_such_channel,
    nothing_listed,
)


def _dispatcher(app: App) -> Any:
    dispatcher = composition.dispatcher(app.db, app.settings)
    click.get_current_context().call_on_close(dispatcher.close)
    return dispatcher


def _report_line(report: Any) -> str:
    return (f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
            f"folded into summaries {report.folded}")


@click.command(cls=Command)
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


def _only_digest_channel(dispatcher: Any) -> str:
    names = sorted(name for name, channel_format in dispatcher.channels.working.items()
                   if channel_format.channel.mode == "digest")
    if len(names) == 1:
        return names[0]
    if not names:
        raise click.UsageError('no digest channel is configured: a [[channels]] table with mode = "digest" makes one')
    raise click.UsageError(f"give --channel NAME: the digest channels are {', '.join(names)}")


@click.command(cls=Command)
@click.option("--channel", "channel_name", help="The digest channel's name (default: the only digest channel).")
@click.option("--dry-run", is_flag=True, help="Print the digest (or write it to --out) and send nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="With --dry-run: write the rendered message (.eml or .json) into this directory.")
@click.pass_obj
def digest(app: App, channel_name: str | None, dry_run: bool, out_dir: Path | None) -> None:
    """Build a channel's digest of every event since its last one, and send it now."""
    dispatcher = _dispatcher(app)
    channel_name = channel_name or _only_digest_channel(dispatcher)
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


@click.command("notify-test", cls=Command)
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


@click.command(cls=Command)
@click.option("--failed", is_flag=True, help="Only dead letters: deliveries out of attempts, refused for good, or "
                                            "of unknown outcome (sent, never answered).")
@click.option("--channel", "channel_name", callback=known_channel, help="Only this channel's deliveries.")
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


@click.command(cls=Command)
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Requeue every dead letter.")
@click.pass_obj
def retry(app: App, ids: tuple[int, ...], all_failed: bool) -> None:
    """Put dead-lettered deliveries back in the queue; `deliver` then sends them."""
    from notify.deliveries import requeue_failed

    if bool(ids) == all_failed:
        raise click.UsageError("give delivery IDs or --all-failed")
    with app.db.sessions.begin() as session:
        # An id beyond MAX_ID is no delivery: listed below with the others that are not dead letters.
        requeued = requeue_failed(session, None if all_failed else [number for number in ids if number <= MAX_ID])
    missing = sorted(set(ids) - set(requeued))
    click.echo(f"requeued {len(requeued)}: {', '.join(map(str, requeued)) or 'none'}")
    if missing:
        raise click.ClickException(f"not dead letters (or no such delivery): {', '.join(map(str, missing))}")


@click.command(cls=Command)
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
