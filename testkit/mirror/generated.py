"""A large deterministic site for benchmarks: realistic statements, a few percent about KORUS."""

from __future__ import annotations

import random
from datetime import date, timedelta

from testkit.mirror.site import MONTHS, SECTIONS, MirrorSite, MirrorStatement, slugify

KORUS_SHARE = 0.04
_FIRST_DAY, _LAST_DAY = date(2013, 1, 2), date(2026, 11, 20)
_PARTNERS = (
    "the European Union",
    "Japan",
    "Canada",
    "Mexico",
    "the United Kingdom",
    "India",
    "Vietnam",
    "Brazil",
    "Kenya",
    "Australia",
    "China",
    "Indonesia",
    "the Philippines",
    "Taiwan",
    "Switzerland",
)
_TOPICS = (
    "digital trade",
    "agricultural market access",
    "steel and aluminum",
    "intellectual property enforcement",
    "labor rights",
    "customs procedures",
    "services trade",
    "supply chain resilience",
    "fisheries subsidies",
    "pharmaceutical pricing",
    "critical minerals",
    "forced labor",
    "sanitary and phytosanitary measures",
)
_ACTIONS = (
    "Announces Progress on",
    "Welcomes Agreement on",
    "Concludes Talks on",
    "Launches Negotiations on",
    "Releases Report on",
    "Statement on",
)
_CITIES = ("Washington, DC –", "Washington, D.C. –", "Geneva, Switzerland –", "Brussels, Belgium –", "Tokyo, Japan –")
_SENTENCES = (
    "The discussions covered {topic} and the implementation of existing commitments, and both sides agreed to "
    "continue technical work in the coming weeks.",
    "Officials from USTR, the Department of Commerce and the Department of Agriculture briefed stakeholders and the "
    "congressional committees of jurisdiction on the progress of the talks.",
    "“Our trade policy must deliver for American workers, farmers, ranchers and businesses,” said Ambassador "
    "{official}. “Today’s outcome on {topic} is an important step toward a fairer trading relationship.”",
    "The United States raised longstanding concerns about barriers that limit U.S. exports to {partner}, including "
    "non-tariff measures, opaque licensing procedures and discriminatory regulations.",
    "Both delegations noted that bilateral trade in goods and services has grown substantially over the past decade "
    "and committed to resolving outstanding issues through dialogue.",
    "USTR will publish a notice in the Federal Register requesting public comments, and a public hearing will be held "
    "before any further action is taken.",
    "The next round of meetings is expected to take place in the coming months, at a date to be agreed by both sides.",
    "Senior officials also exchanged views on cooperation in the World Trade Organization and on reform of its "
    "dispute settlement system.",
)
_KORUS_SENTENCES = (
    "The discussions also addressed implementation of the U.S.-Korea Free Trade Agreement (KORUS FTA), including "
    "automotive standards and agricultural market access.",
    "The KORUS Joint Committee will review the outcome at its next meeting with Korea’s Ministry of Trade, Industry "
    "and Energy.",
)
_STOP_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)


def _ustr(year: int) -> str:
    for since, name in (
        (2025, "Jamieson Greer"),
        (2021, "Katherine Tai"),
        (2017, "Robert Lighthizer"),
        (2014, "Michael Froman"),
    ):
        if year >= since:
            return name
    return "Demetrios Marantis"


def _slug(title: str, year: int) -> str:
    slug = slugify(title)
    if 2017 <= year <= 2019:  # those years' aliases drop stop words and stop at about 30 characters
        words = [w for w in slug.split("-") if w not in _STOP_WORDS]
        slug = ""
        for word in words:
            if len(slug) + len(word) > 30:
                break
            slug = f"{slug}-{word}".strip("-")
    return slug


def _statement(rng: random.Random, node_id: int) -> MirrorStatement:
    published = _FIRST_DAY + timedelta(days=rng.randrange((_LAST_DAY - _FIRST_DAY).days))
    korus = rng.random() < KORUS_SHARE
    partner = "the Republic of Korea" if korus else rng.choice(_PARTNERS)
    topic = "the KORUS FTA" if korus else rng.choice(_TOPICS)
    official = _ustr(published.year)
    headline_topic = " ".join(w if w in _STOP_WORDS else w[0].upper() + w[1:] for w in topic.split())
    title = f"USTR {rng.choice(_ACTIONS)} {headline_topic} with {partner}"
    sentences = [s.format(topic=topic, partner=partner, official=official.split()[-1]) for s in _SENTENCES]
    paragraphs = [
        f"{rng.choice(_CITIES)} United States Trade Representative {official} today met with senior "
        f"officials of {partner} to discuss {topic}."
    ]
    for _ in range(8):
        paragraphs.append(" ".join(rng.sample(sentences, 3)))
    if korus:
        paragraphs.insert(2, " ".join(_KORUS_SENTENCES))
    if rng.random() < 0.3:
        paragraphs[-2:-2] = ["Background:"]
    month = published.month
    if rng.random() < 0.02:  # filed under the previous month's folder
        month = month - 1 or 1
    d7 = published < date(2019, 6, 1)
    return MirrorStatement(
        section=rng.choices(SECTIONS, weights=(6, 3, 1))[0],
        year=published.year,
        month=MONTHS[month - 1],
        slug=_slug(title, published.year),
        title=title,
        published=published,
        paragraphs=paragraphs,
        node_id=None if rng.random() < 0.03 else node_id,
        theme="d7" if d7 else "d8",
        banner=rng.choice(("none", "none", "inside", "outside")) if published.year < 2021 else "none",
        date_in_body=d7 and rng.random() < 0.5,
    )


def generated_site(n: int, seed: int = 0) -> MirrorSite:
    """`n` deterministic statements (pages of about 6 KB) over all sections and 2013–2026, 25 to a landing page."""
    rng = random.Random(seed)
    statements: dict[str, MirrorStatement] = {}
    for number in range(n):
        statement = _statement(rng, 20_000 + number)
        base, suffix = statement.slug, 0
        while statement.path in statements:  # as Drupal does for a taken alias
            statement.slug, suffix = f"{base}-{suffix}", suffix + 1
        statements[statement.path] = statement
    return MirrorSite(statements.values(), page_size=25)
