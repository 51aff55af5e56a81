"""Broadcasts: choose an audience and a catalog template, preview it per language, send now or later.

Coordinators broadcast to anyone; klantmanagers only inside their own caseload. Nothing is sent from a
request: creating a broadcast schedules it (a "send now" at now, moved into the send window), and the
scheduler tick renders and enqueues it per recipient in one transaction. Opted-out people and people
without a usable number are recorded as skipped (no task: a broadcast is never the only way an
appointment is announced; reminders open the tasks).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from pydantic import TypeAdapter
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from api.appointments import service as appointments
from api.appointments.models import Appointment, AppointmentKind
from api.attendance.models import Attendance
from api.audit import service as audit
from api.auth import Principal
from api.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from api.broadcasts.schemas import Audience, BroadcastCreate, BroadcastDraft
from api.broadcasts.templates import TEMPLATES, TEXT_MAX, VARIABLE_TYPES, Template
from api.db import utcnow
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.i18n import formatting, segments
from api.i18n.catalog import render
from api.messaging import service as messaging
from api.messaging.models import Channel, Conversation, Message, MessageKind
from api.people.models import Inburgeraar, Role, Staff
from api.people.reachability import NO_CHANNEL, OPTED_OUT, is_reachable, language_of, unreachable_reason
from api.reminders.policy import Policy, load_policy
from api.settings import ROOT, Settings

log = structlog.get_logger()
COST_PATH = ROOT / "config" / "broadcasts.json"
IN_CHUNK = 5000  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
_audience_adapter: TypeAdapter[Any] = TypeAdapter(Audience)
LEFT_OUTBOX = {"sent", "delivered", "read", "undelivered", "failed"}
OUTBOUND_STATES = (
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "held",
    "undelivered",
    "failed",
    "cancelled",
)


# --- catalog and costs --------------------------------------------------------------------------


def templates() -> list[dict[str, Any]]:
    return [
        {
            "key": t.key,
            "title": t.title,
            "text": t.text,
            "variables": [{"name": n, "type": VARIABLE_TYPES[n]} for n in t.variables],
        }
        for t in TEMPLATES.values()
    ]


@dataclass(frozen=True)
class Prices:
    currency: str
    sms_segment: float
    whatsapp_message: float
    web_message: float

    def of(self, channel: str, segment_count: int) -> float:
        if channel == Channel.sms:
            return segment_count * self.sms_segment
        return self.whatsapp_message if channel == Channel.whatsapp else self.web_message


@lru_cache(maxsize=4)
def _prices(path: str, mtime: float) -> Prices:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return Prices(
        currency=raw.get("currency", "EUR"),
        sms_segment=float(raw["price_per_sms_segment"]),
        whatsapp_message=float(raw.get("price_per_whatsapp_message", 0)),
        web_message=float(raw.get("price_per_web_message", 0)),
    )


def prices() -> Prices:
    """Prices from config/broadcasts.json (or BROADCAST_COST_PATH), re-read when the file changes."""
    path = Path(os.environ.get("BROADCAST_COST_PATH") or COST_PATH)
    return _prices(str(path), path.stat().st_mtime)


# --- validation and audience --------------------------------------------------------------------


def template_for(key: str) -> Template:
    template = TEMPLATES.get(key)
    if template is None:
        raise InvalidInput(
            f"unknown template {key!r}; see GET /api/v1/broadcasts/templates", field="template"
        )
    return template


def check_variables(
    template: Template, given: dict[str, str], appointment: Appointment | None
) -> dict[str, str]:
    """The template's variables as raw strings, checked by type; an appointment audience fills gaps."""
    unknown = sorted(set(given) - set(template.variables))
    if unknown:
        raise InvalidInput(
            f"template {template.key} has no variable {unknown[0]!r}", field=f"variables.{unknown[0]}"
        )
    defaults: dict[str, str] = {}
    if appointment is not None:
        defaults = {
            "kind": appointment.kind,
            "when": appointment.starts_at.isoformat(),
            "date": appointment.starts_at.astimezone(formatting.TZ).date().isoformat(),
            "location": appointment.location,
        }
    values: dict[str, str] = {}
    for name in template.variables:
        value = (given.get(name) if given.get(name) not in (None, "") else defaults.get(name)) or ""
        value = value.strip()
        where = f"variables.{name}"
        if not value:
            raise InvalidInput(f"variable {name!r} is required", field=where)
        kind = VARIABLE_TYPES[name]
        if kind == "kind" and value not in AppointmentKind.__members__:
            raise InvalidInput(f"{name} must be an appointment kind", field=where)
        if kind == "datetime":
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{name} must be an ISO 8601 date and time", field=where) from None
            if parsed.tzinfo is None:
                raise InvalidInput(f"{name} must carry an offset, e.g. +01:00", field=where)
        if kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{name} must be an ISO 8601 date", field=where) from None
        if kind == "text" and (len(value) > TEXT_MAX or "\n" in value):
            raise InvalidInput(f"{name} must be one line of at most {TEXT_MAX} characters", field=where)
        values[name] = value
    return values


