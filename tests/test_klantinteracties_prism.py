"""Every request of the export checked against the Klantinteracties API's own definition (0.9.0, from
Open Klant): Prism serves ../shared/standards/klantinteracties-openapi.yaml and refuses what it does not
allow (tests/klantinteracties_double.py says how). An absence, a closed escalation and a task with its
completion go through the real exporter.

Needs node and `npm ci` (make test runs it); skips with a message otherwise.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from api.attendance import service as attendance
from api.auth import BOT, principal_for_staff
from api.klantinteracties import queue
from api.klantinteracties.client import RegisterClient, RegisterError
from api.klantinteracties.exporter import Exporter
from api.klantinteracties.models import ExportStatus, RegisterExport
from api.tasks import service as tasks
from api.tasks.models import TaskKind
from tests.klantinteracties_double import Recorder, register_double  # noqa: F401 - a fixture
from tests.web_helpers import escalate

ACTOR = "5b3c8f0e-6d1a-4c2b-9e7f-1a2b3c4d5e6f"


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "enabled", lambda: True)


@pytest.fixture
def register_settings(settings, register_double):  # noqa: F811
    return settings.model_copy(
        update={
            "klantinteracties_url": register_double,
            "klantinteracties_token": "k" * 40,
            "klantinteracties_actor_uuid": ACTOR,
        }
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(register_settings, recorder):
    client = RegisterClient(register_settings, recorder)
    yield client
    client.close()


def export_all(database, register_settings, recorder):
    exporter = Exporter(register_settings, database.engine, transport=recorder, rng=random.Random(3))
    return exporter.drain()


def statuses(db) -> list[str]:
    db.expire_all()
    return [e.status for e in db.scalars(select(RegisterExport).order_by(RegisterExport.id))]


def test_an_absence_and_its_task_pass_the_klantinteracties_definition(
    db, make, on, database, register_settings, recorder
):
    km, _ = make.staff()
    person = make.person(km, name="Amal Haddad", phone="+31612000111", language="ti")
    appointment = make.appointment([person])
    attendance.report_absence(db, BOT, person.id, appointment.id, "transport", "de bus reed niet")
    db.commit()
    report = export_all(database, register_settings, recorder)
    assert (report.sent, report.failed, report.retried) == (2, 0, 0)
    recorder.assert_valid()
    assert [c.path for c in recorder.creates()] == [
        "/digitaleadressen",
        "/partijen",
        "/maak-klantcontact",
        "/internetaken",
    ]
    looked_up = [c.path for c in recorder.calls if c.method == "GET"]
    assert looked_up == ["/digitaleadressen", "/onderwerpobjecten", "/internetaken"]  # before each create
    (contact,) = recorder.creates("/maak-klantcontact")
    assert contact.body["klantcontact"]["taal"] == "tir"
    assert "vervoer" in contact.body["klantcontact"]["inhoud"]
    assert statuses(db) == [ExportStatus.sent, ExportStatus.sent]


def test_a_closed_escalation_passes_the_klantinteracties_definition(
    db, make, on, database, register_settings, recorder
):
    km, _ = make.staff()
    person = make.person(km, language="so")
    escalation = escalate(db, person, reason="request_human", summary="wil iemand spreken")
    tasks.resolve(db, principal_for_staff(km), escalation.id)
    db.commit()
    report = export_all(database, register_settings, recorder)
    assert (report.sent, report.failed) == (1, 0)
    recorder.assert_valid()
    (contact,) = recorder.creates("/maak-klantcontact")
    assert contact.body["onderwerpobject"]["onderwerpobjectidentificator"]["codeObjecttype"] == "escalatie"
    assert contact.body["betrokkene"]["initiator"] is True


def test_a_task_and_its_completion_pass_the_klantinteracties_definition(
    db, make, on, database, register_settings, recorder
):
    km, _ = make.staff()
    person = make.person(km, language="fa_AF")
    task = tasks.open_task(db, TaskKind.undeliverable, inburgeraar=person)
    db.commit()
    tasks.complete_task(db, principal_for_staff(km), task.id)
    db.commit()
    report = export_all(database, register_settings, recorder)
    assert (report.sent, report.failed) == (2, 0)
    recorder.assert_valid()
    (created,) = recorder.creates("/internetaken")
    assert created.body["status"] == "te_verwerken"
    (closed,) = [c for c in recorder.calls if c.method == "PATCH"]
    assert closed.path.startswith("/internetaken/") and closed.body["status"] == "verwerkt"
    (contact,) = recorder.creates("/maak-klantcontact")
    assert contact.body["klantcontact"]["indicatieContactGelukt"] is False  # our message did not arrive


def test_the_double_really_refuses_a_request_that_breaks_the_definition(client):
    with pytest.raises(RegisterError) as refused:
        # soortDigitaalAdres is an enum (email, telefoonnummer, overig) and referentie allows no spaces
        client.create(
            "/digitaleadressen", {"adres": "+31612345678", "soortDigitaalAdres": "sms", "referentie": "a b"}
        )
    assert refused.value.code == "422" and not refused.value.retryable
    assert "soortDigitaalAdres" in refused.value.detail and "+3161" not in refused.value.detail


def test_the_double_wants_the_api_token(client):
    del client.http.headers["Authorization"]
    with pytest.raises(RegisterError) as refused:
        client.search("/internetaken")
    assert refused.value.code == "401"
