"""`korus-watch web` behind a real TLS reverse proxy, in Chromium: with http.public_url set to the proxy's https
address, every page is styled (its stylesheet comes over https), every link it holds points at the public URL, and
the browser reports no mixed content or other error."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Response

from tests.conftest import KorusWatch
from tests.serving import Serve, free_port
from tests.web.chromium import Watched, chromium
from tests.web.conftest import BuiltArchive
from tests.web.proxy import TlsProxy

PUBLIC_NAME = "watch.korus.test"  # resolved to 127.0.0.1 by Chromium only (--host-resolver-rules)
LINKS = "() => [...document.querySelectorAll('[href], [src], [action]')].map(e => " \
        "e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action'))"


@pytest.mark.parametrize("module_database_url", ["sqlite"], indirect=True)  # the links are the same on both
def test_behind_a_tls_proxy_every_page_is_styled_and_links_to_the_public_url(
        built: BuiltArchive, tmp_path: Path) -> None:
    port = free_port()
    with TlsProxy(f"127.0.0.1:{port}", PUBLIC_NAME) as proxy:
        config = tmp_path / "korus-watch.toml"
        config.write_text(built.korus_watch.config.read_text(encoding="utf-8")
                          + f'[http]\npublic_url = "{proxy.url}"\nforwarded_allow_ips = ["127.0.0.1"]\n',
                          encoding="utf-8")
        web = Serve(KorusWatch(config=config, env={**built.korus_watch.env, "KORUS_WATCH_CONFIG": str(config)}),
                    command="web", port=port)
        try:
            web.start()
            browse(proxy, built)
        finally:
            if web.process is not None and web.process.poll() is None:
                web.process.kill()
                web.process.wait()


def browse(proxy: TlsProxy, built: BuiltArchive) -> None:
    public = proxy.url
    statement_id = built.statement_id(built.edited)
    flags = [f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1",
             f"--ignore-certificate-errors-spki-list={proxy.spki_hash()}"]
    with chromium(*flags) as chrome:
        watched = Watched(chrome.new_context().new_page(), urlsplit(public).netloc)
        page = watched.page
        stylesheets: list[Response] = []
        page.on("response", lambda response: stylesheets.append(response) if response.url.endswith(".css") else None)
        page.goto(public)
        page.click("nav a:text('Archive')")  # a link the page holds, followed
        page.wait_for_url(f"{public}statements")
        for path in ("", "statements?q=korus", f"statements/{statement_id}", f"statements/{statement_id}/diff",
                     "status", "api/v1/docs", "nowhere"):
            answer = page.goto(public + path)
            assert answer is not None and answer.status == (404 if path == "nowhere" else 200), path
            assert page.evaluate("() => getComputedStyle(document.querySelector('header.site')).display") == "flex", path
            links = [link for link in page.evaluate(LINKS) if not link.startswith(built.mirror.base_url)]
            assert links and all(link.startswith(public) for link in links), (path, links)
        assert {(response.url, response.status) for response in stylesheets} == {(f"{public}static/style.css", 200)}
        assert watched.errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
        assert watched.foreign == [], watched.foreign
