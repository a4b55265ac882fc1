"""Web app benchmark: p95 latency of the timeline, a statement page, a diff, a search and the feed on a large archive
(100,000 statements, 300,000 versions, 50,000 events by default), with one client and under 200 concurrent clients
for 60 s while a crawl runs, the server's RSS, and the crawl's duration against the same crawl without the load.

    .venv/bin/python bench/web_bench.py --backend both --doc
    .venv/bin/python bench/web_bench.py --backend sqlite --statements 10000 --versions 30000 --events 5000

Every party is a process of its own: the server is `korus-watch web` over the generated archive; the load is wrk
(`apt-get install wrk`), one wrk process per kind of page, each with its share of the clients and a Lua script
that picks its paths (a random statement, a random two-word search); the crawl is `korus-watch crawl` of the tests'
generated mirror (`python -m testkit.mirror`) into an archive of its own on the same backend, so that the crawl with
the load and the one without do the same work. Two crawls, each alone and then under a load window of its own: at
the product's default crawl settings against a mirror answering after --latency seconds, and with the pace off
against a mirror answering at once; in both windows the clients send their next request as soon as the last is
answered, which saturates the server. A third window has the clients read as people do, pausing --think-seconds on
average between pages, during the crawl at the defaults. An unreported crawl first renders every mirror page once.

The archive is generated with bulk INSERTs (the search triggers index it as the crawler's writes would), not
crawled. Each statement has three versions of 4 to 10 paragraphs from a 38-word vocabulary: every search matches
nearly every statement, the worst case for ranking.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]
import psycopg
from sqlalchemy import func, insert, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawl_bench import KORUS_WATCH, Mirror  # noqa: E402

from archive.db import Database  # noqa: E402
from archive.models import (  # noqa: E402
    PRESS_OFFICE,
    ChangeEvent,
    CrawlRun,
    EventKind,
    RunStatus,
    Statement,
    StatementSource,
    TopicRelevance,
    Version,
)

log = logging.getLogger("web_bench")
POSTGRES = os.environ.get("KORUS_WATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
WORDS = ("trade agreement tariff steel aluminum automobile market access Korea KORUS committee negotiation "
         "ambassador partner economic framework investment labor environment digital services agriculture rice "
         "beef pharmaceutical review implementation dispute settlement safeguard quota customs origin textile").split()
SECTIONS = ("press-releases", "fact-sheets", "speeches-and-remarks")
BATCH = 5000
KINDS = ("timeline", "statement", "diff", "search", "feed")
# The search box's operators and the feed of a search (issue 19), timed with one client only: the load windows keep
# the mix of pages they always had.
SEARCH_KINDS = ("search OR", "search -word", "search feed")
# Issue 13's targets, in milliseconds, and the crawl's allowed slow-down under the load.
TARGET_PAGE, TARGET_SEARCH, TARGET_CRAWL = 50.0, 100.0, 1.10


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
            "source": PRESS_OFFICE, "started_at": now, "finished_at": now, "status": RunStatus.SUCCEEDED, "full": True,
            "baseline": True,
        }).scalar_one()
    edited_pairs: list[tuple[int, int, int]] = []
    statement_rows: list[dict[str, object]] = []
    version_rows: list[dict[str, object]] = []
    relevance_rows: list[dict[str, object]] = []
    version_id = 0

    def flush() -> None:
        with db.engine.begin() as connection:
            if statement_rows:
                connection.execute(insert(Statement), statement_rows)
                connection.execute(insert(StatementSource), [
                    {"statement_id": row["id"], "source": PRESS_OFFICE} for row in statement_rows
                ])
            if version_rows:
                connection.execute(insert(Version), version_rows)
            if relevance_rows:
                connection.execute(insert(TopicRelevance), relevance_rows)
        for rows in (statement_rows, version_rows, relevance_rows):
            rows.clear()

    for statement_id in range(1, statements + 1):
        published = date(2010, 1, 1) + timedelta(days=rng.randrange(6000))
        paragraphs = body(rng)
        title = paragraph(rng, rng.randint(6, 14))[:-1]
        statement_rows.append({
            "id": statement_id, "source": PRESS_OFFICE, "external_id": str(100000 + statement_id),
            "url": f"https://ustr.gov/s/{statement_id}",
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
        # Committed: an ANALYZE rolled back with its transaction leaves the planner without statistics.
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


@contextmanager
def schema_or_file(backend: str, tmp: Path, name: str) -> Iterator[str]:
    """An empty archive URL: a file in `tmp`, or a PostgreSQL schema of its own, dropped afterwards."""
    unique = f"{name}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'{unique}.sqlite3'}"
        return
    schema = f"web_bench_{unique}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KORUS_WATCH_")}
    return env | {f"KORUS_WATCH_{key.upper()}": value for key, value in settings.items()}


@contextmanager
def web_server(url: str, scratch: Path) -> Iterator[tuple[str, psutil.Process]]:
    """`korus-watch web` over the archive at `url`, until the block ends."""
    port = free_port()
    env = clean_env(database__url=url, http__port=str(port))
    with (scratch / "web.log").open("w") as output:
        process = subprocess.Popen([KORUS_WATCH, "web"], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=5).status_code < 500:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"korus-watch web did not start:\n{(scratch / 'web.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, psutil.Process(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def path_maker(kind: str, rng: random.Random, statements: int) -> Callable[[], str]:
    """The next path to ask for one kind of page."""
    return {
        "timeline": lambda: "/",
        "statement": lambda: f"/statements/{rng.randint(1, statements)}",
        "diff": lambda: f"/statements/{rng.randint(1, statements)}/diff",
        "search": lambda: f"/statements?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
        "feed": lambda: "/feeds/events.atom",
        "search OR": lambda: f"/statements?q={rng.choice(WORDS)}+OR+{rng.choice(WORDS)}",
        "search -word": lambda: f"/statements?q={rng.choice(WORDS)}+-{rng.choice(WORDS)}",
        "search feed": lambda: f"/feeds/search.atom?q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
    }[kind]


def p95(seconds: list[float]) -> float:
    """In milliseconds."""
    return statistics.quantiles(seconds, n=20)[-1] * 1000 if len(seconds) >= 2 else seconds[0] * 1000


def one_client(base: str, statements: int, samples: int, server: psutil.Process) -> dict[str, tuple[float, float]]:
    """p95 per kind of page, one request at a time from this process, and the server's CPU (user + system) per
    request: on a machine shared with other work the wall times wait for a core, the CPU does not."""
    results: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for kind in KINDS + SEARCH_KINDS:
            next_path = path_maker(kind, random.Random(kind), statements)
            warm = client.get(next_path())
            if warm.status_code == 404:  # a server from before this kind of page
                continue
            warm.raise_for_status()
            times = []
            cpu = sum(server.cpu_times()[:2])
            for _ in range(samples):
                start = time.perf_counter()
                client.get(next_path()).raise_for_status()
                times.append(time.perf_counter() - start)
            results[kind] = (p95(times), (sum(server.cpu_times()[:2]) - cpu) / samples * 1000)
    return results


# One wrk process per kind of page; its Lua script makes the paths and reports what this benchmark reads.
WRK_SCRIPT = """
local kind, statements = "%(kind)s", %(statements)d
local words = {%(words)s}
local counter = 0
function setup(thread) thread:set("id", %(seed)d) end
function init(args) math.randomseed(id) end
function request()
  local path = "/"
  if kind == "statement" then path = "/statements/" .. math.random(statements)
  elseif kind == "diff" then path = "/statements/" .. math.random(statements) .. "/diff"
  elseif kind == "search" then path = "/statements?q=" .. words[math.random(#words)] .. "+" .. words[math.random(#words)]
  elseif kind == "feed" then path = "/feeds/events.atom" end
  return wrk.format("GET", path)
end
%(delay)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, "status": %%d, ' ..
    '"socket": %%d, "timeout": %%d}\\n', summary.requests, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write, e.timeout))
