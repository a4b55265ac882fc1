"""The Federal Register imitation (testkit/federal_register), exercised over real HTTP: the API's documented
parameters, its silent paging resets, its envelope and errors, corrections and same-number documents, and what a
test can do to it."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from testkit.federal_register import (
    FederalRegister,
    FederalRegisterServer,
    FrDocument,
    generated_register,
    korus_register,
)
from testkit.federal_register.fixtures import KORUS_TERM, SAME_NUMBER, SAME_NUMBER_DATES, USITC, USTR
from testkit.mirror import RateLimit

REPO = Path(__file__).resolve().parents[1]
Params = list[tuple[str, str | int | float | bool | None]]


@pytest.fixture
def register() -> FederalRegister:
    return korus_register()


@pytest.fixture
def server(register: FederalRegister) -> Iterator[FederalRegisterServer]:
    with FederalRegisterServer(register) as server:
        yield server


@pytest.fixture(scope="module")
def big() -> Iterator[FederalRegisterServer]:
    """2,000 generated KORUS documents of 2012, among 100 unrelated ones; not changed by any test."""
    with FederalRegisterServer(generated_register(2000, seed=3, unrelated=100)) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def search(client: httpx.Client, server: FederalRegisterServer, params: Params) -> httpx.Response:
    return client.get(server.api_url + "/documents.json", params=params)


def found(client: httpx.Client, server: FederalRegisterServer, params: Params) -> dict[str, Any]:
    response = search(client, server, params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    answer: dict[str, Any] = response.json()
    return answer


def numbers(answer: dict[str, Any]) -> list[str]:
    return [r["document_number"] for r in answer.get("results", [])]


KORUS: Params = [("conditions[term]", KORUS_TERM)]


def test_a_result_comes_in_the_envelope_and_its_pages_link_up(server: FederalRegisterServer,
                                                              client: httpx.Client) -> None:
    first = found(client, server, [*KORUS, ("order", "newest"), ("per_page", 4)])
    assert list(first) == ["count", "description", "total_pages", "next_page_url", "results"]
    assert first["count"] == 11 and first["total_pages"] == 3 and len(first["results"]) == 4
    assert first["description"] == f"Documents matching '{KORUS_TERM}'"
    pages, url = [first], first["next_page_url"]
    while url:
        response = client.get(url)
        pages.append(response.json())
        url = pages[-1].get("next_page_url")
    assert [list(page) for page in pages[1:]] == [
        ["count", "description", "total_pages", "next_page_url", "previous_page_url", "results"],
        ["count", "description", "total_pages", "previous_page_url", "results"],
    ]
    assert "page=1" in pages[1]["previous_page_url"] and "per_page=4" in pages[2]["previous_page_url"]
    listed = [number for page in pages for number in numbers(page)]
    assert len(listed) == len(set(listed)) == 11 and listed[-1] == "E6-1770"
    assert listed.count(SAME_NUMBER) == 1  # of the pair, only the KORUS notice matches the term


def test_an_empty_result_has_no_results_and_no_pages(server: FederalRegisterServer, client: httpx.Client) -> None:
    answer = found(client, server, [("conditions[agencies][]", USTR), ("conditions[publication_date][year]", 2015)])
    assert answer == {
        "count": 0,
        "description": "Documents published in 2015 and from Trade Representative, Office of United States",
    }


@pytest.mark.parametrize(("per_page", "served"), [
    ("1000", 1000), ("2", 2), ("1001", 20), ("2000", 20), ("1", 20), ("0", 20), ("-5", 20), ("many", 20), (None, 20),
])
def test_per_page_above_the_documented_1000_or_below_2_silently_becomes_20(
    big: FederalRegisterServer, client: httpx.Client, per_page: str | None, served: int,
) -> None:
    params: Params = [("order", "newest"), *([("per_page", per_page)] if per_page is not None else [])]
    answer = found(client, big, params)
    assert answer["count"] == 2100 and len(answer["results"]) == served
    assert answer["total_pages"] == min(50, -(-2100 // served))


@pytest.mark.parametrize("page", ["0", "-3", "51", "500", "x"])
def test_a_page_below_1_or_above_50_silently_becomes_page_1(big: FederalRegisterServer, client: httpx.Client,
                                                            page: str) -> None:
    first = found(client, big, [("order", "newest")])
    answer = found(client, big, [("order", "newest"), ("page", page)])
    assert numbers(answer) == numbers(first) and "previous_page_url" not in answer


def test_total_pages_stops_at_50_and_page_50_has_no_next(big: FederalRegisterServer, client: httpx.Client) -> None:
    answer = found(client, big, [("order", "newest"), ("page", 50)])
    assert answer["count"] == 2100 and answer["total_pages"] == 50  # 105 pages of 20 hold them
    assert "next_page_url" not in answer and len(answer["results"]) == 20
    # Documents past the 1,000th are out of reach of this query: a client must split it by date.
    oldest_reachable = answer["results"][-1]["publication_date"]
    assert oldest_reachable > "2012-01-31"


def test_a_page_whose_end_passes_the_10000th_result_silently_becomes_page_1(
    big: FederalRegisterServer, client: httpx.Client,
) -> None:
    first = found(client, big, [("order", "oldest"), ("per_page", 1000)])
    eleventh = found(client, big, [("order", "oldest"), ("per_page", 1000), ("page", 11)])
    assert numbers(eleventh) == numbers(first) and "previous_page_url" not in eleventh


def test_a_page_past_the_last_has_the_envelope_and_no_documents(server: FederalRegisterServer,
                                                                client: httpx.Client) -> None:
    answer = found(client, server, [("conditions[agencies][]", USITC), ("per_page", 2), ("page", 5)])
    assert answer["count"] == 3 and answer["total_pages"] == 2 and answer["results"] == []
    assert "next_page_url" not in answer and "page=4" in answer["previous_page_url"]


def test_newest_sorts_by_date_then_document_number_descending_as_text(big: FederalRegisterServer,
                                                                     client: httpx.Client) -> None:
    params: Params = [("per_page", 1000), ("fields[]", "document_number"), ("fields[]", "publication_date")]
    newest = [(r["publication_date"], r["document_number"])
              for r in found(client, big, [*params, ("order", "newest")])["results"]]
    assert newest == sorted(newest, reverse=True) and len({day for day, _ in newest}) < len(newest)
    assert newest[0][0] == "2012-12-31"
    oldest = [(r["publication_date"], r["document_number"])
              for r in found(client, big, [*params, ("order", "oldest")])["results"]]
    assert oldest == sorted(oldest) and oldest[0][0] == "2012-01-02"
    # The index sorts numbers as text: on one day 2012-10009 comes before 2012-9996, oldest first.
    assert oldest.index(("2012-05-01", "2012-10009")) < oldest.index(("2012-05-01", "2012-9996"))


def test_relevance_ranks_by_matches_before_date(server: FederalRegisterServer, register: FederalRegister,
                                                client: httpx.Client) -> None:
    register.add(FrDocument(
        document_number="2019-00001", publication_date=date(2019, 1, 2), type="Notice", agencies=(USTR,),
        title="KORUS KORUS KORUS", abstract="KORUS, the KORUS and the KORUS.", paragraphs=["KORUS " * 20],
        volume=84, start_page=1, end_page=1,
    ))
    relevance = numbers(found(client, server, [("conditions[term]", "KORUS")]))
    newest = numbers(found(client, server, [("conditions[term]", "KORUS"), ("order", "newest")]))
    assert relevance[0] == "2019-00001" != newest[0] and sorted(relevance) == sorted(newest)


@pytest.mark.parametrize(("term", "expected"), [
    ('"Korea Free Trade Agreement Implementation Act"', {"2012-5912", "2022-16049"}),
    ("KORUS", {"E6-1770", "E9-17800", "2010-31094", "2012-6554", "2013-12849", "2018-08015", "2024-14094",
               "2025-21940"}),  # E6-1770 by its link to .../korus-fta
    ('KORUS -"United States-Korea Free Trade Agreement"', {"2018-08015"}),
    ("FTA-103-026 | FTA-103-033", {"2012-7566", "2022-16049"}),
    ("proclaim Harmonized", {"2012-5912"}),
    ("nails", {"2010-31094"}),
    ("steel nails | KORUS automobiles", {"2010-31094", "E9-17800"}),
    ("(steel | beef) Korea", {"2010-31094", "E9-17800"}),
    ("Proclam*", {"2012-5912"}),
    ("zebra", set()),
])
def test_the_term_reads_phrases_or_and_not(server: FederalRegisterServer, client: httpx.Client, term: str,
                                           expected: set[str]) -> None:
    answer = found(client, server, [("conditions[term]", term), ("per_page", 100)])
    assert set(numbers(answer)) == expected and answer["count"] == len(numbers(answer))


def test_conditions_filter_by_agency_type_date_and_correction(server: FederalRegisterServer,
                                                              register: FederalRegister, client: httpx.Client) -> None:
    def listed(params: Params) -> set[str]:
        return set(numbers(found(client, server, [*params, ("per_page", 100)])))

    assert listed([("conditions[agencies][]", USITC)]) == {"2012-7566", "2018-08015", "2022-16049"}
    assert listed([("conditions[agencies][]", USITC), ("conditions[agencies][]", "executive-office-of-the-president")]) \
        == {"2012-7566", "2018-08015", "2022-16049", "2012-5912"}
    assert listed([("conditions[type][]", "RULE")]) == {"2012-6554", "2013-12849"}
    assert listed([("conditions[type][]", "PRESDOCU"), ("conditions[type][]", "PRORULE")]) == {"2012-5912"}
    assert listed([("conditions[type][]", "rule")]) == set()  # the codes are upper case
    assert listed([("conditions[publication_date][is]", "2012-03-16")]) == {"2012-6554"}
    assert listed([("conditions[publication_date][year]", "2010")]) == {SAME_NUMBER}
    assert listed([("conditions[publication_date][gte]", "2022-07-27"),
                   ("conditions[publication_date][lte]", "2024-07-02")]) == {"2022-16049", "2024-14094"}
    assert listed([("conditions[docket_id]", "USCBP-2012-0007")]) == {"2012-6554", "2013-12849"}
    register.correct("2012-6554", on=date(2012, 4, 12))
    assert listed([("conditions[correction]", "1")]) == {"C1-2012-6554"}
    assert "C1-2012-6554" not in listed([("conditions[correction]", "0")])
    answer = found(client, server, [("conditions[agencies][]", USTR), ("conditions[type][]", "NOTICE"),
                                    ("conditions[publication_date][gte]", "2024-01-01"), *KORUS])
    assert answer["description"] == (
        f"Documents matching '{KORUS_TERM}', published on or after 2024-01-01, from Trade Representative, Office of "
        "United States, and of type Notice"
    )


@pytest.mark.parametrize(("params", "errors"), [
    ([("conditions[agencies][]", "office-of-the-united-states-trade-representative")], {"agencies": "invalid value"}),
    ([("conditions[agencies][]", USTR), ("conditions[agencies][]", "ustr")], {"agencies": "invalid value"}),
    ([("conditions[agency]", USTR)], {"agency": "is not a valid field"}),
    ([("conditions[publication_date][gte]", "15 March")], {"publication_date": "Publication Date is not a valid ."}),
    ([("conditions[topics][]", "trade-agreements")], {"topics": "is not imitated by testkit.federal_register"}),
])
def test_a_bad_condition_answers_400_with_errors(server: FederalRegisterServer, client: httpx.Client,
                                                 params: Params, errors: dict[str, str]) -> None:
    response = search(client, server, params)
    assert response.status_code == 400 and response.json() == {"errors": errors}


def test_fields_pick_the_fields_and_an_unknown_one_answers_400(server: FederalRegisterServer,
                                                               client: httpx.Client) -> None:
    answer = found(client, server, [*KORUS, ("fields[]", "json_url"), ("fields[]", "document_number")])
    assert all(list(result) == ["json_url", "document_number"] for result in answer["results"])
    default = found(client, server, KORUS)["results"][0]
    assert list(default) == ["title", "type", "abstract", "document_number", "html_url", "pdf_url",
                             "public_inspection_pdf_url", "publication_date", "agencies", "excerpts"]
    response = search(client, server, [*KORUS, ("fields[]", "title"), ("fields[]", "summary")])
    assert response.status_code == 400 and response.json() == {"status": 400, "message": "field 'summary' not valid"}


def test_a_document_answers_with_the_real_field_set(server: FederalRegisterServer, client: httpx.Client) -> None:
    document = client.get(server.api_url + "/documents/2024-14094.json").json()
    assert document["citation"] == "89 FR 54950" and document["type"] == "Notice"
    assert document["json_url"] == server.api_url + "/documents/2024-14094.json?publication_date=2024-07-02"
    assert document["agencies"] == [{
        "raw_name": "OFFICE OF THE UNITED STATES TRADE REPRESENTATIVE",
        "name": "Trade Representative, Office of United States", "id": 491,
        "url": server.base_url + "/agencies/trade-representative-office-of-united-states",
        "json_url": server.api_url + "/agencies/491", "parent_id": None,
        "slug": "trade-representative-office-of-united-states",
    }]
    assert set(document["page_views"]) == {"count", "last_updated"}
    for name in ("abstract", "action", "body_html_url", "comment_url", "comments_close_on", "correction_of",
                 "corrections", "dates", "docket_ids", "effective_on", "end_page", "html_url", "pdf_url",
                 "raw_text_url", "regulations_dot_gov_info", "significant", "signing_date", "start_page", "volume"):
        assert name in document
    assert "excerpts" not in document and "agency_names" not in document
    picked = client.get(server.api_url + "/documents/2024-14094.json", params={"fields[]": ["title", "volume"]})
    assert picked.json() == {"title": document["title"], "volume": 89}


def test_an_unknown_document_answers_404(server: FederalRegisterServer, client: httpx.Client) -> None:
    for path in ("/documents/2024-99999.json", "/documents/2024-14094.json?publication_date=2024-07-03",
                 "/documents/2024-14094.json?publication_date=July"):
        response = client.get(server.api_url + path)
        assert response.status_code == 404 and response.json() == {"status": 404, "message": "Record Not Found"}


def test_publication_date_picks_among_documents_of_one_number(server: FederalRegisterServer,
                                                              client: httpx.Client) -> None:
    url = f"{server.api_url}/documents/{SAME_NUMBER}.json"
    january, december = (client.get(url, params={"publication_date": day.isoformat()}).json()
                         for day in SAME_NUMBER_DATES)
    assert january["title"] != december["title"] and "Steel Nails" in january["title"]
    assert client.get(url).json()["publication_date"] == "2010-12-10"  # without a date: the newest
    assert client.get(january["json_url"]).json() == january


def test_each_document_serves_its_raw_text_and_body_html(server: FederalRegisterServer, register: FederalRegister,
                                                          client: httpx.Client) -> None:
    document = client.get(server.api_url + "/documents/2024-14094.json").json()
    raw = client.get(document["raw_text_url"])
    assert raw.status_code == 200 and raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert raw.text.startswith("[Federal Register Volume 89") and "[FR Doc. 2024-14094 Filed" in raw.text
    html = client.get(document["body_html_url"])
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<a href="https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/final-text"' in html.text
    assert client.get(document["html_url"]).status_code == 200
    register.patch("2024-14094", has_raw_text=False)
    assert client.get(server.api_url + "/documents/2024-14094.json").json()["raw_text_url"] is None
    assert client.get(document["raw_text_url"]).status_code == 404


def test_a_correction_links_both_ways_and_the_corrections_list_grows(server: FederalRegisterServer,
                                                                     register: FederalRegister,
                                                                     client: httpx.Client) -> None:
    original_url = server.api_url + "/documents/2012-6554.json"
    register.correct("2012-6554", on=date(2012, 4, 12))
    register.correct("2012-6554", on=date(2012, 5, 2))
    first = client.get(server.api_url + "/documents/C1-2012-6554.json").json()
    assert first["correction_of"] == original_url and first["title"].endswith("; Correction")
    assert "in the issue of Friday, March 16, 2012" in " ".join(client.get(first["raw_text_url"]).text.split())
    assert client.get(original_url).json()["corrections"] == [
        server.api_url + "/documents/C1-2012-6554.json", server.api_url + "/documents/C2-2012-6554.json",
    ]


def test_a_correction_under_the_originals_own_number_has_no_link(server: FederalRegisterServer,
                                                                register: FederalRegister,
                                                                client: httpx.Client) -> None:
    register.correct(SAME_NUMBER, SAME_NUMBER_DATES[1], on=date(2011, 1, 14), kind="same_number")
    url = f"{server.api_url}/documents/{SAME_NUMBER}.json"
    correction = client.get(url).json()
    assert correction["publication_date"] == "2011-01-14" and correction["correction_of"] is None
    original = client.get(url, params={"publication_date": "2010-12-10"}).json()
    assert original["corrections"] == [] and not original["title"].endswith("Correction")
    listed = found(client, server, [("conditions[term]", "supplemental"), ("order", "newest")])
    assert [(r["document_number"], r["publication_date"]) for r in listed["results"]] == [
        (SAME_NUMBER, "2011-01-14"), (SAME_NUMBER, "2010-12-10"),
    ]


def test_patches_show_and_the_self_changing_fields_change(server: FederalRegisterServer, register: FederalRegister,
                                                          client: httpx.Client) -> None:
    url = server.api_url + "/documents/2012-6554.json"
    before = client.get(url).json()
    register.churn()
    after = client.get(url).json()
    assert after["page_views"]["count"] > before["page_views"]["count"]
    assert after["page_views"]["last_updated"] > before["page_views"]["last_updated"]
    assert after["regulations_dot_gov_info"]["comments_count"] > before["regulations_dot_gov_info"]["comments_count"]
    assert after["dockets"][0]["documents"][0]["comment_count"] > before["dockets"][0]["documents"][0]["comment_count"]
    assert {k: v for k, v in after.items() if k not in ("page_views", "regulations_dot_gov_info", "dockets")} == {
        k: v for k, v in before.items() if k not in ("page_views", "regulations_dot_gov_info", "dockets")}
    register.patch("2012-6554", title="United States-Korea Free Trade Agreement (KORUS)",
                   paragraphs=["A corrected table row."])
    patched = client.get(url).json()
    assert patched["title"] == "United States-Korea Free Trade Agreement (KORUS)"
    assert "A corrected table row." in client.get(patched["raw_text_url"]).text
    assert patched["html_url"] != before["html_url"]  # the slug follows the title
    with pytest.raises(ValueError, match="cannot patch"):
        register.patch("2012-6554", document_number="2012-6555")


def test_faults_spoil_answers_until_used_up_or_cleared(server: FederalRegisterServer, client: httpx.Client) -> None:
    url = server.api_url + "/documents/2024-14094.json"
    right = client.get(url).content
    server.fault("truncated", "document", times=1)
    truncated = client.get(url)
    assert truncated.status_code == 200 and right.startswith(truncated.content) and len(truncated.content) < len(right)
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)
    assert client.get(url).content == right
    server.fault("not_json", "search")
    page = search(client, server, KORUS)
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    assert client.get(url).content == right  # the document is not the search
    server.clear_faults()
    server.fault("status", "text", status=502, document_number="2012-6554")
    document = client.get(server.api_url + "/documents/2012-6554.json").json()
    assert client.get(document["body_html_url"]).status_code == 502
    other = client.get(url).json()
    assert client.get(other["raw_text_url"]).status_code == 200


def test_a_document_can_leave_fields_out(server: FederalRegisterServer, register: FederalRegister,
                                         client: httpx.Client) -> None:
    register.set_missing("2024-14094", fields=["title", "publication_date"])
    document = client.get(server.api_url + "/documents/2024-14094.json").json()
    assert "title" not in document and "publication_date" not in document and "abstract" in document
    register.set_missing("2024-14094")
    assert "title" in client.get(server.api_url + "/documents/2024-14094.json").json()


def test_a_rate_limit_refuses_past_its_budget_and_the_log_counts_the_pace(server: FederalRegisterServer,
                                                                         client: httpx.Client) -> None:
    server.refuse(RateLimit(5, retry_after=1, window=60))
    statuses = [search(client, server, KORUS).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    assert search(client, server, KORUS).headers["Retry-After"] == "1"
    assert server.request_log.peak_requests_per_second(window=60) == 8
    assert [r.status for r in server.requests] == statuses + [429]
    server.refuse(None)
    assert search(client, server, KORUS).status_code == 200


def test_the_control_api_changes_an_imitation_in_another_process(server: FederalRegisterServer,
                                                                 client: httpx.Client) -> None:
    control = server.base_url + "/_fr/"
    assert client.post(control + "patch", json={"number": "2024-14094", "abstract": "Patched."}).json()["ok"]
    assert client.post(control + "correct", json={"number": "2024-14094", "on": "2024-07-09"}).json() == {
        "ok": True, "document_number": "C1-2024-14094", "publication_date": "2024-07-09"}
    assert client.post(control + "fault", json={"mode": "status", "target": "search", "status": 503, "times": 1}
                       ).json() == {"ok": True}
    assert search(client, server, KORUS).status_code == 503
    assert client.get(server.api_url + "/documents/2024-14094.json").json()["abstract"] == "Patched."
    assert client.post(control + "rename", json={}).status_code == 404
    assert client.post(control + "patch", json={"number": "2024-14094", "volume": 1}).status_code == 400
    timing = client.get(control + "timing").json()
    assert timing["requests"] == 2 and timing["peak_requests_per_second"] == 2


def test_python_m_serves_a_fixture_until_terminated(client: httpx.Client) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "testkit.federal_register", "--fixture", "generated", "--documents", "30"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no URL line within 30 s"
        line = process.stdout.readline().strip()
        assert line.startswith("FEDERAL_REGISTER_API_URL=http://127.0.0.1:")
        answer = client.get(line.split("=", 1)[1] + "/documents.json", params={"conditions[term]": "KORUS"}).json()
        assert answer["count"] == 30
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
