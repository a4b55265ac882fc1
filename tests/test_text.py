from datetime import date

import pytest

from crawler.sources.press_office.reader import ARCHIVE_BANNER
from crawler.text import is_date_line, parse_date, read_body

PAGE = "https://ustr.gov/about-us/policy-offices/press-office/press-releases/2019/january/x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/25/2019", date(2019, 1, 25)),
        ("August 22, 2017", date(2017, 8, 22)),
        ("September 03, 2025", date(2025, 9, 3)),
        ("2019-01-25T12:00:00Z", date(2019, 1, 25)),
        ("03/29/2013 12:57 PM", date(2013, 3, 29)),
        ("Updated 05/07/2013", date(2013, 5, 7)),
        ("As Prepared for Delivery on September 3, 2025", date(2025, 9, 3)),
        ("Washington, DC – no date here", None),
        ("13/45/2019", None),
    ],
)
def test_every_date_format_of_the_press_office(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_date_lines_are_recognised_but_sentences_are_not() -> None:
    assert is_date_line("Updated 05/07/2013") and is_date_line("03/29/2013 12:57 PM")
    assert not is_date_line("On 05/07/2013 the Committee met.")


def test_body_drops_banner_and_leading_date_and_keeps_paragraphs() -> None:
    fragment = (
        "<div><div class='banner'>Content on this archived webpage is NOT UPDATED, and external links may not "
        "function. <a href='/'>Click here to go to the CURRENT USTR.GOV WEBSITE</a></div>"
        "<p>01/25/2019</p><p>Washington, DC –  The   United States\n and Korea met.</p>"
        "<p><strong>Background:</strong></p><p>See <a href='/korus'>click here</a>.</p>"
        "<script>alert(1)</script><p onclick='x()'>###</p></div>"
    )
    body = read_body(fragment, PAGE, notice=ARCHIVE_BANNER)
    assert body.text.split("\n\n") == [
        "Washington, DC – The United States and Korea met.", "Background:", "See click here.", "###",
    ]
    assert "NOT UPDATED" not in body.html and "script" not in body.html and "onclick" not in body.html
    assert 'href="https://ustr.gov/korus"' in body.html


def test_markup_only_differences_give_the_same_text() -> None:
    first = read_body("<p>Trade   talks <b>concluded</b>.</p><p>###</p>", PAGE)
    second = read_body("<div><p>Trade talks <span class='x'>concluded</span>.</p>\n\n<p>###</p></div>", PAGE)
    assert first.text == second.text


def test_non_breaking_spaces_and_nfc() -> None:
    assert read_body("<p>한미\u00a0FTA  cafe\u0301</p>", PAGE).text == "한미 FTA café"


@pytest.mark.parametrize(
    "banner",
    [
        "Content on this archived webpage is NOT UPDATED, and external links may not function. "
        "<a href='/'>Click here to go to the CURRENT USTR.GOV WEBSITE</a>",
        "<strong>Content on this archived webpage is NOT UPDATED, and external links may not function.</strong>",
        "<p>Content on this archived webpage is NOT UPDATED, and external links may not function.</p>"
        "<p><a href='/'>Click here to go to the CURRENT USTR.GOV WEBSITE</a></p>",
    ],
)
def test_every_shape_of_the_banner_leaves_the_same_text(banner: str) -> None:
    statement = "<p>Washington, DC – The KORUS Joint Committee met.</p><p>###</p>"
    plain = read_body(f"<div class='field-item even'>{statement}</div>", PAGE, notice=ARCHIVE_BANNER)
    bannered = read_body(f"<div class='field-item even'>{banner}{statement}</div>", PAGE, notice=ARCHIVE_BANNER)
    assert bannered.text == plain.text == "Washington, DC – The KORUS Joint Committee met.\n\n###"


def test_control_characters_are_removed_from_scraped_text() -> None:
    assert read_body("<p>T\x1b[31mRED\x07 text</p>", PAGE).text == "T [31mRED text"
