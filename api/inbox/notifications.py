"""E-mail to staff when an urgent question waits, when a question is handed to them, when a colleague took
their person's urgent question, and (URGENT_REMINDER_MINUTES) to the team's coordinators when an urgent
question still waits. Off unless NOTIFY_BY_EMAIL (ADR 0019).

Durable and never twice: each mail is a `staff_notification` row with a unique key (a cause, a recipient),
planned by the worker or written in the transaction of its cause, and sent by the worker. A row is claimed
(committed) before the mail server is contacted, and `handed_over_at` is committed just before the message
itself goes: a failure before that is retried with backoff; a lost answer after it makes the row
`uncertain` and it is never sent again (the inbox still shows the question, and the reminder still comes).

The mail says only that something waits, and links to the inbox behind the login: no name, number, language
or words. Mail leaves the case system (mail servers, phones, forwarding rules) where the audit log, the
retention purge and erasure cannot follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import structlog
from sqlalchemy import Exists, Select, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from api.i18n.catalog import N_, render
from api.inbox.mail import MailMayHaveBeenSent, MailNotSent, SmtpMailer
from api.inbox.models import NotificationKind, NotificationStatus, StaffNotification, dialect_insert
from api.messaging.outbox import backoff
from api.people.models import Inburgeraar
from api.settings import Settings
from api.staff.models import Role, Staff
from api.tasks.models import Escalation, EscalationStatus

log = structlog.get_logger()

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 20
MAIL_LANGUAGE = "nl"  # staff read Dutch; the UI language is a session choice, not known to the worker
Owner = aliased(Staff, name="owner")

TEXTS = {
    NotificationKind.urgent_waiting: (
        N_("Er wacht een dringende vraag"),
        N_("Er wacht een dringende vraag in de inbox. Open de inbox om te zien wie het is: {link}"),
        "/ui/inbox?view=urgent",
    ),
    NotificationKind.reassigned: (
        N_("Er is een vraag aan je doorgegeven"),
        N_("Een collega heeft een vraag aan je doorgegeven. Open je inbox: {link}"),
        "/ui/inbox?view=mine",
    ),
    NotificationKind.taken_over: (
        N_("Een collega heeft je dringende vraag opgepakt"),
        N_(
            "Een collega heeft een dringende vraag van iemand uit je caseload opgepakt. Open de inbox: {link}"
        ),
        "/ui/inbox?view=all",
    ),
    NotificationKind.reminder: (
        N_("Een dringende vraag wacht nog"),
        N_(
            "Een dringende vraag is na {minutes} minuten nog door niemand opgepakt. Open de teaminbox: {link}"
        ),
        "/ui/team?view=urgent",
    ),
}
FOOTER = N_("Deze e-mail noemt geen namen en geen inhoud. Die zie je alleen in de inbox, na het inloggen.")


def key(kind: str, escalation_id: int, recipient_id: int, occasion: str = "") -> str:
    return f"{kind}:{escalation_id}:{recipient_id}" + (f":{occasion}" if occasion else "")


def queue(
    db: Session, kind: str, escalation_id: int, recipient_id: int, *, now: datetime, occasion: str = ""
) -> None:
    """Add the mail unless the same one (kind, question, recipient, occasion) was ever added: a planner
    running in two workers at once, or twice, adds it once."""
    statement = dialect_insert(db)(StaffNotification).values(
        dedupe_key=key(kind, escalation_id, recipient_id, occasion),
        kind=kind,
        escalation_id=escalation_id,
        recipient_id=recipient_id,
        status=NotificationStatus.pending,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["dedupe_key"]))


def coordinators(db: Session, team: str | None) -> list[int]:
    """The active coordinators of a team; of every team for a question nobody's team owns (None)."""
    query = select(Staff.id).where(Staff.role == Role.coordinator, Staff.active.is_(True))
    if team is not None:
        query = query.where(Staff.team == team)
    return list(db.scalars(query.order_by(Staff.id)))


def _urgent_open() -> Select:
    return (
        select(Escalation.id, Owner.id, Owner.active, Owner.team)
        .outerjoin(Inburgeraar, Inburgeraar.id == Escalation.inburgeraar_id)
        .outerjoin(Owner, Owner.id == Inburgeraar.klantmanager_id)
        .where(Escalation.urgent.is_(True), Escalation.status == EscalationStatus.open)
    )


def _has(kind: str) -> Exists:
    return exists().where(StaffNotification.escalation_id == Escalation.id, StaffNotification.kind == kind)


def plan(db: Session, now: datetime, settings: Settings) -> int:
    """Queue the mail for urgent questions nobody has taken: to the person's klantmanager (none, or no
    longer active: the coordinators), and the reminder to the team's coordinators after
    URGENT_REMINDER_MINUTES. Returns how many escalations got a mail planned."""
    planned = 0
    for escalation_id, owner_id, owner_active, team in db.execute(
        _urgent_open().where(~_has(NotificationKind.urgent_waiting))
    ).all():
        recipients = [owner_id] if owner_id is not None and owner_active else coordinators(db, team)
        for recipient in recipients:
            queue(db, NotificationKind.urgent_waiting, escalation_id, recipient, now=now)
        planned += 1
        if not recipients:
            log.warning("urgent_escalation_nobody_to_mail", escalation_id=escalation_id)
    if settings.urgent_reminder_minutes > 0:
        cutoff = now - timedelta(minutes=settings.urgent_reminder_minutes)
        first_mail = (
            select(func.min(StaffNotification.created_at))
            .where(
                StaffNotification.escalation_id == Escalation.id,
                StaffNotification.kind == NotificationKind.urgent_waiting,
            )
            .scalar_subquery()
        )
        waiting = _urgent_open().where(first_mail <= cutoff, ~_has(NotificationKind.reminder))
        for escalation_id, _, _, team in db.execute(waiting).all():
            for recipient in coordinators(db, team):
                queue(db, NotificationKind.reminder, escalation_id, recipient, now=now)
            planned += 1
    return planned


