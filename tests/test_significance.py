"""The significance of an edit, judged on real USTR text: the table of edits in tests/data/significance_edits.toml
and edits of the KORUS statements of the mirror's fixtures. Precision and recall per level are printed (`-s`);
no substantive edit may be missed."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from archive.relevance import KORUS, TopicScorer
from archive.significance import Judgement, Significance, VersionText, judge, judge_edit
from archive.significance_words import summary
from testkit.mirror.fixtures import KORUS_PATHS, SEED_EDIT, SEED_PATH, korus_site

TABLE = Path(__file__).with_name("data") / "significance_edits.toml"
LEVELS = [level.value for level in Significance]
SCORER = TopicScorer(KORUS)


def version(title: str, body: str, published_on: date | None = date(2018, 2, 1)) -> VersionText:
    """A version as the archive holds it: the KORUS topic's matched terms as its relevance scorer finds them."""
    return VersionText(title, body, published_on, {"korus": SCORER.score(title, body).matched_terms})


@dataclass(frozen=True)
class Edit:
    name: str
    expected: str
    before: VersionText
    after: VersionText
    kind: str | None = None


def table_edits() -> list[Edit]:
    rows = tomllib.loads(TABLE.read_text(encoding="utf-8"))["edit"]
    return [
        Edit(f"table {index}: {row['after'][:50]}", row["level"],
             version(row.get("title_before", "USTR Statement"), row["before"]),
             version(row.get("title_after", "USTR Statement"), row["after"]), row.get("kind"))
        for index, row in enumerate(rows, 1)
    ]


_MONTH_DAY = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                        r" (\d{1,2})\b")
_PLAIN_NUMBER = re.compile(r"(?<![\w$,.])(\d{1,3})(?= percent| years|th\b|\b(?![,.]\d))(?!\d)")
_CURLY = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "–": "-", "—": "-"})


def fixture_edits() -> list[Edit]:
    """The KORUS statements of the tests' mirror, with the edits the tests make to them and, for each one, the edits
    USTR makes: quotation marks and dashes straightened, a date or a number changed, "will" made "will not" or
    "may", the last paragraph dropped."""
    site = korus_site()
    edits: list[Edit] = []

    def add(name: str, expected: str, statement: object, *, title: str | None = None, body: str | None = None,
            kind: str | None = None) -> None:
        old_title, old_body = statement.title, "\n\n".join(statement.paragraphs)  # type: ignore[attr-defined]
        edits.append(Edit(f"{statement.slug}: {name}", expected, version(old_title, old_body),  # type: ignore[attr-defined]
                          version(title or old_title, old_body if body is None else body), kind))

    seed = site.statement(SEED_PATH)
    seed_body = "\n\n".join(seed.paragraphs)
    old_word, new_word = SEED_EDIT
    # The edits the other tests make of the fixture statements.
    add("the seed's edit", "wording", seed, body=seed_body.replace(old_word, new_word))
    add("initiated became began", "wording", seed, body=seed_body.replace(old_word, "began"))
    add("the becomes THE", "cosmetic", seed, body=re.sub(r"\bthe\b", "THE", seed_body))
    add("a share line appended", "substantive", seed, body=seed_body + "\n\nShare this page on social media.",
        kind="sentence")
    add("title revised", "substantive", seed, title=seed.title + " (revised)", kind="title")
    add("title renamed", "substantive", seed, title="Statement on the Conclusion of the Zanzibar Meetings",
        kind="title")

    for path in KORUS_PATHS:
        statement = site.statement(path)
        paragraphs = list(statement.paragraphs)
        body = "\n\n".join(paragraphs)
        if body.translate(_CURLY) != body:
            add("quotation marks and dashes straightened", "cosmetic", statement, body=body.translate(_CURLY))
        add("a double space", "cosmetic", statement, body=body.replace(" ", "  ", 1))
        if (day := _MONTH_DAY.search(body)) is not None:
            moved = f"{day.group(1)} {int(day.group(2)) % 28 + 1}"
            add("a date moved", "substantive", statement, body=body.replace(day.group(), moved, 1), kind="date")
        if (number := next((n for n in _PLAIN_NUMBER.finditer(body)
                            if not _MONTH_DAY.search(body[max(n.start() - 12, 0):n.end()])), None)) is not None:
            changed = body[: number.start()] + str(int(number.group(1)) + 1) + body[number.end():]
            add("a number changed", "substantive", statement, body=changed, kind="number")
        if " will " in body:
            add("will became will not", "substantive", statement, body=body.replace(" will ", " will not ", 1),
                kind="negation")
            add("will became may", "substantive", statement, body=body.replace(" will ", " may ", 1),
                kind="obligation")
        if len(paragraphs) >= 2 and len(paragraphs[-1].split()) >= 3:
            add("the last paragraph dropped", "substantive", statement, body="\n\n".join(paragraphs[:-1]),
                kind="sentence")
    return edits


