"""The Federal Register as a source kind: a document's identity key from any of its URLs, and the kind's entry in
the registry (crawler.sources.registry). Kept apart from the package's __init__, which settings import."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, unquote, urlsplit

from archive.identity import host_url_key
from crawler.sources.base import SourceKind
from crawler.sources.federal_register.reader import EXTRACTOR_VERSION, identity_key
from crawler.sources.federal_register.settings import FederalRegisterSettings

# The type as documents name it, by the code the query's conditions[type][] take.
TYPE_NAMES = {"RULE": "Rule", "PRORULE": "Proposed Rule", "NOTICE": "Notice", "PRESDOCU": "Presidential Document"}

# The URLs that name one document with its date: the API's (documents/{number}.json?publication_date=...), its
# texts' (documents/full_text/{text|html}/Y/M/D/{number}.{txt|html}) and its page's (documents/Y/M/D/{number}/slug).
_API_DOCUMENT = re.compile(r"/documents/([^/,]+)\.json$")
_TEXT = re.compile(r"/documents/full_text/(?:text|html|xml)/(\d{4})/(\d{2})/(\d{2})/([^/]+)\.(?:txt|html|xml)$")
_PAGE = re.compile(r"/documents/(\d{4})/(\d{2})/(\d{2})/([^/]+)(?:/[^/]*)?/?$")


def named_document(url: str) -> tuple[str, date] | None:
    """The (document_number, publication_date) a URL names, if it names one document (an API URL without a date
    does not: the same number has named two)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    try:
        if api := _API_DOCUMENT.search(path):
            published = parse_qs(parts.query).get("publication_date")
            return (api.group(1), date.fromisoformat(published[0])) if published else None
        if found := _TEXT.search(path) or _PAGE.search(path):
            year, month, day, number = found.groups()
            return number, date(int(year), int(month), int(day))
    except ValueError:
        pass  # not a date: no document's URL
    return None


def document_key(url: str) -> str:
    """The identity key (reader.identity_key) of the document a URL names; else the URL's host and path, as any
    other item's."""
    named = named_document(url)
    return identity_key(*named) if named else host_url_key(url)


def sections(settings: FederalRegisterSettings) -> list[str]:
    """A document is filed under its type, as documents name it."""
    return [TYPE_NAMES[code] for code in settings.types]


KIND = SourceKind(name="federal_register", extractor_version=EXTRACTOR_VERSION, key_of=document_key,
                  sections=sections, shared_namespace=True)