end
"""


@dataclass
class Load:
    """wrk's figures for one kind of page under the load."""

    requests: int
    p50: float
    p95: float
    p99: float
    errors: int  # non-2xx/3xx answers, socket errors and timeouts


@contextmanager
def wrk_load(base: str, statements: int, clients: int, seconds: float, think: float,
             scratch: Path) -> Iterator[dict[str, Load]]:
    """`clients` connections shared among the kinds of page for `seconds`, each sending its next request as soon as
    the last is answered (`think` 0) or after a pause of 0 to 2 × `think` seconds, as a reader does; the dict fills
    in when the block ends, which waits for wrk."""
    processes: dict[str, subprocess.Popen[str]] = {}
    results: dict[str, Load] = {}
    words = ", ".join(f'"{word}"' for word in WORDS)
    for index, kind in enumerate(KINDS):
        script = scratch / f"{kind}.lua"
        delay = f"function delay() return math.random(0, {round(think * 2000)}) end" if think else ""
        script.write_text(WRK_SCRIPT % {"kind": kind, "statements": statements, "words": words, "seed": index + 1,
                                        "delay": delay})
        share = clients // len(KINDS) + (index < clients % len(KINDS))
        processes[kind] = subprocess.Popen(
            ["wrk", "-t1", f"-c{share}", f"-d{seconds:.0f}s", "--timeout", "60s", "-s", str(script), base],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield results
    finally:
        for kind, process in processes.items():
            output, _ = process.communicate(timeout=seconds + 120)
            found = re.search(r"^WRK (.*)$", output, re.MULTILINE)
            if not found:
                raise RuntimeError(f"wrk ({kind}) said:\n{output}")
            figures = json.loads(found[1])
            results[kind] = Load(figures["requests"], figures["p50"] / 1000, figures["p95"] / 1000,
                                 figures["p99"] / 1000, figures["status"] + figures["socket"] + figures["timeout"])


@dataclass(frozen=True)
class CrawlScenario:
    name: str
    statements: int
    latency: float
    settings: dict[str, str]


def scenarios(args: argparse.Namespace) -> list[CrawlScenario]:
    """The product's default crawl settings against a site with a distant server's answer time (the pace decides
    the crawl's duration), and the pace off against a mirror answering at once (the crawl is CPU-bound, the
    worst case for sharing two cores with the web server)."""
    return [
        CrawlScenario("defaults", args.crawl_statements, args.latency, {}),
        CrawlScenario("pace off", args.fast_crawl_statements, 0.0,
                      {"crawl__autothrottle": "false", "crawl__max_requests_per_second": "100000"}),
    ]


def crawl(scenario: CrawlScenario, mirror: Mirror, url: str, scratch: Path) -> tuple[float, str]:
    """`korus-watch crawl` into the (empty) archive at `url`: wall seconds, and its summary line."""
    env = clean_env(crawl__base_url=mirror.url, database__url=url, **scenario.settings)
    started = time.monotonic()
    done = subprocess.run([KORUS_WATCH, "crawl"], cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"korus-watch crawl exited {done.returncode}:\n{done.stderr[-3000:]}")
    (scratch / "crawl.log").write_text(done.stdout + done.stderr)
    return wall, (done.stdout.strip().splitlines() or [""])[-1]


@contextmanager
def peak_rss(process: psutil.Process) -> Iterator[list[float]]:
    """The process's largest RSS in MiB while the block runs, sampled every half second, in the list's one item."""
    peak = [process.memory_info().rss / 2**20]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], process.memory_info().rss / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


