"""The notifier with real servers on loopback: an SMTP server, a webhook receiver per chat platform."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from archive.db import Database
from archive.retry_after import retry_after_seconds
from korus_watch.settings import Settings
from notify.channels import build_channels
from notify.dispatcher import Dispatcher
from notify.models import Delivery, DeliveryKind, DeliveryStatus
from testkit.notify_support import (
    KORUS_PARAGRAPH,
    SITE,
    Press,
    channel_toml,
    deliveries,
    seed_statement,
    settings_from,
    statement,
)
from testkit.servers import (
    Reply,
    SmtpServer,
    WebhookReceiver,
    discord_pings,
    slack_mentions,
    validate_discord,
    validate_google_chat,
    validate_slack,
    validate_teams,
    verify_signature,
)

HOSTILE_TITLE = ("<script>alert(1)</script> <!channel> <users/all> @everyone KORUS FTA *update* & "
                 "[link](http://evil)")
SECRET = "s3cret-signing-key"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The wall clock held still and moved forward by the test: a retry falls due when the test says, not after a
    wait that a busy machine may stretch."""
    with time_machine.travel(datetime.now(UTC), tick=False) as coordinates:
        yield coordinates


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        server.expect("/slack", validate_slack)
        server.expect("/teams", validate_teams)
        server.expect("/discord", validate_discord)
        server.expect("/google-chat", validate_google_chat)
        yield server


def settings(*channels: str, smtp: SmtpServer | None = None, notify: str = "") -> Settings:
    smtp_section = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom_addr = "watch@example.org"\n'
        if smtp else ""
    )
    defaults = {"timeout_seconds": "2", "backoff_seconds": "0.2"}
    given = dict(line.split(" = ", 1) for line in notify.splitlines() if line)
    notify_section = "[notify]\n" + "".join(f"{key} = {value}\n" for key, value in {**defaults, **given}.items())
    return settings_from(f'[crawl]\nbase_url = "{SITE}"\n{smtp_section}{notify_section}' + "".join(channels))


def with_events(db: Database, config: Settings) -> Press:
    """A baseline of the seed statement, then one new KORUS statement with a hostile title and one edit."""
    press = Press(db, config)
    seed = seed_statement()
    press.crawl(seed)
    press.crawl(seed, statement("hostile", HOSTILE_TITLE))
    press.crawl(dataclasses.replace(seed, body_text=seed.body_text.replace("initiated", "launched")))
    return press


def mime_parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_digest_email_has_both_parts_escaped_marked_and_counted(db: Database, smtp: SmtpServer) -> None:
    config = settings(channel_toml(name="analysts", type="email", to=["analyst@example.org"], mode="digest",
                                   schedule="0 8 * * mon-fri", timezone="America/New_York", topics=["korus"]),
                      smtp=smtp)
    with_events(db, config)
    assert [d.status for d in deliveries(db)] == [DeliveryStatus.HELD] * 2

    digest_id, report = Dispatcher(db, config.notifier()).digest("analysts")
    assert digest_id is not None and report.sent == 1 and not report.errors
    (received,) = smtp.wait_for(1)
    message = received.message
    assert list(received.rcpt_tos) == ["analyst@example.org"]
    # The digest's day where its channel is: its schedule's time zone.
    day = deliveries(db)[-1].created_at.astimezone(ZoneInfo("America/New_York")).date()
    assert message["Subject"] == f"korus-watch digest {day}: 1 new, 1 edited"
    assert message.get_content_type() == "multipart/alternative"
    parts = mime_parts(message)
    html, text = parts["text/html"], parts["text/plain"]
    # Scraped text is text: the hostile title is escaped, never markup.
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in text
    # The edit is marked word by word; the CSS is inlined for Gmail and Outlook.
    assert "[-initiated-]{+launched+}" in text
    assert "<del" in html and ">initiated</del>" in html and ">launched</ins>" in html
    assert 'style="' in html.split("<del", 1)[1].split(">", 1)[0]
    # Links go to the site it was crawled from, and why it matched is shown with the matched terms marked.
    assert f'href="{SITE}/about-us/policy-offices/press-office/press-releases/2026/november/hostile"' in html
    assert "<mark" in html and "KORUS" in text
    assert message["Message-ID"] == f"<{deliveries(db)[-1].idempotency_key}@example.org>"

    # Everything since the last digest has gone: an empty digest is not sent.
    assert Dispatcher(db, config.notifier()).digest("analysts")[0] is None
    assert len(smtp.messages) == 1
    statuses = {d.kind: d.status for d in deliveries(db)}
    assert statuses == {DeliveryKind.EVENT: DeliveryStatus.FOLDED, DeliveryKind.DIGEST: DeliveryStatus.SENT}


