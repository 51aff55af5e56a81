"""What goes to the register, field by field: our rows → Klantinteracties request bodies (API 0.9.0).

Only what the register needs to know that a contact took place with whom, over which channel, about
what, and which task followed (docs/privacy.md, "Klantinteracties register"):

- the person's name as their contact name, their preferred language and their mobile number;
- for an absence: the appointment's kind and time, a coarse category of the reason (never the reason
  itself when it is about health, family or faith, never the person's own words) and whether it came late;
- for a closed escalation: when it was opened and closed, and whether it was urgent (not why: a crisis
  stays in our file);
- for a task: what has to be done (the staff UI's own label) and our kenmerk.

Never sent: message texts, task notes, escalation summaries, the assessment of an absence, a BSN (we hold
none), staff names. The texts are Dutch: they are the municipality's record, not text shown to the person,
so they are not in the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from api.appointments.models import AbsenceReason
from api.i18n import formatting
from api.i18n.labels import TASK_LABELS
from api.tasks.models import Escalation, TaskKind

REGISTER_CODE = "inburgering-assistent"  # codeRegister of our Onderwerpobjecten: "this system"
KENMERK = "kenmerk"  # codeSoortObjectId: the objectId is our own random kenmerk of the export
OBJECT_TYPES = {"absence": "afmelding", "escalation": "escalatie", "task": "taak"}

# Coarse categories of an absence reason. Health, a sick child, a family emergency and a religious holiday
# are special categories of personal data (AVG art. 9) or close to them: they become "persoonlijke
# omstandigheden", which says nothing about which.
ABSENCE_CATEGORIES: dict[str, str] = {
    AbsenceReason.sick: "persoonlijk",
    AbsenceReason.child_sick: "persoonlijk",
    AbsenceReason.medical_appointment: "persoonlijk",
    AbsenceReason.family_emergency: "persoonlijk",
    AbsenceReason.religious_holiday: "persoonlijk",
    AbsenceReason.work: "werk_of_opleiding",
    AbsenceReason.job_interview: "werk_of_opleiding",
    AbsenceReason.exam_or_school: "werk_of_opleiding",
    AbsenceReason.transport: "vervoer",
    AbsenceReason.other: "overig",
}
CATEGORY_TEXT = {
    "persoonlijk": "persoonlijke omstandigheden",
    "werk_of_opleiding": "werk of opleiding",
    "vervoer": "vervoer",
    "overig": "andere reden",
}
URGENT_ESCALATION_REASONS = frozenset({"crisis", "urgent_help"})

# Taal and voorkeurstaal are ISO 639-2/B. Dari has no code of its own there: it is Persian ("per").
ISO_639_2B = {
    "nl": "dut",
    "en": "eng",
    "ar": "ara",
    "ti": "tir",
    "fa": "per",
    "fa_AF": "per",
    "tr": "tur",
    "so": "som",
    "ps": "pus",
    "ku": "kur",
}
# Kanaal is free text in the API; a municipality that validates it against its Referentielijsten lists
# these (docs/production.md).
KANALEN = {"sms": "SMS", "whatsapp": "WhatsApp", "web": "Chat"}

CONTACT_SUBJECTS = {
    "absence": "Afmelding voor een afspraak",
    "escalation": "Vraag overgenomen door een klantmanager",
    TaskKind.absence_reported: "Afmelding voor een afspraak",
    TaskKind.reschedule_requested: "Verzoek om een andere afspraak",
    TaskKind.reminder_unanswered: "Herinnering aan een afspraak niet beantwoord",
    TaskKind.undeliverable: "Bericht van de gemeente kwam niet aan",
    TaskKind.opted_out: "Wil geen berichten van de assistent meer",
    TaskKind.message_while_bot_down: "Bericht ontvangen toen de assistent niet werkte",
    # The crisis net was unsure (ADR 0021): the register learns only that a person read the message.
    TaskKind.possible_crisis: "Bericht nagelezen door een klantmanager",
    TaskKind.number_disputed: "Telefoonnummer mogelijk van iemand anders",
}
# Contacts the municipality started and that did not reach the person.
NOT_REACHED = frozenset({TaskKind.reminder_unanswered, TaskKind.undeliverable})


def absence_category(reason: str | None) -> str:
    return ABSENCE_CATEGORIES.get(reason or "", "overig")


def escalation_topic(escalation: Escalation) -> str:
    urgent = escalation.urgent or escalation.reason in URGENT_ESCALATION_REASONS
    return "spoed" if urgent else "vraag"


def taal(language: str | None) -> str:
    return ISO_639_2B.get(language or "nl", "dut")


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def when(value: datetime) -> str:
    """A local date and time in Dutch, with the year: a record is read long after ("12 maart 2030 10:00")."""
    local = value.astimezone(formatting.TZ)
    return f"{formatting.format_date('nl', local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class Appointment:
    kind: str
    starts_at: datetime


@dataclass(frozen=True)
class Contact:
    """The facts of one contact, as the exporter read them from our rows."""

    kind: str  # absence | escalation | a TaskKind
    reference: str
    channel: str
    language: str | None
    occurred_at: datetime
    topic: str
    appointment: Appointment | None = None
    late: bool = False
    closed_at: datetime | None = None

    @property
    def object_type(self) -> str:
        return OBJECT_TYPES.get(self.kind, OBJECT_TYPES["task"])

    @property
    def subject(self) -> str:
        return CONTACT_SUBJECTS.get(self.kind, "Contact via de inburgering-assistent")

    @property
    def person_started(self) -> bool:
        return self.kind not in NOT_REACHED

    @property
    def content(self) -> str:
        lines = []
        if self.appointment is not None:
            lines.append(
                f"Afspraak: {formatting.kind_label('nl', self.appointment.kind)}, "
                f"{when(self.appointment.starts_at)}."
            )
        if self.kind == "absence":
            lines.append(f"Reden (categorie): {CATEGORY_TEXT.get(self.topic, CATEGORY_TEXT['overig'])}.")
            if self.late:
                lines.append("Gemeld na het begin van de afspraak.")
        if self.kind == "escalation":
            closed = f", afgehandeld {when(self.closed_at)}" if self.closed_at else ""
            lines.append(f"Gesprek overgenomen {when(self.occurred_at)}{closed}.")
            if self.topic == "spoed":
                lines.append("Met spoed.")
        lines.append("Behandeld in de inburgering-assistent.")
        return " ".join(lines)[:1000]


def identificator(object_type: str, reference: str) -> dict[str, str]:
    """Our kenmerk as an Onderwerpobjectidentificator: how a retry finds a Klantcontact it made."""
    return {
        "objectId": reference,
        "codeObjecttype": object_type,
        "codeRegister": REGISTER_CODE,
        "codeSoortObjectId": KENMERK,
    }


def kenmerk(reference: str) -> str:
    """The line in an InterneTaak's toelichting by which a retry finds the task it made."""
    return f"Kenmerk {REGISTER_CODE}: {reference}"


