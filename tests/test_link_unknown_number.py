# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Linking an unknown number to a person: an explicit, audited staff action (ADR 0010), through the task
"Onbekend nummer koppelen" on the tasks page. Nothing is ever adopted because a number matches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.messaging.models import Conversation, Message
from api.tasks.models import Escalation, Task
from tests.messaging_support import (  # noqa: F401 - fixtures
    fake_rasa,
    post_inbound,
    text_from,
    twilio_double,
    twilio_settings,
)
from tests.web_helpers import open_browsers, post_form

UNKNOWN, OLD = "+31622220001", "+31622220002"


@pytest.fixture
def settings(settings, twilio_double, fake_rasa):
    return twilio_settings(settings, fake_rasa, twilio_double)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def link_task(db) -> Task:
    db.expire_all()
    return db.scalar(select(Task).where(Task.kind == "link_unknown_number").order_by(Task.id.desc()))


def test_a_klantmanager_links_an_unknown_number_to_a_person_of_their_caseload(
    client, web, make, db, fake_rasa
):
    km, _ = make.staff()
    person = make.person(km, phone=OLD, name="Amina Haddad")
    text_from(client, OLD, "hallo")  # the person's conversation on their old number
    text_from(client, UNKNOWN, "dit is mijn nieuwe nummer, Amina")
    turns = len(fake_rasa.turns)
    task = link_task(db)
    browser = web(km)

    page = browser.get("/ui/tasks").text
    assert UNKNOWN in page and "Amina Haddad" in page  # the number, and the caseload to choose from
    db.expire_all()
    shown = db.scalar(select(AuditEvent).where(AuditEvent.detail["part"].as_string() == "unknown_numbers"))
    assert shown.actor == f"staff:{km.id}" and shown.detail["conversations"] == [task.conversation_id]
    response = post_form(browser, "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": str(person.id)})

    assert response.status_code == 303 and response.headers["location"] == "/ui/tasks?done=number_linked"
    db.expire_all()
    assert db.get(type(person), person.id).phone == UNKNOWN
    linked = db.get(Conversation, task.conversation_id)
    assert (linked.inburgeraar_id, linked.closed_reason) == (person.id, "linked")
    assert db.get(Task, task.id).status == "done"
    old = db.scalar(select(Conversation).where(Conversation.phone == OLD))
    assert old.closed_reason == "number_changed"  # the old number hears nothing of the person any more
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "link_number"))
    assert event.actor == f"staff:{km.id}" and event.object_id == str(linked.id)
    assert event.detail["inburgeraar_id"] == person.id
    # What the number wrote before the link is in the person's history now ...
    history = browser.get(f"/ui/people/{person.id}/conversation").text
    assert "dit is mijn nieuwe nummer, Amina" in history
    # ... and what it writes next reaches the bot as the person, in a conversation of their own.
    text_from(client, UNKNOWN, "wanneer is mijn afspraak")
    assert len(fake_rasa.turns) == turns + 1
    latest = db.scalar(select(Message).where(Message.body == "wanneer is mijn afspraak"))
    current = db.get(Conversation, latest.conversation_id)
    assert (current.inburgeraar_id, current.phone, current.closed_at) == (person.id, UNKNOWN, None)
    assert current.id != linked.id


def test_an_open_question_of_the_unknown_number_goes_to_the_person(client, web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    text_from(client, UNKNOWN, "ik wil met een medewerker praten")
    task = link_task(db)
    conversation_id = task.conversation_id
    db.add(Escalation(conversation_id=conversation_id, reason="request_human"))
    db.commit()

    post_form(web(km), "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": str(person.id)})

    db.expire_all()
    escalation = db.scalar(select(Escalation).where(Escalation.reason == "request_human"))
    current = db.get(Conversation, escalation.conversation_id)
    assert (escalation.inburgeraar_id, current.inburgeraar_id, current.closed_at) == (
        person.id,
        person.id,
        None,
    )


def test_a_person_of_another_caseload_is_refused_and_nothing_changes(client, web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    theirs = make.person(colleague, phone=OLD)
    text_from(client, UNKNOWN, "hallo")
    task = link_task(db)

    response = post_form(web(km), "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": str(theirs.id)})

    assert response.status_code == 403
    db.expire_all()
    assert db.get(type(theirs), theirs.id).phone == OLD
    assert db.get(Conversation, task.conversation_id).inburgeraar_id is None
    assert db.get(Task, task.id).status == "open"


def test_no_choice_gets_a_clear_error_on_the_page(client, web, make, db):
    km, _ = make.staff()
    make.person(km)
    text_from(client, UNKNOWN, "hallo")
    task = link_task(db)

    response = post_form(web(km), "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": ""})

    assert response.status_code == 400 and "Kies de persoon bij wie dit nummer hoort." in response.text
    assert db.get(Task, task.id).status == "open"


def test_a_number_someone_else_has_by_now_is_not_linked(client, web, make, db):
    km, _ = make.staff()
    person = make.person(km, phone=OLD)
    text_from(client, UNKNOWN, "hallo")
    task = link_task(db)
    make.person(km, phone=UNKNOWN)  # registered meanwhile, before anyone wrote again

    response = post_form(web(km), "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": str(person.id)})

    assert response.status_code == 409
    db.expire_all()
    assert db.get(type(person), person.id).phone == OLD


def test_a_done_task_or_another_kind_of_task_links_nothing(client, web, make, db):
    km, _ = make.staff()
    person = make.person(km, phone=OLD)
    text_from(client, UNKNOWN, "hallo")
    task = link_task(db)
    other = Task(kind="reminder_unanswered", inburgeraar_id=person.id, assignee_id=km.id)
    db.add(other)
    db.commit()
    browser = web(km)

    assert (
        post_form(browser, "/ui/tasks", f"/ui/tasks/{other.id}/link", {"person": str(person.id)}).status_code
        == 400
    )
    post_form(browser, "/ui/tasks", f"/ui/tasks/{task.id}/done")
    assert (
        post_form(browser, "/ui/tasks", f"/ui/tasks/{task.id}/link", {"person": str(person.id)}).status_code
        == 409
    )
    db.expire_all()
    assert db.get(type(person), person.id).phone == OLD
