"""Export: the evidence as the API's JSON (shaped by schemas.EvidenceOut), as CSV and as a printable page."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.evidence import render
from api.evidence.collect import Evidence, Participation, conversation_window, hours_before
from api.evidence.labels import (
    PAGE_LABELS,
    absence_reason,
    appointment_name,
    coded,
    hours,
    language_label,
    local,
    status_label,
    t,
)
from api.evidence.schemas import (
    ConsentChange,
    EvidenceAppointment,
    EvidenceAttendance,
    EvidenceEvent,
    EvidenceMessage,
    EvidenceOut,
    EvidenceParticipation,
    EvidencePerson,
)
from api.i18n.labels import KIND_LABELS

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
FREE_TEXT = {"name", "reason", "actor", "text"}  # columns holding what people typed


# --- JSON ---------------------------------------------------------------------------------------


def to_schema(evidence: Evidence) -> EvidenceOut:
    """The trail as the documented response; event fields that do not apply are left unset."""
    return EvidenceOut(
        scope=evidence.scope,
        id=evidence.subject_id,
        generated_at=evidence.generated_at,
        participants=[_participation(p) for p in evidence.participations],
        consent=[ConsentChange(**c) for c in evidence.consent],
    )


def to_json(evidence: Evidence) -> dict[str, Any]:
    """The response body: camelCase, only the fields that were set, times as `datetime.isoformat()`."""
    return _iso(to_schema(evidence).model_dump(by_alias=True, exclude_unset=True))


def _iso(value: Any) -> Any:
    # Pydantic's JSON mode writes UTC as "Z"; the trail has always carried isoformat()'s "+00:00".
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value.isoformat() if isinstance(value, datetime) else value


def _participation(p: Participation) -> EvidenceParticipation:
    a, person, att = p.appointment, p.person, p.attendance
    attendance = EvidenceAttendance(
        status=att.status,
        confirmed_at=att.confirmed_at,
        absence_reason=att.absence_reason,
        absence_details=att.absence_details,
        reported_at=att.reported_at,
        hours_before_start=hours_before(a, att.reported_at),
        reported_late=att.reported_late,
        reschedule_requested_at=att.reschedule_requested_at,
        checked_in_at=att.checked_in_at,
        assessment=att.assessment,
        assessment_note=att.assessment_note,
        assessed_at=att.assessed_at,
    )
    return EvidenceParticipation(
        appointment=EvidenceAppointment(
            id=a.id,
            kind=a.kind,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            location=a.location,
            status=a.status,
        ),
        inburgeraar=EvidencePerson(
            id=person.id,
            name=person.name,
            language=person.language,
            klantmanager_id=person.klantmanager_id,
            consent_state=person.consent_state,
        ),
        attendance=attendance,
        timeline=[EvidenceEvent(**e) for e in p.events],
        conversation=[EvidenceMessage(**m) for m in p.conversation],
    )


# --- CSV and the printable page -----------------------------------------------------------------


def to_csv(evidence: Evidence) -> str:
    """One row per event, then the conversation around each appointment; Dutch headers and words, local
    times (Europe/Amsterdam), no codes: it reads as the printable page does."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in render.COLUMNS], extrasaction="ignore")
    writer.writerow(render.headers())
    for row in [*render.rows(evidence.participations), *render.conversation_rows(evidence.participations)]:
        writer.writerow({k: _no_formula(v) if k in FREE_TEXT else v for k, v in row.items()})
    return out.getvalue()


def _no_formula(value: Any) -> Any:
    """Spreadsheet programs run cells starting with = + - @ as formulas; people's texts must not."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_html(evidence: Evidence) -> str:
    """A printable Dutch document for the hearing file (screen and print styles, no script)."""
    return _env.get_template("evidence.html").render(
        L={k: t(v) for k, v in PAGE_LABELS.items()},
        columns=render.section_columns(),
        evidence=evidence,
        title=_title(evidence),
        sections=[_section(p) for p in evidence.participations],
        status=status_label,
        language=language_label,
        generated_at=local(evidence.generated_at),
    )


def _title(evidence: Evidence) -> str:
    if evidence.scope == "appointment" and evidence.participations:
        a = evidence.participations[0].appointment
        return f"{t(PAGE_LABELS['title_appointment'])}: {appointment_name(a.kind, a.starts_at)}"
    if evidence.scope == "inburgeraar" and evidence.participations:
        return f"{t(PAGE_LABELS['title_person'])}: {evidence.participations[0].person.name}"
    return t(PAGE_LABELS["title_appointment" if evidence.scope == "appointment" else "title_person"])


def _section(p: Participation) -> dict[str, Any]:
    att = p.attendance
    start, end = conversation_window(p.appointment)
    return {
        "appointment": p.appointment,
        "title": appointment_name(p.appointment.kind, p.appointment.starts_at),
        "kind": coded(KIND_LABELS, p.appointment.kind),
        "starts_at": local(p.appointment.starts_at),
        "person": p.person,
        "attendance": att,
        "absence_reason": absence_reason(att.absence_reason),
        "hours_before": hours_before(p.appointment, att.reported_at),
        "hours_text": hours(hours_before(p.appointment, att.reported_at)),
        "assessed_at": local(att.assessed_at),
        "rows": render.rows([p]),
        "conversation": render.conversation(p),
        "window": t(PAGE_LABELS["conversation_window"], start=local(start), end=local(end)),
    }
