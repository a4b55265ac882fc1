"""The imitation's documents: what a Federal Register document holds, and how the API shows it: its JSON (the
field set of the API's EntrySerializer and EntryApiConfiguration), its raw text (GPO's plain text) and its body
HTML."""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

# The type as the API names it, by the code that conditions[type][] takes.
TYPES = {"RULE": "Rule", "PRORULE": "Proposed Rule", "NOTICE": "Notice", "PRESDOCU": "Presidential Document"}
TYPE_CODES = {name: code for code, name in TYPES.items()}
# The section of the printed issue a type appears in (GPO's raw text names it).
_PRINTED_SECTIONS = {
    "Rule": "Rules and Regulations", "Proposed Rule": "Proposed Rules", "Notice": "Notices",
    "Presidential Document": "Presidential Documents",
}

# Every field the API knows (EntryApiConfiguration.api_fields), in its order.
API_FIELDS = (
    "abstract", "action", "agencies", "agency_names", "body_html_url", "cfr_references", "citation", "comment_url",
    "comments_close_on", "correction_of", "corrections", "dates", "disposition_notes", "docket_id", "docket_ids",
    "dockets", "document_number", "effective_on", "end_page", "excerpts", "executive_order_notes",
    "executive_order_number", "explanation", "full_text_xml_url", "html_url", "images", "images_metadata", "json_url",
    "mods_url", "not_received_for_publication", "page_length", "page_views", "pdf_url", "president",
    "presidential_document_number", "proclamation_number", "public_inspection_pdf_url", "publication_date",
    "raw_text_url", "regulation_id_number_info", "regulation_id_numbers", "regulations_dot_gov_info",
    "regulations_dot_gov_url", "significant", "signing_date", "start_page", "subtype", "title", "toc_doc",
    "toc_subject", "topics", "type", "volume",
)
# What documents.json and documents/{number}.json return without fields[].
DEFAULT_INDEX_FIELDS = (
    "title", "type", "abstract", "document_number", "html_url", "pdf_url", "public_inspection_pdf_url",
    "publication_date", "agencies", "excerpts",
)
DEFAULT_SHOW_FIELDS = tuple(f for f in API_FIELDS if f not in {"excerpts", "agency_names", "docket_id", "president"})


@dataclass(frozen=True)
class Agency:
    id: int
    slug: str
    name: str
    raw_name: str  # as the printed document names it
    parent_id: int | None = None


# Slugs and ids of USTR, USITC, CBP (and DHS) and ITA (and Commerce) are the API's (other-sources.md); the others'
# ids are made up for the imitation.
AGENCIES = {agency.slug: agency for agency in (
    Agency(491, "trade-representative-office-of-united-states", "Trade Representative, Office of United States",
           "OFFICE OF THE UNITED STATES TRADE REPRESENTATIVE"),
    Agency(262, "international-trade-commission", "International Trade Commission", "INTERNATIONAL TRADE COMMISSION"),
    Agency(227, "homeland-security-department", "Homeland Security Department", "DEPARTMENT OF HOMELAND SECURITY"),
    Agency(501, "u-s-customs-and-border-protection", "U.S. Customs and Border Protection",
           "U.S. Customs and Border Protection", parent_id=227),
    Agency(497, "treasury-department", "Treasury Department", "DEPARTMENT OF THE TREASURY"),
    Agency(54, "commerce-department", "Commerce Department", "DEPARTMENT OF COMMERCE"),
    Agency(261, "international-trade-administration", "International Trade Administration",
           "International Trade Administration", parent_id=54),
    Agency(538, "executive-office-of-the-president", "Executive Office of the President",
           "EXECUTIVE OFFICE OF THE PRESIDENT"),
    Agency(12, "agriculture-department", "Agriculture Department", "DEPARTMENT OF AGRICULTURE"),
)}

Key = tuple[str, date]  # (document_number, publication_date): a document's identity


