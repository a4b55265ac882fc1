"""The transactional outbox: deliveries written in the same transaction as the events they announce."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from archive.models import HealthKind, HealthProblem, utcnow
from archive.writer import RecordedEvent
from notify.models import Delivery, DeliveryKind, DeliveryStatus
from notify.settings import ChannelSettings, NotifierSettings

# A problem that outlasts one poll only when the site cannot be reached at all or refuses every request for now; the
# others are alerted at once.
_DELAYED_KINDS = frozenset({HealthKind.UNREACHABLE, HealthKind.RATE_LIMITED})


def new_key() -> str:
    return uuid.uuid4().hex


def matches(channel: ChannelSettings, event: RecordedEvent) -> bool:
    return (event.kind in channel.events and event.significance.at_least(channel.min_significance)
            and (not channel.topics or bool(event.topics.intersection(channel.topics))))


class Outbox:
    """The crawl's ChangeListener: queues a delivery for each channel an event or health change concerns."""

    def __init__(self, settings: NotifierSettings) -> None:
        self.channels = settings.channels
        self.admin_channels = [c for c in settings.channels if c.admin]
        self.site_down_delay = timedelta(minutes=settings.notify.site_down_alert_minutes)

    def event_recorded(self, session: Session, event: RecordedEvent) -> None:
        for channel in self.channels:
            if matches(channel, event):
                status = DeliveryStatus.HELD if channel.mode == "digest" else DeliveryStatus.PENDING
                session.add(Delivery(channel=channel.name, kind=DeliveryKind.EVENT, status=status, event_id=event.id,
                                     idempotency_key=new_key()))

    def mass_arrival(self, session: Session, event_ids: list[int]) -> None:
        """A flood of new items: on each instant channel, their alerts not tried yet fold into one summary (the
        channel's summary not sent yet, or a new one). Digest channels hold theirs for the digest anyway."""
        alerts = session.scalars(
            select(Delivery).where(Delivery.event_id.in_(event_ids), Delivery.kind == DeliveryKind.EVENT,
                                   Delivery.status == DeliveryStatus.PENDING, Delivery.attempts == 0)
            .order_by(Delivery.id)
        ).all()
        summaries: dict[str, Delivery] = {}
        for alert in alerts:
            summary = summaries.get(alert.channel)
            if summary is None:
                summary = summaries[alert.channel] = session.scalar(
                    select(Delivery).where(Delivery.channel == alert.channel, Delivery.kind == DeliveryKind.SUMMARY,
                                           Delivery.status == DeliveryStatus.PENDING, Delivery.attempts == 0)
                    .order_by(Delivery.id.desc()).limit(1)
                ) or Delivery(channel=alert.channel, kind=DeliveryKind.SUMMARY, status=DeliveryStatus.PENDING,
                              idempotency_key=new_key())
                session.add(summary)
            alert.status, alert.parent = DeliveryStatus.FOLDED, summary

    def health_problem_seen(self, session: Session, problem: HealthProblem) -> None:
        if problem.kind in _DELAYED_KINDS and utcnow() - problem.opened_at < self.site_down_delay:
            return
        if problem.id is None or not self._alerted(session, problem):
            self._alert(session, problem, resolved=False)

    def health_problem_resolved(self, session: Session, problem: HealthProblem) -> None:
        # A problem too short-lived to be alerted mends silently.
        if self._alerted(session, problem):
            self._alert(session, problem, resolved=True)

    def _alerted(self, session: Session, problem: HealthProblem) -> bool:
        return bool(session.scalar(select(exists().where(
            Delivery.health_problem_id == problem.id, Delivery.health_resolved.is_(False)
        ))))

    def _alert(self, session: Session, problem: HealthProblem, *, resolved: bool) -> None:
        unsent = {}
        if resolved:
            # A problem alert still waiting (its channel was down, say) is not sent after the recovery: the
            # recovery message, which gives both times, takes its place.
            unsent = {
                alert.channel: alert
                for alert in session.scalars(
                    select(Delivery).where(Delivery.health_problem_id == problem.id,
                                           Delivery.health_resolved.is_(False),
                                           Delivery.status == DeliveryStatus.PENDING)
                )
            }
        for channel in self.admin_channels:
            alert = Delivery(channel=channel.name, kind=DeliveryKind.HEALTH, status=DeliveryStatus.PENDING,
                             health_problem=problem, health_resolved=resolved, idempotency_key=new_key())
            session.add(alert)
            if channel.name in unsent:
                unsent[channel.name].status, unsent[channel.name].parent = DeliveryStatus.FOLDED, alert