@dataclass
class Loaded:
    """One load window: the figures per kind of page, the server's peak RSS, and the crawl that ran in it."""

    scenario: CrawlScenario
    think: float  # the clients' mean pause between requests, in seconds (0: none, the server saturated)
    pages: dict[str, Load]
    rss_peak: float
    crawl_alone: float
    crawl_loaded: float
    crawl_in_load: bool

    @property
    def label(self) -> str:
        clients = f"readers pausing ~{self.think:.0f} s" if self.think else "clients without pause"
        return f"{clients}, crawl {self.scenario.name}"

    @property
    def requests(self) -> int:
        return sum(figures.requests for figures in self.pages.values())

    @property
    def errors(self) -> int:
        return sum(figures.errors for figures in self.pages.values())


@dataclass
class Result:
    backend: str
    single: dict[str, float]
    rss_idle: float
    windows: list[Loaded]


def under_load(backend: str, scenario: CrawlScenario, think: float, base: str, server: psutil.Process,
               args: argparse.Namespace, scratch: Path) -> Loaded:
    """The crawl alone, then the same crawl under the load of `args.clients` clients for `args.seconds`, pausing
    `think` seconds on average between requests."""
    mirror = Mirror(scenario.statements, scenario.latency)
    try:
        with schema_or_file(backend, scratch, "warmup") as crawl_url:
            crawl(scenario, mirror, crawl_url, scratch)  # renders every mirror page once: no measured crawl pays
        with schema_or_file(backend, scratch, "alone") as crawl_url:
            crawl_alone, summary = crawl(scenario, mirror, crawl_url, scratch)
        print(f"[{backend}] crawl ({scenario.name}) without the load: {crawl_alone:.1f} s ({summary})", flush=True)
        with (schema_or_file(backend, scratch, "loaded") as crawl_url, peak_rss(server) as peak,
              wrk_load(base, args.statements, args.clients, args.seconds, think, scratch) as pages):
            load_started = time.monotonic()
            time.sleep(args.ramp)  # every client connected and busy before the crawl starts
            crawl_loaded, _ = crawl(scenario, mirror, crawl_url, scratch)
            in_load = time.monotonic() - load_started <= args.seconds
    finally:
        mirror.stop()
    window = Loaded(scenario, think, pages, peak[0], crawl_alone, crawl_loaded, in_load)
    print(f"[{backend}] crawl ({scenario.name}) under the load ({window.label}): {crawl_loaded:.1f} s "
          f"({crawl_loaded / crawl_alone:.2f}x){'' if in_load else ', finished after the load ended'}", flush=True)
    print(f"[{backend}] {args.clients} {window.label.split(',')[0]} for {args.seconds:.0f} s: {window.requests} "
          f"requests "
          f"({window.requests / args.seconds:.0f}/s), {window.errors} errors; p95 under load (ms): "
          + ", ".join(f"{k} {v.p95:.0f}" for k, v in pages.items()) + f"; server peak RSS {peak[0]:.0f} MiB",
          flush=True)
    return window