@dataclass
class _Audience:
    rule: dict[str, Any]
    caseload_of: int | None
    appointment: Appointment | None


def authorize_audience(db: Session, actor: Principal, audience: Any) -> _Audience:
    """Check the caller may address this audience; klantmanagers stay inside their caseload."""
    actor.require(Role.coordinator, Role.klantmanager)
    caseload_of = actor.staff_id if actor.role == Role.klantmanager else None
    appointment = None
    if audience.type == "appointment":
        appointment = appointments.get_appointment(db, actor, audience.appointment_id)
    elif audience.type == "caseload":
        if caseload_of is not None and audience.klantmanager_id != caseload_of:
            raise Forbidden(
                "klantmanagers broadcast only to their own caseload", field="audience.klantmanagerId"
            )
        staff = db.get(Staff, audience.klantmanager_id)
        if staff is None or staff.role != Role.klantmanager:
            raise InvalidInput("no klantmanager with this id", field="audience.klantmanagerId")
    elif audience.type == "list":
        ids = sorted(set(audience.inburgeraar_ids))
        rows = []
        for chunk in _chunks(ids):
            rows += db.execute(
                select(Inburgeraar.id, Inburgeraar.klantmanager_id).where(Inburgeraar.id.in_(chunk))
            ).all()
        found = {r.id: r.klantmanager_id for r in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise InvalidInput(f"unknown inburgeraar ids: {missing[:20]}", field="audience.inburgeraarIds")
        if caseload_of is not None and any(km != caseload_of for km in found.values()):
            raise Forbidden("some people are not in your caseload", field="audience.inburgeraarIds")
    return _Audience(audience.model_dump(mode="json", by_alias=True), caseload_of, appointment)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), IN_CHUNK):
        yield ids[i : i + IN_CHUNK]


def recipients(db: Session, rule: dict[str, Any], caseload_of: int | None) -> list[Inburgeraar]:
    """The people an audience rule names now, in id order (caseload-restricted for klantmanagers)."""
    audience = _audience_adapter.validate_python(rule)
    query = select(Inburgeraar).order_by(Inburgeraar.id)
    if caseload_of is not None:
        query = query.where(Inburgeraar.klantmanager_id == caseload_of)
    if audience.type == "appointment":
        query = query.join(Attendance, Attendance.inburgeraar_id == Inburgeraar.id).where(
            Attendance.appointment_id == audience.appointment_id
        )
    elif audience.type == "leerroute":
        query = query.where(Inburgeraar.leerroute == audience.leerroute)
    elif audience.type == "doelgroep":
        query = query.where(Inburgeraar.doelgroep == audience.doelgroep)
    elif audience.type == "caseload":
        query = query.where(Inburgeraar.klantmanager_id == audience.klantmanager_id)
    else:
        people: list[Inburgeraar] = []
        for chunk in _chunks(sorted(set(audience.inburgeraar_ids))):
            people += db.scalars(query.where(Inburgeraar.id.in_(chunk))).unique().all()
        return people
    return list(db.scalars(query).unique())


def _conversations(
    db: Session, people: list[Inburgeraar], *, create: bool = False
) -> dict[int, Conversation]:
    """Each person's conversation, in a few queries; with `create`, the missing ones are made in one flush
    (the same rules as messaging.conversation_for: a conversation of their number is linked to them)."""
    found: dict[int, Conversation] = {}
    for chunk in _chunks([p.id for p in people]):
        for conversation in db.scalars(select(Conversation).where(Conversation.inburgeraar_id.in_(chunk))):
            found[conversation.inburgeraar_id] = conversation  # type: ignore[index]
    if not create:
        return found
    missing = {p.phone: p for p in people if p.id not in found}
    phones = list(missing)
    for i in range(0, len(phones), IN_CHUNK):
        for conversation in db.scalars(
            select(Conversation).where(Conversation.phone.in_(phones[i : i + IN_CHUNK]))
        ):
            person = missing.pop(conversation.phone)
            conversation.inburgeraar_id = person.id
            found[person.id] = conversation
    for person in missing.values():
        conversation = Conversation(inburgeraar_id=person.id, phone=person.phone, language=person.language)
        db.add(conversation)
        found[person.id] = conversation
    db.flush()
    return found


