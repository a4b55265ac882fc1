"""Crawling: one poll of the sources into the archive."""

from __future__ import annotations

import sys

import click

from archive.db import ArchiveUnwritable
from archive.lock import CrawlInProgress
from archive.models import RunStatus
from korus_watch import app as composition
from korus_watch.commands.common import App, Command, source_option


@click.command(cls=Command)
@click.option("--full", is_flag=True, help="Re-check every item and archive page now.")
@source_option("Poll only this source (repeatable; default: every source).")
@click.pass_obj
def crawl(app: App, full: bool, source_names: tuple[str, ...]) -> None:
    """Poll every source once (at the same time) and record what changed."""
    try:
        runs = composition.crawl_once(app.db, app.settings, list(source_names) or None, full=full)
    except CrawlInProgress as exc:
        raise click.ClickException(str(exc)) from None
    except ArchiveUnwritable as exc:
        raise click.ClickException(
            f"the crawl stopped: the archive cannot be written ({exc}), and its end could not be recorded either; "
            "free space or make the database writable, then crawl again"
        ) from None
    for run in runs:
        click.echo(
            f"crawl {run.id} {run.status.value}{' (baseline)' if run.baseline else ''} of {run.source}: "
            f"new {run.new}, edited {run.edited}, removed {run.removed}, restored {run.restored}, "
            f"unchanged {run.unchanged}, requests {run.requests}, 304s {run.not_modified}, errors {run.errors}; "
            f"{run.cpu_seconds or 0.0:.2f} s CPU"
        )
        if run.message:
            click.echo(f"{run.source}: {run.message}", err=True)
    if any(run.status is not RunStatus.SUCCEEDED for run in runs):
        sys.exit(1)
