"""An imitation of ustr.gov's two KORUS agreement pages: the landing page and the final-text page, which lists the
chapters, annexes and side letters as links to PDFs the site also serves (Drupal 8 markup: the text in
`.field--name-body`, navigation, a footer, and a "last updated" line in the content).

Mutable from a test: add a document (a new annex link and its PDF) or take one down, edit a sentence of a page or of
a PDF, change only the chrome (the menu, the footer, the "last updated" date, tracking parameters and session ids
in links), or redesign the pages (their text in another element)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Literal

from testkit.mirror.site import Reply
from testkit.sites.pdf import text_pdf

LANDING = "/trade-agreements/free-trade-agreements/korus-fta"
FINAL_TEXT = LANDING + "/final-text"
FILES = "/sites/default/files/uploads/agreements/fta/korus"
HTML = "text/html; charset=utf-8"
Group = Literal["chapters", "annexes", "side letters"]

CHAPTERS = (
    "Initial Provisions and Definitions", "National Treatment and Market Access for Goods", "Agriculture",
    "Textiles and Apparel", "Pharmaceutical Products and Medical Devices", "Rules of Origin and Origin Procedures",
    "Customs Administration and Trade Facilitation", "Sanitary and Phytosanitary Measures",
    "Technical Barriers to Trade", "Trade Remedies", "Investment", "Cross-Border Trade in Services",
    "Financial Services", "Telecommunications", "Electronic Commerce", "Competition-Related Matters",
    "Government Procurement", "Intellectual Property Rights", "Labor", "Environment", "Transparency",
    "Institutional Provisions and Dispute Settlement", "Exceptions", "Final Provisions",
)
ANNEXES = (
    "Annex I: Cross-Border Trade in Services and Investment Non-Conforming Measures (United States)",
    "Annex II: Non-Conforming Measures for Services and Investment (Korea)",
    "Annex III: Financial Services Non-Conforming Measures",
    "General Notes of the Republic of Korea",
    "Tariff Schedule of the United States",
)
SIDE_LETTERS = (
    "Letter Exchange on Automotive Safety Standards",
    "Letter Exchange on Pharmaceutical Products Independent Review",
    "Letter Exchange on Outward Processing Zones on the Korean Peninsula",
)
LANDING_TEXT = [
    "The United States-Korea Free Trade Agreement (KORUS FTA) entered into force on March 15, 2012.",
    "On September 24, 2018, the United States and Korea signed amendments and modifications to the agreement, "
    "which entered into force on January 1, 2019.",
    "The KORUS Joint Committee oversees the implementation of the agreement and meets at least once a year.",
]


@dataclass
class AgreementDocument:
    group: Group
    title: str
    file_number: int
    paragraphs: list[str]

    @property
    def path(self) -> str:
        return f"{FILES}/asset_upload_file{self.file_number}_12700.pdf"


def _document_text(title: str, number: int) -> list[str]:
    return [
        title,
        f"Article {number}.1: Each Party shall apply this {title} in accordance with the provisions of this "
        "Agreement, and shall ensure that its regional and local levels of government do the same.",
        f"Article {number}.2: Nothing in this {title} shall be construed to require a Party to furnish or allow "
        "access to confidential information.",
    ]


class KorusSite:
    """The KORUS agreement pages' state; `respond` serves it, the other public methods change it."""

    mutations = frozenset({
        "add_document", "remove_document", "edit_page", "edit_document", "change_chrome", "redesign",
    })

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.landing_text = list(LANDING_TEXT)
        self.final_text_intro = [
            "The final text of the KORUS FTA, as amended, is available below by chapter, with its annexes and "
            "side letters."
        ]
        self.documents: list[AgreementDocument] = []
        groups: tuple[tuple[Group, tuple[str, ...]], ...] = (
            ("chapters", CHAPTERS), ("annexes", ANNEXES), ("side letters", SIDE_LETTERS),
        )
        for group, titles in groups:
            for title in titles:
                self._add(group, title if group != "chapters" else f"Chapter {len(self.documents) + 1}: {title}")
        self.chrome_version = 0
        self.redesigned = False
        self._pdfs: dict[str, bytes] = {}

    def _add(self, group: Group, title: str, paragraphs: list[str] | None = None) -> AgreementDocument:
        number = len(self.documents) + 1
        document = AgreementDocument(group, title, 580 + number, paragraphs or _document_text(title, number))
        self.documents.append(document)
        return document

    # Mutations --------------------------------------------------------------------------------------------------

    def add_document(self, group: Group, title: str, paragraphs: list[str] | None = None) -> str:
        """A new chapter, annex or side letter: its link on the final-text page, and its PDF. Returns the PDF's path."""
        if group not in ("chapters", "annexes", "side letters"):
            raise ValueError(f"no group {group!r}")
        with self._lock:
            return self._add(group, title, paragraphs).path

    def remove_document(self, path: str) -> None:
        """Takes a document down: its link goes from the final-text page, and its PDF answers 404."""
        with self._lock:
            document = next((d for d in self.documents if d.path == path), None)
            if document is None:
                raise KeyError(f"no document at {path}")
            self.documents.remove(document)
            self._pdfs.pop(path, None)

    def edit_page(self, page: Literal["landing", "final-text"], old: str, new: str) -> None:
        """Replaces `old` with `new` in a page's prose."""
        with self._lock:
            paragraphs = self.landing_text if page == "landing" else self.final_text_intro
            _replace(paragraphs, old, new)

    def edit_document(self, path: str, old: str, new: str) -> None:
        """Replaces `old` with `new` in a PDF's text."""
        with self._lock:
            document = next((d for d in self.documents if d.path == path), None)
            if document is None:
                raise KeyError(f"no document at {path}")
            _replace(document.paragraphs, old, new)
            self._pdfs.pop(path, None)

    def change_chrome(self) -> None:
        """Changes what is not the pages' content: the menu, the footer, the "last updated" date, and the tracking
        parameters and session ids the links carry."""
        with self._lock:
            self.chrome_version += 1

    def redesign(self) -> None:
        """A new theme: the pages' text moves from `.field--name-body` into a `div.text-content`."""
        with self._lock:
            self.redesigned = True

    # Serving ----------------------------------------------------------------------------------------------------

    def respond(self, path: str, query: str) -> Reply:
        with self._lock:
            if path == LANDING:
                return Reply(200, self._page("United States-Korea Free Trade Agreement", self._landing_body()), HTML)
            if path == FINAL_TEXT:
                return Reply(200, self._page("KORUS FTA Final Text", self._final_text_body()), HTML)
            document = next((d for d in self.documents if d.path == path), None)
            if document is not None:
                if path not in self._pdfs:
                    self._pdfs[path] = text_pdf(document.paragraphs, title=document.title)
                return Reply(200, self._pdfs[path], "application/pdf")
            return Reply(404, self._page("Page not found", "<p>The requested page could not be found.</p>"), HTML)

    def _tracked(self, path: str) -> str:
        # The site's analytics tag links per campaign, and its server puts a session id into some of them.
        return f"{path};jsessionid=S{self.chrome_version:04d}?utm_source=korus-page&utm_campaign=v{self.chrome_version}"

    def _landing_body(self) -> str:
        prose = "".join(f"<p>{escape(text)}</p>" for text in self.landing_text)
        return (
            f"{prose}<p>Read the <a href=\"{self._tracked(FINAL_TEXT)}\">final text of the agreement</a> and its "
            f"annexes.</p><p><a href=\"#top\">Back to top</a></p>"
        )

    def _final_text_body(self) -> str:
        parts = [f"<p>{escape(text)}</p>" for text in self.final_text_intro]
        for group in ("chapters", "annexes", "side letters"):
            links = "".join(
                f'<li><a href="{self._tracked(d.path)}">{escape(d.title)}</a></li>'
                for d in self.documents if d.group == group
            )
            parts.append(f"<h2>{group.capitalize()}</h2><ul>{links}</ul>")
        return "".join(parts)

    def _page(self, title: str, body: str) -> bytes:
        menu = ["About Us", "Trade Agreements", "Countries &amp; Regions", "Press Office"]
        if self.chrome_version % 2:
            menu.append("Careers")
        nav = "".join(
            f'<li class="menu-item"><a href="{self._tracked("/" + label.lower().replace(" ", "-"))}">{label}</a></li>'
            for label in menu
        )
        updated = date(2026, 11, 5) + timedelta(days=self.chrome_version)
        body_class = "text-content" if self.redesigned else (
            "clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item"
        )
        return (
            "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)} | Office of the United States Trade Representative</title></head>"
            '<body class="path-node"><header id="header"><div class="site-name"><a href="/" rel="home">'
            f'Office of the United States Trade Representative</a></div><nav id="main-menu"><ul class="menu">{nav}'
            "</ul></nav></header>"
            '<main id="main-content"><article role="article" class="node node--type-general node--view-mode-full">'
            f'<h1 class="title-underline">{escape(title)}</h1>'
            f'<div class="{body_class}">{body}'
            f'<p class="last-updated">Page last updated: {updated:%B} {updated.day}, {updated.year}</p></div>'
            "</article></main>"
            f'<footer id="footer"><p class="footer-notice">Visitors this week: {1000 + 37 * self.chrome_version}</p>'
            '<p><a href="/about-us/privacy">Privacy</a> | <a href="/accessibility">Accessibility</a></p></footer>'
            "</body></html>\n"
        ).encode()


def _replace(paragraphs: list[str], old: str, new: str) -> None:
    for index, text in enumerate(paragraphs):
        if old in text:
            paragraphs[index] = text.replace(old, new)
            return
    raise ValueError(f"no paragraph holds {old!r}")
