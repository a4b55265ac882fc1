"""Notifier benchmark: a 500-event digest email, 1,000 instant webhooks and commit-to-receipt latency, against plain
smtplib and httpx.

    python bench/notify_bench.py [--database-url postgresql://postgres@127.0.0.1:5432/test] [--doc docs/benchmarks.md]

The SMTP server and the webhook receiver (testkit.servers, real loopback servers) run in a child process of their
own, `notify_bench.py --servers FILE`, so that they do not compete for the GIL with the code measured; on stdin EOF
or SIGTERM it writes what it received (Message-ID or Idempotency-Key, size, time.time() of receipt) to FILE.
The notifier runs in this process, on a fresh archive per scenario: a SQLite file in a temp dir, or with
--database-url a PostgreSQL schema of its own, dropped at the end. Wall time from time.perf_counter, CPU (user +
sys, every thread) from time.process_time, and per stage (claim, load, render, send, record) from
time.thread_time in the thread that does the work.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import logging
import math
import os
import platform
import random
import shutil
import signal
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import css_inline
import httpx
import psutil  # type: ignore[import-untyped]
import psycopg
from sqlalchemy import select

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # testkit.notify_support and testkit.servers are not installed with the package

from archive.db import Database  # noqa: E402
from archive.models import ChangeEvent, Statement  # noqa: E402
from archive.product import USER_AGENT  # noqa: E402
from archive.records import FetchedStatement  # noqa: E402
from korus_watch.settings import Settings  # noqa: E402
from notify.dispatcher import DeliveryReport, Dispatcher  # noqa: E402
from notify.formats import Format  # noqa: E402
from notify.models import Delivery, DeliveryKind, DeliveryStatus  # noqa: E402
from testkit.notify_support import SITE, Press, channel_toml, seed_statement, settings_from, statement  # noqa: E402

log = logging.getLogger("notify_bench")

MARKERS = ("<!-- notify_bench results: start -->", "<!-- notify_bench results: end -->")
DIGEST_EVENTS = 500
WEBHOOK_EVENTS = 1000
LATENCY_EVENTS = 1000
RUN_SIZE = 10  # statements per crawl run in the latency scenario
IDLE_SLEEP = 0.05  # the deliverer's pause after a pass that sent nothing
PACE = 50.0  # statements/s of the paced latency run: about the crawler's backfill rate (docs/benchmarks.md)
FROM_ADDR = "watch@example.org"
TO_ADDR = "analyst@example.org"
WEBHOOK_PATHS = ("/slack/deliver", "/slack/baseline", "/slack/latency", "/slack/paced")


# -- realistic statements ---------------------------------------------------------------------------

OPENINGS = (
    "Washington, DC – United States Trade Representative {person} today met with Korea's Minister for Trade "
    "{minister} to review the implementation of the U.S.-Korea Free Trade Agreement (KORUS FTA) and to discuss {topic}.",
    "Washington, DC – The Office of the United States Trade Representative (USTR) today announced the conclusion of "
    "the {ordinal} meeting of the KORUS FTA Joint Committee in {city}, where both sides addressed {topic}.",
    "Seoul, Korea – Officials from the United States and the Republic of Korea met in {city} this week to advance "
    "discussions under the U.S.-Korea Free Trade Agreement (KORUS), focusing on {topic}.",
    "Washington, DC – Ambassador {person} issued the following statement on the {ordinal} anniversary of the entry "
    "into force of the KORUS FTA, and on the progress made on {topic}.",
)
TOPICS = (
    "market access for U.S. autos and auto parts", "the treatment of U.S. agricultural exports",
    "customs procedures and rules of origin", "the transparency of pharmaceutical pricing",
    "steel and aluminum trade", "digital trade and cross-border data flows", "the trade deficit in industrial goods",
    "labor and environment commitments", "the safety standards for imported vehicles",
    "the enforcement of intellectual property rights",
)
SENTENCES = (
    "The United States emphasized steps to rebalance the Agreement and to improve the large trade deficit in goods.",
    "Both sides agreed to continue their work at the technical level and to report back within ninety days.",
    "The United States pressed for the resolution of implementation concerns that have hindered U.S. exports.",
    "The delegations reviewed the work of the committees and working groups established under the Agreement.",
    "Korea's delegation was led by Deputy Minister Myung-hee Yoo of the Ministry of Trade, Industry and Energy.",
    "The U.S. delegation was led by the Assistant U.S. Trade Representative for Japan, Korea and APEC.",
    "Officials discussed the schedule for the next round of talks, to be held in Washington in the coming months.",
    "USTR will continue to consult with Congress and stakeholders as the discussions move forward.",
    "The two sides also exchanged views on regional trade developments and on cooperation in multilateral fora.",
    "These negotiations are an example of the commitment to making trade fair and reciprocal for American workers.",
    "In 2025, U.S. goods and services trade with Korea totaled an estimated $240 billion.",
    "The Agreement eliminated tariffs on over 95 percent of industrial and consumer goods within five years.",
    "Stakeholders may submit written comments through the regulations.gov docket until the end of the month.",
    "The Joint Committee is the principal body that oversees the operation of the KORUS FTA.",
    "Both sides anticipate setting dates in the near future for further meetings in Washington, DC.",
)
PEOPLE = ("Katherine Tai", "Robert Lighthizer", "Jamieson Greer")
MINISTERS = ("Ahn Duk-geun", "Yeo Han-koo", "Kim Hyun-chong")
CITIES = ("Seoul", "Washington", "Sejong", "Geneva")


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def korus_statement(prefix: str, number: int, rng: random.Random) -> FetchedStatement:
    """A KORUS press release of 4-6 paragraphs (about 2-3 KB of text), different for every number."""
    topic = rng.choice(TOPICS)
    opening = rng.choice(OPENINGS).format(person=rng.choice(PEOPLE), minister=rng.choice(MINISTERS), topic=topic,
                                          ordinal=ordinal(number % 40 + 1), city=rng.choice(CITIES))
    paragraphs = [opening, *(" ".join(rng.sample(SENTENCES, rng.randint(3, 5))) for _ in range(rng.randint(3, 5)))]
    title = f"USTR Statement on KORUS FTA Talks on {topic[0].upper()}{topic[1:]} ({prefix} {number})"
    published = date(2026, 11, 27) - timedelta(days=number % 30)
    return statement(f"{prefix}-{number}-{topic.split()[-1]}", title, paragraphs, published_on=published,
                     published_text=f"{published:%B} {published.day}, {published.year}")


def korus_statements(prefix: str, count: int) -> list[FetchedStatement]:
    rng = random.Random(f"notify-bench {prefix}")
    return [korus_statement(prefix, number, rng) for number in range(count)]


# -- the servers' child process, run as `notify_bench.py --servers FILE` ---------------------------

def serve(out: Path) -> None:
    from testkit.servers import SmtpServer, WebhookReceiver, validate_slack

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def until_eof() -> None:
        sys.stdin.read()
        done.set()

    with SmtpServer() as smtp, WebhookReceiver() as receiver:
        for path in WEBHOOK_PATHS:
            receiver.expect(path, validate_slack)  # answers 400 to a payload Slack would refuse
        print(f"SERVERS smtp={smtp.port} webhook={receiver.port}", flush=True)
        threading.Thread(target=until_eof, daemon=True).start()
        while not done.wait(0.5):
            pass
        received = {
            "smtp": [{"message_id": str(m.message["Message-ID"]), "bytes": len(m.raw), "received_at": m.received_at}
                     for m in smtp.messages],
            "webhook": [{"path": r.path, "key": r.headers.get("Idempotency-Key"), "bytes": len(r.body),
                         "received_at": r.received_at, "status": r.status} for r in receiver.requests()],
            "invalid": [invalid.error for invalid in receiver.invalid],
        }
    out.write_text(json.dumps(received))


class Servers:
    """The SMTP server and webhook receiver in their own process; `received()` stops them and reads their log."""

    def __init__(self, scratch: Path) -> None:
        self.out = scratch / "received.json"
        self.process = subprocess.Popen([sys.executable, __file__, "--servers", str(self.out)], cwd=REPO,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("SERVERS "):
            self.stop()
            raise RuntimeError(f"the servers did not start: {line!r}")
        ports = dict(part.split("=") for part in line.split()[1:])
        self.smtp_port, self.webhook_port = int(ports["smtp"]), int(ports["webhook"])
        self.stats = psutil.Process(self.process.pid)
        self._received: dict[str, Any] | None = None
        log.info("SMTP server on port %d, webhook receiver on port %d (pid %d)", self.smtp_port, self.webhook_port,
                 self.process.pid)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.webhook_port}{path}"

    def cpu(self) -> float:
        times = self.stats.cpu_times()
        return float(times.user + times.system)

    def received(self) -> dict[str, Any]:
        if self._received is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(60)
            self._received = json.loads(self.out.read_text())
        return self._received

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- archives ---------------------------------------------------------------------------------------

class Archives:
    """A fresh archive per scenario: a SQLite file in the scratch dir, or a PostgreSQL schema of its own."""

    def __init__(self, scratch: Path, postgres_url: str | None) -> None:
        self.scratch = scratch
        self.postgres_url = postgres_url
        self.schemas: list[str] = []
        self.databases: list[Database] = []

    @property
    def backend(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def _admin_url(self) -> str:
        assert self.postgres_url is not None
        return self.postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def new(self, name: str) -> Database:
        if self.postgres_url is None:
            url = f"sqlite:///{self.scratch / f'{name}.sqlite3'}"
        else:
            schema = f"notify_bench_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(self._admin_url(), autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
            self.schemas.append(schema)
            url = f"{self.postgres_url}{'&' if '?' in self.postgres_url else '?'}options=-csearch_path%3D{schema}"
        database = Database(url)
        self.databases.append(database)
        return database

    def server_version(self) -> str:
        if self.postgres_url is None:
            return f"SQLite {sqlite3.sqlite_version}"
        with psycopg.connect(self._admin_url()) as connection:
            return f"PostgreSQL {connection.execute('SHOW server_version').fetchone()[0]}"  # type: ignore[index]

    def close(self) -> None:
        for database in self.databases:
            database.dispose()
        if self.schemas:
            with psycopg.connect(self._admin_url(), autocommit=True) as connection:
                for schema in self.schemas:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_settings(servers: Servers, *channels: str) -> Settings:
    return settings_from(
        f'[crawl]\nbase_url = "{SITE}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {servers.smtp_port}\nsecurity = "none"\nfrom_addr = "{FROM_ADDR}"\n'
        + "".join(channels))


def crawl_in_runs(press: Press, pages: list[FetchedStatement], size: int) -> None:
    for start in range(0, len(pages), size):
        press.crawl(*pages[start:start + size])


# -- measuring --------------------------------------------------------------------------------------

@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0


@contextlib.contextmanager
def timed() -> Iterator[Timing]:
    """Wall seconds and the process's CPU seconds (user + sys, all threads) of the block."""
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield timing
    finally:
        timing.wall, timing.cpu = time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class Stages:
    """Wall and CPU seconds per stage of a delivery, summed over calls (CPU of the calling thread only)."""

    wall: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            with self.lock:
                self.wall[name] += time.perf_counter() - wall
                self.cpu[name] += time.thread_time() - cpu
                self.calls[name] += 1

    def describe(self, total_wall: float, names: tuple[str, ...], rest: str = "the rest") -> str:
        parts = [f"{name} {1000 * self.wall[name]:.0f} ms wall / {1000 * self.cpu[name]:.0f} ms CPU "
                 f"({100 * self.wall[name] / total_wall:.0f} %)" for name in names if self.calls[name]]
        left = total_wall - sum(self.wall[name] for name in names)
        return "; ".join([*parts, f"{rest} {1000 * left:.0f} ms ({100 * left / total_wall:.0f} %)"])