def test_digest_dry_run_renders_without_sending(db: Database, smtp: SmtpServer) -> None:
    config = settings(channel_toml(name="analysts", type="email", to=["a@example.org"], mode="digest",
                                   schedule="0 8 * * *"), smtp=smtp)
    with_events(db, config)
    content = Dispatcher(db, config.notifier()).preview_digest("analysts")
    assert content is not None and content.counts == {"new": 1, "edited": 1}
    rendered = build_channels(config.notifier()).working["analysts"].render(content)
    assert rendered.suffix == ".eml" and f"Subject: korus-watch digest {content.created_at:%Y-%m-%d}: 1 new, 1 " \
        "edited".encode() in rendered.body
    assert smtp.messages == []
    assert all(d.status == DeliveryStatus.HELD for d in deliveries(db))


CHAT_CHANNELS = {
    "slack": "/slack",
    "teams": "/teams",
    "discord": "/discord",
    "google_chat": "/google-chat",
    "webhook": "/generic",
}


def chat_settings(receiver: WebhookReceiver, *, notify: str = "", **extra: Any) -> Settings:
    channels = [
        channel_toml(name=f"chat-{kind}", type=kind, url=receiver.url(path), topics=["korus"],
                     **({"secret": SECRET} if kind == "webhook" else {}), **extra)
        for kind, path in CHAT_CHANNELS.items()
    ]
    return settings(*channels, notify=notify)


def test_instant_alerts_reach_every_platform_valid_escaped_and_signed(db: Database,
                                                                       receiver: WebhookReceiver) -> None:
    config = chat_settings(receiver)
    with_events(db, config)
    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.failed, report.errors) == (10, 0, [])
    assert receiver.invalid == []
    for path in CHAT_CHANNELS.values():
        assert len(receiver.requests(path)) == 2, path
    for request in receiver.requests("/slack"):
        assert slack_mentions(request.json) == []
        assert "<script>" not in request.body.decode()
    for request in receiver.requests("/discord"):
        assert not discord_pings(request.json)
    # Every chat platform gets the hostile title as text: no mention, no HTML, and on the Markdown platforms no
    # link of its own (Slack and Google Chat do not read Markdown links).
    for path in ("/slack", "/teams", "/discord", "/google-chat"):
        markdown = path in ("/teams", "/discord")
        for request in receiver.requests(path):
            text = request.body.decode()
            for markup in ("<script>", "<!channel>", "<users/all>", *(["[link](http://evil)"] if markdown else [])):
                assert markup not in text, (path, markup)
    edited = next(r.json for r in receiver.requests("/slack") if "EDITED" in r.body.decode())
    assert "~initiated~ *launched*" in str(edited["blocks"])
    generic = receiver.requests("/generic")
    for request in generic:
        assert verify_signature(SECRET, request.headers["X-Korus-Watch-Timestamp"], request.body,
                                request.headers["X-Korus-Watch-Signature"])
        assert request.json["idempotency_key"] == request.headers["Idempotency-Key"]
    kinds = sorted(r.json["events"][0]["kind"] for r in generic)
    assert kinds == ["edited", "new"]
    new = next(r.json["events"][0] for r in generic if r.json["events"][0]["kind"] == "new")
    assert new["title"] == HOSTILE_TITLE and "korus" in new["topics"]
    keys = {r.headers["Idempotency-Key"] for r in receiver.requests()}
    assert len(keys) == 10
    assert all(d.status == DeliveryStatus.SENT for d in deliveries(db))


def test_a_very_long_statement_is_cut_to_each_platform_with_its_link(db: Database,
                                                                     receiver: WebhookReceiver) -> None:
    config = chat_settings(receiver)
    press = Press(db, config)
    press.crawl(seed_statement())
    huge = [f"{KORUS_PARAGRAPH} Paragraph {n}. " + "Tariff schedules and rules of origin. " * 120 for n in range(40)]
    press.crawl(statement("huge", "KORUS: " + "a very long title " * 40, huge))
    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.errors) == (5, [])
    assert receiver.invalid == []
    link = f"{SITE}/about-us/policy-offices/press-office/press-releases/2026/november/huge"
    for path in ("/slack", "/teams", "/discord", "/google-chat"):
        (request,) = receiver.requests(path)
        assert link in request.body.decode(), path
        assert "…" in request.body.decode(), path