def _still_true(db: Session, notification: StaffNotification) -> bool:
    """Whether the mail still says something true when its turn comes."""
    escalation = db.get(Escalation, notification.escalation_id)
    if escalation is None:
        return False
    if notification.kind in (NotificationKind.urgent_waiting, NotificationKind.reminder):
        return escalation.status == EscalationStatus.open
    if notification.kind == NotificationKind.reassigned:
        return (
            escalation.status != EscalationStatus.resolved
            and escalation.assignee_id == notification.recipient_id
        )
    return True


def compose(notification: StaffNotification, recipient: Staff, settings: Settings) -> EmailMessage:
    """The mail: what waits and a link, nothing about the person (see the module's docstring)."""
    subject, body, path = TEXTS[NotificationKind(notification.kind)]
    link = settings.public_base_url.rstrip("/") + path
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = recipient.email
    message["Subject"] = render(MAIL_LANGUAGE, subject)
    message["Date"] = formatdate(localtime=False)
    # The same id on every attempt, so a mail system that sees a copy can drop it.
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"staff-notification-{notification.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    text = render(MAIL_LANGUAGE, body, link=link, minutes=settings.urgent_reminder_minutes)
    message.set_content(f"{text}\n\n{render(MAIL_LANGUAGE, FOOTER)}\n")
    return message


@dataclass
class Report:
    planned: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    cancelled: int = 0
    recovered: list[int] = field(default_factory=list)


def recover(db: Session, now: datetime) -> list[int]:
    """Rows whose worker died while sending: back to pending when the message had not gone to the mail
    server yet, `uncertain` (never again) when it may have."""
    stale = list(
        db.scalars(
            select(StaffNotification).where(
                StaffNotification.status == NotificationStatus.sending, StaffNotification.locked_until < now
            )
        )
    )
    for row in stale:
        row.status = (
            NotificationStatus.pending if row.handed_over_at is None else NotificationStatus.uncertain
        )
        row.locked_until = None
        log.warning("staff_notification_recovered", notification_id=row.id, status=row.status)
    return [row.id for row in stale]


def _claim(db: Session, notification_id: int, now: datetime) -> bool:
    return (
        db.execute(
            update(StaffNotification)
            .where(
                StaffNotification.id == notification_id,
                StaffNotification.status == NotificationStatus.pending,
            )
            .values(
                status=NotificationStatus.sending,
                attempts=StaffNotification.attempts + 1,
                locked_until=now + LEASE,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def run(db: Session, now: datetime, settings: Settings, mailer: SmtpMailer | None = None) -> Report:
    """The worker's job: plan, then send what is due. Commits as it goes (the claim before the mail server
    is contacted, the hand-over before the message goes), which is what makes it never-twice."""
    mailer = mailer or SmtpMailer(settings)
    report = Report(planned=plan(db, now, settings))
    report.recovered = recover(db, now)
    db.commit()
    due = db.scalars(
        select(StaffNotification.id)
        .where(
            StaffNotification.status == NotificationStatus.pending, StaffNotification.next_attempt_at <= now
        )
        .order_by(StaffNotification.id)
        .limit(BATCH)
    ).all()
    for notification_id in due:
        if _claim(db, notification_id, now):
            db.commit()
            _deliver(db, db.get(StaffNotification, notification_id), now, settings, mailer, report)
            db.commit()
        else:
            db.rollback()
    return report


def _deliver(
    db: Session,
    row: StaffNotification | None,
    now: datetime,
    settings: Settings,
    mailer: SmtpMailer,
    report: Report,
) -> None:
    if row is None:
        return
    db.refresh(row)
    recipient = db.get(Staff, row.recipient_id)
    if not _still_true(db, row) or recipient is None or not recipient.active:
        row.status, row.locked_until = NotificationStatus.cancelled, None
        report.cancelled += 1
        return

    def handed_over() -> None:
        row.handed_over_at = now
        db.commit()

    try:
        mailer.send(compose(row, recipient, settings), handed_over)
    except MailNotSent as exc:
        row.last_error = str(exc)[:300]
        row.locked_until = None
        if exc.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = NotificationStatus.failed
            report.failed += 1
            log.warning("staff_notification_failed", notification_id=row.id, error=row.last_error)
        else:
            row.status = NotificationStatus.pending
            row.handed_over_at = None
            row.next_attempt_at = now + backoff(row.attempts) * 15
            report.retried += 1
            log.info("staff_notification_retry", notification_id=row.id, attempts=row.attempts)
        return
    except MailMayHaveBeenSent as exc:
        row.status, row.locked_until, row.last_error = NotificationStatus.uncertain, None, str(exc)[:300]
        report.uncertain += 1
        log.warning("staff_notification_uncertain", notification_id=row.id)
        return
    row.status, row.sent_at, row.locked_until = NotificationStatus.sent, now, None
    report.sent += 1
    log.info("staff_notification_sent", notification_id=row.id, kind=row.kind, recipient_id=row.recipient_id)
