"""The Federal Register source end to end: `korus-watch crawl --source fr-korus` against the imitation of the API
(testkit.federal_register) over HTTP, into a real archive (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import func, select

from archive.db import Database
from archive.models import (
    ChangeEvent,
    CrawlRun,
    EventKind,
    HealthProblem,
    LinkRelation,
    Statement,
    StatementKey,
    StatementLink,
    StatementSource,
    Version,
)
from testkit.federal_register import FederalRegister, FederalRegisterServer, FrDocument, generated_register
from testkit.federal_register.fixtures import KORUS_TERM, SAME_NUMBER, SAME_NUMBER_DATES, korus_register
from testkit.federal_register.search import Search, nested_params
from testkit.mirror.server import MirrorRequest
from tests.conftest import PACE_OFF, KorusWatch

SOURCE = "fr-korus"


def source_config(api_url: str, **options: object) -> str:
    settings = {"name": SOURCE, "api_url": api_url, "term": KORUS_TERM, "since": "2006-01-01",
                # The API's pace is the benchmark's (bench/federal_register_bench.py); here, fast.
                "max_requests_per_second": 1000, **options}
    return "[[sources.federal_register]]\n" + "".join(f"{key} = {json.dumps(value)}\n"
                                                      for key, value in settings.items())


def korus_watch_for(tmp_path: Path, database_url: str, server: FederalRegisterServer, **options: object) -> KorusWatch:
    config = tmp_path / "korus-watch.toml"
    config.write_text(f"[crawl]\n{PACE_OFF}timeout_seconds = 5\nretry_times = 1\n\n"
                      + source_config(server.api_url, **options), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
        "KORUS_WATCH_CONFIG": str(config),
        "KORUS_WATCH_DATABASE__URL": database_url,
    }
    return KorusWatch(config=config, env=env)


@pytest.fixture
def register() -> FederalRegister:
    return korus_register()


@pytest.fixture
def server(register: FederalRegister) -> Iterator[FederalRegisterServer]:
    started = FederalRegisterServer(register).start()
    yield started
    started.stop()


@pytest.fixture
def korus_watch(tmp_path: Path, database_url: str, server: FederalRegisterServer) -> KorusWatch:
    return korus_watch_for(tmp_path, database_url, server)


def crawl(korus_watch: KorusWatch, *options: str, check: bool = True) -> tuple[int, str, str]:
    result = korus_watch.run("crawl", "--source", SOURCE, *options, check=check)
    return result.returncode, result.stdout, result.stderr


def api_requests(server: FederalRegisterServer) -> list[MirrorRequest]:
    return [request for request in server.requests if request.path != "/robots.txt"]


def matching(register: FederalRegister, term: str = KORUS_TERM) -> list[FrDocument]:
    """The documents a query of `term` matches (the imitation's own search)."""
    return register.search(Search(nested_params(urlencode({"conditions[term]": term}))))


def item(db: Database, number: str, published: date) -> Statement:
    with db.sessions() as session:
        found = session.scalar(select(Statement).join(StatementKey).where(
            StatementKey.key == f"{number}/{published.isoformat()}"))
        assert found is not None, f"{number} of {published} is not archived"
        return found


def event_kinds(db: Database) -> list[tuple[EventKind, str]]:
    with db.sessions() as session:
        return [(kind, title) for kind, title in session.execute(
            select(ChangeEvent.kind, Statement.title).join(Statement).order_by(ChangeEvent.id))]


def versions(db: Database, statement_id: int) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count(Version.id)).where(Version.statement_id == statement_id)) or 0


