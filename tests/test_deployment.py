"""What can be checked of the deployment files without a container engine."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from korus_watch.settings import load_settings
from notify.channels import build_channels
from tests.conftest import REPO


def test_the_example_configuration_loads_with_every_channel_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_CHAT_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    settings = load_settings(REPO / "deploy" / "korus-watch.toml")
    channels = build_channels(settings.notifier())
    assert channels.broken == {} and sorted(channels.working) == ["analysts", "team-chat"]


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
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    for package in (pattern.rstrip("*") for pattern in packages["find"]["include"]):
        assert f"COPY {package} {package}\n" in dockerfile, f"the image is built without {package}/"
    compose = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    assert '"127.0.0.1:8787:8787"' in compose
