"""The outbox dispatcher: hands committed outbox rows to the transport, at least once, never twice on purpose.

One round (`Dispatcher.run_once`):

1. claim a batch in one statement: `UPDATE outbox ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`
   on PostgreSQL, so several workers never take the same row; SQLite runs the same single UPDATE under its
   database-wide write lock, which is the safe equivalent. A claim is a lease (`locked_until`): rows of a
   worker that died stay `sending` until the lease runs out and are then claimed again, as *ambiguous*.
2. re-check each row just before sending: automatic messages to someone who opted out are cancelled,
   WhatsApp free text outside the 24-hour window becomes a template or is held.
3. send in parallel. An ambiguous row (an earlier timeout or 5xx, or a dead worker) is first looked up
   at Twilio (Twilio has no idempotency key); only when Twilio does not know it is it sent again.
4. record each outcome in its own short transaction: sent; retry later with capped exponential backoff
   and jitter (429, 5xx, timeouts); or failed for good with Twilio's code and its meaning for staff
   (listeners act on it: 21610 records the opt-out, staff get a task, WhatsApp may fall back to SMS).

See docs/adr/0004-outbox-and-delivery.md.
"""

from __future__ import annotations

import math
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from api.db import Database, claim_rows, utcnow
from api.events import Hook
from api.messaging import provider, service, status
from api.messaging.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    Message,
    OutboxItem,
    OutboxStatus,
)
from api.messaging.transports import LocalTransport, Outgoing, SendFailed, Sent, Transport
from api.people.models import ConsentState, Inburgeraar
from api.settings import Settings

log = structlog.get_logger()

BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(minutes=15)


def backoff(
    attempts: int,
    rng: random.Random | None = None,
    *,
    base: timedelta = BACKOFF_BASE,
    cap: timedelta = BACKOFF_CAP,
) -> timedelta:
    """Capped exponential backoff with jitter: 2 s, 4 s, 8 s ... at most 15 minutes, each 50-100 %."""
    rng = rng or random
    raw = min(cap.total_seconds(), base.total_seconds() * 2 ** max(0, attempts - 1))
    return timedelta(seconds=raw * (0.5 + rng.random() / 2))


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    looked_up: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0

    def add(self, other: Report) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Job:
    outgoing: Outgoing
    message_id: int
    ambiguous: bool
    known_sid: str | None
    attempts: int
    lease_until: datetime
    result: Sent | SendFailed | None = None
    looked_up: bool = False
    notes: dict[str, str] = field(default_factory=dict)


def claim(db: Session, *, limit: int, now: datetime, lease: timedelta) -> list[int]:
    """Take up to `limit` due rows for this worker; returns their ids (the caller commits)."""
    due = or_(
        and_(OutboxItem.status == OutboxStatus.pending, OutboxItem.next_attempt_at <= now),
        and_(OutboxItem.status == OutboxStatus.sending, OutboxItem.locked_until < now),
    )
    return claim_rows(
        db,
        OutboxItem.id,
        due=due,
        order_by=(OutboxItem.next_attempt_at, OutboxItem.id),
        limit=limit,
        values={
            # A row still `sending` belonged to a worker that died mid-send: it may have reached Twilio.
            "ambiguous": case((OutboxItem.status == OutboxStatus.sending, True), else_=OutboxItem.ambiguous),
            "status": OutboxStatus.sending,
            "locked_until": now + lease,
            "attempts": OutboxItem.attempts + 1,
            "attempt_started_at": now,
        },
    )


def mark_message(db: Session, message_id: int, new: str, **values: object) -> bool:
    """Move a message's status forward only (a conditional UPDATE, safe against racing callbacks)."""
    result = db.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(status.movable_from(new)))
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class DeliveryFailure:
    """A message that will not arrive, as the `delivery_failed` listeners see it."""

    message: Message
    conversation: Conversation
    person: Inburgeraar
    code: str
    channel: str
    settings: Settings | None
    opted_out: bool = False  # the provider says the person blocked our messages (Twilio's 21610)