class TimedDispatcher(Dispatcher):
    """The real Dispatcher, with a timer around each stage of a send (a few microseconds per call)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(db, settings.notifier())
        self.stages = Stages()
        for channel_format in self.channels.working.values():
            channel_format.render = self._timed("render", channel_format.render)  # type: ignore[method-assign]
            channel_format.send = self._timed("send", channel_format.send)  # type: ignore[method-assign]

    def _timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            with self.stages.stage(name):
                return function(*args, **kwargs)
        return timed_call

    def _claim(self, channel: str, delivery_id: int | None = None, up_to: int | None = None) -> Any:
        with self.stages.stage("claim"):
            return super()._claim(channel, delivery_id, up_to)

    def content(self, delivery_id: int) -> Any:
        with self.stages.stage("load"):
            return super().content(delivery_id)

    def _record(self, delivery_id: int, attempt: int, **values: object) -> bool:
        with self.stages.stage("record"):
            return super()._record(delivery_id, attempt, **values)

    def fold(self, channel: Any) -> tuple[int, int]:
        with self.stages.stage("fold"):
            return super().fold(channel)


STAGES = ("fold", "claim", "load", "render", "send", "record")


@dataclass
class Row:
    name: str
    messages: int
    timing: Timing
    server_cpu: float | None = None
    note: str = ""


def server_cpu(servers: Servers, block: Callable[[], Any]) -> tuple[Any, float]:
    before = servers.cpu()
    result = block()
    return result, servers.cpu() - before


def checked(report: DeliveryReport, sent: int, what: str) -> None:
    if report.sent != sent or report.failed or report.retrying or report.errors:
        raise RuntimeError(f"{what}: sent {report.sent} of {sent}, failed {report.failed}, retrying "
                           f"{report.retrying}: {report.errors[:3]}")


# -- 1. a digest of 500 events by email ------------------------------------------------------------

@dataclass
class DigestResult:
    rows: list[Row]
    notes: list[str]
    message_ids: list[str]


def middle(timings: list[Timing]) -> Timing:
    return Timing(median(t.wall for t in timings), median(t.cpu for t in timings))


def digest_scenario(archives: Archives, servers: Servers, repeat: int) -> DigestResult:
    """`repeat` times on a fresh archive: 500 events, a render-only preview of their digest, then the digest sent."""
    channel = channel_toml(name="analysts", type="email", to=[TO_ADDR], mode="digest", schedule="0 8 * * mon-fri",
                           timezone="America/New_York", topics=["korus"])
    settings = bench_settings(servers, channel)
    setups, previews, renders, totals, digests = [], [], [], [], []
    runs: list[tuple[Timing, Stages, float, str]] = []  # digest(): timing, stages, server CPU, Message-ID
    for attempt in range(repeat):  # the first pays for first use (imports, compiled regexes): medians are reported
        db = archives.new(f"digest{attempt}")
        press = Press(db, settings)
        press.crawl(seed_statement())  # the baseline crawl: its statements make no events
        with timed() as setup:
            crawl_in_runs(press, korus_statements(f"digest{attempt}", DIGEST_EVENTS), 50)
        setups.append(setup)
        with db.sessions() as session:
            held = session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.HELD)).all()
        if len(held) != DIGEST_EVENTS:
            raise RuntimeError(f"{len(held)} events held for the digest, not {DIGEST_EVENTS}")

        dispatcher = TimedDispatcher(db, settings)
        email_format: Format = dispatcher.channels.working["analysts"]
        with timed() as total:
            with timed() as preview:
                content = dispatcher.preview_digest("analysts")
            assert content is not None
            with timed() as rendering:
                rendered = email_format.render(content)
        previews.append(preview)
        renders.append(rendering)
        totals.append(total)

        dispatcher.stages = Stages()  # only the digest's own send from here on
        with timed() as digest_time:
            (digest_id, report), cpu = server_cpu(servers, lambda d=dispatcher: d.digest("analysts"))  # type: ignore[misc]
        checked(report, 1, "digest")
        dispatcher.close()
        digests.append(digest_time)
        with db.sessions() as session:
            key = session.scalar(select(Delivery.idempotency_key).where(Delivery.id == digest_id))
        runs.append((digest_time, dispatcher.stages, cpu, f"<{key}@{FROM_ADDR.partition('@')[2]}>"))
        log.info("digest %d: events made in %.1f s, render only %.2f s, digest() %.2f s", attempt + 1, setup.wall,
                 total.wall, digest_time.wall)

    # The parts of the last render, each timed on its own (the same calls as EmailFormat.render).
    context = {"content": content, "channel": email_format.channel}
    with timed() as text_part:
        email_format.templates.text.get_template("email/message.txt").render(context)
    with timed() as html_part:
        html = email_format.templates.html.get_template("email/message.html").render(context)
    with timed() as inlining:
        inlined = css_inline.inline(html)

    def send_raw() -> None:
        with smtplib.SMTP("127.0.0.1", servers.smtp_port, timeout=60) as client:
            client.sendmail(FROM_ADDR, [TO_ADDR], rendered.body)

    baselines, baseline_server_cpu = [], []
    for _ in range(repeat):
        with timed() as baseline:
            _, cpu = server_cpu(servers, send_raw)
        baselines.append(baseline)
        baseline_server_cpu.append(cpu)

    digest_row, render_row, baseline_row = middle(digests), middle(totals), middle(baselines)
    typical_time, stages, typical_cpu, _ = sorted(runs, key=lambda run: run[0].wall)[len(runs) // 2]
    size = len(rendered.body) / 1e6
    mime = max(0.0, median(t.wall for t in renders) - text_part.wall - html_part.wall - inlining.wall)
    rows = [
        Row(f"digest of {DIGEST_EVENTS} events: render only (preview_digest + the email format's render), median "
            f"of {repeat}", 1, render_row,
            note=f"preview_digest (archive → content) {median(t.wall for t in previews):.2f} s, render "
            f"{median(t.wall for t in renders):.2f} s; all {repeat}: " + ", ".join(f"{t.wall:.2f}" for t in totals)
            + " s"),
        Row(f"digest of {DIGEST_EVENTS} events: Dispatcher.digest() (render + CSS inlining + SMTP send), median of "
            f"{repeat}", 1, digest_row, typical_cpu,
            f"{size:.2f} MB message; all {repeat}: " + ", ".join(f"{t.wall:.2f}" for t in digests) + " s; the median "
            "run: " + stages.describe(typical_time.wall, STAGES, "the rest (gathering and folding the held events into "
                                       "the digest's row, the sender lock)")),
        Row(f"baseline: smtplib, the same {size:.2f} MB to the same server, one connection, median of {repeat}", 1,
            baseline_row, median(baseline_server_cpu)),
    ]
    notes = [
        f"Digest of {DIGEST_EVENTS} events: Dispatcher.digest() took {digest_row.wall:.2f} s wall and "
        f"{digest_row.cpu:.2f} s CPU ({1000 * digest_row.wall / DIGEST_EVENTS:.2f} ms per event) for a {size:.2f} MB "
        f"message, {digest_row.wall / baseline_row.wall:.1f}× the baseline's {1000 * baseline_row.wall:.0f} ms for "
        f"the same bytes. In the median run its send stage alone (re-parsing the message, connecting, SMTP) took "
        f"{1000 * stages.wall['send']:.0f} ms, {stages.wall['send'] / baseline_row.wall:.1f}× the baseline.",
        f"Render only: {render_row.wall:.2f} s wall, {render_row.cpu:.2f} s CPU. Of the last render, the plain-text "
        f"template took {1000 * text_part.wall:.0f} ms, the HTML template {1000 * html_part.wall:.0f} ms "
        f"({len(html) / 1e6:.2f} MB), CSS inlining {1000 * inlining.wall:.0f} ms ({len(inlined) / 1e6:.2f} MB "
        f"after) and the MIME message the rest, about {1000 * mime:.0f} ms.",
        f"Making the {DIGEST_EVENTS} events (not measured above): {median(t.wall for t in setups):.1f} s through the "
        f"run recorder and outbox, in crawl runs of 50.",
    ]
    return DigestResult(rows, notes, [message_id for *_, message_id in runs])


# -- 2. 1,000 instant webhooks ---------------------------------------------------------------------

def webhook_scenario(archives: Archives, servers: Servers, repeat: int) -> tuple[list[Row], list[str]]:
    channel = channel_toml(name="team", type="slack", url=servers.url("/slack/deliver"), topics=["korus"],
                           events=["new"], max_per_hour=100000)
    settings = bench_settings(servers, channel)
    db = archives.new("webhooks")
    press = Press(db, settings)
    press.crawl(seed_statement())
    with timed() as setup:
        crawl_in_runs(press, korus_statements("instant", WEBHOOK_EVENTS), 100)
    with db.sessions() as session:
        pending = session.scalars(select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING)
                                  .order_by(Delivery.id)).all()
    if len(pending) != WEBHOOK_EVENTS:
        raise RuntimeError(f"{len(pending)} deliveries pending, not {WEBHOOK_EVENTS}")
    log.info("webhooks: %d events made in %.1f s", WEBHOOK_EVENTS, setup.wall)

    # Render only, and the bodies the baseline posts: the same calls as a send, without claim, post and record.
    probe = Dispatcher(db, settings.notifier())
    slack = probe.channels.working["team"]
    bodies: list[tuple[str, bytes]] = []
    load, render = Timing(), Timing()
    with timed() as render_only:
        for delivery_id in pending:
            with timed() as loading:
                content = probe.content(delivery_id)
            with timed() as rendering:
                bodies.append((content.idempotency_key, slack.render(content).body))
            load.wall, load.cpu = load.wall + loading.wall, load.cpu + loading.cpu
            render.wall, render.cpu = render.wall + rendering.wall, render.cpu + rendering.cpu
    probe.close()
    sizes = [len(body) for _, body in bodies]

    def post_all() -> None:
        url = servers.url("/slack/baseline")
        with httpx.Client(timeout=20) as client:
            for key, body in bodies:
                client.post(url, content=body, headers={"Content-Type": "application/json", "User-Agent": USER_AGENT,
                                                        "Idempotency-Key": f"{key}-baseline"}).raise_for_status()

    baselines, baseline_server_cpu = [], []
    for _ in range(repeat):
        with timed() as one:
            _, cpu = server_cpu(servers, post_all)
        baselines.append(one)
        baseline_server_cpu.append(cpu)
    baseline = middle(baselines)

    dispatcher = TimedDispatcher(db, settings)
    with timed() as delivering:
        report, deliver_server_cpu = server_cpu(servers, dispatcher.deliver)
    checked(report, WEBHOOK_EVENTS, "deliver")
    dispatcher.close()
    stages = dispatcher.stages
    rate, base_rate = WEBHOOK_EVENTS / delivering.wall, WEBHOOK_EVENTS / baseline.wall
    rows = [
        Row(f"{WEBHOOK_EVENTS} Slack messages: render only (load content + render JSON)", WEBHOOK_EVENTS,
            render_only, note=f"loading {load.wall:.2f} s, rendering {render.wall:.2f} s; bodies "
            f"{min(sizes)}–{max(sizes)} bytes, mean {sum(sizes) / len(sizes):.0f}"),
        Row(f"{WEBHOOK_EVENTS} instant Slack webhooks: one Dispatcher.deliver() pass", WEBHOOK_EVENTS, delivering,
            deliver_server_cpu, stages.describe(delivering.wall, STAGES, "the rest (finding due work, "
                                                                             "thread pool, locks)")),
        Row(f"baseline: one httpx.Client posting the same {WEBHOOK_EVENTS} bodies sequentially, median of {repeat}",
            WEBHOOK_EVENTS, baseline, median(baseline_server_cpu),
            "all: " + ", ".join(f"{t.wall:.2f}" for t in baselines) + " s"),
    ]
    notes = [
        f"Instant webhooks: {rate:.0f} messages/s ({1000 / rate:.1f} ms and {1000 * delivering.cpu / WEBHOOK_EVENTS:.1f}"
        f" ms CPU per message) against the baseline's {base_rate:.0f} messages/s ({1000 / base_rate:.1f} ms, "
        f"{1000 * baseline.cpu / WEBHOOK_EVENTS:.1f} ms CPU): {rate / base_rate:.2f}× the baseline's rate. Per "
        f"message: " + ", ".join(f"{name} {1000 * stages.wall[name] / WEBHOOK_EVENTS:.2f} ms"
                                 for name in ("claim", "load", "render", "send", "record")) + ".",
        f"Making the {WEBHOOK_EVENTS} events (not measured above): {setup.wall:.1f} s, in crawl runs of 100.",
    ]
    return rows, notes


# -- 3. latency from commit to receipt -------------------------------------------------------------

@dataclass
class LatencyRun:
    name: str
    path: str
    rate: float | None  # statements/s the writer was held to; None: as fast as it could
    timing: Timing
    writer: Timing
    passes: int
    idle_passes: int
    sent: int
    committed: dict[str, float]  # statement URL -> time.time() once statement_fetched had committed it
    detected: dict[str, tuple[float, str]]  # idempotency key -> (detected_at as a Unix time, statement URL)
    errors: list[str]


def latency_scenario(archives: Archives, servers: Servers, name: str, path: str, rate: float | None) -> LatencyRun:
    """A writer thread commits statements in crawl runs while a deliverer thread loops Dispatcher.deliver()."""
    channel = channel_toml(name="live", type="slack", url=servers.url(path), topics=["korus"], events=["new"],
                           max_per_hour=100000)
    settings = bench_settings(servers, channel)
    db = archives.new(name)
    Press(db, settings).crawl(seed_statement())
    pages = korus_statements(name, LATENCY_EVENTS)
    committed: dict[str, float] = {}
    writer_done = threading.Event()
    writer_timing = Timing()
    errors: list[str] = []

    def write() -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            for start in range(0, len(pages), RUN_SIZE):  # what Press.crawl does, noting when each commit returned
                if rate is not None:
                    time.sleep(max(0.0, wall + start / rate - time.perf_counter()))
                recorder = Press(db, settings).recorder()
                for page in pages[start:start + RUN_SIZE]:
                    recorder.statement_fetched(page)
                    committed[page.url] = time.time()
                recorder.finish(requests=RUN_SIZE, not_modified=0, fetch_failures=0, landings=1, landings_failed=0,
                                cpu_seconds=0.0)
        except Exception as exc:
            errors.append(f"writer: {type(exc).__name__}: {exc}")
            log.exception("the writer failed")
        finally:
            writer_timing.wall, writer_timing.cpu = time.perf_counter() - wall, time.thread_time() - cpu
            writer_done.set()

    passes, idle, sent = 0, 0, 0

    def deliver() -> None:
        nonlocal passes, idle, sent
        deadline = time.monotonic() + 150
        with Dispatcher(db, settings.notifier()) as dispatcher:
            while sent < LATENCY_EVENTS and time.monotonic() < deadline:
                finished = writer_done.is_set()
                try:
                    report = dispatcher.deliver()
                except Exception as exc:
                    errors.append(f"deliverer: {type(exc).__name__}: {exc}")
                    log.exception("a delivery pass failed")
                    return
                passes += 1
                sent += report.sent
                errors.extend(report.errors)
                if report.sent == 0:
                    idle += 1
                    if finished:
                        return  # the writer was done before this pass began, and it found nothing to send
                    time.sleep(IDLE_SLEEP)

    with timed() as total:
        threads = [threading.Thread(target=write, name="writer"), threading.Thread(target=deliver, name="deliverer")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with db.sessions() as session:
        rows = session.execute(
            select(Delivery.idempotency_key, ChangeEvent.detected_at, Statement.url)
            .join(ChangeEvent, Delivery.event_id == ChangeEvent.id).join(Statement, ChangeEvent.statement_id == Statement.id)
            .where(Delivery.kind == DeliveryKind.EVENT)
        ).all()
    detected = {key: (detected_at.timestamp(), url) for key, detected_at, url in rows}
    log.info("%s: %d sent in %d passes (%d idle), %.1f s", name, sent, passes, idle, total.wall)
    return LatencyRun(name, path, rate, total, writer_timing, passes, idle, sent, committed, detected, errors)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency_report(runs: list[LatencyRun], received: list[dict[str, Any]]) -> tuple[list[str], list[str], list[Row]]:
    table = ["| latency, commit → receipt at the receiver | events received | median ms | p95 ms | max ms |",
             "|---|---:|---:|---:|---:|"]
    notes, rows = [], []
    for run in runs:
        receipts = {r["key"]: r["received_at"] for r in received if r["path"] == run.path and r["status"] == 200}
        from_detected = [receipts[key] - at for key, (at, _) in run.detected.items() if key in receipts]
        from_commit = [receipts[key] - run.committed[url] for key, (_, url) in run.detected.items()
                       if key in receipts and url in run.committed]
        lost = len(run.detected) - len(from_detected)
        how = "as fast as it can" if run.rate is None else f"held to {run.rate:.0f} statements/s"
        for what, values in (("from ChangeEvent.detected_at", from_detected),
                             ("from the return of the statement's commit", from_commit)):
            if values:
                table.append(f"| writer {how}; {what} | {len(values)} | {1000 * median(values):.0f} | "
                             f"{1000 * percentile(values, 0.95):.0f} | {1000 * max(values):.0f} |")
        writer_rate = LATENCY_EVENTS / run.writer.wall if run.writer.wall else 0
        notes.append(
            f"Latency, writer {how}: it committed {LATENCY_EVENTS} new statements in crawl runs of {RUN_SIZE} in "
            f"{run.writer.wall:.1f} s ({writer_rate:.0f} statements/s, {run.writer.cpu:.1f} s CPU in its thread) "
            f"while the deliverer thread looped Dispatcher.deliver(): {run.passes} pass{'es' * (run.passes != 1)}, "
            f"{run.idle_passes} of them "
            f"sending nothing (each followed by a {1000 * IDLE_SLEEP:.0f} ms sleep); {run.sent} messages sent, "
            f"{len(from_detected)} received with 200" + (f", {lost} NOT RECEIVED" if lost else "")
            + (f"; errors: {run.errors[:3]}" if run.errors else "") + ".")
        rows.append(Row(f"latency run, writer {how}: {LATENCY_EVENTS} statements committed and delivered "
                        "concurrently", run.sent, run.timing,
                        note=f"writer thread {run.writer.wall:.1f} s wall, {run.writer.cpu:.1f} s CPU; the rest of "
                        f"the process (the deliverer) {run.timing.cpu - run.writer.cpu:.1f} s CPU"))
    return table, notes, rows


# -- the report -------------------------------------------------------------------------------------

def machine() -> str:
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} CPUs ({cpu}), {memory / 2**20:.1f} GiB memory"


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "archive", "crawler", "korus_watch", "notify"],
                             cwd=REPO, capture_output=True)
    return (head.stdout.strip() or "unknown") + (" (with uncommitted changes to the product code)"
                                                 if changed.returncode == 1 else "")


def report(archives: Archives, rows: list[Row], notes: list[str], latency: list[str], command: str,
           load: list[float], started: datetime) -> str:
    version = importlib.metadata.version
    table = ["| run | messages | wall s | CPU s | messages/s | ms CPU/message | server CPU s | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    table += [f"| {r.name} | {r.messages} | {r.timing.wall:.3f} | {r.timing.cpu:.3f} | "
              f"{r.messages / r.timing.wall:.1f} | {1000 * r.timing.cpu / r.messages:.2f} | "
              f"{'' if r.server_cpu is None else f'{r.server_cpu:.2f}'} | {r.note} |" for r in rows]
    backend = archives.backend
    return "\n".join([
        f"<!-- notify_bench {backend}: start -->",
        f"### {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `{command}` at commit {commit()}, on {machine()}, "
        f"Python {platform.python_version()}, {archives.server_version()}, SQLAlchemy {version('sqlalchemy')}, "
        f"Jinja2 {version('jinja2')}, css-inline {version('css-inline')}, httpx {version('httpx')}, "
        f"aiosmtpd {version('aiosmtpd')}, psycopg {version('psycopg')}; load averages (1, 5, 15 min) "
        f"{' '.join(f'{v:.2f}' for v in load[:3])} before the run, {' '.join(f'{v:.2f}' for v in load[3:])} after.",
        "", *table, "", *latency, "", *(f"- {line}" for line in notes),
        f"<!-- notify_bench {backend}: end -->",
    ])


def write_doc(path: Path, section: str, backend: str) -> None:
    """Replaces this backend's part of the marked results section of `path` (or adds it), keeping the rest."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if MARKERS[0] not in text:
        text = text.rstrip("\n") + f"\n\n## Notifier benchmark\n\n{MARKERS[0]}\n{MARKERS[1]}\n"
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    block = text[start:end]
    own = (f"<!-- notify_bench {backend}: start -->", f"<!-- notify_bench {backend}: end -->")
    if own[0] in block:
        first, last = block.index(own[0]), block.index(own[1]) + len(own[1])
        block = block[:first] + section + block[last:]
    else:
        block = (block.rstrip("\n") + "\n\n" if block.strip() else "\n") + section + "\n"
    path.write_text(text[:start] + block + text[end:])


