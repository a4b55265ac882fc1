"""What judging edits (archive.significance) costs a poll: a poll that finds 50 edits, with and without it.

    python bench/significance_bench.py [--statements 120] [--edits 50] [--repeats 5] [--doc docs/benchmarks.md]

A generated mirror (`python -m testkit.mirror`, its own process) of `--statements` statements is crawled into a
fresh SQLite archive; then `--edits` of them are edited on the mirror, five kinds in turn (a sentence added, a word
inserted, "will" made "will not", a comma made a semicolon, the last paragraph dropped), and `korus-watch crawl
--full` re-checks every statement: the poll that finds the 50 edits (about the share of changed statements the
redesign guard lets through; a routine poll of a 3,000-statement archive re-checks some 120). It runs `--repeats` times each way from a copy
of the archive as it was before the edits, alternating: as shipped, and with `archive.significance.judge`
replaced by a constant (the rest of the path, the extra read of the old version's text included, unchanged). The
crawl's own CPU (crawl_runs.cpu_seconds: without interpreter start-up) and the process's CPU are compared by their
medians. Separately, a fresh process judges the poll's 50 version pairs from the archive, timed on its own (the
lazy import of dateutil included): the classification's CPU with no noise from the crawl around it.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from crawl_bench import KORUS_WATCH, REPO, Mirror, commit, crawl_env, machine, measure, write_doc

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # testkit is not installed with the package
from testkit.mirror.generated import generated_site  # noqa: E402

log = logging.getLogger("significance_bench")

MARKERS = ("<!-- significance_bench results: start -->", "<!-- significance_bench results: end -->")
TARGET = 0.05
# korus-watch with the judgement replaced by a constant: patched before the writer imports it.
WITHOUT_JUDGING = (
    "import archive.significance as s; "
    "s.judge = lambda kind, before, after: s.Judgement(s.Significance.SUBSTANTIVE, []); "
    "from korus_watch.cli import main; main()"
)
JUDGE_STORED_EDITS = """
import decimal, difflib, json, sqlite3, sys, time, typing, unicodedata
from datetime import date
started = time.process_time()  # the standard library's modules above are every process's anyway
from archive.significance import VersionText, judge_edit
imported = time.process_time()
db = sqlite3.connect(sys.argv[1])
def text(version_id):
    title, body, published = db.execute(
        "SELECT title, body_text, published_on FROM versions WHERE id = ?", (version_id,)).fetchone()
    terms = {topic: tuple(json.loads(matched)) for topic, matched in db.execute(
        "SELECT topic, matched_terms FROM topic_relevance WHERE version_id = ?", (version_id,))}
    return VersionText(title, body, date.fromisoformat(published) if published else None, terms)
pairs = [(text(a), text(b)) for a, b in db.execute(
    "SELECT from_version_id, to_version_id FROM change_events WHERE kind = 'edited' ORDER BY id")]
before = time.process_time()
levels = [judge_edit(old, new).level.value for old, new in pairs]
cold = time.process_time() - before
before = time.process_time()
for old, new in pairs:
    judge_edit(old, new)
print(len(pairs), imported - started, cold, time.process_time() - before, " ".join(levels))
"""


def edited(paragraphs: list[str], kind: int) -> list[str]:
    """One of five edits USTR makes, each sure to change the text."""
    changed = list(paragraphs)
    if kind == 0 or (kind == 4 and len(changed) < 2):
        changed[-1] += " Both sides will meet again in Washington on June 12, 2026."
    elif kind == 1:
        word = next(w for w in changed[0].split() if w.isalpha() and w.islower() and len(w) > 5)
        changed[0] = changed[0].replace(f" {word}", f" key {word}", 1)
    elif kind == 2 and any(" will " in p for p in changed):
        index = next(i for i, p in enumerate(changed) if " will " in p)
        changed[index] = changed[index].replace(" will ", " will not ", 1)
    elif kind == 2 or kind == 3:
        index = next((i for i, p in enumerate(changed) if ", " in p), 0)
        changed[index] = changed[index].replace(", ", "; ", 1) if ", " in changed[index] else changed[index] + "."
    else:
        changed = changed[:-1]
    return changed


@dataclass
class Poll:
    judged: bool
    crawl_cpu: float
    process_cpu: float
    edited: int


def copy_archive(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite archive in WAL mode (its -wal file included), replacing the target's files."""
    for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)


