"""`korus-watch search`: the archive searched as the web app's search box and the API search it (archive.read), with
the same query language and the same JSON."""

from __future__ import annotations

import sys

import click

from archive.read.query import BadSearch, SearchQuery
from archive.read.schemas import Piece, StatementHit
from archive.read.statements import StatementFilters, list_statements
from korus_watch.columns import columns
from korus_watch.commands.common import App, Command, json_option, source_option, topic_option
from korus_watch.commands.reading import emit_models


def marked(pieces: list[Piece] | None, color: bool) -> str:
    """A title or snippet with the matched words in bold on a terminal, in [brackets] elsewhere."""
    return "".join(
        (click.style(piece.text, bold=True) if color else f"[{piece.text}]") if piece.hit else piece.text
        for piece in pieces or []
    )


def _matched(hit: StatementHit) -> str:
    return f"v{hit.matched_version} (past)" if hit.matched_past else f"v{hit.matched_version}"


@click.command(cls=Command)
@click.argument("query")
@topic_option("Only statements relevant to this topic (e.g. korus).")
@source_option("Only items this source lists (repeatable).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="Best match first (the best of the newest matches), or newest first.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True, help="At most this many.")
@json_option
@click.pass_obj
def search(app: App, query: str, topic: str | None, source_names: tuple[str, ...], sort: str, limit: int,
           as_json: bool) -> None:
    """Search every version of every statement: words, "phrases", `a OR b`, `-word` to leave out. A statement that
    no longer says it but once did is found with the version that did (marked "past")."""
    try:
        parsed = SearchQuery.parse(query)
    except BadSearch as exc:
        raise click.BadParameter(str(exc), param_hint="QUERY") from None
    filters = StatementFilters(search=parsed, topic=topic, sources=source_names,
                               sort="date" if sort == "date" else "relevance")
    hits: list[StatementHit] = app.read(lambda session: list_statements(session, filters, limit=limit).items)
    if as_json:
        return emit_models(hits)
    if not hits:
        return click.echo(f"no statements match {query!r}")
    color = sys.stdout.isatty()
    table = [[str(hit.id), str(hit.published_on or "-"), _matched(hit), hit.title] for hit in hits]
    header, *lines = columns(["ID", "PUBLISHED", "MATCHED", "TITLE"], table, right={0})
    click.echo(header)
    for line, hit in zip(lines, hits, strict=True):
        click.echo(line)
        click.echo(f"    {' '.join(marked(hit.snippet, color).split())}", color=color)

