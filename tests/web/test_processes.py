"""`korus-watch web` and `korus-watch serve` as real processes on a crawled archive (tests/web/conftest.py): every
route's status and content type, the hostile title escaped in pages and the feed, 404 and 400 (never 500) on bad
input, GET and HEAD only, `web` crawling and sending nothing and stopping cleanly, and the links in `serve`'s alerts
opening the event page on serve's own port. test_http.py checks what the answers say in depth, in-process."""

from __future__ import annotations

import re
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from markupsafe import escape
from sqlalchemy import func, select
from starlette.routing import BaseRoute, Mount, Route

from archive.models import CrawlRun
from notify.models import Delivery
from testkit.mirror.fixtures import SEED_EDIT
from testkit.notify_support import channel_toml, settings_from
from testkit.servers import WebhookReceiver
from tests.conftest import PACE_OFF, KorusWatch
from tests.serving import Serve
from tests.web.conftest import CHANNEL_SECRET, HOSTILE_TITLE, BuiltArchive, web_app
from web.middleware import CONTENT_SECURITY_POLICY, SANDBOXED_POLICY

RAW_MARKUP = ("<script>alert", "<img src=x", 'onerror="alert')
ESCAPED_TITLE = str(escape(HOSTILE_TITLE))
HTML, JSON, ATOM, CSS, JS = "text/html", "application/json", "application/atom+xml", "text/css", "text/javascript"
WEB_INBOX, SERVE_INBOX = "/generic/web", "/generic/serve"
# Fast crawls (the politeness pace off) and, for `web`, a poll due every second if it ever scheduled one.
CRAWL = "[crawl]\n" + PACE_OFF + "timeout_seconds = 5\nretry_times = 1\ninterval_minutes = {interval}\n"


def ingest_channel(receiver: WebhookReceiver, path: str) -> str:
    """The channel the archive's deliveries are queued for (tests/web/conftest.py), here posting to the receiver."""
    return channel_toml(name="ingest", type="webhook", url=receiver.url(path), secret=CHANNEL_SECRET, mode="instant",
                        topics=[])


def configured(built: BuiltArchive, directory: Path, text: str) -> KorusWatch:
    config = directory / "korus-watch.toml"
    config.write_text(text, encoding="utf-8")
    settings_from(text)  # a typo here would otherwise show as a process that does not start
    return KorusWatch(config=config, env={**built.korus_watch.env, "KORUS_WATCH_CONFIG": str(config)})


def crawl_runs(built: BuiltArchive) -> int:
    with built.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(CrawlRun)) or 0


def deliveries(built: BuiltArchive) -> Counter[str]:
    with built.db.sessions() as session:
        return Counter(str(status) for status in session.scalars(select(Delivery.status)))


def traceback_free(process: Serve) -> None:
    log = "\n".join(process.lines)
    assert "Traceback" not in log and "request failed" not in log, process.log()


@pytest.fixture(scope="module")
def receiver(built: BuiltArchive) -> Iterator[WebhookReceiver]:
    """One per archive (per backend): what it receives comes from that archive's processes."""
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def before_web(built: BuiltArchive) -> tuple[int, Counter[str]]:
    """The archive's crawl runs and deliveries before `web` starts: it must add and send none."""
    return crawl_runs(built), deliveries(built)


