"""Web app benchmark: p95 latency of the timeline, a statement page, a diff, a search and the feed on a large archive
(100,000 statements, 300,000 versions, 50,000 events by default), then many concurrent clients for a while, and the
process's RSS. The archive is generated with bulk INSERTs (the search triggers index it as the crawler's writes
would be), not crawled.

    .venv/bin/python bench/web_bench.py --backend sqlite
    .venv/bin/python bench/web_bench.py --backend postgresql --statements 10000 --versions 30000 --events 5000

Not yet measured here: the same load while a crawl runs (the issue's "crawl within 10%" target).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import psycopg
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.db import Database  # noqa: E402
from archive.models import ChangeEvent, CrawlRun, EventKind, RunStatus, Statement, TopicRelevance, Version  # noqa: E402
from web.app import create_app  # noqa: E402
from web.server import WebServer  # noqa: E402
from web.settings import HttpSettings  # noqa: E402

log = logging.getLogger("web_bench")
POSTGRES = os.environ.get("KORUS_WATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
WORDS = ("trade agreement tariff steel aluminum automobile market access Korea KORUS committee negotiation "
         "ambassador partner economic framework investment labor environment digital services agriculture rice "
         "beef pharmaceutical review implementation dispute settlement safeguard quota customs origin textile").split()
SECTIONS = ("press-releases", "fact-sheets", "speeches-and-remarks")
BATCH = 5000


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def body(rng: random.Random) -> list[str]:
    return [paragraph(rng, rng.randint(30, 80)) for _ in range(rng.randint(4, 10))]


def generate(db: Database, statements: int, versions: int, events: int, seed: int = 7) -> None:
    """Statements with 1 to 5 versions (`versions` in all), each later version a few words changed, and `events`
    edited events on them; a fifth of the versions relevant to 'korus'."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    extra = versions - statements
    per_statement = [1] * statements
    for index in rng.sample(range(statements), k=min(statements, extra // 2)):
        per_statement[index] += 2
    while sum(per_statement) < versions:
        per_statement[rng.randrange(statements)] += 1
    with db.engine.begin() as connection:
        run_id = connection.execute(insert(CrawlRun).returning(CrawlRun.id), {
            "started_at": now, "finished_at": now, "status": RunStatus.SUCCEEDED, "full": True, "baseline": True,
        }).scalar_one()
    edited_pairs: list[tuple[int, int, int]] = []
    statement_rows, version_rows, relevance_rows = [], [], []
    version_id = 0

    def flush() -> None:
        with db.engine.begin() as connection:
            if statement_rows:
                connection.execute(insert(Statement), statement_rows)
            if version_rows:
                connection.execute(insert(Version), version_rows)
            if relevance_rows:
                connection.execute(insert(TopicRelevance), relevance_rows)
        statement_rows.clear(), version_rows.clear(), relevance_rows.clear()

    for statement_id in range(1, statements + 1):
        published = date(2010, 1, 1) + timedelta(days=rng.randrange(6000))
        paragraphs = body(rng)
        title = paragraph(rng, rng.randint(6, 14))[:-1]
        statement_rows.append({
            "id": statement_id, "node_id": 100000 + statement_id, "url": f"https://ustr.gov/s/{statement_id}",
            "section": rng.choice(SECTIONS), "title": title, "published_on": published, "first_seen_at": now,
            "last_seen_at": now, "last_checked_at": now,
        })
        previous = None
        for number in range(1, per_statement[statement_id - 1] + 1):
            version_id += 1
            if number > 1:
                where = rng.randrange(len(paragraphs))
                paragraphs[where] = paragraph(rng, rng.randint(30, 80))
            text = "\n\n".join(paragraphs)
            version_rows.append({
                "id": version_id, "statement_id": statement_id, "number": number, "title": title,
                "published_on": published, "published_text": f"{published:%B %d, %Y}", "doc_type": "Press Releases",
                "body_text": text, "body_html": "", "content_hash": uuid.uuid4().hex, "first_seen_at": now,
                "last_seen_at": now,
            })
            if rng.random() < 0.2:
                relevance_rows.append({"version_id": version_id, "topic": "korus", "score": 4.0, "relevant": True,
                                       "matched_terms": ["KORUS", "Korea"]})
            if previous is not None:
                edited_pairs.append((statement_id, previous, version_id))
            previous = version_id
        if len(version_rows) >= BATCH:
            flush()
    flush()
    chosen = rng.sample(edited_pairs, k=min(events, len(edited_pairs)))
    chosen.sort(key=lambda pair: pair[2])
    rows = [{"statement_id": s, "kind": EventKind.EDITED, "from_version_id": old, "to_version_id": new,
             "crawl_run_id": run_id, "detected_at": now - timedelta(minutes=len(chosen) - i)}
            for i, (s, old, new) in enumerate(chosen)]
    with db.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(ChangeEvent), rows[start:start + BATCH])
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")


@contextmanager
def archive(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def served(db: Database) -> Iterator[str]:
    app = create_app(db, HttpSettings(), lambda: {
        "crawl_runs": [], "last_success_at": None, "health_problems": [], "delivery_queue": {}, "dead_letters": [],
        "channels": [], "jobs": [],
    })
    server = WebServer(app, "127.0.0.1", 0)
    started = threading.Event()

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        await server.wait_started()
        started.set()
        await task

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    started.wait(30)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(30)


def targets(rng: random.Random, statements: int) -> dict[str, object]:
    """Each measured kind of request, as a function giving the next path to ask."""
    return {
        "timeline": lambda: "/",
        "statement": lambda: f"/statements/{rng.randint(1, statements)}",
        "diff": lambda: f"/statements/{rng.randint(1, statements)}/diff",
        "search": lambda: f"/statements?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
        "feed": lambda: "/feeds/events.atom",
    }


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000 if len(values) >= 2 else values[0] * 1000


def measure_sequential(base: str, paths: dict[str, object], samples: int) -> dict[str, float]:
    results: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, next_path in paths.items():
            client.get(next_path())  # warm
            times = []
            for _ in range(samples):
                start = time.perf_counter()
                response = client.get(next_path())
                times.append(time.perf_counter() - start)
                assert response.status_code in (200, 404), (name, response.status_code)
            results[name] = p95(times)
    return results


async def load(base: str, paths: dict[str, object], clients: int, seconds: float) -> tuple[dict[str, list[float]], int, int]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors = 0
    names = list(paths)
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client_loop(client: httpx.AsyncClient, rng: random.Random) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            name = rng.choice(names)
            start = time.perf_counter()
            try:
                response = await client.get(paths[name]())  # type: ignore[operator]
                if response.status_code >= 500:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
                continue
            latencies[name].append(time.perf_counter() - start)

    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        await asyncio.gather(*(client_loop(client, random.Random(n)) for n in range(clients)))
    return latencies, sum(len(v) for v in latencies.values()), errors


def run(backend: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, archive(backend, Path(tmp)) as url:
        db = Database(url)
        start = time.perf_counter()
        generate(db, args.statements, args.versions, args.events)
        print(f"[{backend}] generated {args.statements} statements, {args.versions} versions, {args.events} events "
              f"in {time.perf_counter() - start:.0f} s", flush=True)
        process = psutil.Process()
        with served(db) as base:
            paths = targets(random.Random(1), args.statements)
            sequential = measure_sequential(base, paths, args.samples)
            print(f"[{backend}] p95 one client (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in sequential.items()),
                  flush=True)
            latencies, requests, errors = asyncio.run(load(base, paths, args.clients, args.seconds))
            print(f"[{backend}] {args.clients} clients for {args.seconds:.0f} s: {requests} requests "
                  f"({requests / args.seconds:.0f}/s), {errors} errors; p95 under load (ms): "
                  + ", ".join(f"{k} {p95(v):.0f}" for k, v in sorted(latencies.items())), flush=True)
            print(f"[{backend}] RSS {process.memory_info().rss / 2**20:.0f} MiB", flush=True)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200, help="requests per kind for the one-client p95")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {platform.processor() or platform.machine()}, "
          f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
          f"{platform.python_version()}", flush=True)
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args)


if __name__ == "__main__":
    main()
