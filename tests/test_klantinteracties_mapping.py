"""What the register gets, field by field (api/klantinteracties/mapping.py), without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from api.appointments.models import AbsenceReason
from api.i18n import languages
from api.i18n.labels import TASK_LABELS
from api.klantinteracties import mapping
from api.tasks.models import Escalation, TaskKind

WHEN = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)
PARTIJ = "3f0c2a6e-7b1d-4e5f-8a9b-0c1d2e3f4a5b"


def contact(kind: str = "absence", **kw) -> mapping.Contact:
    facts = dict(
        kind=kind, reference="ref-1", channel="whatsapp", language="ar", occurred_at=WHEN, topic="vervoer"
    )
    return mapping.Contact(**{**facts, **kw})


@pytest.mark.parametrize(
    "reason",
    [
        AbsenceReason.sick,
        AbsenceReason.child_sick,
        AbsenceReason.medical_appointment,
        AbsenceReason.family_emergency,
        AbsenceReason.religious_holiday,
    ],
)
def test_health_family_and_faith_leave_only_as_personal_circumstances(reason):
    category = mapping.absence_category(reason)
    assert category == "persoonlijk"
    body = json.dumps(mapping.contact_body(contact(topic=category), PARTIJ), ensure_ascii=False)
    assert "persoonlijke omstandigheden" in body
    for word in ("ziek", "dokter", "ziekenhuis", "familie", "religi", "feestdag", reason):
        assert word not in body


def test_every_absence_reason_has_a_coarse_category_with_a_text():
    assert set(mapping.ABSENCE_CATEGORIES) == set(AbsenceReason)
    assert set(mapping.ABSENCE_CATEGORIES.values()) <= set(mapping.CATEGORY_TEXT)
    assert mapping.absence_category(None) == mapping.absence_category("something new") == "overig"


def test_every_language_of_the_assistant_has_its_iso_639_2b_code():
    assert set(mapping.ISO_639_2B) == set(languages.CODES)
    assert all(len(code) == 3 for code in mapping.ISO_639_2B.values())
    assert mapping.taal("fa_AF") == mapping.taal("fa") == "per"  # Dari has no code of its own


@pytest.mark.parametrize(
    ("reason", "urgent", "topic"),
    [
        ("crisis", False, "spoed"),
        ("urgent_help", False, "spoed"),
        ("request_human", True, "spoed"),
        ("request_human", False, "vraag"),
    ],
)
def test_an_escalation_says_whether_it_was_urgent_never_why(reason, urgent, topic):
    escalation = Escalation(reason=reason, urgent=urgent, summary="crisis:suicide")
    assert mapping.escalation_topic(escalation) == topic
    closed = contact("escalation", topic=topic, closed_at=WHEN)
    body = json.dumps(mapping.contact_body(closed, PARTIJ))
    assert "crisis" not in body and "suicide" not in body
    assert ("Met spoed" in body) == (topic == "spoed")


def test_a_contact_is_one_request_with_its_betrokkene_and_our_kenmerk():
    body = mapping.contact_body(
        contact(appointment=mapping.Appointment("voortgangsgesprek", WHEN), late=True), PARTIJ
    )
    klantcontact = body["klantcontact"]
    assert klantcontact["kanaal"] == "WhatsApp" and klantcontact["taal"] == "ara"
    assert klantcontact["vertrouwelijk"] is True and klantcontact["indicatieContactGelukt"] is True
    assert klantcontact["plaatsgevondenOp"] == "2030-03-12T09:00:00Z"
    assert "voortgangsgesprek" in klantcontact["inhoud"] and "12 maart 2030 10:00" in klantcontact["inhoud"]
    assert "na het begin" in klantcontact["inhoud"]
    assert body["betrokkene"] == {"wasPartij": {"uuid": PARTIJ}, "rol": "klant", "initiator": True}
    assert body["onderwerpobject"]["onderwerpobjectidentificator"] == {
        "objectId": "ref-1",
        "codeObjecttype": "afmelding",
        "codeRegister": "inburgering-assistent",
        "codeSoortObjectId": "kenmerk",
    }


@pytest.mark.parametrize("kind", [k for k in TaskKind if k != TaskKind.link_unknown_number])
def test_every_task_of_a_person_has_a_contact_subject_and_a_requested_action(kind):
    assert kind in mapping.CONTACT_SUBJECTS
    body = mapping.task_body(kind, "ref-2", "kc-uuid", PARTIJ)
    assert body["gevraagdeHandeling"] == TASK_LABELS[kind]
    assert mapping.kenmerk("ref-2") in body["toelichting"]
    assert body["toegewezenAanActoren"] == [{"uuid": PARTIJ}]
    reached = mapping.contact_body(contact(kind), PARTIJ)["klantcontact"]["indicatieContactGelukt"]
    assert reached is (kind not in (TaskKind.reminder_unanswered, TaskKind.undeliverable))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Amal Haddad", {"voornaam": "Amal", "achternaam": "Haddad"}),
        ("Abdi Mohamed Farah", {"voornaam": "Abdi Mohamed", "achternaam": "Farah"}),
        ("Yonas", {"achternaam": "Yonas"}),
    ],
)
def test_the_one_name_we_keep_becomes_a_contact_name(name, expected):
    assert mapping.contact_name(name) == expected
    assert mapping.party_body(name, "ti", "da")["partijIdentificatie"] == {"contactnaam": expected}


def test_the_partij_and_its_address_are_made_together():
    party = mapping.party_body("Amal Haddad", "so", "da-uuid")
    assert party["digitaleAdressen"] == [{"uuid": "da-uuid"}] == [party["voorkeursDigitaalAdres"]]
    assert party["soortPartij"] == "persoon" and party["voorkeurstaal"] == "som"
    address = mapping.address_body("+31612345678", "abc-1", None)
    assert address["soortDigitaalAdres"] == "telefoonnummer" and "verstrektDoorPartij" not in address
    assert mapping.address_body("+31612345678", "abc-2", PARTIJ)["verstrektDoorPartij"] == {"uuid": PARTIJ}