@pytest.fixture(scope="module")
def web(built: BuiltArchive, receiver: WebhookReceiver, before_web: tuple[int, Counter[str]],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One `korus-watch web` process for the module, configured like a service: a poll due every 1.2 s and a
    channel with queued deliveries that posts to the receiver."""
    korus_watch = configured(built, tmp_path_factory.mktemp("web"),
                             CRAWL.format(interval=0.02) + ingest_channel(receiver, WEB_INBOX))
    process = Serve(korus_watch, command="web").start()
    yield process
    if process.process is not None and process.process.poll() is None:
        process.process.kill()
        process.process.wait()


@pytest.fixture(scope="module")
def client(web: Serve) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def ids(client: httpx.Client, built: BuiltArchive) -> dict[str, int]:
    """The ids the routes are checked with: the edited and the hostile statement, an event of each kind."""
    events = client.get("/api/v1/events").json()["items"]
    edited = built.statement_id(built.edited)
    snapshot = client.get(f"/api/v1/statements/{edited}/versions/1/snapshot").json()
    return {"edited": edited, "hostile": built.statement_id(built.hostile), "snapshot": snapshot["id"],
            **{f"event_{item['kind']}": item["id"] for item in events}}


# Every route of the app with the content type it answers (the table is checked against the app's routes below).
ROUTES = [
    ("/", HTML), ("/?kind=edited&topic=korus", HTML), ("/statements", HTML), ("/statements?q=korus+tariffs", HTML),
    ("/statements/{edited}", HTML), ("/statements/{edited}/diff?from=1&to=2", HTML),
    ("/statements/{edited}/versions/1", HTML), ("/?significance=substantive&source=press-office", HTML),
    ("/feeds/events.atom?significance=wording", ATOM),
    ("/statements/{edited}/diff.patch?from=1&to=2", "text/x-diff"), ("/events/{event_new}", HTML),
    ("/events/{event_edited}", HTML), ("/events/{event_removed}", HTML), ("/status", HTML),
    ("/feeds/events.atom", ATOM), ("/feeds/events.atom?kind=new", ATOM), ("/static/style.css", CSS),
    ("/static/timeline.js", JS), ("/?before=3", HTML), ("/?after=1", HTML),
    ("/api/v1/statements", JSON), ("/api/v1/statements?q=korus&limit=5", JSON), ("/api/v1/statements/{edited}", JSON),
    ("/api/v1/statements/{edited}/versions/1", JSON), ("/api/v1/statements/{edited}/diff?from=1&to=2", JSON),
    ("/api/v1/events", JSON), ("/api/v1/events?since=1&limit=1", JSON), ("/api/v1/events/{event_new}", JSON),
    ("/api/v1/status", JSON), ("/api/v1/openapi.json", JSON), ("/api/v1/docs", HTML),
    ("/feeds/search.atom?q=korus", ATOM), ("/api/v1/statements/{edited}/versions/1/snapshot", JSON),
    ("/api/v1/snapshots/{snapshot}", JSON),
    ("/snapshots/{snapshot}", HTML), ("/api/v1/snapshots/{snapshot}/body", HTML),
    ("/api/v1/statements/{edited}/versions/1/snapshot/body", HTML),
]
# Stored responses as fetched: under the type they were received with, in a sandbox.
AS_FETCHED = {"/snapshots/{snapshot}", "/api/v1/snapshots/{snapshot}/body",
              "/api/v1/statements/{edited}/versions/1/snapshot/body"}


def leaves(routes: list[BaseRoute]) -> Iterator[Route | Mount]:
    """The app's routes, those of its included routers among them (FastAPI keeps those in a route of their own)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from leaves(included.routes)
        else:
            assert isinstance(route, Route | Mount), route
            yield route


def test_every_route_answers_with_its_content_type_and_the_security_headers(
        client: httpx.Client, ids: dict[str, int], built: BuiltArchive) -> None:
    untested = [route.path for route in leaves(web_app(built).routes)
                if not any(route.path_regex.match(path.split("?")[0]) for path, _ in ROUTES)]
    assert not untested, f"routes missing from ROUTES: {untested}"
    problems = []
    for template, content_type in ROUTES:
        path = template.format(**ids)
        for method in ("GET", "HEAD"):
            response = client.request(method, path)
            headers = response.headers
            if (response.status_code != 200 or not headers.get("content-type", "").startswith(content_type)
                    or headers.get("x-content-type-options") != "nosniff"
                    or headers.get("content-security-policy") != (
                        SANDBOXED_POLICY if template in AS_FETCHED else CONTENT_SECURITY_POLICY)
                    or (method == "HEAD") != (response.content == b"")):
                problems.append((method, path, response.status_code, dict(headers), response.text[:200]))
    assert not problems
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.") and "/api/v1/events/{event_id}" in document["paths"]
    diff = client.get(f"/statements/{ids['edited']}/diff", params={"from": 1, "to": 2}).text
    assert f"<del>{SEED_EDIT[0]}</del>" in diff and f"<ins>{SEED_EDIT[1]}</ins>" in diff
    status = client.get("/status").text + client.get("/api/v1/status").text
    assert "ingest" in status and "succeeded" in status and CHANNEL_SECRET not in status


def test_the_hostile_title_is_escaped_in_every_page_and_the_feed(client: httpx.Client, ids: dict[str, int]) -> None:
    for path in ("/", "/?kind=new", f"/statements/{ids['hostile']}", f"/events/{ids['event_new']}",
                 "/statements?q=tariffs+onerror", "/statements?q=%3Cscript%3E"):
        page = client.get(path).text
        assert not [raw for raw in RAW_MARKUP if raw in page], path
        assert ESCAPED_TITLE in page or "<mark>" in page, path  # search results mark the words they matched
    assert "&lt;b&gt;met&lt;/b&gt;" in client.get(f"/statements/{ids['hostile']}").text

    response = client.get("/feeds/events.atom")
    assert not [raw for raw in RAW_MARKUP if raw in response.text]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    hostile = next(entry for entry in feed.entries if entry.title == f"New: {HOSTILE_TITLE}")
    assert "<script>" not in hostile.content[0].value and "&lt;script&gt;" in hostile.content[0].value
    # Each entry links to its event's page on this server (a path: http.public_url is not set), which answers.
    for entry in feed.entries:
        assert entry.link.startswith("/events/"), entry.link
        assert client.get(entry.link).status_code == 200, entry.link
    (found,) = client.get("/api/v1/statements", params={"q": "KORUS <script>"}).json()["items"]
    assert found["title"] == HOSTILE_TITLE  # JSON carries the text as it is, served as JSON with nosniff


NOT_FOUND = [
    "/statements/999999", "/statements/999999/diff", "/statements/{edited}/diff?from=1&to=99",
    "/statements/999999/diff.patch", "/statements/{hostile}/diff.patch", "/events/999999", "/nowhere", "/static/nothing.css", "/feeds/nothing.atom",
    "/api/v1/statements/999999", "/api/v1/statements/{edited}/versions/99", "/api/v1/statements/999999/diff",
    "/api/v1/events/999999", "/api/v1/nothing",
]
BAD_REQUEST = [
    "/?kind=bogus", "/?from=2026-13-01", "/?before=-3", "/statements?year=abc", "/statements?q=%22%22",
    "/statements?cursor=garbage", "/statements?sort=alphabetical", "/statements/abc", "/statements/99999999999",
    "/statements/{edited}/diff?from=0", "/events/abc", "/events/-1", "/feeds/events.atom?kind=typo",
    "/?topic=nope", "/statements?section=nope", "/feeds/events.atom?section=nope", "/api/v1/events?topic=nope",
    "/?before=3&after=1",
    "/api/v1/statements?limit=1000", "/api/v1/statements?limit=abc", "/api/v1/statements?status=gone",
    "/api/v1/statements?q=***", "/api/v1/statements?cursor=garbage", "/api/v1/statements/abc",
    "/api/v1/statements/{edited}/versions/0", "/api/v1/events?since=-1", "/api/v1/events/abc",
]
# Odd input whose answer may be 200, 400 or 404: never a server error.
ODD = [
    "/statements?q=%00", "/statements?q=%C3%28", "/statements?q=NEAR(korus", "/statements?q=title:*",
    "/statements?q='%3B+DROP+TABLE+statements%3B+--", "/statements?q=" + "korus+" * 100, "/?to=9999-12-31",
    "/?before=99999999999999999999", "/statements/{edited}/diff?from=2&to=1", "/statements/{edited}/diff?from=2&to=2",
    "/api/v1/statements?cursor=%FF%FE", "/api/v1/events?since=99999999999999999999", "/statements/%2e%2e/%2e%2e/etc",
    "/statements?year=99999", "/api/v1/statements?q=%E2%80%8B", "/?topic=" + "x" * 2000, "/%ff",
]


def test_bad_input_answers_404_or_400_and_never_a_server_error(client: httpx.Client, ids: dict[str, int],
                                                             web: Serve) -> None:
    def answers(paths: list[str]) -> list[tuple[str, int, str]]:
        return [(path, (r := client.get(path.format(**ids))).status_code, r.headers["content-type"])
                for path in paths]

    assert [a for a in answers(NOT_FOUND) if a[1] != 404] == []
    assert [a for a in answers(BAD_REQUEST) if a[1] != 400] == []
    for path, _, content_type in answers(NOT_FOUND + BAD_REQUEST):  # JSON for programs, a page for people
        assert content_type.startswith(JSON if path.startswith(("/api/", "/feeds/")) else HTML), (path, content_type)
    assert [a for a in answers(ODD) if a[1] not in (200, 400, 404)] == []
    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        for path in ("/", "/statements", "/api/v1/statements", "/api/v1/events", "/feeds/events.atom", "/nowhere"):
            response = client.request(method, path, json={"title": HOSTILE_TITLE})
            assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD", (method, path)
            content_type = JSON if path.startswith(("/api/", "/feeds/")) else HTML
            assert response.headers["content-type"].startswith(content_type), (method, path)
    traceback_free(web)


def test_web_crawls_and_sends_nothing_and_stops_cleanly_on_sigterm(
        web: Serve, built: BuiltArchive, receiver: WebhookReceiver, before_web: tuple[int, Counter[str]]) -> None:
    runs, queued = before_web
    assert queued["pending"] > 0  # deliveries are waiting for the channel `web` is configured with
    time.sleep(max(0.0, 1.5 - (time.monotonic() - web.started_at)))  # longer than the 1.2 s poll interval
    assert receiver.requests() == []
    assert crawl_runs(built) == runs and deliveries(built) == queued
    started = time.monotonic()
    assert web.stop(signal.SIGTERM, timeout=15) == 0, web.log()
    assert time.monotonic() - started < 10
    traceback_free(web)


def test_web_listens_where_its_command_line_says(built: BuiltArchive, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`--host` and `--port` win over [http]: the file's address is one this machine does not have (TEST-NET-1) and
    its port is taken, so `web` starts only if it listens where the command line says."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        korus_watch = configured(built, tmp_path_factory.mktemp("address"), CRAWL.format(interval=15)
                                 + f'[http]\nhost = "192.0.2.1"\nport = {taken.getsockname()[1]}\n')
        process = Serve(korus_watch, command="web", address_on_command_line=True)
        try:
            process.start()
            assert httpx.get(f"{process.url}/", timeout=10).status_code == 200
            assert any(f"web app at http://127.0.0.1:{process.port}/" in line for line in process.lines), process.log()
            assert process.stop(signal.SIGTERM, timeout=15) == 0, process.log()
        finally:
            if process.process is not None and process.process.poll() is None:
                process.process.kill()
                process.process.wait()


def test_serve_alerts_link_to_the_event_page_on_its_own_port(built: BuiltArchive, receiver: WebhookReceiver,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """Runs after `web`'s tests: the poll it makes adds to the shared archive."""
    korus_watch = configured(built, tmp_path_factory.mktemp("serve"), CRAWL.format(interval=0.05)
                             + "[service]\npoll_jitter_seconds = 0\ndelivery_sweep_seconds = 1\n"
                             "shutdown_grace_seconds = 10\n[notify]\ntimeout_seconds = 2\nbackoff_seconds = 0.5\n"
                             + ingest_channel(receiver, SERVE_INBOX))
    title = "KORUS Joint Committee meets on automobile tariffs, seen by the service"
    service = Serve(korus_watch, public_url=True)  # http.public_url: http://127.0.0.1:{its port}
    try:
        service.start()
        public_url = service.url
        built.site.new_statement(title=title, paragraphs=[
            "The U.S.-Korea Free Trade Agreement (KORUS FTA) Joint Committee met on tariffs."])

        def alert() -> dict[str, object] | None:
            events = [event for request in receiver.requests(SERVE_INBOX) for event in request.json["events"]]
            return next((event for event in events if event["title"] == title), None)

        service.wait_until(alert, "the new statement's alert", timeout=45)
        event = alert()
        assert event is not None and event["kind"] == "new"
        link = f"{public_url}/events/{event['event_id']}"
        assert event["page_url"] == link
        assert any(link in request.body.decode() for request in receiver.requests(SERVE_INBOX))

        page = httpx.get(link, timeout=10)  # serve's own port, the one /healthz answers on
        assert page.status_code == 200 and page.headers["content-type"].startswith(HTML)
        assert title in page.text and 'class="kind kind-new"' in page.text
        assert re.search(rf'href="[^"]*/statements/{event["statement_id"]}"', page.text)
        assert httpx.get(f"{public_url}/healthz", timeout=10).status_code == 200
        # The events queued before (the hostile title's among them) link to pages that answer as well.
        for request in receiver.requests(SERVE_INBOX):
            for queued in request.json["events"]:
                assert str(queued["page_url"]).startswith(f"{public_url}/events/")
                assert httpx.get(str(queued["page_url"]), timeout=10).status_code == 200, queued
        assert receiver.requests(WEB_INBOX) == []
        assert service.stop(signal.SIGTERM) == 0, service.log()
        traceback_free(service)
    finally:
        if service.process is not None and service.process.poll() is None:
            service.process.kill()
            service.process.wait()

