"""A CMS migration is not news (issue 19 item 2): the site renumbers its nodes (the same URLs, the same content, new
node ids, each an id another node had), and a flood of new statements is one summary per channel and a health
problem, not an alert each."""

from __future__ import annotations

import json

from sqlalchemy import select

from archive.db import Database
from archive.models import HealthKind, HealthProblem, Statement
from testkit.mirror import MirrorSite
from testkit.notify_support import channel_toml
from testkit.servers import WebhookReceiver
from tests.conftest import KorusWatch
from tests.test_crawl import archived, events


def test_a_cms_migration_that_renumbers_every_node_is_not_news(korus_watch: KorusWatch, site: MirrorSite,
                                                             db: Database) -> None:
    korus_watch.run("crawl")
    with db.sessions() as session:
        before = {s.id: (s.url, s.external_id) for s in session.scalars(select(Statement))}
    site.renumber(shift=7)
    added = site.new_statement(title="USTR Statement on the KORUS Joint Committee",
                               paragraphs=["Washington, DC – The KORUS Joint Committee met today.", "###"])
    result = korus_watch.run("crawl", "--full")
    # The one statement published meanwhile is the only news; no URL moved from one statement to another.
    assert [kind for kind, _ in events(db)] == ["new"] and archived(db, added).title == added.title
    with db.sessions() as session:
        after = {s.id: (s.url, s.external_id) for s in session.scalars(select(Statement))}
        assert session.scalars(select(HealthProblem)).all() == []
    assert len(after) == len(before) + 1
    renumbered = [s for s in site.statements if s is not added and s.node_id is not None]
    assert renumbered, "the fixture needs statements with node ids"
    for statement in renumbered:
        archived_now = archived(db, statement)
        assert after[archived_now.id][0] == before[archived_now.id][0]  # its own URL still
        assert archived_now.external_id == str(statement.node_id)  # the new id, recorded
        assert before[archived_now.id][1] != archived_now.external_id
    assert f"{len(renumbered)} items found under new external ids" in result.stderr
    # The next poll finds nothing: the new ids are the archive's now.
    korus_watch.run("crawl", "--full")
    assert [kind for kind, _ in events(db)] == ["new"]


def test_more_new_statements_than_the_threshold_are_one_summary_per_channel_and_a_health_problem(
        korus_watch: KorusWatch, site: MirrorSite, db: Database, receiver: WebhookReceiver) -> None:
    with korus_watch.config.open("a", encoding="utf-8") as config:
        config.write(channel_toml(name="ingest", type="webhook", url=receiver.url("/ingest"), topics=[]))
    korus_watch.env["KORUS_WATCH_CRAWL__MASS_NEW_THRESHOLD"] = "3"
    korus_watch.run("crawl")
    for number in range(5):
        site.new_statement(title=f"USTR Statement number {number} on trade",
                           paragraphs=[f"Washington, DC – Statement {number}.", "###"])
    assert korus_watch.run("crawl", check=False).returncode == 1  # the run has a health problem
    assert [kind for kind, _ in events(db)] == ["new"] * 5
    korus_watch.run("deliver")
    (message,) = receiver.requests("/ingest")
    body = json.loads(message.body)
    assert body["type"] == "korus-watch.summary" and [event["kind"] for event in body["events"]] == ["new"] * 5
    with db.sessions() as session:
        (problem,) = session.scalars(select(HealthProblem).where(HealthProblem.resolved_at.is_(None)))
    assert problem.kind == HealthKind.MASS_NEW and problem.source == "press-office"
    assert "more than 3 new items" in korus_watch.run("status", check=False).stdout
    # The next poll, with nothing new, resolves it.
    korus_watch.run("crawl")
    with db.sessions() as session:
        assert session.scalar(select(HealthProblem.resolved_at)) is not None
