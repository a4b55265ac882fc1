"""A real browser on the web app: Debian's Chromium, driven headless by Playwright, through the timeline, a search,
a diff and an event page, with no console error and no request to another host. Its SQLite run takes screenshots:
into docs/, for the README, when KORUS_WATCH_SCREENSHOTS=docs; into the test's temporary folder otherwise, so that a
test run leaves the checkout as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from testkit.mirror.fixtures import SEED_EDIT
from tests.conftest import REPO
from tests.web.chromium import CHROMIUM, Watched, chromium
from tests.web.conftest import HOSTILE_TITLE, BuiltArchive


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """A fresh profile: no cache, cookies or first-run state from before."""
    with chromium() as chrome:
        context = chrome.new_context(viewport={"width": 1100, "height": 900})
        yield context
        context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return REPO / "docs" if os.environ.get("KORUS_WATCH_SCREENSHOTS") == "docs" else tmp_path


def shot(page: Page, folder: Path, name: str, backend: str) -> None:
    """The SQLite run takes the screenshots (one set is enough; both backends render the same pages)."""
    if backend == "sqlite":
        page.screenshot(path=str(folder / name), full_page=False)
        assert (folder / name).stat().st_size > 0


def test_timeline_search_diff_and_event_in_chromium(
    browser: BrowserContext, web_url: str, built: BuiltArchive, module_database_url: str, screenshots: Path
) -> None:
    assert os.access(CHROMIUM, os.X_OK), "Debian's chromium is installed by .ci/run"
    backend = "sqlite" if module_database_url.startswith("sqlite") else "postgresql"
    watched = Watched(browser.new_page(), urlsplit(web_url).netloc)
    page = watched.page

    page.goto(web_url + "/")
    assert page.locator("li.event").count() == 3
    hostile_row = page.locator("li.event a.title", has_text="KORUS &")
    assert hostile_row.inner_text() == HOSTILE_TITLE  # shown as text, not run as markup
    assert page.evaluate("() => document.querySelectorAll('main script, main img').length") == 0
    stylesheet_applied = page.evaluate("() => getComputedStyle(document.querySelector('header.site')).display")
    assert stylesheet_applied == "flex"
    shot(page, screenshots, "web-timeline.png", backend)

    page.fill("header.site input[name=q]", '"free trade" korus')
    page.click("header.site button[type=submit]")
    page.wait_for_url("**/statements?q=*")
    assert page.locator("li.statement").count() > 0
    assert page.locator("li.statement mark").count() > 0

    page.select_option("form.filters select[name=section]", "fact-sheets")
    page.click("form.filters button[type=submit]")
    sections = page.locator("li.statement .meta").all_inner_texts()
    assert sections and all("fact-sheets" in text for text in sections)

    statement_id = built.statement_id(built.edited)
    page.goto(f"{web_url}/statements/{statement_id}")
    assert page.locator("section.text mark").count() > 0
    shot(page, screenshots, "web-statement.png", backend)
    page.click("text=diff with 1")
    page.wait_for_url(f"**/statements/{statement_id}/diff?*")
    assert page.locator(".inline del").inner_text() == SEED_EDIT[0]
    assert page.locator(".inline ins").inner_text() == SEED_EDIT[1]
    shot(page, screenshots, "web-diff.png", backend)

    page.goto(web_url + "/")
    page.locator("li.event", has=page.locator(".kind-edited")).locator("a.title").click()
    page.wait_for_url("**/events/*")
    assert page.locator("h1 .kind-edited").count() == 1 and page.locator(".inline ins").count() == 1

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(web_url + "/")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the timeline scrolls sideways on a phone"
    page.goto(web_url + "/status")
    assert page.locator("table").count() == 2  # the crawl runs and the channels
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "the status page scrolls sideways"
    cut = page.evaluate("() => [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth)"
                        ".map(t => t.closest('section').querySelector('h2').textContent)")
    assert cut == [], f"tables wider than a phone: {cut}"

    assert watched.errors == [], watched.errors
    assert watched.foreign == [], watched.foreign

