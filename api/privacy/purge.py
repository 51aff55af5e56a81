"""The daily purge: delete or clear what is past its retention (rules in `retention`), everywhere it is kept.

Once a day from RETENTION_PURGE_HOUR (local time), whichever worker comes first: the day's `PurgeRun` row is
claimed in its own short transaction, so other workers skip the day without waiting on a lock. A claim
whose run never finished (the worker died) is taken over after CLAIM_STALE. Each run writes one audit
event with counts per kind and nothing about any person.

What it does, per kind:
- people whose case file's term has passed are erased (`erasure.erase_person`, reason `retention`);
- conversations of unknown numbers (no person) with nothing newer than the chat retention go entirely;
- message texts (and media, what the bot understood, the Dutch line of a machine translation) are cleared
  and their outbox rows (number, text) deleted; the message row stays as the record that it was sent or
  received, and how delivery went;
- internal notes on conversations are deleted;
- absence details (with the reason in the report's audit event), notes of done tasks, summaries, closing
  notes and interrupted forms of resolved escalations and the crisis category in audit events are cleared;
- exports to the Klantinteracties register that were sent before the chat cutoff are deleted (what
  they sent is the register's now), except the export of a task still open (its completion needs it);
- audit events and purge runs older than the audit retention are deleted;
- Rasa's tracker events older than the chat retention are deleted.
Evidence that an assessment still needs (`retention.held_participations`) is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import delete, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, Attendance
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import SYSTEM
from api.db import utcnow
from api.klantinteracties.models import ExportKind, ExportStatus, RegisterExport
from api.messaging.models import (
    Conversation,
    ConversationNote,
    DeliveryStatus,
    Message,
    OutboxItem,
    OutboxStatus,
)
from api.messaging.rasa import sender_ids_of
from api.people.models import Inburgeraar
from api.privacy import holdings
from api.privacy.erasure import ErasureReason, erase_person
from api.privacy.models import PurgeRun
from api.privacy.retention import Participation, Policy, evidence_messages, held_participations
from api.privacy.tracker_store import TrackerStore
from api.settings import Settings
from api.tasks.models import Escalation, EscalationStatus, Task, TaskStatus

log = structlog.get_logger()

CLAIM_STALE = timedelta(hours=1)
NOT_SENT = (DeliveryStatus.queued, DeliveryStatus.sending, DeliveryStatus.held)
CHAT_AUDIT_ACTIONS = ("crisis_detected", "crisis_check")  # their details name what the person wrote about


def daily(db: Session, now: datetime, settings: Settings) -> dict[str, Any] | None:
    """The worker's job: today's purge, run once by whichever worker is first; None when not due."""
    run_id = claim(db, now, settings)
    if run_id is None:
        return None
    counts = purge(db, Policy.of(settings, now), settings)
    run = db.get(PurgeRun, run_id)
    if run is not None:
        run.finished_at, run.counts = utcnow(), counts
    audit.record(db, SYSTEM, "purge", "retention", local_day(now, settings).isoformat(), **counts)
    log.info("retention_purge", **counts)
    return counts


def local_day(now: datetime, settings: Settings) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def claim(db: Session, now: datetime, settings: Settings) -> int | None:
    """Claim today's run in a transaction of its own; the id of the claimed run, or None."""
    if now.astimezone(ZoneInfo(settings.timezone)).hour < settings.retention_purge_hour:
        return None
    day = local_day(now, settings)
    with Session(bind=db.get_bind()) as own:
        run = own.scalar(select(PurgeRun).where(PurgeRun.day == day))
        if run is None:
            try:
                run = PurgeRun(day=day, started_at=now)
                own.add(run)
                own.commit()
                return run.id
            except IntegrityError:  # another worker claimed it a moment ago
                own.rollback()
                return None
        if run.finished_at is not None or run.started_at >= now - CLAIM_STALE:
            return None
        taken = own.execute(
            update(PurgeRun)
            .where(
                PurgeRun.id == run.id, PurgeRun.started_at == run.started_at, PurgeRun.finished_at.is_(None)
            )
            .values(started_at=now)
        ).rowcount
        own.commit()
        return run.id if taken == 1 else None


