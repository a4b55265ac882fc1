"""Crawler benchmark: korus-watch against a plain httpx + parsel crawler, on a generated local mirror.

    python bench/crawl_bench.py --statements 3000 [--doc docs/benchmarks.md]
    python bench/crawl_bench.py --defaults --statements 3000 --latency 0.15 [--doc docs/benchmarks.md]

The first measures CPU: korus-watch with its pace off (crawl.autothrottle = false and no request cap worth the name)
against the baselines, on a mirror that answers at once. The second measures korus-watch as a user gets it, with
the product's default crawl settings (its politeness policy: crawler.pace), against a mirror that answers each
request after `--latency` seconds: the baseline crawl, a no-change poll, a routine poll with the rotation due and
one new statement, and `crawl --full`, each with the mirror's timed log of what the site saw (peak requests in any
one second and in flight).

Every measured run is a child process (the mirror is another one): wall time from spawn to exit, CPU
(user + sys) and peak RSS from os.wait4, so interpreter start-up and imports are included everywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import psutil  # type: ignore[import-untyped]
from parsel import Selector

from crawler.settings import CrawlSettings

log = logging.getLogger("crawl_bench")

REPO = Path(__file__).resolve().parents[1]
KORUS_WATCH = str(Path(sys.executable).with_name("korus-watch"))
OFFICE = "/about-us/policy-offices/press-office"
SECTIONS = ("press-releases", "fact-sheets", "speeches-and-remarks")
CONCURRENCY: int = CrawlSettings.model_fields["concurrent_requests"].default  # the crawler's default
STATEMENT_PATH = re.compile(r"/\d{4}/[a-z]+/[^/]+/?$", re.IGNORECASE)
ARCHIVE_PATH = re.compile(r"/about(?:-us)?/policy-offices/press-office/[a-z-]+/\d{4}(?:/[a-z]+)?/?$", re.IGNORECASE)
DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}")
LISTED = "ul.listing li a::attr(href), .views-row .views-field-title a::attr(href), li.pager__item--next a::attr(href)"
# What any crawl with this stack imports: Scrapy's crawler and HTTP(S) handler, Twisted's asyncio reactor,
# SQLAlchemy's ORM and the settings library.
CRAWL_LIBRARIES = ("scrapy.crawler", "scrapy.core.downloader.handlers.http11", "twisted.internet.asyncioreactor",
                   "sqlalchemy.orm", "pydantic_settings")
MARKERS = ("<!-- crawl_bench results: start -->", "<!-- crawl_bench results: end -->")
DEFAULTS_MARKERS = ("<!-- crawl_bench defaults: start -->", "<!-- crawl_bench defaults: end -->")
# The targets of the default-settings scenario (issue 12).
MAX_PER_SECOND, MAX_IN_FLIGHT = 10, 8


# -- the baseline crawler, run in a child process as `crawl_bench.py --baseline URL` ----------------

def parse_page(url: str, html: str) -> tuple[list[str], bool]:
    """The links to follow from a listing page, or whether a statement page yielded title, date and body."""
    page = Selector(text=html)
    if not STATEMENT_PATH.search(urlsplit(url).path):
        hrefs = page.css(LISTED).getall()
        hrefs += [h for h in page.css("a::attr(href)").getall() if ARCHIVE_PATH.search(unquote(urlsplit(h).path))]
        return [urljoin(url, h).split("#")[0] for h in hrefs], False
    title = page.css("h1.pageTitle, .title-underline")
    body = page.css(".field--name-body, div.field-name-body div.field-item")
    text = " ".join(" ".join(body[:1].css("::text").getall()).split())
    candidates = [*title[:1].xpath("string(following-sibling::*[1])").getall(),
                  *body[:1].xpath("(.//p)[position() <= 3]").xpath("string()").getall()]
    date = next((c for c in candidates if len(c) < 120 and DATE.search(c)), None)
    return [], bool(title and text and date)


async def baseline_crawl(base_url: str, concurrency: int) -> dict[str, int]:
    """Follows the landings' pager and year/month links, as the spider does, and parses every statement."""
    counts: Counter[str] = Counter()
    queue: asyncio.Queue[str] = asyncio.Queue()
    seen: set[str] = set()

    def enqueue(url: str) -> None:
        if url not in seen:
            seen.add(url)
            queue.put_nowait(url)

    async def worker(client: httpx.AsyncClient) -> None:
        while True:
            url = await queue.get()
            try:
                response = (await client.get(url)).raise_for_status()
                counts["pages"] += 1
                if not url.endswith("/robots.txt"):  # fetched, like Scrapy's, but not parsed
                    links, parsed = parse_page(url, response.text)
                    counts["statements"] += parsed
                    for link in links:
                        enqueue(link)
            except httpx.HTTPError:
                counts["errors"] += 1
            finally:
                queue.task_done()

    for url in [f"{base_url}/robots.txt", *(f"{base_url}{OFFICE}/{section}" for section in SECTIONS)]:
        enqueue(url)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        workers = [asyncio.create_task(worker(client)) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()
    return dict(counts)


def scrapy_baseline_crawl(base_url: str, concurrency: int) -> dict[str, int]:
    """The same discovery and parsing as baseline_crawl, in a bare Scrapy spider with Scrapy's default settings
    (bar logging, the telnet console and the remote control): what Scrapy itself costs, with no archive."""
    from scrapy import Request, Spider
    from scrapy.crawler import AsyncCrawlerProcess

    counts: Counter[str] = Counter()

    class BareSpider(Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            for section in SECTIONS:
                yield Request(f"{base_url}{OFFICE}/{section}")

        def parse(self, response):  # type: ignore[no-untyped-def]
            links, parsed = parse_page(response.url, response.text)
            counts["statements"] += parsed
            for link in links:
                yield Request(link)

    process = AsyncCrawlerProcess({
        "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
        "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    counts["pages"] = stats.get("downloader/request_count", 0)
    counts["errors"] = stats.get("log_count/ERROR", 0)
    return dict(counts)


# -- measuring child processes ----------------------------------------------------------------------

@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    mirror_cpu: float
    stdout: str
    pages: int = 0  # requests sent
    not_modified: int = 0
    crawl_cpu: float | None = None  # the crawl's own CPU as korus-watch reports it, without process start-up
    note: str = ""


class Mirror:
    """python -m testkit.mirror in its own process, so that its CPU is not counted against the crawler."""

    def __init__(self, statements: int, latency: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "testkit.mirror", "--fixture", "generated", "--statements", str(statements),
             "--port", "0", "--latency", str(latency)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("MIRROR_URL="):
            self.stop()
            raise RuntimeError(f"the mirror did not start: {line!r}")
        self.url = line.strip().removeprefix("MIRROR_URL=")
        self.stats = psutil.Process(self.process.pid)
        log.info("mirror of %d statements at %s", statements, self.url)

    def cpu(self) -> float:
        times = self.stats.cpu_times()
        return float(times.user + times.system)

    def control(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/_mirror/{name}", json=arguments or {}, timeout=30).raise_for_status()
        return dict(response.json())

    def requests(self) -> list[dict[str, Any]]:
        """The mirror's log of the requests it answered since the last clear_log."""
        return list(httpx.get(f"{self.url}/_mirror/requests", timeout=60).json()["requests"])

    def timing(self) -> dict[str, Any]:
        """The peaks of the requests answered since the last clear_log: requests in any one second, in flight."""
        return dict(httpx.get(f"{self.url}/_mirror/timing", timeout=60).json())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure(name: str, command: list[str], env: dict[str, str], mirror: Mirror, scratch: Path) -> Run:
    """Runs `command` to completion; fails with its stderr if it exits non-zero."""
    out, err = scratch / "stdout", scratch / "stderr"
    mirror_cpu, started = mirror.cpu(), time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=stdout, stderr=stderr)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, so Popen must be told
    if process.returncode:
        raise RuntimeError(f"{name}: {command} exited {process.returncode}:\n{err.read_text()[-3000:]}")
    run = Run(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, mirror.cpu() - mirror_cpu,
              out.read_text())
    log.info("%s: %.1f s wall, %.2f s CPU, %s", name, run.wall, run.cpu, run.stdout.strip().splitlines()[-1:])
    return run


def crawl(name: str, env: dict[str, str], mirror: Mirror, scratch: Path, *options: str) -> tuple[Run, dict[str, int]]:
    run = measure(name, [KORUS_WATCH, "crawl", *options], env, mirror, scratch)
    summary = {key: int(value) for key, value in re.findall(
        r"(new|edited|removed|restored|unchanged|requests|304s|errors) (\d+)", run.stdout)}
    run.pages, run.not_modified = summary["requests"], summary["304s"]
    own_cpu = re.search(r"([\d.]+) s CPU", run.stdout)
    run.crawl_cpu = float(own_cpu.group(1)) if own_cpu else None
    return run, summary


def baseline(concurrency: int, mirror: Mirror, scratch: Path, *, scrapy: bool = False) -> Run:
    """The httpx + parsel baseline, or with `scrapy` the bare Scrapy spider, in a child process of its own."""
    flag, name = (("--scrapy-baseline", f"bare Scrapy spider + parsel, {concurrency} concurrent, no archive")
                  if scrapy else ("--baseline", f"baseline httpx + parsel, {concurrency} concurrent"))
    command = [sys.executable, __file__, flag, mirror.url, "--concurrency", str(concurrency)]
    run = measure(name, command, dict(os.environ), mirror, scratch)
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    run.pages = counts["pages"]
    run.note = f"{counts.get('statements', 0)} statements parsed, {counts.get('errors', 0)} errors"
    return run


def default_env(mirror: Mirror, database: Path) -> dict[str, str]:
    """The product's default crawl settings, on this mirror and archive."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KORUS_WATCH_")}
    return env | {"KORUS_WATCH_CRAWL__BASE_URL": mirror.url, "KORUS_WATCH_DATABASE__URL": f"sqlite:///{database}"}


def crawl_env(mirror: Mirror, database: Path) -> dict[str, str]:
    """For CPU figures: the pace off (AutoThrottle's place), and the request cap far above what a crawl reaches."""
    return default_env(mirror, database) | {"KORUS_WATCH_CRAWL__AUTOTHROTTLE": "false",
                                            "KORUS_WATCH_CRAWL__MAX_REQUESTS_PER_SECOND": "100000"}


def full_bodies_per_section(requests: list[dict[str, Any]]) -> dict[str, int]:
    """Full-body (non-304) answers per section; robots.txt and the like under their path."""
    return {section: 0 for section in SECTIONS} | Counter(
        next((s for s in SECTIONS if f"/{s}" in r["path"]), r["path"]) for r in requests if r["status"] != 304)


# -- the benchmark ----------------------------------------------------------------------------------

def benchmark(statements: int, scratch: Path) -> tuple[list[Run], int]:
    with contextlib.ExitStack() as cleanup:
        mirror = Mirror(statements)
        cleanup.callback(mirror.stop)
        tiny = Mirror(10)
        cleanup.callback(tiny.stop)
        log.info("warm-up pass, so that no measured run pays for the mirror's first rendering of each page")
        baseline(32, mirror, scratch)
        mirror.control("clear_log")
        runs = [baseline(CONCURRENCY, mirror, scratch)]
        baseline_pages = {(r["path"], r["query"]) for r in mirror.requests()}
        runs.append(baseline(32, mirror, scratch))
        runs.append(baseline(CONCURRENCY, mirror, scratch, scrapy=True))

        env = crawl_env(mirror, scratch / "archive.sqlite3")
        mirror.control("clear_log")
        backfill, summary = crawl("korus-watch crawl: full backfill into SQLite", env, mirror, scratch)
        differ = len({(r["path"], r["query"]) for r in mirror.requests()} ^ baseline_pages)
        backfill.note = (f"{summary['new']} statements, {summary['new'] / backfill.wall:.1f} statements/s; "
                         f"page set {f'{differ} pages off' if differ else 'identical to'} the baseline's")
        runs.append(backfill)

        mirror.control("clear_log")
        poll, summary = crawl("korus-watch crawl: poll, nothing changed", env, mirror, scratch)
        bodies = full_bodies_per_section(mirror.requests())
        poll.note = f"{summary['unchanged']} statements re-checked; full-body responses: " + ", ".join(
            f"{where} {count}" for where, count in bodies.items())
        runs.append(poll)

        landing = httpx.get(f"{mirror.url}{OFFICE}/press-releases", timeout=30).text
        first_listed = unquote(Selector(text=landing).css(".views-row .views-field-title a::attr(href)").get() or "")
        mirror.control("new_statement", {"title": "USTR Announces Benchmark Talks with the Republic of Korea",
                                         "paragraphs": ["Washington, DC – USTR today announced new talks."]})
        mirror.control("edit", {"path": first_listed, "replace": ["senior", "high-level"]})
        mirror.control("clear_log")
        change, _ = crawl("korus-watch crawl: poll after 1 new + 1 edited", env, mirror, scratch)
        events = json.loads(subprocess.run([KORUS_WATCH, "events", "--json"], env=env, cwd=REPO, check=True,
                                           capture_output=True, text=True).stdout)
        kinds = Counter(event["kind"] for event in events)
        change.note = f"events: {dict(kinds)} ({'as expected' if kinds == {'new': 1, 'edited': 1} else 'WRONG'})"
        runs.append(change)

        runs.append(measure("start-up only: korus-watch --help", [KORUS_WATCH, "--help"], env, tiny, scratch))
        runs.append(measure("start-up floor: importing the libraries a crawl needs", [sys.executable, "-c",
                             f"import {', '.join(CRAWL_LIBRARIES)}"], env, tiny, scratch))
        tiny_env = crawl_env(tiny, scratch / "tiny.sqlite3")
        crawl("baseline crawl of the 10-statement site (not reported)", tiny_env, tiny, scratch)
        runs.append(crawl("korus-watch crawl: poll of a 10-statement site, nothing changed", tiny_env, tiny,
                          scratch)[0])
        return runs, max(bodies[section] for section in SECTIONS)


def targets(runs: list[Run], worst: int) -> list[str]:
    """The ratios, and each target met or missed; `worst`: the most full-body responses to one section."""
    base8, base32, bare_scrapy, backfill, poll, change, startup, floor, tiny = runs

    def rate(run: Run) -> float:
        return run.pages / run.wall

    def met(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    ratio = rate(backfill) / rate(base8)
    return [
        f"Backfill pages/s ÷ baseline pages/s ({CONCURRENCY} concurrent): {ratio:.2f}× (target ≥ 0.6×: "
        f"{met(ratio >= 0.6)}); ÷ baseline at 32 concurrent: {rate(backfill) / rate(base32):.2f}×. The bare Scrapy "
        f"spider, with no archive, makes {rate(bare_scrapy) / rate(base8):.2f}× the baseline's pages/s, and "
        f"korus-watch {rate(backfill) / rate(bare_scrapy):.2f}× the bare spider's.",
        f"CPU per page: korus-watch {1000 * backfill.cpu / backfill.pages:.1f} ms, baseline "
        f"{1000 * base8.cpu / base8.pages:.1f} ms ({backfill.cpu / base8.cpu:.1f}× the CPU for the same pages).",
        f"Poll with nothing changed: at most {worst} full-body responses per section (target ≤ 2: {met(worst <= 2)}); "
        f"{poll.cpu:.2f} s CPU (target < 1 s: {met(poll.cpu < 1)}). Of that, start-up alone (`--help`) is "
        f"{startup.cpu:.2f} s (a process that only imports the libraries a crawl needs: {floor.cpu:.2f} s) and a "
        f"whole no-change poll of a 10-statement site {tiny.cpu:.2f} s, which leaves "
        f"{poll.cpu - tiny.cpu:.2f} s for the work that grows with the archive. The crawl's own CPU, as korus-watch "
        f"reports it (from planning to the last record, without interpreter start-up and imports, but with "
        f"Scrapy's first-crawl set-up): {poll.crawl_cpu or 0:.2f} s.",
        f"Poll after one new and one edited statement: {change.pages} requests, both events stored "
        f"{change.wall:.1f} s after the crawl was started; {change.note}.",
    ]


def report(runs: list[Run], worst: int, statements: int, load: list[float]) -> str:
    rows = ["| run | requests | 304s | wall s | CPU s | crawl's own CPU s | peak RSS MB | pages/s | mirror CPU s "
            "| notes |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    rows += [f"| {r.name} | {r.pages or ''} | {r.not_modified if r.pages else ''} | {r.wall:.2f} | {r.cpu:.2f} | "
             f"{'' if r.crawl_cpu is None else f'{r.crawl_cpu:.2f}'} | {r.rss_mb:.0f} | "
             f"{f'{r.pages / r.wall:.1f}' if r.pages else ''} | {r.mirror_cpu:.2f} | {r.note} |"
             for r in runs]
    version = importlib.metadata.version
    return "\n".join([
        MARKERS[0],
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `python bench/crawl_bench.py --statements "
        f"{statements}` at commit {commit()}, on {machine()}, httpx {version('httpx')}, parsel "
        f"{version('parsel')}; crawl.autothrottle off and no request cap (CPU figures); 1-minute load average "
        f"{load[0]:.2f} before the run, {load[1]:.2f} after.",
        "", *rows, "", *(f"- {line}" for line in targets(runs, worst)), MARKERS[1],
    ])


# -- at the product's defaults, against a distant site ----------------------------------------------

@dataclass
class Polite:
    """A run at the default crawl settings, and what the site saw of it (the mirror's timed log)."""

    run: Run
    timing: dict[str, Any]
    note: str = ""


def polite_crawl(name: str, env: dict[str, str], mirror: Mirror, scratch: Path,
                 *options: str) -> tuple[Polite, dict[str, int]]:
    mirror.control("clear_log")
    run, summary = crawl(name, env, mirror, scratch, *options)
    return Polite(run, mirror.timing()), summary


def archive_time(database: Path, query: str) -> float:
    """A UTC timestamp the archive holds (SQLite keeps them without an offset), as seconds since the epoch."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        (value,) = connection.execute(query).fetchone()
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def defaults_benchmark(statements: int, latency: float, scratch: Path) -> tuple[list[Polite], int, dict[str, float]]:
    """The default-settings runs; the most full-body answers to one section in the no-change poll; and, for the
    routine poll with a new statement, seconds from its process's spawn to its crawl's start, to the statement's
    page requested and to its event stored."""
    with contextlib.ExitStack() as cleanup:
        mirror = Mirror(statements, latency)
        cleanup.callback(mirror.stop)
        database = scratch / "defaults.sqlite3"
        env = default_env(mirror, database)
        baseline, summary = polite_crawl("baseline crawl into an empty archive", env, mirror, scratch)
        baseline.note = f"{summary['new']} statements archived"
        quiet, summary = polite_crawl("routine poll, nothing changed", env, mirror, scratch)
        bodies = full_bodies_per_section(mirror.requests())
        quiet.note = f"{summary['unchanged']} statements re-checked; full-body answers: " + ", ".join(
            f"{where} {count}" for where, count in bodies.items())

        added = mirror.control("new_statement", {
            "title": "USTR Announces Benchmark Talks with the Republic of Korea on the KORUS FTA",
            "paragraphs": ["Washington, DC – USTR today announced new talks on the KORUS FTA."]})
        spawned_at, spawned = time.time(), time.monotonic()
        news, summary = polite_crawl("routine poll: the rotation due and one new statement", env, mirror, scratch)
        requested = min(r["arrived"] for r in mirror.requests() if r["path"] == added["path"])
        moments = {
            "crawl started": archive_time(database, "SELECT max(started_at) FROM crawl_runs") - spawned_at,
            "page requested": requested - spawned,
            "event stored": archive_time(database, "SELECT max(detected_at) FROM change_events") - spawned_at,
        }
        news.note = (f"{summary['new']} new, {summary['unchanged']} re-checked; from the process's spawn: " +
                     ", ".join(f"{what} {seconds:.1f} s" for what, seconds in moments.items()))

        full, summary = polite_crawl("`crawl --full`", env, mirror, scratch, "--full")
        full.note = f"{summary['unchanged']} statements re-checked, {summary['errors']} errors"
        return [baseline, quiet, news, full], max(bodies[section] for section in SECTIONS), moments


def defaults_report(runs: list[Polite], worst: int, moments: dict[str, float], statements: int, latency: float,
                    load: list[float]) -> str:
    baseline, quiet, news, full = runs

    def met(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    rows = ["| run | wall s | requests | 304s | peak requests in 1 s | peak in flight | CPU s | notes |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    rows += [f"| {p.run.name} | {p.run.wall:.1f} | {p.run.pages} | {p.run.not_modified} | "
             f"{p.timing['peak_requests_per_second']} | {p.timing['peak_in_flight']} | {p.run.cpu:.2f} | {p.note} |"
             for p in runs]
    per_second = max(p.timing["peak_requests_per_second"] for p in runs)
    in_flight = max(p.timing["peak_in_flight"] for p in runs)
    targets = [
        f"Baseline crawl: {baseline.run.wall / 60:.1f} min (target ≤ 10 min: {met(baseline.run.wall <= 600)}).",
        f"Routine poll with the rotation due and one new statement: {news.run.wall:.1f} s from the process's spawn "
        f"to its exit (target ≤ 30 s: {met(news.run.wall <= 30)}); the new statement's page was requested "
        f"{moments['page requested']:.1f} s after the spawn (target ≤ 10 s: {met(moments['page requested'] <= 10)})"
        f" and its event stored after {moments['event stored']:.1f} s. The instant alert, which needs `serve`, is "
        "measured by bench/service_bench.py --defaults.",
        f"`crawl --full`: {full.run.wall / 60:.1f} min (target ≤ 10 min: {met(full.run.wall <= 600)}).",
        f"At most {per_second} requests in any one second (target ≤ {MAX_PER_SECOND}: "
        f"{met(per_second <= MAX_PER_SECOND)}) and {in_flight} in flight (target ≤ {MAX_IN_FLIGHT}: "
        f"{met(in_flight <= MAX_IN_FLIGHT)}), over all four runs.",
        f"No-change poll: at most {worst} full-body answers per section (target ≤ 2: {met(worst <= 2)}).",
    ]
    return "\n".join([
        DEFAULTS_MARKERS[0],
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `python bench/crawl_bench.py --defaults "
        f"--statements {statements} --latency {latency:g}` at commit {commit()}, on {machine()}; default crawl "
        f"settings; 1-minute load average {load[0]:.2f} before the run, {load[1]:.2f} after.",
        "", *rows, "", *(f"- {line}" for line in targets), DEFAULTS_MARKERS[1],
    ])


def commit() -> str:
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    return described.stdout.strip() or "unknown"


def machine() -> str:
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    version = importlib.metadata.version
    return (f"{os.cpu_count()} CPUs ({cpu}), {memory / 2**20:.1f} GiB memory, Python {platform.python_version()}, "
            f"Scrapy {version('scrapy')}")


def write_doc(path: Path, section: str, markers: tuple[str, str] = MARKERS) -> None:
    """Replaces the marked results section of `path`, keeping the prose around it."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{markers[0]}\n{markers[1]}\n"
    start, end = text.index(markers[0]), text.index(markers[1]) + len(markers[1])
    path.write_text(text[:start] + section + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=3000, help="size of the generated mirror")
    parser.add_argument("--doc", type=Path, help="write the results into this Markdown file's marked section")
    parser.add_argument("--defaults", action="store_true",
                        help="the default-settings scenario against a distant mirror instead of the CPU runs")
    parser.add_argument("--latency", type=float, default=0.15, help="with --defaults: the mirror's seconds an answer")
    parser.add_argument("--baseline", metavar="URL", help=argparse.SUPPRESS)  # the baseline's child process
    parser.add_argument("--scrapy-baseline", metavar="URL", help=argparse.SUPPRESS)  # the bare spider's process
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.baseline:
        if importlib.util.find_spec("sniffio") is None:
            # httpcore retries `import sniffio` several times per request when it is not installed (anyio >= 4.11
            # no longer pulls it in), ~1 ms CPU per request here: encode/httpcore#1103. Caching the failed import
            # is that pull request's fix; without it the baseline would be handicapped by a packaging accident.
            sys.modules["sniffio"] = None  # type: ignore[assignment]
        print(json.dumps(asyncio.run(baseline_crawl(arguments.baseline, arguments.concurrency))))
        return
    if arguments.scrapy_baseline:
        print(json.dumps(scrapy_baseline_crawl(arguments.scrapy_baseline, arguments.concurrency)))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up below runs
    scratch = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    try:
        load = [os.getloadavg()[0]]
        if arguments.defaults:
            polite, worst, moments = defaults_benchmark(arguments.statements, arguments.latency, scratch)
            section = defaults_report(polite, worst, moments, arguments.statements, arguments.latency,
                                      [*load, os.getloadavg()[0]])
        else:
            runs, worst = benchmark(arguments.statements, scratch)
            section = report(runs, worst, arguments.statements, [*load, os.getloadavg()[0]])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, DEFAULTS_MARKERS if arguments.defaults else MARKERS)


if __name__ == "__main__":
    main()
