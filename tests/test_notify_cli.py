"""The notifier's commands as users run them, and a sender killed in the middle of a batch."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections import Counter
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from archive.db import Database
from notify.models import DeliveryStatus
from testkit.mirror import MirrorServer
from testkit.notify_support import Press, channel_toml, deliveries, seed_statement, settings_from, statement
from testkit.servers import Reply, SmtpServer, WebhookReceiver
from tests.conftest import REPO, KorusWatch

SLACK_URL_SECRET_PART = "T000/B000/XXXXXXXXSECRET"
DIGEST_SUBJECT = r"korus-watch digest \d{4}-\d\d-\d\d: 2 new"


def configure(korus_watch: KorusWatch, text: str) -> None:
    with korus_watch.config.open("a", encoding="utf-8") as config:
        config.write(text)


def press_for(korus_watch: KorusWatch, db: Database) -> Press:
    """Writes events into the archive the commands read, with the channels of their config file."""
    return Press(db, settings_from(korus_watch.config.read_text(encoding="utf-8")))


def events_in(press: Press, count: int) -> None:
    press.crawl(seed_statement())
    press.crawl(*[statement(f"korus-{n}", f"KORUS statement {n}") for n in range(count)])


def test_deliver_digest_and_the_delivery_log(korus_watch: KorusWatch, db: Database, smtp: SmtpServer,
                                             receiver: WebhookReceiver, tmp_path: Path) -> None:
    configure(korus_watch, (
        f'[smtp]\nport = {smtp.port}\nsecurity = "none"\nfrom_addr = "watch@example.org"\n'
        + channel_toml(name="analysts", type="email", to=["analyst@example.org"], mode="digest",
                       schedule="0 8 * * mon-fri", timezone="America/New_York")
        + channel_toml(name="team-chat", type="slack", url=receiver.url(f"/slack/{SLACK_URL_SECRET_PART}"))
    ))
    events_in(press_for(korus_watch, db), 2)

    delivered = korus_watch.run("deliver")
    assert "sent 2, retrying 0, failed 0" in delivered.stdout
    assert len(receiver.requests()) == 2 and receiver.invalid == []
    assert SLACK_URL_SECRET_PART not in delivered.stdout + delivered.stderr

    out = tmp_path / "out"
    dry = korus_watch.run("digest", "--channel", "analysts", "--dry-run", "--out", str(out))
    assert "nothing sent" in dry.stdout and smtp.messages == []
    eml = message_from_bytes((out / "digest-analysts.eml").read_bytes(), policy=default_policy)
    assert re.fullmatch(DIGEST_SUBJECT, eml["Subject"])
    printed = korus_watch.run("digest", "--channel", "analysts", "--dry-run").stdout
    assert re.search(f"^Subject: {DIGEST_SUBJECT}$", printed, re.M) and "KORUS statement 1" in printed

    sent = korus_watch.run("digest")  # the only digest channel
    assert re.search(r"^digest \d+ for analysts: sent 1,", sent.stdout, re.M)
    assert re.fullmatch(DIGEST_SUBJECT, smtp.wait_for(1)[0].message["Subject"])
    assert "nothing sent" in korus_watch.run("digest", "--channel", "analysts").stdout
    assert len(smtp.messages) == 1

    log = json.loads(korus_watch.run("deliveries", "--json").stdout)
    assert Counter((row["channel"], row["kind"], row["status"]) for row in log) == {
        ("analysts", "digest", "sent"): 1,
        ("analysts", "event", "folded"): 2,
        ("team-chat", "event", "sent"): 2,
    }
    instant = korus_watch.run("digest", "--channel", "team-chat", check=False)
    assert instant.returncode == 1 and "instant channel" in instant.stderr


def test_digest_without_a_channel_names_the_digest_channels_to_choose_from(korus_watch: KorusWatch) -> None:
    configure(korus_watch, channel_toml(name="team-chat", type="slack", url="https://hooks.slack.com/services/T/B/x"))
    none = korus_watch.run("digest", check=False)
    assert none.returncode == 2 and "no digest channel is configured" in none.stderr
    configure(korus_watch, (
        '[smtp]\nfrom_addr = "watch@example.org"\n'
        + channel_toml(name="weekly", type="email", to=["a@example.org"], mode="digest", schedule="0 8 * * mon")
        + channel_toml(name="analysts", type="email", to=["b@example.org"], mode="digest", schedule="0 8 * * *")
    ))
    several = korus_watch.run("digest", check=False)
    assert several.returncode == 2 and "give --channel NAME: the digest channels are analysts, weekly" in several.stderr


def test_failed_deliveries_are_listed_and_requeued(korus_watch: KorusWatch, db: Database,
                                                   receiver: WebhookReceiver) -> None:
    configure(korus_watch, channel_toml(name="team-chat", type="slack", url=receiver.url("/slack")))
    events_in(press_for(korus_watch, db), 2)
    receiver.set_default("/slack", Reply.error(403, "invalid_token"))
    result = korus_watch.run("deliver", check=False)
    assert result.returncode == 1 and "failed 2" in result.stdout and "HTTP 403" in result.stderr

    failed = korus_watch.run("deliveries", "--failed").stdout
    assert failed.count("failed") >= 2 and "invalid_token" in failed
    first_id = min(d.id for d in deliveries(db))
    assert "requeued 1" in korus_watch.run("retry", str(first_id)).stdout
    receiver.set_default("/slack", Reply(status=200, body=b"ok", content_type="text/plain"))
    assert "sent 1" in korus_watch.run("deliver").stdout
    assert "requeued 1" in korus_watch.run("retry", "--all-failed").stdout
    assert "sent 1" in korus_watch.run("deliver").stdout
    assert all(d.status == DeliveryStatus.SENT for d in deliveries(db))
    unknown = korus_watch.run("retry", "999", check=False)
    assert unknown.returncode == 1 and "999" in unknown.stderr


def test_deliver_exits_0_while_a_send_waits_for_its_retry_and_1_for_a_broken_channel(
        korus_watch: KorusWatch, db: Database, receiver: WebhookReceiver) -> None:
    configure(korus_watch, channel_toml(name="team-chat", type="slack", url=receiver.url("/slack")))
    events_in(press_for(korus_watch, db), 1)
    receiver.set_default("/slack", Reply.error(503))
    retrying = korus_watch.run("deliver", check=False)
    assert retrying.returncode == 0 and "sent 0, retrying 1, failed 0" in retrying.stdout, retrying.stderr
    configure(korus_watch, channel_toml(name="typo", type="slak", url="https://example.org/x"))
    broken = korus_watch.run("deliver", check=False)  # nothing is due: the retry waits for its backoff
    assert broken.returncode == 1 and "sent 0, retrying 0, failed 0" in broken.stdout
    assert "error: channel 'typo': unknown type 'slak'" in broken.stderr


def test_notify_test_and_channels(korus_watch: KorusWatch, smtp: SmtpServer, receiver: WebhookReceiver) -> None:
    configure(korus_watch, (
        f'[smtp]\nport = {smtp.port}\nsecurity = "none"\nusername = ""\n'
        + channel_toml(name="team-chat", type="slack", url=receiver.url(f"/slack/{SLACK_URL_SECRET_PART}"))
        + channel_toml(name="mail", type="email", to=["a@example.org"])
        + channel_toml(name="hook", type="webhook", url=receiver.url("/generic"), secret="hmac-secret-value")
        + channel_toml(name="typo", type="slak", url="https://example.org/x")
    ))
    chat = korus_watch.run("notify-test", "team-chat")
    assert "HTTP 200 ok" in chat.stdout
    (request,) = receiver.requests("/slack/" + SLACK_URL_SECRET_PART)
    assert "Test message" in request.json["text"]
    mail = korus_watch.run("notify-test", "mail")
    assert "250" in mail.stdout
    assert smtp.wait_for(1)[0].message["Subject"].startswith("[TEST]")

    listing = korus_watch.run("channels", check=False)
    assert listing.returncode == 1
    assert SLACK_URL_SECRET_PART not in listing.stdout and "hmac-secret-value" not in listing.stdout
    assert "**********" in listing.stdout
    assert "BROKEN: channel 'typo': unknown type 'slak'" in listing.stdout
    broken = korus_watch.run("notify-test", "typo", check=False)
    assert broken.returncode == 1 and "unknown type 'slak'" in broken.stderr

    receiver.set_default("/generic", Reply.error(500))
    failing = korus_watch.run("notify-test", "hook", check=False)
    assert failing.returncode == 1 and "HTTP 500" in failing.stderr


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        ('name = "a b"\ntype = "slack"', "channels[a b].name: String should match pattern"),
        ('name = "x"\ntype = "slack"\nmode = "weekly"', "channels[x].mode"),
        ('name = "x"\ntype = "slack"\ntopics = ["tariffs"]', "channel 'x': unknown or disabled topic tariffs"),
        ('name = "x"\ntype = "email"\nevents = ["published"]', "channels[x].events.0"),
    ],
)
def test_channel_config_errors_name_the_channel(korus_watch: KorusWatch, channel: str, message: str) -> None:
    configure(korus_watch, f"[[channels]]\n{channel}\n")
    result = korus_watch.run("channels", check=False)
    assert result.returncode == 1 and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule": "61 25 * * *"}, "channels[analysts].schedule: Value error, '61 25 * * *' is not a crontab line: "),
        ({"schedule": "0 8 * * mon-fri", "timezone": "America/New_Yrok"},
         "channels[analysts].timezone: Value error, unknown time zone 'America/New_Yrok'"),
    ],
)
def test_a_digest_that_can_never_be_sent_stops_every_command(korus_watch: KorusWatch, mirror: MirrorServer,
                                                             fields: dict[str, str], message: str) -> None:
    configure(korus_watch, channel_toml(name="analysts", type="email", to=["a@example.org"], mode="digest", **fields))
    for command in ("status", "crawl", "channels"):
        result = korus_watch.run(command, check=False)
        assert result.returncode == 1, (command, result.stdout)
        (line,) = result.stderr.splitlines()
        assert line.startswith("Error: config error: ") and message in line, (command, line)
    assert mirror.requests == [], "the crawl started"


def test_a_sender_killed_mid_batch_loses_and_duplicates_nothing(korus_watch: KorusWatch, db: Database,
                                                                 receiver: WebhookReceiver) -> None:
    configure(korus_watch, (
        "[notify]\ntimeout_seconds = 1\n"
        + channel_toml(name="team-chat", type="slack", url=receiver.url("/slack"), max_per_hour=100)
        + channel_toml(name="hook", type="webhook", url=receiver.url("/generic"))
    ))
    events_in(press_for(korus_watch, db), 15)
    receiver.set_default("/slack", Reply.slow(0.15))
    receiver.set_default("/generic", Reply.slow(0.15))

    sender = subprocess.Popen([sys.executable, "-m", "korus_watch", "deliver"], cwd=REPO, env=korus_watch.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    receiver.wait_for(8, timeout=60)
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=10)
    interrupted = len(receiver.requests())
    assert interrupted < 30, "the batch finished before the kill"
    korus_watch.run("deliver")
    keys = {d.idempotency_key for d in deliveries(db)}
    assert len(keys) == 30 and all(d.status == DeliveryStatus.SENT for d in deliveries(db))
    received = Counter(r.headers["Idempotency-Key"] for r in receiver.requests())
    assert set(received) == keys
    # At most the message in flight on each channel at the kill arrives twice, with its key unchanged.
    assert sum(count - 1 for count in received.values()) <= 2
