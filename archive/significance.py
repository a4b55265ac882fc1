"""How much an edit matters, and why: judged from the archive's word diff of the title and body (archive.diffing),
on three levels.

- substantive: a number or a date changed, a negation or an obligation (a modal verb) was added or removed, a party
  was named or dropped, a relevance topic's terms were added or removed, the title changed, or a whole sentence was
  added or removed. New, removed and restored statements are substantive too.
- wording: other words changed ("launched" for "initiated", a corrected misspelling).
- cosmetic: only whitespace, punctuation, letter case, quotation marks, dashes or diacritics changed.

Each reason is plain JSON: its kind, and where it fits the text before (`from`) and after (`to`), e.g.
`{"kind": "date", "from": "May 1, 2018", "to": "June 1, 2018", "what": "effective date"}`. The body is compared
sentence by sentence: unchanged sentences are skipped, a sentence the word diff deletes or inserts almost whole is
a sentence removed or added, and the rest of a changed passage is compared by what it mentions (archive.mentions)
and word by word. Pure: no I/O."""

from __future__ import annotations

import difflib
import enum
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from archive import mentions
from archive.diffing import Segment, word_diff
from archive.mentions import Mention


class Significance(enum.StrEnum):
    COSMETIC = "cosmetic"
    WORDING = "wording"
    SUBSTANTIVE = "substantive"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, minimum: Significance) -> bool:
        return self.rank >= minimum.rank


_RANKS = {Significance.COSMETIC: 0, Significance.WORDING: 1, Significance.SUBSTANTIVE: 2}
# The order reasons are listed in: what a reader most needs to know first.
REASON_KINDS = ("title", "date", "number", "negation", "obligation", "party", "topic", "sentence", "wording",
                "cosmetic")
_WORDING_KINDS = frozenset({"wording"})
_COSMETIC_KINDS = frozenset({"cosmetic"})
# Reasons kept per edit, and characters per quoted text: a rewritten statement must not make a huge record.
MAX_REASONS = 20
MAX_QUOTE = 300
# A sentence of which the word diff deletes (or inserts) this share of the words was removed (or added) whole.
_WHOLE_SENTENCE = 0.75
_MIN_SENTENCE_WORDS = 3
# A changed passage of more words than this (both sides) is compared sentence by sentence: a sentence is paired with
# the most alike of the next few, when at least this share of their words is common to both.
_PASSAGE_WORDS = 400
_PAIRING_WINDOW = 6
_ALIKE = 0.5
# Words of unchanged text quoted either side of a changed negation or modal verb.
_CONTEXT_WORDS = 2

Reason = dict[str, str]


@dataclass(frozen=True)
class VersionText:
    """What the judgement reads of a version: its title, body, date, and the terms each topic matched in it."""

    title: str
    body: str
    published_on: date | None
    topic_terms: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    level: Significance
    reasons: list[Reason]


def judge(kind: str, before: VersionText | None, after: VersionText | None) -> Judgement:
    """A change event's significance: an edit judged by its texts, any other kind substantive."""
    if kind != "edited" or before is None or after is None:
        return Judgement(Significance.SUBSTANTIVE, [])
    return judge_edit(before, after)


def judge_edit(old: VersionText, new: VersionText) -> Judgement:
    reasons: list[Reason] = []
    if old.title != new.title:
        kind = "cosmetic" if _only_cosmetic(old.title, new.title) else "title"
        reasons.append(_reason(kind, old.title, new.title))
    if old.published_on != new.published_on:
        reasons.append(_reason("date", _spoken(old.published_on), _spoken(new.published_on), what="statement's date"))
    if old.body != new.body:
        reasons += _body_reasons(old.body, new.body)
    reasons += _topic_reasons(old.topic_terms, new.topic_terms)
    if not reasons:
        reasons.append({"kind": "cosmetic"})
    reasons.sort(key=lambda reason: REASON_KINDS.index(reason["kind"]))
    kinds = {reason["kind"] for reason in reasons}
    if kinds - _WORDING_KINDS - _COSMETIC_KINDS:
        level = Significance.SUBSTANTIVE
    elif kinds & _WORDING_KINDS:
        level = Significance.WORDING
    else:
        level = Significance.COSMETIC
    return Judgement(level, reasons[:MAX_REASONS])


# -- the body -------------------------------------------------------------------------------------