# Listeners are called as listener(db, failure) in the transaction that records the failure; they are
# registered at start-up by api.wiring (consent on 21610, a task for staff, the SMS fallback).
delivery_failed = Hook("delivery_failed")


def record_final_failure(
    db: Session,
    settings: Settings | None,
    item: OutboxItem,
    code: str | None,
    detail: str = "",
    *,
    new_status: str = DeliveryStatus.failed,
) -> None:
    """A message will not arrive: record why (the code and its meaning for staff), then tell listeners."""
    code = code or "unknown"
    message = db.get(Message, item.message_id)
    assert message is not None
    item.status = OutboxStatus.failed
    item.locked_until = None
    item.last_error_code = code[:16]
    item.last_error = (detail or "")[:300]
    mark_message(
        db, message.id, new_status, error_code=code[:16], error_message=provider.current().meaning(code)
    )
    db.refresh(message)
    log.info("outbound_failed", outbox_id=item.id, message_id=message.id, code=code)
    conversation = db.get(Conversation, message.conversation_id)
    person = (
        db.get(Inburgeraar, conversation.inburgeraar_id)
        if conversation and conversation.inburgeraar_id
        else None
    )
    if person is None or conversation is None:
        return
    opted_out = provider.current().means_opted_out(code)
    failure = DeliveryFailure(message, conversation, person, code, item.channel, settings, opted_out)
    delivery_failed.emit(db, failure)


def _not_to_send(
    message: Message, conversation: Conversation, consent: str | None, *, disputed: bool
) -> tuple[str, str] | None:
    """Why a row must not go out after all (code, meaning for staff), or None.

    Checked just before sending: a conversation closed since the row was queued runs on a number that is
    no longer the person's (or no longer theirs alone); a number whose holder wrote that it is not the
    person's gets nothing about the person until staff check; automatic messages wait for consent. The
    crisis reply and the answer to "wrong number" are never held back: they answer the number that wrote
    and say nothing about anyone.
    """
    if message.intent in service.ABOUT_NO_ONE:
        return None
    if conversation.closed_at is not None:
        return "number_changed", service.NOT_SENT_NUMBER_CHANGED
    if disputed:
        return "number_disputed", service.NOT_SENT_NUMBER_DISPUTED
    if message.kind in service.AUTOMATIC_KINDS and consent == ConsentState.opted_out:
        return "opted_out", service.NOT_SENT_OPTED_OUT
    return None


def _cancel(db: Session, item: OutboxItem, code: str, meaning: str) -> None:
    item.status = OutboxStatus.cancelled
    item.locked_until = None
    mark_message(db, item.message_id, DeliveryStatus.cancelled, error_code=code, error_message=meaning)
    log.info("outbound_cancelled", outbox_id=item.id, message_id=item.message_id, code=code)


