"""A source kind, and a configured source of that kind.

A kind is a package `crawler/sources/<kind>/`: its settings model, a pure reader (`reader.py`: a fetched response in,
an item out), and a finder (`finder.py`: the Scrapy spider `Finder`, which finds the items and hands their readings
to the archive, and `reread`, which reads an item again from its stored responses: SourceKind.reread). Adding a kind
is one package, one line in crawler/sources/registry.py and its list of settings in crawler.settings.SourcesSettings;
the archive's tables stay as they are."""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive.planning import SourceRef

if TYPE_CHECKING:
    import scrapy

    from archive.records import FetchedStatement
    from archive.snapshots.reextraction import ArchivedItem
    from archive.snapshots.stored import StoredResponse

# The reason a finder closes its spider with when the site does not answer at all: the rest would fail too.
SITE_UNREACHABLE = "site_unreachable"


@dataclass(frozen=True)
class SourceKind:
    name: str
    # The version of the kind's reader, changed whenever it reads a response differently: the service then re-reads
    # every item's stored responses (crawler.reextract) before the kind's sources are polled again.
    extractor_version: str
    # An item URL's identity key (archive.identity).
    key_of: Callable[[str], str]
    # The sections a source of the kind files its items under, given its settings (the press office's sections, a
    # Federal Register document's types): the values a listing's section filter may take.
    sections: Callable[[Any], list[str]]
    # Whether the kind's sources share one namespace of keys (the same Federal Register document answers several
    # queries, and is one item); else each source's items are its own.
    shared_namespace: bool = False
    # The settings a source of the kind reads its items' pages by (a selector), JSON-serialisable; None: none. A source
    # whose reading settings changed reads its stored responses again before its next poll (crawler.reextract), as
    # after an upgrade of the reader: its pages answer 304 unless they changed, and a reading by the old settings
    # diffed against one by the new would be a false edit.
    reading_settings: Callable[[Any], object] | None = None
    # Whether an item a source of the kind archives for the first time is news; False where the configuration names
    # the items (a watched page: adding a URL announces nothing; a watched page's edits, removal and return are news).
    new_items_are_news: bool = True

    def finder(self) -> type[scrapy.Spider]:
        """The kind's Scrapy spider, imported on first use (the notifier's side of the program never needs Scrapy)."""
        finder: type[scrapy.Spider] = importlib.import_module(f"crawler.sources.{self.name}.finder").Finder
        return finder

    def reread(self, item: ArchivedItem, responses: list[StoredResponse], settings: Any) -> FetchedStatement:
        """The item read again by today's reader from the responses it was last read from: the one its record was
        yielded from first, then those its finder carried to it (crawler.snapshots.carry_snapshots), each as kept.
        Raises crawler.sources.errors.ReadError as the reader does. The finder module's `reread` does it, as its
        callbacks read the live responses."""
        reread: Callable[[ArchivedItem, list[StoredResponse], Any], FetchedStatement] = (
            importlib.import_module(f"crawler.sources.{self.name}.finder").reread
        )
        return reread(item, responses, settings)


@dataclass(frozen=True)
class ConfiguredSource:
    """A source as the configuration names it: its kind, its settings, how often it is polled."""

    name: str
    kind: SourceKind
    settings: Any
    interval_minutes: float

    @property
    def sections(self) -> list[str]:
        return self.kind.sections(self.settings)

    @property
    def extractor_version(self) -> str:
        """The version of the source's reading: its kind's reader's, and a digest of its reading settings if it has
        any (each version records it; crawler.reextract re-reads the source when it changed)."""
        if self.kind.reading_settings is None:
            return self.kind.extractor_version
        settings = json.dumps(self.kind.reading_settings(self.settings), sort_keys=True)
        return f"{self.kind.extractor_version}+{hashlib.sha256(settings.encode()).hexdigest()[:8]}"

    @property
    def ref(self) -> SourceRef:
        namespace = self.kind.name if self.kind.shared_namespace else self.name
        return SourceRef(self.name, namespace, self.kind.key_of, self.extractor_version, self.kind.new_items_are_news)