def test_a_failing_webhook_is_retried_with_backoff_and_retry_after(db: Database, receiver: WebhookReceiver,
                                                                   clock: time_machine.Traveller) -> None:
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack")))
    with_events(db, config)
    receiver.script("/slack", Reply.error(500), Reply.retry_after(1))
    dispatcher = Dispatcher(db, config.notifier())

    first = dispatcher.deliver()
    assert (first.sent, first.retrying) == (0, 2)
    after_500, after_429 = deliveries(db)
    assert "HTTP 500" in (after_500.last_error or "") and "HTTP 429" in (after_429.last_error or "")
    # Backoff of 0.2 s with jitter for the 500; the 429's Retry-After of 1 s is honoured.
    now = time.time()
    assert after_500.next_attempt_at.timestamp() - now < 0.25
    assert 0.7 < after_429.next_attempt_at.timestamp() - now <= 1.05
    clock.shift(0.3)
    assert dispatcher.deliver().sent == 1
    clock.shift(0.9)
    assert dispatcher.deliver().sent == 1
    assert [d.status for d in deliveries(db)] == [DeliveryStatus.SENT] * 2
    requests = receiver.requests("/slack")
    succeeded = [r for r in requests if r.status == 200]
    assert len(requests) == 4 and len(succeeded) == 2
    # A retry is the same message: its idempotency key does not change.
    assert {r.headers["Idempotency-Key"] for r in requests} == {r.headers["Idempotency-Key"] for r in succeeded}


def test_dead_letters_after_max_attempts_and_retry_requeues(db: Database, receiver: WebhookReceiver,
                                                            clock: time_machine.Traveller) -> None:
    config = settings(channel_toml(name="team", type="discord", url=receiver.url("/discord")),
                      notify="max_attempts = 2\n")
    with_events(db, config)
    receiver.set_default("/discord", Reply.error(503))
    dispatcher = Dispatcher(db, config.notifier())
    dispatcher.deliver()
    clock.shift(0.4)
    dispatcher.deliver()
    clock.shift(0.4)
    dispatcher.deliver()
    failed = [d for d in deliveries(db) if d.status == DeliveryStatus.FAILED]
    assert len(failed) == 2 and all(d.attempts == 2 and "503" in (d.last_error or "") for d in failed)

    from notify.deliveries import requeue_failed

    with db.sessions.begin() as session:
        assert requeue_failed(session, None) == [d.id for d in failed]
    receiver.set_default("/discord", Reply(status=204))
    assert dispatcher.deliver().sent == 2
    assert all(d.status == DeliveryStatus.SENT for d in deliveries(db))


def test_a_refusal_for_good_is_dead_lettered_at_once(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="team", type="google_chat", url=receiver.url("/google-chat")))
    with_events(db, config)
    receiver.set_default("/google-chat", Reply.error(404, "not found"))
    report = Dispatcher(db, config.notifier()).deliver()
    assert report.failed == 2 and report.retrying == 0
    assert all(d.status == DeliveryStatus.FAILED and d.attempts == 1 for d in deliveries(db))
    assert "channel 'team'" in report.errors[0] and "HTTP 404" in report.errors[0]
    assert receiver.url("/google-chat") not in " ".join(report.errors)  # the webhook URL is a secret


def test_smtp_faults_are_retried_and_a_refused_login_is_final(db: Database, clock: time_machine.Traveller) -> None:
    with SmtpServer(username="watch", password="right") as server:
        config = settings(channel_toml(name="mail", type="email", to=["a@example.org"]), smtp=server,
                          notify="max_attempts = 5\n")
        config.smtp.username = "watch"
        with_events(db, config)
        dispatcher = Dispatcher(db, config.notifier())

        config.smtp.password = SecretStr("wrong")
        report = dispatcher.deliver()
        assert report.failed == 2
        assert "refused the login" in report.errors[0] and "535" in report.errors[0]
        assert "wrong" not in " ".join(report.errors)

        config.smtp.password = SecretStr("right")
        with db.sessions.begin() as session:
            session.execute(update(Delivery).values(status=DeliveryStatus.PENDING, attempts=0))
        server.refuse(1, code=451, text="4.3.0 try later")
        server.drop(1, at="data")
        report = dispatcher.deliver()
        assert report.retrying >= 1
        for _ in range(10):
            clock.shift(0.4)
            dispatcher.deliver()
            if all(d.status == DeliveryStatus.SENT for d in deliveries(db)):
                break
        assert all(d.status == DeliveryStatus.SENT for d in deliveries(db))
        ids = [m.message["Message-ID"] for m in server.messages]
        assert len(set(ids)) == 2


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_tls_is_verified_by_default(db: Database, security: str) -> None:
    with SmtpServer(security=security, certificate="untrusted") as server:  # type: ignore[arg-type]
        config = settings(channel_toml(name="mail", type="email", to=["a@example.org"], events=["new"]),
                          smtp=server)
        config.smtp.security = security  # type: ignore[assignment]
        with_events(db, config)
        report = Dispatcher(db, config.notifier()).deliver()
        assert report.failed == 1 and "not trusted" in report.errors[0]
        assert server.messages == []
    with SmtpServer(security=security) as server:  # type: ignore[arg-type]
        config.smtp.port, config.smtp.ca_file = server.port, server.ca_file
        with db.sessions.begin() as session:
            session.execute(update(Delivery).values(status=DeliveryStatus.PENDING, attempts=0))
        assert Dispatcher(db, config.notifier()).deliver().sent == 1
        assert server.messages[0].tls


