"""What can be checked of the deployment files without a container engine."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from archive.db import default_database_url
from korus_watch import app as composition
from korus_watch.settings import load_settings
from notify.channels import build_channels
from tests.conftest import REPO


def test_the_example_configuration_loads_with_every_channel_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_CHAT_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    settings = load_settings(REPO / "deploy" / "korus-watch.toml")
    channels = build_channels(settings.notifier())
    assert channels.broken == {} and sorted(channels.working) == ["analysts", "team-chat"]
    assert [source.name for source in composition.sources(settings)] == ["press-office", "fr-korus", "korus-fta"]


def test_the_systemd_unit_leaves_the_configuration_file_in_charge(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    unit = (REPO / "deploy" / "korus-watch.service").read_text(encoding="utf-8")
    environment = dict(line.removeprefix("Environment=").split("=", 1) for line in unit.splitlines()
                       if line.startswith("Environment="))
    assert [name for name in environment if name.startswith("KORUS_WATCH_")] == ["KORUS_WATCH_CONFIG"]
    for name in [name for name in os.environ if name.startswith("KORUS_WATCH_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # Without a database in the file, the archive is in the unit's state directory, which the service may write.
    assert "StateDirectory=korus-watch\n" in unit and "ReadWritePaths=/var/lib/korus-watch\n" in unit
    assert default_database_url() == "sqlite:////var/lib/korus-watch/archive.sqlite3"
    config = tmp_path / "korus-watch.toml"
    config.write_text('[database]\nurl = "postgresql://watch@db.example.org/korus"\n', encoding="utf-8")
    assert load_settings(config).database.url == "postgresql://watch@db.example.org/korus"


def test_the_wheel_the_image_installs_carries_templates_and_migrations(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--wheel-dir", str(tmp_path), str(REPO)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("korus_watch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package_data in ("notify/templates", "web/templates", "web/static"):
        shipped = {name for name in names if name.startswith(f"{package_data}/")}
        source = {str(p.relative_to(REPO)) for p in (REPO / package_data).rglob("*") if p.is_file()}
        assert source and shipped == source, package_data
    migrations = {str(p.relative_to(REPO)) for p in (REPO / "archive" / "migrations").rglob("*.py")}
    assert migrations <= names
    assert {"scheduler/service.py", "crawler/sources/press_office/finder.py", "korus_watch/cli.py", "korus_watch/commands/reading.py"} <= names


def test_the_image_checks_health_where_the_service_listens() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "KORUS_WATCH_HTTP__PORT=8787" in dockerfile and "http://127.0.0.1:8787/healthz" in dockerfile
    assert "USER korus-watch" in dockerfile
    # The archive's default place is the volume, and a configuration file's [database] url is not overridden.
    assert "XDG_DATA_HOME=/var/lib " in dockerfile and 'VOLUME ["/var/lib/korus-watch"]' in dockerfile
    assert "KORUS_WATCH_DATABASE__URL=" not in dockerfile
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    for package in (pattern.rstrip("*") for pattern in packages["find"]["include"]):
        assert f"COPY {package} {package}\n" in dockerfile, f"the image is built without {package}/"
    compose = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    assert '"127.0.0.1:8787:8787"' in compose