def _channel(person: Inburgeraar, conversation: Conversation | None) -> str:
    if conversation is not None:
        return messaging.preferred_channel(conversation, person)
    return Channel.whatsapp if person.whatsapp_opt_in else Channel.sms


class Renderer:
    """Renders one template for many recipients; values are formatted once per language."""

    def __init__(self, template: Template, values: dict[str, str], settings: Settings) -> None:
        self.template, self.values, self.settings = template, values, settings
        self._per_language: dict[str, dict[str, str]] = {}

    def _formatted(self, language: str) -> dict[str, str]:
        if language not in self._per_language:
            out = {"phone": formatting.isolate(language, self.settings.municipality_phone)}
            for name, raw in self.values.items():
                kind = VARIABLE_TYPES[name]
                if kind == "kind":
                    out[name] = formatting.kind_label(language, raw)
                elif kind == "datetime":
                    out[name] = formatting.format_datetime(language, raw)
                elif kind == "date":
                    out[name] = formatting.format_date(language, raw)
                else:
                    out[name] = formatting.isolate(language, raw)
            self._per_language[language] = out
        return self._per_language[language]

    def text(self, language: str, name: str) -> str:
        return render(
            language, self.template.text, **self._formatted(language), name=formatting.isolate(language, name)
        )


# --- preview ------------------------------------------------------------------------------------


@dataclass
class _LanguageTotals:
    recipients: int = 0
    text: str = ""
    segments: int = 0
    encoding: str = "GSM-7"
    total_segments: int = 0
    cost: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)


def send_time(policy: Policy, requested: datetime) -> datetime:
    return requested if policy.in_window(requested) else policy.next_open(requested)


