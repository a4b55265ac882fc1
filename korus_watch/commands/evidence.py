"""The evidence: re-reading the stored responses with today's extractors, exporting them as WARC, verifying them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.lock import CrawlInProgress
from archive.read.common import day_start
from archive.snapshots.integrity import verify as verify_archive
from archive.snapshots.warc import export_warc
from korus_watch import app as composition
from korus_watch.commands.common import App, Command, parse_day, source_option


@click.command(cls=Command)
@source_option("Re-read only this source's items (repeatable; default: every source).")
@click.option("--dry-run", is_flag=True, help="Print what would change, and write nothing.")
@click.pass_obj
def reextract(app: App, source_names: tuple[str, ...], dry_run: bool) -> None:
    """Read every item's latest stored response again with today's extractors.

    Where the reading differs, a version is recorded as re-read by this release of korus-watch: no change event, no
    alert, no digest line. Ends with one line of counts; exits 1 when a stored response could not be re-read."""
    try:
        counts = composition.reextract(app.db, app.settings, list(source_names) or None, dry_run=dry_run,
                                       say=click.echo)
    except CrawlInProgress as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(counts.line(dry_run))
    if counts.unreadable:
        sys.exit(1)


@click.command(cls=Command)
@click.option("--warc", "path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Write the snapshots to this gzipped WARC 1.1 file (e.g. archive.warc.gz).")
@source_option("Only this source's snapshots (repeatable; default: every source).")
@click.option("--since", help="Only snapshots fetched on or after this day (YYYY-MM-DD, UTC).")
@click.pass_obj
def export(app: App, path: Path, source_names: tuple[str, ...], since: str | None) -> None:
    """Export the kept responses and what was read of them as a WARC file, for any web archive replay tool.

    Exits 1 when a stored body was damaged or lost: its snapshot is left out and named, the rest is written."""
    day = parse_day(since)
    partial = path.with_name(f"{path.name}.part")
    with partial.open("wb") as out:
        exported = app.read(export_warc, out, path.name, sources=source_names,
                            since=day_start(day) if day else None, say=click.echo)
    partial.replace(path)
    click.echo(exported.line(str(path)))
    if exported.problems:
        sys.exit(1)


@click.command(cls=Command)
@click.pass_obj
def verify(app: App) -> None:
    """Check every stored response: each body's SHA-256, and that every snapshot a version names is there.

    Names each problem (a body altered or lost, a missing snapshot) and exits 1 if there is any."""
    result = app.read(verify_archive)
    for problem in result.problems:
        click.echo(problem)
    click.echo(result.line())
    if result.problems:
        sys.exit(1)
