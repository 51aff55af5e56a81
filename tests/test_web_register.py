"""The coordinator's page of the export to the Klantinteracties register: what failed, for whom, retry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.klantinteracties.models import ExportStatus, RegisterExport
from tests.klantinteracties_double import failed_export
from tests.web_helpers import open_browsers, post_form


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def test_coordinators_see_what_the_register_refused_for_whom_and_what_waits_on_it(web, make, db):
    coordinator, _ = make.staff("coordinator")
    person = make.person(name="Amal Haddad")
    failed = failed_export(db, person)
    page = web(coordinator).get("/ui/register")
    assert page.status_code == 200
    html = page.text
    assert "Amal Haddad" in html and "<code>400</code> Invalid input.; adres:invalid" in html
    assert f"Wacht op {failed.id}" in html
    assert "De export naar het klantregister staat uit." in html  # not configured in these tests
    read = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "klantinteracties_export"))
    assert read.action == "read" and read.detail == {"inburgeraars": [person.id]}


def test_a_retry_puts_a_failed_export_back_in_the_queue(web, make, db):
    coordinator, _ = make.staff("coordinator")
    failed = failed_export(db, make.person())
    browser = web(coordinator)
    response = post_form(browser, "/ui/register", f"/ui/register/{failed.id}/retry")
    assert response.status_code == 303 and response.headers["location"] == "/ui/register?done=retried"
    db.expire_all()
    row = db.get(RegisterExport, failed.id)
    assert (row.status, row.attempts) == (ExportStatus.pending, 0)
    assert "De export wordt opnieuw geprobeerd." in browser.get(response.headers["location"]).text
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "retry"))
    assert event.object_id == str(failed.id) and event.actor == f"staff:{coordinator.id}"
    again = post_form(browser, "/ui/register", f"/ui/register/{failed.id}/retry")
    assert again.status_code == 409  # only a failed export can be tried again


def test_klantmanagers_do_not_see_the_register_page(web, make, db):
    klantmanager, _ = make.staff()
    failed_export(db, make.person(klantmanager))
    assert web(klantmanager).get("/ui/register").status_code == 403


def test_the_menu_shows_the_register_once_it_is_configured(web, make, app):
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    assert 'href="/ui/register"' not in browser.get("/ui/stats").text
    app.state.settings = app.state.settings.model_copy(
        update={"klantinteracties_url": "https://openklant.example.nl/klantinteracties/api/v1"}
    )
    assert 'href="/ui/register"' in browser.get("/ui/stats").text
