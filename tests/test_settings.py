import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from archive.db import default_database_url
from korus_watch.settings import ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("KORUS_WATCH_"):
            monkeypatch.delenv(name)


def test_no_config_means_ustr_gov_and_sqlite() -> None:
    settings = load_settings(None)
    assert settings.crawl.base_url == "https://ustr.gov"
    assert settings.database.url is None
    assert default_database_url().startswith("sqlite:///") and default_database_url().endswith("archive.sqlite3")
    assert [t.name for t in settings.enabled_topics()] == ["korus"]
    assert settings.crawl.verify_tls and settings.crawl.obey_robots_txt and settings.crawl.autothrottle


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[crawl]\nbase_url = "http://a.example"\nremoval_confirmations = 3\n', encoding="utf-8")
    monkeypatch.setenv("KORUS_WATCH_CONFIG", str(config))
    monkeypatch.setenv("KORUS_WATCH_CRAWL__BASE_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("KORUS_WATCH_DATABASE__URL", "postgresql://postgres@127.0.0.1/test")
    settings = load_settings()
    assert settings.crawl.base_url == "http://127.0.0.1:9"
    assert settings.crawl.removal_confirmations == 3
    assert settings.database.url == "postgresql://postgres@127.0.0.1/test"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[crawl]\nremoval_confirmations = 0\n", "crawl.removal_confirmations"),
        ("[crawl]\nbase_url = \"ftp://x\"\n", "crawl.base_url"),
        ("[crawl]\nspeed = 3\n", "crawl.speed: unknown setting"),
        ("[topics.steel]\nrules = [{ regex = \"(unclosed\" }]\n", "topics.steel.rules.0"),
        ("[topics.steel]\nthreshold = 1\n", "topics"),
        ("[crawl\n", "not valid TOML"),
        ("[http]\nforwarded_allow_ips = [\"proxy.example.org\"]\n", "http.forwarded_allow_ips.0"),
        ("[http]\nforwarded_allow_ips = [\"10.0.0.1/8\"]\n", "http.forwarded_allow_ips.0"),
        ("[http]\npublic_url = \"watch.example.org\"\n", "http.public_url"),
        ('[[channels]]\nname = "d"\ntype = "email"\nmode = "digest"\nschedule = "0 8 31 2 *"\n',
         "channels[d].schedule: Value error, '0 8 31 2 *' never fires"),
        ('[[channels]]\nname = "d"\ntype = "email"\nmode = "digest"\n',
         "channels[d]: Value error, a digest channel needs `schedule`"),
        ('[[channels]]\nname = "i"\ntype = "slack"\nschedule = "0 8 * * *"\n',
         "channels[i]: Value error, `schedule` is for digest channels"),
        ('[[channels]]\nname = "i"\ntype = "slack"\ntimezone = "UTC+9"\n', "channels[i].timezone: Value error, unknown"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_bad_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KORUS_WATCH_CRAWL__CONCURRENT_REQUESTS", "many")
    with pytest.raises(ConfigError, match="crawl.concurrent_requests"):
        load_settings()


def test_a_list_in_the_environment_must_be_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KORUS_WATCH_CRAWL__SECTIONS", "press-releases")
    with pytest.raises(ConfigError, match="as JSON") as raised:
        load_settings()
    assert "\n" not in str(raised.value)
    monkeypatch.setenv("KORUS_WATCH_CRAWL__SECTIONS", '["press-releases"]')
    assert load_settings().crawl.sections == ["press-releases"]


def test_forwarded_allow_ips_takes_addresses_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().http.forwarded_allow_ips == []  # no proxy is believed unless configured
    monkeypatch.setenv("KORUS_WATCH_HTTP__FORWARDED_ALLOW_IPS", '["127.0.0.1", "::1", "10.0.0.0/8"]')
    assert [str(network) for network in load_settings().http.forwarded_allow_ips] == [
        "127.0.0.1/32", "::1/128", "10.0.0.0/8"]


def test_custom_topic_and_disabled_korus(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[topics.korus]\nenabled = false\n"
        "[topics.steel]\nthreshold = 2\n"
        "rules = [{ term = \"steel\" }, { phrase = \"section 232\", weight = 2 }]\n",
        encoding="utf-8",
    )
    topics = load_settings(config).enabled_topics()
    assert [t.name for t in topics] == ["steel"]
    assert topics[0].threshold == 2 and len(topics[0].rules) == 2


def test_cli_reports_config_error_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[crawl]\ntimeout_seconds = -1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "korus_watch", "--config", str(config), "status"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "crawl.timeout_seconds" in lines[0], result.stderr


def test_channel_secrets_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[channels]]\nname = "chat"\ntype = "webhook"\nurl = "${HOOK_URL}"\nsecret = "${HOOK_SECRET}"\n'
        '[smtp]\npassword = "from-file"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HOOK_URL", "https://hooks.example.org/abc")
    monkeypatch.setenv("KORUS_WATCH_SMTP__PASSWORD", "from-env")
    with pytest.raises(ConfigError, match=r"channels\[chat\]\.secret: Value error, environment variable HOOK_SECRET"):
        load_settings(config)
    monkeypatch.setenv("HOOK_SECRET", "k3y")
    settings = load_settings(config)
    (channel,) = settings.channels
    assert channel.url is not None and channel.url.get_secret_value() == "https://hooks.example.org/abc"
    assert channel.secret is not None and channel.secret.get_secret_value() == "k3y"
    assert settings.smtp.password.get_secret_value() == "from-env"
    assert "k3y" not in repr(settings) and "from-env" not in repr(settings)


def test_two_channels_with_one_name_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[channels]]\nname = "a"\ntype = "slack"\n[[channels]]\nname = "a"\ntype = "email"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="two channels are named 'a'"):
        load_settings(config)


