from __future__ import annotations

from pathlib import Path

import pytest

from archive.relevance import KORUS, Match, Rule, Topic, TopicScore, TopicScorer, compile_rule
from testkit.fixtures import SEED_STATEMENT


@pytest.fixture(scope="module")
def korus() -> TopicScorer:
    return TopicScorer(KORUS)


def read_seed(path: Path) -> tuple[str, str]:
    """A seed is the <url> line, the title line, then the body; blank lines may separate them."""
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].startswith("<https://ustr.gov/"), f"{path.name} does not start with its URL"
    title_index = next(index for index, line in enumerate(lines) if index > 0 and line.strip())
    return lines[title_index].strip(), "\n".join(lines[title_index + 1 :]).strip()


def assert_spans_point_at_text(result: TopicScore, title: str, body: str) -> None:
    texts = {"title": title, "body": body}
    for match in result.matches:
        assert texts[match.field][match.start : match.end] == match.text


# --- the built-in KORUS topic -------------------------------------------------------


def test_the_seed_statement_is_korus_relevant_with_a_high_score(korus: TopicScorer) -> None:
    title, body = read_seed(SEED_STATEMENT)
    result = korus.score(title, body)
    assert result.relevant
    assert result.score >= 3 * KORUS.threshold, result.score
    assert_spans_point_at_text(result, title, body)


def test_seed_matches_the_people_bodies_and_agreement_names(korus: TopicScorer) -> None:
    title, body = read_seed(SEED_STATEMENT)
    result = korus.score(title, body)
    for term in (
        "US-Korea (Korus) FTA",
        "U.S.-Korea (KORUS) Free Trade Agreement",
        "Myung-hee Yoo",
        "Ministry of Trade, Economy and Industry",
        "MOTIE",
        "Joint Committee",
        "Republic of Korea",
    ):
        assert term in result.matched_terms
    assert result.matches[0].field == "title"
    assert result.matched_terms[0] == "US-Korea (Korus) FTA"


def test_statement_about_korus_amendments_is_relevant(korus: TopicScorer) -> None:
    result = korus.score(
        "USTR Announces Publication of KORUS Amendment Outcomes",
        "The United States and Korea have agreed on amendments and modifications to the agreement, "
        "which will enter into force on January 1, 2019.",
    )
    assert result.relevant
    assert "KORUS" in result.matched_terms


def test_korean_trade_minister_joint_statement_is_relevant(korus: TopicScorer) -> None:
    result = korus.score(
        "Joint Statement by USTR Lighthizer and ROK Trade Minister Hyun Chong Kim",
        "The two sides reached an agreement in principle, including a country exemption from the steel tariffs.",
    )
    assert result.relevant
    assert {"Hyun Chong Kim", "Trade Minister", "ROK"} <= set(result.matched_terms)


def test_north_korea_only_statement_is_not_relevant_even_near_trade_words(korus: TopicScorer) -> None:
    title = "Statement on Sanctions Against North Korea"
    body = (
        "The United States will continue to restrict trade with North Korea. Exports to the DPRK "
        "and imports from the Democratic People’s Republic of Korea remain prohibited, and North Korean "
        "trading companies face new tariffs."
    )
    result = korus.score(title, body)
    assert result.score == 0
    assert not result.relevant
    assert result.matches == ()


def test_korea_listed_once_in_an_eu_or_china_trade_statement_is_not_relevant(korus: TopicScorer) -> None:
    result = korus.score(
        "USTR Statement on the EU's Steel Safeguard Measures",
        "The EU measures harm exports from the United States, Japan, Korea, Canada and Mexico, "
        "and do nothing to address overcapacity in China. USTR will continue to consult with trading partners.",
    )
    assert result.matched_terms == ("Korea",), "the Korea mention should count, just not enough"
    assert 0 < result.score < KORUS.threshold
    assert not result.relevant


def test_korean_language_statement_about_the_fta_is_relevant(korus: TopicScorer) -> None:
    title = "한미 FTA 개정 협상 결과 발표"
    body = "산업통상자원부는 한·미 자유무역협정 개정 협상이 타결되었다고 밝혔다. 한미FTA를 통해 교역이 늘었다."
    result = korus.score(title, body)
    assert result.relevant
    assert result.matched_terms == ("한미 FTA", "산업통상자원부", "한·미 자유무역협정", "한미FTA")
    assert_spans_point_at_text(result, title, body)


