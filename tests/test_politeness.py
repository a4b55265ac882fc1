"""The politeness policy and the poll's phases, with korus-watch processes against a mirror that answers slowly and
refuses with 429/503 + Retry-After: the caps, the back-off, new statements committed (and in serve alerted) before
the re-checks end, a full re-check resumed across polls, and a fast verdict on a site that cannot be reached."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from archive.db import Database
from archive.identity import url_key
from archive.models import ChangeEvent, CrawlError, CrawlRun, RunStatus, Statement
from notify.models import Delivery
from testkit.mirror import MirrorRequest, MirrorServer, MirrorSite, MirrorStatement
from testkit.notify_support import channel_toml
from testkit.servers import WebhookReceiver
from tests.conftest import REPO, KorusWatch
from tests.test_crawl import SEED_SLUG, archived, by_slug, events, last_run
from tests.test_service import Serve, add_korus_statement, runs, serve, service_config  # noqa: F401

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PRESS_RELEASES = '["press-releases"]'


def polite(korus_watch: KorusWatch, **overrides: str) -> None:
    """The product's politeness as configured by default (the tests' configuration turns it off for speed)."""
    korus_watch.env.update(KORUS_WATCH_CRAWL__AUTOTHROTTLE="true", KORUS_WATCH_CRAWL__MAX_REQUESTS_PER_SECOND="10")
    korus_watch.env.update({f"KORUS_WATCH_CRAWL__{key.upper()}": value for key, value in overrides.items()})


def statement_requests(site: MirrorSite, requests: list[MirrorRequest]) -> list[MirrorRequest]:
    paths = {statement.path for statement in site.statements}
    return [r for r in requests if r.path in paths]


def checked_at(db: Database) -> dict[str, datetime]:
    with db.sessions() as session:
        return {url: when for url, when in session.execute(select(Statement.url, Statement.last_checked_at))}


# -- the caps ---------------------------------------------------------------------------------------

@sqlite_only
def test_polls_keep_to_the_caps_and_a_poll_of_304s_runs_at_them(korus_watch: KorusWatch, site: MirrorSite,
                                                                 mirror: MirrorServer, db: Database) -> None:
    polite(korus_watch)
    mirror.latency = 0.15
    korus_watch.run("crawl")  # the baseline: every page a 200
    baseline = mirror.request_log
    assert len(baseline.entries()) > 100
    assert baseline.peak_requests_per_second() <= 10 and baseline.peak_in_flight() <= 8

    mirror.clear_log()
    korus_watch.run("crawl", "--full")  # every page a 304
    log = mirror.request_log
    answered = log.entries()
    assert sum(r.status == 304 for r in answered) >= len(answered) - 1  # robots.txt is not conditional
    assert log.peak_requests_per_second() <= 10 and log.peak_in_flight() <= 8
    # 304s do not pin the pace: AutoThrottle held such a poll at one request per 5 s, here it reaches the cap.
    assert log.peak_requests_per_second() >= 8
    assert last_run(db).unchanged == len(site.statements)


@sqlite_only
def test_at_most_concurrent_requests_in_flight_and_a_slower_pace_for_a_slower_site(
    korus_watch: KorusWatch, mirror: MirrorServer
) -> None:
    korus_watch.env.update(KORUS_WATCH_CRAWL__SECTIONS=PRESS_RELEASES)
    mirror.latency = 0.8
    # The pace fixed at an unreachable rate: only the cap on requests in flight holds the crawler back.
    polite(korus_watch, autothrottle="false", max_requests_per_second="1000")
    korus_watch.run("crawl")
    assert mirror.request_log.peak_in_flight() == 8

    # Adaptive again: at 0.8 s an answer, the spacing that keeps half of the 8 busy is 0.2 s, half the cap's rate,
    # although 8 in flight would allow 10 a second.
    polite(korus_watch)
    mirror.clear_log()
    korus_watch.run("crawl", "--full")
    assert mirror.request_log.peak_requests_per_second() <= 6
    assert mirror.request_log.peak_in_flight() <= 5


# -- refusals ---------------------------------------------------------------------------------------

@sqlite_only
def test_a_refusal_holds_the_whole_site_until_its_retry_after(korus_watch: KorusWatch, site: MirrorSite,
                                                              mirror: MirrorServer, db: Database) -> None:
    korus_watch.env.update(KORUS_WATCH_CRAWL__SECTIONS=PRESS_RELEASES, KORUS_WATCH_CRAWL__RETRY_TIMES="2")
    polite(korus_watch)
    overload = site.overload(0.1, status=503, retry_after=2)  # every tenth request
    korus_watch.run("crawl")
    answered = mirror.requests
    refusals = [r for r in answered if r.status == 503]
    assert len(refusals) == overload.refused >= 5
    for refusal in refusals:
        assert refusal.finished is not None
        later = [r for r in answered if r.arrived > refusal.finished]
        # Nothing but the one request already waiting its turn in the downloader goes out before the wait is over.
        during = [r for r in later if r.arrived < refusal.finished + 1.95]
        assert len(during) <= 1, (refusal, during)
        retry = next(r for r in later if (r.path, r.query) == (refusal.path, refusal.query))
        assert retry.arrived >= refusal.finished + 1.95
    run = last_run(db)
    assert run.status == RunStatus.SUCCEEDED and run.errors == 0
    assert run.new == sum(s.section == "press-releases" for s in site.statements)


@sqlite_only
def test_a_wait_past_the_time_budget_leaves_the_page_due_for_the_next_poll(korus_watch: KorusWatch,
                                                                            site: MirrorSite, mirror: MirrorServer,
                                                                            db: Database) -> None:
    korus_watch.run("crawl")
    seed = by_slug(site, SEED_SLUG)
    before = archived(db, seed).last_checked_at
    # An hour's Retry-After: a wait of the cap (60 s), longer than a one-minute poll's time budget (30 s).
    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_MINUTES="1")
    site.fault(seed.path, status=429, times=1, retry_after=3600)
    mirror.clear_log()
    result = korus_watch.run("crawl", "--full")
    assert "errors 1" in result.stdout
    assert [r.status for r in mirror.requests if r.path == seed.path] == [429]  # asked once, not hammered
    with db.sessions() as session:
        assert [(e.kind, e.url) for e in session.scalars(select(CrawlError))] == [
            ("rate_limited", mirror.base_url + seed.href)
        ]
    assert last_run(db).status == RunStatus.SUCCEEDED
    assert archived(db, seed).last_checked_at == before  # still due: not moved to the back of the rotation
    assert sum(r.status == 304 for r in statement_requests(site, mirror.requests)) == len(site.statements) - 1

    mirror.clear_log()
    korus_watch.run("crawl")
    assert [r.status for r in mirror.requests if r.path == seed.path] == [304]
    assert archived(db, seed).last_checked_at > before


@sqlite_only
def test_a_site_that_refuses_everything_is_rate_limited_not_unreachable(korus_watch: KorusWatch, site: MirrorSite,
                                                                        db: Database) -> None:
    site.rate_limit(0, status=429, retry_after=1)
    result = korus_watch.run("crawl", check=False)
    assert result.returncode == 1
    assert "rate limiting" in result.stderr and "could not be reached" not in result.stderr
    with db.sessions() as session:
        assert {e.kind for e in session.scalars(select(CrawlError))} == {"rate_limited"}
    status = korus_watch.run("status", check=False).stdout
    assert "HEALTH PROBLEM rate_limited" in status


def shed_load(site: MirrorSite, db: Database, *, retry_after: int, times: int | None) -> list[MirrorStatement]:
    """Three statement pages in ten answer 503 with this Retry-After (`times` each; None: until cleared), counted in
    the order a full re-check asks for them (the rotation's: checked longest ago first), so that the first of them
    is answered."""
    checked = {url_key(url): when for url, when in checked_at(db).items()}
    rotation = sorted(site.statements, key=lambda s: (checked.get(url_key(s.path)) or datetime.max.replace(tzinfo=UTC), s.path))
    shedding = [s for i, s in enumerate(rotation) if i % 10 in (1, 4, 7)]
    for statement in shedding:
        site.fault(statement.path, status=503, times=times, retry_after=retry_after)
    return shedding


def test_a_site_shedding_load_ends_the_poll_early_and_the_next_poll_goes_on_where_it_stopped(
    korus_watch: KorusWatch, site: MirrorSite, mirror: MirrorServer, db: Database
) -> None:
    korus_watch.config.write_text(korus_watch.config.read_text(encoding="utf-8") + channel_toml(
        name="team", type="webhook", url="http://127.0.0.1:9/hook"), encoding="utf-8")
    korus_watch.run("crawl")
    known = list(site.statements)
    before = checked_at(db)
    added = site.new_statement(title="USTR Statement on the KORUS Joint Committee",
                               paragraphs=["Washington, DC – The KORUS Joint Committee met today.", "###"])
    # About 30% of the statement pages refuse with a two-minute Retry-After, as ustr.gov's CDN does when it sheds
    # load; a poll that waited out each refusal (60 s at most) would take a quarter of an hour.
    shedding = shed_load(site, db, retry_after=120, times=None)
    polite(korus_watch, max_refusals="1")
    mirror.clear_log()
    result = korus_watch.run("crawl", "--full", check=False)  # every archived statement due for a re-check

    assert result.returncode == 1
    answered = statement_requests(site, mirror.requests)
    (refusal, *more) = [r for r in answered if r.status == 503]
    assert refusal.finished is not None
    # No re-check started after the refusal: only one already on its way went, and no refused page was asked again.
    assert len([r for r in answered if r.arrived > refusal.finished]) <= 1 and len(more) <= 1
    rechecked = {r.path for r in answered if r.status == 304}
    assert 0 < len(rechecked) < len(known) - len(shedding)
    run = last_run(db)
    assert run.status == RunStatus.FAILED and run.message is not None
    left = len(known) - len(rechecked)
    assert f"after crawl.max_refusals (1) no re-check started: {left} re-checks left for the next poll" in run.message
    assert run.unchanged == len(rechecked)
    # The first phase's new statement is recorded and queued for its alert all the same.
    assert events(db) == [("new", mirror.base_url + added.href)]
    with db.sessions() as session:
        assert [d.channel for d in session.scalars(select(Delivery))] == ["team"]
    status = korus_watch.run("status", check=False)
    assert status.returncode == 4 and "HEALTH PROBLEM rate_limited" in status.stdout
    # What was not re-checked keeps its place at the head of the rotation.
    after = checked_at(db)
    left_behind = {s.path for s in known if s.path not in rechecked}
    assert {s.path for s in known if after[mirror.base_url + s.href] == before[mirror.base_url + s.href]} == left_behind

    for statement in shedding:
        site.clear_override(statement.path)
    mirror.clear_log()
    korus_watch.run("crawl")  # a routine poll once the site has recovered: it goes on with the re-check
    assert {r.path for r in statement_requests(site, mirror.requests)} == left_behind
    assert last_run(db).status == RunStatus.SUCCEEDED
    assert "health: ok" in korus_watch.run("status").stdout


@sqlite_only
def test_a_poll_waits_out_refusals_until_crawl_max_refusals(korus_watch: KorusWatch, site: MirrorSite,
                                                             mirror: MirrorServer, db: Database) -> None:
    korus_watch.run("crawl")
    shed_load(site, db, retry_after=1, times=1)  # each refuses once, then answers
    polite(korus_watch)  # max_refusals: the default, 3
    mirror.clear_log()
    korus_watch.run("crawl", "--full", check=False)
    answered = statement_requests(site, mirror.requests)
    refusals = [r for r in answered if r.status == 503]
    assert len(refusals) == 3
    for refusal in refusals[:2]:  # each waited out before the next re-check started
        assert refusal.finished is not None
        following = next(r for r in answered if r.arrived > refusal.finished)
        assert following.arrived >= refusal.finished + 0.95
    # The third ended the re-checks: the retries of all three were let go, with what was still to be checked.
    assert refusals[2].finished is not None
    assert len([r for r in answered if r.arrived > refusals[2].finished]) <= 1
    assert not any(r.path in {refusal.path for refusal in refusals} for r in answered if r.status == 304)
    run = last_run(db)
    assert run.message is not None and "after crawl.max_refusals (3) no re-check started" in run.message
    assert run.unchanged == len(answered) - 3 < len(site.statements) - 3


# -- phases -----------------------------------------------------------------------------------------

@sqlite_only
def test_the_first_phase_is_committed_before_the_re_checks_end(korus_watch: KorusWatch, site: MirrorSite,
                                                               mirror: MirrorServer, db: Database) -> None:
    korus_watch.run("crawl")
    added = site.new_statement(title="USTR Statement on the KORUS Joint Committee",
                               paragraphs=["Washington, DC – The KORUS Joint Committee met today.", "###"])
    # The newest press release moves to a new URL and is edited: read there in the first phase, its edit is a
    # change held for the phase's verdict and recorded when the phase ends.
    newest = max((s for s in site.statements if s.section == "press-releases" and s is not added),
                 key=lambda s: s.published)
    moved = site.move(newest.path, newest.slug + "-revised")
    site.edit(moved.path, title=moved.title + " (revised)")
    polite(korus_watch, max_requests_per_second="3")  # the routine poll's two dozen re-checks take about 8 s
    mirror.clear_log()
    crawl = subprocess.Popen([sys.executable, "-m", "korus_watch", "crawl"], cwd=REPO, env=korus_watch.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(events(db)) < 2 and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.05)
        rechecked = sum(r.status == 304 for r in statement_requests(site, mirror.requests))
        assert sorted(events(db)) == [("edited", mirror.base_url + moved.href), ("new", mirror.base_url + added.href)]
        assert crawl.poll() is None and rechecked <= 5, "the re-checks were over"
        with db.sessions() as session:
            assert session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()[-1].status == RunStatus.RUNNING
        crawl.communicate(timeout=60)
    finally:
        crawl.kill()
    assert crawl.returncode == 0
    run = last_run(db)
    assert (run.new, run.edited) == (1, 1) and run.unchanged > 10
    assert sum(r.status == 304 for r in statement_requests(site, mirror.requests)) == run.unchanged


@sqlite_only
def test_serve_alerts_a_new_statement_while_its_poll_still_re_checks(serve: Callable[[], Serve],  # noqa: F811
                                                                     korus_watch: KorusWatch, site: MirrorSite,
                                                                     mirror: MirrorServer, db: Database,
                                                                     receiver: WebhookReceiver) -> None:  # noqa: F811
    service = serve()
    service.wait_until(lambda: any(r.status == RunStatus.SUCCEEDED for r in runs(db)), "the baseline poll")
    assert service.stop() == 0
    # One request at a time, 0.3 s each: the new statement is read in the first second or two of the next poll, and
    # the re-checks of the first listing pages and the rotation take several seconds more.
    polite(korus_watch, concurrent_requests="1")
    mirror.latency = 0.3
    add_korus_statement(site, 1)
    service = serve()
    (alert,) = receiver.wait_for(1, timeout=60)
    service.wait_until(lambda: runs(db)[-1].status == RunStatus.SUCCEEDED and runs(db)[-1].new == 1,
                       "the poll that found it to end")
    poll = runs(db)[-1]
    assert poll.finished_at is not None
    assert alert.received_at < poll.finished_at.timestamp() - 1, "the alert waited for the re-checks"
    assert "KORUS Joint Committee statement 1" in alert.body.decode()
    assert service.stop() == 0


# -- full re-checks that do not fit --------------------------------------------------------------

def test_a_full_re_check_cut_by_its_time_budget_goes_on_in_the_next_polls(korus_watch: KorusWatch,
                                                                           site: MirrorSite, mirror: MirrorServer,
                                                                           db: Database) -> None:
    korus_watch.run("crawl")
    # Two requests at a time and each statement page 1 s: 43 re-checks take 20 s, the time budget of a 15 s poll is
    # 7.5 s. The listing pages stay quick.
    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_MINUTES="0.25", KORUS_WATCH_CRAWL__CONCURRENT_REQUESTS="2")
    for statement in site.statements:
        site.hang(statement.path, 1)
    mirror.clear_log()
    korus_watch.run("crawl", "--full")
    first = last_run(db)
    assert first.status == RunStatus.SUCCEEDED and first.full and first.message
    assert "left for the next poll" in first.message
    done = len(statement_requests(site, mirror.requests))
    assert 0 < done < len(site.statements)

    polls = [first]
    while polls[-1].message and len(polls) < 8:
        korus_watch.run("crawl")  # a routine poll: it goes on with the full re-check
        polls.append(last_run(db))
    assert polls[-1].message is None and len(polls) >= 3
    assert all(run.status == RunStatus.SUCCEEDED and run.full and run.full_since == first.started_at for run in polls)
    # Each statement re-checked once over the polls, none twice: each poll went on where the last one stopped.
    rechecked = [r.path for r in statement_requests(site, mirror.requests)]
    assert sorted(rechecked) == sorted(s.path for s in site.statements)
    assert all(when >= first.started_at for when in checked_at(db).values())

    for statement in site.statements:
        site.clear_override(statement.path)
    korus_watch.run("crawl")
    assert not last_run(db).full  # the full re-check is complete: routine polls again


def test_a_baseline_cut_by_its_time_budget_goes_on_as_a_baseline(korus_watch: KorusWatch, site: MirrorSite,
                                                                   db: Database) -> None:
    # Every statement page 1 s, two at a time: the baseline needs 20 s, its poll's budget is 7.5 s.
    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_MINUTES="0.25", KORUS_WATCH_CRAWL__CONCURRENT_REQUESTS="2")
    for statement in site.statements:
        site.hang(statement.path, 1)
    result = korus_watch.run("crawl", check=False)
    assert result.returncode == 1
    first = last_run(db)
    assert first.status == RunStatus.INTERRUPTED and first.baseline and first.message
    assert "the baseline goes on" in first.message and 0 < first.new < len(site.statements)

    for statement in site.statements:
        site.clear_override(statement.path)
    korus_watch.run("crawl")
    second = last_run(db)
    # Still a baseline: the statements the first part did not reach are archived, not announced as new.
    assert second.baseline and second.status == RunStatus.SUCCEEDED
    assert first.new + second.new == len(site.statements) and events(db) == []


# -- an unreachable site ----------------------------------------------------------------------------

@pytest.fixture
def silent_site() -> Iterator[str]:
    """A site that accepts connections and never answers, like a host behind a black-holing firewall."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.settimeout(0.2)
        stop, accepted = threading.Event(), []

        def accept() -> None:
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()


@sqlite_only
@pytest.mark.parametrize("where", ["silent", "unresolvable"])
def test_a_site_that_cannot_be_reached_is_known_within_seconds(korus_watch: KorusWatch, db: Database,
                                                               silent_site: str, where: str) -> None:
    base_url = silent_site if where == "silent" else "http://korus-watch-test.invalid"
    korus_watch.env.update(KORUS_WATCH_CRAWL__BASE_URL=base_url, KORUS_WATCH_CRAWL__TIMEOUT_SECONDS="30",
                           KORUS_WATCH_CRAWL__RETRY_TIMES="2")
    polite(korus_watch)
    result = korus_watch.run("crawl", check=False)
    assert result.returncode == 1 and "could not be reached" in result.stderr
    run = last_run(db)
    assert run.finished_at is not None and (run.finished_at - run.started_at).total_seconds() < 15
    # One short line per failure: the three landings, the health problem, robots.txt's; no traceback.
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "level=warning logger=archive.recorder" in line]) == 3
    with db.sessions() as session:
        kinds = {e.kind for e in session.scalars(select(CrawlError))}
        assert kinds == ({"timeout"} if where == "silent" else {"dns_failure"})
        assert session.scalars(select(ChangeEvent)).all() == []
