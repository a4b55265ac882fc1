"""The kinds of source, and the sources the configuration names: each a configured instance of a kind."""

from __future__ import annotations

from archive.models import PRESS_OFFICE
from crawler.settings import CrawlSettings, SourcesSettings
from crawler.sources import listings, pages, press_office
from crawler.sources.base import ConfiguredSource, SourceKind
from crawler.sources.federal_register.kind import KIND as FEDERAL_REGISTER

KINDS: dict[str, SourceKind] = {kind.name: kind for kind in (
    press_office.KIND,
    FEDERAL_REGISTER,
    pages.KIND,
    listings.KIND,
)}


def configured_sources(crawl: CrawlSettings, sources: SourcesSettings) -> list[ConfiguredSource]:
    """Every configured source, the press office first."""
    configured = [ConfiguredSource(PRESS_OFFICE, press_office.KIND, crawl, crawl.interval_minutes)]
    for kind_name, entries in sources.by_kind().items():
        if not entries:
            continue
        kind = KINDS[kind_name]
        configured += [
            ConfiguredSource(entry.name, kind, entry, entry.interval_minutes or crawl.interval_minutes)
            for entry in entries
        ]
    return configured