def test_baseline_archives_each_document_once_by_number_and_date_and_a_quiet_poll_asks_little(
    tmp_path: Path, database_url: str, server: FederalRegisterServer, register: FederalRegister, db: Database,
) -> None:
    # Wide enough for both documents numbered 2010-31094 (the first is on steel nails from Korea).
    term = f'{KORUS_TERM} | "steel nails"'
    korus_watch = korus_watch_for(tmp_path, database_url, server, term=term)
    expected = matching(register, term)
    assert {SAME_NUMBER} == {d.document_number for d in expected if d.publication_date in SAME_NUMBER_DATES}
    assert len([d for d in expected if d.document_number == SAME_NUMBER]) == 2
    code, out, err = crawl(korus_watch)
    assert code == 0 and "(baseline)" in out and f"new {len(expected)}," in out
    # The number is no identity, nor a hint of one: no document is taken for another one under it.
    assert "identity conflict" not in err
    assert event_kinds(db) == []
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == len(expected)
        assert set(session.scalars(select(StatementSource.source))) == {SOURCE}

    # The same number on two dates is two documents.
    first, second = (item(db, SAME_NUMBER, day) for day in SAME_NUMBER_DATES)
    assert first.id != second.id and first.title != second.title
    notice = item(db, "2024-14094", date(2024, 7, 2))
    assert notice.section == "Notice" and notice.source == SOURCE
    assert notice.fields is not None
    assert notice.fields["citation"] == "89 FR 54950" and notice.fields["document_number"] == "2024-14094"
    assert notice.fields["agencies"] == ["Trade Representative, Office of United States"]
    # Each document cost its text and nothing more: the listing gave its fields.
    texts = [r for r in api_requests(server) if r.path.startswith("/documents/full_text/")]
    assert len(texts) == len(expected)
    assert not [r for r in api_requests(server) if r.path.startswith("/api/v1/documents/")]

    server.clear_log()
    code, out, _ = crawl(korus_watch)
    assert code == 0 and "new 0, edited 0" in out
    asked = api_requests(server)
    # One page of the newest documents, all known; and one known document read again (its JSON and its text).
    assert [r.path for r in asked][:1] == ["/api/v1/documents.json"]
    assert len(asked) <= 3, [r.path for r in asked]
    assert parse_qs(asked[0].query)["order"] == ["newest"]
    assert event_kinds(db) == []


def test_new_edited_corrected_and_self_changing_documents(
    tmp_path: Path, database_url: str, server: FederalRegisterServer, register: FederalRegister, db: Database,
) -> None:
    korus_watch = korus_watch_for(tmp_path, database_url, server)
    # One document has no raw text: its body HTML is read instead.
    register.patch("2013-12849", date(2013, 5, 30), has_raw_text=False)
    crawl(korus_watch)
    original = item(db, "2024-14094", date(2024, 7, 2))
    html_only = item(db, "2013-12849", date(2013, 5, 30))
    with db.sessions() as session:
        body = session.scalars(select(Version.body_text).where(Version.statement_id == html_only.id)).one()
    assert register.document("2013-12849", date(2013, 5, 30)).paragraphs[0][:60] in body
    assert "/documents/full_text/html/2013/05/30/2013-12849.html" in {r.path for r in server.requests}

    new = register.add(FrDocument(
        document_number="2026-20001", publication_date=date(2026, 11, 2), type="Notice",
        agencies=("trade-representative-office-of-united-states",),
        title="Implementation of a Modification to the KORUS Rules of Origin",
        abstract="USTR announces the entry into force of a modification under the KORUS.", paragraphs=[
            "The United States-Korea Free Trade Agreement (KORUS) Joint Committee agreed a modification."],
        volume=91, start_page=70001, end_page=70002))
    before = register.document("2024-14094", date(2024, 7, 2))
    register.patch("2024-14094", date(2024, 7, 2),
                   paragraphs=[before.paragraphs[0].replace("Korea", "the Republic of Korea", 1),
                               *before.paragraphs[1:]])
    register.churn(views=500, comments=40)
    correction = register.correct("2012-6554", date(2012, 3, 16), on=date(2026, 11, 3))

    # --full: every known document read again, so that the patched one is.
    code, out, err = crawl(korus_watch, "--full")
    assert code == 0, err
    kinds = event_kinds(db)
    assert sorted(kind for kind, _ in kinds) == sorted([EventKind.NEW, EventKind.NEW, EventKind.EDITED])
    assert (EventKind.NEW, new.title) in kinds and (EventKind.NEW, correction.title) in kinds
    assert (EventKind.EDITED, original.title) in kinds
    assert versions(db, original.id) == 2
    diff = korus_watch.run("diff", str(original.id)).stdout
    assert "{+the Republic of +}Korea" in diff

    # The correction is its own item, linked to the one it corrects; the original's page lists it.
    corrected = item(db, "2012-6554", date(2012, 3, 16))
    fixed = item(db, correction.document_number, correction.publication_date)
    with db.sessions() as session:
        links = session.execute(select(StatementLink.relation, StatementLink.target_key)
                                .where(StatementLink.statement_id == fixed.id)).all()
    assert (LinkRelation.CORRECTS, "2012-6554/2012-03-16") in links
    shown = json.loads(korus_watch.run("show", str(corrected.id), "--json").stdout)
    assert [(r["id"], r["relation"]) for r in shown["related"] if r["relation"] == "corrected by"] == [
        (fixed.id, "corrected by")]

    # Nothing changed since: page views and comment counts go on changing by themselves, and make no event.
    register.churn(views=900, comments=70)
    code, out, _ = crawl(korus_watch, "--full")
    assert code == 0 and "new 0, edited 0" in out
    assert len(event_kinds(db)) == 3

    # What was stored reads as it was read: re-reading it records nothing.
    reread = korus_watch.run("reextract", "--source", SOURCE)
    assert "0 readings differ" in reread.stdout + reread.stderr, reread.stdout + reread.stderr
    assert len(event_kinds(db)) == 3 and versions(db, original.id) == 2


