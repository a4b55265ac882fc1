"""The command line as people use it: exit codes scripts rely on, options where people put them, listings that
say what they hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.db import Database
from archive.models import PRESS_OFFICE, CrawlRun, RunStatus, utcnow
from archive.product import VERSION
from testkit.mirror import MirrorServer, MirrorSite
from testkit.notify_support import channel_toml
from tests.conftest import REPO, KorusWatch
from tests.test_crawl import SEED_SLUG, by_slug


def test_status_exit_codes_say_whether_all_is_well(korus_watch: KorusWatch, db: Database,
                                                   mirror: MirrorServer) -> None:
    assert korus_watch.run("status").returncode == 0  # no crawl yet: nothing has gone wrong
    korus_watch.run("crawl")
    assert korus_watch.run("status").returncode == 0

    with db.sessions.begin() as session:
        session.add(CrawlRun(source=PRESS_OFFICE, status=RunStatus.FAILED, finished_at=utcnow(),
                             message="the crawl timed out"))
    failed = korus_watch.run("status", check=False)
    assert failed.returncode == 3 and "last crawl" in failed.stdout and "failed" in failed.stdout
    assert korus_watch.run("status", "--json", check=False).returncode == 3

    mirror.stop()  # the site down: the crawl fails and opens a health problem
    assert korus_watch.run("crawl", check=False).returncode == 1
    problem = korus_watch.run("status", check=False)
    assert problem.returncode == 4 and "HEALTH PROBLEM unreachable" in problem.stdout
    as_json = korus_watch.run("status", "--json", check=False)
    assert as_json.returncode == 4 and json.loads(as_json.stdout)["health_problems"]


def run_plain(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """korus-watch with no configuration from the environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KORUS_WATCH_")}
    return subprocess.run([sys.executable, "-m", "korus_watch", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_version() -> None:
    result = run_plain("--version", cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == f"korus-watch, version {VERSION}"


def test_config_goes_before_or_after_the_command(tmp_path: Path) -> None:
    before, after = tmp_path / "before.toml", tmp_path / "after.toml"
    before.write_text(channel_toml(name="from-before", type="slack", url="https://example.org/a"), encoding="utf-8")
    after.write_text(channel_toml(name="from-after", type="slack", url="https://example.org/b"), encoding="utf-8")
    assert "from-before" in run_plain("--config", str(before), "channels", cwd=tmp_path).stdout
    assert "from-after" in run_plain("channels", "--config", str(after), cwd=tmp_path).stdout
    # Both: the one nearer the command wins, as it reads.
    both = run_plain("--config", str(before), "channels", "--config", str(after), cwd=tmp_path).stdout
    assert "from-after" in both and "from-before" not in both
    missing = run_plain("channels", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert missing.returncode == 1 and "nope.toml does not exist" in missing.stderr


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_listings_with_nothing_in_them_say_so(korus_watch: KorusWatch) -> None:
    assert korus_watch.run("events").stdout.strip() == "no events"
    assert korus_watch.run("events", "--since", "2026-11-01", "--topic", "korus").stdout.strip() == (
        "no events since 2026-11-01 about korus")
    assert korus_watch.run("statements", "--topic", "korus").stdout.strip() == "no statements about korus"
    assert korus_watch.run("deliveries", "--failed").stdout.strip() == "no failed deliveries"
    assert json.loads(korus_watch.run("events", "--json").stdout) == []


@sqlite_only
def test_listings_are_columns_and_bad_arguments_are_refused(korus_watch: KorusWatch, site: MirrorSite) -> None:
    korus_watch.run("crawl")
    seed = by_slug(site, SEED_SLUG)
    site.edit(seed.path, replace=("initiated", "launched"))
    korus_watch.run("crawl", "--full")

    header, *rows = korus_watch.run("statements").stdout.splitlines()
    assert header.split() == ["ID", "PUBLISHED", "SOURCE", "TOPICS", "STATUS", "TITLE"]
    assert len(rows) == len(site.statements)
    title_at = header.index("TITLE")
    assert all(row[title_at - 1] == " " and row[title_at] != " " for row in rows), rows
    assert any(row[title_at:] == seed.title for row in rows)

    header, row, why = korus_watch.run("events").stdout.splitlines()
    assert header.split() == ["ID", "DETECTED", "KIND", "SIGNIFICANCE", "SOURCE", "TOPICS", "STATEMENT", "TITLE"]
    assert "edited" in row and "wording" in row and "press-office" in row and "korus" in row
    assert row.endswith(seed.title) and why == "    Wording: “initiated” became “launched”"
    assert korus_watch.run("events", "--significance", "substantive").stdout.startswith("no events")
    assert korus_watch.run("events", "--source", "press-office", "--significance", "wording").stdout == (
        korus_watch.run("events").stdout)
    (event,) = json.loads(korus_watch.run("events", "--json").stdout)
    assert event["significance"] == "wording" and event["reasons"] == [
        {"kind": "wording", "from": "initiated", "to": "launched"}]
    topics = {match["topic"]: match for match in event["topics"]}
    assert "korus" in topics and topics["korus"]["matched_terms"]
    assert event["published_on"] == str(seed.published)

    for args, refusal in [
        (("statements", "--topic", "tarifs"), "unknown topic 'tarifs' (configured: korus)"),
        (("events", "--topic", "tarifs"), "unknown topic 'tarifs' (configured: korus)"),
        (("deliveries", "--channel", "nope"), "no channel named 'nope' (configured: none)"),
        (("deliveries", "--limit", "0"), "--limit"),
        (("diff", seed.path, "--from", "0"), "--from"),
        (("diff", seed.path, "--to", "-1"), "--to"),
    ]:
        result = korus_watch.run(*args, check=False)
        assert result.returncode == 2 and refusal in result.stderr, (args, result.stderr)

    other = next(s for s in site.statements if s.slug != SEED_SLUG)
    single = korus_watch.run("diff", other.path)
    assert "has one version: nothing to compare" in single.stdout
    assert "version 1 -> 2" in korus_watch.run("diff", seed.path).stdout

    korus_watch.config.write_text(korus_watch.config.read_text(encoding="utf-8") + channel_toml(
        name="team-chat", type="slack", url="https://hooks.example.org/x") + channel_toml(
        name="a", type="email", to=["a@example.org"], mode="digest", schedule="0 8 * * *"), encoding="utf-8")
    header, *rows = korus_watch.run("channels").stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "MODE", "TOPICS", "TARGET", "STATE"]
    state_at = header.index("STATE")
    assert [row[state_at:] for row in rows] == ["ok", "ok"]


@pytest.mark.parametrize("reference", ["2147483648", "99999999999999999999"])  # past PostgreSQL's integer, bigint
def test_an_id_too_large_for_the_database_is_one_line_saying_there_is_no_such_thing(korus_watch: KorusWatch,
                                                                                    reference: str) -> None:
    for args, answer in [
        (("show", reference), f"no statement {reference} in the archive"),
        (("history", reference), f"no statement {reference} in the archive"),
        (("diff", reference), f"no statement {reference} in the archive"),
        (("retry", reference), f"not dead letters (or no such delivery): {reference}"),
    ]:
        result = korus_watch.run(*args, check=False)
        assert result.returncode == 1 and result.stderr.splitlines() == [f"Error: {answer}"], (args, result.stderr)
