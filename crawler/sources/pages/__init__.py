"""Watched pages: single pages (HTML or PDF) whose content is followed, each URL one item."""

from crawler.sources.base import SourceKind
from crawler.sources.links import item_key
from crawler.sources.pages.reader import EXTRACTOR_VERSION, SECTION

# Each source's pages are its own items, keyed by host, path and query; a changed selector re-reads them; a URL
# added to a source is watched from then on, not announced.
KIND = SourceKind(name="pages", extractor_version=EXTRACTOR_VERSION, key_of=item_key, sections=lambda _: [SECTION],
                  reading_settings=lambda pages: {"selector": pages.selector}, new_items_are_news=False)