def benchmark(archives: Archives, scratch: Path, repeat: int) -> tuple[list[Row], list[str], list[str]]:
    with contextlib.ExitStack() as cleanup:
        servers = Servers(scratch)
        cleanup.callback(servers.stop)
        digest = digest_scenario(archives, servers, repeat)
        webhook_rows, webhook_notes = webhook_scenario(archives, servers, repeat)
        latency_runs = [latency_scenario(archives, servers, "latency", "/slack/latency", None),
                        latency_scenario(archives, servers, "paced", "/slack/paced", PACE)]
        received = servers.received()
        latency_table, latency_notes, latency_rows = latency_report(latency_runs, received["webhook"])

    notes = list(digest.notes)
    arrived = [[m for m in received["smtp"] if m["message_id"] == message_id] for message_id in digest.message_ids]
    if any(len(messages) != 1 for messages in arrived):
        notes.append(f"DIGESTS NOT RECEIVED ONCE EACH: {[len(messages) for messages in arrived]} copies.")
    else:
        notes[0] += f" The SMTP server received each digest once ({arrived[0][0]['bytes'] / 1e6:.2f} MB)."
    statuses: defaultdict[tuple[str, int], int] = defaultdict(int)
    for request in received["webhook"]:
        statuses[(request["path"], request["status"])] += 1
    unexpected = {f"{path} {status}": count for (path, status), count in statuses.items() if status != 200}
    if unexpected or received["invalid"]:
        notes.append(f"Receiver: answers other than 200: {unexpected}; invalid payloads: {received['invalid'][:3]}.")
    delivered = statuses[("/slack/deliver", 200)]
    if delivered != WEBHOOK_EVENTS:
        notes.append(f"The receiver got {delivered} of the {WEBHOOK_EVENTS} instant messages.")
    sizes = {path: [r["bytes"] for r in received["webhook"] if r["path"] == path]
             for path in ("/slack/deliver", "/slack/baseline")}
    webhook_notes[0] += (" Bytes received per message: " + ", ".join(
        f"{path} {sum(values) / len(values):.1f} on average" for path, values in sizes.items() if values) + ".")
    rows = [*digest.rows, *webhook_rows, *latency_rows]
    return rows, [*notes, *webhook_notes, *latency_notes], latency_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="run on PostgreSQL: a server URL, e.g. "
                        "postgresql://postgres@127.0.0.1:5432/test (a schema of the run's own is made and dropped)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the digest's render-only and baseline steps")
    parser.add_argument("--doc", type=Path, help="write the results into this Markdown file's marked section")
    parser.add_argument("--servers", type=Path, help=argparse.SUPPRESS)  # the servers' child process
    arguments = parser.parse_args()
    if arguments.servers:
        logging.basicConfig(level=logging.WARNING)
        serve(arguments.servers)
        return
    if arguments.database_url and urlsplit(arguments.database_url).scheme.split("+")[0] not in ("postgresql",
                                                                                                 "postgres"):
        parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
    for name in [name for name in os.environ if name.startswith("KORUS_WATCH_")]:
        del os.environ[name]  # Settings reads the environment; the benchmark's channels must be its own

    scratch = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    # The notifier's own logging (a line per send) goes to a file, as a service's would, rather than to the console.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s",
                        filename=scratch / "korus-watch.log")
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(console)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up below runs
    command = "python bench/notify_bench.py" + (" --database-url postgresql://…" if arguments.database_url else "")
    archives = Archives(scratch, arguments.database_url)
    started = datetime.now(UTC)
    try:
        load = list(os.getloadavg())
        rows, notes, latency = benchmark(archives, scratch, arguments.repeat)
        section = report(archives, rows, notes, latency, command, [*load, *os.getloadavg()], started)
    finally:
        archives.close()
        shutil.rmtree(scratch, ignore_errors=True)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, archives.backend)


if __name__ == "__main__":
    main()
