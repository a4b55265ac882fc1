"""Debian's Chromium driven headless by Playwright, for the web app's browser tests: how it is started, and a page
whose console errors and requests to other hosts are collected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium(*flags: str) -> Iterator[Browser]:
    """Chromium with these flags besides FLAGS; each of its contexts is a fresh profile (no cache, cookies or
    storage from before)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *flags], headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page whose console errors and requests to other hosts are collected."""

    def __init__(self, page: Page, host: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        self._host = host

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        if urlsplit(request.url).netloc != self._host:
            self.foreign.append(request.url)
