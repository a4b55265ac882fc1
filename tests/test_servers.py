"""The notifier's test servers and payload checks, exercised over real sockets."""

from __future__ import annotations

import json
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from testkit.servers import (
    PayloadInvalid,
    Reply,
    SmtpServer,
    WebhookReceiver,
    discord_pings,
    signature,
    slack_mentions,
    validate_discord,
    validate_google_chat,
    validate_slack,
    validate_teams,
    verify_signature,
)


def email_message(number: int = 1) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "korus-watch@example.test"
    message["To"] = "analyst@example.test"
    message["Subject"] = f"KORUS digest №{number}"
    message["Message-ID"] = f"<digest-{number}@korus-watch.test>"
    message.set_content("Two statements changed: Überblick.")
    return message


# --- SMTP ---------------------------------------------------------------------------------------------------


def test_smtp_records_the_envelope_and_the_parsed_message(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(email_message(), to_addrs=["analyst@example.test", "desk@example.test"])
    [received] = smtp.wait_for(1)
    assert received.mail_from == "korus-watch@example.test"
    assert received.rcpt_tos == ("analyst@example.test", "desk@example.test")
    assert received.message["Subject"] == "KORUS digest №1"
    assert received.message.get_content().strip() == "Two statements changed: Überblick."
    assert b"Subject:" in received.raw and not received.tls and received.username is None
    assert smtp.message_ids() == ["<digest-1@korus-watch.test>"]


def test_smtp_wait_for_times_out_and_counts_concurrent_senders(smtp: SmtpServer) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        smtp.wait_for(1, timeout=0.1)

    def send(number: int) -> None:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.send_message(email_message(number))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    assert len(smtp.wait_for(8)) == 8
    for thread in threads:
        thread.join()
    assert sorted(smtp.message_ids()) == sorted(f"<digest-{n}@korus-watch.test>" for n in range(8))


def test_starttls_is_required_and_verified_with_the_test_ca() -> None:
    with SmtpServer("starttls") as server:
        with (
            smtplib.SMTP(server.host, server.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPSenderRefused) as refused,
        ):
            client.send_message(email_message())
        assert refused.value.smtp_code == 530  # "Must issue a STARTTLS command first"
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.starttls(context=ssl.create_default_context(cafile=str(server.ca_file)))
            client.send_message(email_message())
        assert server.wait_for(1)[0].tls


def test_implicit_tls_with_auth() -> None:
    with SmtpServer("ssl", username="digest", password="s3cret") as server:
        with smtplib.SMTP_SSL(server.host, server.port, context=server.client_tls_context(), timeout=5) as client:
            client.login("digest", "s3cret")
            client.send_message(email_message())
        [received] = server.wait_for(1)
        assert received.tls and received.username == "digest"


@pytest.mark.parametrize("certificate", ["untrusted", "wrong_host"])
def test_tls_clients_reject_a_bad_certificate(certificate: str) -> None:
    with SmtpServer("ssl", certificate=certificate) as server:  # type: ignore[arg-type]
        with pytest.raises(ssl.SSLCertVerificationError):
            smtplib.SMTP_SSL(server.host, server.port, context=server.client_tls_context(), timeout=5)
        # The same server is reachable when verification is off: the failure above is the certificate's.
        unverified = ssl.create_default_context()
        unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
        with smtplib.SMTP_SSL(server.host, server.port, context=unverified, timeout=5) as client:
            assert client.noop()[0] == 250


def test_auth_is_required_and_wrong_or_refused_credentials_get_535() -> None:
    with SmtpServer(username="digest", password="s3cret") as server:
        with (
            smtplib.SMTP(server.host, server.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPSenderRefused) as unauthenticated,
        ):
            client.send_message(email_message())
        assert unauthenticated.value.smtp_code == 530
        with (
            smtplib.SMTP(server.host, server.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPAuthenticationError) as wrong,
        ):
            client.login("digest", "guess")
        assert wrong.value.smtp_code == 535
        server.refuse_auth(1)
        with (
            smtplib.SMTP(server.host, server.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPAuthenticationError) as refused,
        ):
            client.login("digest", "s3cret")
        assert refused.value.smtp_code == 535
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:  # the refusal was used up
            client.login("digest", "s3cret")
            client.send_message(email_message())
        assert [m.username for m in server.wait_for(1)] == ["digest"]


def test_refusals_at_data_and_rcpt(smtp: SmtpServer) -> None:
    smtp.refuse(1, code=451, text="4.3.0 Try again later", at="data")
    smtp.refuse(1, code=550, text="5.1.1 No such user", at="rcpt")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as rcpt:
            client.send_message(email_message())
        assert rcpt.value.recipients == {"analyst@example.test": (550, b"5.1.1 No such user")}
        with pytest.raises(smtplib.SMTPDataError) as data:
            client.send_message(email_message())
        assert (data.value.smtp_code, data.value.smtp_error) == (451, b"4.3.0 Try again later")
        assert smtp.messages == []
        client.send_message(email_message())
    assert len(smtp.wait_for(1)) == 1


def test_dropped_connections(smtp: SmtpServer) -> None:
    smtp.drop(1, at="connect")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtplib.SMTP(smtp.host, smtp.port, timeout=5)
    smtp.drop(1, at="data")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client, pytest.raises(smtplib.SMTPServerDisconnected):
        client.send_message(email_message())
    assert smtp.messages == []
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(email_message())
    assert len(smtp.wait_for(1)) == 1


def test_clear_forgets_messages_and_unused_faults(smtp: SmtpServer) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(email_message())
    smtp.refuse(3)
    smtp.clear()
    assert smtp.messages == []
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(email_message(2))
    assert smtp.message_ids() == ["<digest-2@korus-watch.test>"]


# --- webhook receiver -------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A receiver expecting nothing of any path: these tests set what each one expects."""
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def test_receiver_records_posts_and_answers_like_each_platform(receiver: WebhookReceiver, client: httpx.Client) -> None:
    before = time.time()
    slack = client.post(receiver.url("/slack/T0/B0/x"), json={"text": "hi"}, headers={"X-Korus-Event": "new"})
    assert (slack.status_code, slack.text, slack.headers["content-type"]) == (200, "ok", "text/plain; charset=utf-8")
    assert client.post(receiver.url("/discord"), json={"content": "hi"}).status_code == 204
    assert client.post(receiver.url("/teams"), json={}).status_code == 202
    assert client.post(receiver.url("/google-chat"), json={"text": "hi"}).json()["name"].startswith("spaces/")
    generic = client.post(receiver.url("/hooks/ours"), json={"event": "x"})
    assert (generic.status_code, generic.json()) == (200, {})
    [request] = receiver.requests("/slack/T0/B0/x")
    assert request.json == {"text": "hi"} and request.json_error is None and request.status == 200
    assert request.headers["x-korus-event"] == "new" == request.headers["X-KORUS-EVENT"]
    assert json.loads(request.body) == {"text": "hi"} and before <= request.received_at <= time.time()
    paths = ["/slack/T0/B0/x", "/discord", "/teams", "/google-chat", "/hooks/ours"]
    assert [r.path for r in receiver.requests()] == paths


def test_receiver_records_a_body_that_is_not_json(receiver: WebhookReceiver, client: httpx.Client) -> None:
    client.post(receiver.url("/generic"), content=b"{not json", headers={"Content-Type": "application/json"})
    [request] = receiver.requests()
    assert request.json is None and request.json_error and request.body == b"{not json"


def test_receiver_reads_a_chunked_body(receiver: WebhookReceiver, client: httpx.Client) -> None:
    client.post(receiver.url("/generic"), content=iter([b'{"event": ', b'"statement.new"}']))
    [request] = receiver.requests()
    assert request.headers["transfer-encoding"] == "chunked" and request.json == {"event": "statement.new"}


def test_a_stopped_receiver_refuses_even_kept_alive_clients(receiver: WebhookReceiver, client: httpx.Client) -> None:
    assert client.post(receiver.url("/slack"), json={"text": "a"}).status_code == 200
    receiver.stop()
    with pytest.raises(httpx.TransportError):
        client.post(receiver.url("/slack"), json={"text": "b"})
    assert len(receiver.requests()) == 1


def test_scripted_faults_are_used_up_in_order(receiver: WebhookReceiver, client: httpx.Client) -> None:
    receiver.script("/slack", Reply.retry_after(7), Reply.retry_after(2, status=503), Reply.error(500))
    first = client.post(receiver.url("/slack"), json={"text": "a"})
    assert (first.status_code, first.headers["retry-after"]) == (429, "7")
    second = client.post(receiver.url("/slack"), json={"text": "a"})
    assert (second.status_code, second.headers["retry-after"]) == (503, "2")
    assert client.post(receiver.url("/slack"), json={"text": "a"}).status_code == 500
    assert client.post(receiver.url("/discord"), json={"content": "a"}).status_code == 204  # other paths unaffected
    assert client.post(receiver.url("/slack"), json={"text": "a"}).text == "ok"
    assert [r.status for r in receiver.requests("/slack")] == [429, 503, 500, 200]


def test_a_slow_answer_is_recorded_as_received_before_the_client_times_out(receiver: WebhookReceiver) -> None:
    receiver.script("/teams", Reply.slow(2))
    with httpx.Client(timeout=0.3) as impatient:
        sent = time.time()
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(receiver.url("/teams"), json={"type": "message"})
        gave_up = time.time()
    [request] = receiver.requests("/teams")
    assert sent <= request.received_at < gave_up and request.status is None
    receiver.stop()  # ends the scripted wait at once instead of after 2 s
    assert time.time() - gave_up < 1


def test_a_dropped_connection_gets_no_answer(receiver: WebhookReceiver, client: httpx.Client) -> None:
    receiver.script("/discord", Reply.hang_up())
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(receiver.url("/discord"), json={"content": "a"})
    assert len(receiver.requests("/discord")) == 1 and receiver.requests("/discord")[0].status is None
    assert client.post(receiver.url("/discord"), json={"content": "a"}).status_code == 204


def test_set_default_changes_a_paths_normal_answer(receiver: WebhookReceiver, client: httpx.Client) -> None:
    receiver.set_default("/discord", Reply.json(200, {"id": "1"}))
    assert client.post(receiver.url("/discord"), json={"content": "a"}).json() == {"id": "1"}


def test_expected_payloads_are_validated_and_bad_ones_answered_400(
    receiver: WebhookReceiver, client: httpx.Client,
) -> None:
    receiver.expect("/slack", validate_slack)
    receiver.expect("/discord", validate_discord)
    bad_slack = client.post(receiver.url("/slack"), json={"blocks": [{"type": "divider"}]})
    assert (bad_slack.status_code, bad_slack.text) == (400, "no_text")
    bad_discord = client.post(receiver.url("/discord"), json={"content": "x" * 2001})
    assert bad_discord.status_code == 400 and bad_discord.json()["code"] == 50035
    assert client.post(receiver.url("/slack"), json={"text": "fine"}).status_code == 200
    slack_error, discord_error = receiver.invalid
    assert (slack_error.request.path, discord_error.request.path) == ("/slack", "/discord")
    assert "text is required" in slack_error.error and "2000" in discord_error.error
    assert [r.status for r in receiver.requests()] == [400, 400, 200]


def test_wait_for_and_clear(receiver: WebhookReceiver, client: httpx.Client) -> None:
    with pytest.raises(TimeoutError):
        receiver.wait_for(1, timeout=0.1)
    threading.Timer(0.1, lambda: client.post(receiver.url("/slack"), json={"text": "late"})).start()
    assert receiver.wait_for(1, "/slack", timeout=5)[0].json == {"text": "late"}
    receiver.script("/slack", Reply.error(500))
    receiver.clear()
    assert receiver.requests() == []
    assert client.post(receiver.url("/slack"), json={"text": "a"}).status_code == 200  # the script went too


# --- payload schemas --------------------------------------------------------------------------------------


VALID_SLACK = {
    "text": "2 KORUS statements changed",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "KORUS watch"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*New* statement"},
         "fields": [{"type": "mrkdwn", "text": "*Topic*"}, {"type": "plain_text", "text": "autos"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ustr.gov"}]},
        {"type": "divider"},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Read"}, "url": "https://ustr.gov/x"}]},
    ],
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize(("payload", "fragment"), [
    ({"text": "x" * 40_001}, "40000"),
    ({"text": "t", "blocks": [section("s")] * 51}, "50"),
    ({"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "150"),
    ({"text": "t", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}, "plain_text"),
    ({"text": "t", "blocks": [section("s" * 3001)]}, "3000"),
    ({"text": "t", "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]}, "10"),
    ({"text": "t", "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}]}, "2000"),
    ({"text": "t", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]}, "10"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}}]}]}, "75"),
    ({"text": "t", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "b"}, "url": "https://x.test/" + "u" * 3000},
    ]}]}, "3000"),
    ({"text": "t", "blocks": [{"type": "image", "image_url": "https://x.test/i.png", "alt_text": "i"}]}, "image"),
    ({"blocks": [section("s")]}, "text is required"),
    ({"text": "t", "blocks": [section("")]}, "at least 1"),
    ({"text": "see <!channel>"}, "<!channel>"),
    ({"text": "t", "blocks": [section("<!here|here> now")]}, "<!here|here>"),
])
def test_validate_slack_rejects(payload: dict[str, Any], fragment: str) -> None:
    validate_slack(VALID_SLACK)
    with pytest.raises(PayloadInvalid, match=fragment.replace("|", r"\|")):
        validate_slack(payload)