@dataclass
class FrDocument:
    document_number: str
    publication_date: date
    type: str  # as the API names it: "Rule", "Proposed Rule", "Notice", "Presidential Document"
    title: str
    agencies: tuple[str, ...]  # slugs of AGENCIES; a name that is no slug stands as an unmatched raw_name
    abstract: str | None
    paragraphs: list[str]  # the text after the heading (SUPPLEMENTARY INFORMATION), one string a paragraph
    volume: int
    start_page: int
    end_page: int
    action: str | None = None
    dates: str | None = None
    effective_on: date | None = None
    comments_close_on: date | None = None
    signing_date: date | None = None
    docket_ids: list[str] = field(default_factory=list)
    regulation_id_numbers: list[str] = field(default_factory=list)
    subtype: str | None = None  # a presidential document's kind: "Proclamation", "Executive Order"
    presidential_document_number: str | None = None
    significant: bool | None = None
    contact: str | None = None  # FOR FURTHER INFORMATION CONTACT
    signature: str | None = None
    regulations_dot_gov_document_id: str | None = None  # with it: comment counts, a comment_url while open
    correction_of: Key | None = None  # the corrected document, for a correction numbered C1-/R1-
    corrections: list[Key] = field(default_factory=list)
    # What changes by itself: readers, and comments on regulations.gov.
    page_views: int = 0
    page_views_updated: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    comment_count: int = 0
    checked_regulations_dot_gov: datetime | None = None
    has_raw_text: bool = True  # False: raw_text_url is null, only the body HTML holds the text
    missing: set[str] = field(default_factory=set)  # fields this document's JSON leaves out (a faulty answer)

    def __post_init__(self) -> None:
        if self.type not in TYPE_CODES:
            raise ValueError(f"type must be one of {sorted(TYPE_CODES)}, not {self.type!r}")
        if not self.paragraphs:
            raise ValueError(f"document {self.document_number} has no text")

    @property
    def key(self) -> Key:
        return (self.document_number, self.publication_date)

    @property
    def type_code(self) -> str:
        return TYPE_CODES[self.type]

    @property
    def is_correction(self) -> bool:
        # The API's `correction` attribute: a correction_of link (the imitation has no CORRECT granule class).
        return self.correction_of is not None

    @property
    def citation(self) -> str:
        return f"{self.volume} FR {self.start_page}"

    def agency_names(self) -> list[str]:
        return [AGENCIES[a].name if a in AGENCIES else a for a in self.agencies]

    def printed_agencies(self) -> list[str]:
        return [AGENCIES[a].raw_name if a in AGENCIES else a for a in self.agencies]