def address_body(phone: str, referentie: str, partij_uuid: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "adres": phone,
        "soortDigitaalAdres": "telefoonnummer",
        "isStandaardAdres": True,
        "omschrijving": "SMS en WhatsApp (inburgering)",
        "referentie": referentie,
    }
    if partij_uuid:
        body["verstrektDoorPartij"] = {"uuid": partij_uuid}
    return body


def contact_name(name: str) -> dict[str, str]:
    """We keep one name field: its last word as achternaam, the rest as voornaam."""
    words = name.split()
    if len(words) < 2:
        return {"achternaam": name.strip()[:200]}
    return {"voornaam": " ".join(words[:-1])[:200], "achternaam": words[-1][:200]}


def party_body(name: str, language: str | None, address_uuid: str) -> dict[str, Any]:
    """A persoon-Partij whose address is the one just made: the register links both in one request."""
    return {
        "soortPartij": "persoon",
        "indicatieActief": True,
        "voorkeurstaal": taal(language),
        "digitaleAdressen": [{"uuid": address_uuid}],
        "voorkeursDigitaalAdres": {"uuid": address_uuid},
        "partijIdentificatie": {"contactnaam": contact_name(name)},
    }


def contact_body(contact: Contact, partij_uuid: str) -> dict[str, Any]:
    """`POST /maak-klantcontact`: the Klantcontact, its Betrokkene and our Onderwerpobject, atomically."""
    return {
        "klantcontact": {
            "kanaal": KANALEN.get(contact.channel, KANALEN["sms"]),
            "onderwerp": contact.subject,
            "inhoud": contact.content,
            "indicatieContactGelukt": contact.person_started,
            "taal": taal(contact.language),
            "vertrouwelijk": True,
            "plaatsgevondenOp": timestamp(contact.occurred_at),
        },
        "betrokkene": {
            "wasPartij": {"uuid": partij_uuid},
            "rol": "klant",
            "initiator": contact.person_started,
        },
        "onderwerpobject": {
            "onderwerpobjectidentificator": identificator(contact.object_type, contact.reference)
        },
    }


def task_body(kind: str, reference: str, klantcontact_uuid: str, actor_uuid: str) -> dict[str, Any]:
    return {
        "aanleidinggevendKlantcontact": {"uuid": klantcontact_uuid},
        "gevraagdeHandeling": TASK_LABELS.get(kind, "Opvolgen")[:200],
        "toelichting": "Deze taak staat in de inburgering-assistent en wordt daar afgehandeld. "
        + kenmerk(reference),
        "status": "te_verwerken",
        "toegewezenAanActoren": [{"uuid": actor_uuid}],
    }


def task_done_body(done_at: datetime) -> dict[str, Any]:
    return {"status": "verwerkt", "afgehandeldOp": timestamp(done_at)}
