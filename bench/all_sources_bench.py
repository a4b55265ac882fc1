"""Every source at once: the press office at its real size, a Federal Register query, the KORUS agreement pages and
a ministry's listing, polled together as `korus-watch crawl` and `korus-watch serve` poll them.

    python bench/all_sources_bench.py [--statements 3000] [--documents 300] [--polls 100] [--doc docs/benchmarks.md]

Each site is on a loopback address of its own, as each is a host of its own to the crawler's pace: the press office
(python -m testkit.mirror, a child process) and the KORUS pages (testkit.sites) both on 127.0.0.1, as both are
ustr.gov and share its pace; the Federal Register's API (testkit.federal_register) on 127.0.0.2; the ministry's
listing (testkit.sites) on 127.0.0.3. The sites answer each request after `--latency` seconds.

Together, at the product's defaults, by `korus-watch crawl` processes into a fresh SQLite archive: the baseline of
the four sources; a routine poll with nothing new; a routine poll with something new in each source (a KORUS
statement, a Federal Register notice, an edit of the KORUS page, a ministry release); then the press office alone
with a new statement, for comparison. Per source, the poll's own time (`crawl_runs`), its requests and 304s.
Target (issue 16): the press office's routine poll within its 30 s while every source polls.

Memory: `korus-watch serve` with the four sources, each polled every `--interval-minutes` with the pace off (as
bench/service_bench.py measures memory), `--polls` polls of each after its baseline, something new in each source
every `--add-every` polls, alerts to a Slack channel at a webhook receiver. RSS after every source's baseline and
first poll, and at the end. Target (issue 16): end ÷ start ≤ 1.10.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from crawl_bench import KORUS_WATCH, Mirror, commit, default_env, machine, measure
from service_bench import (
    KORUS_PARAGRAPH,
    Archive,
    Receiver,
    Sample,
    free_port,
    kill,
    sample,
    stderr_summary,
    vm_hwm,
    wait_until,
    write_config,
    write_doc,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # testkit

from testkit.federal_register import FederalRegisterServer, FrDocument, generated_register  # noqa: E402
from testkit.federal_register.fixtures import KORUS_TERM, USTR  # noqa: E402
from testkit.sites import KorusSite, MinistrySite, SiteServer  # noqa: E402
from testkit.sites.korus import FINAL_TEXT, LANDING  # noqa: E402
from testkit.sites.ministry import BOARD  # noqa: E402

log = logging.getLogger("all_sources_bench")

MARKERS = ("<!-- all_sources_bench results: start -->", "<!-- all_sources_bench results: end -->")
PRESS_OFFICE, FEDERAL_REGISTER, PAGES, LISTING = "press-office", "fr-korus", "korus-fta", "motir"
SOURCES = (PRESS_OFFICE, FEDERAL_REGISTER, PAGES, LISTING)
# The landing page's sentence that the edits of each round turn one way and back.
EDITS = ("at least once a year", "at least twice a year")


class Sites:
    """The four sources' sites, and something new in each of them."""

    def __init__(self, statements: int, documents: int, items: int, latency: float,
                 cleanup: contextlib.ExitStack) -> None:
        self.mirror = Mirror(statements, latency)
        cleanup.callback(self.mirror.stop)
        self.register = generated_register(documents, year=2012)
        self.federal_register = cleanup.enter_context(
            FederalRegisterServer(self.register, latency=latency, address="127.0.0.2"))
        self.korus_site = KorusSite()
        self.korus = cleanup.enter_context(SiteServer(self.korus_site, etags=True))
        self.ministry_site = MinistrySite(page_size=10)
        for number in range(items - len(self.ministry_site.releases)):
            day = date(2026, 5, 1) - timedelta(days=number)
            self.ministry_site.publish(f"Release number {number} of the ministry", [
                f"Sejong, {day:%B} {day.day}, {day.year} - The Ministry announced measure {number}.",
                "The two sides reviewed the implementation of the KORUS FTA.",
            ], day.isoformat())
        self.ministry = cleanup.enter_context(SiteServer(self.ministry_site, etags=True, address="127.0.0.3"))
        self.rounds = 0
        log.info("press office %s, Federal Register %s, KORUS pages %s, listing %s", self.mirror.url,
                 self.federal_register.api_url, self.korus.base_url, self.ministry.base_url)

    def watched_pages(self) -> list[str]:
        pdfs = [document.path for document in self.korus_site.documents]
        return [self.korus.url(path) for path in (LANDING, FINAL_TEXT, *pdfs)]

    def sources_config(self) -> str:
        """The `[[sources.*]]` tables: each at its kind's defaults, as the README's examples configure them."""
        return (
            "[[sources.federal_register]]\n"
            f'name = "{FEDERAL_REGISTER}"\napi_url = "{self.federal_register.api_url}"\n'
            f"term = '{KORUS_TERM}'\nsince = \"2012-01-01\"\n\n"
            "[[sources.pages]]\n"
            f'name = "{PAGES}"\nurls = {json.dumps(self.watched_pages())}\nselector = ".field--name-body"\n\n'
            "[[sources.listings]]\n"
            f'name = "{LISTING}"\nurl = "{self.ministry.url(BOARD)}"\n'
            'item = "ul.board_list > li"\ndate = ".date"\nnext = "a.next"\nbody = ".view_content"\n'
        )

    def new_statement(self) -> str:
        self.rounds += 1
        title = f"KORUS Joint Committee statement {self.rounds} of the all-sources benchmark"
        self.mirror.control("new_statement", {"title": title, "paragraphs": [KORUS_PARAGRAPH]})
        return title

    def news(self) -> list[str]:
        """Something new in each source; the titles that a KORUS channel is alerted of."""
        titles = [self.new_statement()]
        number = self.rounds
        fr_title = f"Implementation of Modification {number} of the KORUS Rules of Origin"
        self.register.add(FrDocument(
            document_number=f"2026-{20000 + number}", publication_date=date(2026, 11, 1) + timedelta(days=number),
            type="Notice", agencies=(USTR,), title=fr_title, abstract=None,
            paragraphs=[f"The KORUS Joint Committee agreed modification {number} of the rules of origin."],
            volume=91, start_page=70000 + number, end_page=70000 + number))
        old, new = EDITS if number % 2 else EDITS[::-1]
        self.korus_site.edit_page("landing", old, new)
        listing_title = f"Korea and U.S. hold KORUS FTA talks, round {number}"
        self.ministry_site.publish(listing_title, ["The two sides reviewed the implementation of the KORUS FTA."],
                                   (date(2026, 12, 1) + timedelta(days=number)).isoformat())
        return [*titles, fr_title, listing_title]