def run(backend: str, args: argparse.Namespace) -> Result:
    with (tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack):
        scratch = Path(tmp)
        url = args.archive or stack.enter_context(schema_or_file(backend, scratch, "served"))
        db = Database(url)
        start = time.perf_counter()
        with db.engine.connect() as connection:
            generated = connection.scalar(select(func.count()).select_from(Statement))
        if not generated:
            generate(db, args.statements, args.versions, args.events)
            print(f"[{backend}] {args.statements} statements, {args.versions} versions, {args.events} events "
                  f"generated in {time.perf_counter() - start:.0f} s", flush=True)
        db.dispose()
        base, server = stack.enter_context(web_server(url, scratch))
        measured = one_client(base, args.statements, args.samples, server)
        single = {kind: wall for kind, (wall, _) in measured.items()}
        rss_idle = server.memory_info().rss / 2**20
        print(f"[{backend}] p95 with one client (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in single.items())
              + f"; server RSS {rss_idle:.0f} MiB", flush=True)
        print(f"[{backend}] server CPU per request (ms): "
              + ", ".join(f"{kind} {cpu:.1f}" for kind, (_, cpu) in measured.items()), flush=True)
        # The server saturated by clients that never pause, during each crawl; then readers, who pause between
        # pages as people do, during the crawl at the defaults.
        loads = [(scenario, 0.0) for scenario in scenarios(args)] if not args.one_client else []
        if args.think_seconds and not args.one_client:
            loads.append((scenarios(args)[0], args.think_seconds))
        windows = [under_load(backend, scenario, think, base, server, args, scratch) for scenario, think in loads]
        return Result(backend, single, rss_idle, windows)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = found[1] if found else cpu
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu}, {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}, "
            f"SQLite {__import__('sqlite3').sqlite_version}, commit {commit.stdout.strip() or 'unknown'}")


