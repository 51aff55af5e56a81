"""Preview records: what a broadcast will send, rendered per recipient and sealed by a fingerprint (ADR 0020).

A preview resolves the audience and renders every recipient's message once, and keeps that as a broadcast
in status `previewed` with one `planned` row per recipient (text, language, channel, segments). Sending
confirms that record: it is scheduled as it stands, never rendered again. The confirmation names the
preview and its fingerprint and repeats the inputs; when they differ from what the preview was made from
(the form changed after the preview), it is refused. Unconfirmed previews expire after PREVIEW_VALID and
the broadcast job deletes them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from api.appointments.models import Appointment
from api.auth import Principal
from api.broadcasts import audience as audiences
from api.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from api.broadcasts.schemas import BroadcastCreate, BroadcastDraft
from api.broadcasts.templates import Renderer, check_variables, template_for
from api.broadcasts.timing import GRACE, check_event, event_of, planned_send_at
from api.errors import Conflict, InvalidInput, NotFound
from api.i18n import segments
from api.messaging import service as messaging
from api.people.models import Inburgeraar
from api.people.reachability import language_of, unreachable_reason
from api.reminders.policy import Policy
from api.settings import Settings

PREVIEW_VALID = timedelta(hours=12)
NAMES_SHOWN = 100  # recipients a page lists by name (and the audit event names)


def make_record(
    db: Session, actor: Principal, draft: BroadcastDraft, settings: Settings, policy: Policy, now: datetime
) -> Broadcast:
    """Check the draft, resolve its audience and render each recipient's message into a preview record."""
    template = template_for(draft.template)
    audience = audiences.authorize_audience(db, actor, draft.audience)
    values = check_variables(template, draft.variables, audience.appointment)
    send_at = planned_send_at(policy, draft.send_at, now)
    check_event(event_of(values, draft.variables, audience.appointment), send_at, now)
    people = audiences.recipients(db, audience.rule, audience.caseload_of)
    if not people:
        raise InvalidInput("this audience has nobody in it", field="audience", code="empty_audience")
    rows = render_rows(db, people, Renderer(template, values, settings))
    record = Broadcast(
        template=template.key,
        variables=values,
        audience=audience.rule,
        status=BroadcastStatus.previewed,
        requested_send_at=draft.send_at,
        send_at=send_at,
        created_by_id=actor.staff_id,
        created_by=actor.label,
        caseload_of_id=audience.caseload_of,
        created_at=now,
    )
    record.fingerprint = fingerprint(record, rows)
    db.add(record)
    db.flush()
    db.execute(insert(BroadcastRecipient), [{**row, "broadcast_id": record.id} for row in rows])
    return record


def render_rows(db: Session, people: list[Inburgeraar], renderer: Renderer) -> list[dict[str, Any]]:
    """One recipient row per person: the message rendered in their language, or why they are skipped.

    A person without a conversation is priced as one that has not written to us: a preview must not
    start conversations (the channel rule stays in messaging).
    """
    conversations = messaging.current_conversations(db, people)
    rows = []
    for person in people:
        reason = unreachable_reason(person)
        if reason is not None:
            rows.append({"inburgeraar_id": person.id, "status": RecipientStatus.skipped, "reason": reason})
            continue
        language = language_of(person)
        text = renderer.text(language, person.name)
        rows.append(
            {
                "inburgeraar_id": person.id,
                "status": RecipientStatus.planned,
                "language": language,
                "channel": audiences.channel_of(person, conversations.get(person.id)),
                "text": text,
                "segments": segments.count(text).segments,
            }
        )
    return rows