def test_hangul_boundaries_allow_particles_but_not_a_longer_word(korus: TopicScorer) -> None:
    assert korus.score("", "한미 자유무역협정에 따라").matched_terms == ("한미 자유무역협정",)
    # 주한미군 (US Forces Korea) contains 한미 but is not the pair "Korea-US".
    assert korus.score("", "주한미군 FTA").matches == ()


def test_korean_war_veterans_alone_is_not_relevant(korus: TopicScorer) -> None:
    result = korus.score("Statement Honoring Korean War Veterans", "We remember the Korean War veterans.")
    assert result.score == 0
    assert not result.relevant


def test_korea_is_counted_only_in_a_trade_context(korus: TopicScorer) -> None:
    assert korus.score("", "The delegation visited Korea and Japan.").score == 0
    assert korus.score("", "The delegation visited Korea to discuss tariffs.").matched_terms == ("Korea",)


def test_trade_minister_needs_a_korean_context(korus: TopicScorer) -> None:
    assert korus.score("", "USTR met the Trade Minister of Canada.").matches == ()
    assert "Trade Minister" in korus.score("", "USTR met Korea's Trade Minister.").matched_terms


@pytest.mark.parametrize("spelling", ["KORUS", "Korus", "korus", "KoRuS FTA"])
def test_korus_matches_in_any_case(korus: TopicScorer, spelling: str) -> None:
    result = korus.score(f"Statement on the {spelling}", "")
    assert result.relevant
    assert result.matches[0].text == spelling.split()[0]


@pytest.mark.parametrize(
    "name",
    [
        "U.S.-Korea FTA",
        "US-Korea FTA",
        "US–Korea FTA",  # en dash
        "U.S. – Korea Free Trade Agreement",
        "United States—Korea Free-Trade Agreement",  # em dash
        "United States-Korea Trade Agreement",
        "U.S.-ROK FTA",
        "US‑ROK FTA",  # non-breaking hyphen
        "Korea-U.S. FTA",
        "U.S.-Korea (KORUS) Free Trade Agreement",
    ],
)
def test_us_korea_agreement_names_with_dash_variants(korus: TopicScorer, name: str) -> None:
    text = f"Progress under the {name} was reviewed."
    result = korus.score("", text)
    assert result.relevant
    assert result.matched_terms[0] == name
    assert text[result.matches[0].start : result.matches[0].end] == name


def test_us_korea_without_an_agreement_is_not_the_agreement_rule(korus: TopicScorer) -> None:
    result = korus.score("", "The U.S.-Korea alliance was discussed at the summit.")
    assert not result.relevant


# --- rule mechanics on custom topics --------------------------------------------------


def test_spans_point_at_the_matched_text_in_title_and_body() -> None:
    scorer = TopicScorer(Topic("steel", (Rule("steel", "term"),)))
    title = "Steel talks"
    body = "Tariffs on steel and STEEL products; steelworkers are not steel."
    result = scorer.score(title, body)
    assert [(m.field, m.start, m.end, m.text) for m in result.matches] == [
        ("title", 0, 5, "Steel"),
        ("body", 11, 16, "steel"),
        ("body", 21, 26, "STEEL"),
        ("body", 58, 63, "steel"),
    ]
    assert result.score == 1.0, "a rule counts once however often it matches"


def test_matched_terms_are_deduplicated_in_order_of_first_appearance() -> None:
    rules = (Rule("tariff", "term"), Rule("KORUS", "term"), Rule("market access"))
    scorer = TopicScorer(Topic("t", rules))
    result = scorer.score("Korus and tariffs", "The KORUS tariff schedule, market   access and the Korus tariff.")
    assert result.matched_terms == ("Korus", "tariff", "market   access")


def test_exclusions_are_masked_before_rules_run() -> None:
    topic = Topic("korea", (Rule("Korea", "term"),), exclude=(Rule("North Korea"),))
    text = "North Korea is not Korea."
    result = TopicScorer(topic).score("", text)
    assert [(m.start, m.text) for m in result.matches] == [(19, "Korea")]
    assert TopicScorer(topic).score("", "North   Korea only").matches == ()


def test_exclusions_also_hide_context() -> None:
    topic = Topic(
        "t", (Rule("Korea", "term", context=("sanctions",)),), exclude=(Rule("sanctions", "term"),)
    )
    assert TopicScorer(topic).score("Korea", "sanctions").matches == ()