def test_one_broken_channel_never_blocks_the_others(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(
        channel_toml(name="typo", type="slak", url=receiver.url("/slack")),
        channel_toml(name="no-url", type="teams"),
        channel_toml(name="ftp", type="discord", url="ftp://example.org/hook"),
        channel_toml(name="dead-smtp", type="email", to=["a@example.org"]),
        channel_toml(name="good", type="slack", url=receiver.url("/slack")),
    )
    config.smtp.port, config.smtp.security = 9, "none"  # discard port: nothing listens
    with_events(db, config)
    report = Dispatcher(db, config.notifier()).deliver()
    assert report.sent == 2 and len(receiver.requests("/slack")) == 2
    assert any("'typo'" in e and "unknown type 'slak'" in e for e in report.errors)
    assert any("'no-url'" in e and "needs `url`" in e for e in report.errors)
    assert any("'ftp'" in e and "must be an http:// or https:// URL" in e for e in report.errors)
    by_channel: dict[str, set[DeliveryStatus]] = {}
    for delivery in deliveries(db):
        by_channel.setdefault(delivery.channel, set()).add(delivery.status)
    assert by_channel == {
        "typo": {DeliveryStatus.PENDING},
        "no-url": {DeliveryStatus.PENDING},
        "ftp": {DeliveryStatus.PENDING},
        "dead-smtp": {DeliveryStatus.PENDING},  # unreachable: retried later, nothing lost
        "good": {DeliveryStatus.SENT},
    }


def test_a_malformed_template_is_reported_with_its_channel_file_and_line(tmp_path: Any,
                                                                         receiver: WebhookReceiver) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "message.html").write_text("<p>\n{% if content.kind %}\n</p>\n", encoding="utf-8")
    config = settings(channel_toml(name="mail", type="email", to=["a@example.org"]),
                      channel_toml(name="chat", type="slack", url=receiver.url("/slack")),
                      notify=f'template_dir = "{tmp_path}"\n')
    channels = build_channels(config.notifier())
    assert set(channels.working) == {"chat"}
    assert "channel 'mail'" in channels.broken["mail"] and "email/message.html" in channels.broken["mail"]
    assert "line 3" in channels.broken["mail"] or "line 4" in channels.broken["mail"]


def test_an_overridden_template_is_used(db: Database, tmp_path: Any, smtp: SmtpServer) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "subject.txt").write_text("Trade desk: {{ content.counts_text }}", encoding="utf-8")
    config = settings(channel_toml(name="mail", type="email", to=["a@example.org"], mode="digest",
                                   schedule="0 8 * * *"), smtp=smtp, notify=f'template_dir = "{tmp_path}"\n')
    with_events(db, config)
    Dispatcher(db, config.notifier()).digest("mail")
    assert smtp.wait_for(1)[0].message["Subject"] == "Trade desk: 1 new, 1 edited"


def test_an_instant_channel_over_its_hourly_limit_gets_one_summary(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack"), max_per_hour=3,
                                   events=["new"]))
    press = Press(db, config)
    press.crawl(seed_statement())
    press.crawl(*[statement(f"korus-{n}", f"KORUS statement {n}") for n in range(7)])
    dispatcher = Dispatcher(db, config.notifier())
    report = dispatcher.deliver()
    assert (report.sent, report.folded) == (3, 5)
    requests = receiver.requests("/slack")
    assert len(requests) == 3
    summary = requests[-1].body.decode()
    assert "5 new" in summary and "more than this channel" in summary
    # The hour is used up: a later event waits for the window instead of a fourth message.
    press.crawl(statement("korus-late", "KORUS statement late"))
    assert dispatcher.deliver().sent == 0
    late = deliveries(db)[-1]
    assert late.status == DeliveryStatus.PENDING and late.next_attempt_at.timestamp() > time.time() + 3000


def test_health_problems_make_one_admin_alert_and_one_recovery(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="ops", type="slack", url=receiver.url("/slack"), admin=True, events=[]),
                      channel_toml(name="team", type="discord", url=receiver.url("/discord")))
    config.crawl.guard_min_pages = 3
    press = Press(db, config)
    press.crawl(seed_statement())
    press.fail_extraction(5)
    press.fail_extraction(6)
    Dispatcher(db, config.notifier()).deliver()
    (alert,) = receiver.requests("/slack")
    assert "problem: redesign" in alert.body.decode()
    press.crawl(seed_statement())
    Dispatcher(db, config.notifier()).deliver()
    alert, recovery = receiver.requests("/slack")
    assert "recovered: redesign" in recovery.body.decode()
    assert receiver.requests("/discord") == []


