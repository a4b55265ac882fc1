"""A listing source's settings: [[sources.listings]]."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from crawler.sources import settings as checks
from crawler.sources.dates import DateOrder


class ListingsSettings(checks.SourceSection):
    url: str  # the listing's first page
    item: str  # each listed item
    link: str = "a[href]"  # the item's link, inside the item (the first match with an href)
    date: str | None = None  # the item's date, inside the item
    # How the site writes a numeric date with its year last ("05/11/2026"): month first (MDY) or day first (DMY).
    # None: such a date is refused as ambiguous; dates with the year first or the month in words need nothing.
    date_order: DateOrder | None = None
    next: str | None = None  # the next list page's link
    pages: int = Field(default=2, ge=1)  # list pages read on a routine poll
    max_pages: int = Field(default=20, ge=1)  # list pages read by the baseline
    body: str | None = None  # the item page's text; None: its main content

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        return checks.http_url(url)

    @field_validator("item", "link", "date", "next", "body")
    @classmethod
    def _selector(cls, selector: str | None) -> str | None:
        return None if selector is None else checks.css_selector(selector)

    @model_validator(mode="after")
    def _pages_within_max(self) -> ListingsSettings:
        if self.pages > self.max_pages:
            raise ValueError(f"pages ({self.pages}) must not exceed max_pages ({self.max_pages})")
        return self
