"""The export to the Klantinteracties register: what is queued, the state of a row, retries, never twice.

The register here is `FakeRegister` (it remembers what it was given, so duplicates show); the requests
themselves are checked against the API's definition in test_klantinteracties_prism.py.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from api.attendance import service as attendance
from api.auth import BOT, principal_for_staff
from api.db import utcnow
from api.klantinteracties import queue
from api.klantinteracties.exporter import Exporter
from api.klantinteracties.models import ExportKind, ExportStatus, RegisterExport, RegisterParty
from api.people.models import Inburgeraar
from api.privacy import purge
from api.privacy.erasure import ErasureReason, erase_person
from api.privacy.retention import Policy
from api.settings import Settings, get_settings
from api.tasks import service as tasks
from api.tasks.models import Task, TaskKind
from tests.klantinteracties_double import FakeRegister
from tests.web_helpers import escalate

ACTOR = "5b3c8f0e-6d1a-4c2b-9e7f-1a2b3c4d5e6f"


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The register is configured for the listeners (they read the process's settings)."""
    monkeypatch.setattr(queue, "enabled", lambda: True)


@pytest.fixture
def register() -> FakeRegister:
    return FakeRegister()


@pytest.fixture
def register_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "klantinteracties_url": "https://register.example",
            "klantinteracties_token": "k" * 40,
            "klantinteracties_actor_uuid": ACTOR,
        }
    )


@pytest.fixture
def exporter(database, register_settings, register):
    def make(**kw) -> Exporter:
        return Exporter(
            register_settings, database.engine, transport=register.transport(), rng=random.Random(7), **kw
        )

    return make


def exports(db) -> list[RegisterExport]:
    db.expire_all()
    return list(db.scalars(select(RegisterExport).order_by(RegisterExport.id)))


def absence(db, make, *, reason: str = "sick", details: str | None = None, person=None, **kw):
    km, _ = make.staff()
    person = person or make.person(km, name="Amal Haddad", language="ar", **kw)
    appointment = make.appointment([person])
    attendance.report_absence(db, BOT, person.id, appointment.id, reason, details)
    db.commit()
    return person, appointment


def later(rows: list[RegisterExport]) -> datetime:
    """The moment the next retry of these rows is due (time runs forward in the claim, not in the rows)."""
    return max(r.next_attempt_at for r in rows if r.status == ExportStatus.pending) + timedelta(seconds=1)


# --- what is queued -----------------------------------------------------------------------------------


def test_nothing_is_queued_while_the_register_is_not_configured(db, make):
    absence(db, make)
    assert exports(db) == []


def test_the_register_is_on_when_its_url_is_set_in_the_environment(monkeypatch):
    monkeypatch.setenv("KLANTINTERACTIES_URL", "https://openklant.example.nl/klantinteracties/api/v1")
    monkeypatch.setenv("KLANTINTERACTIES_TOKEN", "k" * 40)
    monkeypatch.setenv("KLANTINTERACTIES_ACTOR_UUID", ACTOR)
    get_settings.cache_clear()
    try:
        assert queue.enabled()
    finally:
        get_settings.cache_clear()


def test_a_url_without_token_or_actor_is_refused(settings):
    with pytest.raises(ValueError, match="KLANTINTERACTIES_TOKEN.*KLANTINTERACTIES_ACTOR_UUID"):
        Settings(environment="test", klantinteracties_url="https://openklant.example.nl/api")
    with pytest.raises(ValueError, match="KLANTINTERACTIES_URL must be an https URL"):
        Settings(
            environment="production",
            klantinteracties_url="http://openklant.example.nl/api",
            klantinteracties_token="k" * 40,
            klantinteracties_actor_uuid=ACTOR,
        )


def test_an_absence_queues_its_contact_and_its_task_which_waits_for_that_contact(db, make, on):
    absence(db, make, reason="sick")
    contact, task = sorted(exports(db), key=lambda e: e.kind)
    assert (contact.kind, task.kind) == (ExportKind.absence, ExportKind.task)
    assert task.cause_id == contact.id and contact.cause_id is None
    assert contact.topic == "persoonlijk" and contact.channel == "sms"
    assert contact.reference != task.reference


