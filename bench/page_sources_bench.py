"""Polls of watched pages and of another site's listing at the product's defaults (politeness on: at most 10
requests a second, AutoThrottle's replacement on), by `korus-watch crawl --source NAME` processes as a user runs
them, against the imitation sites (testkit.sites) on 127.0.0.1, into a SQLite archive of their own.

    python bench/page_sources_bench.py [--pages 34] [--items 200] [--doc docs/benchmarks.md]

Watched pages: the KORUS landing and final-text pages and the agreement's PDFs (`--pages` in all). The listing: a
ministry's board of `--items` releases, ten a list page, read at the listing's defaults (a baseline reads up to 20
list pages, a routine poll up to 2). Each source is polled on its own (both imitations are on 127.0.0.1, which the
politeness policy would pace as one host). For each poll: wall time (the process from start to exit, and the crawl run
from its start to its end as the archive recorded them), the requests korus-watch counted, its 304s, and what the
server answered.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from testkit.sites import KorusSite, MinistrySite, SiteServer  # noqa: E402
from testkit.sites.korus import FINAL_TEXT, LANDING  # noqa: E402
from testkit.sites.ministry import BOARD  # noqa: E402

MARKERS = ("<!-- page_sources_bench: start -->", "<!-- page_sources_bench: end -->")
_SUMMARY = re.compile(r"requests (\d+), 304s (\d+), errors (\d+)")
_COUNTS = re.compile(r"new (\d+), edited (\d+), removed (\d+)")


def configure(path: Path, korus: SiteServer, pages: list[str], ministry: SiteServer) -> None:
    path.write_text(
        "[[sources.pages]]\n"
        'name = "korus-fta"\n'
        f"urls = {json.dumps([korus.url(p) for p in pages])}\n"
        'selector = ".field--name-body"\n\n'
        "[[sources.listings]]\n"
        'name = "motir"\n'
        f'url = "{ministry.url(BOARD)}"\n'
        'item = "ul.board_list > li"\ndate = ".date"\nnext = "a.next"\nbody = ".view_content"\n',
        encoding="utf-8",
    )


def poll(env: dict[str, str], archive: Path, source: str, server: SiteServer) -> tuple[str, float, float, int]:
    """The crawl's summary line, the process's wall time, the crawl run's own (its start to its end, as recorded),
    and how many requests the server saw."""
    before = len(server.requests)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "korus_watch", "crawl", "--source", source], cwd=REPO, env=env,
                            capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"crawl of {source} exited {result.returncode}:\n{result.stdout}\n{result.stderr[-3000:]}")
    with sqlite3.connect(archive) as connection:
        started, finished = connection.execute(
            "SELECT started_at, finished_at FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    crawl = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return result.stdout.strip(), wall, crawl, len(server.requests) - before


def row(what: str, summary: str, wall: float, crawl: float, served: int) -> str:
    requests, not_modified, errors = _SUMMARY.search(summary).groups()  # type: ignore[union-attr]
    new, edited, removed = _COUNTS.search(summary).groups()  # type: ignore[union-attr]
    return (f"| {what} | {wall:.1f} | {crawl:.1f} | {requests} | {not_modified} | {served} | "
            f"{int(requests) / crawl:.1f} | {new} / {edited} / {removed} | {errors} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=34, help="watched pages: the 2 KORUS pages and up to 32 PDFs")
    parser.add_argument("--items", type=int, default=200, help="releases on the listing")
    parser.add_argument("--doc", type=Path, help="replace the marked results section of this file")
    arguments = parser.parse_args()

    korus_site, ministry_site = KorusSite(), MinistrySite(page_size=10)
    for number in range(arguments.items - len(ministry_site.releases)):
        day = date(2026, 5, 1) - timedelta(days=number)
        ministry_site.publish(f"Release number {number} of the ministry", [
            f"Sejong, {day:%B} {day.day}, {day.year} - The Ministry announced measure {number}.",
            "The two sides reviewed the implementation of the KORUS FTA.",
        ], day.isoformat())
    pdfs = [document.path for document in korus_site.documents][: max(0, arguments.pages - 2)]
    watched = [LANDING, FINAL_TEXT, *pdfs]
    load_before = os.getloadavg()[0]
    rows = []
    with (SiteServer(korus_site, etags=True) as korus, SiteServer(ministry_site, etags=True) as ministry,
          tempfile.TemporaryDirectory() as folder):
        config = Path(folder) / "korus-watch.toml"
        configure(config, korus, watched, ministry)
        archive = Path(folder) / "archive.sqlite3"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
               "KORUS_WATCH_CONFIG": str(config), "KORUS_WATCH_DATABASE__URL": f"sqlite:///{archive}"}
        pages_what = f"{len(watched)} watched pages (2 HTML, {len(pdfs)} PDFs)"
        rows.append(row(f"{pages_what}: baseline", *poll(env, archive, "korus-fta", korus)))
        rows.append(row(f"{pages_what}: nothing changed", *poll(env, archive, "korus-fta", korus)))
        korus_site.edit_page("landing", "at least once a year", "at least twice a year")
        korus_site.add_document("annexes", "Annex IV: Digital Trade")
        rows.append(row(f"{pages_what}: a text edit, a new annex link", *poll(env, archive, "korus-fta", korus)))
        listing_what = f"listing of {len(ministry_site.releases)} items, 10 a page"
        rows.append(row(f"{listing_what}: baseline", *poll(env, archive, "motir", ministry)))
        rows.append(row(f"{listing_what}: nothing changed", *poll(env, archive, "motir", ministry)))
        ministry_site.publish("Korea and U.S. sign KORUS amendment", ["Signed in Washington."], "2026-12-01")
        ministry_site.edit(ministry_site.newest_first()[1].path, "reviewed", "examined")
        rows.append(row(f"{listing_what}: a new item, an edit on page 1", *poll(env, archive, "motir", ministry)))
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    section = "\n".join([
        MARKERS[0],
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/page_sources_bench.py --pages "
        f"{arguments.pages} --items {arguments.items}` at commit {commit.stdout.strip()}, on {os.cpu_count()} CPUs "
        f"({platform.machine()}), Python {platform.python_version()}, SQLite; 1-minute load average "
        f"{load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after.",
        "",
        "| poll | process s | crawl s | requests | 304s | server saw | requests/s of the crawl | new / edited / removed "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
        *rows,
        MARKERS[1],
    ])
    print(section)
    if arguments.doc:
        text = arguments.doc.read_text()
        start, end = text.index(MARKERS[0]), text.index(MARKERS[1]) + len(MARKERS[1])
        arguments.doc.write_text(text[:start] + section + text[end:])


if __name__ == "__main__":
    main()