def test_slack_mentions_lists_every_ping_and_skips_escaped_ones() -> None:
    payload = {"text": "&lt;!channel&gt; by <@U123>", "blocks": [section("cc <!subteam^S1> and <https://x.test|x>")]}
    assert slack_mentions(payload) == ["<@U123>", "<!subteam^S1>"]
    validate_slack(payload)  # user and group mentions are not broadcasts
    assert slack_mentions(VALID_SLACK) == []


def teams_message(*body: dict[str, Any], version: str = "1.5", **card: Any) -> dict[str, Any]:
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": version, "body": list(body), **card}}]}


VALID_TEAMS = teams_message(
    {"type": "TextBlock", "text": "KORUS watch", "weight": "Bolder"},
    {"type": "FactSet", "facts": [{"title": "Topic", "value": "autos"}]},
    {"type": "Container", "items": [{"type": "TextBlock", "text": "inside"}]},
    {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "c"}]}]},
    actions=[{"type": "Action.OpenUrl", "title": "Read", "url": "https://ustr.gov/x"}],
)


@pytest.mark.parametrize(("payload", "fragment"), [
    (teams_message({"type": "TextBlock", "text": "x" * 28_500}), "28000"),
    (teams_message(version="1.6"), "1.6"),
    (teams_message({"type": "Markdown", "text": "x"}), "Markdown"),
    (teams_message({"type": "TextBlock"}), "text"),
    (teams_message({"type": "FactSet", "facts": [{"title": "t"}]}), "value"),
    (teams_message({"type": "Container", "items": [{"type": "Bogus"}]}), "Bogus"),
    (teams_message(actions=[{"type": "Action.OpenUrl", "title": "go"}]), "url"),
    ({"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.teams.card.o365connector",
                                          "content": {}}]}, "contentType"),
    ({"@type": "MessageCard", "text": "legacy"}, "type must be 'message'"),
])
def test_validate_teams_rejects(payload: dict[str, Any], fragment: str) -> None:
    validate_teams(VALID_TEAMS)
    with pytest.raises(PayloadInvalid, match=fragment):
        validate_teams(payload)