def test_an_escalation_is_queued_when_it_is_closed_not_when_it_opens(db, make, on):
    km, _ = make.staff()
    person = make.person(km)
    escalation = escalate(db, person, reason="crisis", urgent=True)
    db.commit()
    assert exports(db) == []
    tasks.resolve(db, principal_for_staff(km), escalation.id)
    tasks.resolve(db, principal_for_staff(km), escalation.id)  # again: still one contact
    db.commit()
    (row,) = exports(db)
    assert (row.kind, row.escalation_id, row.topic) == (ExportKind.escalation, escalation.id, "spoed")


def test_an_unknown_numbers_task_is_not_queued(db, on):
    tasks.open_task(db, TaskKind.link_unknown_number, detail="+31699999999")
    db.commit()
    assert exports(db) == []


# --- the state of a row -------------------------------------------------------------------------------


def test_an_absence_becomes_a_klantcontact_on_the_persons_partij_and_its_task_an_interne_taak(
    db, make, on, exporter, register
):
    absence(db, make)
    report = exporter().drain()
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    contact, task = sorted(exports(db), key=lambda e: e.kind)
    assert contact.status == task.status == ExportStatus.sent
    assert {r.attempts for r in (contact, task)} == {1}
    (klantcontact,) = register.store["klantcontacten"].values()
    (betrokkene,) = register.store["betrokkenen"].values()
    (partij,) = register.store["partijen"].values()
    (internetaak,) = register.store["internetaken"].values()
    assert contact.klantcontact_uuid == klantcontact["uuid"] and contact.betrokkene_uuid == betrokkene["uuid"]
    assert betrokkene["wasPartij"]["uuid"] == partij["uuid"]
    assert internetaak["aanleidinggevendKlantcontact"]["uuid"] == klantcontact["uuid"]
    assert task.internetaak_uuid == internetaak["uuid"]
    assert internetaak["toegewezenAanActoren"] == [{"uuid": ACTOR}]
    link = db.scalar(select(RegisterParty))
    assert (link.partij_uuid, link.digitaal_adres_uuid) == (
        partij["uuid"],
        next(iter(register.store["digitaleadressen"])),
    )


def test_a_persons_next_contacts_reuse_their_partij_and_address(db, make, on, exporter, register):
    person, _ = absence(db, make)
    exporter().drain()
    absence(db, make, person=person, reason="work")
    exporter().drain()
    assert register.count("klantcontacten") == 2
    assert (register.count("partijen"), register.count("digitaleadressen")) == (1, 1)


def test_a_new_number_becomes_a_new_address_of_the_same_partij(db, make, on, exporter, register):
    person, _ = absence(db, make, phone="+31612000111")
    exporter().drain()
    person.phone = "+31612000999"
    db.commit()
    absence(db, make, person=person)
    exporter().drain()
    assert register.count("partijen") == 1
    first, second = register.store["digitaleadressen"].values()
    assert (first["adres"], second["adres"]) == ("+31612000111", "+31612000999")
    assert second["verstrektDoorPartij"]["uuid"] == next(iter(register.store["partijen"]))
    assert second["isStandaardAdres"] is True  # the register makes the older one non-standard


def test_a_task_done_marks_its_interne_taak_verwerkt(db, make, on, exporter, register):
    km, _ = make.staff()
    person = make.person(km)
    task = tasks.open_task(db, TaskKind.reschedule_requested, inburgeraar=person, detail="na vrijdag")
    db.commit()
    tasks.complete_task(db, principal_for_staff(km), task.id)
    db.commit()
    # Done before anything was sent: the update waits for the task's own export.
    assert exporter().drain().sent == 2
    (internetaak,) = register.store["internetaken"].values()
    assert internetaak["status"] == "verwerkt" and internetaak["afgehandeldOp"]
    assert register.count("klantcontacten") == 1  # the reschedule request's own contact
    assert register.requests.index(("POST", "/internetaken")) < register.requests.index(
        ("PATCH", "/internetaken/{uuid}")
    )