def _body_reasons(old: str, new: str) -> list[Reason]:
    """The changed paragraphs (as archive.diffing matches lines first), then their changed sentences."""
    old_paragraphs, new_paragraphs = old.split("\n"), new.split("\n")
    reasons: list[Reason] = []
    paragraphs = difflib.SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    for tag, i1, i2, j1, j2 in paragraphs.get_opcodes():
        if tag == "equal":
            continue
        old_sentences, new_sentences = _sentences(old_paragraphs[i1:i2]), _sentences(new_paragraphs[j1:j2])
        matcher = difflib.SequenceMatcher(None, old_sentences, new_sentences, autojunk=False)
        for sentence_tag, k1, k2, l1, l2 in matcher.get_opcodes():
            if sentence_tag != "equal":
                reasons += _passage_reasons(old_sentences[k1:k2], new_sentences[l1:l2])
    return reasons


def _sentences(paragraphs: list[str]) -> list[str]:
    return [paragraph[start:end] for paragraph in paragraphs for start, end in mentions.sentences(paragraph)]


def _passage_reasons(old_sentences: list[str], new_sentences: list[str]) -> list[Reason]:
    """Why a run of changed sentences differs: its sentences removed or added whole, then what the rest mentions,
    then its words."""
    if min(len(old_sentences), len(new_sentences)) > 1 and _word_count(old_sentences) + _word_count(
            new_sentences) > _PASSAGE_WORDS:
        return _long_passage_reasons(old_sentences, new_sentences)
    old_text, new_text = " ".join(old_sentences), " ".join(new_sentences)
    if _only_cosmetic(old_text, new_text):
        return [_reason("cosmetic", hunk.deleted.strip() or None, hunk.inserted.strip() or None)
                for hunk in _hunks(old_text, new_text)][:3]
    segments = word_diff(old_text, new_text)
    removed = _whole(old_sentences, _changed_spans(segments, "delete"))
    added = _whole(new_sentences, _changed_spans(segments, "insert"))
    reasons = [_reason("sentence", sentence, None) for sentence in removed]
    reasons += [_reason("sentence", None, sentence) for sentence in added]
    old_rest = " ".join(s for s in old_sentences if s not in removed)
    new_rest = " ".join(s for s in new_sentences if s not in added)
    if old_rest != new_rest:
        whole = old_rest == old_text and new_rest == new_text
        reasons += _rest_reasons(old_rest, new_rest, segments if whole else None)
    return reasons


def _word_count(sentences: list[str]) -> int:
    return sum(len(sentence.split()) for sentence in sentences)


def _long_passage_reasons(old_sentences: list[str], new_sentences: list[str]) -> list[Reason]:
    """A long rewritten passage, sentence by sentence: each old sentence paired with the most alike of the next
    few new ones (by their words), the unpaired ones removed or added. A word diff of the whole passage would cost
    the product of its lengths."""
    new_words = [set(mentions.words(sentence.casefold())) for sentence in new_sentences]
    reasons: list[Reason] = []
    next_new = 0
    for old_sentence in old_sentences:
        old_words = set(mentions.words(old_sentence.casefold()))
        window = range(next_new, min(next_new + _PAIRING_WINDOW, len(new_sentences)))
        alike = [(len(old_words & new_words[j]) / max(len(old_words | new_words[j]), 1), j) for j in window]
        likeness, paired = max(alike, default=(0.0, -1))
        if likeness < _ALIKE:
            reasons += _passage_reasons([old_sentence], [])
            continue
        for added in new_sentences[next_new:paired]:
            reasons += _passage_reasons([], [added])
        reasons += _passage_reasons([old_sentence], [new_sentences[paired]])
        next_new = paired + 1
    for added in new_sentences[next_new:]:
        reasons += _passage_reasons([], [added])
    return reasons


def _changed_spans(segments: list[Segment], op: str) -> list[tuple[int, int]]:
    """Where the segments of `op` lie in the text they belong to (the old text for deletions, the new for
    insertions)."""
    spans, position = [], 0
    side = {"equal", op}
    for segment in segments:
        if segment.op not in side:
            continue
        if segment.op == op:
            spans.append((position, position + len(segment.text)))
        position += len(segment.text)
    return spans


def _whole(sentences: list[str], changed: list[tuple[int, int]]) -> list[str]:
    """The sentences (of at least three words) whose words the changed spans nearly all cover."""
    whole, offset = [], 0
    for sentence in sentences:
        spans = [(m.start() + offset, m.end() + offset) for m in re.finditer(r"\w+", sentence)]
        covered = sum(1 for start, end in spans if any(s <= start and end <= e for s, e in changed))
        if len(spans) >= _MIN_SENTENCE_WORDS and covered >= _WHOLE_SENTENCE * len(spans):
            whole.append(sentence)
        offset += len(sentence) + 1
    return whole


