"""The archive's settings sections: where the database is, and the topics statements are scored for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from archive import relevance


class Section(BaseModel):
    """A settings section: every package's sections refuse keys they do not know."""

    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(Section):
    # None means SQLite in the per-user data directory (see archive.db.default_database_url).
    url: str | None = None


class ArchiveSettings(Section):
    # Which snapshots (the responses polls read) housekeeping keeps: "versions", those some version was read from
    # and each item's latest; "all", every one (archive.snapshots.retention).
    keep_snapshots: Literal["versions", "all"] = "versions"


class RuleSettings(Section):
    term: str | None = None
    phrase: str | None = None
    regex: str | None = None
    weight: float = 1.0
    context: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one_pattern(self) -> RuleSettings:
        given = [kind for kind in ("term", "phrase", "regex") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError("a rule needs exactly one of term, phrase or regex")
        relevance.compile_rule(self.to_rule())
        return self

    def to_rule(self) -> relevance.Rule:
        kind: relevance.RuleKind = next(k for k in ("term", "phrase", "regex") if getattr(self, k) is not None)
        return relevance.Rule(
            pattern=getattr(self, kind), kind=kind, weight=self.weight, context=tuple(self.context)
        )


class TopicSettings(Section):
    enabled: bool = True
    threshold: float | None = None
    # Empty rules on the built-in topic keep its built-in rules.
    rules: list[RuleSettings] = Field(default_factory=list)
    exclude: list[RuleSettings] = Field(default_factory=list)


def check_topics(topics: dict[str, TopicSettings]) -> dict[str, TopicSettings]:
    """A configured topic other than the built-in one must say what makes a statement relevant to it."""
    for name, topic in topics.items():
        if name != relevance.KORUS.name and not topic.rules:
            raise ValueError(f"topic {name!r} has no rules")
    return topics


def enabled_topics(topics: dict[str, TopicSettings]) -> list[relevance.Topic]:
    """The configured topics; the built-in one is on unless disabled, and keeps its rules unless given others."""
    configured = {relevance.KORUS.name: TopicSettings(), **topics}
    return [_topic(name, topic) for name, topic in configured.items() if topic.enabled]


def _topic(name: str, configured: TopicSettings) -> relevance.Topic:
    builtin = relevance.KORUS if name == relevance.KORUS.name else relevance.Topic(name=name, rules=())
    return relevance.Topic(
        name=name,
        rules=tuple(r.to_rule() for r in configured.rules) or builtin.rules,
        exclude=tuple(r.to_rule() for r in configured.exclude) or builtin.exclude,
        threshold=builtin.threshold if configured.threshold is None else configured.threshold,
    )
