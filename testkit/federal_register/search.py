"""documents.json as the API's code answers it (Api::V1::EntriesController#index, ApiController#render_search,
EsApplicationSearch, EsEntrySearch): the conditions it checks, its silent resets of per_page and page, its orders,
its description and its envelope."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, quote_plus

from testkit.federal_register.documents import AGENCIES, API_FIELDS, TYPES, FrDocument
from testkit.federal_register.terms import Term

# per_page: what the API's documentation states (its code allows 2,000); any other value silently becomes 20.
MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 20
# page below 1 or above 50 silently becomes 1, and total_pages never says more than 50.
MAX_PAGE = 50
# A page whose last result would lie past the 10,000th silently becomes page 1 (EsApplicationSearch#search_options).
MAX_RESULT_WINDOW = 10_000

IMITATED_CONDITIONS = frozenset({"term", "agencies", "type", "publication_date", "effective_date", "correction",
                                 "docket_id"})
# Conditions the API knows but the imitation does not: refused loudly rather than ignored.
NOT_IMITATED_CONDITIONS = frozenset({
    "agency_ids", "citing_document_numbers", "document_numbers", "executive_order_numbers", "president",
    "section_ids", "volume", "sections", "topic_ids", "topics", "notice_type_id", "notice_type",
    "presidential_document_type_id", "presidential_document_type", "small_entity_ids", "small_entities",
    "significant", "accepting_comments_on_regulations_dot_gov", "near", "signing_date", "comment_date", "cfr",
    "regulation_id_number", "search_type_id",
})
_DATE_LABELS = {"publication_date": "Publication Date", "effective_date": "Effective Date"}


class BadRequest(Exception):
    """A 400 answer: `body` is what the API sends."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.body = body


def nested_params(query: str) -> dict[str, Any]:
    """A query string as Rails reads it: conditions[publication_date][gte]=... nests, a trailing [] makes a list."""
    params: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        head, bracket, rest = name.partition("[")
        keys = [head] + (re.findall(r"\[([^\[\]]*)\]", bracket + rest) if bracket else [])
        is_list = len(keys) > 1 and keys[-1] == ""
        if is_list:
            keys.pop()
        target = params
        for key in keys[:-1]:
            child = target.get(key)
            if not isinstance(child, dict):
                child = target[key] = {}
            target = child
        if is_list:
            existing = target.get(keys[-1])
            target[keys[-1]] = (existing if isinstance(existing, list) else []) + [value]
        else:
            target[keys[-1]] = value
    return params


def ruby_to_i(value: Any) -> int:
    """String#to_i: leading digits, else 0."""
    match = re.match(r"\s*([+-]?\d+)", str(value if value is not None else ""))
    return int(match.group(1)) if match else 0


def requested_fields(params: dict[str, Any], default: Sequence[str]) -> tuple[str, ...]:
    """fields[], checked as EntrySerializer.find_options_for checks it."""
    asked = params.get("fields")
    if asked is None:
        return tuple(default)
    names = [asked] if isinstance(asked, str) else [str(n) for n in asked] if isinstance(asked, list) else []
    names = [name for name in names if name.strip()]
    for name in names:
        if name not in API_FIELDS:
            raise BadRequest({"status": 400, "message": f"field '{name}' not valid"})
    return tuple(names)


@dataclass(frozen=True)
class DateRange:
    gte: date
    lte: date
    name: str  # as the description says it: "on or after 2012-03-15"

    def holds(self, day: date | None) -> bool:
        return day is not None and self.gte <= day <= self.lte


def _ruby_date(text: str) -> date:
    for form in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(text)


def _date_range(value: dict[str, Any]) -> DateRange:
    """ApplicationSearch::DateSelector: is, else year, else gte and/or lte."""
    is_, gte, lte, year = (str(value.get(k) or "") for k in ("is", "gte", "lte", "year"))
    if is_:
        day = _ruby_date(is_)
        return DateRange(day, day, f"on {day.isoformat()}")
    if year:
        number = ruby_to_i(year)
        if not 1 <= number <= 9999:
            raise ValueError(year)
        return DateRange(date(number, 1, 1), date(number, 12, 31), f"in {number}")
    start = _ruby_date(gte) if gte else date(1994, 1, 1)
    end = _ruby_date(lte) if lte else date.max
    if gte and lte:
        name = f"from {start.isoformat()} to {end.isoformat()}"
    elif gte:
        name = f"on or after {start.isoformat()}"
    elif lte:
        name = f"on or before {end.isoformat()}"
    else:
        raise ValueError("no date")
    return DateRange(start, end, name)