def fingerprint(record: Broadcast, rows: list[dict[str, Any]]) -> str:
    """SHA-256 over the inputs and every recipient's row: equal fingerprints, equal messages."""
    sealed = {
        "template": record.template,
        "variables": record.variables,
        "audience": record.audience,
        "sendAt": _instant(record.requested_send_at),
        "recipients": sorted(
            [
                r["inburgeraar_id"],
                r["status"],
                r.get("reason"),
                r.get("language"),
                r.get("channel"),
                r.get("text"),
            ]
            for r in rows
        ),
    }
    canonical = json.dumps(sealed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _instant(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def confirm(
    db: Session, actor: Principal, data: BroadcastCreate, settings: Settings, policy: Policy, now: datetime
) -> tuple[Broadcast, bool]:
    """Schedule the named preview as it stands (or, without one, preview and schedule in one step).

    Returns the broadcast and whether this call scheduled it: confirming the same preview twice (a double
    click) returns the broadcast the first confirmation scheduled.
    """
    if data.preview_id is None:
        record = make_record(db, actor, data, settings, policy, now)
    else:
        record = _own_preview(db, actor, data.preview_id)
        if data.fingerprint != record.fingerprint:
            raise Conflict(
                "this is not the preview that was shown", code="preview_changed", field="fingerprint"
            )
        if record.status in (BroadcastStatus.scheduled, BroadcastStatus.sent):
            return record, False
        if record.status != BroadcastStatus.previewed:
            raise Conflict(f"this broadcast is {record.status}", code=f"already_{record.status}")
        if record.created_at < now - PREVIEW_VALID:
            raise Conflict("the preview has expired; preview again", code="preview_expired")
        changed = changed_input(db, actor, record, data)
        if changed is not None:
            raise Conflict("the form changed since the preview", code="preview_changed", field=changed)
    send_at = planned_send_at(policy, record.requested_send_at, now)
    appointment = _appointment(db, record)
    check_event(event_of(record.variables, data.variables, appointment), send_at, now)
    if not _same_send_time(record, send_at, now):
        raise Conflict("the send time moved since the preview", code="send_time_moved", field="sendAt")
    scheduled = db.execute(
        update(Broadcast)
        .where(Broadcast.id == record.id, Broadcast.status == BroadcastStatus.previewed)
        .values(
            status=BroadcastStatus.scheduled,
            send_at=send_at,
            requested_send_at=record.requested_send_at or now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(record)
    return record, scheduled == 1


def _own_preview(db: Session, actor: Principal, preview_id: int) -> Broadcast:
    record = db.get(Broadcast, preview_id, with_for_update=True)
    if record is None or record.created_by != actor.label:
        raise NotFound(f"no preview {preview_id}", field="previewId")
    return record


def changed_input(db: Session, actor: Principal, record: Broadcast, data: BroadcastCreate) -> str | None:
    """The first input (as the API names it) that differs from what the preview was made from, or None."""
    if data.template != record.template:
        return "template"
    audience = audiences.authorize_audience(db, actor, data.audience)
    if audience.rule != record.audience:
        return "audience"
    values = check_variables(template_for(data.template), data.variables, audience.appointment)
    for name in sorted(set(values) | set(record.variables)):
        if values.get(name) != record.variables.get(name):
            return f"variables.{name}"
    if _instant(data.send_at) != _instant(record.requested_send_at):
        return "sendAt"
    return None


def _appointment(db: Session, record: Broadcast) -> Appointment | None:
    if record.audience.get("type") != "appointment":
        return None
    return db.get(Appointment, record.audience.get("appointmentId"))


def _same_send_time(record: Broadcast, send_at: datetime, now: datetime) -> bool:
    """A chosen time goes out when the preview said; "now" may go out later than previewed, but not
    after the send window closed in between (the preview said "now", it would be tomorrow)."""
    if record.requested_send_at is not None or send_at == record.send_at:
        return send_at == record.send_at
    return record.send_at - record.created_at <= GRACE and send_at - now <= GRACE


def delete_expired(db: Session, now: datetime) -> int:
    """Delete the previews nobody confirmed in time, with their rows; returns how many."""
    expired = select(Broadcast.id).where(
        Broadcast.status == BroadcastStatus.previewed, Broadcast.created_at < now - PREVIEW_VALID
    )
    ids = list(db.scalars(expired.limit(500)))
    if ids:
        db.execute(delete(BroadcastRecipient).where(BroadcastRecipient.broadcast_id.in_(ids)))
        db.execute(delete(Broadcast).where(Broadcast.id.in_(ids)))
    return len(ids)