@pytest.mark.parametrize(
    "text",
    [
        '[smtp]\npasword = "hunter2-secret"\n',
        '[smtp]\nport = "hunter2-secret"\n',
        '[database]\nurl = ["postgresql://u:hunter2-secret@h/db"]\n',
        '[[channels]]\nname = "chat"\ntype = "slack"\nwebhook_url = "https://hooks.example/hunter2-secret"\n',
    ],
)
def test_config_errors_never_echo_what_may_be_a_secret(tmp_path: Path, text: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert "hunter2-secret" not in str(error.value)
    assert str(error.value).startswith("config error: ")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # AWS, Azure, GCP, OpenStack instance metadata
        "http://169.254.170.2/v2/credentials",  # ECS task credentials
        "https://[fe80::1]/hook",
        "http://[fe80::a9fe:a9fe%25eth0]/hook",
        "http://[::ffff:169.254.169.254]/hook",  # the same address, IPv4-mapped
        "http://2852039166/hook",  # 169.254.169.254 as one number, which the resolver accepts
        "http://0xa9.0xfe.0xa9.0xfe/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[fd00:ec2::254]/latest/meta-data/",  # AWS's IPv6 metadata endpoint
        "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud's
    ],
)
def test_a_webhook_to_a_link_local_or_metadata_address_is_refused_unless_allowed(tmp_path: Path, url: str) -> None:
    config = tmp_path / "c.toml"
    channel = f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{url}"\n'
    config.write_text(channel, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"channels\[hook\]: .*link-local or cloud metadata .*allow_link_local"):
        load_settings(config)
    config.write_text(channel + "allow_link_local = true\n", encoding="utf-8")
    (loaded,) = load_settings(config).channels
    assert loaded.allow_link_local


def test_ordinary_webhook_addresses_load(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("".join(f'[[channels]]\nname = "h{n}"\ntype = "webhook"\nurl = "{url}"\n' for n, url in enumerate(
        ["https://hooks.slack.com/services/T/B/x", "http://127.0.0.1:9/hook", "http://[::1]/x", "http://10.1.2.3/x",
         "http://169.255.0.1/x", "http://printer.local/x"])), encoding="utf-8")
    assert len(load_settings(config).channels) == 6


def test_an_smtp_ca_file_that_does_not_exist_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[smtp]\nca_file = "{tmp_path / "missing-ca.pem"}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"smtp.ca_file: .*missing-ca.pem does not exist"):
        load_settings(config)
    (tmp_path / "missing-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert load_settings(config).smtp.ca_file == tmp_path / "missing-ca.pem"


def test_every_config_error_is_listed_at_once(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[crawl]\ntimeout_seconds = -1\nspeed = 3\n[smtp]\nport = 0\n[logging]\nlevel = "LOUD"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith("4 config errors:") and "more)" not in message
    lines = message.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "crawl.timeout_seconds", "crawl.speed", "logging.level", "smtp.port"]


def test_the_readme_example_configuration_loads_as_written() -> None:
    from notify.channels import build_channels

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = Settings(**tomllib.loads(example))
    assert [channel.name for channel in settings.channels] == ["analysts", "team-chat", "ingest"]
    assert {topic.name for topic in settings.enabled_topics()} == {"korus", "steel"}
    assert build_channels(settings.notifier()).broken == {}
    # KORUS beyond the press office: the Federal Register query and the two agreement pages.
    assert [source.name for source in settings.sources.federal_register] == ["fr-korus"]
    assert [str(url) for source in settings.sources.pages for url in source.urls] == [
        "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta",
        "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/final-text"]