def test_a_correction_printed_under_the_original_number_is_another_item_linked_to_it(
    korus_watch: KorusWatch, register: FederalRegister, db: Database,
) -> None:
    crawl(korus_watch)
    correction = register.correct("2013-12849", date(2013, 5, 30), on=date(2026, 11, 4), kind="same_number")
    code, _, err = crawl(korus_watch)
    assert code == 0, err
    original = item(db, "2013-12849", date(2013, 5, 30))
    fixed = item(db, "2013-12849", correction.publication_date)
    assert fixed.id != original.id
    assert event_kinds(db) == [(EventKind.NEW, correction.title)]
    with db.sessions() as session:
        assert session.scalar(select(StatementLink.target_key).where(
            StatementLink.statement_id == fixed.id, StatementLink.relation == LinkRelation.CORRECTS)) == \
            "2013-12849/2013-05-30"


def test_a_range_the_api_cannot_page_through_is_read_in_windows(
    tmp_path: Path, database_url: str, db: Database,
) -> None:
    # 2 a page: the API pages through 100 documents of one query at most.
    register = generated_register(130, year=2012)
    with FederalRegisterServer(register) as server:
        korus_watch = korus_watch_for(tmp_path, database_url, server, per_page=2, since="2012-01-01")
        code, out, err = crawl(korus_watch)
        assert code == 0, err
        assert "new 130," in out
        searches = [parse_qs(r.query) for r in api_requests(server) if r.path == "/api/v1/documents.json"]
    assert all(int(query["page"][0]) * 2 <= 100 for query in searches)
    windows = {(query["conditions[publication_date][gte]"][0], query["conditions[publication_date][lte]"][0])
               for query in searches}
    assert len(windows) >= 3  # the whole range, then its halves
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == 130


def test_a_day_with_more_documents_than_the_api_pages_through_is_a_health_problem(
    tmp_path: Path, database_url: str, db: Database,
) -> None:
    # 2 a page: the API pages through 100 documents of one query at most, and 101 were published that day.
    day = date(2012, 6, 1)
    documents = [FrDocument(
        document_number=f"2012-{20000 + n}", publication_date=day, type="Notice",
        agencies=("trade-representative-office-of-united-states",), title=f"KORUS notice {n}", abstract=None,
        paragraphs=[f"Notice {n} under the KORUS."], volume=77, start_page=n + 1, end_page=n + 1) for n in range(101)]
    with FederalRegisterServer(FederalRegister(documents)) as server:
        korus_watch = korus_watch_for(tmp_path, database_url, server, per_page=2, since="2012-06-01")
        code, out, err = crawl(korus_watch, check=False)
    assert code == 1
    assert f"{SOURCE}: 101 documents published on 2012-06-01 match its query" in err
    with db.sessions() as session:
        # What the API pages through is read, and the rest is a problem of the source, not a silent loss.
        assert session.scalar(select(func.count(Statement.id))) == 100
        problem = session.scalars(select(HealthProblem).where(HealthProblem.source == SOURCE)).one()
        assert "2012-06-01" in problem.message


def test_an_unknown_agency_slug_is_a_clear_problem_of_the_source(
    tmp_path: Path, database_url: str, server: FederalRegisterServer, db: Database,
) -> None:
    korus_watch = korus_watch_for(tmp_path, database_url, server, agencies=["trade-representative-office"])
    code, _, err = crawl(korus_watch, check=False)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith(f"{SOURCE}:")]
    assert lines == [f"{SOURCE}: the API refused the query: agencies: invalid value (check the source's agency "
                     "slugs and term); new documents cannot be found"]
    assert "Traceback" not in err
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == 0
        assert session.scalars(select(HealthProblem.source)).all() == [SOURCE]


def test_the_api_down_fails_the_poll_clearly_and_the_next_one_recovers(
    korus_watch: KorusWatch, server: FederalRegisterServer, register: FederalRegister, db: Database,
) -> None:
    server.stop()
    code, _, err = crawl(korus_watch, check=False)
    assert code == 1 and f"{SOURCE}: the site could not be reached" in err
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == 0
        run = session.scalars(select(CrawlRun)).one()
        assert run.status.value == "failed"

    server.start()
    code, out, err = crawl(korus_watch)
    assert code == 0 and "(baseline)" in out and f"new {len(matching(register))}," in out
    assert event_kinds(db) == []