class DocumentUrls:
    """Where the API says a document and its parts are, on the site at `base` (the imitation's own address; the
    PDF and MODS files are govinfo.gov's, which the imitation does not serve)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def api_document(self, number: str, published: date | None = None) -> str:
        suffix = f"?publication_date={published.isoformat()}" if published else ""
        return f"{self.base}/api/v1/documents/{number}.json{suffix}"

    def html(self, document: FrDocument) -> str:
        return f"{self.base}/documents/{_day_path(document.publication_date)}/{document.document_number}/{_slug(document.title)}"

    def raw_text(self, document: FrDocument) -> str:
        return f"{self.base}/documents/full_text/text/{_day_path(document.publication_date)}/{document.document_number}.txt"

    def body_html(self, document: FrDocument) -> str:
        return f"{self.base}/documents/full_text/html/{_day_path(document.publication_date)}/{document.document_number}.html"

    def full_text_xml(self, document: FrDocument) -> str:
        return f"{self.base}/documents/full_text/xml/{_day_path(document.publication_date)}/{document.document_number}.xml"


def _day_path(day: date) -> str:
    return f"{day.year}/{day.month:02d}/{day.day:02d}"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100].rstrip("-")


def document_json(document: FrDocument, urls: DocumentUrls, fields: tuple[str, ...]) -> dict[str, Any]:
    """The document as the API shows it: the fields asked for, in the order asked, but those it leaves out."""
    values = _field_values(document, urls)
    return {name: values[name] for name in fields if name not in document.missing}


def _field_values(document: FrDocument, urls: DocumentUrls) -> dict[str, Any]:
    published = document.publication_date.isoformat()
    docs_on_regulations_gov = document.regulations_dot_gov_document_id
    open_for_comment = bool(docs_on_regulations_gov and document.comments_close_on)
    return {
        "abstract": document.abstract,
        "action": document.action,
        "agencies": [_agency_json(slug, urls) for slug in document.agencies],
        "agency_names": document.agency_names(),
        "body_html_url": urls.body_html(document),
        "cfr_references": [],
        "citation": document.citation,
        "comment_url": f"https://www.regulations.gov/commenton/{docs_on_regulations_gov}" if open_for_comment else None,
        "comments_close_on": _iso(document.comments_close_on),
        "correction_of": urls.api_document(document.correction_of[0]) if document.correction_of else None,
        "corrections": [urls.api_document(number) for number, _ in document.corrections],
        "dates": document.dates,
        "disposition_notes": None,
        "docket_id": document.docket_ids[0] if document.docket_ids else None,
        "docket_ids": list(document.docket_ids),
        "dockets": _dockets(document),
        "document_number": document.document_number,
        "effective_on": _iso(document.effective_on),
        "end_page": document.end_page,
        "excerpts": _excerpt(document.abstract),
        "executive_order_notes": None,
        "executive_order_number": None,
        "explanation": None,
        "full_text_xml_url": urls.full_text_xml(document),
        "html_url": urls.html(document),
        "images": {},
        "images_metadata": {},
        "json_url": urls.api_document(document.document_number, document.publication_date),
        "mods_url": f"https://www.govinfo.gov/metadata/granule/FR-{published}/{document.document_number}/mods.xml",
        "not_received_for_publication": None,
        "page_length": document.end_page - document.start_page + 1,
        "page_views": {"count": document.page_views, "last_updated": document.page_views_updated.isoformat()},
        "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{published}/pdf/{document.document_number}.pdf",
        "president": None,
        "presidential_document_number": document.presidential_document_number,
        "proclamation_number": document.presidential_document_number if document.subtype == "Proclamation" else None,
        "public_inspection_pdf_url": f"https://public-inspection.federalregister.gov/{document.document_number}.pdf",
        "publication_date": published,
        "raw_text_url": urls.raw_text(document) if document.has_raw_text else None,
        "regulation_id_number_info": {},
        "regulation_id_numbers": list(document.regulation_id_numbers),
        "regulations_dot_gov_info": _regulations_dot_gov_info(document),
        "regulations_dot_gov_url": (
            f"https://www.regulations.gov/document/{docs_on_regulations_gov}" if docs_on_regulations_gov else None
        ),
        "significant": document.significant,
        "signing_date": _iso(document.signing_date),
        "start_page": document.start_page,
        "subtype": document.subtype,
        "title": document.title,
        "toc_doc": None,
        "toc_subject": None,
        "topics": [],
        "type": document.type,
        "volume": document.volume,
    }


def _agency_json(slug: str, urls: DocumentUrls) -> dict[str, Any]:
    agency = AGENCIES.get(slug)
    if agency is None:
        return {"raw_name": slug}  # the API could not match the printed name to an agency
    return {
        "raw_name": agency.raw_name, "name": agency.name, "id": agency.id, "url": f"{urls.base}/agencies/{agency.slug}",
        "json_url": f"{urls.base}/api/v1/agencies/{agency.id}", "parent_id": agency.parent_id, "slug": agency.slug,
    }


def _dockets(document: FrDocument) -> list[dict[str, Any]]:
    if not document.regulations_dot_gov_document_id or not document.docket_ids:
        return []
    return [{
        "agency_name": document.docket_ids[0].split("-")[0], "id": document.docket_ids[0], "title": document.title,
        "supporting_documents": [], "supporting_documents_count": 0,
        "documents": [{"comment_count": document.comment_count, "id": document.regulations_dot_gov_document_id}],
    }]


def _regulations_dot_gov_info(document: FrDocument) -> dict[str, Any]:
    if not document.regulations_dot_gov_document_id:
        return {}
    info: dict[str, Any] = {
        "document_id": document.regulations_dot_gov_document_id, "comments_count": document.comment_count,
    }
    if document.checked_regulations_dot_gov:
        info["checked_regulationsdotgov_at"] = document.checked_regulations_dot_gov.isoformat()
    return info


def _excerpt(abstract: str | None) -> str | None:
    # The API's excerpt without a term: the abstract cut to 255 characters (with a term it would highlight matches).
    if abstract is None or len(abstract) <= 255:
        return abstract
    return abstract[:254].rsplit(" ", 1)[0] + "…"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def heading(document: FrDocument) -> list[tuple[str, str]]:
    """The parts the printed document opens with, as (caption, text)."""
    parts = [("AGENCY", "; ".join(document.agency_names()) + ".")]
    if document.action:
        parts.append(("ACTION", document.action))
    if document.abstract:
        parts.append(("SUMMARY", document.abstract))
    if document.dates:
        parts.append(("DATES", document.dates))
    if document.contact:
        parts.append(("FOR FURTHER INFORMATION CONTACT", document.contact))
    return parts


def _filed_line(document: FrDocument) -> str:
    filed = document.publication_date - timedelta(days=1)
    return f"[FR Doc. {document.document_number} Filed {filed.month}-{filed.day}-{filed.year % 100:02d}; 8:45 am]"


def raw_text(document: FrDocument) -> str:
    """The document as GPO's plain text, wrapped at 70 columns, with GPO's preamble."""
    day = document.publication_date
    pages = str(document.start_page) if document.start_page == document.end_page else (
        f"{document.start_page}-{document.end_page}")
    issue = max(1, round(day.timetuple().tm_yday * 250 / 365))
    rule = "-" * 71
    lines = [
        f"[Federal Register Volume {document.volume}, Number {issue} ({day.strftime('%A')}, {day.strftime('%B')} "
        f"{day.day}, {day.year})]",
        f"[{_PRINTED_SECTIONS[document.type]}]",
        f"[Page{'s' if '-' in pages else ''} {pages}]",
        "From the Federal Register Online via the Government Publishing Office [www.gpo.gov]",
        f"[FR Doc No: {document.document_number}]",
        "", rule, "",
    ]
    lines += [name for name in document.printed_agencies()] + [""]
    lines += textwrap.wrap(document.title, 70) + [""]
    for caption, text in heading(document):
        lines += textwrap.wrap(f"{caption}: {text}", 70) + [""]
    lines += [rule, ""]
    if document.type != "Presidential Document":
        lines += ["SUPPLEMENTARY INFORMATION:", ""]
    for paragraph in document.paragraphs:
        lines += textwrap.wrap(paragraph, 70, initial_indent="    ", break_on_hyphens=False, break_long_words=False)
        lines.append("")
    if document.signature:
        lines += [document.signature]
    lines += [_filed_line(document), "BILLING CODE 3290-F0-P", ""]
    return "\n".join(lines)


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


def _linked(text: str) -> str:
    """Escaped text with its URLs as links, the way the site marks them up."""
    out, last = [], 0
    for match in _URL_IN_TEXT.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}" class="external">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def body_html(document: FrDocument) -> str:
    """The document's full text as the site's HTML fragment."""
    parts = ['<div class="body-html">']
    number = 0
    for caption, text in heading(document):
        number += 1
        parts.append(f'<h2 id="h-{number}">{html.escape(caption)}:</h2>')
        parts.append(f'<p id="p-{number}" data-page="{document.start_page}">{_linked(text)}</p>')
    if document.type != "Presidential Document":
        parts.append('<h2 id="h-supplementary">SUPPLEMENTARY INFORMATION:</h2>')
    for paragraph in document.paragraphs:
        number += 1
        parts.append(f'<p id="p-{number}" data-page="{document.start_page}">{_linked(paragraph)}</p>')
    if document.signature:
        parts.append(f'<p class="signature">{html.escape(document.signature)}</p>')
    parts.append(f'<p class="frdoc">{html.escape(_filed_line(document))}</p>')
    parts.append("</div>")
    return "\n".join(parts)
