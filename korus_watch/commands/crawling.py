"""Crawling: one poll of the sources into the archive."""

from __future__ import annotations

import sys

import click

from archive.db import ArchiveUnwritable
from archive.lock import CrawlInProgress
from archive.models import RunStatus
from korus_watch import app as composition
from korus_watch.commands.common import (
    App,
    Command,
)


@click.command(cls=Command)
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