def poll(env: dict[str, str], mirror: Mirror, scratch: Path, saved: Path, database: Path, judged: bool) -> Poll:
    copy_archive(saved, database)
    command = ([KORUS_WATCH] if judged else [sys.executable, "-c", WITHOUT_JUDGING]) + ["crawl", "--full"]
    run = measure(f"crawl --full, {'judged' if judged else 'not judged'}", command, env, mirror, scratch)
    with sqlite3.connect(database) as db:
        crawl_cpu, edits = db.execute("SELECT cpu_seconds, edited FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    return Poll(judged, crawl_cpu, run.cpu, edits)


def benchmark(statements: int, edits: int, repeats: int, scratch: Path) -> str:
    mirror = Mirror(statements)
    try:
        database, saved = scratch / "archive.sqlite3", scratch / "before-edits.sqlite3"
        env = crawl_env(mirror, database)
        measure("baseline crawl", [KORUS_WATCH, "crawl"], env, mirror, scratch)
        copy_archive(database, saved)
        site = generated_site(statements)  # the mirror's own statements: the generator is deterministic
        for index, statement in enumerate(site.statements[:edits]):
            mirror.control("edit", {"path": statement.path, "paragraphs": edited(statement.paragraphs, index % 5)})
        polls = []
        for _ in range(repeats):
            for judged in (True, False):
                polls.append(poll(env, mirror, scratch, saved, database, judged))
        judging = subprocess.run([sys.executable, "-c", JUDGE_STORED_EDITS, str(database)], cwd=REPO, env=env,
                                 check=True, capture_output=True, text=True).stdout.split()
    finally:
        mirror.stop()
    return report(polls, judging, statements, edits, repeats)


def report(polls: list[Poll], judging: list[str], statements: int, edits: int, repeats: int) -> str:
    judged = [p for p in polls if p.judged]
    plain = [p for p in polls if not p.judged]
    pairs, import_cpu, judge_cpu, warm_cpu = int(judging[0]), float(judging[1]), float(judging[2]), float(judging[3])
    levels = {level: judging[4:].count(level) for level in ("substantive", "wording", "cosmetic")}
    crawl_with, crawl_without = median(p.crawl_cpu for p in judged), median(p.crawl_cpu for p in plain)
    process_with, process_without = median(p.process_cpu for p in judged), median(p.process_cpu for p in plain)
    direct = judge_cpu / crawl_without
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/significance_bench.py --statements "
        f"{statements} --edits {edits} --repeats {repeats}` at commit {commit()}, on {machine()}; 1-minute load "
        f"average {os.getloadavg()[0]:.2f} after the run.",
        "",
        "| the poll that finds the edits (`crawl --full`) | judged | not judged | difference |",
        "|---|---|---|---|",
        f"| crawl's own CPU s (median of {repeats}) | {crawl_with:.3f} | {crawl_without:.3f} | "
        f"{crawl_with - crawl_without:+.3f} ({(crawl_with - crawl_without) / crawl_without:+.1%}) |",
        f"| process CPU s, start-up included (median of {repeats}) | {process_with:.2f} | {process_without:.2f} | "
        f"{process_with - process_without:+.2f} ({(process_with - process_without) / process_without:+.1%}) |",
        f"| edits recorded | {judged[0].edited} | {plain[0].edited} | |",
        "",
        f"- Judging the poll's {pairs} edits on their own, in a fresh process: {judge_cpu * 1000:.1f} ms CPU "
        f"({judge_cpu / max(pairs, 1) * 1000:.2f} ms an edit, python-dateutil's import when a date changed "
        f"included; {warm_cpu * 1000:.1f} ms the second time, as in a long-running `serve`; importing the "
        f"classifier {import_cpu * 1000:.0f} ms, which every korus-watch process pays anyway at start), "
        f"{direct:.1%} of the crawl's own CPU of the poll without "
        f"it (target ≤ {TARGET:.0%}: **{'met' if direct <= TARGET else 'missed'}**). Levels: "
        + ", ".join(f"{count} {level}" for level, count in levels.items()) + ".",
        f"- Every crawl's own CPU, judged: {', '.join(f'{p.crawl_cpu:.3f}' for p in judged)}; not judged: "
        f"{', '.join(f'{p.crawl_cpu:.3f}' for p in plain)}.",
    ]
    return "\n".join([MARKERS[0], *lines, MARKERS[1]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=120, help="size of the generated mirror")
    parser.add_argument("--edits", type=int, default=50, help="statements edited before the measured poll")
    parser.add_argument("--repeats", type=int, default=5, help="polls each way")
    parser.add_argument("--doc", type=Path, help="write the results into this Markdown file's marked section")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    scratch = Path(tempfile.mkdtemp(prefix="significance-bench-"))
    try:
        section = benchmark(arguments.statements, arguments.edits, arguments.repeats, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, MARKERS)


if __name__ == "__main__":
    main()
