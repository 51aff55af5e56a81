"""The reminder tick: send the reminders and notices that are due, check deliveries and answers.

The worker calls `tick(db, now)` in a loop and commits after each call. A due reminder is marked sent in
the same transaction as its outbox row, so a crash before the commit leaves both undone (the next tick
sends it once) and a crash after it leaves both done (nothing is sent twice). On PostgreSQL the due rows
are locked with SKIP LOCKED, so several workers share the work without sending anything twice; every
claim is also a conditional update (`WHERE status = 'planned'`), which guards SQLite the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Row, Select, func, literal, select, text, update
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance, AttendanceStatus
from api.db import utcnow
from api.i18n import formatting, languages
from api.messaging import service as messaging
from api.messaging.models import Channel, DeliveryStatus, Message, MessageKind
from api.people.models import Inburgeraar
from api.people.reachability import language_of, unreachable_reason
from api.reminders import ics, texts
from api.reminders.models import Delivery, Reminder, ReminderKind, ReminderStatus
from api.reminders.planner import APPOINTMENT_CANCELLED, APPOINTMENT_MOVED
from api.reminders.policy import Policy, load_policy
from api.settings import Settings, get_settings
from api.tasks.models import TaskKind
from api.tasks.service import open_task_once

log = structlog.get_logger()

FINAL_DELIVERY = {
    DeliveryStatus.delivered: Delivery.delivered,
    DeliveryStatus.read: Delivery.delivered,
    DeliveryStatus.failed: Delivery.failed,
    DeliveryStatus.undelivered: Delivery.failed,
}
# Inlined, not bound: only a literal lets SQLite match the partial index ix_reminder_delivery_pending.
AWAITING = literal(Delivery.pending.value, literal_execute=True)
CLOSED_ATTENDANCE = {
    AttendanceStatus.absence_reported,
    AttendanceStatus.checked_in,
    AttendanceStatus.attended,
    AttendanceStatus.no_show,
}


@dataclass
class TickResult:
    """What one tick did; the worker logs it."""

    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    deferred: int = 0
    follow_ups: int = 0
    tasks_opened: int = 0
    deliveries_checked: int = 0

    @property
    def busy(self) -> bool:
        return any(asdict(self).values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def due_query(now: Any, batch_size: int) -> Select:
    """The scheduler's one scan: planned rows due at `now`, oldest first (index ix_reminder_status_due_at)."""
    return (
        select(
            Reminder.id,
            Reminder.appointment_id,
            Reminder.inburgeraar_id,
            Reminder.kind,
            Reminder.slot,
            Reminder.due_at,
            Reminder.reason,
            Reminder.appointment_starts_at,
        )
        .where(Reminder.status == ReminderStatus.planned, Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(batch_size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers and ignores it
    )


def explain_due(db: Session, batch_size: int = 500) -> list[str]:
    """The database's plan for the due scan (EXPLAIN [QUERY PLAN]), for the benchmark and the tests."""
    dialect = db.get_bind().dialect
    sql = str(
        due_query(func.current_timestamp(), batch_size).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
    )
    if dialect.name == "sqlite":
        return [str(row[-1]) for row in db.execute(text("EXPLAIN QUERY PLAN " + sql))]
    return [str(row[0]) for row in db.execute(text("EXPLAIN " + sql))]


def _finish(
    db: Session, row_id: int, now: datetime, status: str, reason: str | None, **values: object
) -> bool:
    """Move a planned row on, only if it is still planned (a row another worker took is left alone)."""
    result = db.execute(
        update(Reminder)
        .where(Reminder.id == row_id, Reminder.status == ReminderStatus.planned)
        .values(status=status, reason=reason, processed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


class _Tick:
    def __init__(
        self, db: Session, now: datetime, settings: Settings, policy: Policy, batch_size: int
    ) -> None:
        self.db, self.now, self.settings, self.policy, self.batch_size = db, now, settings, policy, batch_size
        self.result = TickResult()

    def run(self) -> TickResult:
        self.send_due()
        self.check_deliveries()
        return self.result

    # --- due reminders, notices and follow-ups -------------------------------------------------

    def send_due(self) -> None:
        rows = self.db.execute(due_query(self.now, self.batch_size)).all()
        if not rows:
            return
        appointment_ids = {r.appointment_id for r in rows}
        person_ids = {r.inburgeraar_id for r in rows}
        # populate_existing: the text is built from the case file as it is now, never a cached copy.
        appointments = {
            a.id: a
            for a in self.db.scalars(
                select(Appointment)
                .where(Appointment.id.in_(appointment_ids))
                .execution_options(populate_existing=True)
            ).unique()
        }
        people = {
            p.id: p
            for p in self.db.scalars(
                select(Inburgeraar)
                .where(Inburgeraar.id.in_(person_ids))
                .execution_options(populate_existing=True)
            ).unique()
        }
        attendances = {
            (a.appointment_id, a.inburgeraar_id): a
            for a in self.db.scalars(
                select(Attendance)
                .where(
                    Attendance.appointment_id.in_(appointment_ids), Attendance.inburgeraar_id.in_(person_ids)
                )
                .execution_options(populate_existing=True)
            ).unique()
        }
        for row in rows:
            appointment = appointments.get(row.appointment_id)
            person = people.get(row.inburgeraar_id)
            attendance = attendances.get((row.appointment_id, row.inburgeraar_id))
            self.handle(row, appointment, person, attendance)

    def handle(
        self,
        row: Row[Any],
        appointment: Appointment | None,
        person: Inburgeraar | None,
        attendance: Attendance | None,
    ) -> None:
        stale = self.stale_reason(row, appointment, person, attendance)
        if stale is not None:
            status, reason = stale
            if _finish(self.db, row.id, self.now, status, reason):
                if status == ReminderStatus.cancelled:
                    self.result.cancelled += 1
                else:
                    self.result.skipped += 1
                log.info(
                    "reminder_not_sent", reminder_id=row.id, appointment_id=row.appointment_id, reason=reason
                )
            return
        assert appointment is not None and person is not None and attendance is not None
        if row.kind == ReminderKind.follow_up:
            self.follow_up(row, appointment, person, attendance)
        else:
            self.send(row, appointment, person, attendance)

    def stale_reason(
        self,
        row: Row[Any],
        appointment: Appointment | None,
        person: Inburgeraar | None,
        attendance: Attendance | None,
    ) -> tuple[str, str] | None:
        if appointment is None or person is None or attendance is None:
            return ReminderStatus.cancelled, "no_longer_participant"
        cancelling = row.kind == ReminderKind.notice and row.slot == "cancelled"
        if appointment.status == AppointmentStatus.cancelled and not cancelling:
            return ReminderStatus.cancelled, APPOINTMENT_CANCELLED
        if appointment.starts_at != row.appointment_starts_at and not cancelling:
            return ReminderStatus.cancelled, APPOINTMENT_MOVED
        if self.now >= appointment.starts_at:
            # Missed while the system was down: a reminder after the start helps nobody.
            return ReminderStatus.skipped, "appointment_started"
        return None

    def send(
        self, row: Row[Any], appointment: Appointment, person: Inburgeraar, attendance: Attendance
    ) -> None:
        if row.kind == ReminderKind.reminder and attendance.status in CLOSED_ATTENDANCE:
            self._skip(row, f"attendance_{attendance.status}")
            return
        if (unreachable := unreachable_reason(person)) is not None:
            self._skip(row, unreachable)
            self._task_once(TaskKind.undeliverable, person, appointment.id, f"reason={unreachable}")
            return
        reason = row.reason
        if not self.policy.in_window(self.now):
            if self._defer_to_window(row, appointment):
                return
            reason = reason or "late_outside_window"
        if (self.now - row.due_at).total_seconds() > self.policy.late_after_minutes * 60:
            reason = "sent_late"
        if _finish(self.db, row.id, self.now, ReminderStatus.sent, reason):
            self._queue(row, appointment, person)

    def _defer_to_window(self, row: Row[Any], appointment: Appointment) -> bool:
        """Only after downtime (or for an urgent notice): wait for the window if that is still in time."""
        opens = self.policy.next_open(self.now)
        if opens > appointment.starts_at - self.policy.min_lead:
            return False
        self.db.execute(
            update(Reminder)
            .where(Reminder.id == row.id, Reminder.status == ReminderStatus.planned)
            .values(due_at=opens, reason="deferred_to_window")
            .execution_options(synchronize_session=False)
        )
        self.result.deferred += 1
        return True

    def _queue(self, row: Row[Any], appointment: Appointment, person: Inburgeraar) -> None:
        """Write the reminder's text to the outbox on the person's channel, in their language."""
        conversation = messaging.conversation_for(self.db, person)
        channel = messaging.preferred_channel(conversation, person)
        language = language_of(person)
        url = None
        if channel in (Channel.whatsapp, Channel.web):
            url = ics.calendar_url(self.settings, appointment.id, person.id)
        body = texts.reminder_text(
            language, appointment, row.kind, row.slot, sms=channel == Channel.sms, calendar_url=url
        )
        message = messaging.queue_outbound(
            self.db,
            conversation,
            body,
            kind=MessageKind.reminder if row.kind == ReminderKind.reminder else MessageKind.notice,
            channel=channel,
            language=language,
            appointment_id=appointment.id,
            # Outside WhatsApp's 24-hour window the approved template carries these values.
            template_values={
                "kind": formatting.kind_label(language, appointment.kind),
                "starts_at": formatting.format_datetime(language, appointment.starts_at),
            },
        )
        self.db.execute(
            update(Reminder)
            .where(Reminder.id == row.id)
            .values(message_id=message.id, channel=channel, language=language, delivery=Delivery.pending)
            .execution_options(synchronize_session=False)
        )
        self.result.sent += 1
        log.info(
            "reminder_sent",
            reminder_id=row.id,
            message_id=message.id,
            appointment_id=appointment.id,
            kind=row.kind,
            slot=row.slot,
        )

    def _task_once(self, kind: str, person: Inburgeraar, appointment_id: int, detail: str) -> None:
        if open_task_once(self.db, kind, inburgeraar=person, appointment_id=appointment_id, detail=detail):
            self.result.tasks_opened += 1

    def _skip(self, row: Row[Any], reason: str) -> None:
        if _finish(self.db, row.id, self.now, ReminderStatus.skipped, reason):
            self.result.skipped += 1
            log.info(
                "reminder_not_sent", reminder_id=row.id, appointment_id=row.appointment_id, reason=reason
            )

    def follow_up(
        self, row: Row[Any], appointment: Appointment, person: Inburgeraar, attendance: Attendance
    ) -> None:
        """Nobody answered (or nothing reached them): the klantmanager calls."""
        if attendance.status != AttendanceStatus.pending:
            self._skip(row, f"answered_{attendance.status}")
            return
        deliveries = (
            self.db.execute(
                select(Reminder.delivery).where(
                    Reminder.appointment_id == appointment.id,
                    Reminder.inburgeraar_id == person.id,
                    Reminder.kind != ReminderKind.follow_up,
                    Reminder.status == ReminderStatus.sent,
                )
            )
            .scalars()
            .all()
        )
        reached = any(d != Delivery.failed for d in deliveries)
        kind = TaskKind.reminder_unanswered if reached else TaskKind.undeliverable
        if not _finish(self.db, row.id, self.now, ReminderStatus.sent, f"task_{kind}"):
            return
        self.result.follow_ups += 1
        self._task_once(kind, person, appointment.id, f"messages={len(deliveries)}")

    # --- delivery outcomes ---------------------------------------------------------------------

    def check_deliveries(self) -> None:
        """Record final delivery statuses of sent reminders; a failure opens a task to call the person.

        Only rows still awaiting an outcome are looked at (indexed), and rows of appointments that
        have started stop being watched.
        """
        rows = self.db.execute(
            select(
                Reminder.id,
                Reminder.appointment_id,
                Reminder.inburgeraar_id,
                Message.status,
                Message.error_code,
            )
            .join(Message, Message.id == Reminder.message_id)
            .where(Reminder.delivery == AWAITING, Message.status.in_(list(FINAL_DELIVERY)))
            .limit(self.batch_size)
        ).all()
        for row in rows:
            outcome = FINAL_DELIVERY[DeliveryStatus(row.status)]
            self.db.execute(
                update(Reminder)
                .where(Reminder.id == row.id, Reminder.delivery == Delivery.pending)
                .values(delivery=outcome)
                .execution_options(synchronize_session=False)
            )
            self.result.deliveries_checked += 1
            if outcome == Delivery.failed:
                person = self.db.get(Inburgeraar, row.inburgeraar_id)
                if person is not None:
                    self._task_once(
                        TaskKind.undeliverable, person, row.appointment_id, f"error={row.error_code}"
                    )
        self.db.execute(
            update(Reminder)
            .where(Reminder.delivery == AWAITING, Reminder.appointment_starts_at < self.now)
            .values(delivery=Delivery.unknown)
            .execution_options(synchronize_session=False)
        )


def tick(
    db: Session,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    policy: Policy | None = None,
    batch_size: int = 500,
) -> TickResult:
    """Do the work that is due at `now`; the caller commits (or rolls back) the whole tick.

    Args:
        batch_size: at most this many due rows per tick; the rest waits for the next one.
    """
    return _Tick(db, now or utcnow(), settings or get_settings(), policy or load_policy(), batch_size).run()


def sms_text_for(db: Session, message: Message) -> str | None:
    """The SMS layout of a reminder or notice that went out on WhatsApp, for the SMS fallback.

    None when `message` is not a reminder's message (the fallback then sends its text as it is).
    """
    row = db.scalar(select(Reminder).where(Reminder.message_id == message.id).limit(1))
    appointment = db.get(Appointment, row.appointment_id) if row is not None else None
    if row is None or appointment is None:
        return None
    language = languages.normalize(message.language or row.language) or languages.DEFAULT
    return texts.reminder_text(language, appointment, row.kind, row.slot)
