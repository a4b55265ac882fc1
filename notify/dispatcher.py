"""Sends what the outbox holds: claims each due delivery, sends it, and records the outcome.

A delivery is claimed (status `sending`, attempts + 1, the sender's key) and committed before its send, and its
outcome is committed after. A process killed between the two leaves a `sending` row that the next sender takes
over at once: on SQLite, where one sender runs at a time, when it starts; on PostgreSQL as soon as the dead
sender's advisory lock is gone. The resend carries the same idempotency key and Message-ID."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from archive.db import Database
from archive.lock import JobInProgress, job_lock
from archive.models import ChangeEvent, utcnow
from notify.channels import Channels, build_channels
from notify.content import Content, delivery_content, newest_first
from notify.errors import DeliveryError
from notify.formats import Format
from notify.holding import settle_quiet_hours
from notify.limits import fold_over_limit, newest_delivery_id
from notify.models import Delivery, DeliveryKind, DeliveryStatus
from notify.outbox import new_key
from notify.presence import SENDER_GONE, SenderPresence, lock_channel
from notify.settings import ChannelSettings, NotifierSettings

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    folded: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.folded += other.folded
        self.errors += other.errors


# What a message shows of an event; its topics come from the read model (notify.content.event_items).
_EVENT_CONTENT = (
    joinedload(ChangeEvent.statement),
    joinedload(ChangeEvent.to_version),
    joinedload(ChangeEvent.from_version),
)


def _loaded_delivery(session: Session, delivery_id: int) -> Delivery:
    return session.scalars(
        select(Delivery).where(Delivery.id == delivery_id).options(
            joinedload(Delivery.event).options(*_EVENT_CONTENT),
            selectinload(Delivery.items).joinedload(Delivery.event).options(*_EVENT_CONTENT),
            joinedload(Delivery.health_problem),
        )
    ).unique().one()


class Claim(NamedTuple):
    """A delivery this sender now owns, and which attempt this is."""

    delivery_id: int
    attempt: int


class Dispatcher:
    def __init__(self, db: Database, settings: NotifierSettings, channels: Channels | None = None) -> None:
        self.db = db
        self.settings = settings
        self.channels = channels if channels is not None else build_channels(settings)
        self._stopping = threading.Event()
        self._presence: SenderPresence | None = None
        self._presence_lock = threading.Lock()
        # SQLite: the one-sender lock, held while any pass of this process runs, and how many do.
        self._sole_sender = ExitStack()
        self._passes = 0
        # Passes may overlap in the service (a scheduled one, one after a poll): within this process a channel is
        # sent by one pass at a time, so that its messages go out in order and one at most is in flight at a kill.
        self._channel_locks = {name: threading.Lock() for name in self.channels.working}

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stop(self) -> None:
        """Lets each channel finish the send in progress and claim nothing more; the rest wait in the outbox."""
        self._stopping.set()

    def close(self) -> None:
        for channel_format in self.channels.working.values():
            channel_format.close()
        if self._presence is not None:
            self._presence.close()
            self._presence = None

    def presence(self) -> SenderPresence:
        """This sender's presence, taken (or taken again, when it was lost) before any claim: other senders must
        see it alive."""
        with self._presence_lock:  # passes may start in two threads of the service at once
            if self._presence is not None and not self._presence.alive():
                log.warning("this sender's presence lock was lost with its connection: taking a new one")
                self._presence.close()
                self._presence = None
            if self._presence is None:
                self._presence = SenderPresence(self.db.engine)
            return self._presence

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Held by each pass. On SQLite one process sends at a time (JobInProgress otherwise), and the passes of
        this one share its sender lock: the first to take it takes back what a stopped process left sending."""
        self.presence()
        with self._presence_lock:
            if self._passes == 0 and self.db.engine.dialect.name != "postgresql":
                self._sole_sender.enter_context(job_lock(
                    self.db.engine, "deliver", JobInProgress("another korus-watch process is sending from this archive")
                ))
                try:
                    self._take_back_abandoned()
                except BaseException:
                    # Kept, the lock would refuse this process's own next pass until a restart.
                    self._sole_sender.close()
                    raise
            self._passes += 1
        try:
            yield
        finally:
            with self._presence_lock:
                self._passes -= 1
                if self._passes == 0:
                    self._sole_sender.close()

    # -- the pass over every channel ----------------------------------------------------------------

    def deliver(self, time_limit: float | None = None) -> DeliveryReport:
        """Sends every due delivery; channels run side by side, so a slow server holds up no other channel.
        `time_limit`: claim nothing more after this many seconds, and leave the rest to the next pass."""
        deadline = None if time_limit is None else time.monotonic() + time_limit
        report = DeliveryReport(errors=[*self.channels.broken.values()])
        with self.sending():
            self._settle_reconfigured(report)
            due = self._channels_with_due_work()
            for name in sorted(due & set(self.channels.broken)):
                log.error("deliveries for channel %s wait: %s", name, self.channels.broken[name])
            names = sorted(due & set(self.channels.working))
            if names:
                with ThreadPoolExecutor(max_workers=min(8, len(names)), thread_name_prefix="deliver") as pool:
                    for channel_report in pool.map(partial(self._channel_pass, deadline=deadline), names):
                        report.add(channel_report)
        return report

    def _channel_pass(self, name: str, deadline: float | None) -> DeliveryReport:
        lock = self._channel_locks[name]
        if not lock.acquire(blocking=False):
            return DeliveryReport()  # another pass of this process is sending the channel's messages, in order
        try:
            return self._send_channel(name, deadline)
        finally:
            lock.release()

    def _send_channel(self, name: str, deadline: float | None) -> DeliveryReport:
        report = DeliveryReport()
        channel_format = self.channels.working[name]
        # A pass ends with the deliveries that existed when it began: a crawl queueing more cannot keep it going,
        # nor slip past the hourly count.
        if channel_format.channel.mode == "instant":
            folded, last_id = self.fold(channel_format.channel)
            report.folded += folded
        else:
            with self.db.sessions() as session:
                last_id = newest_delivery_id(session)
        while (not self._stopping.is_set() and (deadline is None or time.monotonic() < deadline)
               and (claim := self._claim(name, up_to=last_id)) is not None):
            error = self.send(channel_format, claim, report)
            if error is not None and (error.unreachable or error.retry_after is not None):
                break  # the channel's other messages would meet the same dead server or limit: next pass
        return report

    def _channels_with_due_work(self) -> set[str]:
        """Channels with a delivery due, or with alerts held for the end of their quiet hours (whether it came is
        judged by the channel's pass)."""
        waiting = or_(self._due(utcnow()), Delivery.status == DeliveryStatus.QUIET)
        with self.db.sessions() as session:
            return set(session.scalars(select(Delivery.channel).where(waiting).distinct()))

    def _due(self, now: datetime):  # type: ignore[no-untyped-def]
        due = and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
        if self.db.engine.dialect.name != "postgresql":
            return due  # SQLite's one sender takes back what was left sending when it starts
        return or_(due, and_(Delivery.status == DeliveryStatus.SENDING, SENDER_GONE))

    def _take_back_abandoned(self) -> None:
        with self.db.sessions.begin() as session:
            taken = session.execute(  # type: ignore[attr-defined]
                update(Delivery).where(Delivery.status == DeliveryStatus.SENDING)
                .values(status=DeliveryStatus.PENDING, next_attempt_at=utcnow(), claimed_by=None)
            ).rowcount
        if taken:
            log.warning("taking back %d deliveries a stopped process was sending; they are sent again", taken)

    def _settle_reconfigured(self, report: DeliveryReport) -> None:
        """Deliveries whose channel was removed are dead-lettered (visible, and requeued by `retry` once it is
        back); events held for a channel that is now instant are sent as instant alerts, and alerts held in the
        quiet hours of a channel that is now a digest channel wait for its digest."""
        configured = {channel.name for channel in self.settings.channels}
        instant = [channel.name for channel in self.settings.channels if channel.mode == "instant"]
        waiting = or_(self._due(utcnow()), Delivery.status.in_([DeliveryStatus.HELD, DeliveryStatus.QUIET]))
        with self.db.sessions.begin() as session:
            orphans = session.scalars(select(Delivery).where(waiting, Delivery.channel.not_in(configured))).all()
            for delivery in orphans:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = f"channel {delivery.channel!r} is not configured any more"
                report.failed += 1
                log.error("delivery %d failed: %s", delivery.id, delivery.last_error)
            session.execute(
                update(Delivery)
                .where(Delivery.status == DeliveryStatus.HELD, Delivery.channel.in_(instant))
                .values(status=DeliveryStatus.PENDING, next_attempt_at=utcnow())
            )
            session.execute(
                update(Delivery)
                .where(Delivery.status == DeliveryStatus.QUIET, Delivery.channel.in_(configured - set(instant)))
                .values(status=DeliveryStatus.HELD)
            )

    # -- before a channel's claims ----------------------------------------------------------------

    def fold(self, channel: ChannelSettings) -> tuple[int, int]:
        """An instant channel's alerts held in its quiet hours, or folded into one summary when they end
        (notify.holding), then kept within max_per_hour (notify.limits). Returns how many events were folded into an
        hourly summary, and the newest delivery the pass may send."""
        settle_quiet_hours(self.db, channel)
        return fold_over_limit(self.db, channel)

    # -- one delivery -------------------------------------------------------------------------------

    def _claim(self, channel: str, delivery_id: int | None = None, up_to: int | None = None) -> Claim | None:
        now = utcnow()
        query = select(Delivery).where(Delivery.channel == channel, self._due(now))
        if delivery_id is not None:
            query = query.where(Delivery.id == delivery_id)
        if up_to is not None:
            query = query.where(Delivery.id <= up_to)
        with self.db.sessions.begin() as session:
            delivery = session.scalar(query.order_by(Delivery.id).limit(1).with_for_update(skip_locked=True))
            if delivery is None:
                return None
            delivery.status = DeliveryStatus.SENDING
            delivery.attempts += 1
            delivery.claimed_by = self.presence().key
            return Claim(delivery.id, delivery.attempts)

    def content(self, delivery_id: int) -> Content:
        with self.db.sessions() as session:
            return delivery_content(_loaded_delivery(session, delivery_id), self.settings.site_url,
                                    self.settings.links)

    def send(self, channel_format: Format, claim: Claim, report: DeliveryReport) -> DeliveryError | None:
        """Sends a claimed delivery and records the outcome; returns the failure, if any."""
        name = channel_format.channel.name
        delivery_id, attempt = claim
        try:
            content = self.content(delivery_id)
            rendered = channel_format.render(content)
            answer = channel_format.send(rendered, content)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:
            # A template that fails on this content, an address or URL the client library refuses: a lasting
            # fault, dead-lettered with its cause rather than left claimed.
            log.exception("delivery %d to channel %s failed unexpectedly", delivery_id, name)
            error = DeliveryError(f"channel {name!r}: {type(exc).__name__}: {exc}", temporary=False)
        else:
            if self._record(delivery_id, attempt, status=DeliveryStatus.SENT, sent_at=utcnow(), response=answer,
                            last_error=None):
                report.sent += 1
                log.info("delivery %d sent to channel %s (%s, attempt %d): %s", delivery_id, name, content.kind,
                         attempt, answer)
            return None
        self._record_failure(name, delivery_id, attempt, error, report)
        return error

    def _record_failure(self, channel: str, delivery_id: int, attempt: int, error: DeliveryError,
                        report: DeliveryReport) -> None:
        notify = self.settings.notify
        owed = {"owed_to": error.owed_to} if error.owed_to else {}
        if error.outcome_unknown and not self.channels.working[channel].channel.deduplicates:
            self._record(delivery_id, attempt, status=DeliveryStatus.UNKNOWN, last_error=str(error))
            report.failed += 1
            report.errors.append(f"delivery {delivery_id}: {error}")
            log.error("delivery %d to channel %s: %s; not sent again, as the channel does not drop repeats "
                      "(deduplicates = false); `korus-watch retry %d` sends it again", delivery_id, channel, error,
                      delivery_id)
            return
        if not error.temporary or attempt >= notify.max_attempts:
            self._record(delivery_id, attempt, status=DeliveryStatus.FAILED, last_error=str(error), **owed)
            report.failed += 1
            report.errors.append(f"delivery {delivery_id}: {error}")
            reason = "refused for good" if not error.temporary else f"out of attempts ({attempt})"
            log.error("delivery %d to channel %s failed, %s: %s", delivery_id, channel, reason, error)
            return
        if error.retry_after is not None:
            # The server's word, within reason: a date decades away would silently park the message.
            delay = min(max(error.retry_after, 0.0), notify.max_backoff_seconds)
        else:
            # Exponential backoff with equal jitter: half the step fixed, half random, so senders spread out.
            step = min(notify.max_backoff_seconds, notify.backoff_seconds * 2 ** (attempt - 1))
            delay = step / 2 + random.uniform(0, step / 2)
        retry_at = utcnow() + timedelta(seconds=delay)
        self._record(delivery_id, attempt, status=DeliveryStatus.PENDING, next_attempt_at=retry_at,
                     last_error=str(error), **owed)
        report.retrying += 1
        log.warning("delivery %d to channel %s failed (attempt %d of %d), retry at %s: %s", delivery_id, channel,
                    attempt, notify.max_attempts, retry_at.isoformat(timespec="seconds"), error)

    def _record(self, delivery_id: int, attempt: int, **values: object) -> bool:
        with self.db.sessions.begin() as session:
            # Only while the claim is still ours: if this sender's lock was lost, another one may own the row now.
            updated = session.execute(  # type: ignore[attr-defined]
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.SENDING,
                       Delivery.attempts == attempt)
                .values(claimed_by=None, **values)
            ).rowcount
        if not updated:
            log.warning("delivery %d: claim lost before its outcome was recorded (this sender's lock was lost)",
                        delivery_id)
        return bool(updated)

    # -- digests ------------------------------------------------------------------------------------

    def digest(self, name: str) -> tuple[int | None, DeliveryReport]:
        """Gathers the channel's held events into one digest and sends it now; (None, ...) when there were none."""
        channel_format = self.channels.working[name]
        with self.db.sessions.begin() as session:
            lock_channel(session, name)
            held = session.scalars(self._held(name)).all()
            if not held:
                return None, DeliveryReport()
            digest = Delivery(channel=name, kind=DeliveryKind.DIGEST, status=DeliveryStatus.PENDING,
                              idempotency_key=new_key())
            for delivery in held:
                delivery.status, delivery.parent = DeliveryStatus.FOLDED, digest
            session.add(digest)
            session.flush()
            digest_id = digest.id
        report = DeliveryReport()
        try:
            with self.sending():
                if (claim := self._claim(name, digest_id)) is not None:
                    self.send(channel_format, claim, report)
        except JobInProgress:
            log.info("digest %d for channel %s is queued: the running sender will send it", digest_id, name)
        return digest_id, report

    def preview_digest(self, name: str) -> Content | None:
        """The digest the channel would get now, without sending or changing anything."""
        with self.db.sessions() as session:
            held = session.scalars(
                self._held(name).options(joinedload(Delivery.event).options(*_EVENT_CONTENT))
            ).unique().all()
            if not held:
                return None
            events = [delivery.event for delivery in held if delivery.event is not None]
            return Content(kind="digest", channel=name, idempotency_key="dry-run", created_at=utcnow(),
                           site_url=self.settings.site_url, items=newest_first(events, self.settings.links))

    @staticmethod
    def _held(name: str):  # type: ignore[no-untyped-def]
        return select(Delivery).where(Delivery.channel == name, Delivery.kind == DeliveryKind.EVENT,
                                      Delivery.status == DeliveryStatus.HELD).order_by(Delivery.id)
