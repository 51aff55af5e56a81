"""E-mail to staff about urgent questions (ADR 0019), against a local SMTP server: off by default, one mail
per cause and recipient however often or however many workers run, retried only when it certainly did not
go, and nothing in it about the person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.auth import principal_for_staff
from api.db import utcnow
from api.inbox import notifications
from api.inbox import service as inbox
from api.inbox.models import NotificationStatus, StaffNotification
from api.settings import Settings
from api.worker import JOBS, staff_notifications
from tests.smtp_double import SmtpDouble
from tests.web_helpers import escalate, inbound


@pytest.fixture
def smtp() -> Iterator[SmtpDouble]:
    double = SmtpDouble().start()
    yield double
    double.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpDouble) -> Settings:
    return settings.model_copy(update=smtp.settings())


def _rows(db) -> list[StaffNotification]:  # noqa: ANN001 - a Session
    db.expire_all()
    return list(db.scalars(select(StaffNotification).order_by(StaffNotification.id)))


def _text(message) -> str:  # noqa: ANN001 - an email Message
    return f"{message['Subject']}\n{message.get_payload(decode=True).decode()}"


def test_mail_is_off_by_default_and_needs_a_server_when_on(settings, make, db):
    person = make.person(make.staff()[0])
    escalate(db, person, urgent=True)
    assert Settings().notify_by_email is False
    assert staff_notifications(db, utcnow(), settings) is None
    assert _rows(db) == []
    assert "staff_notifications" in {job.name for job in JOBS}
    with pytest.raises(ValidationError, match="NOTIFY_BY_EMAIL needs SMTP_HOST and SMTP_FROM"):
        Settings(notify_by_email=True)


def test_an_urgent_question_mails_the_own_klantmanager_once_however_often_the_worker_runs(
    mail_settings, smtp, make, db
):
    km, _ = make.staff(email="anna@gemeente.example")
    escalate(db, make.person(km), urgent=True)
    escalate(db, make.person(km))  # not urgent: no mail
    for _ in range(3):
        staff_notifications(db, utcnow(), mail_settings)
    assert [m["To"] for m in smtp.received] == ["anna@gemeente.example"]
    (row,) = _rows(db)
    assert (row.kind, row.status, row.attempts) == ("urgent_waiting", "sent", 1)


def test_planning_again_or_queueing_the_same_cause_again_writes_no_second_mail(
    mail_settings, make, db, database
):
    km, _ = make.staff()
    escalation = escalate(db, make.person(km), urgent=True)
    notifications.plan(db, utcnow(), mail_settings)
    db.commit()
    with database.session() as other:  # another worker
        notifications.plan(other, utcnow(), mail_settings)
        notifications.queue(other, "urgent_waiting", escalation.id, km.id, now=utcnow())  # the unique key
        other.commit()
    assert [(r.escalation_id, r.recipient_id) for r in _rows(db)] == [(escalation.id, km.id)]


def test_the_mail_says_something_waits_and_names_nobody(mail_settings, smtp, make, db):
    km, _ = make.staff(name="Anna Eigen")
    person = make.person(km, name="Amina Haddad", phone="+31612345001", language="ar")
    inbound(db, person, "أحتاج مساعدة الآن", language="ar")
    escalate(db, person, urgent=True, summary="crisis:danger")
    staff_notifications(db, utcnow(), mail_settings)
    (mail,) = smtp.received
    text = _text(mail)
    assert "Er wacht een dringende vraag" in text
    assert "https://assistent.example.nl/ui/inbox?view=urgent" in text
    for secret in (
        "Amina",
        "Haddad",
        "+31612345001",
        "612345001",
        "أحتاج",
        "Arabisch",
        "crisis",
        "danger",
        "gevaar",
    ):
        assert secret not in text and secret not in str(mail)
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Message-ID"]


def test_a_refused_recipient_is_tried_again_later_and_sent_once(mail_settings, smtp, make, db):
    km, _ = make.staff()
    escalate(db, make.person(km), urgent=True)
    smtp.faults.append(("rcpt", 451))
    now = utcnow()
    report = staff_notifications(db, now, mail_settings)
    assert (report.retried, smtp.received) == (1, [])
    (row,) = _rows(db)
    assert row.status == "pending" and row.next_attempt_at > now and row.handed_over_at is None
    staff_notifications(db, now, mail_settings)  # not due yet
    assert smtp.received == []
    staff_notifications(db, row.next_attempt_at, mail_settings)
    assert len(smtp.received) == 1
    (row,) = _rows(db)
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_permanent_refusal_is_not_retried(mail_settings, smtp, make, db):
    km, _ = make.staff()
    escalate(db, make.person(km), urgent=True)
    smtp.faults.append(("data", 550))
    staff_notifications(db, utcnow(), mail_settings)
    staff_notifications(db, utcnow() + timedelta(days=1), mail_settings)
    (row,) = _rows(db)
    assert row.status == "failed" and "550" in row.last_error
    assert smtp.received == [] and smtp.conversations == 1


def test_a_connection_lost_after_the_message_went_is_never_sent_again(mail_settings, smtp, make, db):
    km, _ = make.staff()
    escalate(db, make.person(km), urgent=True)
    smtp.faults.append(("hang_up", 0))
    report = staff_notifications(db, utcnow(), mail_settings)
    assert report.uncertain == 1
    for hours in (1, 5, 24):
        staff_notifications(db, utcnow() + timedelta(hours=hours), mail_settings)
    (row,) = _rows(db)
    assert row.status == "uncertain" and row.handed_over_at is not None
    assert smtp.conversations == 1


def test_a_mail_server_that_is_down_is_retried(mail_settings, make, db):
    km, _ = make.staff()
    escalate(db, make.person(km), urgent=True)
    down = mail_settings.model_copy(update={"smtp_port": SmtpDouble().port})  # nobody listens there
    assert staff_notifications(db, utcnow(), down).retried == 1
    (row,) = _rows(db)
    assert row.status == "pending" and row.last_error.startswith("connect")


@pytest.mark.parametrize(
    ("handed_over", "after"),
    [(False, "sent"), (True, "uncertain")],
    ids=["died-before-the-message-went", "died-after-the-message-went"],
)
def test_a_worker_that_died_mid_send_is_recovered_without_sending_twice(
    mail_settings, smtp, make, db, handed_over, after
):
    km, _ = make.staff()
    escalation = escalate(db, make.person(km), urgent=True)
    now = utcnow()
    notifications.queue(db, "urgent_waiting", escalation.id, km.id, now=now)
    db.flush()
    row = db.scalar(select(StaffNotification))
    row.status, row.attempts, row.locked_until = "sending", 1, now - timedelta(seconds=1)
    row.handed_over_at = now - timedelta(minutes=6) if handed_over else None
    db.commit()
    staff_notifications(db, now, mail_settings)
    (row,) = _rows(db)
    assert row.status == after
    assert len(smtp.received) == (0 if handed_over else 1)


def test_a_question_taken_before_its_mail_went_is_not_mailed(mail_settings, smtp, make, db):
    km, _ = make.staff()
    escalation = escalate(db, make.person(km), urgent=True)
    notifications.plan(db, utcnow(), mail_settings)
    db.commit()
    escalation.status, escalation.assignee_id = "claimed", km.id
    db.commit()
    staff_notifications(db, utcnow(), mail_settings)
    assert smtp.received == [] and _rows(db)[0].status == NotificationStatus.cancelled


def test_nobodys_urgent_question_goes_to_the_coordinators(mail_settings, smtp, make, db):
    make.staff("coordinator", team="Noord", email="noord@gemeente.example")
    make.staff("coordinator", team="Zuid", email="zuid@gemeente.example")
    make.staff("coordinator", team="Zuid", email="weg@gemeente.example", active=False)
    escalate(db, make.person(None), urgent=True)
    staff_notifications(db, utcnow(), mail_settings)
    assert sorted(m["To"] for m in smtp.received) == ["noord@gemeente.example", "zuid@gemeente.example"]


def test_the_teams_coordinators_are_reminded_when_nobody_took_it(mail_settings, smtp, make, db):
    km, _ = make.staff(team="Noord", email="anna@gemeente.example")
    make.staff("coordinator", team="Noord", email="noord@gemeente.example")
    make.staff("coordinator", team="Zuid", email="zuid@gemeente.example")
    escalate(db, make.person(km), urgent=True)
    reminding = mail_settings.model_copy(update={"urgent_reminder_minutes": 15})
    start = utcnow()
    staff_notifications(db, start, reminding)
    staff_notifications(db, start + timedelta(minutes=14), reminding)
    assert [m["To"] for m in smtp.received] == ["anna@gemeente.example"]
    staff_notifications(db, start + timedelta(minutes=16), reminding)
    staff_notifications(db, start + timedelta(minutes=40), reminding)
    assert [m["To"] for m in smtp.received] == ["anna@gemeente.example", "noord@gemeente.example"]
    assert "na 15 minuten" in _text(smtp.received[1]) and "/ui/team?view=urgent" in _text(smtp.received[1])


def test_a_colleague_taking_the_question_tells_the_own_klantmanager(mail_settings, smtp, make, db):
    own, _ = make.staff(team="Noord", email="anna@gemeente.example")
    colleague, _ = make.staff(team="Noord", email="bart@gemeente.example")
    escalation = escalate(db, make.person(own), urgent=True)
    staff_notifications(db, utcnow(), mail_settings)
    inbox.take(db, principal_for_staff(colleague), escalation.id, mail_settings)
    db.commit()
    staff_notifications(db, utcnow(), mail_settings)
    assert [m["To"] for m in smtp.received] == ["anna@gemeente.example", "anna@gemeente.example"]
    assert "Een collega heeft je dringende vraag opgepakt" in _text(smtp.received[1])


def test_a_question_handed_on_is_mailed_to_the_new_klantmanager(mail_settings, smtp, make, db):
    own, _ = make.staff(team="Noord")
    colleague, _ = make.staff(team="Noord", email="bart@gemeente.example")
    coordinator, _ = make.staff("coordinator", team="Noord")
    escalation = escalate(db, make.person(own))
    inbox.reassign(db, principal_for_staff(coordinator), escalation.id, colleague.id, mail_settings)
    db.commit()
    staff_notifications(db, utcnow(), mail_settings)
    (mail,) = smtp.received
    assert mail["To"] == "bart@gemeente.example" and "/ui/inbox?view=mine" in _text(mail)