def test_the_site_down_alerts_only_once_it_lasts(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="ops", type="slack", url=receiver.url("/slack"), admin=True, events=[]),
                      notify="site_down_alert_minutes = 60\n")
    press = Press(db, config)
    press.crawl(seed_statement())
    press.crawl(unreachable=True)
    press.crawl(seed_statement())
    Dispatcher(db, config.notifier()).deliver()
    assert receiver.requests("/slack") == []  # a blip: neither an alert nor a recovery

    config.notify.site_down_alert_minutes = 0
    press.crawl(unreachable=True)
    Dispatcher(db, config.notifier()).deliver()
    press.crawl(seed_statement())
    Dispatcher(db, config.notifier()).deliver()
    assert ["problem: unreachable" in r.body.decode() for r in receiver.requests("/slack")] == [True, False]


def test_deliveries_of_a_channel_no_longer_configured_are_dead_lettered(db: Database,
                                                                        receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="old", type="slack", url=receiver.url("/slack")))
    with_events(db, config)
    report = Dispatcher(db, settings().notifier()).deliver()
    assert report.failed == 2
    assert {d.last_error for d in deliveries(db)} == {"channel 'old' is not configured any more"}


@pytest.mark.parametrize(("kind", "path", "shown_at_most"), [("slack", "/slack", 47), ("discord", "/discord", 10),
                                                           ("google_chat", "/google-chat", 30), ("teams", "/teams", 40)])
def test_a_chat_digest_of_many_events_fits_and_says_how_many_more(db: Database, receiver: WebhookReceiver,
                                                                   kind: str, path: str, shown_at_most: int) -> None:
    config = settings(channel_toml(name="digest", type=kind, url=receiver.url(path), mode="digest",
                                   schedule="0 8 * * *"))
    press = Press(db, config)
    press.crawl(seed_statement())
    press.crawl(*[statement(f"korus-{n}", f"KORUS statement number {n}", [KORUS_PARAGRAPH * 3]) for n in range(60)])
    digest_id, report = Dispatcher(db, config.notifier()).digest("digest")
    assert report.sent == 1 and receiver.invalid == []
    (request,) = receiver.requests(path)
    body = request.body.decode()
    shown = body.count("KORUS statement number")
    assert 0 < shown <= shown_at_most
    assert f"and {60 - shown} more" in body
    assert "60 new" in body


def test_held_events_follow_their_channel_when_it_turns_instant_or_goes(db: Database, receiver: WebhookReceiver) -> None:
    digest = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack"), mode="digest",
                                   schedule="0 8 * * *"),
                      channel_toml(name="gone", type="slack", url=receiver.url("/slack"), mode="digest",
                                   schedule="0 8 * * *"))
    with_events(db, digest)
    assert {d.status for d in deliveries(db)} == {DeliveryStatus.HELD}
    instant = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack")))
    report = Dispatcher(db, instant.notifier()).deliver()
    assert (report.sent, report.failed) == (2, 2)
    by_channel = {(d.channel, d.status) for d in deliveries(db)}
    assert by_channel == {("team", DeliveryStatus.SENT), ("gone", DeliveryStatus.FAILED)}


def test_a_template_that_fails_on_some_content_dead_letters_with_its_cause(db: Database, tmp_path: Any,
                                                                          receiver: WebhookReceiver) -> None:
    (tmp_path / "chat").mkdir()
    (tmp_path / "chat" / "item.txt").write_text("{{ item.no_such_field }}", encoding="utf-8")
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack")),
                      channel_toml(name="hook", type="webhook", url=receiver.url("/generic")),
                      notify=f'template_dir = "{tmp_path}"\n')
    with_events(db, config)
    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.failed) == (2, 2)  # the generic webhook has no item template
    failed = [d for d in deliveries(db) if d.status == DeliveryStatus.FAILED]
    assert {d.channel for d in failed} == {"team"}
    assert all("channel 'team'" in (d.last_error or "") and "no_such_field" in (d.last_error or "") for d in failed)


@pytest.mark.parametrize(("header", "expected"), [
    ("3", 3.0), ("0.5", 0.5), ("  120 ", 120.0), ("soon", None), ("", None), (None, None),
])
def test_retry_after_in_seconds(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, datetime.now(UTC)) == expected


def test_retry_after_as_an_http_date_and_capped(db: Database, receiver: WebhookReceiver) -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (retry_after_seconds(in_a_minute, datetime.now(UTC)) or 0) <= 61
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack"), events=["new"]),
                      notify="max_backoff_seconds = 30\n")
    with_events(db, config)
    receiver.script("/slack", Reply(status=429, body=b"slow down", headers={"Retry-After": "Wed, 21 Oct 2125 07:28:00 GMT"}))
    assert Dispatcher(db, config.notifier()).deliver().retrying == 1
    (waiting,) = deliveries(db)
    assert 25 <= waiting.next_attempt_at.timestamp() - time.time() <= 31