def test_running_the_export_again_sends_nothing_more(db, make, on, exporter, register):
    absence(db, make)
    exporter().drain()
    before = list(register.requests)
    assert exporter().run_once().claimed == 0
    assert register.requests == before


# --- retries and failures -----------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["503", "timeout"])
def test_an_unavailable_register_is_tried_again_later_with_backoff(db, make, on, exporter, register, failure):
    absence(db, make)
    register.fail("POST", "/maak-klantcontact", failure, failure)
    first = exporter().run_once()
    assert (first.sent, first.retried) == (0, 1)  # the task waits for the contact
    (row,) = [e for e in exports(db) if e.kind == ExportKind.absence]
    assert row.status == ExportStatus.pending and row.last_error_code == (
        "503" if failure == "503" else "timeout"
    )
    first_wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=10) < first_wait <= timedelta(seconds=31)
    assert exporter().run_once().claimed == 0  # not due yet
    assert exporter().run_once(now=later([row])).retried == 1
    (row,) = [e for e in exports(db) if e.kind == ExportKind.absence]
    assert row.next_attempt_at - utcnow() > first_wait  # the wait doubles
    report = exporter().drain(now=later([row]))
    assert report.sent == 2 and register.count("klantcontacten") == 1
    assert {e.status for e in exports(db)} == {ExportStatus.sent}


def test_a_refusal_by_the_register_fails_for_good_and_its_task_waits(db, make, on, exporter, register):
    absence(db, make)
    register.fail("POST", "/digitaleadressen", "400")
    report = exporter().drain()
    assert (report.sent, report.failed) == (0, 1)
    contact, task = sorted(exports(db), key=lambda e: e.kind)
    assert contact.status == ExportStatus.failed and contact.last_error_code == "400"
    assert contact.last_error == "Invalid input.; adres:invalid"  # names the field, never its value
    assert task.status == ExportStatus.pending
    assert exporter().run_once(now=utcnow() + timedelta(days=30)).claimed == 0  # never retried by itself


def test_retryable_failures_end_after_the_maximum_attempts(
    db, make, on, exporter, register, register_settings
):
    register_settings.klantinteracties_max_attempts = 3
    absence(db, make)
    register.fail("GET", "/digitaleadressen", "503", "503", "503", "503")
    moment = utcnow()
    for _ in range(3):
        exporter().run_once(now=moment)
        moment += timedelta(hours=2)
    contact = next(e for e in exports(db) if e.kind == ExportKind.absence)
    assert (contact.status, contact.attempts) == (ExportStatus.failed, 3)


# --- never twice --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, collection",
    [
        ("/digitaleadressen", "digitaleadressen"),
        ("/partijen", "partijen"),
        ("/maak-klantcontact", "klantcontacten"),
        ("/internetaken", "internetaken"),
    ],
)
def test_an_answer_lost_after_the_register_created_it_creates_nothing_twice(
    db, make, on, exporter, register, endpoint, collection
):
    absence(db, make)
    register.fail("POST", endpoint, "lost")
    exporter().drain()
    rows = exports(db)
    assert any(r.status == ExportStatus.pending for r in rows)
    exporter().drain(now=later(rows))
    assert {r.status for r in exports(db)} == {ExportStatus.sent}
    assert register.count(collection) == 1
    assert [register.count(c) for c in ("partijen", "klantcontacten", "internetaken")] == [1, 1, 1]


class Crash(BaseException):
    """The worker process dies (not an error it could handle)."""