def scores(edits: list[Edit], judged: list[Judgement]) -> dict[str, tuple[float, float, int]]:
    """Precision, recall and the number of edits expected, per level."""
    expected = Counter(edit.expected for edit in edits)
    found = Counter(judgement.level.value for judgement in judged)
    right = Counter(edit.expected for edit, judgement in zip(edits, judged, strict=True)
                    if judgement.level.value == edit.expected)
    return {level: (right[level] / found[level] if found[level] else 1.0,
                    right[level] / expected[level] if expected[level] else 1.0, expected[level])
            for level in LEVELS}


def report(title: str, edits: list[Edit], judged: list[Judgement]) -> dict[str, tuple[float, float, int]]:
    measured = scores(edits, judged)
    print(f"\n{title}: {len(edits)} edits")
    for level, (precision, recall, count) in measured.items():
        print(f"  {level:<12} precision {precision:.2f}  recall {recall:.2f}  ({count} expected)")
    for edit, judgement in zip(edits, judged, strict=True):
        if judgement.level.value != edit.expected:
            print(f"  MISJUDGED {edit.name!r}: expected {edit.expected}, got {summary(judgement.level, judgement.reasons)}")
    return measured


@pytest.mark.parametrize("source", [table_edits, fixture_edits], ids=["table", "fixtures"])
def test_no_substantive_edit_is_missed_and_each_level_is_mostly_right(source) -> None:  # type: ignore[no-untyped-def]
    edits = source()
    judged = [judge_edit(edit.before, edit.after) for edit in edits]
    measured = report(source.__name__, edits, judged)
    missed = [edit.name for edit, judgement in zip(edits, judged, strict=True)
              if edit.expected == "substantive" and judgement.level is not Significance.SUBSTANTIVE]
    assert missed == []
    # The reason names what made it substantive.
    wrong_reason = [(edit.name, judgement.reasons) for edit, judgement in zip(edits, judged, strict=True)
                    if edit.kind and edit.kind not in {reason["kind"] for reason in judgement.reasons}]
    assert wrong_reason == []
    for level, (precision, recall, _) in measured.items():
        assert precision >= 0.9 and recall >= 0.9, (level, precision, recall)


def test_the_table_has_sixty_edits_of_every_level() -> None:
    counts = Counter(edit.expected for edit in table_edits())
    assert sum(counts.values()) >= 60 and all(counts[level] >= 10 for level in LEVELS)


def test_reasons_say_what_changed_from_what_to_what() -> None:
    before = version("USTR Statement", "The changes take effect on May 1, 2018.")
    after = version("USTR Statement", "The changes take effect on June 1, 2018.")
    judgement = judge_edit(before, after)
    assert judgement.level is Significance.SUBSTANTIVE
    assert judgement.reasons == [{"kind": "date", "from": "May 1, 2018", "to": "June 1, 2018",
                                  "what": "effective date"}]
    assert summary(judgement.level, judgement.reasons) == "Substantive: the effective date changed from May 1, 2018 to June 1, 2018"

    wording = judge_edit(version("T", "Lighthizer initiated talks."), version("T", "Lighthizer launched talks."))
    assert (wording.level, wording.reasons) == (Significance.WORDING,
                                                [{"kind": "wording", "from": "initiated", "to": "launched"}])
    assert summary(wording.level, wording.reasons) == "Wording: “initiated” became “launched”"