def purge(db: Session, policy: Policy, settings: Settings) -> dict[str, Any]:
    """Everything past its retention at `policy.now`; returns counts per kind (no personal data)."""
    counts: dict[str, Any] = {"people": expired_case_files(db, policy, settings)}
    counts["unknown_conversations"] = unknown_conversations(db, policy)
    held = held_participations(db, policy)
    held_messages = set().union(*(evidence_messages(db, p) for p in held))
    counts["messages"], counts["outbox"] = messages(db, policy, held_messages)
    counts["conversation_notes"] = conversation_notes(db, policy)
    counts["absence_details"] = absence_details(db, policy)
    counts["task_notes"] = task_notes(db, policy, held)
    counts["escalation_summaries"] = escalation_summaries(db, policy)
    counts["audit_details"] = chat_audit_details(db, policy)
    counts["register_exports"] = register_exports(db, policy)
    counts["audit_events"], counts["purge_runs"] = audit_log(db, policy)
    counts.update(tracker_events(db, policy, settings, held))
    return counts


def expired_case_files(db: Session, policy: Policy, settings: Settings) -> int:
    ended = db.scalars(select(Inburgeraar).where(Inburgeraar.obligation_ended_on.is_not(None)))
    expired = [person for person in ended if policy.case_file_expired(person.obligation_ended_on)]
    for person in expired:
        erase_person(db, person, ErasureReason.retention, settings)
    return len(expired)