@dataclass
class Poll:
    """One `korus-watch crawl` process: its wall time and CPU, its runs, and the peaks each measured site saw."""

    name: str
    wall: float
    cpu: float
    rss_mb: float
    runs: list[dict[str, Any]]
    peaks: dict[str, int]  # requests in any one second, by site
    # Seconds from the press office's run's start to the mirror's last answer: the poll's own time. Its run is
    # recorded when every source's crawl of the process has ended.
    press_office_seconds: float | None

    def run(self, source: str) -> dict[str, Any] | None:
        return next((r for r in self.runs if r["source"] == source), None)


def poll_all(name: str, sites: Sites, env: dict[str, str], archive: Archive, scratch: Path,
             *options: str) -> Poll:
    sites.mirror.control("clear_log")
    sites.federal_register.clear_log()
    last = archive.runs()[-1]["id"] if archive.path.exists() else 0
    run = measure(name, [KORUS_WATCH, "crawl", *options], env, sites.mirror, scratch)
    runs = archive.runs(after=last)
    press_office = next((r for r in runs if r["source"] == PRESS_OFFICE), None)
    answered = [r["finished"] or r["arrived"] for r in sites.mirror.requests()]
    # CLOCK_MONOTONIC is one clock for every process of the machine: the mirror's log converts to the epoch so.
    last_answer = max(answered) + time.time() - time.monotonic() if answered else None
    own = None if press_office is None or last_answer is None else last_answer - press_office["started_at"]
    peaks = {"press office (127.0.0.1)": int(sites.mirror.timing()["peak_requests_per_second"] or 0),
             "Federal Register API (127.0.0.2)":
                 int(sites.federal_register.request_log.summary(1.0)["peak_requests_per_second"] or 0)}
    return Poll(name, run.wall, run.cpu, run.rss_mb, runs, peaks, own)


def together(arguments: argparse.Namespace, scratch: Path) -> list[Poll]:
    with contextlib.ExitStack() as cleanup:
        sites = Sites(arguments.statements, arguments.documents, arguments.items, arguments.latency, cleanup)
        config, database = scratch / "together.toml", scratch / "together.sqlite3"
        config.write_text(sites.sources_config(), encoding="utf-8")
        env = default_env(sites.mirror, database) | {"KORUS_WATCH_CONFIG": str(config)}
        archive = Archive(database)
        cleanup.callback(archive.close)
        polls = [poll_all("baseline of every source", sites, env, archive, scratch),
                 poll_all("routine poll, nothing new", sites, env, archive, scratch)]
        sites.news()
        polls.append(poll_all("routine poll, something new in each source", sites, env, archive, scratch))
        sites.new_statement()
        polls.append(poll_all("the press office alone, a new statement", sites, env, archive, scratch,
                              "--source", PRESS_OFFICE))
        return polls