def markdown(results: list[Result], seconds: float) -> str:
    """The figures as docs/benchmarks.md shows them, each against its target."""
    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    names = [window.label for window in results[0].windows]
    lines = ["| backend | page | p95, one client (ms) | target | "
             + " | ".join(f"p95 under load: {name} (ms)" for name in names) + " |",
             "|---|---|---:|---|" + "---:|" * len(names)]
    for result in results:
        for kind in result.single:
            target = TARGET_SEARCH if kind.startswith("search") else TARGET_PAGE
            single = result.single[kind]
            # Against the target where the clients read as people do; saturated, the p95 is the queue's.
            loaded = [(f"{window.pages[kind].p95:.0f}" + (f": {mark(window.pages[kind].p95 <= target)}"
                                                           if window.think else "")) if kind in window.pages else "—"
                      for window in result.windows]
            lines.append(f"| {result.backend} | {kind} | {single:.1f} | ≤ {target:.0f}: {mark(single <= target)} | "
                         + " | ".join(loaded) + " |")
    lines += ["", "| backend | load and crawl | requests/s under load | errors | server RSS idle / peak (MiB) | "
              "crawl alone (s) | crawl under load (s) | ratio (target ≤ 1.10) |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for result in results:
        for window in result.windows:
            ratio = window.crawl_loaded / window.crawl_alone
            lines.append(
                f"| {result.backend} | {window.label} ({window.scenario.statements} statements) | "
                f"{window.requests / seconds:.0f} | {window.errors} | {result.rss_idle:.0f} / {window.rss_peak:.0f} | "
                f"{window.crawl_alone:.1f} | {window.crawl_loaded:.1f} | {ratio:.2f}: {mark(ratio <= TARGET_CRAWL)}"
                f"{'' if window.crawl_in_load else ' (outlasted the load)'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200, help="requests per kind of page for the one-client p95")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds of load before the crawl starts")
    parser.add_argument("--crawl-statements", type=int, default=200,
                        help="statements on the mirror crawled at the default settings")
    parser.add_argument("--latency", type=float, default=0.15, help="that mirror's answer time, in seconds")
    parser.add_argument("--fast-crawl-statements", type=int, default=1000,
                        help="statements on the mirror crawled with the pace off")
    parser.add_argument("--think-seconds", type=float, default=5.0,
                        help="a last load window of readers pausing this long on average between pages (0: none)")
    parser.add_argument("--doc", action="store_true", help="also print the figures as a Markdown block")
    parser.add_argument("--one-client", action="store_true", help="only the one-client p95s: no load, no crawl")
    parser.add_argument("--archive", help="serve this archive URL (generated into first if it has no statements; "
                                          "kept), instead of a fresh one; with one --backend")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(machine(), flush=True)
    print("command: bench/web_bench.py " + " ".join(sys.argv[1:]), flush=True)
    results = [run(backend, args) for backend in (("sqlite", "postgresql") if args.backend == "both"
                                                  else (args.backend,))]
    if args.doc:
        print("\n" + markdown(results, args.seconds))


if __name__ == "__main__":
    main()