def unknown_conversations(db: Session, policy: Policy) -> int:
    """Numbers that never became a person: the conversation, its messages, outbox rows and tasks."""
    last = func.coalesce(Conversation.last_inbound_at, Conversation.created_at)
    ids = set(
        db.scalars(
            select(Conversation.id).where(Conversation.inburgeraar_id.is_(None), last < policy.chat_cutoff)
        )
    )
    if ids:
        rows = holdings.walk(db, {"conversation": ids})
        db.execute(
            update(AuditEvent)
            .where(holdings.about({"conversation": ids}), AuditEvent.detail.is_not(None))
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
        holdings.delete_rows(db, rows)
    return len(ids)


def messages(db: Session, policy: Policy, held: set[int]) -> tuple[int, int]:
    """Clear old message texts and delete their outbox rows; returns (messages, outbox rows)."""
    in_flight = select(OutboxItem.message_id).where(OutboxItem.status == OutboxStatus.sending)
    candidates = select(Message.id).where(
        Message.created_at < policy.chat_cutoff,
        Message.purged_at.is_(None),
        Message.status != DeliveryStatus.received,  # not yet handled: the replay still needs the text
        Message.id.not_in(in_flight),
    )
    ids = set(db.scalars(candidates)) - held
    outbox = 0
    for chunk in holdings.chunks(ids):
        outbox += db.execute(delete(OutboxItem).where(OutboxItem.message_id.in_(chunk))).rowcount
        db.execute(
            update(Message)
            .where(Message.id.in_(chunk), Message.status.in_(NOT_SENT))
            .values(status=DeliveryStatus.cancelled)
            .execution_options(synchronize_session=False)
        )
        db.execute(
            update(Message)
            .where(Message.id.in_(chunk))
            .values(
                body="",
                media=None,
                entities=None,
                intent=None,
                intent_confidence=None,
                dutch=None,
                translated_by=None,
                crisis_level=None,
                purged_at=policy.now,
            )
            .execution_options(synchronize_session=False)
        )
    return len(ids), outbox


def conversation_notes(db: Session, policy: Policy) -> int:
    """Internal notes on conversations follow the chat they are about."""
    return db.execute(
        delete(ConversationNote).where(ConversationNote.created_at < policy.chat_cutoff)
    ).rowcount


def absence_details(db: Session, policy: Policy) -> int:
    """Clear the reason, the person's words and the assessment note once their clock has run out."""
    with_details = (
        Attendance.absence_reason.is_not(None)
        | Attendance.absence_details.is_not(None)
        | Attendance.assessment_note.is_not(None)
    )
    rows = db.execute(
        select(Attendance, Appointment)
        .join(Appointment, Attendance.appointment_id == Appointment.id)
        .where(with_details)
    ).all()
    expired = [att for att, appt in rows if policy.absence_details_expired(Participation(att, appt))]
    for att in expired:
        att.absence_reason = att.absence_details = att.assessment_note = None
    for chunk in holdings.chunks({str(att.id) for att in expired}):
        # The audit event of the report names the reason too.
        db.execute(
            update(AuditEvent)
            .where(
                AuditEvent.object_type == "attendance",
                AuditEvent.object_id.in_(chunk),
                AuditEvent.action == "report_absence",
            )
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
    db.flush()
    return len(expired)


def task_notes(db: Session, policy: Policy, held: list[Participation]) -> int:
    """Notes of tasks done before the chat cutoff (they may quote the person), except held evidence."""
    keep = {(p.appointment.id, p.attendance.inburgeraar_id) for p in held}
    done = db.scalars(
        select(Task).where(
            Task.status == TaskStatus.done, Task.done_at < policy.chat_cutoff, Task.detail.is_not(None)
        )
    )
    cleared = [task for task in done if (task.appointment_id, task.inburgeraar_id) not in keep]
    for task in cleared:
        task.detail = None
    db.flush()
    return len(cleared)


def escalation_summaries(db: Session, policy: Policy) -> int:
    """What resolved escalations say about the chat: the summary, the closing note, the interrupted form."""
    said = (
        Escalation.summary.is_not(None)
        | Escalation.resolution_note.is_not(None)
        | Escalation.interrupted_form.is_not(None)
    )
    return db.execute(
        update(Escalation)
        .where(
            Escalation.status == EscalationStatus.resolved, Escalation.resolved_at < policy.chat_cutoff, said
        )
        .values(summary=None, resolution_note=None, interrupted_form=None, form_slots=null())
        .execution_options(synchronize_session=False)
    ).rowcount


def register_exports(db: Session, policy: Policy) -> int:
    """Sent exports past the chat cutoff; not an open task's (closing its InterneTaak needs the uuid), not
    one another export still waits on. Failed and waiting ones stay until sent or the person is erased."""
    still_needed = select(RegisterExport.cause_id).where(
        RegisterExport.cause_id.is_not(None), RegisterExport.status != ExportStatus.sent
    )
    open_tasks = select(Task.id).where(Task.status == TaskStatus.open)
    return db.execute(
        delete(RegisterExport)
        .where(
            RegisterExport.status == ExportStatus.sent,
            RegisterExport.sent_at < policy.chat_cutoff,
            RegisterExport.id.not_in(still_needed),
            or_(RegisterExport.kind != ExportKind.task, RegisterExport.task_id.not_in(open_tasks)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def chat_audit_details(db: Session, policy: Policy) -> int:
    """Audit details that name what the person wrote about (a crisis category) follow the chat clock."""
    return db.execute(
        update(AuditEvent)
        .where(
            AuditEvent.action.in_(CHAT_AUDIT_ACTIONS),
            AuditEvent.at < policy.chat_cutoff,
            AuditEvent.detail.is_not(None),
        )
        .values(detail=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def audit_log(db: Session, policy: Policy) -> tuple[int, int]:
    events = db.execute(delete(AuditEvent).where(AuditEvent.at < policy.audit_cutoff)).rowcount
    runs = db.execute(delete(PurgeRun).where(PurgeRun.started_at < policy.audit_cutoff)).rowcount
    return events, runs


def tracker_events(
    db: Session, policy: Policy, settings: Settings, held: list[Participation]
) -> dict[str, Any]:
    """Rasa's events older than the chat cutoff, except the trackers of people with held evidence."""
    store = TrackerStore.of(settings)
    if store is None:
        return {"tracker_store": "not_configured"}
    people = {p.attendance.inburgeraar_id: p.attendance.inburgeraar for p in held}
    keep = [sender for person in people.values() for sender in sender_ids_of(db, person)]
    try:
        deleted = store.delete_before(policy.chat_cutoff, keep)
    except SQLAlchemyError as exc:
        log.warning("tracker_purge_failed", error=type(exc).__name__)
        return {"tracker_store": "failed"}
    finally:
        store.close()
    return {"tracker_store": "purged", "tracker_events": deleted}