def test_unreadable_answers_are_problems_and_nothing_is_lost(
    korus_watch: KorusWatch, server: FederalRegisterServer, register: FederalRegister, db: Database,
) -> None:
    # The baseline meets one document whose text is missing: the source has a problem, and the next poll reads it.
    server.fault("status", "text", status=404, document_number="2018-08015", times=1)
    code, _, err = crawl(korus_watch, check=False)
    assert code == 1 and "2018-08015" in err
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == len(matching(register)) - 1
    code, out, err = crawl(korus_watch)
    assert code == 0 and "new 1," in out
    item(db, "2018-08015", date(2018, 4, 17))
    assert event_kinds(db) == []  # still the baseline: what was there before watching began is not news

    # A routine poll whose listing is cut short: a clear one-line problem, no event, and the next poll is whole.
    register.add(FrDocument(
        document_number="2026-20002", publication_date=date(2026, 11, 5), type="Notice",
        agencies=("trade-representative-office-of-united-states",), title="KORUS Joint Committee Meeting",
        abstract=None, paragraphs=["A meeting of the KORUS Joint Committee."], volume=91, start_page=71001,
        end_page=71001))
    server.fault("truncated", "search", times=1)
    code, _, err = crawl(korus_watch, check=False)
    assert code == 1 and "the JSON answer ends early" in err and "Traceback" not in err
    assert event_kinds(db) == []
    code, out, _ = crawl(korus_watch)
    assert code == 0 and "new 1," in out
    assert event_kinds(db) == [(EventKind.NEW, "KORUS Joint Committee Meeting")]

    # A new document whose answers leave its title out: an error of the poll, no event; read once it has one.
    register.add(FrDocument(
        document_number="2026-20003", publication_date=date(2026, 11, 6), type="Notice",
        agencies=("trade-representative-office-of-united-states",), title="KORUS Environmental Affairs Council",
        abstract=None, paragraphs=["A meeting under the KORUS environment chapter."], volume=91, start_page=71101,
        end_page=71101))
    register.set_missing("2026-20003", date(2026, 11, 6), ["title"])
    code, out, err = crawl(korus_watch)
    assert "new 0," in out and "errors 1;" in out and "document 2026-20003: no title" in err
    assert len(event_kinds(db)) == 1
    register.set_missing("2026-20003", date(2026, 11, 6), [])
    code, out, _ = crawl(korus_watch)
    assert "new 1," in out and event_kinds(db)[-1] == (EventKind.NEW, "KORUS Environmental Affairs Council")

    # A maintenance page in place of the API's JSON.
    server.fault("not_json", "search", times=1)
    code, _, err = crawl(korus_watch, check=False)
    assert code == 1 and "the answer is not JSON (it begins '<!DOCTYPE html>" in err and "Traceback" not in err
    assert len(event_kinds(db)) == 2


@pytest.mark.parametrize("at_once", [False, True], ids=["one-after-the-other", "at-once"])
def test_two_queries_matching_one_document_archive_it_once(
    tmp_path: Path, database_url: str, server: FederalRegisterServer, register: FederalRegister, db: Database,
    at_once: bool,
) -> None:
    korus_watch = korus_watch_for(tmp_path, database_url, server)
    with korus_watch.config.open("a", encoding="utf-8") as config:
        config.write('\n[[sources.federal_register]]\nname = "fr-ustr"\napi_url = ' + json.dumps(server.api_url)
                     + '\nagencies = ["trade-representative-office-of-united-states"]\nsince = "2006-01-01"\n'
                     + "max_requests_per_second = 1000\n")
    if at_once:
        out = korus_watch.run("crawl", "--source", SOURCE, "--source", "fr-ustr").stdout
    else:
        out = korus_watch.run("crawl", "--source", SOURCE).stdout + korus_watch.run("crawl", "--source", "fr-ustr").stdout
    assert out.count("errors 0;") == 2, out
    by_ustr = {(d.document_number, d.publication_date) for d in register.documents
               if "trade-representative-office-of-united-states" in d.agencies}
    both = {(d.document_number, d.publication_date) for d in matching(register)} & by_ustr
    assert len(both) >= 3
    with db.sessions() as session:
        for number, published in both:
            found = item(db, number, published)
            assert set(session.scalars(select(StatementSource.source).where(
                StatementSource.statement_id == found.id))) == {SOURCE, "fr-ustr"}
        assert session.scalar(select(func.count(Statement.id))) == len(
            {(d.document_number, d.publication_date) for d in matching(register)} | by_ustr)
    assert event_kinds(db) == []
