"""Federal Register benchmark: a source's baseline of a generated register at the product's defaults, against the
imitation of the API (testkit.federal_register) answering each request after `--latency` seconds.

    python bench/federal_register_bench.py --documents 2000 [--latency 0.1] [--doc docs/benchmarks.md]

Runs, each `korus-watch crawl --source fr-korus` as a child process (wall time from spawn to exit, CPU and peak RSS
from os.wait4), with the default [crawl] settings and the source's defaults (the API's 5 requests a second, 1,000
documents a listing page): the baseline of `--documents` documents published over 2012; a routine poll with nothing
new; a routine poll with one new document. For each, what the API saw (the imitation's timed log): requests,
the peak in any one second, and the requests by kind (listing, document JSON, text).

Targets (issue 16): the baseline of 2,000 documents within 10 minutes and never over 5 requests a second; a routine
poll with nothing new within 3 requests (robots.txt aside).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # testkit

from crawl_bench import commit, machine, write_doc  # noqa: E402

from testkit.federal_register import FederalRegisterServer, FrDocument, generated_register  # noqa: E402
from testkit.federal_register.fixtures import KORUS_TERM, USTR  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
KORUS_WATCH = str(Path(sys.executable).with_name("korus-watch"))
MARKERS = ("<!-- federal_register_bench results: start -->", "<!-- federal_register_bench results: end -->")
SOURCE = "fr-korus"


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    printed: str
    requests: int
    peak_per_second: int
    by_kind: Counter[str]

    @property
    def api_requests(self) -> int:
        return self.requests - self.by_kind["robots.txt"]


def kind_of(path: str) -> str:
    if path == "/robots.txt":
        return "robots.txt"
    if path == "/api/v1/documents.json":
        return "listing"
    if path.startswith("/api/v1/documents/"):
        return "document JSON"
    return "text" if path.startswith("/documents/full_text/") else "other"


def crawl(name: str, env: dict[str, str], server: FederalRegisterServer, scratch: Path) -> Run:
    server.clear_log()
    started = time.monotonic()
    with (scratch / f"{name}.out").open("w") as out, (scratch / f"{name}.err").open("w") as err:
        process = subprocess.Popen([KORUS_WATCH, "crawl", "--source", SOURCE], cwd=REPO, env=env, stdout=out,
                                   stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    printed = (scratch / f"{name}.out").read_text().strip()
    if status != 0:
        raise SystemExit(f"{name}: exit status {status}\n{printed}\n{(scratch / f'{name}.err').read_text()}")
    summary = server.request_log.summary(1.0)
    return Run(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, printed,
               int(summary["requests"] or 0), int(summary["peak_requests_per_second"] or 0),
               Counter(kind_of(request.path) for request in server.requests))


def benchmark(documents: int, latency: float, scratch: Path) -> list[Run]:
    register = generated_register(documents, year=2012)
    with FederalRegisterServer(register, latency=latency) as server:
        config = scratch / "korus-watch.toml"
        # The defaults: only what says where the source is and what it asks for.
        config.write_text(f'[[sources.federal_register]]\nname = "{SOURCE}"\napi_url = "{server.api_url}"\n'
                          f"term = '{KORUS_TERM}'\nsince = \"2012-01-01\"\n")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
               "KORUS_WATCH_CONFIG": str(config), "KORUS_WATCH_DATABASE__URL": f"sqlite:///{scratch / 'archive.db'}",
               "KORUS_WATCH_LOGGING__LEVEL": "WARNING"}
        runs = [crawl("baseline", env, server, scratch), crawl("routine poll, nothing new", env, server, scratch)]
        register.add(FrDocument(
            document_number="2026-20001", publication_date=date(2026, 11, 2), type="Notice", agencies=(USTR,),
            title="Implementation of a Modification to the KORUS Rules of Origin", abstract=None,
            paragraphs=["The KORUS Joint Committee agreed a modification of the rules of origin."], volume=91,
            start_page=70001, end_page=70001))
        runs.append(crawl("routine poll, one new document", env, server, scratch))
        return runs


def report(runs: list[Run], documents: int, latency: float) -> str:
    baseline, quiet = runs[0], runs[1]
    rows = [
        f"| {run.name} | {run.wall:.1f} | {run.cpu:.1f} | {run.rss_mb:.0f} | {run.requests} | "
        f"{', '.join(f'{kind} {count}' for kind, count in sorted(run.by_kind.items()))} | {run.peak_per_second} | "
        f"{run.printed} |"
        for run in runs
    ]
    peak = max(run.peak_per_second for run in runs)
    met = {True: "met", False: "**missed**"}
    targets = [
        f"Baseline of {documents} documents: {baseline.wall / 60:.1f} min (target ≤ 10 min: "
        f"{met[baseline.wall <= 600]}), {baseline.requests / baseline.wall:.2f} requests a second on average.",
        f"Peak requests in any one second, all runs: {peak} (target ≤ 5: {met[peak <= 5]}).",
        f"Routine poll with nothing new: {quiet.api_requests} requests to the API, robots.txt aside (target ≤ 3: "
        f"{met[quiet.api_requests <= 3]}).",
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        MARKERS[0],
        f"Run {when} (commit {commit()}) with `python bench/federal_register_bench.py --documents {documents} "
        f"--latency {latency}` on {machine()}; SQLite; the product's defaults (crawl and source).",
        "",
        "| run | wall s | CPU s | peak RSS MB | requests | by kind | peak/s | what it printed |",
        "|---|---:|---:|---:|---:|---|---:|---|",
        *rows, "", *(f"- {line}" for line in targets), MARKERS[1],
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the imitation takes to answer")
    parser.add_argument("--doc", type=Path, help="write the results into this Markdown file")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fr-bench-") as scratch:
        runs = benchmark(arguments.documents, arguments.latency, Path(scratch))
    section = report(runs, arguments.documents, arguments.latency)
    print(section)
    if arguments.doc:
        write_doc(arguments.doc, section, MARKERS)


if __name__ == "__main__":
    main()