def test_a_worker_dying_between_the_registers_answer_and_our_commit_creates_nothing_twice(
    db, make, on, exporter, register, monkeypatch
):
    absence(db, make)
    store = Exporter._progress

    def die_once(self, export_id, **uuids):
        monkeypatch.setattr(Exporter, "_progress", store)
        raise Crash

    monkeypatch.setattr(Exporter, "_progress", die_once)
    dying = exporter()
    with pytest.raises(Crash):
        dying.run_once()
    (row,) = [e for e in exports(db) if e.kind == ExportKind.absence]
    assert row.status == ExportStatus.sending and row.klantcontact_uuid is None
    assert register.count("klantcontacten") == 1
    # Another worker takes the row over once the dead one's lease has run out, and finds the contact.
    report = exporter().drain(now=utcnow() + dying.lease + timedelta(seconds=1))
    assert report.sent == 2 and report.failed == 0
    assert [register.count(c) for c in ("partijen", "klantcontacten", "internetaken")] == [1, 1, 1]
    (row,) = [e for e in exports(db) if e.kind == ExportKind.absence]
    assert row.klantcontact_uuid == next(iter(register.store["klantcontacten"]))
    assert row.attempts == 2


def test_a_worker_whose_lease_ran_out_makes_no_request_and_leaves_the_row_to_the_next(
    db, make, on, exporter, register
):
    absence(db, make)
    late = exporter()
    late.lease = timedelta(seconds=-1)  # it runs out before the first request
    assert late.run_once().sent == 0
    assert register.requests == []
    (row,) = [e for e in exports(db) if e.kind == ExportKind.absence]
    assert row.status == ExportStatus.sending
    assert exporter().drain().sent == 2
    assert [register.count(c) for c in ("partijen", "klantcontacten", "internetaken")] == [1, 1, 1]


# --- privacy ------------------------------------------------------------------------------------------


def test_the_persons_words_and_health_never_reach_the_register(db, make, on, exporter, register):
    km, _ = make.staff()
    person = make.person(km, name="Amal Haddad", phone="+31612000111")
    appointment = make.appointment([person])
    attendance.report_absence(db, BOT, person.id, appointment.id, "sick", "geheim-koorts en griep")
    attendance.request_reschedule(db, BOT, person.id, appointment.id, "geheim-na-de-operatie")
    escalation = escalate(db, person, reason="crisis", urgent=True, summary="geheim-crisis")
    tasks.resolve(db, principal_for_staff(km), escalation.id)
    db.commit()
    assert exporter().drain().sent == 4
    sent = json.dumps(register.bodies, ensure_ascii=False).lower()
    for secret in ("geheim", "ziek", "crisis", "koorts"):
        assert secret not in sent, secret
    assert "persoonlijke omstandigheden" in sent and "met spoed" in sent


# --- retention and erasure ----------------------------------------------------------------------------


def test_sent_exports_go_after_the_chat_retention_except_the_export_of_an_open_task(
    db, make, on, exporter, settings
):
    person, _ = absence(db, make)  # an absence and its (open) task
    done = tasks.open_task(db, TaskKind.opted_out, inburgeraar=person)
    db.commit()
    tasks.complete_task(db, principal_for_staff(person.klantmanager), done.id)
    db.commit()
    assert exporter().drain().sent == 4
    assert purge.register_exports(db, Policy.of(settings, utcnow() + timedelta(days=27))) == 0
    counts = purge.purge(db, Policy.of(settings, utcnow() + timedelta(days=29)), settings)
    db.commit()
    assert counts["register_exports"] == 3
    (kept,) = exports(db)
    assert (kept.kind, kept.status, kept.task_id) == (ExportKind.task, ExportStatus.sent, kept.task_id)
    assert db.get(Task, kept.task_id).status == "open" and kept.internetaak_uuid
    assert db.scalar(select(RegisterParty)) is not None  # the Partij link stays with the case file


def test_erasure_leaves_no_export_and_no_partij_link_of_the_person(db, make, on, exporter, settings):
    person, _ = absence(db, make)
    other, _ = absence(db, make)
    exporter().drain()
    absence(db, make, person=person)  # one still pending
    erase_person(db, db.get(Inburgeraar, person.id), ErasureReason.request, settings)
    db.commit()
    assert {e.inburgeraar_id for e in exports(db)} == {other.id}
    assert [p.inburgeraar_id for p in db.scalars(select(RegisterParty))] == [other.id]
