"""What a message says, read from the archive as plain data for the templates of every format."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy.orm import object_session

from archive.diffing import Segment, word_diff
from archive.models import ChangeEvent, EventKind, HealthProblem, Version
from archive.read.fields import field_facts
from archive.read.related import related_items_of
from archive.read.relevance import relevant_topics
from archive.read.schemas import RelatedItem, TopicMatch
from archive.significance import Reason, Significance
from archive.significance_words import summary
from notify.models import Delivery, DeliveryKind
from notify.settings import PageLinks

ContentKind = Literal["event", "digest", "summary", "quiet_summary", "health", "test"]
# Untrusted text is cut to lengths that fit every medium's smallest field.
TITLE_CHARS = 240
OPENING_CHARS = 1200
# Related items an alert names at most (the item's page lists them all).
RELATED_ITEMS = 5
# Words of unchanged text kept on each side of a change in a diff.
DIFF_CONTEXT_WORDS = 12
KIND_ORDER = tuple(kind.value for kind in EventKind)
NO_TOPIC = ""
_SUBSTANTIVE = Significance.SUBSTANTIVE.value
_MINOR_LEVELS = (Significance.WORDING.value, Significance.COSMETIC.value)
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a scraped title they can make
# it read backwards or reorder what a message shows around it. Every medium gets scraped text without them.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@dataclass(frozen=True)
class Highlight:
    text: str
    matched: bool


Run = TypeVar("Run", Highlight, Segment)


@dataclass(frozen=True)
class RelatedLink:
    """An archived item related to the event's: the item it corrects, one correcting it, one it links to or that
    links to it (archive.read.related)."""

    relation: str
    title: str
    url: str
    source: str
    # Its page in the web app, when the web app has a public address.
    page_url: str | None


@dataclass(frozen=True)
class EventItem:
    event_id: int
    kind: str
    statement_id: int
    title: str
    url: str
    source: str
    section: str
    doc_type: str | None
    published_on: date | None
    detected_at: datetime
    # The fields of the item's kind as (label, text): a Federal Register document's citation, agencies, dates.
    facts: list[tuple[str, str]]
    # The item this one corrects ("Correction to ..."), and the other items related to it.
    correction_of: RelatedLink | None
    related: list[RelatedLink]
    # Topic -> the terms that made the statement relevant to it.
    topics: dict[str, list[str]]
    opening: list[Highlight]
    # How much the change matters (substantive, wording, cosmetic), why, and both in words.
    significance: str
    reasons: list[Reason]
    significance_summary: str
    # Edits: the word changes of title and body, condensed to the changed regions, and the dates either side.
    title_diff: list[Segment] = field(default_factory=list)
    body_diff: list[Segment] = field(default_factory=list)
    old_published_on: date | None = None
    old_title: str | None = None
    # When the version before the edit was first archived.
    old_seen_at: datetime | None = None
    # The change's page in the web app, when it has a public address.
    page_url: str | None = None

    @property
    def date_changed(self) -> bool:
        return self.kind == "edited" and self.old_published_on != self.published_on

    def clipped(self, room: int) -> EventItem:
        """The item with its opening and its diff cut to about `room` characters each, for size-limited media."""
        return replace(self, opening=_clip_runs(self.opening, room), body_diff=_clip_runs(self.body_diff, room))



@dataclass(frozen=True)
class TopicGroup:
    topic: str
    kinds: list[tuple[str, list[EventItem]]]

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.kinds)


@dataclass(frozen=True)
class HealthNote:
    kind: str
    message: str
    opened_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class Content:
    """One message's subject matter. `items` are newest first."""

    kind: ContentKind
    channel: str
    idempotency_key: str
    created_at: datetime
    site_url: str
    items: list[EventItem] = field(default_factory=list)
    health: HealthNote | None = None
    # Email: the recipients still owed this message after a partial refusal (None: all of the channel's).
    recipients: list[str] | None = None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.kind for item in self.items)
        return {kind: counted[kind] for kind in KIND_ORDER if counted[kind]}

    @property
    def counts_text(self) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in self.counts.items())

    def groups(self, channel_topics: list[str]) -> list[TopicGroup]:
        """Items by topic (the channel's topics in its order, then any other), then by kind, newest first; in each
        topic the substantive changes first: edits of wording (or less) come after every other kind, under
        "edited (wording)" and "edited (cosmetic)"."""
        by_topic: dict[str, list[EventItem]] = {}
        for item in self.items:
            topic = next((t for t in [*channel_topics, *item.topics] if t in item.topics), NO_TOPIC)
            by_topic.setdefault(topic, []).append(item)
        order = [*channel_topics, *sorted(t for t in by_topic if t not in channel_topics and t != NO_TOPIC), NO_TOPIC]
        groups = []
        for topic in dict.fromkeys(order):
            items = by_topic.get(topic)
            if items:
                kinds = [(kind, [i for i in items if i.kind == kind and i.significance == _SUBSTANTIVE])
                         for kind in KIND_ORDER]
                kinds += [(f"edited ({level})", [i for i in items if i.significance == level])
                          for level in _MINOR_LEVELS]
                groups.append(TopicGroup(topic, [(kind, listed) for kind, listed in kinds if listed]))
        return groups


