"""The long-running processes: the service, and the web app alone."""

from __future__ import annotations

import sys

import click

from korus_watch import app as composition
from korus_watch.commands.common import (
    App,
    Command,
)


@click.command(cls=Command)
@click.pass_obj
def serve(app: App) -> None:
    """Run the service: polls, instant alerts, digests and housekeeping on their schedules, until SIGTERM."""
    sys.exit(composition.serve(app.settings))


@click.command(cls=Command)
@click.option("--host", help="Listen on this address instead of http.host.")
@click.option("--port", type=click.IntRange(0, 65535), help="Listen on this port instead of http.port.")
@click.pass_obj
def web(app: App, host: str | None, port: int | None) -> None:
    """Serve the web app alone: pages, search, feeds and API over the archive (no scheduler, no crawling)."""
    composition.serve_web(app.db, app.settings, host=host, port=port)
