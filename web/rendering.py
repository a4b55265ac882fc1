"""The Jinja2 environment of the pages and the feed: package templates, every value escaped."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.templating import Jinja2Templates


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "never"


def day(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else "undated"


def external(url: str) -> str:
    """A scraped link only if it is http(s): never a javascript: or data: URL in an href."""
    return url if url.lower().startswith(("https://", "http://")) else "#"


def environment() -> Environment:
    # Autoescape everywhere: every title, body and URL shown comes from a scraped page.
    env = Environment(loader=PackageLoader("web", "templates"), autoescape=True, undefined=StrictUndefined)
    env.filters.update(when=when, day=day, external=external)
    return env


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
