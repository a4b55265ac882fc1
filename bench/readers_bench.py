"""CPU per page of the readers of other sites (crawler/sources: watched pages, listings), on the imitation sites'
pages (testkit.sites), in this process, no network.

    python bench/readers_bench.py [--repeat 200] [--doc docs/benchmarks.md]

Each reading is repeated and timed with time.process_time (user + sys); the median of 5 rounds is reported. The
main-content rows show what the default extraction costs over a configured selector: a frame located by
trafilatura's content expressions, or trafilatura's whole extraction where a page has none (the board's item page).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pypdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.sources.listings.reader import read_item_page, read_list_page  # noqa: E402
from crawler.sources.listings.settings import ListingsSettings  # noqa: E402
from crawler.sources.pages.reader import read_page  # noqa: E402
from crawler.sources.pages.settings import PagesSettings  # noqa: E402
from testkit.sites import KorusSite, MinistrySite  # noqa: E402
from testkit.sites.korus import FINAL_TEXT, LANDING  # noqa: E402
from testkit.sites.ministry import BOARD  # noqa: E402
from testkit.sites.pdf import text_pdf  # noqa: E402

MARKERS = ("<!-- readers_bench: start -->", "<!-- readers_bench: end -->")
HTML = {"Content-Type": "text/html; charset=utf-8"}


def cases() -> list[tuple[str, int, int, Callable[[], object]]]:
    """(what, bytes read, pages read, the reading)."""
    korus, ministry = KorusSite(), MinistrySite()
    landing, final_text = korus.respond(LANDING, "").body, korus.respond(FINAL_TEXT, "").body
    url = "https://ustr.gov" + FINAL_TEXT
    by_selector = PagesSettings(name="korus-fta", urls=[url], selector=".field--name-body")
    by_default = PagesSettings(name="korus-fta", urls=[url])
    article = " ".join(["Each Party shall accord national treatment to the goods of the other Party in accordance "
                        "with Article III of the GATT 1994, including its interpretive notes."] * 4)
    pdf = text_pdf([f"Article 2.{n}: {article}" for n in range(1, 61)], title="Chapter Two")
    pdf_pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    listing = ListingsSettings(name="motir", url="https://english.motir.go.kr" + BOARD, item="ul.board_list > li",
                               date=".date", next="a.next", body=".view_content")
    board = ministry.respond(BOARD, "").body
    release = ministry.newest_first()[0]
    item = ministry.respond(release.path, "").body
    item_url = "https://english.motir.go.kr" + release.path
    return [
        ("KORUS landing page, main content", len(landing), 1,
         lambda: read_page(url, 200, HTML, landing, by_default)),
        ("KORUS final-text page (32 links), selector", len(final_text), 1,
         lambda: read_page(url, 200, HTML, final_text, by_selector)),
        ("KORUS final-text page (32 links), main content", len(final_text), 1,
         lambda: read_page(url, 200, HTML, final_text, by_default)),
        ("board list page (3 items)", len(board), 1, lambda: read_list_page(listing.url, 200, HTML, board, listing)),
        ("board item page, body selector", len(item), 1,
         lambda: read_item_page(item_url, 200, HTML, item, listing)),
        ("board item page, main content (trafilatura's extraction)", len(item), 1,
         lambda: read_item_page(item_url, 200, HTML, item, listing.model_copy(update={"body": None}))),
        (f"PDF of {pdf_pages} pages (pypdf's layout mode)", len(pdf), pdf_pages,
         lambda: read_page(url, 200, {"Content-Type": "application/pdf"}, pdf, by_default)),
    ]


def measure(reading: Callable[[], object], repeat: int) -> float:
    reading()  # warm: imports, compiled selectors
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            reading()
        rounds.append((time.process_time() - start) / repeat)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--doc", type=Path, help="replace the marked results section of this file")
    arguments = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    for what, size, pages, reading in cases():
        seconds = measure(reading, max(1, arguments.repeat // pages)) / pages
        rows.append(f"| {what} | {size / 1024:.1f} | {seconds * 1000:.2f} |")
    version = importlib.metadata.version
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    section = "\n".join([
        MARKERS[0],
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/readers_bench.py --repeat {arguments.repeat}` "
        f"at commit {commit.stdout.strip()}, on {os.cpu_count()} CPUs ({platform.machine()}), Python "
        f"{platform.python_version()}, trafilatura {version('trafilatura')}, pypdf {version('pypdf')}, lxml "
        f"{version('lxml')}, nh3 {version('nh3')}; 1-minute load average {load_before:.2f} before the run, "
        f"{os.getloadavg()[0]:.2f} after.",
        "",
        "| reading | KiB | CPU ms per page |",
        "|---|---:|---:|",
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
