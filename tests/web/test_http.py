"""The web app over real HTTP (uvicorn on a loopback port) on a crawled archive: pages, feed, API, refusals."""

from __future__ import annotations

import html
import json
import re
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from sqlalchemy import update
from starlette.types import Receive, Scope, Send

from archive.models import EventKind, Statement
from testkit.mirror.fixtures import SEED_EDIT
from tests.web.conftest import CHANNEL_SECRET, HOSTILE_TITLE, BuiltArchive, serving, web_app
from web.links import event_url
from web.middleware import CONTENT_SECURITY_POLICY
from web.rendering import markdown, markdown_inline
from web.settings import HttpSettings

RAW_MARKUP = ("<script>alert", "<img src=x", "onerror=\"alert")


@pytest.fixture(scope="module")
def client(web_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_url, timeout=30) as client:
        yield client


def ok_html(client: httpx.Client, path: str, **params: str | int) -> str:
    # httpx replaces a URL's own query with `params` when given any, even empty ones.
    response = client.get(path, params=params) if params else client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff" and response.headers["x-frame-options"] == "DENY"
    for raw in RAW_MARKUP:
        assert raw not in response.text, (path, raw)
    return response.text


def event_ids(client: httpx.Client) -> dict[str, int]:
    items = client.get("/api/v1/events").json()["items"]
    return {item["kind"]: item["id"] for item in items}


def newest_first(client: httpx.Client, kinds: set[str]) -> list[str]:
    ids = event_ids(client)
    return sorted(kinds, key=lambda kind: -ids[kind])


def test_the_timeline_lists_every_change_newest_first_with_topics(client: httpx.Client, built: BuiltArchive) -> None:
    page = ok_html(client, "/")
    kinds = re.findall(r'class="kind kind-(\w+)"', page)
    assert kinds == newest_first(client, {"removed", "new", "edited"}) and kinds[0] == "removed"
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; KORUS" in page
    assert '<span class="topic">korus</span>' in page and "Joint Committee" in page
    assert 'rel="alternate" type="application/atom+xml"' in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "edited"}, {"edited"}),
        ({"kind": "new", "topic": "korus"}, {"new"}),
        ({"topic": "korus"}, {"new", "edited"}),
        ({"section": "fact-sheets"}, {"removed", "edited"}),
        ({"from": "2000-01-01", "to": "2999-12-31"}, {"removed", "new", "edited"}),
        ({"to": "2000-01-01"}, set()),
        ({"kind": "", "topic": "", "section": "", "from": "", "to": ""}, {"removed", "new", "edited"}),
    ],
)
def test_timeline_filters(client: httpx.Client, params: dict[str, str], expected: set[str]) -> None:
    page = ok_html(client, "/", **params)
    assert re.findall(r'class="kind kind-(\w+)"', page) == newest_first(client, expected)
    if not expected:
        assert "No changes match these filters." in page


def test_the_archive_lists_and_searches_with_highlighted_escaped_snippets(client: httpx.Client, built: BuiltArchive) -> None:
    listing = ok_html(client, "/statements")
    assert listing.count('<li class="statement">') == 25 and "More statements" in listing
    found = ok_html(client, "/statements", q="tariffs onerror")
    assert '<li class="statement">' in found and "<mark>tariffs</mark>" in found.replace("<mark>Tariffs</mark>", "<mark>tariffs</mark>")
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in found or "<mark>onerror</mark>" in found
    nothing = ok_html(client, "/statements", q="zzzunfindable")
    assert "No statements match" in nothing


def test_archive_pages_follow_the_cursor_to_the_end(client: httpx.Client, built: BuiltArchive) -> None:
    seen: list[str] = []
    url: str | None = "/statements?section=press-releases"
    while url:
        page = ok_html(client, url)
        seen += re.findall(r'<a class="title" href="[^"]*/statements/(\d+)"', page)
        more = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = more[1].replace("&amp;", "&") if more else None
    press = [s for s in built.site.statements if s.section == "press-releases"]
    assert len(seen) == len(set(seen)) == len(press)