def test_validate_teams_measures_the_body_as_sent() -> None:
    padded = json.dumps(VALID_TEAMS, indent=1).encode() + b" " * 28_000
    with pytest.raises(PayloadInvalid, match="bytes"):
        validate_teams(VALID_TEAMS, raw=padded)


def discord_embed(**fields: Any) -> dict[str, Any]:
    return {"embeds": [{"title": "t", **fields}]}


VALID_DISCORD = {
    "content": "KORUS watch: 1 new statement",
    "username": "korus-watch",
    "allowed_mentions": {"parse": []},
    "embeds": [{
        "title": "USTR statement", "url": "https://ustr.gov/x", "description": "text",
        "fields": [{"name": "Topic", "value": "autos", "inline": True}],
        "footer": {"text": "korus-watch"}, "author": {"name": "USTR", "url": "https://ustr.gov"},
    }],
}


@pytest.mark.parametrize(("payload", "fragment"), [
    ({}, "empty message"),
    ({"content": "x" * 2001}, "2000"),
    ({"embeds": [{"title": "t"}] * 11}, "10"),
    (discord_embed(title="x" * 257), "256"),
    (discord_embed(description="x" * 4097), "4096"),
    (discord_embed(fields=[{"name": "n", "value": "v"}] * 26), "25"),
    (discord_embed(fields=[{"name": "n" * 257, "value": "v"}]), "256"),
    (discord_embed(fields=[{"name": "n", "value": "v" * 1025}]), "1024"),
    (discord_embed(fields=[{"name": "n"}]), "value"),
    (discord_embed(footer={"text": "f" * 2049}), "2048"),
    (discord_embed(author={"name": "a" * 257}), "256"),
    ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "6001"),
    (discord_embed(url="javascript:alert(1)"), "http"),
    (discord_embed(image={"url": "ftp://x.test/i.png"}), "http"),
])
def test_validate_discord_rejects(payload: dict[str, Any], fragment: str) -> None:
    validate_discord(VALID_DISCORD)
    with pytest.raises(PayloadInvalid, match=fragment):
        validate_discord(payload)


