"""The USTR press office: press releases, fact sheets, speeches and remarks, found through the sections' landings
and their year and month archives. The source `press-office`, configured by `[crawl]` (base_url, sections)."""

from archive.identity import url_key
from archive.models import PRESS_OFFICE
from archive.planning import SourceRef
from crawler.sources.base import SourceKind
from crawler.sources.press_office.reader import EXTRACTOR_VERSION

# Statements are keyed by their path alone, so that an archive built from a mirror matches the real site.
KIND = SourceKind(name="press_office", extractor_version=EXTRACTOR_VERSION, key_of=url_key,
                  sections=lambda crawl: list(crawl.sections))
REF = SourceRef(PRESS_OFFICE, PRESS_OFFICE, url_key, EXTRACTOR_VERSION)
