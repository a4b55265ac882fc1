"""The local ustr.gov mirror, exercised over real HTTP."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote, urljoin

import httpx
import pytest
from parsel import Selector

from testkit.mirror import MirrorServer, MirrorSite, Overload, RateLimit, fixtures, generated_site, timing
from testkit.mirror.overload import Refusal
from testkit.mirror.pages import ARCHIVE_BANNER

OFFICE = "/about-us/policy-offices/press-office"
LANDING = f"{OFFICE}/press-releases"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def page(client: httpx.Client, mirror: MirrorServer, path: str) -> Selector:
    response = client.get(mirror.url(path))
    assert response.status_code == 200, path
    return Selector(response.text)


def test_fixture_paths_are_served_statements(site: MirrorSite) -> None:
    paths = {s.path for s in site.statements}
    assert set(fixtures.ALL_PATHS) == paths and 40 <= len(paths) <= 60
    assert fixtures.NORTH_KOREA_PATH not in fixtures.KORUS_PATHS and fixtures.SEED_PATH in fixtures.KORUS_PATHS
    seed = site.statement(fixtures.SEED_PATH)
    assert seed.node_id == fixtures.SEED_NODE_ID and "initiated" in seed.paragraphs[-1]
    assert site.statement(fixtures.FOLDER_DATE_MISMATCH_PATH).published == date(2019, 3, 1)
    assert {s.theme for s in site.statements} == {"d7", "d8"}
    assert any(s.node_id is None for s in site.statements)


def test_landing_paginates_newest_first(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url: str | None = mirror.url(LANDING)
    hrefs: list[str] = []
    dates: list[str] = []
    pages_seen = 0
    first = page(client, mirror, LANDING)
    assert first.css("li.pager__item--last a::attr(href)").get() == "?page=3"
    while url:
        selector = Selector(client.get(url).text)
        rows = selector.css(".view-content .views-row")
        assert len(rows) <= 10
        hrefs += rows.css(".views-field-title a::attr(href)").getall()
        dates += rows.css("time.datetime::attr(datetime)").getall()
        assert set(rows.css(".views-field-field-document-type ::text").getall()) == {"Press Releases"}
        next_href = selector.css("li.pager__item--next a::attr(href)").get()
        url = urljoin(url, next_href) if next_href else None
        pages_seen += 1
    assert pages_seen >= 3
    assert dates == sorted(dates, reverse=True)
    assert sorted(hrefs) == sorted(mirror.url(s.path).removeprefix(mirror.base_url)
                                   for s in site.statements if s.section == "press-releases")
    assert "2019" in first.css("a.child::text").getall()


def test_listing_style_landing(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    speeches = page(client, mirror, f"{OFFICE}/speeches-and-remarks")
    assert speeches.css(".views-row").getall() == []
    first_item = speeches.css("ul.listing li")[0]
    assert (first_item.xpath("text()").get() or "").strip() == "09/03/2025" and first_item.css("a::attr(href)").get()
    site.set_landing_style("press-releases", "listing")
    assert len(page(client, mirror, LANDING).css("ul.listing li a")) == 10


def test_year_and_month_pages(mirror: MirrorServer, client: httpx.Client) -> None:
    year = page(client, mirror, f"{LANDING}/2018")
    months = [f"{LANDING}/2018/{month}" for month in ("september", "march", "january")]
    assert year.css("a.child::attr(href)").getall() == months
    assert year.css("ul.listing").getall() == []
    month = page(client, mirror, f"{LANDING}/2019/january")
    items = month.css("ul.listing li")
    dates = [datetime.strptime((item.xpath("text()").get() or "").strip(), "%m/%d/%Y") for item in items]
    assert dates == sorted(dates, reverse=True)
    assert f"{LANDING}/2019/january/ustr-statement-eu%E2%80%99s-consultation" in items.css("a::attr(href)").getall()
    assert len(page(client, mirror, f"{OFFICE}/fact-sheets/2014/march").css("ul.listing li")) == 1


def test_d7_statement_pages(mirror: MirrorServer, client: httpx.Client) -> None:
    seed = page(client, mirror, fixtures.SEED_PATH)
    assert seed.css("h1.pageTitle::text").get() == (
        "Statement on the Conclusion of US-Korea (Korus) FTA Meetings in Seoul"
    )
    assert seed.css("#main-content .content p::text").get() == "02/01/2018"
    body = seed.css("div.field-name-body div.field-items div.field-item.even")
    assert "initiated" in (body.get() or "") and body.css("p strong::text").get() == "Background:"
    assert body.css("p::text").getall()[-1] == "###"
    assert seed.css('link[rel="shortlink"]::attr(href)').get() == f"/node/{fixtures.SEED_NODE_ID}"
    inside = page(client, mirror, fixtures.BANNER_INSIDE_PATH).css("div.field-item.even")
    assert inside.xpath("./*[1]/@class").get() == "archive-banner"
    assert inside.css("p::text").get() == "07/12/2017"
    outside = page(client, mirror, fixtures.BANNER_OUTSIDE_PATH)
    assert " ".join(outside.css("body > .archive-banner ::text").getall()).split() == ARCHIVE_BANNER.split()
    assert outside.css("#main-content .content > p::text").get() == "August 22, 2017"
    assert page(client, mirror, fixtures.LEGACY_CASE_PATH).css('link[rel="shortlink"]').get() is None


def test_d8_statement_page(mirror: MirrorServer, client: httpx.Client) -> None:
    d8 = page(client, mirror, fixtures.D8_PATH).css("article.node--type-general")
    assert d8.css(".title-underline + *::text").get() == "September 03, 2025"
    body = d8.css("div.field--name-body.field--type-text-with-summary")
    assert (body.css("p::text").get() or "").startswith("Washington, DC –")
    korean = page(client, mirror, fixtures.KOREAN_TEXT_PATH).css(".field--name-body").get() or ""
    assert "한·미 자유무역협정" in korean and "산업통상자원부" in korean
    speech = page(client, mirror, fixtures.AS_PREPARED_PATH)
    assert speech.css(".title-underline + *::text").get() == "As Prepared for Delivery on September 3, 2025"


def test_curly_apostrophe_path_is_percent_encoded(mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.CURLY_PATH)
    assert "eu%E2%80%99s-consultation" in url
    assert "EU’s Consultation" in client.get(url).text


def test_redesign_uses_unknown_markup(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    site.redesign()
    html = client.get(mirror.url(fixtures.SEED_PATH)).text
    for known in ("field--name-body", "field-item", "pageTitle", "title-underline"):
        assert known not in html
    assert "initiated" in html


def test_conditional_requests(mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.SEED_PATH)
    first = client.get(url)
    assert client.get(url).headers["ETag"] == first.headers["ETag"]
    by_etag = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "garbage"}).status_code == 200
    assert [r.status for r in mirror.requests] == [200, 200, 304, 304, 200, 200]
    assert mirror.requests[2].if_none_match == first.headers["ETag"]
    assert (mirror.requests[0].user_agent or "").startswith("python-httpx")


def test_stop_hangs_up_and_restart_keeps_the_port(site: MirrorSite) -> None:
    mirror = MirrorServer(site).start()
    url = mirror.url(fixtures.SEED_PATH)
    with httpx.Client(timeout=5) as client:
        assert client.get(url).status_code == 200
        mirror.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url)
        with mirror:
            assert client.get(url).status_code == 200


def test_edit_changes_validators(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.SEED_PATH)
    before = client.get(url)
    site.edit(fixtures.SEED_PATH, replace=fixtures.SEED_EDIT)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "launched talks" in after.text and "initiated" not in after.text
    modified = [parsedate_to_datetime(r.headers["Last-Modified"]) for r in (before, after)]
    assert modified[1] > modified[0]
    assert client.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status_code == 200
    site.set_chrome("USTR · new footer")
    chrome_only = client.get(url)
    assert chrome_only.headers["ETag"] != after.headers["ETag"] and "new footer" in chrome_only.text
    assert Selector(chrome_only.text).css(".field-item").get() == Selector(after.text).css(".field-item").get()


def test_remove_and_restore(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url, month = mirror.url(fixtures.SEED_PATH), mirror.url(f"{OFFICE}/fact-sheets/2018/january")
    etag = client.get(url).headers["ETag"]
    site.remove(fixtures.SEED_PATH)
    gone = client.get(url)
    assert gone.status_code == 404 and "Page not found" in gone.text
    assert client.get(month).status_code == 404  # it was the month's only statement
    assert client.get(mirror.url(f"/node/{fixtures.SEED_NODE_ID}")).status_code == 404
    site.restore(fixtures.SEED_PATH)
    assert client.get(url).headers["ETag"] == etag and client.get(month).status_code == 200


def test_fault_then_recovery(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    site.fault(fixtures.SEED_PATH, status=503, times=2)
    url = mirror.url(fixtures.SEED_PATH)
    assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]


def test_redirects(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    old = client.get(mirror.url(fixtures.ABOUT_2026_PATH.replace("/about/", "/about-us/", 1)))
    assert old.status_code == 301 and old.headers["Location"] == fixtures.ABOUT_2026_PATH
    assert client.get(mirror.url(fixtures.ABOUT_2026_PATH)).status_code == 200
    node = client.get(mirror.url(f"/node/{fixtures.SEED_NODE_ID}"))
    assert node.status_code == 301 and node.headers["Location"] == fixtures.SEED_PATH
    site.redirect(fixtures.SEED_PATH, "http://example.invalid/x")
    assert client.get(mirror.url(fixtures.SEED_PATH)).headers["Location"] == "http://example.invalid/x"
    site.redirect("/a", "/b", status=302)
    site.redirect("/b", "/a", status=302)
    with pytest.raises(httpx.TooManyRedirects):
        client.get(mirror.url("/a"), follow_redirects=True)


def test_raw_bodies_and_hangs(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    site.set_raw(fixtures.D8_PATH, b"<html><body><p>caf\xe9 <div", "text/html; charset=windows-1252")
    raw = client.get(mirror.url(fixtures.D8_PATH))
    assert raw.content == b"<html><body><p>caf\xe9 <div" and raw.headers["Content-Type"].endswith("windows-1252")
    site.clear_override(fixtures.D8_PATH)
    site.hang(fixtures.D8_PATH, 0.5, times=1)
    started = time.monotonic()
    assert client.get(mirror.url(fixtures.D8_PATH)).status_code == 200
    assert time.monotonic() - started >= 0.5
    with pytest.raises(httpx.ReadTimeout):
        site.hang(fixtures.D8_PATH, 5, times=1)
        client.get(mirror.url(fixtures.D8_PATH), timeout=0.2)


def test_robots_and_unknown_paths(mirror: MirrorServer, client: httpx.Client) -> None:
    robots = client.get(mirror.url("/robots.txt")).text
    assert "Disallow: /node/add/" in robots and "Crawl-delay" not in robots and "Sitemap" not in robots
    assert "/about-us" not in robots
    missing = client.get(mirror.url(f"{LANDING}/rss.xml"))
    assert missing.status_code == 404 and "footer-notice" in missing.text


def test_new_statement_tops_the_landing(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    added = site.new_statement(title="USTR Statement on KORUS Tariffs", paragraphs=["Washington, DC – Text."],
                               published=date(2026, 11, 27))
    assert added.path == (
        "/about/policy-offices/press-office/press-releases/2026/november/ustr-statement-on-korus-tariffs"
    )
    assert added.node_id == site.next_node_id() - 1
    again = site.new_statement(title="USTR Statement on KORUS Tariffs", paragraphs=["x"], published=date(2026, 11, 27))
    assert again.slug.endswith("-0")
    rows = page(client, mirror, LANDING).css(".views-row .views-field-title a::attr(href)").getall()
    assert set(rows[:2]) == {again.href, added.href}


def test_concurrent_requests_during_mutations(site: MirrorSite, mirror: MirrorServer) -> None:
    urls = [mirror.url(path) for path in fixtures.ALL_PATHS] * 4

    def fetch(chunk: list[str]) -> list[int]:
        with httpx.Client(timeout=10) as client:
            return [client.get(url).status_code for url in chunk]

    with ThreadPoolExecutor(8) as pool:
        results = pool.map(fetch, [urls[i::8] for i in range(8)])
        for n in range(20):
            site.set_chrome(f"chrome {n}")
        assert {status for statuses in results for status in statuses} == {200}


def test_generated_site_is_deterministic() -> None:
    site = generated_site(300, seed=1)
    assert [s.path for s in site.statements] == [s.path for s in generated_site(300, seed=1).statements]
    assert len(site.statements) == 300 and site.page_size == 25
    assert 2 <= sum("KORUS" in " ".join(s.paragraphs) for s in site.statements) <= 30
    with MirrorServer(site) as mirror, httpx.Client() as client:
        sizes = [len(client.get(mirror.url(s.path)).content) for s in site.statements[:50]]
    assert 5_000 < sum(sizes) / len(sizes) < 7_500


def _start_mirror(*arguments: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "testkit.mirror", *arguments], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 30)
    assert ready, "the mirror did not announce its URL"
    line = process.stdout.readline()
    assert line.startswith("MIRROR_URL=http://127.0.0.1:")
    return process, line.strip().removeprefix("MIRROR_URL=")


def test_control_api_from_another_process(client: httpx.Client) -> None:
    process, base = _start_mirror("--fixture", "korus", "--port", "0")
    try:
        assert fixtures.SEED_PATH in client.get(f"{base}/_mirror/statements").json()["paths"]
        seed_url = base + fixtures.SEED_PATH
        edit = {"path": fixtures.SEED_PATH, "replace": list(fixtures.SEED_EDIT)}
        edited = client.post(f"{base}/_mirror/edit", json=edit)
        assert edited.json()["ok"] and "launched talks" in client.get(seed_url).text
        added = client.post(f"{base}/_mirror/new_statement", json={
            "title": "KORUS Statement", "paragraphs": ["Washington, DC – Hello."], "published": "2026-11-27"}).json()
        assert client.get(base + added["href"]).status_code == 200
        client.post(f"{base}/_mirror/fault", json={"path": fixtures.SEED_PATH, "times": 1})
        assert client.get(seed_url).status_code == 503
        assert client.post(f"{base}/_mirror/nonsense", json={}).status_code == 404
        assert client.post(f"{base}/_mirror/edit", json={"path": "/nope"}).status_code == 404
        statuses = [r["status"] for r in client.get(f"{base}/_mirror/requests").json()["requests"]]
        assert statuses == [200, 200, 503]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout is not None and process.stdout.read() == ""


def test_generated_fixture_from_the_command_line(client: httpx.Client) -> None:
    process, base = _start_mirror("--fixture", "generated", "--statements", "40")
    try:
        assert len(client.get(f"{base}/_mirror/statements").json()["paths"]) == 40
        landing = client.get(f"{base}{LANDING}")
        assert 0 < len(Selector(landing.text).css(".views-row")) <= 25
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


# -- latency, timings and overload

LATENCY = 0.15


def test_timing_peaks() -> None:
    assert timing.peak_per_window([]) == 0 and timing.peak_in_flight([]) == 0
    arrivals = [0.0, 0.2, 0.9, 0.99, 1.0, 1.5, 1.95, 2.1]
    assert timing.peak_per_window(arrivals) == 4  # [0.2, 1.2), [0.9, 1.9) and [0.99, 1.99); no window holds 5
    assert timing.peak_per_window([0.0, 0.5, 1.0]) == 2  # a window is half-open
    assert timing.peak_per_window(arrivals, window=0.05) == 2  # 0.99 and 1.0
    assert timing.peak_per_window([0.0, 0.01, 0.02, 5.0], window=0.1) == 3
    spans = [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.2, None)]
    assert timing.peak_in_flight(spans) == 3  # 0.5-1.5, 1.0-2.0 and the unfinished one; 0.0-1.0 ended at 1.0
    assert timing.peak_in_flight([(0.0, 1.0), (1.0, 2.0)]) == 1
    with pytest.raises(ValueError):
        timing.peak_per_window(arrivals, window=0)


def test_latency_delays_every_answer_but_the_control_api(site: MirrorSite, client: httpx.Client) -> None:
    site.fault(fixtures.D8_PATH, status=503, times=1)
    with MirrorServer(site, latency=LATENCY) as mirror:
        url = mirror.url(fixtures.SEED_PATH)
        etag = client.get(url).headers["ETag"]
        answers = [
            client.get(url, headers={"If-None-Match": etag}),  # a 304 waits too
            client.get(mirror.url("/no/such/page")),
            client.get(mirror.url(fixtures.D8_PATH)),
        ]
        assert [a.status_code for a in answers] == [304, 404, 503]
        assert all(a.elapsed.total_seconds() >= LATENCY for a in answers)
        assert client.get(f"{mirror.base_url}/_mirror/statements").elapsed.total_seconds() < LATENCY
        logged = mirror.requests
        assert len(logged) == 4 and all(r.finished is not None and r.finished - r.arrived >= LATENCY for r in logged)
        mirror.latency = 0
        assert client.get(url).elapsed.total_seconds() < LATENCY
        with pytest.raises(ValueError):
            mirror.latency = -1


def test_latency_blocks_only_its_own_request(site: MirrorSite) -> None:
    """Many clients at once each wait out the latency side by side: the threaded server is no bottleneck."""
    clients, each = 32, 3
    with MirrorServer(site, latency=LATENCY) as mirror:
        urls = [mirror.url(path) for path in fixtures.ALL_PATHS]
        start = threading.Barrier(clients)

        def fetch(n: int) -> list[int]:
            with httpx.Client(timeout=10) as client:
                start.wait()
                return [client.get(urls[(n + k) % len(urls)]).status_code for k in range(each)]

        with ThreadPoolExecutor(clients) as pool:
            statuses = [status for batch in pool.map(fetch, range(clients)) for status in batch]
        assert statuses == [200] * clients * each
        log = mirror.request_log
        # 32 and ~0.5 s on an idle machine; the bounds leave room for a busy one (the clients share its cores).
        assert log.peak_in_flight() >= 16
        assert log.peak_requests_per_second() >= 2 * clients
        served_in = log.summary()["seconds"]  # first arrival to last answer, the clients' start-up left out
        assert served_in is not None and served_in < clients * each * LATENCY / 4  # serially: 14.4 s


def test_a_burst_of_connections_is_queued_not_refused(site: MirrorSite) -> None:
    """A large listen backlog: 256 connections opened at once are all answered (python -m http.server's 5 is not)."""
    request = f"GET {quote(fixtures.SEED_PATH)} HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n".encode()
    with MirrorServer(site, latency=LATENCY) as mirror:
        port = int(mirror.base_url.rsplit(":", 1)[1])
        connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(256)]
        for connection in connections:
            connection.sendall(request)
        answers = []
        for connection in connections:
            with connection:
                answers.append(b"".join(iter(partial(connection.recv, 65536), b"")))
        assert all(answer.startswith(b"HTTP/1.1 200 OK") for answer in answers)
        assert mirror.request_log.peak_in_flight() >= 16  # 256 on an idle machine, ~50 on one loaded 4 times over