def _clip_runs(runs: list[Run], room: int) -> list[Run]:
    clipped: list[Run] = []
    for run in runs:
        if room <= 0:
            clipped.append(Segment("equal", " …") if isinstance(run, Segment) else Highlight(" …", False))  # type: ignore[arg-type]
            break
        clipped.append(replace(run, text=shorten(run.text, room)))
        room -= len(run.text)
    return clipped


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def highlight(text: str, terms: list[str]) -> list[Highlight]:
    """The text split into runs, with every occurrence of a matched term marked (spacing and case ignored)."""
    patterns = [r"\s+".join(map(re.escape, term.split())) for term in sorted(terms, key=len, reverse=True) if term]
    if not patterns:
        return [Highlight(text, False)] if text else []
    finder = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)
    runs: list[Highlight] = []
    position = 0
    for match in finder.finditer(text):
        if match.start() > position:
            runs.append(Highlight(text[position : match.start()], False))
        runs.append(Highlight(match.group(), True))
        position = match.end()
    if position < len(text):
        runs.append(Highlight(text[position:], False))
    return runs


def condense(segments: list[Segment], context_words: int = DIFF_CONTEXT_WORDS) -> list[Segment]:
    """Long unchanged stretches cut down to a few words either side of each change; [] when nothing changed."""
    if all(segment.op == "equal" for segment in segments):
        return []
    condensed: list[Segment] = []
    for index, segment in enumerate(segments):
        words = segment.text.split(" ")
        after_change, before_change = index > 0, index < len(segments) - 1
        if segment.op != "equal" or len(words) <= context_words * (after_change + before_change) + 1:
            condensed.append(segment)
            continue
        head = " ".join(words[:context_words]) + " …" if after_change else "…"
        tail = " " + " ".join(words[-context_words:]) if before_change else ""
        condensed.append(Segment("equal", head + tail))
    return condensed


