from archive.diffing import changed_words, unified_diff, word_diff

OLD = "At the direction of President Trump, in July 2017 Ambassador Lighthizer began talks.\n\nBackground: none."
NEW = "At the direction of President Trump, in July 2017 Ambassador Lighthizer initiated talks.\n\nBackground: none."


def test_one_word_edit_is_one_deletion_and_one_insertion() -> None:
    segments = word_diff(OLD, NEW)
    assert changed_words(segments) == (["began"], ["initiated"])
    assert "".join(s.text for s in segments if s.op != "insert") == OLD
    assert "".join(s.text for s in segments if s.op != "delete") == NEW


def test_identical_texts_have_only_equal_segments() -> None:
    assert [s.op for s in word_diff(OLD, OLD)] == ["equal"]


def test_punctuation_change_is_isolated() -> None:
    deleted, inserted = changed_words(word_diff("Trade, fair.", "Trade; fair."))
    assert (deleted, inserted) == ([","], [";"])


def test_unified_diff_names_versions_and_changed_paragraph() -> None:
    text = unified_diff(OLD, NEW, "version 1", "version 2")
    assert text.startswith("--- version 1\n+++ version 2")
    assert "-At the direction of President Trump, in July 2017 Ambassador Lighthizer began talks." in text
    assert "+At the direction of President Trump, in July 2017 Ambassador Lighthizer initiated talks." in text
    assert "-Background" not in text


def test_an_edit_in_one_paragraph_of_many_is_that_paragraph_s_words() -> None:
    paragraphs = [f"Paragraph {n} on trade, tariffs and the market access of partner {n}." for n in range(40)]
    edited = [*paragraphs[:20], paragraphs[20].replace("tariffs", "quotas"), *paragraphs[21:]]
    old, new = "\n\n".join(paragraphs), "\n\n".join(edited)
    segments = word_diff(old, new)
    assert changed_words(segments) == (["tariffs"], ["quotas"])
    assert "".join(s.text for s in segments if s.op != "insert") == old
    assert "".join(s.text for s in segments if s.op != "delete") == new