def test_request_rate_of_a_sequential_client(site: MirrorSite, client: httpx.Client) -> None:
    with MirrorServer(site, latency=LATENCY) as mirror:
        for _ in range(12):
            client.get(mirror.url(fixtures.SEED_PATH))
        log = mirror.request_log
        assert log.peak_in_flight() == 1
        # One every 0.15 s and a bit: never more than the latency allows, fewer only when the machine is loaded.
        assert 4 <= log.peak_requests_per_second() <= 7
        summary = log.summary()
        assert summary["requests"] == 12 and summary["peak_in_flight"] == 1
        seconds = summary["seconds"]
        assert seconds is not None and 12 * LATENCY <= seconds < 12 * LATENCY + 3
        log.clear()
        assert log.summary()["requests"] == 0 and log.peak_in_flight() == 0


def test_overload_refuses_an_even_share(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.SEED_PATH)
    etag = client.get(url).headers["ETag"]
    site.overload(share=0.3, status=503, retry_after=120)
    answers = [client.get(url, headers={"If-None-Match": etag}) for _ in range(20)]
    refused = [n for n, answer in enumerate(answers, 1) if answer.status_code == 503]
    assert refused == [4, 7, 10, 14, 17, 20]
    assert {answer.status_code for answer in answers} == {304, 503}  # refused, not "not modified"
    assert all(answers[n - 1].headers["Retry-After"] == "120" for n in refused)
    assert "Retry-After" not in answers[0].headers
    site.clear_overload()
    assert {client.get(url).status_code for _ in range(5)} == {200}