def test_the_statement_page_shows_text_metadata_relevance_versions_and_events(
    client: httpx.Client, built: BuiltArchive
) -> None:
    statement_id = built.statement_id(built.edited)
    page = ok_html(client, f"/statements/{statement_id}")
    assert built.edited.title in page and str(built.edited.node_id) in page
    assert "<mark>KORUS</mark>" in page.replace("<mark>Korus</mark>", "<mark>KORUS</mark>")
    assert SEED_EDIT[1] in page and SEED_EDIT[0] not in page.split("Current text")[1].split("Versions")[0]
    assert "diff with 1" in page and 'class="kind kind-edited"' in page
    hostile = ok_html(client, f"/statements/{built.statement_id(built.hostile)}")
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in hostile and "&lt;b&gt;met&lt;/b&gt;" in hostile


def test_the_diff_page_marks_deleted_and_inserted_words_inline_and_side_by_side(
    client: httpx.Client, built: BuiltArchive
) -> None:
    statement_id = built.statement_id(built.edited)
    page = ok_html(client, f"/statements/{statement_id}/diff", **{"from": 1, "to": 2})
    old, new = SEED_EDIT
    assert page.count(f"<del>{old}</del>") == 2 and page.count(f"<ins>{new}</ins>") == 2  # inline, and one side each
    assert page == ok_html(client, f"/statements/{statement_id}/diff")  # the newest two by default
    patch = client.get(f"/statements/{statement_id}/diff.patch", params={"from": 1, "to": 2})
    assert patch.status_code == 200 and "attachment" in patch.headers["content-disposition"]
    assert patch.text.startswith("--- version 1\n+++ version 2\n")
    assert any(line.startswith("-") and old in line for line in patch.text.splitlines())
    assert any(line.startswith("+") and new in line for line in patch.text.splitlines())


def test_a_diff_of_one_version_says_there_is_nothing_to_compare(client: httpx.Client, built: BuiltArchive) -> None:
    hostile = built.statement_id(built.hostile)  # new in the second crawl: one version
    page = ok_html(client, f"/statements/{hostile}/diff")
    assert "Nothing to compare: the statement has one version so far" in page
    assert "<ins>" not in page and "<del>" not in page and "unified diff" not in page
    patch = client.get(f"/statements/{hostile}/diff.patch")
    assert patch.status_code == 404 and "nothing to compare" in patch.text
    edited = built.statement_id(built.edited)
    itself = ok_html(client, f"/statements/{edited}/diff", **{"from": 2, "to": 2})
    assert "Nothing to compare: version 2 compared with itself" in itself and "<ins>" not in itself
    assert client.get(f"/statements/{edited}/diff.patch", params={"from": 2, "to": 2}).status_code == 404


def test_event_pages_show_what_changed(client: httpx.Client, built: BuiltArchive) -> None:
    ids = event_ids(client)
    edited = ok_html(client, f"/events/{ids['edited']}")
    assert f"<del>{SEED_EDIT[0]}</del>" in edited and f"<ins>{SEED_EDIT[1]}</ins>" in edited
    new = ok_html(client, f"/events/{ids['new']}")
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in new and "Joint Committee" in new
    removed = ok_html(client, f"/events/{ids['removed']}")
    assert built.removed.title in removed and "stopped answering" in removed


def test_the_status_page_shows_runs_queue_and_channels_without_secrets(client: httpx.Client) -> None:
    page = ok_html(client, "/status")
    assert "succeeded" in page and "ingest" in page and "webhook" in page
    assert CHANNEL_SECRET not in page
    api = client.get("/api/v1/status").json()
    assert api["crawl_runs"][0]["status"] == "succeeded" and api["channels"][0]["name"] == "ingest"
    assert CHANNEL_SECRET not in str(api)