@dataclass
class Memory:
    polls: int
    samples: list[Sample] = field(default_factory=list)
    peak_rss: int = 0
    runs: dict[str, int] = field(default_factory=dict)  # succeeded polls by source, the baselines included
    rounds: int = 0
    alerts: int = 0
    expected_alerts: int = 0
    minutes: float = 0.0
    log_levels: Counter[str] = field(default_factory=Counter)  # serve's stderr: lines by level
    log_problems: list[str] = field(default_factory=list)  # its distinct warnings and errors


def memory(arguments: argparse.Namespace, scratch: Path) -> Memory:
    result = Memory(arguments.polls)
    with contextlib.ExitStack() as cleanup:
        sites = Sites(arguments.statements, arguments.documents, arguments.items, 0.0, cleanup)
        receiver = Receiver()
        cleanup.callback(receiver.stop)
        config, database = scratch / "serve.toml", scratch / "serve.sqlite3"
        write_config(config, arguments.interval_minutes, free_port(), receiver)
        with config.open("a", encoding="utf-8") as file:
            file.write("\n" + sites.sources_config())
        env = default_env(sites.mirror, database) | {"KORUS_WATCH_CONFIG": str(config)}
        archive = Archive(database)
        cleanup.callback(archive.close)
        stderr_path = scratch / "serve.stderr"
        with stderr_path.open("w") as stderr:
            serve = subprocess.Popen([KORUS_WATCH, "serve"], cwd=REPO, env=env, stdout=stderr, stderr=stderr)
        cleanup.callback(kill, serve)
        process = psutil.Process(serve.pid)

        def fewest() -> int:
            done = archive.succeeded_by_source()
            return min(done.get(source, 0) for source in SOURCES)

        log.info("serve pid %d; waiting for every source's baseline and first poll", serve.pid)
        wait_until(lambda: fewest() >= 2, "every source's baseline and first poll", 30 * 60, serve, stderr_path)
        result.samples.append(sample(process, 1))
        began, titles = time.monotonic(), []
        while (done := fewest() - 1) < arguments.polls:
            if done >= (sites.rounds + 1) * arguments.add_every:
                titles += sites.news()
                log.info("%d polls of each source, RSS %.1f MB; round %d added", done,
                         process.memory_info().rss / 2**20, sites.rounds)
            wait_until(lambda: fewest() - 1 > done, f"poll {done + 1} of every source", 10 * 60, serve,
                       stderr_path, step=0.1)
        result.samples.append(sample(process, fewest() - 1))
        result.peak_rss = vm_hwm(serve.pid)
        result.minutes = (time.monotonic() - began) / 60
        result.rounds, result.expected_alerts = sites.rounds, len(titles)
        wait_until(lambda: all(receiver.first_with(title, 0) for title in titles), "the alerts", 120, serve,
                   stderr_path, step=0.2)
        result.alerts = sum(1 for title in titles if receiver.first_with(title, 0))
        result.runs = dict(archive.succeeded_by_source())
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
        result.log_levels, result.log_problems = stderr_summary(stderr_path)
    return result


def source_rows(poll: Poll) -> list[str]:
    rows = []
    for source in SOURCES:
        run = poll.run(source)
        if run is None:
            continue
        rows.append(f"| {poll.name} | {source} | {run['finished_at'] - run['started_at']:.1f} | {run['requests']} | "
                    f"{run['not_modified']} | {run['new']} / {run['edited']} | {run['unchanged']} | "
                    f"{run['errors']} | {run['status']} |")
    return rows


