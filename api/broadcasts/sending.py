"""Sending: starting the due broadcasts, one message per planned recipient, and how it went.

Nothing is sent from a request: confirming a preview schedules it (a "send now" at now, moved into the
send window), and the worker's broadcast job (`dispatch_due`) enqueues the previewed texts in one
transaction. Opted-out people and people without a usable number are recorded as skipped (no task:
a broadcast is never the only way an appointment is announced; reminders open the tasks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from api.broadcasts import audience as audiences
from api.broadcasts import previews
from api.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from api.broadcasts.pricing import SKIP_REASONS
from api.broadcasts.schemas import MessageCounts
from api.broadcasts.templates import TEMPLATES, Renderer
from api.messaging import service as messaging
from api.messaging.models import Conversation, Message, MessageKind
from api.messaging.status import OUTBOUND_STATES
from api.people.models import Inburgeraar
from api.people.reachability import unreachable_reason
from api.reminders.policy import Policy
from api.settings import Settings

log = structlog.get_logger()
LEFT_OUTBOX = {"sent", "delivered", "read", "undelivered", "failed"}
LEFT_CASELOAD = "left_caseload"


def dispatch_due(
    db: Session, now: datetime, *, settings: Settings, policy: Policy, limit: int = 5
) -> tuple[int, int]:
    """Send the scheduled broadcasts that are due; returns (broadcasts, messages queued).

    Also deletes the previews nobody confirmed in time.
    """
    previews.delete_expired(db, now)
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
    """Enqueue the planned message of every recipient the broadcast was confirmed with; returns how many.

    The texts are the ones the preview rendered. Who opted out or lost their number since, or left the
    klantmanager's caseload, is skipped with that reason.
    """
    if broadcast.fingerprint is None:  # scheduled before preview records (migration 0010): render now
        people = audiences.recipients(db, broadcast.audience, broadcast.caseload_of_id)
        renderer = Renderer(TEMPLATES[broadcast.template], dict(broadcast.variables or {}), settings)
        rows = previews.render_rows(db, people, renderer)
        if rows:
            db.execute(insert(BroadcastRecipient), [{**r, "broadcast_id": broadcast.id} for r in rows])
    planned = db.execute(
        select(BroadcastRecipient, Inburgeraar)
        .join(Inburgeraar, Inburgeraar.id == BroadcastRecipient.inburgeraar_id)
        .where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.status == RecipientStatus.planned,
        )
        .order_by(BroadcastRecipient.id)
    ).all()
    reasons = {person.id: _skip_reason(broadcast, person) for _, person in planned}
    conversations = messaging.current_conversations(
        db, [person for _, person in planned if reasons[person.id] is None], start_missing=True
    )
    appointment_id = (
        broadcast.audience.get("appointmentId") if broadcast.audience.get("type") == "appointment" else None
    )
    changes: list[dict[str, Any]] = []
    for row, person in planned:
        change = {"id": row.id, "status": RecipientStatus.skipped, "reason": reasons[person.id], "text": None}
        change.update(channel=row.channel, segments=row.segments, message_id=None)
        if change["reason"] is None:
            message = _queue(db, row, conversations[person.id], person, appointment_id)
            change.update(
                status=RecipientStatus.queued,
                channel=message.channel,
                segments=message.segments,
                message_id=message.id,
            )
        changes.append(change)
    if changes:
        db.execute(update(BroadcastRecipient), changes)
    queued = sum(1 for c in changes if c["status"] == RecipientStatus.queued)
    db.execute(update(Broadcast).where(Broadcast.id == broadcast.id).values(recipients_count=queued))
    log.info("broadcast_sent", broadcast_id=broadcast.id, queued=queued, skipped=len(changes) - queued)
    return queued


def _skip_reason(broadcast: Broadcast, person: Inburgeraar) -> str | None:
    if (reason := unreachable_reason(person)) is not None:
        return reason
    if broadcast.caseload_of_id is not None and person.klantmanager_id != broadcast.caseload_of_id:
        return LEFT_CASELOAD
    return None


def _queue(
    db: Session,
    row: BroadcastRecipient,
    conversation: Conversation,
    person: Inburgeraar,
    appointment_id: int | None,
) -> Message:
    """Queue one recipient's planned message, on the channel messaging chooses now."""
    return messaging.queue_outbound(
        db,
        conversation,
        row.text or "",
        kind=MessageKind.broadcast,
        channel=messaging.preferred_channel(conversation, person),
        language=row.language,
        appointment_id=appointment_id,
    )


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
        "skipped": {reason: skipped.get(reason, 0) for reason in SKIP_REASONS},
        "progress": round(left / messages, 4) if messages else 0.0,
    }