def preview(
    db: Session,
    actor: Principal,
    draft: BroadcastDraft,
    settings: Settings,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Per language of the audience: the text, its SMS segments, recipients and the estimated cost."""
    policy = policy or load_policy()
    template = template_for(draft.template)
    audience = authorize_audience(db, actor, draft.audience)
    values = check_variables(template, draft.variables, audience.appointment)
    people = recipients(db, audience.rule, audience.caseload_of)
    conversations = _conversations(db, people)
    renderer, price = Renderer(template, values, settings), prices()
    per_language: dict[str, _LanguageTotals] = {}
    opted_out = no_channel = 0
    for person in people:
        unreachable = unreachable_reason(person)
        if unreachable is not None:
            opted_out += unreachable == OPTED_OUT
            no_channel += unreachable == NO_CHANNEL
            continue
        language = language_of(person)
        text = renderer.text(language, person.name)
        info = segments.count(text)
        channel = _channel(person, conversations.get(person.id))
        totals = per_language.setdefault(language, _LanguageTotals())
        if totals.recipients == 0:
            totals.text, totals.segments, totals.encoding = text, info.segments, info.encoding
        totals.recipients += 1
        if channel == Channel.sms:
            totals.total_segments += info.segments
        totals.cost += price.of(channel, info.segments)
    audit.record(
        db, actor, "preview", "broadcast", None, template=template.key, audience=audience.rule["type"]
    )
    return {
        "template": template.key,
        "recipients": sum(t.recipients for t in per_language.values()),
        "excluded": {"opted_out": opted_out, "no_channel": no_channel},
        "languages": [
            {
                "language": code,
                "recipients": t.recipients,
                "text": t.text,
                "segments": t.segments,
                "encoding": t.encoding,
                "total_segments": t.total_segments,
                "estimated_cost": {"amount": round(t.cost, 2), "currency": price.currency},
            }
            for code, t in sorted(per_language.items(), key=lambda kv: (-kv[1].recipients, kv[0]))
        ],
        "total_segments": sum(t.total_segments for t in per_language.values()),
        "estimated_cost": {
            "amount": round(sum(t.cost for t in per_language.values()), 2),
            "currency": price.currency,
        },
        "send_at": send_time(policy, now or utcnow()),
    }


# --- create, read, cancel -----------------------------------------------------------------------


def create(
    db: Session,
    actor: Principal,
    data: BroadcastCreate,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """Schedule a broadcast (at `sendAt`, or now), moved into the send window when outside it."""
    policy = policy or load_policy()
    now = now or utcnow()
    template = template_for(data.template)
    audience = authorize_audience(db, actor, data.audience)
    values = check_variables(template, data.variables, audience.appointment)
    requested = data.send_at or now
    if requested < now - timedelta(minutes=5):
        raise InvalidInput("sendAt is in the past", field="sendAt")
    if requested > now + timedelta(days=366):
        raise InvalidInput("sendAt is more than a year ahead", field="sendAt")
    if not recipients(db, audience.rule, audience.caseload_of):
        raise InvalidInput("this audience has nobody in it", field="audience")
    broadcast = Broadcast(
        template=template.key,
        variables=values,
        audience=audience.rule,
        status=BroadcastStatus.scheduled,
        requested_send_at=requested,
        send_at=send_time(policy, requested),
        created_by_id=actor.staff_id,
        created_by=actor.label,
        caseload_of_id=audience.caseload_of,
        created_at=now,
    )
    db.add(broadcast)
    db.flush()
    audit.record(db, actor, "create", "broadcast", broadcast.id, template=template.key)
    log.info("broadcast_scheduled", broadcast_id=broadcast.id, template=template.key)
    return broadcast


def get(db: Session, actor: Principal, broadcast_id: int) -> Broadcast:
    actor.require(Role.coordinator, Role.klantmanager)
    broadcast = db.get(Broadcast, broadcast_id)
    if broadcast is None or (actor.role == Role.klantmanager and broadcast.created_by_id != actor.staff_id):
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast


def list_broadcasts(db: Session, actor: Principal, *, limit: int = 50, offset: int = 0) -> list[Broadcast]:
    actor.require(Role.coordinator, Role.klantmanager)
    query = select(Broadcast).order_by(Broadcast.id.desc())
    if actor.role == Role.klantmanager:
        query = query.where(Broadcast.created_by_id == actor.staff_id)
    return list(db.scalars(query.limit(limit).offset(offset)))


def cancel(db: Session, actor: Principal, broadcast_id: int) -> Broadcast:
    """Cancel a broadcast that has not gone out yet."""
    broadcast = get(db, actor, broadcast_id)
    now = utcnow()
    done = db.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.scheduled)
        .values(status=BroadcastStatus.cancelled, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(broadcast)
    if done != 1:
        raise Conflict(f"this broadcast is already {broadcast.status}", code=f"already_{broadcast.status}")
    audit.record(db, actor, "cancel", "broadcast", broadcast.id)
    return broadcast


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
    return {
        "recipients": messages,
        "messages": {s: by_status.get(s, 0) for s in OUTBOUND_STATES},
        "skipped": {"opted_out": skipped.get("opted_out", 0), "no_channel": skipped.get("no_channel", 0)},
        "progress": round(left / messages, 4) if messages else 0.0,
    }


def to_out(db: Session, broadcast: Broadcast) -> dict[str, Any]:
    data = {c.key: getattr(broadcast, c.key) for c in Broadcast.__table__.columns}
    data["moved_to_window"] = (
        broadcast.requested_send_at is not None and broadcast.send_at != broadcast.requested_send_at
    )
    data["stats"] = stats(db, broadcast) if broadcast.status == BroadcastStatus.sent else None
    return data


# --- sending (called by the scheduler tick) -------------------------------------------------------


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
    template = TEMPLATES[broadcast.template]
    people = recipients(db, broadcast.audience, broadcast.caseload_of_id)
    reachable = [p for p in people if is_reachable(p)]
    conversations = _conversations(db, reachable, create=True)
    renderer = Renderer(template, dict(broadcast.variables or {}), settings)
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
        conversation = conversations[person.id]
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
        rows.append(
            {
                "broadcast_id": broadcast.id,
                "inburgeraar_id": person.id,
                "status": RecipientStatus.queued,
                "language": language,
                "channel": channel,
                "segments": message.segments,
                "message_id": message.id,
            }
        )
    if rows:
        db.execute(insert(BroadcastRecipient), rows)
    queued = sum(1 for r in rows if r["status"] == RecipientStatus.queued)
    db.execute(update(Broadcast).where(Broadcast.id == broadcast.id).values(recipients_count=queued))
    log.info("broadcast_sent", broadcast_id=broadcast.id, queued=queued, skipped=len(rows) - queued)
    return queued
