"""Crawl CPU of several checkouts of korus-watch, alternated in one invocation: did a change cost CPU?

Each checkout (a `git worktree` at the commit to compare) runs `korus-watch crawl` twice into a fresh SQLite archive
of a generated mirror served from this checkout: a full backfill, then a poll with nothing changed. The rounds go
forwards and backwards through the checkouts, so that the machine's changing load falls on all of them alike. CPU is
the process's (user + sys, interpreter start-up included) and the crawl's own as it logs it (`cpu=`). All run with
this checkout's interpreter: each checkout's packages are imported from its own folder, which comes first on the path.

    git worktree add --detach /tmp/kw-before a66e76e
    .venv/bin/python bench/crawl_ab.py --statements 1000 --rounds 4 before=/tmp/kw-before after=.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from crawl_bench import Mirror


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl(checkout: Path, folder: Path, base_url: str) -> tuple[float, float]:
    """One `korus-watch crawl` of `checkout` into the archive in `folder`: (process CPU s, the crawl's own CPU s)."""
    config = folder / "korus-watch.toml"
    # The pace off, for CPU figures; a checkout from before the request cap reads only the first setting.
    has_cap = "max_requests_per_second" in (checkout / "crawler" / "settings.py").read_text(encoding="utf-8")
    config.write_text("[crawl]\nautothrottle = false\n" + ("max_requests_per_second = 100000\n" if has_cap else ""),
                      encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("KORUS_WATCH_")}
    env.update(KORUS_WATCH_CONFIG=str(config), KORUS_WATCH_DATABASE__URL=f"sqlite:///{folder / 'archive.sqlite3'}",
               KORUS_WATCH_CRAWL__BASE_URL=base_url)
    before = child_cpu()
    result = subprocess.run([sys.executable, "-m", "korus_watch", "crawl"], cwd=checkout, env=env,
                            capture_output=True, text=True, check=False)
    spent = child_cpu() - before
    if result.returncode != 0:
        raise SystemExit(f"{checkout}: korus-watch crawl exited {result.returncode}\n{result.stderr[-3000:]}")
    own = re.findall(r"cpu=([\d.]+)s", result.stderr)
    return spent, float(own[-1]) if own else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", nargs="+", metavar="NAME=PATH")
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    checkouts = {name: Path(path).resolve() for name, path in (item.split("=", 1) for item in arguments.checkouts)}

    mirror = Mirror(arguments.statements)
    runs: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in checkouts}
    try:
        for round_number in range(arguments.rounds):
            order = list(checkouts) if round_number % 2 == 0 else list(checkouts)[::-1]
            for name in order:
                with tempfile.TemporaryDirectory() as folder:
                    backfill = crawl(checkouts[name], Path(folder), mirror.url)
                    poll = crawl(checkouts[name], Path(folder), mirror.url)
                runs[name].append((*backfill, *poll))
                print(f"{name}: backfill CPU {backfill[0]:.2f} s (crawl's own {backfill[1]:.2f} s), "
                      f"no-change poll CPU {poll[0]:.2f} s (crawl's own {poll[1]:.2f} s)", flush=True)
    finally:
        mirror.stop()

    print(f"\n{arguments.statements} statements, {arguments.rounds} rounds; means (s):")
    print("| checkout | backfill CPU | backfill, crawl's own | no-change poll CPU | poll, crawl's own |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in runs.items():
        means = [statistics.mean(column) for column in zip(*rows, strict=True)]
        print(f"| {name} | " + " | ".join(f"{value:.2f}" for value in means) + " |")


if __name__ == "__main__":
    main()
