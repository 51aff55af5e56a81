"""Sending: when a broadcast goes out, starting the due ones, one row per recipient, and how it went.

Nothing is sent from a request: creating a broadcast schedules it (a "send now" at now, moved into the
send window), and the worker's broadcast job (`dispatch_due`) renders and enqueues it per recipient in
one transaction. Opted-out people and people without a usable number are recorded as skipped (no task:
a broadcast is never the only way an appointment is announced; reminders open the tasks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from api.broadcasts import audience as audiences
from api.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from api.broadcasts.schemas import MessageCounts
from api.broadcasts.templates import TEMPLATES, Renderer
from api.messaging import service as messaging
from api.messaging.models import Conversation, Message, MessageKind
from api.messaging.status import OUTBOUND_STATES
from api.people.models import Inburgeraar
from api.people.reachability import is_reachable, language_of, unreachable_reason
from api.reminders.policy import Policy
from api.settings import Settings

log = structlog.get_logger()
LEFT_OUTBOX = {"sent", "delivered", "read", "undelivered", "failed"}


def send_time(policy: Policy, requested: datetime) -> datetime:
    """The requested moment, or the next opening of the send window when it falls outside."""
    return requested if policy.in_window(requested) else policy.next_open(requested)


def dispatch_due(
    db: Session, now: datetime, *, settings: Settings, policy: Policy, limit: int = 5
) -> tuple[int, int]:
    """Send the scheduled broadcasts that are due; returns (broadcasts, messages queued)."""
    due = db.scalars(
        select(Broadcast)
        .where(Broadcast.status == BroadcastStatus.scheduled, Broadcast.send_at <= now)
        .order_by(Broadcast.send_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    count = queued = 0
    for broadcast in due:
        if not policy.in_window(now):
            # Due while the system was down and the window has closed since: wait for the next one.
            broadcast.send_at = policy.next_open(now)
            db.flush()
            continue
        claimed = db.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.scheduled)
            .values(status=BroadcastStatus.sent, sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        queued += dispatch(db, broadcast, settings=settings)
        db.expire(broadcast)
        count += 1
    return count, queued


def dispatch(db: Session, broadcast: Broadcast, *, settings: Settings) -> int:
    """Render and enqueue one broadcast for everyone its audience names now; returns messages queued."""
    people = audiences.recipients(db, broadcast.audience, broadcast.caseload_of_id)
    reachable = [p for p in people if is_reachable(p)]
    conversations = messaging.current_conversations(db, reachable, start_missing=True)
    renderer = Renderer(TEMPLATES[broadcast.template], dict(broadcast.variables or {}), settings)
    appointment_id = (
        broadcast.audience.get("appointmentId") if broadcast.audience.get("type") == "appointment" else None
    )
    rows: list[dict[str, Any]] = []
    for person in people:
        if (reason := unreachable_reason(person)) is not None:
            rows.append(
                {
                    "broadcast_id": broadcast.id,
                    "inburgeraar_id": person.id,
                    "status": RecipientStatus.skipped,
                    "reason": reason,
                }
            )
            continue
        rows.append(_queue(db, broadcast, person, conversations[person.id], renderer, appointment_id))
    if rows:
        db.execute(insert(BroadcastRecipient), rows)
    queued = sum(1 for r in rows if r["status"] == RecipientStatus.queued)
    db.execute(update(Broadcast).where(Broadcast.id == broadcast.id).values(recipients_count=queued))
    log.info("broadcast_sent", broadcast_id=broadcast.id, queued=queued, skipped=len(rows) - queued)
    return queued


def _queue(
    db: Session,
    broadcast: Broadcast,
    person: Inburgeraar,
    conversation: Conversation,
    renderer: Renderer,
    appointment_id: int | None,
) -> dict[str, Any]:
    """Queue one recipient's message in their language; returns their recipient row."""
    language = language_of(person)
    channel = messaging.preferred_channel(conversation, person)
    message = messaging.queue_outbound(
        db,
        conversation,
        renderer.text(language, person.name),
        kind=MessageKind.broadcast,
        channel=channel,
        language=language,
        appointment_id=appointment_id,
    )
    return {
        "broadcast_id": broadcast.id,
        "inburgeraar_id": person.id,
        "status": RecipientStatus.queued,
        "language": language,
        "channel": channel,
        "segments": message.segments,
        "message_id": message.id,
    }


def stats(db: Session, broadcast: Broadcast) -> dict[str, Any]:
    """Recipients' messages counted by delivery status, and who was skipped."""
    by_status = dict(
        db.execute(
            select(Message.status, func.count())
            .join(BroadcastRecipient, BroadcastRecipient.message_id == Message.id)
            .where(BroadcastRecipient.broadcast_id == broadcast.id)
            .group_by(Message.status)
        ).all()
    )
    skipped = dict(
        db.execute(
            select(BroadcastRecipient.reason, func.count())
            .where(
                BroadcastRecipient.broadcast_id == broadcast.id,
                BroadcastRecipient.status == RecipientStatus.skipped,
            )
            .group_by(BroadcastRecipient.reason)
        ).all()
    )
    messages = sum(by_status.values())
    left = sum(n for s, n in by_status.items() if s in LEFT_OUTBOX)
    # Every outbound state messaging knows, listed in the order of MessageCounts (the console's table).
    counts = MessageCounts(**{s: by_status.get(s, 0) for s in OUTBOUND_STATES}).model_dump()
    return {
        "recipients": messages,
        "messages": counts,
        "skipped": {"opted_out": skipped.get("opted_out", 0), "no_channel": skipped.get("no_channel", 0)},
        "progress": round(left / messages, 4) if messages else 0.0,
    }
