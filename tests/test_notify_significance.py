"""Alerts that say why an edit matters, and channels that take only what matters to them: real loopback servers."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from archive.db import Database
from archive.models import ChangeEvent
from notify.dispatcher import Dispatcher
from testkit.notify_support import Press, channel_toml, deliveries, settings_from, statement
from testkit.servers import WebhookReceiver

DATED = "The tariff changes take effect on May 1, 2018, for steel imported from Korea under the KORUS FTA."
LEAD = "Substantive: the effective date changed from May 1, 2018 to June 1, 2018"


def three_edits(db: Database, *channels: str) -> Press:
    """A baseline, then a date moved (substantive), a comma dropped (cosmetic) and a word changed (wording)."""
    press = Press(db, settings_from('[crawl]\nbase_url = "http://press.example.test"\n' + "".join(channels)))
    original = statement("tariffs", "USTR Statement on Steel", [DATED, "Korea will notify its quota, as agreed."])
    press.crawl(original)
    moved = dataclasses.replace(original, body_text=original.body_text.replace("May 1", "June 1"))
    press.crawl(moved)
    no_comma = dataclasses.replace(moved, body_text=moved.body_text.replace("quota, as", "quota as"))
    press.crawl(no_comma)
    press.crawl(dataclasses.replace(no_comma, body_text=no_comma.body_text.replace("notify", "announce")))
    return press


def test_a_substantive_channel_gets_the_date_change_and_not_the_comma(db: Database, receiver: WebhookReceiver) -> None:
    press = three_edits(
        db,
        channel_toml(name="important", type="webhook", url=receiver.url("/important"), min_significance="substantive"),
        channel_toml(name="team", type="slack", url=receiver.url("/slack")),
        channel_toml(name="everything", type="webhook", url=receiver.url("/all"), min_significance="cosmetic"),
    )
    with db.sessions() as session:
        levels = list(session.scalars(select(ChangeEvent.significance).order_by(ChangeEvent.id)))
    assert levels == ["substantive", "cosmetic", "wording"]  # every edit is archived, the comma too

    report = Dispatcher(db, press.settings.notifier()).deliver()
    assert (report.sent, report.errors, receiver.invalid) == (6, [], [])
    (important,) = receiver.requests("/important")
    (event,) = important.json["events"]
    assert event["significance"] == "substantive"
    assert event["reasons"] == [{"kind": "date", "from": "May 1, 2018", "to": "June 1, 2018",
                                 "what": "effective date"}]
    assert event["significance_summary"] == LEAD and LEAD in important.json["text"]
    # The default threshold (wording) leaves out only the comma.
    assert [r.json["events"][0]["significance"] for r in receiver.requests("/all")] == [
        "substantive", "cosmetic", "wording"]
    team = [str(r.json["blocks"]) for r in receiver.requests("/slack")]
    assert len(team) == 2 and "announce" in team[1]
    # The chat alert leads with the significance in words, before the diff.
    assert f"*{LEAD}*" in team[0] and team[0].index(LEAD) < team[0].index("~May~")
    assert "Wording: “notify” became “announce”" in team[1]
    assert sum(d.channel == "team" for d in deliveries(db)) == 2  # the comma made no delivery at all


def test_emails_lead_with_the_significance_and_digests_list_substantive_changes_first(db: Database) -> None:
    from testkit.servers import SmtpServer

    with SmtpServer() as smtp:
        smtp_section = (f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
                        'from_addr = "watch@example.org"\n')
        press = Press(db, settings_from(
            f'[crawl]\nbase_url = "http://press.example.test"\n{smtp_section}'
            + channel_toml(name="alerts", type="email", to=["a@example.org"])
            + channel_toml(name="daily", type="email", to=["d@example.org"], mode="digest", schedule="0 8 * * *")))
        original = statement("tariffs", "USTR Statement on Steel", [DATED, "Korea will notify its quota."])
        press.crawl(original)
        reworded = dataclasses.replace(original, body_text=original.body_text.replace("notify", "announce"))
        press.crawl(reworded)  # wording, first
        press.crawl(dataclasses.replace(reworded, body_text=reworded.body_text.replace("May 1", "June 1")))
        dispatcher = Dispatcher(db, press.settings.notifier())
        assert dispatcher.deliver().sent == 2
        dispatcher.digest("daily")
        messages = smtp.wait_for(3)
    alerts = {m.message["Subject"]: m.message for m in messages if "a@example.org" in m.rcpt_tos}
    date_alert = alerts["[Edited, substantive] USTR Statement on Steel"]
    text = date_alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.index(LEAD) < text.index("[-May-]{+June+}")
    html = date_alert.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert LEAD in html and html.index(LEAD) < html.index(">May</del>")
    assert "[Edited, wording] USTR Statement on Steel" in alerts
    (digest,) = [m.message for m in messages if "d@example.org" in m.rcpt_tos]
    digest_text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Detected last, the substantive edit is listed first; the wording edit under its own heading after it.
    assert digest_text.index(LEAD) < digest_text.index("-- Edited (wording) (1) --") < digest_text.index(
        "Wording: “notify” became “announce”")