def test_an_smtp_password_is_never_sent_over_the_network_in_clear(smtp: SmtpServer) -> None:
    config = settings(channel_toml(name="mail", type="email", to=["a@example.org"]), smtp=smtp)
    config.smtp.username, config.smtp.host = "watch", "mail.example.org"
    assert "in clear" in build_channels(config.notifier()).broken["mail"]
    config.smtp.security = "starttls"
    assert build_channels(config.notifier()).broken == {}


def test_a_recipient_refused_for_a_while_gets_the_email_on_a_retry_and_the_others_once(
        db: Database, smtp: SmtpServer, clock: time_machine.Traveller) -> None:
    config = settings(channel_toml(name="mail", type="email", to=["first@example.org", "second@example.org"],
                                   events=["new"]), smtp=smtp)
    with_events(db, config)
    smtp.refuse(1, code=450, text="4.2.0 greylisted", at="rcpt")  # the first RCPT: first@example.org
    dispatcher = Dispatcher(db, config.notifier())
    assert dispatcher.deliver().retrying == 1
    (delivery,) = deliveries(db)
    assert delivery.owed_to == ["first@example.org"] and "greylisted" in (delivery.last_error or "")
    clock.shift(0.3)
    assert dispatcher.deliver().sent == 1
    received = [list(m.rcpt_tos) for m in smtp.wait_for(2)]
    assert received == [["second@example.org"], ["first@example.org"]]
    assert len({m.message["Message-ID"] for m in smtp.messages}) == 1


def test_a_recovery_replaces_a_problem_alert_still_waiting_to_be_sent(db: Database, receiver: WebhookReceiver,
                                                                      clock: time_machine.Traveller) -> None:
    config = settings(channel_toml(name="ops", type="slack", url=receiver.url("/slack"), admin=True, events=[]))
    config.crawl.guard_min_pages = 3
    press = Press(db, config)
    press.crawl(seed_statement())
    press.fail_extraction(5)
    receiver.script("/slack", Reply.error(503))
    Dispatcher(db, config.notifier()).deliver()  # the problem alert fails once and waits for its retry
    press.crawl(seed_statement())
    clock.shift(0.3)
    Dispatcher(db, config.notifier()).deliver()
    received = [r for r in receiver.requests("/slack") if r.status == 200]
    assert len(received) == 1 and "recovered: redesign" in received[0].body.decode()
    assert sorted(d.status.value for d in deliveries(db)) == ["folded", "sent"]


@pytest.mark.parametrize("deduplicates", [False, True])
def test_a_send_answered_after_the_timeout_is_of_unknown_outcome_and_repeated_only_to_a_deduplicating_channel(
    db: Database, receiver: WebhookReceiver, deduplicates: bool, clock: time_machine.Traveller
) -> None:
    config = settings(channel_toml(name="ingest", type="webhook", url=receiver.url("/hook"), events=["new"],
                                   deduplicates=deduplicates),
                      notify="timeout_seconds = 0.5\nbackoff_seconds = 0.01\nmax_backoff_seconds = 0.01")
    press = Press(db, config)
    press.crawl(seed_statement())  # the baseline
    press.crawl(statement("late-answer", "KORUS statement answered late"))
    receiver.script("/hook", Reply(delay=1.5), Reply(delay=1.5))
    first = Dispatcher(db, config.notifier()).deliver()
    assert receiver.wait_for(1, "/hook")
    (delivery,) = deliveries(db)
    clock.shift(0.05)
    second = Dispatcher(db, config.notifier()).deliver()
    if deduplicates:
        assert (first.retrying, second.retrying) == (1, 1)
        sends = receiver.wait_for(2, "/hook")
        assert len({request.headers["Idempotency-Key"] for request in sends}) == 1
    else:
        # The receiver took the request and answered too late: it is not sent again, and says why.
        assert (first.failed, second.sent + second.retrying + second.failed) == (1, 0)
        (delivery,) = deliveries(db)
        assert delivery.status == DeliveryStatus.UNKNOWN and delivery.attempts == 1
        assert "outcome unknown" in (delivery.last_error or "")
        assert len(receiver.requests("/hook")) == 1


# The override of the issue's report: with Jinja2's defaults it ran `id` and posted its output to Slack.
REACHING_FOR_OS = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"