@pytest.mark.parametrize(("payload", "pings"), [
    ({"content": "@everyone look"}, True),
    ({"content": "hey <@123>"}, True),
    ({"content": "hey <@!123>"}, True),
    ({"content": "team <@&456>"}, True),
    ({"content": "@here", "allowed_mentions": {"parse": []}}, False),
    ({"content": "@everyone", "allowed_mentions": {"parse": ["users"]}}, False),
    ({"content": "<@123>", "allowed_mentions": {"parse": ["users"]}}, True),
    ({"content": "<@123>", "allowed_mentions": {"parse": [], "users": ["123"]}}, True),
    ({"content": "<@&456>", "allowed_mentions": {"parse": ["everyone"]}}, False),
    ({"content": "no mention, user@example.test"}, False),
    ({"embeds": [{"description": "@everyone <@123>"}]}, False),
])
def test_discord_pings(payload: dict[str, Any], pings: bool) -> None:
    assert discord_pings(payload) is pings


VALID_GOOGLE_CHAT = {
    "text": "KORUS watch: 1 new statement",
    "cardsV2": [{"cardId": "statement-42", "card": {
        "header": {"title": "USTR statement"},
        "sections": [{"widgets": [
            {"textParagraph": {"text": "<b>New</b> statement"}},
            {"decoratedText": {"topLabel": "Topic", "text": "autos"}},
            {"buttonList": {"buttons": [{"text": "Read", "onClick": {"openLink": {"url": "https://ustr.gov/x"}}}]}},
        ]}],
    }}],
}


