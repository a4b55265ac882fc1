"""The timeline pages both ways, and pages stay put while new changes arrive; in Chromium, what is new since the
reader's last visit is marked from the browser's own storage, and nothing without JavaScript."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import StorageState
from sqlalchemy import select

from archive.db import Database
from archive.models import ChangeEvent
from korus_watch import app as composition
from korus_watch.settings import Settings
from testkit.notify_support import SITE, Press, seed_statement, settings_from, statement
from tests.web.chromium import Watched, chromium
from tests.web.conftest import serving

PAGE = 50  # web.pages.TIMELINE_PAGE
SEEN_KEY = "korus-watch:newest-change-seen"  # web/static/timeline.js


@pytest.fixture
def settings() -> Settings:
    return settings_from(f'[crawl]\nbase_url = "{SITE}"\n')


def new_statements(press: Press, prefix: str, count: int) -> None:
    """One poll that finds `count` new statements: as many change events, in this order."""
    press.crawl(*[statement(f"{prefix}-{number}", f"KORUS statement {prefix} {number}") for number in range(count)])


def event_ids(db: Database) -> list[int]:
    with db.sessions() as session:
        return list(session.scalars(select(ChangeEvent.id).order_by(ChangeEvent.id.desc())))


@dataclass(frozen=True)
class TimelinePage:
    ids: list[int]
    newer: str | None
    older: str | None

    @classmethod
    def read(cls, client: httpx.Client, url: str) -> TimelinePage:
        response = client.get(url)
        assert response.status_code == 200, response.text[:300]

        def link(rel: str) -> str | None:
            found = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.text)
            return html.unescape(found[1]) if found else None

        return cls([int(i) for i in re.findall(r'data-event-id="(\d+)"', response.text)], link("prev"), link("next"))


def test_the_timeline_pages_both_ways_and_new_changes_move_no_page(db: Database, settings: Settings) -> None:
    press = Press(db, settings)
    press.crawl(seed_statement())  # the baseline: no events
    new_statements(press, "first", 2 * PAGE + 20)
    everything = event_ids(db)
    with serving(composition.web_app(db, settings)) as url, httpx.Client(base_url=url) as client:
        first = TimelinePage.read(client, "/")
        assert first.ids == everything[:PAGE] and first.newer is None and first.older is not None
        second = TimelinePage.read(client, first.older)
        assert second.ids == everything[PAGE:2 * PAGE] and second.newer is not None and second.older is not None
        third = TimelinePage.read(client, second.older)
        assert third.ids == everything[2 * PAGE:] and third.newer is not None and third.older is None

        new_statements(press, "later", 5)  # while the reader pages
        later = event_ids(db)[:5]
        assert TimelinePage.read(client, first.older).ids == second.ids
        assert TimelinePage.read(client, third.newer).ids == second.ids
        back = TimelinePage.read(client, second.newer)
        assert back.ids == first.ids and back.older is not None and back.newer is not None
        newest = TimelinePage.read(client, back.newer)
        assert newest.ids == later and newest.newer is None and newest.older is not None
        assert TimelinePage.read(client, newest.older).ids == first.ids
        assert TimelinePage.read(client, "/").ids == (later + first.ids)[:PAGE]

        filtered = TimelinePage.read(client, "/?topic=korus&kind=new")  # the filters stay in the links
        assert filtered.older == f"/?topic=korus&kind=new&before={filtered.ids[-1]}"
        assert TimelinePage.read(client, filtered.older).newer == f"/?topic=korus&kind=new&after={filtered.ids[-1] - 1}"
        both = client.get("/", params={"before": later[0], "after": 1})
        assert both.status_code == 400 and "not both" in both.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # what the browser does is the same on both
def test_the_browser_marks_what_is_new_since_its_last_visit(db: Database, settings: Settings) -> None:
    press = Press(db, settings)
    press.crawl(seed_statement())
    new_statements(press, "first", 3)
    with serving(composition.web_app(db, settings)) as url, chromium() as chrome:
        context = chrome.new_context()
        watched = Watched(context.new_page(), urlsplit(url).netloc)
        page = watched.page
        page.goto(url + "/")
        assert page.locator("li.event").count() == 3
        assert page.locator("li.event.unseen").count() == 0  # a first visit marks nothing
        assert page.evaluate(f"() => localStorage.getItem('{SEEN_KEY}')") == str(max(event_ids(db)))

        new_statements(press, "later", 2)
        page.reload()
        unseen = page.locator("li.event.unseen")
        assert [int(i) for i in unseen.evaluate_all("items => items.map(i => i.dataset.eventId)")] == event_ids(db)[:2]
        assert unseen.locator(".unseen-label").all_inner_texts() == ["new since your last visit"] * 2
        assert page.locator("li.event").count() == 5
        page.reload()
        assert page.locator("li.event.unseen").count() == 0  # seen now
        assert context.cookies() == []
        assert watched.errors == [], watched.errors  # the script ran under the CSP
        assert watched.foreign == [], watched.foreign

        # Without JavaScript the same timeline, with nothing marked, whatever the browser remembers.
        remembered: StorageState = {"cookies": [], "origins": [{"origin": url, "localStorage": [{"name": SEEN_KEY, "value": "1"}]}]}
        without_script = chrome.new_context(java_script_enabled=False, storage_state=remembered).new_page()
        without_script.goto(url + "/")
        assert without_script.locator("li.event").count() == 5
        assert without_script.locator("li.event.unseen, .unseen-label").count() == 0
        with_script = chrome.new_context(storage_state=remembered).new_page()  # the same memory, with the script
        with_script.goto(url + "/")
        assert with_script.locator("li.event.unseen").count() == 4