def test_seeded_overload_repeats_itself(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.SEED_PATH)

    def statuses() -> list[int]:
        site.clear_overload()
        site.overload(share=0.5, status=429, retry_after=3, seed=7)
        return [client.get(url).status_code for _ in range(40)]

    first = statuses()
    assert first == statuses() and 10 <= first.count(429) <= 30 and set(first) == {200, 429}
    assert first != [200, 429] * 20


def test_rate_limit(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    url = mirror.url(fixtures.SEED_PATH)
    now = 1000.0
    site.clock = lambda: now
    site.rate_limit(per_second=5, retry_after=2)
    answers = [client.get(url) for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 5
    assert answers[-1].headers["Retry-After"] == "2" and "Too Many Requests" in answers[-1].text
    now += 0.99
    assert client.get(url).status_code == 429
    now += 0.01  # a second after the first five: their slots are free
    assert client.get(url).status_code == 200


def test_overload_and_rate_limit_units() -> None:
    overload = Overload(0.25)
    assert [overload.check(0) is not None for _ in range(8)] == [False, False, False, True] * 2
    assert overload.refused == 2
    assert Overload(1.0, status=429).check(0) == Refusal(429, 120) and Overload(0).check(0) is None
    limit = RateLimit(2, retry_after=None, window=1.0)
    assert [limit.check(t) is None for t in (0.0, 0.1, 0.2, 0.99, 1.0, 1.05, 1.1)] == [
        True, True, False, False, True, False, True]  # 1.0 frees the slot taken at 0.0, 1.1 the one at 0.1
    for bad in (lambda: Overload(1.5), lambda: Overload(0.5, status=200), lambda: RateLimit(-1),
                lambda: Overload(0.5, retry_after=-3)):
        with pytest.raises(ValueError):
            bad()


def test_fault_with_retry_after(site: MirrorSite, mirror: MirrorServer, client: httpx.Client) -> None:
    when = "Wed, 21 Oct 2026 07:28:00 GMT"
    site.fault(fixtures.SEED_PATH, status=429, times=1, retry_after=when)
    limited = client.get(mirror.url(fixtures.SEED_PATH))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == when
    assert client.get(mirror.url(fixtures.SEED_PATH)).status_code == 200


def test_latency_timing_and_overload_from_another_process(client: httpx.Client) -> None:
    process, base = _start_mirror("--latency", str(LATENCY))
    try:
        urls = [base + quote(path) for path in fixtures.ALL_PATHS[:16]]
        clients = [httpx.Client(timeout=10) for _ in urls]  # made first: a client's TLS context costs ~30 ms of CPU
        start = threading.Barrier(len(urls))

        def fetch(client_and_url: tuple[httpx.Client, str]) -> int:
            start.wait()
            return client_and_url[0].get(client_and_url[1]).status_code

        with ThreadPoolExecutor(len(urls)) as pool:
            assert set(pool.map(fetch, zip(clients, urls, strict=True))) == {200}
        for each in clients:
            each.close()
        summary = client.get(f"{base}/_mirror/timing").json()
        assert summary["requests"] == 16 and summary["peak_in_flight"] >= 8
        assert summary["peak_requests_per_second"] == summary["peak_requests_per_window"] >= 8
        assert summary["window"] == 1.0
        assert client.get(f"{base}/_mirror/timing?window=0.001").json()["peak_requests_per_window"] < 16
        assert client.get(f"{base}/_mirror/timing?window=x").status_code == 400
        timed = client.get(f"{base}/_mirror/requests").json()["requests"][0]
        assert timed["finished"] - timed["arrived"] >= LATENCY

        assert client.post(f"{base}/_mirror/latency", json={"seconds": 0}).json() == {"ok": True, "latency": 0.0}
        assert client.get(urls[0]).elapsed.total_seconds() < LATENCY
        assert client.post(f"{base}/_mirror/latency", json={"seconds": -1}).status_code == 400
        assert client.post(f"{base}/_mirror/latency", json={}).status_code == 400

        assert client.post(f"{base}/_mirror/overload", json={"share": 0.5, "status": 429, "retry_after": 7}).json()["ok"]
        answers = [client.get(urls[0]) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 429, 200, 429] and answers[1].headers["Retry-After"] == "7"
        client.post(f"{base}/_mirror/clear_overload", json={})
        client.post(f"{base}/_mirror/rate_limit", json={"per_second": 1})
        assert [client.get(urls[0]).status_code for _ in range(2)] == [200, 429]
        assert client.post(f"{base}/_mirror/overload", json={"share": 2}).status_code == 400
        client.post(f"{base}/_mirror/clear_overload", json={})
        client.post(f"{base}/_mirror/fault", json={"path": fixtures.SEED_PATH, "status": 503, "retry_after": 30})
        faulted = client.get(base + quote(fixtures.SEED_PATH))
        assert faulted.status_code == 503 and faulted.headers["Retry-After"] == "30"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