def google_chat_card(*widgets: dict[str, Any]) -> dict[str, Any]:
    return {"cardsV2": [{"cardId": "c", "card": {"sections": [{"widgets": list(widgets)}]}}]}


@pytest.mark.parametrize(("payload", "fragment"), [
    ({}, "text or cardsV2"),
    ({"text": "x" * 32_000}, "32000"),
    ({"text": "é" * 16_000}, "32000"),  # bytes, not characters
    ({"cardsV2": [{"card": {"sections": [{"widgets": [{"divider": {}}]}]}}]}, "cardId"),
    (google_chat_card(), "at least 1"),
    (google_chat_card({"textParagraph": {}}), "textParagraph.text"),
    (google_chat_card({"paragraph": {"text": "x"}}), "exactly one"),
    (google_chat_card({"divider": {}, "textParagraph": {"text": "x"}}), "exactly one"),
    (google_chat_card({"buttonList": {"buttons": [{"text": "b", "onClick": {"openLink": {"url": "x"}}}]}}), "http"),
    (google_chat_card(*[{"divider": {}}] * 101), "100"),
])
def test_validate_google_chat_rejects(payload: dict[str, Any], fragment: str) -> None:
    validate_google_chat(VALID_GOOGLE_CHAT)
    with pytest.raises(PayloadInvalid, match=fragment):
        validate_google_chat(payload)


def test_signatures_verify_only_the_exact_secret_timestamp_and_body() -> None:
    body = b'{"event":"statement.new"}'
    header = signature("s3cret", "1700000000", body)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify_signature("s3cret", "1700000000", body, header)
    assert verify_signature(b"s3cret", "1700000000", body, header)
    assert not verify_signature("other", "1700000000", body, header)
    assert not verify_signature("s3cret", "1700000001", body, header)
    assert not verify_signature("s3cret", "1700000000", body + b" ", header)
    assert not verify_signature("s3cret", "1700000000", body, header.removeprefix("sha256="))
    assert not verify_signature("s3cret", "1700000000", body, "sha256=ünicode")


@pytest.mark.parametrize("double", [SmtpServer, WebhookReceiver])
def test_a_double_asked_for_its_port_before_it_starts_says_which_it_is(
    double: type[SmtpServer | WebhookReceiver],
) -> None:
    with pytest.raises(RuntimeError, match=f"the {double.kind} has not been started"):
        _ = double().port
    with double() as started:
        assert started.port > 0
