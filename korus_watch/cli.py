"""The korus-watch command line: the group, its options, and its commands (korus_watch.commands, one module per
job)."""

from __future__ import annotations

from pathlib import Path

import click

from archive.product import VERSION
from korus_watch.commands import crawling, delivering, evidence, reading, running, searching, status
from korus_watch.commands.common import App, Commands
from korus_watch.settings import CONFIG_ENV


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


for command in (
    crawling.crawl,
    reading.statements, reading.show, reading.history, reading.diff, reading.events, searching.search,
    status.status, status.sources,
    delivering.deliver, delivering.digest, delivering.notify_test, delivering.deliveries, delivering.retry,
    delivering.channels,
    running.serve, running.web,
    evidence.reextract, evidence.export, evidence.verify,
):
    main.add_command(command)
