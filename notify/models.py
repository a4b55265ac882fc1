"""The notifier's table: the transactional outbox of deliveries, one message for one channel each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models import Base, ChangeEvent, HealthProblem, enum_column, utcnow


class DeliveryKind(enum.StrEnum):
    EVENT = "event"
    DIGEST = "digest"
    # Events over an instant channel's hourly limit, folded into one message.
    SUMMARY = "summary"
    # Alerts held in an instant channel's quiet hours, sent together when they end.
    QUIET_SUMMARY = "quiet_summary"
    HEALTH = "health"


class DeliveryStatus(enum.StrEnum):
    # An event waiting for its channel's next digest.
    HELD = "held"
    # An instant alert waiting for the end of its channel's quiet hours (notify.holding).
    QUIET = "quiet"
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # Dead-lettered: out of attempts, or refused for good; `korus-watch retry` queues it again.
    FAILED = "failed"
    # Sent, but no answer came: the receiver may have it. Not sent again unless its channel drops repeats (by the
    # Idempotency-Key); `korus-watch retry` queues it again.
    UNKNOWN = "unknown"
    # Sent as part of a digest or summary (its parent).
    FOLDED = "folded"


class Delivery(Base):
    """The transactional outbox: one message for one channel, written in the transaction that made its event."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_channel_status", "channel", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DeliveryKind] = mapped_column(enum_column(DeliveryKind))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("change_events.id", ondelete="CASCADE"), index=True)
    health_problem_id: Mapped[int | None] = mapped_column(ForeignKey("health_problems.id", ondelete="CASCADE"))
    # For a health alert: whether the problem opened or mended.
    health_resolved: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    # Sent with every attempt (Idempotency-Key header, the email's Message-ID), so a resend can be recognised.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An email that some recipients refused for a while: the ones still owed it (None: every recipient).
    owed_to: Mapped[list[str] | None]
    # PostgreSQL: the advisory-lock key of the sender that claimed it; while that lock is held the sender lives.
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the server answered to the successful attempt (status line, SMTP reply), for the delivery log.
    response: Mapped[str | None] = mapped_column(Text)

    event: Mapped[ChangeEvent | None] = relationship()
    health_problem: Mapped[HealthProblem | None] = relationship()
    items: Mapped[list[Delivery]] = relationship(back_populates="parent", order_by="Delivery.id")
    parent: Mapped[Delivery | None] = relationship(back_populates="items", remote_side=[id])
