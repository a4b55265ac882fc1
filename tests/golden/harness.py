"""Golden files of the readers of other sites (watched pages, listings): a stored response, `<case>.response.json`
(URL, status, headers, the reader and its settings, the body's file beside it), and the expected reading,
`<case>.expected.json` (the item, the list page, or the ReadError). tests/test_golden_readers.py compares them;
`python -m tests.golden.record` records the responses from the imitation sites and the readings anew, which is
done only deliberately (then read the diff of the expected files)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

from crawler.sources.errors import ReadError
from crawler.sources.listings.reader import ListedItem, read_item_page, read_list_page
from crawler.sources.listings.settings import ListingsSettings
from crawler.sources.pages.reader import read_page
from crawler.sources.pages.settings import PagesSettings

GOLDEN = Path(__file__).resolve().parent
KINDS = ("pages", "listings")
_CRAWL_STAMPS = ("snapshot", "also_read")


def cases(kind: str) -> list[Path]:
    return sorted((GOLDEN / kind).glob("*.response.json"))


def expected_path(response_path: Path) -> Path:
    return response_path.with_name(response_path.name.replace(".response.json", ".expected.json"))


def reading(response_path: Path) -> dict[str, Any]:
    """What the case's reader reads of its stored response, as JSON-ready data."""
    case = json.loads(response_path.read_text(encoding="utf-8"))
    body = (response_path.parent / case["body"]).read_bytes()
    arguments = (case["url"], case["status"], case["headers"], body)
    try:
        if case["reader"] == "read_page":
            result: Any = read_page(*arguments, PagesSettings(**case["settings"]))
        elif case["reader"] == "read_list_page":
            result = read_list_page(*arguments, ListingsSettings(**case["settings"]))
        else:
            listed = case.get("listed")
            if listed is not None:
                listed = ListedItem(**{**listed, "date": date.fromisoformat(listed["date"]) if listed["date"] else None})
            result = read_item_page(*arguments, ListingsSettings(**case["settings"]), listed)
    except ReadError as error:
        return {"error": {"kind": error.kind, "message": error.message}}
    read = dataclasses.asdict(result)
    for stamp in _CRAWL_STAMPS:  # what a crawl stamps on a reading is not the reader's
        read.pop(stamp, None)
    return json.loads(json.dumps(read, default=_json_default))


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
