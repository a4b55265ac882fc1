"""Making change events the way a crawl makes them (through the run recorder, the outbox listening) and
configuring channels against the loopback servers, for the notifier's tests."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from archive.db import Database
from archive.models import CrawlRun
from archive.recorder import RunRecorder
from archive.records import FetchedStatement, PageProblem
from crawler.planning import prepare_recorder
from crawler.sources import press_office
from korus_watch.settings import Settings
from notify.models import Delivery
from notify.outbox import Outbox
from testkit.fixtures import SEED_STATEMENT

SITE = "http://press.example.test"
KORUS_PARAGRAPH = (
    "Ambassador Lighthizer initiated talks on the U.S.-Korea Free Trade Agreement (KORUS FTA) to address the trade "
    "imbalance and market access problems in Korea for U.S. exports."
)


def statement(slug: str, title: str, paragraphs: list[str] | None = None, **fields: Any) -> FetchedStatement:
    body = "\n\n".join(paragraphs or [KORUS_PARAGRAPH])
    values: dict[str, Any] = {
        "url": f"{SITE}/about-us/policy-offices/press-office/press-releases/2026/november/{slug}",
        "section": "press-releases",
        "title": title,
        "published_on": date(2026, 11, 27),
        "published_text": "November 27, 2026",
        "doc_type": "Press Release",
        "body_text": body,
        "body_html": "".join(f"<p>{p}</p>" for p in body.split("\n\n")),
        **fields,
    }
    return FetchedStatement(**values)


def seed_statement() -> FetchedStatement:
    """The real USTR statement of the seed file; its `**initiated**` marks the word a later edit changes."""
    text = SEED_STATEMENT.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    url = lines[0].strip("<>")
    title = lines[1]
    body = "\n\n".join(line.replace("**", "") for line in lines[2:])
    return FetchedStatement(url=url, section="fact-sheets", title=title, published_on=date(2018, 2, 1),
                            published_text="February 01, 2018", doc_type="Fact Sheet", body_text=body,
                            body_html=body)


@dataclass
class Press:
    """A press office whose changes reach the archive through RunRecorder and the notifier's outbox, as a crawl's
    would, without Scrapy."""

    db: Database
    settings: Settings
    runs: list[CrawlRun] = field(default_factory=list)

    def recorder(self) -> RunRecorder:
        crawl = self.settings.crawl
        return prepare_recorder(self.db, crawl, press_office.REF, crawl.interval_minutes,
                                self.settings.enabled_topics(), Outbox(self.settings.notifier()), full=False)

    def crawl(self, *pages: FetchedStatement, unreachable: bool = False) -> CrawlRun:
        recorder = self.recorder()
        for page in pages:
            recorder.statement_fetched(page)
        run = recorder.finish(requests=max(len(pages), 1), not_modified=0, fetch_failures=1 if unreachable else 0,
                              landings=1, landings_failed=1 if unreachable else 0, cpu_seconds=0.0)
        self.runs.append(run)
        return run

    def fail_extraction(self, pages: int) -> CrawlRun:
        """A run in which every statement page failed to parse: the redesign guard's health problem."""
        recorder = self.recorder()
        for index in range(pages):
            recorder.problem(PageProblem(f"{SITE}/broken/{index}", "extraction_failed", "no title", True))
        run = recorder.finish(requests=pages, not_modified=0, fetch_failures=0, landings=1, landings_failed=0,
                              cpu_seconds=0.0)
        self.runs.append(run)
        return run


def deliveries(db: Database) -> list[Delivery]:
    with db.sessions() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def toml_value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML too.
    return json.dumps(value)


def channel_toml(**fields: Any) -> str:
    lines = ["[[channels]]", *(f"{key} = {toml_value(value)}" for key, value in fields.items())]
    return "\n".join(lines) + "\n"


def settings_from(text: str) -> Settings:
    return Settings(**tomllib.loads(text))
