"""`korus-watch status`: the archive, the delivery queue, the jobs and the health problems, with exit codes for
scripts and monitors."""

from __future__ import annotations

import sys
from typing import Any

import click

from archive.models import RunStatus
from archive.read.runs import source_overview
from korus_watch import app as composition
from korus_watch.columns import columns
from korus_watch.commands.common import (
    App,
    Command,
    emit_json,
    json_option,
)

# `korus-watch status` exits with these, for scripts and monitors (1 and 2 stay click's: an error, a usage error).
STATUS_OK = 0
STATUS_LAST_CRAWL_FAILED = 3
STATUS_HEALTH_PROBLEM = 4


def status_exit_code(data: dict[str, Any]) -> int:
    """An open health problem outranks a failed crawl: it is what needs a person. A crawl counts when it is some
    source's last."""
    if data["health_problems"]:
        return STATUS_HEALTH_PROBLEM
    last_runs = [source["last_poll"] for source in data["sources"] if source["last_poll"] is not None]
    if any(run["status"] in (RunStatus.FAILED, RunStatus.INTERRUPTED) for run in last_runs):
        return STATUS_LAST_CRAWL_FAILED
    return STATUS_OK


@click.command(cls=Command)
@json_option
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Each source's last crawl, archive counts, the delivery queue, the service's jobs, and open health problems.

    Exits 0 when all is well, 3 when a source's last crawl failed or was interrupted, 4 while a health problem is
    open."""
    data = app.read(composition.status, app.settings)
    if as_json:
        emit_json(data)
    else:
        print_status(app, data)
    sys.exit(status_exit_code(data))


def print_status(app: App, data: dict[str, Any]) -> None:
    click.echo(f"archive: {app.db.url}")
    for source in data["sources"]:
        run = source["last_poll"]
        if run is None:
            click.echo(f"{source['name']}: no crawl yet")
            continue
        click.echo(f"{source['name']}: {source['items']} items; last crawl #{run['id']} {run['status']} at "
                   f"{run['started_at']:%Y-%m-%d %H:%M} UTC: new {run['new']}, edited {run['edited']}, "
                   f"removed {run['removed']}, unchanged {run['unchanged']}, requests {run['requests']}, "
                   f"304s {run['not_modified']}, errors {run['errors']}")
    last_success = data["last_success_at"]
    click.echo(f"last successful crawl: {f'{last_success:%Y-%m-%d %H:%M} UTC' if last_success else 'never'}")
    click.echo(f"statements: {data['statements']['active']} active, {data['statements']['removed']} removed; "
               f"{data['versions']} versions; {data['events']} events")
    queue = data["deliveries"]
    click.echo(f"deliveries: {queue.get('pending', 0)} pending, {queue.get('sending', 0)} sending, "
               f"{queue.get('held', 0)} held for digests, {queue.get('quiet', 0)} held for quiet hours, "
               f"{queue.get('failed', 0)} failed, "
               f"{queue.get('unknown', 0)} of unknown outcome")
    for job in data["jobs"]:
        next_run = f"{job['next_run_at']:%Y-%m-%d %H:%M:%S} UTC" if job["next_run_at"] else "paused"
        click.echo(f"job {job['id']}: next run {next_run}")
    for error in data["last_run_errors"]:
        click.echo(f"error in last crawl: {error['kind']} {error['url']}: {error['message']}")
    if not data["health_problems"]:
        click.echo("health: ok")
    for problem in data["health_problems"]:
        where = f" of {problem['source']}" if problem["source"] else ""
        click.echo(click.style(f"HEALTH PROBLEM {problem['kind']}{where} since "
                               f"{problem['opened_at']:%Y-%m-%d %H:%M}: {problem['message']}", fg="red"))


@click.command(cls=Command)
@json_option
@click.pass_obj
def sources(app: App, as_json: bool) -> None:
    """The configured sources: each one's kind, items, last poll and open problems."""
    kinds = {source.name: source.kind.name for source in composition.sources(app.settings)}
    rows = [{"name": row["name"], "kind": kinds[row["name"]], **{k: v for k, v in row.items() if k != "name"}}
            for row in app.read(source_overview, list(kinds))]
    if as_json:
        return emit_json(rows)
    table = []
    for row in rows:
        run = row["last_poll"]
        last = f"#{run['id']} {run['status']} {run['started_at']:%Y-%m-%d %H:%M}" if run else "never"
        problems = ", ".join(problem["kind"] for problem in row["problems"]) or "-"
        table.append([row["name"], row["kind"], str(row["items"]), last, problems])
    for line in columns(["NAME", "KIND", "ITEMS", "LAST POLL", "PROBLEMS"], table, right={2}):
        click.echo(line)
