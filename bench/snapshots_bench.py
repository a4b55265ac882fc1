"""Snapshots benchmark (issue 17): what keeping every response costs in storage, and how long re-reading and exporting
the archive take, on a generated mirror of the press office (a photo caption beside every statement's body).

    python bench/snapshots_bench.py --statements 3000 [--doc docs/benchmarks.md]

Runs, each a `korus-watch` child process into one SQLite archive: the baseline crawl; 10% of the statements edited
and every page's chrome changed, then `crawl --full` (so that every statement has a second response, and a tenth a
second version); storage per statement of the snapshot tables (SQLite's dbstat) with every snapshot kept
(`keep_snapshots = "all"`) and after housekeeping's pruning to "versions"; `reextract` with today's extractor
(every item read, none differs) and with an upgraded one that also reads the captions (testkit.extractor_upgrade:
every item differs, a version each); `export --warc` of the whole archive, with its peak RSS, and `warcio check` of
the file. A poll's CPU with snapshots against without is bench/crawl_ab.py's (a checkout from before them)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import httpx
from crawl_bench import KORUS_WATCH, REPO, Mirror, crawl_env, machine, measure, write_doc

MARKERS = ("<!-- snapshots_bench results: start -->", "<!-- snapshots_bench results: end -->")
SNAPSHOT_TABLES = ("snapshot_bodies", "snapshots", "snapshot_companions", "ix_snapshots_source",
                   "ix_snapshots_body_sha256", "ix_snapshots_fetched_at", "sqlite_autoindex_snapshot_bodies_1")


def snapshot_bytes(database: Path) -> tuple[int, int, int]:
    """Bytes of the snapshot tables and their indexes (SQLite pages), snapshots, bodies."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        pages = dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        snapshots = connection.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
        bodies = connection.execute("SELECT COUNT(*) FROM snapshot_bodies").fetchone()[0]
    return sum(pages.get(name, 0) for name in SNAPSHOT_TABLES), snapshots, bodies


def prune(env: dict[str, str]) -> None:
    code = "from korus_watch.settings import load_settings; from archive.db import Database; " \
           "from scheduler.housekeeping import prune; s = load_settings(); " \
           "print(prune(Database(s.database.url), 90, 'versions'))"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True)


def benchmark(statements: int, scratch: Path) -> list[str]:
    mirror = Mirror(statements)
    try:
        paths = httpx.get(f"{mirror.url}/_mirror/statements", timeout=60).json()["paths"]
        for path in paths:
            mirror.control("set_caption", {"path": path, "caption": "The Trade Representative at the signing."})
        database = scratch / "archive.sqlite3"
        env = crawl_env(mirror, database)
        baseline = measure("baseline crawl", [KORUS_WATCH, "crawl"], env, mirror, scratch)
        for path in paths[::10]:
            mirror.control("edit", {"path": path, "title": "An edited title for the benchmark"})
        mirror.control("set_chrome", {"text": "A new footer, on every page"})
        full = measure("crawl --full", [KORUS_WATCH, "crawl", "--full"], env, mirror, scratch)
        all_bytes, all_snapshots, all_bodies = snapshot_bytes(database)
        prune(env)
        kept_bytes, kept_snapshots, kept_bodies = snapshot_bytes(database)
        same = measure("reextract, today's extractor", [KORUS_WATCH, "reextract"], env, mirror, scratch)
        upgraded = measure("reextract, upgraded extractor",
                           [sys.executable, "-m", "testkit.extractor_upgrade", "reextract"], env, mirror, scratch)
        warc = scratch / "archive.warc.gz"
        export = measure("export --warc", [KORUS_WATCH, "export", "--warc", str(warc)], env, mirror, scratch)
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(warc)],
                               capture_output=True, text=True)
    finally:
        mirror.stop()
    per = statements
    rows = [
        "| run | wall s | CPU s | peak RSS MB | what it printed |", "|---|---:|---:|---:|---|",
        *(f"| {run.name} | {run.wall:.1f} | {run.cpu:.1f} | {run.rss_mb:.0f} | "
          f"{run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ''} |"
          for run in (baseline, full, same, upgraded, export)),
    ]
    return [
        f"Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with `python bench/snapshots_bench.py --statements "
        f"{statements}` on {machine()}; SQLite; the pace off.", "", *rows, "",
        f"- Storage, every snapshot kept (`keep_snapshots = \"all\"`): {all_snapshots} snapshots, {all_bodies} "
        f"bodies, {all_bytes:,} bytes in the snapshot tables and their indexes: **{all_bytes / per:,.0f} bytes per "
        f"statement** (two responses of each statement and the listing pages of two polls).",
        f"- After pruning to `keep_snapshots = \"versions\"`: {kept_snapshots} snapshots, {kept_bodies} bodies, "
        f"{kept_bytes:,} bytes: **{kept_bytes / per:,.0f} bytes per statement**.",
        f"- `reextract` of {statements} statements: {same.wall:.1f} s with today's extractor (none differs), "
        f"{upgraded.wall:.1f} s with an upgraded one (each differs: a version recorded for each) (target ≤ 60 s: "
        f"{'**met**' if max(same.wall, upgraded.wall) <= 60 else '**missed**'}).",
        f"- `export --warc` of the whole archive: {warc.stat().st_size:,} bytes written, peak RSS "
        f"{export.rss_mb:.0f} MiB (target ≤ 150 MiB: {'**met**' if export.rss_mb <= 150 else '**missed**'}); "
        f"`warcio check`: {'passes' if check.returncode == 0 else 'FAILS: ' + check.stdout[-300:]}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--doc", type=Path)
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="snapshots-bench-"))
    try:
        lines = benchmark(arguments.statements, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    section = "\n".join([MARKERS[0], *lines, MARKERS[1]])
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, MARKERS)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