def report(polls: list[Poll], result: Memory | None, arguments: argparse.Namespace,
           load: list[tuple[float, float, float]]) -> str:
    def met(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    def seconds(poll: Poll) -> float:
        assert poll.press_office_seconds is not None, f"{poll.name}: the press office was not polled"
        return poll.press_office_seconds

    baseline, quiet, news, alone = polls
    routine = max(seconds(quiet), seconds(news))
    loads = ", ".join("/".join(f"{x:.2f}" for x in triple) for triple in load)
    lines = [
        MARKERS[0],
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/all_sources_bench.py --statements "
        f"{arguments.statements} --documents {arguments.documents} --items {arguments.items} --latency "
        f"{arguments.latency:g} --polls {arguments.polls}` at commit {commit()}, on {machine()}; SQLite; load "
        f"averages (1/5/15 min) {loads} (before, after the polls together, after the memory run). Watched pages: "
        f"{2 + len(KorusSite().documents)} (the two KORUS pages and the agreement's PDFs); a listing of "
        f"{arguments.items} items, ten a page; {arguments.documents} Federal Register documents of 2012.",
        "",
        "Together, at the product's defaults (`korus-watch crawl` processes):",
        "",
        "| poll | process s | CPU s | peak RSS MB | the press office's poll s | requests in any one second: "
        + ", ".join(baseline.peaks) + " |",
        "|---|---:|---:|---:|---:|---|",
        *(f"| {p.name} | {p.wall:.1f} | {p.cpu:.1f} | {p.rss_mb:.0f} | {seconds(p):.1f} | "
          f"{', '.join(str(v) for v in p.peaks.values())} |" for p in polls),
        "",
        "| poll | source | run s | requests | 304s | new / edited | re-checked unchanged | errors | status |",
        "|---|---|---:|---:|---:|---|---:|---:|---|",
        *(row for p in polls for row in source_rows(p)),
        "",
        "",
        "The press office's poll: from its run's start to the press office's last answer (a `korus-watch crawl` "
        "records its runs once every source's crawl has ended: the runs' own times above are the process's crawl).",
        "",
        f"- The press office's routine poll while every source polls: at most {routine:.1f} s (target ≤ 30 s: "
        f"{met(routine <= 30)}); alone, with a new statement, {seconds(alone):.1f} s "
        f"({seconds(news) / seconds(alone):.2f}× alone for the poll with news).",
        f"- Baseline of every source together: {baseline.wall / 60:.1f} min; the press office's own "
        f"{seconds(baseline) / 60:.1f} min.",
    ]
    if result is not None:
        start, end = result.samples
        ratio = end.rss / start.rss
        levels, problems = result.log_levels, result.log_problems
        lines += [
            "",
            f"Memory of `korus-watch serve` with the four sources, each polled every "
            f"{arguments.interval_minutes * 60:g} s with the pace off ({result.polls} polls of each after its "
            f"baseline, {result.minutes:.1f} min; polls succeeded by source, baselines included: "
            f"{', '.join(f'{k} {v}' for k, v in sorted(result.runs.items()))}); something new in each source every "
            f"{arguments.add_every} polls ({result.rounds} rounds; {result.alerts} of their {result.expected_alerts} "
            "KORUS alerts received):",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| RSS after every source's baseline and first poll | {start.rss / 2**20:.1f} MB |",
            f"| RSS after {result.polls} polls of each | {end.rss / 2**20:.1f} MB |",
            f"| RSS end ÷ start | {ratio:.3f} |",
            f"| peak RSS (VmHWM, the baselines included) | {result.peak_rss / 2**20:.1f} MB |",
            f"| threads, open fds: start → end | {start.threads} → {end.threads}, {start.fds} → {end.fds} |",
            "",
            f"- RSS growth over {result.polls} polls of every source: {ratio:.3f}× (target ≤ 1.10: "
            f"{met(ratio <= 1.10)}).",
            f"- serve's stderr: {sum(levels.values())} lines"
            + (": " + "; ".join(f"`{p}`" for p in problems) if problems else ", no warnings or errors") + ".",
        ]
    lines.append(MARKERS[1])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=3000, help="the press office's statements")
    parser.add_argument("--documents", type=int, default=300, help="Federal Register documents the query matches")
    parser.add_argument("--items", type=int, default=200, help="items on the ministry's listing")
    parser.add_argument("--latency", type=float, default=0.15, help="the sites' seconds an answer, polled together")
    parser.add_argument("--polls", type=int, default=100, help="serve's polls of each source (0: no memory run)")
    parser.add_argument("--interval-minutes", type=float, default=0.02, help="serve's interval of every source")
    parser.add_argument("--add-every", type=int, default=20, help="something new in each source every this many polls")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (archives, serve's stderr)")
    parser.add_argument("--doc", type=Path, help="replace the marked results section of this Markdown file")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up runs
    scratch = Path(tempfile.mkdtemp(prefix="all-sources-bench-"))
    try:
        load = [os.getloadavg()]
        polls = together(arguments, scratch)
        load.append(os.getloadavg())
        result = memory(arguments, scratch) if arguments.polls else None
        load.append(os.getloadavg())
    finally:
        if arguments.keep:
            log.info("scratch directory kept: %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    section = report(polls, result, arguments, load)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, MARKERS)


if __name__ == "__main__":
    main()
