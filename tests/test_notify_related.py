"""Alerts of an item related to others: a correction says "Correction to ..." and links both, an item's kind's fields
(a Federal Register document's citation, agencies, dockets) are shown, and the items it links to are named, in
every medium (a generic webhook, Slack, an email), over real servers on loopback."""

from __future__ import annotations

from archive.db import Database
from archive.identity import url_key
from archive.read.statements import StatementFilters, list_statements
from korus_watch.settings import Settings
from notify.dispatcher import Dispatcher
from testkit.notify_support import Press, channel_toml, seed_statement, settings_from, statement
from testkit.servers import SmtpServer, WebhookReceiver

PUBLIC_URL = "https://watch.example.org"
CITATION = "89 FR 54950"
DOCKET = "USTR-2024-0007"


def settings(receiver: WebhookReceiver, smtp: SmtpServer) -> Settings:
    return settings_from(
        f'[crawl]\nbase_url = "http://press.example.test"\n'
        f'[http]\npublic_url = "{PUBLIC_URL}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom_addr = "watch@example.org"\n'
        '[notify]\ntimeout_seconds = 2\nbackoff_seconds = 0.2\n'
        + channel_toml(name="generic", type="webhook", url=receiver.url("/generic"), topics=["korus"])
        + channel_toml(name="team", type="slack", url=receiver.url("/slack"), topics=["korus"])
        + channel_toml(name="analysts", type="email", to=["analyst@example.org"], topics=["korus"])
    )


def test_a_correction_alert_says_what_it_corrects_links_both_and_names_related_items(
    db: Database, receiver: WebhookReceiver, smtp: SmtpServer
) -> None:
    config = settings(receiver, smtp)
    press = Press(db, config)
    original, cited = seed_statement(), statement("readout", "Readout of the KORUS Joint Committee")
    press.crawl(original, cited)  # the baseline: no alert
    correction = statement(
        "correction", "Correction: Statement on the KORUS FTA meetings", corrects=url_key(original.url),
        links=(cited.url,), fields={"citation": CITATION, "agencies": ["Office of the United States Trade "
                                                                      "Representative"], "docket_ids": [DOCKET]},
    )
    press.crawl(original, cited, correction)

    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.failed, report.errors) == (3, 0, [])
    assert receiver.invalid == []
    ids = {item["title"]: item["id"] for item in press_items(db)}

    (generic,) = receiver.requests("/generic")
    (event,) = generic.json["events"]
    assert event["kind"] == "new" and event["title"] == correction.title and event["source"] == "press-office"
    assert event["correction_of"] == {
        "relation": "correction of", "title": original.title, "url": original.url, "source": "press-office",
        "page_url": f"{PUBLIC_URL}/statements/{ids[original.title]}",
    }
    assert event["related"] == [{
        "relation": "links to", "title": cited.title, "url": cited.url, "source": "press-office",
        "page_url": f"{PUBLIC_URL}/statements/{ids[cited.title]}",
    }]
    assert ["Citation", CITATION] in event["facts"] and ["Docket ids", DOCKET] in event["facts"]
    assert f"Correction to: {original.title} {original.url}" in generic.json["text"]

    (slack,) = receiver.requests("/slack")
    text = slack.body.decode()
    assert "Correction to" in text and original.url in text and correction.url in text
    assert f"Citation: {CITATION}" in text and cited.url in text

    (received,) = smtp.wait_for(1)
    plain = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"Correction to: {original.title}\n{original.url} (in korus-watch: {PUBLIC_URL}/statements/" in plain
    assert correction.url in plain and f"Docket ids: {DOCKET}" in plain
    assert f"- links to: {cited.title} (press-office) {cited.url}" in plain
    html = received.message.get_body(("html",)).get_content()
    assert f'Correction to <a href="{original.url}"' in html


def press_items(db: Database) -> list[dict[str, object]]:
    with db.sessions() as session:
        return [{"title": item.title, "id": item.id}
                for item in list_statements(session, StatementFilters(), limit=10).items]


def test_the_events_of_one_delivery_each_name_their_own_related_items(
    db: Database, receiver: WebhookReceiver, smtp: SmtpServer
) -> None:
    config = settings(receiver, smtp)
    press = Press(db, config)
    readout, fact_sheet = statement("readout", "Readout of the KORUS Joint Committee"), \
        statement("fact-sheet", "Fact Sheet: KORUS FTA at ten years")
    press.crawl(readout, fact_sheet)
    citing_readout = statement("on-readout", "USTR statement on the KORUS readout", links=(readout.url,))
    citing_both = statement("on-both", "USTR statement on KORUS trade", links=(readout.url, fact_sheet.url))
    alone = statement("alone", "USTR statement on the KORUS FTA committee")
    press.crawl(readout, fact_sheet, citing_readout, citing_both, alone)

    report = Dispatcher(db, config.notifier()).deliver()
    assert report.failed == 0 and report.errors == []
    delivered = [event for request in receiver.requests("/generic") for event in request.json["events"]]
    related = {event["title"]: [(r["relation"], r["title"]) for r in event["related"]] for event in delivered}
    assert related == {
        citing_readout.title: [("links to", readout.title)],
        citing_both.title: [("links to", readout.title), ("links to", fact_sheet.title)],
        alone.title: [],
    }
