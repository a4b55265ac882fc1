"""Reading the archive: statements, one statement, its history and diffs, change events. Every listing and its JSON
come from the read model the web app and the API answer from (archive.read)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import click
from pydantic import BaseModel
from sqlalchemy.orm import Session

from archive.models import VersionOrigin
from archive.read.common import find_statement
from archive.read.diffs import numbered_diff
from archive.read.events import EventFilters, every_event
from archive.read.schemas import Diff, Segment, StatementDetail, TopicMatch
from archive.read.statements import StatementFilters, every_statement, statement_detail
from archive.significance import Significance
from korus_watch.columns import columns
from korus_watch.commands.common import (
    App,
    Command,
    emit_json,
    json_option,
    nothing_listed,
    parse_day,
    source_option,
    topic_option,
)


def emit_models(models: Iterable[BaseModel]) -> None:
    emit_json([model.model_dump(mode="json") for model in models])


def topic_names(topics: list[TopicMatch]) -> str:
    return ",".join(match.topic for match in topics) or "-"


def _detail(session: Session, reference: str) -> StatementDetail:
    return statement_detail(session, find_statement(session, reference).id)


@click.command(cls=Command)
@topic_option("Only statements relevant to this topic (e.g. korus).")
@click.option("--since", help="Only statements published on or after this date (YYYY-MM-DD).")
@source_option("Only items this source lists (repeatable).")
@json_option
@click.pass_obj
def statements(app: App, topic: str | None, since: str | None, source_names: tuple[str, ...], as_json: bool) -> None:
    """List archived items (press statements and every source's), newest first."""
    filters = StatementFilters(topic=topic, since=parse_day(since), sources=source_names)
    rows = app.read(lambda session: list(every_statement(session, filters)))
    if as_json:
        return emit_models(rows)
    if not rows:
        return click.echo(nothing_listed("statements", topic and f"about {topic}",
                                         since and f"published since {since}",
                                         f"from {', '.join(source_names)}" if source_names else None))
    table = [[str(row.id), str(row.published_on or "-"), row.source, topic_names(row.topics), row.status.value,
              row.title] for row in rows]
    for line in columns(["ID", "PUBLISHED", "SOURCE", "TOPICS", "STATUS", "TITLE"], table, right={0}):
        click.echo(line)


@click.command(cls=Command)
@click.argument("reference")
@json_option
@click.pass_obj
def show(app: App, reference: str, as_json: bool) -> None:
    """Show a statement by archive ID or URL."""
    detail: StatementDetail = app.read(_detail, reference)
    if as_json:
        return emit_json(detail.model_dump(mode="json"))
    click.echo(click.style(detail.title, bold=True))
    click.echo(f"{detail.published_on or 'no date'} · {detail.section} · {detail.status.value} · "
               f"version {detail.current.number} of {len(detail.versions)}")
    click.echo(detail.url)
    for match in detail.topics:
        click.echo(f"relevant to {match.topic} (score {match.score:g}): {', '.join(match.matched_terms)}")
    click.echo()
    click.echo(detail.current.body_text)


@click.command(cls=Command)
@click.argument("reference")
@json_option
@click.pass_obj
def history(app: App, reference: str, as_json: bool) -> None:
    """The versions of a statement and the change events between them."""
    detail: StatementDetail = app.read(_detail, reference)
    if as_json:
        return emit_json(detail.model_dump(mode="json", include={"id", "title", "url", "versions", "events"}))
    click.echo(click.style(detail.title, bold=True))
    for version in detail.versions:
        reread = f" (re-read by korus-watch {version.read_by})" if version.origin is VersionOrigin.REEXTRACTION else ""
        click.echo(f"version {version.number}: seen {version.first_seen_at:%Y-%m-%d %H:%M} to "
                   f"{version.last_seen_at:%Y-%m-%d %H:%M}{reread}  {version.title}")
    for event in detail.events:
        click.echo(f"event {event.id}: {event.kind.value} at {event.detected_at:%Y-%m-%d %H:%M} "
                   f"(version {event.from_version or '-'} -> {event.to_version or '-'})")


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


@click.command(cls=Command)
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
    result: Diff = app.read(
        lambda session: numbered_diff(session, find_statement(session, reference).id, from_number, to_number)
    )
    if as_json:
        return emit_json(result.model_dump(mode="json"))
    old, new = result.from_version, result.to_version
    if old.number == new.number:
        if from_number is None and to_number is None:
            return click.echo(f"statement {result.statement_id} has one version: nothing to compare")
        return click.echo(f"version {new.number} against itself: nothing to compare")
    if unified:
        return click.echo(result.unified)
    color = sys.stdout.isatty()
    click.echo(click.style(f"version {old.number} -> {new.number}: {new.title}", bold=True))
    if result.title_changed:
        click.echo(f"title: {old.title!r} -> {new.title!r}")
    if result.date_changed:
        click.echo(f"date: {old.published_on} -> {new.published_on}")
    click.echo()
    click.echo(render_segments(result.body_segments, color), color=color)


@click.command(cls=Command)
@click.option("--since", help="Only events detected on or after this date (YYYY-MM-DD).")
@topic_option("Only events about statements relevant to this topic.")
@source_option("Only events about items this source lists (repeatable).")
@click.option("--significance", type=click.Choice([level.value for level in Significance]),
              help="Only changes this significant or more (cosmetic < wording < substantive).")
@json_option
@click.pass_obj
def events(app: App, since: str | None, topic: str | None, source_names: tuple[str, ...], significance: str | None,
           as_json: bool) -> None:
    """List change events (new, edited, removed, restored), newest first, with how much each matters and why, and
    the topics each matched."""
    filters = EventFilters(topic=topic, start=parse_day(since), sources=source_names,
                           significance=Significance(significance) if significance else None)
    rows: list[Any] = app.read(lambda session: list(every_event(session, filters)))
    if as_json:
        return emit_models(rows)
    if not rows:
        return click.echo(nothing_listed("events", since and f"since {since}", topic and f"about {topic}",
                                         f"from {', '.join(source_names)}" if source_names else None,
                                         f"{significance} or more" if significance else None))
    table = [[str(row.id), f"{row.detected_at:%Y-%m-%d %H:%M}", row.kind.value, row.significance.value, row.source,
              topic_names(row.topics), f"#{row.statement_id}", row.title] for row in rows]
    header, *lines = columns(["ID", "DETECTED", "KIND", "SIGNIFICANCE", "SOURCE", "TOPICS", "STATEMENT", "TITLE"],
                             table, right={0})
    click.echo(header)
    for line, row in zip(lines, rows, strict=True):
        click.echo(line)
        if row.kind.value == "edited":  # why it matters, under it
            click.echo(f"    {row.summary}")
