"""The staff UI's privacy page: what we hold, the obligation's end, export, erasure with a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.db import utcnow
from api.messaging.models import Message
from api.people.models import Inburgeraar
from tests.web_helpers import csrf_of, inbound, open_browsers, post_form


@pytest.fixture
def web(app):
    yield from open_browsers(app)


@pytest.fixture
def people(make, db):
    km, _ = make.staff(name="Sanne Klantmanager")
    coordinator, _ = make.staff("coordinator", name="Cor Coordinator")
    person = make.person(km, name="Amina Haddad")
    inbound(db, person, "Ik ben ziek")
    return {"km": km, "coordinator": coordinator, "person": person}


def test_the_klantmanager_sees_what_we_hold_and_can_export_but_not_erase(web, people):
    browser = web(people["km"])
    person = people["person"]
    conversation = browser.get(f"/ui/people/{person.id}/conversation").text
    assert f'href="/ui/people/{person.id}/privacy"' in conversation
    html = browser.get(f"/ui/people/{person.id}/privacy").text
    assert "Amina Haddad" in html and "Berichten: 1." in html
    assert f'href="/ui/people/{person.id}/export.json"' in html
    assert f'action="/ui/people/{person.id}/erase"' not in html
    assert "Alleen een coordinator kan een persoon wissen" in html
    download = browser.get(f"/ui/people/{person.id}/export.json")
    assert download.status_code == 200 and download.headers["cache-control"] == "no-store"
    assert download.json()["person"]["name"] == "Amina Haddad"
    assert browser.get(f"/ui/people/{person.id}/erase?reason=request").status_code == 403


def test_another_caseloads_person_has_no_privacy_page_for_a_klantmanager(web, make, people):
    colleague, _ = make.staff()
    browser = web(colleague)
    assert browser.get(f"/ui/people/{people['person'].id}/privacy").status_code == 403
    assert browser.get(f"/ui/people/{people['person'].id}/export.json").status_code == 403


def test_the_end_of_the_obligation_is_saved_and_shows_when_the_file_goes(web, people, db):
    person = people["person"]
    path = f"/ui/people/{person.id}/privacy"
    response = post_form(
        web(people["km"]), path, f"/ui/people/{person.id}/obligation", {"ended_on": "2027-03-01"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"{path}?done=saved"
    db.expire_all()
    assert str(db.get(Inburgeraar, person.id).obligation_ended_on) == "2027-03-01"
    html = web(people["km"]).get(response.headers["location"]).text
    assert "Opgeslagen." in html and "1 maart 2032" in html


def test_a_coordinator_finds_the_person_and_erases_after_confirming(web, people, db):
    browser = web(people["coordinator"])
    person = people["person"]
    person_id = person.id
    found = browser.get("/ui/people?q=amina").text
    assert f'href="/ui/people/{person.id}/privacy"' in found and "Niemand gevonden" not in found
    html = browser.get(f"/ui/people/{person.id}/privacy").text
    assert f'href="/ui/people/{person.id}/export.json"' not in html  # coordinators do not read conversations
    confirm_path = f"/ui/people/{person.id}/erase?reason=request"
    confirm = browser.get(confirm_path)
    assert (
        confirm.status_code == 200 and "Definitief wissen?" in confirm.text and "Amina Haddad" in confirm.text
    )

    unticked = browser.post(
        f"/ui/people/{person.id}/erase", data={"csrf_token": csrf_of(confirm.text), "reason": "request"}
    )
    assert unticked.status_code == 400 and "Vink aan" in unticked.text
    assert db.get(Inburgeraar, person.id) is not None

    done = post_form(
        browser, confirm_path, f"/ui/people/{person.id}/erase", {"reason": "request", "confirmed": "yes"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/ui/people?done=erased"
    assert "Gewist." in browser.get(done.headers["location"]).text
    db.expire_all()
    assert db.get(Inburgeraar, person_id) is None
    assert db.scalar(select(Message)) is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "erase"))
    assert event.actor == f"staff:{people['coordinator'].id}" and event.detail["reason"] == "request"


def test_erasing_without_the_forms_token_is_refused(web, people, db):
    browser = web(people["coordinator"])
    refused = browser.post(
        f"/ui/people/{people['person'].id}/erase", data={"reason": "request", "confirmed": "yes"}
    )
    assert refused.status_code == 403
    assert db.get(Inburgeraar, people["person"].id) is not None


def test_a_cleared_message_says_so_in_the_conversation(web, people, db):
    message = db.scalar(select(Message))
    message.body, message.purged_at = "", utcnow()
    db.commit()
    html = web(people["km"]).get(f"/ui/people/{people['person'].id}/conversation").text
    assert "Tekst gewist na de bewaartermijn." in html


def test_a_date_that_is_not_a_date_is_shown_again_at_the_field_as_typed(web, people, db):
    person = people["person"]
    path = f"/ui/people/{person.id}/privacy"
    response = post_form(
        web(people["km"]), path, f"/ui/people/{person.id}/obligation", {"ended_on": "1-3-27"}
    )
    assert response.status_code == 400
    html = response.text
    assert '<p class="field-error" id="ended-on-error">Vul een datum in' in html
    assert (
        'value="1-3-27" aria-describedby="ended-on-hint ended-on-error" aria-invalid="true" autofocus' in html
    )
    assert db.get(Inburgeraar, person.id).obligation_ended_on is None