@dataclass(frozen=True)
class _Hunk:
    """One change of the word diff, where it lies on either side, and quoted with a few words of context."""

    deleted: str
    inserted: str
    old_span: tuple[int, int]
    new_span: tuple[int, int]
    old_phrase: str
    new_phrase: str


def _hunks(old: str, new: str, segments: list[Segment] | None = None, context: int = _CONTEXT_WORDS) -> list[_Hunk]:
    """The changes of the word diff (`segments`, when already made, of these texts)."""
    segments = word_diff(old, new) if segments is None else segments
    hunks: list[_Hunk] = []
    old_position = new_position = 0
    index = 0
    while index < len(segments):
        segment = segments[index]
        if segment.op == "equal":
            old_position += len(segment.text)
            new_position += len(segment.text)
            index += 1
            continue
        deleted = inserted = ""
        old_start, new_start = old_position, new_position
        while index < len(segments) and segments[index].op != "equal":
            if segments[index].op == "delete":
                deleted += segments[index].text
            else:
                inserted += segments[index].text
            index += 1
        old_position += len(deleted)
        new_position += len(inserted)
        before = " ".join(old[:old_start].split()[-context:]) if context else ""
        after = " ".join(old[old_position:].split()[:context]) if context else ""
        hunks.append(_Hunk(deleted, inserted, (old_start, old_position), (new_start, new_position),
                           _joined(before, deleted, after, old, old_start, old_position),
                           _joined(before, inserted, after, new, new_start, new_position)))
    return hunks


def _joined(before: str, changed: str, after: str, text: str, start: int, end: int) -> str:
    """The changed text with its context words, spaced as the text spaces them."""
    space_before = " " if before and (not changed or changed[0].isspace() or text[start - 1:start].isspace()) else ""
    space_after = " " if after and (text[end:end + 1].isspace() or (changed and changed[-1].isspace())) else ""
    return " ".join(f"{before}{space_before}{changed.strip()}{space_after}{after}".split())


def _rest_reasons(old: str, new: str, segments: list[Segment] | None) -> list[Reason]:
    """The reasons of a changed passage whose sentences are all still there: what changed of its dates, numbers,
    negations, obligations and parties, then its other words."""
    hunks = _hunks(old, new, segments)
    reasons: list[Reason] = []
    explained: list[_Hunk] = []

    old_dates, new_dates = mentions.dates(old), mentions.dates(new)
    if Counter(d.key for d in old_dates) != Counter(d.key for d in new_dates):
        old_dates, new_dates = mentions.by_meaning(old_dates), mentions.by_meaning(new_dates)
    for before, after in _paired(_differences(old_dates, new_dates), _differences(new_dates, old_dates)):
        label = _date_label(old, before) or _date_label(new, after)
        reasons.append(_reason("date", _text(before), _text(after), what=label))
        explained += _touching(hunks, before, after)

    old_numbers, new_numbers = mentions.numbers(old, old_dates), mentions.numbers(new, new_dates)
    for before, after in _paired(_differences(old_numbers, new_numbers), _differences(new_numbers, old_numbers)):
        reasons.append(_reason("number", _text(before), _text(after)))
        explained += _touching(hunks, before, after)

    for kind, find in (("negation", mentions.negations),
                       ("obligation", lambda text: mentions.obligations(text, mentions.dates(text)))):
        old_found, new_found = find(old), find(new)
        gone, came = _differences(old_found, new_found), _differences(new_found, old_found)
        if gone or came:
            changed = [h for h in hunks if any(_within(m, h.old_span) for m in gone)
                       or any(_within(m, h.new_span) for m in came)] or hunks[:1]
            reasons += [_reason(kind, h.old_phrase, h.new_phrase) for h in changed]
            explained += changed

    dropped, named = _party_changes(old, new, old_dates, new_dates)
    for before, after in _paired(dropped, named):
        reasons.append(_reason("party", _text(before), _text(after)))
        explained += _touching(hunks, before, after)

    for hunk in hunks:
        if hunk in explained or not (hunk.deleted.strip() or hunk.inserted.strip()):
            continue
        kind = "cosmetic" if _bare(hunk.deleted) == _bare(hunk.inserted) else "wording"
        reasons.append(_reason(kind, hunk.deleted.strip() or None, hunk.inserted.strip() or None))
    return reasons


def _differences(these: list[Mention], those: list[Mention]) -> list[Mention]:
    """The mentions of `these` that `those` lacks, counting repeats (a multiset difference), in text order."""
    missing = Counter(m.key for m in these) - Counter(m.key for m in those)
    left = []
    for mention in these:
        if missing[mention.key] > 0:
            missing[mention.key] -= 1
            left.append(mention)
    return left