def test_a_template_reaching_for_python_internals_marks_its_channel_broken_with_file_and_line(
        tmp_path: Any, receiver: WebhookReceiver) -> None:
    (tmp_path / "chat").mkdir()
    (tmp_path / "chat" / "item.txt").write_text(REACHING_FOR_OS, encoding="utf-8")
    (tmp_path / "email").mkdir()
    # In a template the message imports: looked at when the channel is built, not when the first message renders.
    (tmp_path / "email" / "_item.html").write_text("{% macro item_html(item) %}\n{{ item.url }}\n"
                                                   "{{ item.__class__.__mro__ }}\n{% endmacro %}\n", encoding="utf-8")
    config = settings(channel_toml(name="chat", type="slack", url=receiver.url("/slack")),
                      channel_toml(name="mail", type="email", to=["a@example.org"]),
                      channel_toml(name="hook", type="webhook", url=receiver.url("/generic")),
                      notify=f'template_dir = "{tmp_path}"\n')
    channels = build_channels(config.notifier())
    assert set(channels.working) == {"hook"}
    assert f"template {tmp_path / 'chat' / 'item.txt'}, line 1" in channels.broken["chat"]
    assert "reaches for '__" in channels.broken["chat"] and "unsafe" in channels.broken["chat"]
    assert f"template {tmp_path / 'email' / '_item.html'}, line 3" in channels.broken["mail"]


def test_a_template_reaching_for_internals_only_at_render_time_runs_nothing_and_dead_letters(
        db: Database, tmp_path: Any, receiver: WebhookReceiver) -> None:
    witness = tmp_path / "ran"
    (tmp_path / "chat").mkdir()
    # An attribute name built at render time: no reading of the source can see it, the sandbox refuses it.
    (tmp_path / "chat" / "item.txt").write_text(
        'ok\n{{ ((cycler | attr("__in" ~ "it__")) | attr("__glo" ~ "bals__")).os.popen("touch '
        + str(witness) + '").read() }}',
        encoding="utf-8")
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack")),
                      notify=f'template_dir = "{tmp_path}"\n')
    with_events(db, config)
    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.failed) == (0, 2)
    assert not witness.exists() and receiver.requests() == []
    for delivery in deliveries(db):
        assert delivery.status == DeliveryStatus.FAILED
        error = delivery.last_error or ""
        assert "channel 'team'" in error and f"template {tmp_path / 'chat' / 'item.txt'}, line 2" in error, error
        assert "unsafe" in error