def _to_sentence(items: Sequence[str], two: str = " and ", last: str = ", and ") -> str:
    """Rails' Array#to_sentence."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return items[0] + two + items[1]
    return ", ".join(items[:-1]) + last + items[-1]


class Search:
    """One documents.json query, checked; `BadRequest` when the API would answer 400."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        page = ruby_to_i(params.get("page"))
        self.page = page if 1 <= page <= MAX_PAGE else 1
        per_page = ruby_to_i(params.get("per_page"))
        self.per_page = per_page if 1 < per_page <= MAX_PER_PAGE else DEFAULT_PER_PAGE
        if self.page * self.per_page > MAX_RESULT_WINDOW:
            self.page = 1
        self.order = str(params.get("order") or "relevance")
        conditions = params.get("conditions")
        conditions = conditions if isinstance(conditions, dict) else {}
        errors: dict[str, str] = {}
        for key in conditions:
            if key not in IMITATED_CONDITIONS:
                errors[key] = ("is not imitated by testkit.federal_register" if key in NOT_IMITATED_CONDITIONS
                               else "is not a valid field")
        self.term: Term | None = None
        self.agencies: list[str] = []
        self.types: list[str] = []
        self.dates: dict[str, DateRange] = {}
        self.correction: bool | None = None
        self.docket: Term | None = None
        term = conditions.get("term")
        if isinstance(term, str) and term.strip():
            self.term = Term(term)
        agencies = _values(conditions.get("agencies"))
        if agencies:
            if any(slug not in AGENCIES for slug in agencies):
                errors["agencies"] = "invalid value"
            self.agencies = agencies
        self.types = _values(conditions.get("type"))  # an unknown type is no error: it matches nothing
        for name, label in _DATE_LABELS.items():
            value = conditions.get(name)
            if isinstance(value, dict) and any(str(v).strip() for v in value.values()):
                try:
                    self.dates[name] = _date_range(value)
                except ValueError:
                    errors[name] = f"{label} is not a valid ."  # sic: the API's message
        correction = conditions.get("correction")
        if correction not in (None, "", []):
            self.correction = ruby_to_i(correction[0] if isinstance(correction, list) else correction) == 1
        docket = conditions.get("docket_id")
        if isinstance(docket, str) and docket.strip():
            self.docket = Term(f'"{docket}"')
        if errors:
            raise BadRequest({"errors": errors})

    def description(self) -> str:
        """EsEntrySearch#summary."""
        parts = []
        if "publication_date" in self.dates:
            parts.append(f"published {self.dates['publication_date'].name}")
        if "effective_date" in self.dates:
            parts.append(f"with an effective date {self.dates['effective_date'].name}")
        if self.agencies:
            parts.append("from " + _to_sentence([AGENCIES[s].name for s in self.agencies], " or ", ", and "))
        if self.types:
            parts.append("of type " + _to_sentence([TYPES.get(t, "") for t in self.types], " or ", ", and "))
        if self.docket is not None:
            parts.append(f"filed under agency docket {self.params['conditions']['docket_id']}")
        if self.term is not None:
            parts.insert(0, f"matching '{self.term.text}'")
        elif not parts and self.correction is None:
            return "All Documents"
        return "Documents " + _to_sentence(parts)

    def matches(self, document: FrDocument, fields: Callable[[FrDocument], dict[str, list[str]]]) -> bool:
        if self.agencies and not set(self.agencies) & set(document.agencies):
            return False
        if self.types and document.type_code not in self.types:
            return False
        if "publication_date" in self.dates and not self.dates["publication_date"].holds(document.publication_date):
            return False
        if "effective_date" in self.dates and not self.dates["effective_date"].holds(document.effective_on):
            return False
        if self.correction is not None and document.is_correction != self.correction:
            return False
        if self.docket is not None and not self.docket.matches({"docket": [
            token for docket in document.docket_ids for token in docket.lower().replace("-", " ").split()
        ]}):
            return False
        return self.term is None or self.term.matches(fields(document))

    def ordered(
        self, documents: list[FrDocument], fields: Callable[[FrDocument], dict[str, list[str]]],
    ) -> list[FrDocument]:
        """EsEntrySearch#es_sort_order: newest and oldest by publication date, then document number (as text, the
        index's keyword order); relevance by score, then publication date, newest first."""
        if self.order in ("newest", "date"):
            return sorted(documents, key=lambda d: (d.publication_date, d.document_number), reverse=True)
        if self.order == "oldest":
            return sorted(documents, key=lambda d: (d.publication_date, d.document_number))
        scores = {id(d): (self.term.score(fields(d)) if self.term else 0.0) for d in documents}
        return sorted(documents, key=lambda d: (scores[id(d)], d.publication_date), reverse=True)

    def envelope(
        self, found: list[FrDocument], render: Callable[[FrDocument], dict[str, Any]], base_url: str,
    ) -> dict[str, Any]:
        """ApiController#render_search: count and description always; the rest only when anything matched."""
        count = len(found)
        answer: dict[str, Any] = {"count": count, "description": self.description()}
        if count == 0:
            return answer
        total_pages = min(math.ceil(count / self.per_page), MAX_PAGE)
        answer["total_pages"] = total_pages
        if self.page < total_pages:
            answer["next_page_url"] = self._page_url(base_url, self.page + 1)
        if self.page != 1:
            answer["previous_page_url"] = self._page_url(base_url, self.page - 1)
        start = (self.page - 1) * self.per_page
        answer["results"] = [render(d) for d in found[start:start + self.per_page]]
        return answer

    def _page_url(self, base_url: str, page: int) -> str:
        """The request's own parameters (as sent, per_page unchecked) with another page, as Rails writes a URL."""
        return f"{base_url}/api/v1/documents.json?{_to_query({**self.params, 'page': str(page)})}"


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return []


def _to_query(params: dict[str, Any], prefix: str | None = None) -> str:
    """Rails' Hash#to_query: each key's pairs, sorted; lists as name[]=value in their order."""
    pairs = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs.append(_to_query(value, name))
        elif isinstance(value, list):
            pairs.append("&".join(f"{quote_plus(name + '[]')}={quote_plus(str(v))}" for v in value))
        else:
            pairs.append(f"{quote_plus(name)}={quote_plus(str(value))}")
    return "&".join(sorted(pair for pair in pairs if pair))
