"""The stored responses in the web app and the API (issue 17): an "as fetched" link with its fetch time and SHA-256
beside each version, in the statement's page and the event's; the response served in a sandbox, so that a hostile
page's scripts never run; the API's snapshot endpoints in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext
from sqlalchemy import select

from archive.models import ChangeEvent, EventKind, utcnow
from archive.records import Snapshot
from archive.snapshots.bodies import digest
from archive.snapshots.store import SnapshotStore
from tests.web.chromium import Watched, chromium
from tests.web.conftest import BuiltArchive

_AS_FETCHED = re.compile(r'<a class="as-fetched" href="([^"]+)"[^>]*>as fetched</a> ([^<]+) · SHA-256 '
                         r'<code class="sha256">([0-9a-f]{64})</code>')
HOSTILE_PAGE = b"""<!DOCTYPE html><html><head><title>Stored</title>
<script>document.title = "scripted"; fetch("/api/v1/status");</script></head>
<body><p id="text">What the page said.</p>
<img src="x" onerror="document.body.dataset.ran = 'onerror'">
<script>document.body.dataset.ran = 'inline'; localStorage.setItem('taken', 'yes');</script>
</body></html>"""


def test_each_version_links_to_the_response_it_was_read_from(built: BuiltArchive, web_url: str) -> None:
    statement_id = built.statement_id(built.edited)
    page = httpx.get(f"{web_url}/statements/{statement_id}").text
    links = _AS_FETCHED.findall(page)
    assert len(links) == 2, "one link per version"
    for href, fetched_at, sha256 in links:
        answer = httpx.get(href if href.startswith("http") else web_url + href)
        assert answer.status_code == 200 and digest(answer.content) == sha256 and fetched_at.endswith("UTC")
        assert answer.headers["content-security-policy"].startswith("sandbox; ")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert digest(built.site.respond(built.edited.path).body) == links[1][2], "the version 2 page as served"

    with built.db.sessions() as session:
        event_id = session.scalar(select(ChangeEvent.id).where(ChangeEvent.statement_id == statement_id,
                                                               ChangeEvent.kind == EventKind.EDITED))
    assert [link[2] for link in _AS_FETCHED.findall(httpx.get(f"{web_url}/events/{event_id}").text)] == [
        links[0][2], links[1][2]]

    api = f"{web_url}/api/v1/statements/{statement_id}/versions/2/snapshot"
    detail = httpx.get(api).json()
    assert detail["sha256"] == links[1][2] and detail["status"] == 200 and detail["also_read"] == []
    assert ["Content-Type", "text/html; charset=utf-8"] in detail["headers"]
    body = httpx.get(f"{api}/body")
    assert digest(body.content) == detail["sha256"] and body.headers["content-security-policy"].startswith("sandbox")
    assert digest(httpx.get(f"{web_url}/api/v1/snapshots/{detail['id']}/body").content) == detail["sha256"]
    paths = httpx.get(f"{web_url}/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/statements/{statement_id}/versions/{number}/snapshot",
            "/api/v1/statements/{statement_id}/versions/{number}/snapshot/body",
            "/api/v1/snapshots/{snapshot_id}", "/api/v1/snapshots/{snapshot_id}/body"} <= set(paths)


@pytest.fixture
def hostile_snapshot(built: BuiltArchive) -> Iterator[int]:
    """A stored response whose page has scripts: one inline in its head and body, one in an image's onerror."""
    store = SnapshotStore()
    with built.db.sessions.begin() as session:
        snapshot_id = store.stored_id(session, Snapshot(
            source="press-office", url="https://ustr.gov/hostile", final_url="https://ustr.gov/hostile", status=200,
            protocol="HTTP/1.1", request_headers=[], headers=[("Content-Type", "text/html; charset=utf-8")],
            body=HOSTILE_PAGE, fetched_at=utcnow()))
    assert snapshot_id is not None
    yield snapshot_id


def test_a_hostile_stored_page_runs_no_script_in_chromium(web_url: str, hostile_snapshot: int) -> None:
    with chromium() as browser:
        context: BrowserContext = browser.new_context()
        watched = Watched(context.new_page(), urlsplit(web_url).netloc)
        page = watched.page
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{web_url}/snapshots/{hostile_snapshot}")
        assert page.locator("#text").inner_text() == "What the page said."  # shown, as fetched
        assert page.title() == "Stored", "a script in the head ran"
        assert page.evaluate("() => document.body.dataset.ran") is None, "a script in the body or onerror ran"
        assert page.evaluate("() => window.origin") == "null", "the page shares the web app's origin"
        assert not any(url.endswith("/api/v1/status") for url in requested), "a script fetched from the app"
        assert any("sandboxed" in error or "Blocked script execution" in error for error in watched.errors), \
            watched.errors
        context.close()