class Dispatcher:
    """Sends what the outbox holds. Several dispatchers (threads or processes) may run side by side."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        transport: Transport | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.transport = transport or provider.current().make_transport(settings)
        self.local = LocalTransport()  # the simulator's "web" channel never goes to Twilio
        self.rng = rng or random.Random()
        self.worker = uuid.uuid4().hex[:12]
        rounds = math.ceil(settings.outbox_batch_size / max(1, settings.outbox_send_concurrency))
        # Long enough for a whole batch of timeouts; a dead worker's rows come back after this.
        self.lease = timedelta(seconds=max(30.0, settings.twilio_timeout_seconds * rounds * 2 + 10))
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.outbox_send_concurrency))

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        close = getattr(self.transport, "close", None)
        if close:
            close()

    def run_once(self, now: datetime | None = None) -> Report:
        """Claim, check, send and record one batch; returns what happened."""
        now = now or utcnow()
        report = Report()
        with self.database.session() as db:
            ids = claim(db, limit=self.settings.outbox_batch_size, now=now, lease=self.lease)
            db.commit()
        report.claimed = len(ids)
        if not ids:
            return report
        jobs = self._prepare(ids, now, report)
        if jobs:
            # Parallel across people, in order within one person's conversation.
            by_address: dict[str, list[_Job]] = {}
            for job in jobs:
                by_address.setdefault(job.outgoing.to.removeprefix("whatsapp:"), []).append(job)
            list(self.pool.map(self._send_in_order, by_address.values()))
            self._record_sent([job for job in jobs if isinstance(job.result, Sent)])
            for job in jobs:
                if job.notes.get("outcome") == "sent":
                    report.sent += 1
                    report.looked_up += int(job.looked_up)
                elif job.notes.get("outcome") == "retry":
                    report.retried += 1
                elif job.notes.get("outcome") == "failed":
                    report.failed += 1
        return report

    def drain(self, *, max_rounds: int = 1000, now: datetime | None = None) -> Report:
        """Run rounds until nothing is due (tests, benchmarks, the simulator)."""
        total = Report()
        for _ in range(max_rounds):
            report = self.run_once(now)
            total.add(report)
            if report.claimed == 0:
                break
        return total

    # -- steps ---------------------------------------------------------------------------------------

    def _prepare(self, ids: list[int], now: datetime, report: Report) -> list[_Job]:
        jobs: list[_Job] = []
        with self.database.session() as db:
            rows = db.execute(
                select(OutboxItem, Message, Conversation, Inburgeraar.consent_state)
                .add_columns(Inburgeraar.phone_disputed_at)
                .join(Message, Message.id == OutboxItem.message_id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .outerjoin(Inburgeraar, Inburgeraar.id == Conversation.inburgeraar_id)
                .where(OutboxItem.id.in_(ids))
                .order_by(OutboxItem.id)
            ).all()
            for item, message, conversation, consent, disputed_at in rows:
                refusal = _not_to_send(message, conversation, consent, disputed=disputed_at is not None)
                if refusal is not None:
                    _cancel(db, item, *refusal)
                    report.cancelled += 1
                    continue
                if item.channel == Channel.whatsapp and not item.content_sid and not item.ambiguous:
                    if provider.apply_whatsapp_rules(db, conversation, message, item, now=now) == "hold":
                        item.locked_until = None
                        report.held += 1
                        continue
                jobs.append(
                    _Job(
                        outgoing=Outgoing(
                            outbox_id=item.id,
                            to=item.to,
                            channel=item.channel,
                            body=item.body,
                            content_sid=item.content_sid,
                            content_variables=item.content_variables if item.content_sid else None,
                            status_callback=provider.current().status_callback(self.settings, item.id)
                            if item.channel != Channel.web
                            else None,
                            queued_at=item.created_at,
                        ),
                        message_id=message.id,
                        ambiguous=item.ambiguous,
                        known_sid=item.provider_sid,
                        attempts=item.attempts,
                        lease_until=item.locked_until or now + self.lease,
                    )
                )
            db.commit()
        return jobs

    def _send_in_order(self, jobs: list[_Job]) -> None:
        for job in jobs:
            self._send_and_record(job)

    def _send_and_record(self, job: _Job) -> None:
        try:
            job.result = self._deliver(job)
        except SendFailed as failure:
            job.result = failure
        except Exception as exc:  # a bug in a transport must not lose the row: retry it later
            log.exception(
                "outbound_transport_error", outbox_id=job.outgoing.outbox_id, error=type(exc).__name__
            )
            job.result = SendFailed("unavailable", type(exc).__name__, retryable=True, ambiguous=True)
        self._record(job)

    def _deliver(self, job: _Job) -> Sent:
        if job.ambiguous:
            if job.known_sid:  # a status callback already told us Twilio has it
                job.looked_up = True
                return Sent(sid=job.known_sid, status="sent")
            transport = self.local if job.outgoing.channel == Channel.web else self.transport
            for found in transport.lookup(job.outgoing):
                if found.sid and not self._sid_taken(found.sid, job.outgoing.outbox_id):
                    job.looked_up = True
                    log.info("outbound_found_after_ambiguous_attempt", outbox_id=job.outgoing.outbox_id)
                    return found
        if utcnow() >= job.lease_until:
            # Our lease ran out while earlier sends of this batch were slow; another worker may own it now.
            raise SendFailed("timeout", "lease expired before sending", retryable=True, ambiguous=True)
        if job.outgoing.channel == Channel.web:
            return self.local.send(job.outgoing)
        return self.transport.send(job.outgoing)

    def _record_sent(self, jobs: list[_Job]) -> None:
        """The hot path: one transaction for the batch's successes, with conditional UPDATEs.

        Only rows still `sending` move (a "failed" callback may have been faster); messages move forward
        only (a "delivered" callback may have been faster). Until this commit a crash leaves the rows
        `sending`: they come back as ambiguous and are looked up, not sent again.
        """
        if not jobs:
            return
        by_id = {job.outgoing.outbox_id: job for job in jobs}
        sids = {
            i: job.result.sid for i, job in by_id.items() if isinstance(job.result, Sent) and job.result.sid
        }
        with self.database.session() as db:
            values: dict[str, object] = {
                "status": OutboxStatus.sent,
                "sent_at": utcnow(),
                "locked_until": None,
                "ambiguous": False,
            }
            if sids:
                values["provider_sid"] = case(
                    *[(OutboxItem.id == i, sid) for i, sid in sids.items()], else_=OutboxItem.provider_sid
                )
            moved = (
                db.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id.in_(list(by_id)), OutboxItem.status == OutboxStatus.sending)
                    .values(**values)
                    .returning(OutboxItem.id)
                    .execution_options(synchronize_session=False)
                )
                .scalars()
                .all()
            )
            by_status: dict[str, list[int]] = {}
            for outbox_id in moved:
                job = by_id[outbox_id]
                assert isinstance(job.result, Sent)
                new = job.result.status or DeliveryStatus.sent
                by_status.setdefault(new, []).append(job.message_id)
                job.notes["outcome"] = "sent"
            cleared = {"error_code": None, "error_message": None}
            for new, message_ids in by_status.items():
                for state in dict.fromkeys([new, DeliveryStatus.sent]):
                    db.execute(
                        update(Message)
                        .where(Message.id.in_(message_ids), Message.status.in_(status.movable_from(state)))
                        .values(status=state, **cleared)
                        .execution_options(synchronize_session=False)
                    )
            db.commit()
        for outbox_id in moved:
            job = by_id[outbox_id]
            log.info("outbound_sent", outbox_id=outbox_id, message_id=job.message_id, looked_up=job.looked_up)

    def _sid_taken(self, sid: str, outbox_id: int) -> bool:
        """A SID another outbox row already owns is that row's message (the same text sent twice)."""
        with self.database.session() as db:
            owner = db.scalar(
                select(OutboxItem.id)
                .where(OutboxItem.provider_sid == sid, OutboxItem.id != outbox_id)
                .limit(1)
            )
            return owner is not None

    def _record(self, job: _Job) -> None:
        if isinstance(job.result, Sent):
            return  # recorded for the whole batch at once (_record_sent)
        result = job.result
        assert isinstance(result, SendFailed)
        outbox_id = job.outgoing.outbox_id
        with self.database.session() as db:
            item = db.get(OutboxItem, outbox_id, with_for_update=db.get_bind().dialect.name == "postgresql")
            if item is None or item.status != OutboxStatus.sending:
                db.rollback()
                return
            if result.retryable and job.attempts < self.settings.outbox_max_attempts:
                item.status = OutboxStatus.pending
                item.locked_until = None
                item.ambiguous = item.ambiguous or result.ambiguous
                item.next_attempt_at = utcnow() + backoff(job.attempts, self.rng)
                item.last_error_code = (result.code or "")[:16] or None
                item.last_error = result.detail[:300]
                db.execute(
                    update(Message)
                    .where(Message.id == job.message_id)
                    .values(
                        error_code=item.last_error_code, error_message=provider.current().meaning(result.code)
                    )
                )
                job.notes["outcome"] = "retry"
                log.info(
                    "outbound_retry_later",
                    outbox_id=outbox_id,
                    code=result.code,
                    attempts=job.attempts,
                    ambiguous=item.ambiguous,
                )
            else:
                record_final_failure(db, self.settings, item, result.code, result.detail)
                job.notes["outcome"] = "failed"
            db.commit()
