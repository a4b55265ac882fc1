"""The significance table's edits (tests/data/significance_edits.toml) the whole way, as USTR would make them: each
a statement of the mirror, edited on the site; a real crawl; its event (`events --json`); the webhook and Slack
payloads and the email sent for it; the API, the web timeline and the Atom feed."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from archive.db import Database
from archive.significance import Significance
from crawler.text import normalise_space
from korus_watch import app as composition
from testkit.mirror import MirrorSite
from testkit.notify_support import channel_toml, settings_from
from testkit.servers import SmtpServer, WebhookReceiver, validate_slack
from tests.conftest import KorusWatch
from tests.test_significance import TABLE
from tests.web.conftest import serving

LEVELS = [level.value for level in sorted(Significance, key=lambda level: -level.rank)]  # substantive first
WORDS = {"substantive": "Substantive", "wording": "Wording", "cosmetic": "Cosmetic"}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        server.expect("/slack", validate_slack)
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def test_the_tables_edits_are_judged_alike_from_the_crawl_to_the_feed(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, receiver: WebhookReceiver, smtp: SmtpServer
) -> None:
    # An edit of spaces alone is not one on a page: the reader reads every run of spaces as one (no event at all).
    rows = [row for row in tomllib.loads(TABLE.read_text(encoding="utf-8"))["edit"]
            if normalise_space(row["before"]) != normalise_space(row["after"]) or "title_after" in row]
    statements = [
        site.new_statement(title=row.get("title_before", "USTR Statement"), paragraphs=[row["before"]],
                           published=date(2018, 5, 2))
        for row in rows
    ]
    korus_watch.run("crawl")  # the baseline: nothing announced
    for statement, row in zip(statements, rows, strict=True):
        site.edit(statement.path, title=row.get("title_after"), paragraphs=[row["after"]])
    # Every channel takes every level, and more alerts an hour than the table has edits; the redesign guard lets
    # most of the archive change at once.
    channels = [
        channel_toml(name="json", type="webhook", url=receiver.url("/json"), min_significance="cosmetic",
                     max_per_hour=200),
        channel_toml(name="team", type="slack", url=receiver.url("/slack"), min_significance="cosmetic",
                     max_per_hour=200),
        channel_toml(name="mail", type="email", to=["analyst@example.org"], min_significance="cosmetic",
                     max_per_hour=200),
    ]
    korus_watch.config.write_text(
        korus_watch.config.read_text(encoding="utf-8").replace("[crawl]\n", "[crawl]\nguard_share = 1.0\n")
        + f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom_addr = "watch@example.org"\n'
        + "".join(channels),
        encoding="utf-8",
    )
    korus_watch.run("crawl", "--full")

    by_path = {statement.path: row["level"] for statement, row in zip(statements, rows, strict=True)}
    events = [e for e in json.loads(korus_watch.run("events", "--json").stdout) if urlsplit(e["url"]).path in by_path]
    expected = {e["url"]: by_path[urlsplit(e["url"]).path] for e in events}
    assert len(events) == len(rows) and all(e["kind"] == "edited" for e in events)
    judged = {e["url"]: e["significance"] for e in events}
    assert judged == expected
    by_id = {e["id"]: e for e in events}

    korus_watch.run("deliver", timeout=600)
    payloads = [event for request in receiver.requests("/json") for event in request.json["events"]]
    assert {(p["url"], p["significance"]) for p in payloads} == set(expected.items()) and len(payloads) == len(rows)
    for payload in payloads:
        assert payload["reasons"] == by_id[payload["event_id"]]["reasons"]
        assert payload["significance_summary"].startswith(WORDS[payload["significance"]] + ":")
    slack = [str(request.json["blocks"]) for request in receiver.requests("/slack")]
    assert len(slack) == len(rows)
    for event in events:
        (text,) = [t for t in slack if f"<{event['url']}|" in t]
        assert f"*{WORDS[event['significance']]}:" in text
    mails = [plain_text(received.message) for received in smtp.wait_for(len(rows))]
    for event in events:
        (body,) = [text for text in mails if event["url"] in text.split()]
        assert WORDS[event["significance"]] + ":" in body

    settings = settings_from(korus_watch.config.read_text(encoding="utf-8"))
    with serving(composition.web_app(db, settings)) as web, httpx.Client(base_url=web, timeout=30) as client:
        for level in LEVELS:
            kept = LEVELS[: LEVELS.index(level) + 1]  # the level and those above it
            api = api_events(client, significance=level)
            assert {e["url"] for e in api if e["url"] in expected} == {
                url for url, judged_level in expected.items() if judged_level in kept}
            assert all(e["significance"] in kept for e in api)
            feed = feedparser.parse(client.get("/feeds/events.atom", params={"significance": level}).text)
            assert feed.entries and all(set(categories(entry)) & set(kept) for entry in feed.entries)
            timeline = client.get("/", params={"significance": level})
            assert timeline.status_code == 200
            assert any(f'/events/{e["id"]}"' in timeline.text for e in events if e["significance"] in kept)
            assert not any(f'/events/{e["id"]}"' in timeline.text for e in events if e["significance"] not in kept)


def api_events(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every event the API lists with these filters, page after page."""
    found: list[dict[str, Any]] = []
    since = 0
    while True:
        answer = client.get("/api/v1/events", params={**params, "since": since, "limit": 100})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        if not items:
            return found
        found += items
        since = answer.json()["next_since"]


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def categories(entry: Any) -> list[str]:
    return [tag["term"] for tag in entry.get("tags", [])]