def test_the_statements_date_a_new_title_and_the_other_kinds() -> None:
    body = "The Joint Committee met."
    moved = judge_edit(version("T", body, date(2018, 5, 1)), version("T", body, date(2018, 6, 1)))
    assert moved.reasons == [{"kind": "date", "from": "May 1, 2018", "to": "June 1, 2018",
                              "what": "statement's date"}]
    for kind in ("new", "removed", "restored"):
        assert judge(kind, None, version("T", body)) == Judgement(Significance.SUBSTANTIVE, [])
    # Spellings of one date or number are the same date or number.
    same = judge_edit(version("T", "It starts on May 1, 2018 at 25 percent."),
                      version("T", "It starts on 1 May 2018 at 25%."))
    assert same.level is Significance.WORDING and {r["kind"] for r in same.reasons} == {"wording"}


def test_a_summary_names_the_first_reasons_and_counts_the_rest() -> None:
    reasons = [{"kind": "number", "from": "$200 billion", "to": "$250 billion"},
               {"kind": "negation", "from": "will stand", "to": "will not stand"},
               {"kind": "party", "to": "Thailand"}]
    assert summary("substantive", reasons) == ("Substantive: an amount changed from $200 billion to $250 billion; "
                                               "a negation was added: “will stand” became “will not stand”; "
                                               "and 1 more change")
    assert summary("substantive", []) == "Substantive"
    assert summary("cosmetic", [{"kind": "cosmetic", "from": "’", "to": "'"}]) == (
        "Cosmetic: only punctuation, letter case, spacing or diacritics changed")


def test_a_rewritten_statement_keeps_its_record_small() -> None:
    old = " ".join(f"Sentence number {n} says the United States will act on {n} products." for n in range(200))
    new = " ".join(f"Paragraph {n} says Korea may never act on {n + 1} goods." for n in range(200))
    judgement = judge_edit(version("T", old), version("T", new))
    assert judgement.level is Significance.SUBSTANTIVE and len(judgement.reasons) <= 20
    assert all(len(reason.get("from", "")) <= 300 and len(reason.get("to", "")) <= 300
               for reason in judgement.reasons)


def test_the_migration_judges_the_edits_already_archived(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from archive.db import MIGRATIONS, Database

    engine = create_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(text(
            "INSERT INTO statements (id, url, section, title, status, missing_checks, first_seen_at, last_seen_at, "
            "last_checked_at) VALUES (1, 'https://ustr.gov/x', 'press-releases', 'T', 'active', 0, :now, :now, :now)"
        ), {"now": "2026-01-01 00:00:00"})
        bodies = ["The changes take effect on May 1, 2018.", "The changes take effect on June 1, 2018.",
                  "The changes take effect on June 1, 2018"]
        for number, body in enumerate(bodies, 1):
            connection.execute(text(
                "INSERT INTO versions (id, statement_id, number, title, body_text, body_html, content_hash, "
                "first_seen_at, last_seen_at) VALUES (:n, 1, :n, 'T', :body, '', :hash, :now, :now)"
            ), {"n": number, "body": body, "hash": str(number), "now": "2026-01-01 00:00:00"})
        for event_id, kind, before, after in [(1, "new", None, 1), (2, "edited", 1, 2), (3, "edited", 2, 3),
                                              (4, "removed", 3, None)]:
            connection.execute(text(
                "INSERT INTO change_events (id, statement_id, kind, from_version_id, to_version_id, detected_at) "
                "VALUES (:id, 1, :kind, :before, :after, :now)"
            ), {"id": event_id, "kind": kind, "before": before, "after": after, "now": "2026-01-01 00:00:00"})
    engine.dispose()

    database = Database(database_url)  # migrates to the head
    try:
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, significance, reasons FROM change_events ORDER BY id")).all()
    finally:
        database.dispose()
    # Plain SQL: PostgreSQL's driver reads the JSON, SQLite's gives its text.
    judged = [(row.id, row.significance, row.reasons if isinstance(row.reasons, list) else json.loads(row.reasons))
              for row in rows]
    assert judged == [
        (1, "substantive", []),
        (2, "substantive", [{"kind": "date", "from": "May 1, 2018", "to": "June 1, 2018", "what": "effective date"}]),
        (3, "cosmetic", [{"kind": "cosmetic", "from": "."}]),
        (4, "substantive", []),
    ]
