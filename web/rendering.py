"""The Jinja2 environment of the pages and the feed: package templates, every value escaped."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from archive.read.fields import field_label
from archive.read.schemas import DiffParagraph

# CommonMark without raw HTML: markup in a text is shown as text, and a link is a link only to a safe address
# (markdown-it refuses javascript:, vbscript: and data: other than images).
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "never"


def day(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else "undated"


def external(url: str) -> str:
    """A scraped link only if it is http(s): never a javascript: or data: URL in an href."""
    return url if url.lower().startswith(("https://", "http://")) else "#"


def markdown(text: str) -> Markup:
    """The API document's descriptions, written in Markdown, as HTML blocks."""
    return Markup(_MARKDOWN.render(text))


def markdown_inline(text: str) -> Markup:
    """A one-line description (a table cell's) as HTML without a paragraph around it."""
    return Markup(_MARKDOWN.renderInline(text))


def link(request: Request, name: str, /, **path_params: Any) -> URL:
    """The address of the route `name` under the app's base URL: http.public_url, or none (a path), as
    web.middleware.PublicAddress set it. (Starlette's own url_for makes a route's address absolute even without a
    host: `http:///statements`.)"""
    return URL(str(request.base_url).rstrip("/") + request.app.url_path_for(name, **path_params))


@dataclass(frozen=True)
class ParagraphRun:
    """Paragraphs of a diff next to each other, all changed or all unchanged."""

    changed: bool
    paragraphs: list[DiffParagraph]


def groupby_runs(paragraphs: list[DiffParagraph]) -> list[ParagraphRun]:
    """A diff's paragraphs in runs, so that a page shows the changed ones and folds each run of unchanged ones."""
    return [ParagraphRun(changed, list(run)) for changed, run in itertools.groupby(paragraphs, lambda p: p.changed)]


@pass_context
def _url_for(context: Context, name: str, /, **path_params: Any) -> URL:
    return link(context["request"], name, **path_params)


def environment() -> Environment:
    # Autoescape everywhere: every title, body and URL shown comes from a scraped page.
    env = Environment(loader=PackageLoader("web", "templates"), autoescape=True, undefined=StrictUndefined)
    env.filters.update(when=when, day=day, external=external, markdown=markdown, markdown_inline=markdown_inline,
                       field_label=field_label, groupby_runs=groupby_runs)
    env.globals["url_for"] = _url_for  # Jinja2Templates keeps it
    return env


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