def test_static_assets_are_local_and_the_one_script_is_the_timelines_file(client: httpx.Client) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = client.get("/static/timeline.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    for path in ("/", "/statements", "/status", "/api/v1/docs"):
        page = ok_html(client, path)
        for asset in re.findall(r'<(?:link|script|img)[^>]*(?:href|src)="([^"]+)"', page):
            assert asset.startswith("/static/") or asset.startswith("/feeds/"), (path, asset)  # this server's
        scripts = re.findall(r"<script[^>]*>[^<]*</script>", page)
        assert scripts == (['<script src="/static/timeline.js" defer></script>'] if path == "/" else []), path


def test_the_feed_validates_with_stable_ids_links_and_diffs(client: httpx.Client, built: BuiltArchive) -> None:
    response = client.get("/feeds/events.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and len(feed.entries) == 3
    ids = event_ids(client)
    edited = next(e for e in feed.entries if e.id.endswith(f"/event/{ids['edited']}"))
    assert edited.id.startswith("tag:127.0.0.1,2026:")
    links = {link.rel: link.href for link in edited.links}
    assert set(links) == {"alternate", "related"}
    assert links["alternate"] == f"/events/{ids['edited']}"  # without http.public_url, a path on this server
    assert links["related"].endswith(built.edited.slug)
    assert f"<del>{SEED_EDIT[0]}</del>" in edited.content[0].value
    hostile = next(e for e in feed.entries if e.id.endswith(f"/event/{ids['new']}"))
    assert hostile.title == f"New: {HOSTILE_TITLE}"
    assert "<script>" not in hostile.content[0].value and "&lt;script&gt;" in hostile.content[0].value
    again = feedparser.parse(client.get("/feeds/events.atom").content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    only_edits = feedparser.parse(client.get("/feeds/events.atom", params={"kind": "edited"}).content)
    assert [e.id for e in only_edits.entries] == [edited.id]


def test_a_feed_entry_shows_what_its_statement_is_now_called(client: httpx.Client, built: BuiltArchive) -> None:
    """Entries are kept rendered between fetches; one whose statement was renamed since is rendered again."""
    ids = event_ids(client)
    statement_id = built.statement_id(built.edited)

    def edited_entry() -> str:
        feed = feedparser.parse(client.get("/feeds/events.atom").content)
        return str(next(e for e in feed.entries if e.id.endswith(f"/event/{ids['edited']}")).content[0].value)

    assert built.edited.title in edited_entry()
    try:
        with built.db.sessions.begin() as session:
            session.execute(update(Statement).where(Statement.id == statement_id).values(title="Renamed statement"))
        assert "Renamed statement" in edited_entry() and built.edited.title not in edited_entry()
    finally:
        with built.db.sessions.begin() as session:
            session.execute(update(Statement).where(Statement.id == statement_id).values(title=built.edited.title))
    assert built.edited.title in edited_entry()


def test_the_api_answers_statements_versions_diffs_and_events(client: httpx.Client, built: BuiltArchive) -> None:
    statement_id = built.statement_id(built.edited)
    detail = client.get(f"/api/v1/statements/{statement_id}").json()
    assert detail["title"] == built.edited.title and [v["number"] for v in detail["versions"]] == [1, 2]
    assert detail["current"]["number"] == 2 and SEED_EDIT[1] in detail["current"]["body_text"]
    assert [e["kind"] for e in detail["events"]] == ["edited"]
    first = client.get(f"/api/v1/statements/{statement_id}/versions/1").json()
    assert SEED_EDIT[0] in first["body_text"] and first["number"] == 1
    diff = client.get(f"/api/v1/statements/{statement_id}/diff").json()
    assert [(s["op"], s["text"]) for s in diff["body_segments"] if s["op"] != "equal"] == [
        ("delete", SEED_EDIT[0]), ("insert", SEED_EDIT[1])]
    hits = client.get("/api/v1/statements", params={"q": "KORUS <script>"}).json()["items"]
    assert [h["title"] for h in hits] == [HOSTILE_TITLE]
    assert any(piece["hit"] for piece in hits[0]["snippet"])


def test_api_statement_cursors_reach_every_statement_once(client: httpx.Client, built: BuiltArchive) -> None:
    ids: list[int] = []
    cursor = None
    while True:
        page = client.get("/api/v1/statements", params={"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(ids) == len(set(ids)) == len(built.site.statements) + 1


def test_api_events_poll_with_since(client: httpx.Client) -> None:
    everything = client.get("/api/v1/events").json()
    ids = [item["id"] for item in everything["items"]]
    assert ids == sorted(ids) and {item["kind"] for item in everything["items"]} == {k.value for k in EventKind} - {"restored"}
    first = client.get("/api/v1/events", params={"limit": 1}).json()
    rest = client.get("/api/v1/events", params={"since": first["next_since"]}).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in everything["items"]]
    caught_up = client.get("/api/v1/events", params={"since": rest["next_since"]}).json()
    assert caught_up == {"items": [], "next_since": rest["next_since"]}
    event = client.get(f"/api/v1/events/{first['items'][0]['id']}").json()
    assert event == first["items"][0]


def test_the_openapi_document_is_typed_and_the_docs_page_is_local(client: httpx.Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/statements", "/api/v1/statements/{statement_id}", "/api/v1/statements/{statement_id}/diff",
            "/api/v1/statements/{statement_id}/versions/{number}", "/api/v1/events", "/api/v1/events/{event_id}",
            "/api/v1/statements/{statement_id}/versions/{number}/snapshot",
            "/api/v1/statements/{statement_id}/versions/{number}/snapshot/body", "/api/v1/snapshots/{snapshot_id}",
            "/api/v1/snapshots/{snapshot_id}/body", "/api/v1/status"} == set(document["paths"])
    responses = document["paths"]["/api/v1/statements"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StatementList"}
    assert "422" not in str(document) and "400" in responses
    assert {"StatementList", "StatementDetail", "Diff", "EventList", "StatusReport"} <= set(document["components"]["schemas"])
    docs = ok_html(client, "/api/v1/docs")
    assert "GET /api/v1/events" in docs and "next_since" in docs
    # The descriptions' Markdown rendered: code spans, not backticks.
    assert re.search(r"poll with the <code>next_since</code> of\s+the previous answer", docs) and "`" not in docs


def test_markdown_is_rendered_and_markup_in_it_shown_as_text() -> None:
    assert markdown("Poll with `since`, *once*.") == "<p>Poll with <code>since</code>, <em>once</em>.</p>\n"
    assert markdown_inline("The `next_cursor`.") == "The <code>next_cursor</code>."
    hostile = markdown('<script>alert(1)</script> <img src=x onerror="alert(1)"> [link](javascript:alert(1))')
    assert "<script" not in hostile and "<img" not in hostile and "href" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile


@pytest.mark.parametrize(
    "path",
    ["/statements/999999", "/events/999999", "/nowhere", "/statements/1/diff?from=1&to=99",
     "/api/v1/statements/999999", "/api/v1/statements/1/versions/99", "/api/v1/events/999999",
     "/statements/999999/diff.patch"],
)
def test_unknown_ids_answer_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.text
    if path.startswith("/api/"):
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/?kind=bogus", "kind"), ("/?from=2026-13-01", "from"), ("/?to=9999-12-31", "to"), ("/?before=-3", "before"),
        ("/statements?year=abc", "year"), ("/statements?q=%22%22", "no words"), ("/statements?cursor=garbage", "cursor"),
        ("/statements?q=" + "x" * 301, "q"), ("/statements?sort=alphabetical", "sort"), ("/statements/abc", "statement_id"),
        ("/statements/99999999999", "statement_id"), ("/statements/1/diff?from=0", "from"),
        ("/api/v1/events?since=-1", "since"), ("/api/v1/statements?limit=1000", "limit"),
        ("/api/v1/statements?status=gone", "status"), ("/api/v1/statements?q=***", "no words"),
        ("/feeds/events.atom?kind=typo", "kind"), ("/statements?q=korus&cursor=eyJwdWJsaXNoZWRfb24iOm51bGwsImlkIjoxfQ",
                                                   "cursor"),
    ],
)
def test_bad_parameters_answer_400_with_a_reason(client: httpx.Client, path: str, says: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text[:300]
    assert says in response.text


SECTIONS = "press-releases, fact-sheets, speeches-and-remarks"  # crawl.sections, by default


@pytest.mark.parametrize(
    ("path", "known"),
    [
        ("/?topic=korsu", "korus"), ("/?section=fact-sheet", SECTIONS), ("/statements?topic=KORUS", "korus"),
        ("/statements?q=korus&section=press", SECTIONS), ("/api/v1/statements?topic=steel", "korus"),
        ("/api/v1/statements?section=speeches", SECTIONS), ("/api/v1/events?topic=korus%20", "korus"),
        ("/api/v1/events?section=Fact-Sheets", SECTIONS), ("/feeds/events.atom?topic=kor", "korus"),
        ("/feeds/events.atom?kind=new&section=press-release", SECTIONS),
    ],
)
def test_unknown_topics_and_sections_are_refused_naming_the_configured_ones(
        client: httpx.Client, path: str, known: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text[:300]
    if path.startswith(("/api/", "/feeds/")):
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"].endswith(f"(configured: {known})"), response.json()
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert f"(configured: {known})</p>" in response.text


def test_the_filter_forms_offer_the_configured_topics_and_sections(client: httpx.Client) -> None:
    for path in ("/", "/statements"):
        page = ok_html(client, path)
        for name, values in (("topic", ["korus"]), ("section", SECTIONS.split(", "))):
            form = re.search(rf'<select name="{name}">(.*?)</select>', page, re.DOTALL)
            assert form is not None and re.findall(r'<option value="([^"]+)"', form[1]) == values, (path, name)


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(korus", "korus AND", "title:*", "'; DROP TABLE statements; --", "%00", "\\", "한미 FTA", "<script>", "-",
     "a" * 300, "korus" * 60, "&", "%", "?", "#"],
)
def test_no_search_string_makes_a_server_error(client: httpx.Client, query: str) -> None:
    for path in ("/statements", "/api/v1/statements"):
        response = client.get(path, params={"q": query})
        assert response.status_code in (200, 400), (query, response.status_code, response.text[:300])


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_only_get_and_head_are_allowed(client: httpx.Client, method: str) -> None:
    for path in ("/", "/statements/1", "/api/v1/statements", "/feeds/events.atom", "/nowhere"):
        response = client.request(method, path, content=b"{}")
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
        assert response.headers["x-content-type-options"] == "nosniff"
        if path.startswith(("/api/", "/feeds/")):  # JSON for programs
            assert response.json() == {"detail": f"{method} is not allowed: this server is read-only (GET and HEAD)"}
        else:  # a page for people
            assert response.headers["content-type"].startswith("text/html")
            assert "<h1>Not allowed</h1>" in response.text and "read-only" in response.text


def test_head_answers_like_get_without_a_body(client: httpx.Client) -> None:
    response = client.head("/")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/html")


EVIL = "evil.example.org"
# Every way a request can name a host: its Host header, the forwarded ones (from a trusted proxy, even) and RFC 7239's.
NAMING_A_HOST = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                 "Forwarded": f"for=203.0.113.9;host={EVIL};proto=https"}
PUBLIC_URL = "https://watch.example.org/korus/"


def addresses(text: str) -> list[str]:
    """Every address a page or a feed links to: its href, src and action attributes."""
    return [html.unescape(found) for found in re.findall(r'(?:href|src|action)="([^"]*)"', text)]


@pytest.mark.parametrize("public_url", [None, PUBLIC_URL])
def test_no_link_or_redirect_points_at_the_host_a_request_named(built: BuiltArchive, public_url: str | None) -> None:
    """With http.public_url every link and redirect is under it; without, each is a path on the server it came from."""
    http = {"public_url": public_url, "forwarded_allow_ips": ["127.0.0.1"]}
    base = public_url.rstrip("/") if public_url else ""
    statement_id = built.statement_id(built.edited)
    with serving(web_app(built, **http), **http) as url, httpx.Client(base_url=url, headers=NAMING_A_HOST) as client:
        event_id = client.get("/api/v1/events", params={"kind": "edited"}).json()["items"][0]["id"]
        found: list[str] = []
        for path in ["/", "/?topic=korus&kind=edited", "/?before=999", "/?after=0", "/statements", "/statements?q=korus",
                     f"/statements/{statement_id}", f"/statements/{statement_id}/diff", f"/events/{event_id}", "/status",
                     "/api/v1/docs", "/nowhere", "/?kind=bogus", "/feeds/events.atom", "/feeds/events.atom?kind=edited"]:
            response = client.get(path)
            assert response.status_code in (200, 400, 404), (path, response.status_code)
            assert EVIL not in response.text and EVIL not in str(response.headers), path
            for address in addresses(response.text):
                if not address.startswith(built.mirror.base_url):  # the statement on the (mirrored) press office
                    assert address.startswith(f"{base}/") and not address.startswith("//"), (path, address)
                    found.append(address)
        refused = client.post("/statements")
        assert refused.status_code == 405 and EVIL not in refused.text
        # A proxy may forward a prefixed public URL's requests with the prefix or without it.
        assert client.get(f"{urlsplit(base).path}/statements/{statement_id}").text == client.get(
            f"/statements/{statement_id}").text
        for path, target in (("/statements/", "/statements"), (f"/events/{event_id}/", f"/events/{event_id}"),
                             ("/static", "/static/"), ("/statements/?q=korus", "/statements?q=korus")):
            redirect = client.get(path)
            assert redirect.status_code == 307 and redirect.headers["location"] == base + target, path
    assert {f"{base}/static/style.css", f"{base}/static/timeline.js", f"{base}/feeds/events.atom?kind=edited",
            f"{base}/events/{event_id}", f"{base}/statements/{statement_id}", f"{base}/statements"} <= set(found)


def test_forwarded_headers_count_only_from_forwarded_allow_ips() -> None:
    """korus-watch's server passes http.forwarded_allow_ips to uvicorn: the client and scheme a proxy names are
    believed from those addresses only."""

    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        seen = {"client": scope["client"][0], "scheme": scope["scheme"]}
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(seen).encode()})

    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    direct, proxied = {"client": "127.0.0.1", "scheme": "http"}, {"client": "203.0.113.9", "scheme": "https"}
    for allowed, expected in (([], direct), (["10.0.0.0/8", "::1"], direct), (["127.0.0.1"], proxied)):
        with serving(echo, forwarded_allow_ips=allowed) as url:
            assert httpx.get(url, headers=forwarded).json() == expected, allowed


def test_event_links_for_alerts() -> None:
    assert event_url("https://watch.example.org/", 42) == "https://watch.example.org/events/42"
    assert event_url("https://example.org/korus", 7) == "https://example.org/korus/events/7"


def test_token_auth_accepts_header_query_and_then_cookie(built: BuiltArchive) -> None:
    token = "a-shared-token-of-some-length"
    with serving(web_app(built, auth={"mode": "token", "token": token})) as url, httpx.Client(base_url=url) as client:
        assert client.get("/").status_code == 401
        assert client.get("/feeds/events.atom", params={"token": "wrong-token-wrong-token"}).status_code == 401
        assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        first = client.get("/", params={"token": token})
        assert first.status_code == 200 and f"/feeds/events.atom?token={token}" in first.text
        assert client.get("/statements").status_code == 200  # the cookie the first answer set
        assert feedparser.parse(httpx.get(f"{url}/feeds/events.atom?token={token}").content).entries


def test_basic_auth(built: BuiltArchive) -> None:
    with serving(web_app(built, auth={"mode": "basic", "username": "team", "password": "pass-word-1"})) as url:
        refused = httpx.get(f"{url}/api/v1/events")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic ")
        assert httpx.get(f"{url}/api/v1/events", auth=("team", "wrong")).status_code == 401
        assert httpx.get(f"{url}/api/v1/events", headers={"Authorization": "Basic %%%"}).status_code == 401
        assert httpx.get(f"{url}/api/v1/events", auth=("team", "pass-word-1")).status_code == 200


def test_settings_refuse_unknown_keys_and_weak_secrets() -> None:
    for bad in ({"colour": "blue"}, {"auth": {"mode": "token", "token": "short"}}, {"auth": {"mode": "magic"}},
                {"public_url": "not a url"}, {"port": 70000}):
        with pytest.raises(ValueError):
            HttpSettings.model_validate(bad)
    assert HttpSettings().model_dump()["auth"] == {"mode": "none"}


@pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True)  # the server's, not the archive's
def test_a_reader_pausing_longer_than_uvicorns_default_keeps_the_connection(web_url: str) -> None:
    host, port = urlsplit(web_url).hostname, urlsplit(web_url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=10) as connection, connection.makefile("rb") as answers:
        for pause in (0, 6):  # uvicorn's own keep-alive would have closed the connection after 5 s
            time.sleep(pause)
            connection.sendall(f"HEAD / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert answers.readline().startswith(b"HTTP/1.1 200"), f"no answer after a {pause} s pause"
            while answers.readline() not in (b"\r\n", b""):
                pass


def test_the_command_line_and_the_api_answer_from_one_read_model(client: httpx.Client, built: BuiltArchive) -> None:
    # The same questions asked of the CLI (its JSON) and of the API: one read model, so the same answers.
    def cli(*args: str) -> Any:
        return json.loads(built.korus_watch.run(*args, "--json").stdout)

    edited = built.statement_id(built.edited)
    assert cli("show", str(edited)) == client.get(f"/api/v1/statements/{edited}").json()
    assert cli("diff", str(edited)) == client.get(f"/api/v1/statements/{edited}/diff").json()
    assert cli("statements", "--topic", "korus") == client.get(
        "/api/v1/statements", params={"topic": "korus", "limit": 200}).json()["items"]
    events = client.get("/api/v1/events", params={"limit": 200}).json()["items"]  # oldest first, for pollers
    assert cli("events") == events[::-1] and {event["kind"] for event in events} == {"new", "edited", "removed"}
    history = cli("history", str(edited))
    assert history["versions"] == client.get(f"/api/v1/statements/{edited}").json()["versions"]


def test_an_edit_leads_with_why_it_matters_and_folds_the_paragraphs_it_left_alone(
    client: httpx.Client, built: BuiltArchive
) -> None:
    old, new = SEED_EDIT
    statement_id = built.statement_id(built.edited)
    for page in (ok_html(client, f"/events/{event_ids(client)['edited']}"),
                 ok_html(client, f"/statements/{statement_id}/diff")):
        summary = re.search(r'<p class="why">(.*?)</p>', page, re.S)
        assert summary is not None and html.escape(f"“{old}” became “{new}”", quote=False) in summary.group(1)
        assert summary.start() < page.index("<del>")  # before the diff
        # The changed paragraph shown, a deleted and an inserted word apart, the others folded and counted.
        assert f"<del>{old}</del> <ins>{new}</ins>" in page
        unchanged = [int(n) for n in re.findall(r"<summary>(\d+) unchanged paragraphs?</summary>", page)]
        body = client.get(f"/api/v1/statements/{statement_id}/versions/2").json()["body_text"]
        assert unchanged and sum(unchanged) == len(body.split("\n\n")) - 1
        for number in (1, 2):
            assert f'/statements/{statement_id}/versions/{number}"' in page
    version = ok_html(client, f"/statements/{statement_id}/versions/1")
    assert old in version and new not in version.split("<section", 1)[1]


def test_events_filter_by_significance_everywhere(client: httpx.Client) -> None:
    edit = event_ids(client)["edited"]
    wording = client.get("/api/v1/events", params={"significance": "wording"}).json()["items"]
    assert edit in [item["id"] for item in wording]
    (judged,) = [item for item in wording if item["id"] == edit]
    assert judged["significance"] == "wording" and judged["reasons"][0]["kind"] == "wording" and judged["summary"]
    substantive = client.get("/api/v1/events", params={"significance": "substantive"}).json()["items"]
    assert substantive and edit not in [item["id"] for item in substantive]
    assert {item["kind"] for item in substantive} == {"new", "removed"}
    timeline = ok_html(client, "/", significance="substantive")
    assert f"/events/{edit}\"" not in timeline and "significance-substantive" in timeline
    feed = feedparser.parse(client.get("/feeds/events.atom", params={"significance": "substantive"}).text)
    assert feed.entries and all("substantive" in [tag.term for tag in entry.tags] for entry in feed.entries)
    assert client.get("/api/v1/events", params={"significance": "big"}).status_code == 400
