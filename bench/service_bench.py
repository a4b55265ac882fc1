"""Service benchmark: one `korus-watch serve` process polling a generated mirror 300 times at a short interval.

    python bench/service_bench.py [--statements 3000] [--polls 300] [--doc docs/benchmarks.md]

The mirror (python -m testkit.mirror) and the webhook receiver (testkit.servers.WebhookReceiver, run as
`service_bench.py --receiver`, which prints each request it gets as a JSON line) are child processes of their own;
`korus-watch serve` is a third, with a fresh SQLite archive, a Slack instant channel pointing at the receiver, a
short `crawl.interval_minutes` and no jitter. This process only watches: it counts finished polls in the archive
(a read-only SQLite connection, so that nothing is asked of the service while it is measured), samples the serve
process with psutil, adds a statement to the mirror every 30 polls and times its alert. After the polls it stops
serve with SIGTERM and runs `korus-watch crawl` no-change polls of the same archive for comparison (CPU and peak
RSS from os.wait4, as crawl_bench.py measures them).

    python bench/service_bench.py --defaults [--statements 3000] [--latency 0.15] [--doc docs/benchmarks.md]

runs serve instead with the product's default crawl settings (its politeness policy) against a mirror that answers
each request after `--latency` seconds: the baseline poll, a no-change poll, then polls that each find one new
KORUS statement, timed from the poll's start to the statement's page requested (the mirror's timed log), to its
event stored and to its instant alert received. Polls come every `--defaults-interval-minutes` (1) with
crawl.full_revisit_hours scaled to match, so that each poll re-checks as many statements as a default poll every 15
minutes with a 24-hour window does.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
from crawl_bench import (
    KORUS_WATCH,
    MAX_IN_FLIGHT,
    MAX_PER_SECOND,
    Mirror,
    Run,
    commit,
    crawl,
    crawl_env,
    default_env,
    full_bodies_per_section,
    machine,
)

log = logging.getLogger("service_bench")

REPO = Path(__file__).resolve().parents[1]
MARKERS = ("<!-- service_bench results: start -->", "<!-- service_bench results: end -->")
DEFAULTS_MARKERS = ("<!-- service_bench defaults: start -->", "<!-- service_bench defaults: end -->")
# The product's defaults that size a poll's re-verification rotation.
DEFAULT_INTERVAL_MINUTES, DEFAULT_REVISIT_HOURS = 15.0, 24.0
WEBHOOK_PATH = "/slack/T0/B0/service-bench"
KORUS_PARAGRAPH = ("The U.S.-Korea Free Trade Agreement (KORUS FTA) Joint Committee met today to review the "
                   "implementation of the agreement and trade between the United States and the Republic of Korea.")
RUN_COLUMNS = ("id", "source", "status", "baseline", "full", "started_at", "finished_at", "requests", "not_modified", "new",
               "edited", "removed", "restored", "unchanged", "errors", "cpu_seconds")


# -- the webhook receiver's child process, run as `service_bench.py --receiver` ---------------------

def run_receiver() -> None:
    """Serves testkit.servers.WebhookReceiver until stdin closes; prints RECEIVER_URL=..., then a JSON line per POST."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # testkit.servers is not installed with the package
    from testkit.servers import WebhookReceiver

    with WebhookReceiver() as receiver:
        print(f"RECEIVER_URL={receiver.url('')}", flush=True)

        def report() -> None:
            seen = 0
            while True:
                try:
                    requests = receiver.wait_for(seen + 1, timeout=1.0)
                except TimeoutError:
                    continue
                for request in requests[seen:]:
                    print(json.dumps({"received_at": request.received_at, "path": request.path,
                                      "idempotency_key": request.headers.get("Idempotency-Key"),
                                      "text": request.body.decode("utf-8", "replace")}), flush=True)
                seen = len(requests)

        threading.Thread(target=report, daemon=True).start()
        sys.stdin.read()  # EOF: the benchmark is done


