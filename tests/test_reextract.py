"""Re-reading (issue 17): a release whose extractor reads pages differently re-reads the stored responses, records
what reads differently as versions re-read by korus-watch, never as the publisher's edits (no event, no delivery),
and the next real edit is diffed against the re-read version."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import func, select

from archive.db import Database
from archive.models import ChangeEvent, Version, VersionOrigin
from notify.models import Delivery
from testkit.extractor_upgrade import UPGRADED_VERSION
from testkit.mirror import MirrorSite
from testkit.mirror.fixtures import SEED_EDIT, SEED_PATH
from tests.conftest import REPO, KorusWatch

CAPTION = "Ambassador Kim and the Trade Representative at the signing in Seoul."
# Every statement goes to this channel: an event would be a delivery.
CHANNEL = """
[[channels]]
name = "everything"
type = "webhook"
url = "http://127.0.0.1:9/korus-watch"
mode = "instant"
topics = []
"""


def upgraded(korus_watch: KorusWatch, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """korus-watch with the press office's extractor upgraded (testkit.extractor_upgrade)."""
    result = subprocess.run([sys.executable, "-m", "testkit.extractor_upgrade", *args], cwd=REPO,
                            env=korus_watch.env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"upgraded korus-watch {' '.join(args)} exited {result.returncode}\n{result.stderr}")
    return result


def count(db: Database, model: type) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def versions_of(db: Database, statement_id: int) -> list[Version]:
    with db.sessions() as session:
        return list(session.scalars(select(Version).where(Version.statement_id == statement_id)
                                    .order_by(Version.number)))


def captioned_statement(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> int:
    """The seed statement with a photo caption beside its body, archived by today's extractor (which leaves the
    caption out); its id."""
    site.set_caption(SEED_PATH, CAPTION)
    korus_watch.config.write_text(korus_watch.config.read_text() + CHANNEL)
    korus_watch.run("crawl")
    shown = json.loads(korus_watch.run("show", SEED_PATH, "--json").stdout)
    assert CAPTION not in shown["current"]["body_text"]
    return int(shown["id"])


def test_reextract_records_reread_versions_without_events_and_the_next_edit_shows_only_the_real_change(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    seed_id = captioned_statement(korus_watch, site, db)
    versions_before = count(db, Version)

    dry = upgraded(korus_watch, "reextract", "--dry-run")
    assert f"statement {seed_id} " in dry.stdout and "would be re-read as version 2, its text read differently" in dry.stdout
    assert dry.stdout.strip().splitlines()[-1] == (
        f"reextract: {len(site.statements)} items read, 1 readings differ, 0 versions recorded (dry run), "
        "0 without a snapshot, 0 unreadable")
    assert count(db, Version) == versions_before

    done = upgraded(korus_watch, "reextract")
    assert done.stdout.strip().splitlines() == [
        f"reextract: {len(site.statements)} items read, 1 readings differ, 1 versions recorded, "
        "0 without a snapshot, 0 unreadable"]
    first, reread = versions_of(db, seed_id)
    assert reread.origin is VersionOrigin.REEXTRACTION and reread.extractor_version == UPGRADED_VERSION
    assert reread.body_text == f"{first.body_text}\n\n{CAPTION}" and reread.snapshot_id == first.snapshot_id
    assert count(db, ChangeEvent) == 0 and count(db, Delivery) == 0
    history = json.loads(korus_watch.run("history", str(seed_id), "--json").stdout)
    assert [v["origin"] for v in history["versions"]] == ["crawl", "reextraction"] and history["events"] == []
    assert "(re-read by korus-watch " in korus_watch.run("history", str(seed_id)).stdout

    # Read again with nothing changed: nothing differs.
    again = upgraded(korus_watch, "reextract")
    assert ", 0 readings differ, 0 versions recorded," in again.stdout

    site.edit(SEED_PATH, replace=SEED_EDIT)
    upgraded(korus_watch, "crawl", "--full")
    with db.sessions() as session:
        (event,) = session.scalars(select(ChangeEvent)).all()
    assert event.kind.value == "edited" and event.from_version_id == reread.id
    diff = json.loads(korus_watch.run("diff", str(seed_id), "--json").stdout)
    changed = [(s["op"], s["text"].strip()) for s in diff["body_segments"] if s["op"] != "equal"]
    assert changed == [("delete", SEED_EDIT[0]), ("insert", SEED_EDIT[1])]
    assert count(db, Delivery) == 1


def test_a_poll_after_an_upgrade_rereads_first_and_announces_nothing(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    seed_id = captioned_statement(korus_watch, site, db)

    polled = upgraded(korus_watch, "crawl", "--full")
    assert "re-reading press-office before its poll: its extractor is version 2, its items were last read with 1" \
        in polled.stderr
    assert [v.origin for v in versions_of(db, seed_id)] == [VersionOrigin.CRAWL, VersionOrigin.REEXTRACTION]
    assert count(db, ChangeEvent) == 0 and count(db, Delivery) == 0

    # Once only: the version is remembered.
    polled = upgraded(korus_watch, "crawl")
    assert "re-reading" not in polled.stderr
