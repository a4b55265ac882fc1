from archive.identity import host_url_key, url_key

BASE = "https://ustr.gov/about-us/policy-offices/press-office/press-releases/2019/january/"


def test_about_and_about_us_are_one_statement() -> None:
    assert url_key("https://ustr.gov/about/policy-offices/press-office/press-releases/2026/april/x") == url_key(
        "https://ustr.gov/about-us/policy-offices/press-office/press-releases/2026/april/x"
    )


def test_case_encoding_slashes_and_queries_do_not_make_a_new_statement() -> None:
    plain = url_key(BASE + "ustr-statement-eu’s-consultation")
    assert url_key(BASE + "ustr-statement-eu%E2%80%99s-consultation") == plain
    assert (
        url_key(BASE.upper().replace("HTTPS://USTR.GOV", "http://ustr.gov") + "USTR-Statement-EU’s-Consultation/")
        == plain
    )
    assert url_key(BASE + "ustr-statement-eu’s-consultation?utm_source=x&utm_medium=y#top") == plain
    assert (
        url_key("http://127.0.0.1:8080" + BASE.removeprefix("https://ustr.gov") + "ustr-statement-eu’s-consultation")
        == plain
    )


def test_same_slug_in_two_months_is_two_statements() -> None:
    march = "/about-us/policy-offices/press-office/press-releases/2018/march/opening-statement-ustr-robert"
    february = "/about-us/policy-offices/press-office/press-releases/2019/february/opening-statement-ustr-robert"
    assert url_key(march) != url_key(february)


def test_dash_zero_slug_is_its_own_statement() -> None:
    assert url_key(BASE + "ustr-operating-status") != url_key(BASE + "ustr-operating-status-0")


def test_other_sites_are_keyed_by_host_and_path_and_never_meet_press_statements() -> None:
    page = "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/"
    assert host_url_key(page) == host_url_key("https://www.USTR.gov:443/trade-agreements/free-trade-agreements/korus-fta")
    assert host_url_key(page) == "ustr.gov/trade-agreements/free-trade-agreements/korus-fta"
    assert host_url_key("http://127.0.0.1:8080/a") == "127.0.0.1:8080/a" != host_url_key("http://127.0.0.1:8081/a")
    assert host_url_key("https://english.motir.go.kr/a") != host_url_key("https://ustr.gov/a")
    assert url_key(page).startswith("/") and not host_url_key(page).startswith("/")