def test_context_gated_rule_counts_only_with_its_context_anywhere() -> None:
    topic = Topic("t", (Rule("Republic of Korea", weight=2.0, context=("tariff", "market access")),), threshold=2.0)
    scorer = TopicScorer(topic)
    without = scorer.score("Visit to the Republic of Korea", "A cultural exchange.")
    assert without.score == 0 and without.matches == ()
    with_context = scorer.score("Market-access talks", "Officials of the Republic of Korea met.")
    assert with_context.relevant
    assert with_context.matched_terms == ("Republic of Korea",), "context phrases are not matched terms"


def test_custom_topic_with_a_regex_rule() -> None:
    topic = Topic(
        "section-232",
        (Rule(r"\bSection\s+232\b", "regex", weight=2.5), Rule("steel", "term", weight=0.5)),
        threshold=3.0,
    )
    scorer = TopicScorer(topic)
    result = scorer.score("Section 232 and steel", "Under section  232 of the Trade Expansion Act.")
    assert result.score == 3.0 and result.relevant
    assert result.matched_terms == ("Section 232", "steel")
    assert not scorer.score("Section 2320", "").matches


@pytest.mark.parametrize("pattern", [r"KORUS(", r"[unclosed", r"(?P<x>a)(?P<x>b)"])
def test_bad_regex_gives_a_clear_value_error(pattern: str) -> None:
    with pytest.raises(ValueError, match="invalid regular expression") as raised:
        compile_rule(Rule(pattern, "regex"))
    assert repr(pattern) in str(raised.value)
    with pytest.raises(ValueError):
        TopicScorer(Topic("t", (Rule("fine"),), exclude=(Rule(pattern, "regex"),)))


def test_empty_pattern_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        compile_rule(Rule("  ", "term"))


def test_terms_are_whole_words_and_case_insensitive() -> None:
    pattern = compile_rule(Rule("ROK", "term"))
    assert pattern.search("the rok delegation")
    assert not pattern.search("a broker")
    assert not pattern.search("ROKs")
    assert not pattern.search("BROK")


@pytest.mark.parametrize(
    "text", ["U.S.-Korea", "US-Korea", "U.S. – Korea", "US–Korea", "us—korea", "U.S. Korea", "U.S. -- Korea"]
)
def test_phrase_tolerates_dashes_whitespace_and_abbreviation_periods(text: str) -> None:
    found = compile_rule(Rule("U.S.-Korea")).search(f"the ({text}) relationship")
    assert found is not None and found.group() == text


def test_phrase_hyphen_may_match_nothing_but_words_stay_whole() -> None:
    pattern = compile_rule(Rule("Myung-hee Yoo"))
    for text in ("Myung-hee Yoo", "Myung hee Yoo", "Myunghee Yoo", "MYUNG‐HEE  YOO"):
        assert pattern.search(text), text
    assert not pattern.search("Myung-hee Yoon")
    assert not compile_rule(Rule("U.S.")).search("use"), "optional periods must not drop the word boundary"
    assert not compile_rule(Rule("U.S.-Korea")).search("a bus-Korea route")


def test_phrase_tolerates_optional_commas_and_curly_apostrophes() -> None:
    ministry = compile_rule(Rule("Ministry of Trade, Industry, and Energy"))
    assert ministry.search("the Ministry of Trade, Industry and Energy")
    assert ministry.search("the Ministry of Trade Industry and Energy")
    assert compile_rule(Rule("People's Republic")).search("People’s Republic")


def test_match_records_the_rule_that_produced_it() -> None:
    rule = Rule("tariff", "term", weight=2.0)
    result = TopicScorer(Topic("t", (rule,))).score("", "A tariff.")
    assert result.matches == (Match("body", 2, 8, "tariff", rule),)
    assert result.topic == "t"


def test_hangul_term_allows_trailing_particles_but_not_a_preceding_syllable() -> None:
    pattern = compile_rule(Rule("한미", "term"))
    assert pattern.search("한미 관계") and pattern.search("한미는")
    assert not pattern.search("주한미군")
    assert compile_rule(Rule("FTA", "term")).search("한미FTA를"), "Hangul next to Latin is a word boundary"


def test_zero_width_regex_matches_neither_count_nor_highlight() -> None:
    result = TopicScorer(Topic("t", (Rule(r"(?=tariff)", "regex"),))).score("", "A tariff.")
    assert result.score == 0 and result.matches == ()