def without_bidi_controls(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def opening_paragraph(body_text: str) -> str:
    return next((p.strip() for p in body_text.split("\n\n") if p.strip()), "")


def _described_version(event: ChangeEvent) -> Version:
    version = event.to_version or event.from_version
    assert version is not None, "every change event has a version"
    return version


def event_items(events: list[ChangeEvent], links: PageLinks | None = None) -> list[EventItem]:
    """The events' items, with the topics the read model finds their versions relevant to and their related items
    (each read for all the events at once)."""
    if not events:
        return []
    session = object_session(events[0])
    assert session is not None, "events are read inside a session"
    topics = relevant_topics(session, {_described_version(event).id for event in events})
    related = related_items_of(session, {event.statement_id for event in events})
    return [event_item(event, topics.get(_described_version(event).id, []), related.get(event.statement_id, []),
                       links) for event in events]


def event_item(event: ChangeEvent, matches: list[TopicMatch], related: list[RelatedItem],
               links: PageLinks | None = None) -> EventItem:
    statement = event.statement
    version = _described_version(event)
    related_links = [_related_link(item, links) for item in related]
    correction_of = next((link for link in related_links if link.relation == "correction of"), None)
    topics = {match.topic: list(match.matched_terms) for match in matches}
    opening = shorten(opening_paragraph(without_bidi_controls(version.body_text)), OPENING_CHARS)
    item = EventItem(
        event_id=event.id,
        kind=event.kind.value,
        statement_id=statement.id,
        title=shorten(without_bidi_controls(version.title), TITLE_CHARS),
        url=statement.url,
        source=statement.source,
        section=statement.section,
        doc_type=version.doc_type,
        published_on=version.published_on,
        detected_at=event.detected_at,
        facts=[(label, without_bidi_controls(text)) for label, text in field_facts(statement.fields or {})],
        correction_of=correction_of,
        related=[link for link in related_links if link is not correction_of][:RELATED_ITEMS],
        topics=topics,
        opening=highlight(opening, [t for terms in topics.values() for t in terms]),
        significance=event.significance.value,
        reasons=[{key: without_bidi_controls(value) for key, value in reason.items()} for reason in event.reasons],
        significance_summary=without_bidi_controls(summary(event.significance, event.reasons)),
        page_url=links.event(event.id) if links is not None else None,
    )
    old = event.from_version
    if event.kind == EventKind.EDITED and old is not None and event.to_version is not None:
        new = event.to_version
        old_title = shorten(without_bidi_controls(old.title), TITLE_CHARS)
        return EventItem(
            **{**item.__dict__,
               "title_diff": word_diff(old_title, item.title) if old.title != new.title else [],
               "body_diff": condense(word_diff(without_bidi_controls(old.body_text),
                                               without_bidi_controls(new.body_text))),
               "old_published_on": old.published_on,
               "old_title": old_title,
               "old_seen_at": old.first_seen_at},
        )
    return item


def _related_link(item: RelatedItem, links: PageLinks | None) -> RelatedLink:
    return RelatedLink(relation=item.relation, title=shorten(without_bidi_controls(item.title), TITLE_CHARS),
                       url=item.url, source=item.source,
                       page_url=links.statement(item.id) if links is not None else None)


def _health_note(problem: HealthProblem, resolved: bool) -> HealthNote:
    return HealthNote(problem.kind, problem.message, problem.opened_at, problem.resolved_at if resolved else None)


def delivery_content(delivery: Delivery, site_url: str, links: PageLinks | None = None) -> Content:
    """The content of a queued delivery: its event, the events folded into it, or its health problem."""
    common: dict[str, Any] = {
        "recipients": delivery.owed_to,
        "channel": delivery.channel,
        "idempotency_key": delivery.idempotency_key,
        "created_at": delivery.created_at,
        "site_url": site_url,
    }
    if delivery.kind == DeliveryKind.HEALTH:
        assert delivery.health_problem is not None
        return Content(kind="health", health=_health_note(delivery.health_problem, delivery.health_resolved), **common)
    if delivery.kind == DeliveryKind.EVENT:
        assert delivery.event is not None
        return Content(kind="event", items=event_items([delivery.event], links), **common)
    events = [item.event for item in delivery.items if item.event is not None]
    return Content(kind=delivery.kind.value, items=newest_first(events, links), **common)  # type: ignore[arg-type]


def newest_first(events: list[ChangeEvent], links: PageLinks | None = None) -> list[EventItem]:
    return event_items(sorted(events, key=lambda e: (e.detected_at, e.id), reverse=True), links)
