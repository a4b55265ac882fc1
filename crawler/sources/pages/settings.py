"""A watched-pages source's settings: [[sources.pages]]."""

from __future__ import annotations

from pydantic import Field, field_validator

from crawler.sources import settings as checks


class PagesSettings(checks.SourceSection):
    # Each URL is one item.
    urls: list[str] = Field(min_length=1)
    # The part of an HTML page to watch; None: the page's main content (crawler.sources.documents.main_content).
    selector: str | None = None

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            checks.http_url(url)
        if len(set(urls)) != len(urls):
            raise ValueError("lists a URL twice")
        return urls

    @field_validator("selector")
    @classmethod
    def _selector(cls, selector: str | None) -> str | None:
        return None if selector is None else checks.css_selector(selector)