BIDI_CONTROLS = [chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
# Scraped text that Slack's and Google Chat's markup would format: bold, italic, strikethrough, code.
FORMATTING_TITLE = "KORUS *urgent* _draft_ ~withdrawn~ `code` \u202eATF SUROK\u202c trade"
FORMATTING_WORDS = ("*urgent*", "_draft_", "~withdrawn~", "`code`")


def test_scraped_text_loses_its_bidi_controls_everywhere_and_never_formats_in_slack(
        db: Database, receiver: WebhookReceiver, smtp: SmtpServer) -> None:
    config = settings(*[channel_toml(name=f"chat-{kind}", type=kind, url=receiver.url(path), topics=["korus"])
                        for kind, path in CHAT_CHANNELS.items()],
                      channel_toml(name="mail", type="email", to=["a@example.org"], topics=["korus"]), smtp=smtp)
    press = Press(db, config)
    press.crawl(seed_statement())
    opening = f"{KORUS_PARAGRAPH} A \u2066*right-to-left*\u2069 aside \u202b_embedded_\u202c and ~struck~ `x`."
    press.crawl(statement("formatting", FORMATTING_TITLE, [opening]))
    press.crawl(statement("formatting", FORMATTING_TITLE + " \u2067revised\u2069",
                          [opening.replace("aside", "remark \u202dhere\u202c")]))
    report = Dispatcher(db, config.notifier()).deliver()
    assert (report.sent, report.errors) == (12, []) and receiver.invalid == []

    (new_mail, edit_mail) = smtp.wait_for(2)
    received = [json.dumps(r.json, ensure_ascii=False) for r in receiver.requests()]
    for mail in (new_mail, edit_mail):
        received += [str(mail.message["Subject"]), *mime_parts(mail.message).values()]
    assert len(received) == 16
    for text in received:
        assert not [c for c in BIDI_CONTROLS if c in text], text
        assert "ATF SUROK" in text

    for path in ("/slack", "/google-chat"):
        for request in receiver.requests(path):
            text = json.dumps(request.json, ensure_ascii=False)
            for word in (*FORMATTING_WORDS, "*right-to-left*", "_embedded_", "~struck~", "`x`"):
                assert word not in text, (path, word)
            assert "urgent" in text and "draft" in text and "withdrawn" in text
    # Its own markup still formats: the kind in bold, the edit's deleted and inserted words.
    edited = next(r.json for r in receiver.requests("/slack") if "EDITED" in json.dumps(r.json))
    assert "*EDITED*" in json.dumps(edited) and "~aside~ *remark here*" in json.dumps(edited, ensure_ascii=False)


def test_a_huge_webhook_answer_is_read_only_up_to_a_small_limit(db: Database, receiver: WebhookReceiver) -> None:
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack"), events=["new"]))
    with_events(db, config)
    answer = b"ok " + b"x" * (20 * 1024 * 1024)
    receiver.set_default("/slack", Reply(status=200, body=answer))
    dispatcher = Dispatcher(db, config.notifier())
    tracemalloc.start()
    try:
        report = dispatcher.deliver()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        dispatcher.close()
    assert report.sent == 1
    assert peak < 4 * 1024 * 1024, f"{peak / 2**20:.1f} MiB held while sending"
    (sent,) = deliveries(db)
    assert (sent.response or "").startswith("HTTP 200 ok xxx") and len(sent.response or "") < 300


def test_broken_channels_are_reported_by_the_commands_that_send_only(caplog: pytest.LogCaptureFixture,
                                                                      db: Database) -> None:
    from korus_watch.app import status_source

    config = settings(channel_toml(name="typo", type="slak", url="https://example.org/x"))
    with caplog.at_level(logging.INFO, logger="notify"):
        source = status_source(db, config)  # the web app's /status: it shows the channel, it sends nothing
    assert [row["problem"] for row in source()["channels"]] == [
        "channel 'typo': unknown type 'slak' (one of discord, email, google_chat, slack, teams, webhook)"]
    assert caplog.records == []
    with caplog.at_level(logging.INFO, logger="notify"):
        Dispatcher(db, config.notifier()).close()
    assert [record.getMessage() for record in caplog.records] == [
        "channel broken: channel 'typo': unknown type 'slak' (one of discord, email, google_chat, slack, teams, "
        "webhook)"]


PUBLIC_URL = "https://korus-watch.example.org/archive/"


def test_with_a_public_url_every_alert_and_digest_item_links_to_its_event_page(
        db: Database, receiver: WebhookReceiver, smtp: SmtpServer) -> None:
    config = settings(*[channel_toml(name=f"chat-{kind}", type=kind, url=receiver.url(path), topics=["korus"])
                        for kind, path in CHAT_CHANNELS.items()],
                      channel_toml(name="mail", type="email", to=["a@example.org"], topics=["korus"]),
                      channel_toml(name="digest", type="email", to=["d@example.org"], mode="digest",
                                   schedule="0 8 * * *", topics=["korus"]),
                      f'[http]\npublic_url = "{PUBLIC_URL}"\n', smtp=smtp)
    with_events(db, config)
    event_ids = sorted({d.event_id for d in deliveries(db) if d.event_id is not None})
    assert len(event_ids) == 2
    dispatcher = Dispatcher(db, config.notifier())
    assert dispatcher.deliver().sent == 12
    assert dispatcher.digest("digest")[1].sent == 1

    def page(event_id: int) -> str:
        return f"https://korus-watch.example.org/archive/events/{event_id}"

    generic = [r.json["events"][0] for r in receiver.requests("/generic")]
    assert sorted(event["page_url"] for event in generic) == [page(e) for e in event_ids]
    statement_urls = {event["event_id"]: event["url"] for event in generic}
    for path in CHAT_CHANNELS.values():
        for request in receiver.requests(path):
            body = request.body.decode()
            (event_id,) = [e for e in event_ids if page(e) in body]  # its own event's page,
            assert statement_urls[event_id] in body, path  # beside the statement on the site
    alerts, (digest,) = smtp.wait_for(3)[:2], [m for m in smtp.messages if "d@example.org" in m.rcpt_tos]
    for mail in [*alerts, digest]:
        parts = mime_parts(mail.message)
        shown = [e for e in event_ids if page(e) in parts["text/plain"]]
        assert shown and all(f'href="{page(e)}"' in parts["text/html"] for e in shown)
    assert len([e for e in event_ids if page(e) in mime_parts(digest.message)["text/plain"]]) == 2


def test_without_a_public_url_messages_link_to_the_site_only(db: Database, receiver: WebhookReceiver) -> None:
    config = chat_settings(receiver)
    with_events(db, config)
    Dispatcher(db, config.notifier()).deliver()
    assert all("/events/" not in r.body.decode() for r in receiver.requests())
    assert all(r.json["events"][0]["page_url"] is None for r in receiver.requests("/generic"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the sender lock of one process is SQLite's
def test_a_failed_take_back_leaves_the_sender_lock_to_the_next_pass(
    db: Database, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = settings(channel_toml(name="team", type="slack", url=receiver.url("/slack"), events=["new"]))
    with_events(db, config)
    dispatcher = Dispatcher(db, config.notifier())
    take_back = dispatcher._take_back_abandoned

    def fails_once() -> None:
        monkeypatch.setattr(dispatcher, "_take_back_abandoned", take_back)
        raise OperationalError("UPDATE deliveries", {}, Exception("disk I/O error"))

    monkeypatch.setattr(dispatcher, "_take_back_abandoned", fails_once)
    with pytest.raises(OperationalError):
        dispatcher.deliver()
    # The same process's next pass takes the lock again: it was not kept by the pass that failed.
    assert dispatcher.deliver().sent == 1
    assert len(receiver.requests("/slack")) == 1
    dispatcher.close()