class Receiver:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--receiver"], cwd=REPO, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("RECEIVER_URL="):
            self.stop()
            raise RuntimeError(f"the webhook receiver did not start: {line!r}")
        self.base_url = line.strip().removeprefix("RECEIVER_URL=").rstrip("/")
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.lock:
                self.received.append(json.loads(line))

    def first_with(self, text: str, after: float) -> dict[str, Any] | None:
        with self.lock:
            return next((r for r in self.received if text in r["text"] and r["received_at"] >= after), None)

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def stop(self) -> None:
        if self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the archive, read-only -------------------------------------------------------------------------

class Archive:
    """The serve process's SQLite archive through a read-only connection, in autocommit: no read transaction is
    held between queries, so the service's checkpoints are never held back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None and self.path.exists():
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10,
                                               isolation_level=None, check_same_thread=False)
        return self._connection

    def succeeded(self) -> int:
        return sum(self.succeeded_by_source().values())

    def succeeded_by_source(self) -> Counter[str]:
        connection = self._connect()
        if connection is None:
            return Counter()
        try:
            return Counter(dict(connection.execute(
                "SELECT source, count(*) FROM crawl_runs WHERE status = 'succeeded' GROUP BY source").fetchall()))
        except sqlite3.OperationalError:  # the tables are not migrated yet
            return Counter()

    def runs(self, after: int = 0) -> list[dict[str, Any]]:
        """The crawl runs recorded after run `after`, their times as seconds since the epoch."""
        connection = self._connect()
        assert connection is not None
        rows = connection.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM crawl_runs WHERE id > ? ORDER BY id",
                                  (after,)).fetchall()
        runs = [dict(zip(RUN_COLUMNS, row, strict=True)) for row in rows]
        for run in runs:
            for key in ("started_at", "finished_at"):
                if run[key]:
                    run[key] = datetime.fromisoformat(run[key]).replace(tzinfo=UTC).timestamp()
        return runs

    def newest_event_at(self) -> float | None:
        """When the newest change event was stored (seconds since the epoch)."""
        connection = self._connect()
        assert connection is not None
        (value,) = connection.execute("SELECT max(detected_at) FROM change_events").fetchone()
        return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() if value else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# -- measuring ------------------------------------------------------------------------------------

@dataclass
class Sample:
    polls: int  # polls finished after the baseline
    at: float  # time.monotonic()
    rss: int
    cpu: float  # user + system of the whole serve process since its start
    threads: int
    fds: int


@dataclass
class Alert:
    title: str
    polls_at_add: int
    added_at: float  # time.time() once the mirror's control API answered
    received_at: float | None = None
    run: dict[str, Any] | None = None  # the poll that found it


@dataclass
class Result:
    statements: int
    polls: int
    interval: float
    baseline_seconds: float = 0.0
    polls_seconds: float = 0.0
    total_seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    baseline_cpu: float = 0.0  # the serve process's CPU when the baseline poll had finished
    alerts: list[Alert] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    peak_rss: int = 0  # VmHWM of the serve process at the end of the polls
    metrics: dict[str, float] = field(default_factory=dict)
    health: tuple[int, dict[str, Any]] | None = None
    stop_seconds: float = 0.0
    exit_status: int | None = None
    serve_rusage_cpu: float = 0.0
    serve_maxrss: float = 0.0
    cli: list[Run] = field(default_factory=list)
    cli_new: list[int] = field(default_factory=list)
    stderr: Path | None = None


def sample(process: psutil.Process, polls: int) -> Sample:
    with process.oneshot():
        times = process.cpu_times()
        return Sample(polls, time.monotonic(), process.memory_info().rss, times.user + times.system,
                      process.num_threads(), process.num_fds())


def vm_hwm(pid: int) -> int:
    """The process's peak RSS so far, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def kill(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, timeout: float, alive: subprocess.Popen[Any],
               stderr: Path, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if alive.poll() is not None:
            raise RuntimeError(f"serve exited {alive.returncode} waiting for {what}:\n{stderr.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def parse_metrics(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            with contextlib.suppress(ValueError):
                values[name] = float(value)
    return values


def write_config(path: Path, interval: float, port: int, receiver: Receiver, *, polite: bool = False) -> None:
    """serve's configuration; `polite`: the default crawl settings (else the pace off, for CPU figures)."""
    path.write_text(
        "[crawl]\n"
        f"interval_minutes = {interval}\n"
        + ("" if polite else "autothrottle = false\nmax_requests_per_second = 100000\n")
        + "[service]\n"
        "poll_jitter_seconds = 0\n"
        "[http]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        "[[channels]]\n"
        'name = "team-chat"\n'
        'type = "slack"\n'
        f'url = "{receiver.base_url}{WEBHOOK_PATH}"\n'
        'mode = "instant"\n'
        'topics = ["korus"]\n'
        "max_per_hour = 1000\n",
        encoding="utf-8",
    )


def benchmark(arguments: argparse.Namespace, scratch: Path) -> Result:
    result = Result(arguments.statements, arguments.polls, arguments.interval_minutes * 60)
    rng = random.Random(arguments.seed)
    began = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        mirror = Mirror(arguments.statements)
        cleanup.callback(mirror.stop)
        receiver = Receiver()
        cleanup.callback(receiver.stop)
        database = scratch / "archive.sqlite3"
        config, port = scratch / "korus-watch.toml", free_port()
        write_config(config, arguments.interval_minutes, port, receiver)
        env = crawl_env(mirror, database) | {"KORUS_WATCH_CONFIG": str(config)}
        archive = Archive(database)
        cleanup.callback(archive.close)

        result.stderr = scratch / "serve.stderr"
        with result.stderr.open("w") as stderr:
            serve = subprocess.Popen([KORUS_WATCH, "serve"], cwd=REPO, env=env, stdout=stderr, stderr=stderr)
        cleanup.callback(kill, serve)
        process = psutil.Process(serve.pid)
        started = time.monotonic()
        log.info("serve pid %d on http://127.0.0.1:%d; waiting for the baseline poll of %d statements", serve.pid,
                 port, arguments.statements)
        wait_until(lambda: archive.succeeded() >= 1, "the baseline poll", 30 * 60, serve, result.stderr)
        result.baseline_cpu = sample(process, 0).cpu
        result.baseline_seconds = time.monotonic() - started
        log.info("baseline poll done after %.0f s; waiting for the first no-change poll", result.baseline_seconds)
        wait_until(lambda: archive.succeeded() >= 2, "the first poll after the baseline", 10 * 60, serve,
                   result.stderr)
        result.samples.append(sample(process, 1))
        polls_started = time.monotonic()

        add_at = list(range(arguments.add_every // 2, arguments.polls, arguments.add_every))  # 15, 45, ..., 285
        sample_at = list(range(arguments.sample_every, arguments.polls, arguments.sample_every))  # 25, 50, ...
        deadline = time.monotonic() + arguments.deadline_minutes * 60
        while (done := archive.succeeded() - 1) < arguments.polls:
            if serve.poll() is not None:
                raise RuntimeError(f"serve exited {serve.returncode}:\n{result.stderr.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done} of {arguments.polls} polls after {arguments.deadline_minutes} min")
            if sample_at and done >= sample_at[0]:
                sample_at.pop(0)
                result.samples.append(sample(process, done))
                log.info("%d polls, RSS %.1f MB", done, result.samples[-1].rss / 2**20)
            if add_at and done >= add_at[0]:
                add_at.pop(0)
                # At a random point of the poll cycle, as a real statement would appear.
                time.sleep(rng.uniform(0, result.interval))
                title = f"KORUS Joint Committee statement {len(result.alerts) + 1} of the service benchmark"
                mirror.control("new_statement", {"title": title, "paragraphs": [KORUS_PARAGRAPH]})
                result.alerts.append(Alert(title, archive.succeeded() - 1, time.time()))
            time.sleep(0.1)
        result.samples.append(end := sample(process, done))
        result.polls_seconds = time.monotonic() - polls_started
        result.peak_rss = vm_hwm(serve.pid)
        log.info("%d polls in %.0f s; RSS %.1f MB at the end", done, result.polls_seconds, end.rss / 2**20)

        wait_until(lambda: all(receiver.first_with(a.title, a.added_at) for a in result.alerts), "the alerts", 120,
                   serve, result.stderr, step=0.2)
        for alert in result.alerts:
            received = receiver.first_with(alert.title, alert.added_at)
            alert.received_at = received["received_at"] if received else None
        result.metrics = parse_metrics(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        result.health = (health.status_code, health.json())

        stopping = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(serve.pid, 0)
        result.stop_seconds = time.monotonic() - stopping
        serve.returncode = result.exit_status = os.waitstatus_to_exitcode(status)
        result.serve_rusage_cpu, result.serve_maxrss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024
        log.info("serve exited %d %.2f s after SIGTERM", result.exit_status, result.stop_seconds)
        result.runs = archive.runs()
        archive.close()
        for alert in result.alerts:
            alert.run = next((r for r in result.runs if r["new"] and r["finished_at"]
                              and r["finished_at"] >= alert.added_at), None)

        for index in range(arguments.cli_polls):
            run, summary = crawl(f"korus-watch crawl: no-change poll {index + 1}", env, mirror, scratch)
            result.cli.append(run)
            result.cli_new.append(sum(summary[k] for k in ("new", "edited", "removed", "restored")))
    result.total_seconds = time.monotonic() - began
    return result


# -- the report ------------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def stderr_summary(path: Path) -> tuple[Counter[str], list[str]]:
    """Log lines by level, and the distinct warning and error messages with their counts."""
    levels: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        level = re.search(r"\blevel=(\w+)", line)
        if not level:
            levels["(not a log line)"] += 1
            continue
        levels[level.group(1)] += 1
        if level.group(1) in ("warning", "error", "critical"):
            message = re.sub(r"\d+(\.\d+)?", "N", line.split(" msg=", 1)[-1])[:200]
            problems[f"{level.group(1)} {line.split(' logger=', 1)[-1].split()[0]}: {message}"] += 1
    return levels, [f"{count}× {message}" for message, count in problems.most_common(8)]


def report(result: Result, arguments: argparse.Namespace, load: list[tuple[float, float, float]]) -> str:
    mb = 2**20
    after_baseline = [r for r in result.runs if not r["baseline"]]
    measured = after_baseline[:result.polls]  # the 300 polls (a poll cut short by the SIGTERM comes after them)
    finished = [r for r in measured if r["status"] == "succeeded"]
    quiet = [r for r in finished if not r["full"] and not (r["new"] or r["edited"] or r["removed"] or r["restored"])]
    found = [r for r in finished if r["new"]]
    cpu = [r["cpu_seconds"] for r in quiet if r["cpu_seconds"] is not None]
    durations = [r["finished_at"] - r["started_at"] for r in quiet]
    periods = [b["started_at"] - a["started_at"] for a, b in zip(measured, measured[1:], strict=False)]
    start, end = result.samples[0], result.samples[-1]
    window_cpu = end.cpu - result.baseline_cpu
    cli_cpu = median(run.cpu for run in result.cli)
    cli_own = median(run.crawl_cpu or 0 for run in result.cli)
    per_poll = window_cpu / result.polls
    ratio = end.rss / start.rss
    latencies = [a.received_at - a.added_at for a in result.alerts if a.received_at is not None]
    levels, problems = stderr_summary(result.stderr) if result.stderr else (Counter(), [])

    memory = psutil.virtual_memory().total
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    version = importlib.metadata.version
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    product_changed = [line[3:] for line in changed.splitlines() if not line[3:].startswith(("bench/", "docs/"))]
    tree = ("uncommitted changes outside bench/ and docs/: " + ", ".join(product_changed)) if product_changed \
        else "no uncommitted changes outside bench/ and docs/"
    loads = ["/".join(f"{x:.2f}" for x in triple) for triple in load]
    command = f"python bench/service_bench.py --statements {result.statements} --polls {result.polls} " \
              f"--interval-minutes {arguments.interval_minutes:g}"

    lines = [
        MARKERS[0],
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` at commit {head.stdout.strip() or 'unknown'} "
        f"({tree}), on {os.cpu_count()} CPUs ({model}), {memory / 2**30:.1f} GiB memory, Python "
        f"{platform.python_version()}, Scrapy {version('scrapy')}, Twisted {version('twisted')}, APScheduler "
        f"{version('apscheduler')}, SQLAlchemy {version('sqlalchemy')}, psutil {version('psutil')}; load averages "
        f"(1/5/15 min) {loads[0]} before the run, {loads[1]} after. The whole run took "
        f"{result.total_seconds / 60:.1f} min: the baseline poll {result.baseline_seconds:.0f} s (from the start of "
        f"serve), the {result.polls} polls {result.polls_seconds / 60:.1f} min.",
        "",
        "| measure | value | notes |",
        "|---|---:|---|",
        f"| RSS at the start (after the baseline and the first poll) | {start.rss / mb:.1f} MB | |",
        f"| RSS at the end (after {result.polls} polls) | {end.rss / mb:.1f} MB | |",
        f"| RSS end ÷ start | {ratio:.3f} | target ≤ 1.10 (flat within 10 %) |",
        f"| RSS, max of the samples during the polls | {max(s.rss for s in result.samples) / mb:.1f} MB | "
        f"peak over the process's life (VmHWM, the baseline included): {result.peak_rss / mb:.1f} MB |",
        f"| threads, open fds: start → end | {start.threads} → {end.threads}, {start.fds} → {end.fds} | |",
        f"| polls after the baseline | {len(measured)} | {len(finished)} succeeded, {len(quiet)} with no change, "
        f"{len(found)} found a new statement, {sum(1 for r in finished if r['full'])} full |",
        f"| poll period (start to start), median / max | {median(periods):.2f} / {max(periods):.2f} s | "
        f"interval {result.interval:.1f} s |",
        f"| no-change poll duration, median / p95 | {median(durations):.2f} / {quantile(durations, 0.95):.2f} s | "
        f"requests per poll: median {median(r['requests'] for r in quiet):.0f}, of them 304: "
        f"{median(r['not_modified'] for r in quiet):.0f} |",
        f"| crawl's own CPU per no-change poll (`crawl_runs.cpu_seconds`), median / p95 / max | "
        f"{median(cpu):.3f} / {quantile(cpu, 0.95):.3f} / {max(cpu):.3f} s | the poll's thread CPU from planning to "
        "its record |",
        f"| serve process CPU per poll (user + sys over the {result.polls} polls ÷ {result.polls}) | "
        f"{per_poll:.3f} s | {window_cpu:.1f} s in {result.polls_seconds:.0f} s: "
        f"{100 * window_cpu / result.polls_seconds:.0f} % of one core; includes the {len(result.alerts)} alerts and "
        "everything else the process did |",
        f"| `korus-watch crawl` CLI, no-change poll of the same archive (median of {len(result.cli)}) | "
        f"{cli_cpu:.2f} s CPU | crawl's own CPU {cli_own:.2f} s; wall {median(r.wall for r in result.cli):.2f} s; "
        f"peak RSS {median(r.rss_mb for r in result.cli):.0f} MB; changes found: {result.cli_new} |",
        f"| serve per poll ÷ CLI per poll (process CPU) | {per_poll / cli_cpu:.3f} | crawl's own CPU: "
        f"{median(cpu) / cli_own:.2f} |",
        f"| statement appearance → webhook alert, median / max | {median(latencies):.2f} / {max(latencies):.2f} s | "
        f"{len(latencies)} of {len(result.alerts)} alerts arrived; poll interval {result.interval:.1f} s |",
        f"| SIGTERM → exit | {result.stop_seconds:.2f} s, exit status {result.exit_status} | last run: "
        f"{result.runs[-1]['status'] if result.runs else '-'} |",
        "",
        "RSS and CPU along the run (process CPU per poll over each stretch; the crawl's own CPU, median of the "
        "no-change polls in it):",
        "",
        "| polls done | minutes into the polls | RSS MB | threads | fds | process CPU s/poll | crawl's own CPU s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous_cpu, previous_polls = result.baseline_cpu, 0
    for s in result.samples:
        stretch = [r["cpu_seconds"] for r in measured[previous_polls:s.polls]
                   if r in quiet and r["cpu_seconds"] is not None]
        per = (s.cpu - previous_cpu) / (s.polls - previous_polls) if s.polls > previous_polls else 0.0
        lines.append(f"| {s.polls} | {(s.at - start.at) / 60:.1f} | {s.rss / mb:.1f} | {s.threads} | {s.fds} | "
                     f"{per:.3f} | {f'{median(stretch):.3f}' if stretch else ''} |")
        previous_cpu, previous_polls = s.cpu, s.polls
    lines += [
        "",
        "Alerts (appearance: when the mirror's control API had answered; receipt: the receiver's clock; the poll "
        "that found the statement, from `crawl_runs`):",
        "",
        "| statement | added after poll | appearance → poll start s | poll s | poll end → receipt s | total s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for number, alert in enumerate(result.alerts, 1):
        run, received = alert.run, alert.received_at
        parts = ["", "", ""]
        if run and received is not None:
            parts = [f"{run['started_at'] - alert.added_at:.2f}", f"{run['finished_at'] - run['started_at']:.2f}",
                     f"{received - run['finished_at']:.2f}"]
        total = f"{received - alert.added_at:.2f}" if received is not None else "not received"
        lines.append(f"| {number} | {alert.polls_at_add} | {' | '.join(parts)} | {total} |")
    polls_metric = result.metrics.get('korus_watch_polls_total{source="press-office",status="succeeded"}')
    sent_metric = result.metrics.get('korus_watch_delivery_attempts_total{result="sent"}', 0)
    lines += [
        "",
        f"- RSS flat within 10 %: **{'met' if ratio <= 1.10 else 'missed'}** (end ÷ start {ratio:.3f}).",
        f"- CPU per no-change poll in the service: {median(cpu):.3f} s median of the crawl's own CPU, {per_poll:.3f} s "
        f"for the whole process; a `korus-watch crawl` process spends {cli_cpu:.2f} s on the same poll "
        f"({cli_cpu / per_poll:.1f}× as much).",
        f"- Stop: exit status {result.exit_status} {result.stop_seconds:.2f} s after SIGTERM; the whole process used "
        f"{result.serve_rusage_cpu:.1f} s CPU in its life (baseline included), peak RSS "
        f"{result.serve_maxrss / mb:.0f} MB (wait4).",
        f"- `/metrics` before the stop: polls succeeded {polls_metric:.0f}, poll CPU seconds "
        f"{result.metrics.get('korus_watch_poll_cpu_seconds_total', 0):.1f}, delivery attempts sent "
        f"{sent_metric:.0f}; `/healthz` "
        f"{result.health[0] if result.health else '-'} ({(result.health[1] if result.health else {}).get('reason')})."
        if polls_metric is not None else "- `/metrics` had no polls counter.",
        f"- serve's stderr: {sum(levels.values())} lines ({', '.join(f'{k} {v}' for k, v in levels.most_common())})"
        + (": " + "; ".join(f"`{p}`" for p in problems) if problems else ", no warnings or errors") + ".",
        MARKERS[1],
    ]
    return "\n".join(lines)


# -- at the product's defaults, against a distant site ----------------------------------------------

@dataclass
class Poll:
    """One poll of serve at the default settings: its crawl run, what the site saw, and the new statement's way."""

    name: str
    run: dict[str, Any]
    timing: dict[str, Any]
    bodies: dict[str, int] = field(default_factory=dict)
    requested: float | None = None  # seconds from the poll's start
    stored: float | None = None
    alerted: float | None = None

    @property
    def seconds(self) -> float:
        return float(self.run["finished_at"] - self.run["started_at"])


def defaults_benchmark(arguments: argparse.Namespace, scratch: Path) -> tuple[list[Poll], Path]:
    """serve at the default crawl settings; its polls, the baseline first; and serve's stderr."""
    polls: list[Poll] = []
    # CLOCK_MONOTONIC is one clock for every process of the machine: the mirror's log converts to the epoch so.
    epoch_offset = time.time() - time.monotonic()
    with contextlib.ExitStack() as cleanup:
        mirror = Mirror(arguments.statements, arguments.latency)
        cleanup.callback(mirror.stop)
        receiver = Receiver()
        cleanup.callback(receiver.stop)
        database, port = scratch / "archive.sqlite3", free_port()
        interval = arguments.defaults_interval_minutes
        config = scratch / "korus-watch.toml"
        write_config(config, interval, port, receiver, polite=True)
        env = default_env(mirror, database) | {
            "KORUS_WATCH_CONFIG": str(config),
            # A poll every `interval` re-checks as many statements as a default one every 15 minutes over 24 hours.
            "KORUS_WATCH_CRAWL__FULL_REVISIT_HOURS": str(DEFAULT_REVISIT_HOURS * interval / DEFAULT_INTERVAL_MINUTES),
        }
        archive = Archive(database)
        cleanup.callback(archive.close)
        stderr_path = scratch / "serve.stderr"
        with stderr_path.open("w") as stderr:
            serve = subprocess.Popen([KORUS_WATCH, "serve"], cwd=REPO, env=env, stdout=stderr, stderr=stderr)
        cleanup.callback(kill, serve)

        def next_poll(name: str, added: dict[str, Any] | None = None) -> Poll:
            done = archive.succeeded()
            wait_until(lambda: archive.succeeded() > done, name, 30 * 60, serve, stderr_path, step=0.2)
            run = archive.runs()[-1]
            requests = mirror.requests()
            poll = Poll(name, run, mirror.timing(), full_bodies_per_section(requests))
            if added is not None:
                title = added["title"]
                wait_until(lambda: receiver.first_with(title, run["started_at"]) is not None, "the alert", 120,
                           serve, stderr_path, step=0.2)
                alert = receiver.first_with(title, run["started_at"])
                assert alert is not None
                arrived = min(r["arrived"] for r in requests if r["path"] == added["path"])
                poll.requested = arrived + epoch_offset - run["started_at"]
                stored = archive.newest_event_at()
                poll.stored = None if stored is None else stored - run["started_at"]
                poll.alerted = alert["received_at"] - run["started_at"]
            mirror.control("clear_log")  # the next poll starts an interval after this one's start
            log.info("%s: %.1f s, %d requests, peaks %s/s and %s in flight", name, poll.seconds, run["requests"],
                     poll.timing["peak_requests_per_second"], poll.timing["peak_in_flight"])
            return poll

        log.info("serve pid %d; waiting for the baseline poll of %d statements at %.2f s a request", serve.pid,
                 arguments.statements, arguments.latency)
        polls.append(next_poll("baseline poll"))
        # Overdue since the baseline's start, it began as the baseline ended, before the log was cleared.
        next_poll("the poll after the baseline (not reported)")
        polls.append(next_poll("routine poll, nothing changed"))
        for number in range(1, arguments.new_statements + 1):
            title = f"KORUS Joint Committee statement {number} of the service benchmark at its defaults"
            added = mirror.control("new_statement", {"title": title, "paragraphs": [KORUS_PARAGRAPH]})
            added["title"] = title
            polls.append(next_poll(f"routine poll with new statement {number}", added))
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
    return polls, stderr_path


def defaults_report(polls: list[Poll], arguments: argparse.Namespace, load: list[tuple[float, float, float]],
                    stderr: Path) -> str:
    def met(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    def seconds(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    rows = ["| poll | s | requests | 304s | peak requests in 1 s | peak in flight | start → new page requested s "
            "| start → event stored s | start → alert received s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {p.name} | {p.seconds:.1f} | {p.run['requests']} | {p.run['not_modified']} | "
             f"{p.timing['peak_requests_per_second']} | {p.timing['peak_in_flight']} | {seconds(p.requested)} | "
             f"{seconds(p.stored)} | {seconds(p.alerted)} |" for p in polls]
    baseline, quiet, *news = polls
    routine = [quiet, *news]
    longest = max(p.seconds for p in routine)
    requested = max(p.requested or 0.0 for p in news)
    alerted = max(p.alerted or 0.0 for p in news)
    early = all(p.alerted is not None and p.alerted < p.seconds for p in news)
    per_second = max(p.timing["peak_requests_per_second"] for p in polls)
    in_flight = max(p.timing["peak_in_flight"] for p in polls)
    worst = max(quiet.bodies.get(section, 0) for section in ("press-releases", "fact-sheets", "speeches-and-remarks"))
    levels, problems = stderr_summary(stderr)
    loads = ["/".join(f"{x:.2f}" for x in triple) for triple in load]
    interval = arguments.defaults_interval_minutes
    lines = [
        DEFAULTS_MARKERS[0],
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/service_bench.py --defaults --statements "
        f"{arguments.statements} --latency {arguments.latency:g}` at commit {commit()}, on {machine()}; default "
        f"crawl settings but polls every {interval:g} min with crawl.full_revisit_hours "
        f"{DEFAULT_REVISIT_HOURS * interval / DEFAULT_INTERVAL_MINUTES:g} (the rotation of a 15-minute poll over 24 "
        f"hours); load averages (1/5/15 min) {loads[0]} before the run, {loads[1]} after. Times are from the poll's "
        "start (`crawl_runs.started_at`).",
        "",
        *rows,
        "",
        f"- Routine poll: at most {longest:.1f} s (target ≤ 30 s: {met(longest <= 30)}).",
        f"- New statement's page requested at most {requested:.1f} s after its poll's start (target ≤ 10 s: "
        f"{met(requested <= 10)}); its instant alert received at most {alerted:.1f} s after (target ≤ 20 s: "
        f"{met(alerted <= 20)}); {'each' if early else 'not each'} before its poll ended.",
        f"- Baseline poll inside serve: {baseline.seconds / 60:.1f} min (target ≤ 10 min: "
        f"{met(baseline.seconds <= 600)}).",
        f"- At most {per_second} requests in any one second (target ≤ {MAX_PER_SECOND}: "
        f"{met(per_second <= MAX_PER_SECOND)}) and {in_flight} in flight (target ≤ {MAX_IN_FLIGHT}: "
        f"{met(in_flight <= MAX_IN_FLIGHT)}), over every poll.",
        f"- No-change poll: at most {worst} full-body answers per section (target ≤ 2: {met(worst <= 2)}).",
        f"- serve's stderr: {sum(levels.values())} lines ({', '.join(f'{k} {v}' for k, v in levels.most_common())})"
        + (": " + "; ".join(f"`{p}`" for p in problems) if problems else ", no warnings or errors") + ".",
        DEFAULTS_MARKERS[1],
    ]
    return "\n".join(lines)


def write_doc(path: Path, section: str, markers: tuple[str, str] = MARKERS) -> None:
    """Replaces the marked results section of `path`, keeping everything around it (read right before writing)."""
    text = path.read_text()
    start, end = text.index(markers[0]), text.index(markers[1]) + len(markers[1])
    path.write_text(text[:start] + section + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=3000, help="size of the generated mirror")
    parser.add_argument("--polls", type=int, default=300, help="polls measured after the baseline")
    parser.add_argument("--interval-minutes", type=float, default=0.02, help="crawl.interval_minutes (0.02: 1.2 s)")
    parser.add_argument("--add-every", type=int, default=30, help="add a new statement every this many polls")
    parser.add_argument("--sample-every", type=int, default=25, help="sample RSS every this many polls")
    parser.add_argument("--cli-polls", type=int, default=3, help="no-change `korus-watch crawl` polls to compare")
    parser.add_argument("--deadline-minutes", type=float, default=60, help="give up if the polls take longer")
    parser.add_argument("--seed", type=int, default=0, help="seeds when in the poll cycle statements are added")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (archive, serve's stderr)")
    parser.add_argument("--doc", type=Path, help="write the results into this Markdown file's marked section")
    parser.add_argument("--defaults", action="store_true",
                        help="serve at the default crawl settings against a distant mirror instead of the 300 polls")
    parser.add_argument("--latency", type=float, default=0.15, help="with --defaults: the mirror's seconds an answer")
    parser.add_argument("--defaults-interval-minutes", type=float, default=1.0, help="with --defaults: the polls' "
                        "interval")
    parser.add_argument("--new-statements", type=int, default=3, help="with --defaults: polls with a new statement")
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)  # the receiver's child process
    arguments = parser.parse_args()
    if arguments.receiver:
        run_receiver()
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up below runs
    scratch = Path(tempfile.mkdtemp(prefix="service-bench-"))
    try:
        load = [os.getloadavg()]
        if arguments.defaults:
            polls, stderr = defaults_benchmark(arguments, scratch)
            load.append(os.getloadavg())
            section = defaults_report(polls, arguments, load, stderr)
        else:
            result = benchmark(arguments, scratch)
            load.append(os.getloadavg())
            section = report(result, arguments, load)
    finally:
        if arguments.keep:
            log.info("scratch directory kept: %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, DEFAULTS_MARKERS if arguments.defaults else MARKERS)


if __name__ == "__main__":
    main()
