"""python -m tests.golden.record: records the golden responses from the imitation sites (testkit.sites), as if from
ustr.gov and the ministry's host, and writes each case's expected reading from the readers as they are now. Run it
only deliberately, and read the diff of the expected files before committing it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from testkit.sites import KorusSite, MinistrySite, SiteServer
from testkit.sites.korus import FINAL_TEXT, LANDING
from testkit.sites.ministry import BOARD
from tests.golden.harness import GOLDEN, dumps, expected_path, reading

USTR = "https://ustr.gov"
MOTIR = "https://english.motir.go.kr"
LISTING = {"name": "motir", "url": MOTIR + BOARD, "item": "ul.board_list > li", "date": ".date", "next": "a.next",
           "body": ".view_content"}


def main() -> None:
    korus = KorusSite()
    chapter_6 = next(d for d in korus.documents if d.title.startswith("Chapter 6:"))
    with SiteServer(korus) as server:
        def page(case: str, path: str, **settings: Any) -> None:
            _record("pages", case, server, path, USTR, "read_page", {"name": "korus-fta", "urls": [USTR + path],
                                                                     **settings})
        page("korus-landing", LANDING)
        page("korus-final-text", FINAL_TEXT, selector=".field--name-body")
        page("korus-final-text-main-content", FINAL_TEXT)
        page("korus-chapter-6", chapter_6.path)
    ministry = MinistrySite()
    with SiteServer(ministry) as server:
        def listing(case: str, path: str, reader: str = "read_list_page", listed: dict[str, Any] | None = None,
                    **settings: Any) -> None:
            _record("listings", case, server, path, MOTIR, reader, {**LISTING, **settings}, listed)
        listing("motir-list-page-1", BOARD)
        listing("motir-list-page-3-last", BOARD + "?pageIndex=3")
        listing("motir-list-no-date-selector", BOARD, date=None)
        newest = ministry.newest_first()[0]
        listed = {"url": MOTIR + newest.path, "title": newest.title, "date": newest.published.isoformat(),
                  "date_text": f"{newest.published:%Y.%m.%d}", "on_host": True}
        listing("motir-item-listed", newest.path, "read_item_page", listed)
        listing("motir-item-unlisted", newest.path, "read_item_page")
        listing("motir-item-main-content", newest.path, "read_item_page", listed, body=None)
        ministry.set_date_style("written")
        listing("motir-list-written-dates", BOARD)
        ministry.set_date_style("day_first")
        listing("motir-list-day-first", BOARD, date_order="DMY")
        listing("motir-list-day-first-without-order", BOARD)
        ministry.set_date_style("dotted")
        for mode in ("no_items", "items_without_links", "script_links", "next_off_host", "not_html"):
            ministry.set_list_mode(mode)  # type: ignore[arg-type]
            listing(f"motir-list-{mode.replace('_', '-')}", BOARD)


def _record(
    kind: str, case: str, server: SiteServer, path: str, host: str, reader: str, settings: dict[str, Any],
    listed: dict[str, Any] | None = None,
) -> None:
    answer = httpx.get(server.url(path))
    content_type = answer.headers["Content-Type"]
    suffix = ".pdf" if content_type == "application/pdf" else ".json" if "json" in content_type else ".html"
    folder = GOLDEN / kind
    (folder / f"{case}{suffix}").write_bytes(answer.content)
    response = {"url": host + path, "status": answer.status_code, "headers": {"Content-Type": content_type},
                "body": f"{case}{suffix}", "reader": reader, "settings": settings, "listed": listed}
    response_path = folder / f"{case}.response.json"
    response_path.write_text(json.dumps(response, indent=2) + "\n", encoding="utf-8")
    expected_path(response_path).write_text(dumps(reading(response_path)), encoding="utf-8")


if __name__ == "__main__":
    main()