def _paired(gone: list[Mention], came: list[Mention]) -> list[tuple[Mention | None, Mention | None]]:
    """What went and what came, paired in text order: "June 1" took the place of "May 1"."""
    pairs: list[tuple[Mention | None, Mention | None]] = []
    for index in range(max(len(gone), len(came))):
        pairs.append((gone[index] if index < len(gone) else None, came[index] if index < len(came) else None))
    return pairs


def _party_changes(old: str, new: str, old_dates: list[Mention], new_dates: list[Mention]
                   ) -> tuple[list[Mention], list[Mention]]:
    """The parties named on one side only. A name found by its capitals alone counts only when its last word is
    not in the other text at all: "the Agreement" becoming "the agreement" drops no one."""
    old_parties, new_parties = mentions.parties(old, old_dates), mentions.parties(new, new_dates)
    old_words = {w.casefold() for w in mentions.words(old)}
    new_words = {w.casefold() for w in mentions.words(new)}

    def absent(found: list[Mention], other: list[Mention], other_words: set[str]) -> list[Mention]:
        # A name's key is ("name", its last word): present when that word is anywhere in the other text.
        other_keys = {m.key for m in other} | {("name", word) for word in other_words}
        left, seen = [], set()
        for mention in found:
            if mention.key in other_keys or mention.key in seen:
                continue
            seen.add(mention.key)
            left.append(mention)
        return left

    return absent(old_parties, new_parties, new_words), absent(new_parties, old_parties, old_words)


def _within(mention: Mention, span: tuple[int, int]) -> bool:
    start, end = span
    return mention.start < end and start < mention.end if end > start else mention.start <= start <= mention.end


def _touching(hunks: list[_Hunk], before: Mention | None, after: Mention | None) -> list[_Hunk]:
    return [h for h in hunks
            if (before is not None and _within(before, h.old_span)) or (after is not None and _within(after, h.new_span))]


_DATE_LABELS = (
    (re.compile(r"\beffective\b|\btakes? effect\b|\bentere?d? into force\b|\bin force\b|\bimplement", re.I),
     "effective date"),
    (re.compile(r"\bdeadline\b|\bby\b|\bno later than\b|\bdue\b|\buntil\b|\bbefore\b", re.I), "deadline"),
    (re.compile(r"\bmeet|\bmet\b|\bsession\b|\bround\b|\btalks\b|\bheld\b|\bconvene", re.I), "meeting's date"),
)


def _date_label(text: str, mention: Mention | None) -> str | None:
    """What a date is, from the few words before it: "effective May 1" is an effective date."""
    if mention is None:
        return None
    before = " ".join(text[:mention.start].split()[-5:])
    return next((label for pattern, label in _DATE_LABELS if pattern.search(before)), None)


def _topic_reasons(old: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]) -> list[Reason]:
    """A topic's terms named or no longer named, for the topics both versions were scored on."""
    reasons = []
    for topic in sorted(old.keys() & new.keys()):
        # Spelled differently ("US-Korea (Korus) FTA", "US–Korea (KORUS) FTA"), a term is the same term.
        old_terms = {_bare(term): term for term in old[topic]}
        new_terms = {_bare(term): term for term in new[topic]}
        gone = [term for key, term in old_terms.items() if key not in new_terms]
        came = [term for key, term in new_terms.items() if key not in old_terms]
        if gone or came:
            reasons.append(_reason("topic", ", ".join(gone) or None, ", ".join(came) or None, topic=topic))
    return reasons


# -- text -----------------------------------------------------------------------------------------

def _bare(text: str) -> str:
    """The text's letters and digits only, case and diacritics folded: equal bare texts differ cosmetically."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _only_cosmetic(old: str, new: str) -> bool:
    """Whether only spacing, punctuation, case or diacritics differ: the bare texts are equal and so are the numbers
    ("2.5 percent" and "25 percent" have the same letters and digits)."""
    return _bare(old) == _bare(new) and Counter(_number_keys(old)) == Counter(_number_keys(new))


def _number_keys(text: str) -> list[object]:
    return [m.key for m in mentions.numbers(text, mentions.dates(text))]


def _text(mention: Mention | None) -> str | None:
    return None if mention is None else mention.text


def _spoken(day: date | None) -> str | None:
    return None if day is None else f"{day:%B} {day.day}, {day.year}"


def _quoted(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def _reason(kind: str, before: str | None, after: str | None, **extra: str | None) -> Reason:
    reason = {"kind": kind}
    if (quoted := _quoted(before)) is not None:
        reason["from"] = quoted
    if (quoted := _quoted(after)) is not None:
        reason["to"] = quoted
    reason.update({key: value for key, value in extra.items() if value is not None})
    return reason
