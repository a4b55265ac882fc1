"""Other sites' listings: a page listing items, configured by CSS selectors; each listed item's page is an item."""

from crawler.sources.base import SourceKind
from crawler.sources.links import item_key
from crawler.sources.listings.reader import EXTRACTOR_VERSION, SECTION

# Each listing's items are its own, keyed by host, path and query (a board may tell its articles apart by a query);
# a changed body selector re-reads them (their titles and dates are the listing's, kept as archived).
KIND = SourceKind(name="listings", extractor_version=EXTRACTOR_VERSION, key_of=item_key, sections=lambda _: [SECTION],
                  reading_settings=lambda listing: {"body": listing.body})
