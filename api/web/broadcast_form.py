"""The broadcast composer's HTML form, turned into the broadcasts API's own request models.

Browsers send flat fields and local times without an offset; the broadcasts service wants an audience
object and aware datetimes. Everything is validated by the same pydantic models the JSON API uses, and
errors come back as InvalidInput naming the form field. People are chosen by name (checkboxes `person`,
found with `person_query`); the preview's id and fingerprint travel with the form to "send as previewed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from api.errors import InvalidInput
from api.i18n.formatting import TZ

AUDIENCE_TYPES = ("appointment", "leerroute", "doelgroep", "caseload", "list")
VARIABLE_FIELDS = ("kind", "when", "date", "location")
# Field names the service reports (camelCase paths) -> the form field that holds the value.
SERVICE_FIELDS = {
    "template": "template",
    "audience": "audience_type",
    "audience.appointmentId": "appointment_id",
    "audience.leerroute": "leerroute",
    "audience.doelgroep": "doelgroep",
    "audience.klantmanagerId": "klantmanager_id",
    "audience.inburgeraarIds": "people",
    "sendAt": "send_at",
    "previewId": "preview",
    "fingerprint": "preview",
    **{f"variables.{name}": name for name in VARIABLE_FIELDS},
}


@dataclass
class ComposerForm:
    """What the coordinator typed, kept as strings so the page can show it back unchanged."""

    template: str = ""
    audience_type: str = "appointment"
    appointment_id: str = ""
    leerroute: str = ""
    doelgroep: str = ""
    klantmanager_id: str = ""
    people: list[str] = field(default_factory=list)  # chosen people's ids (checkbox values)
    person_query: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    send_mode: str = "now"
    send_at: str = ""
    preview_id: str = ""
    fingerprint: str = ""

    @classmethod
    def from_form(cls, form: Any) -> ComposerForm:
        def get(name: str) -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            template=get("template"),
            audience_type=get("audience_type") or "appointment",
            appointment_id=get("appointment_id"),
            leerroute=get("leerroute"),
            doelgroep=get("doelgroep"),
            klantmanager_id=get("klantmanager_id"),
            people=list(dict.fromkeys(v.strip() for v in form.getlist("person") if isinstance(v, str))),
            person_query=get("person_query")[:100],
            variables={name: get(name) for name in VARIABLE_FIELDS},
            send_mode="later" if get("send_mode") == "later" else "now",
            send_at=get("send_at"),
            preview_id=get("preview_id"),
            fingerprint=get("fingerprint"),
        )

    def person_ids(self) -> list[int]:
        return [int(p) for p in self.people if p.isdigit()]

    def _int(self, value: str, form_field: str) -> int:
        if not value.isdigit():
            raise InvalidInput(f"{form_field} must be chosen", field=form_field)
        return int(value)

    def audience(self) -> dict[str, Any]:
        kind = self.audience_type
        if kind == "appointment":
            return {"type": kind, "appointmentId": self._int(self.appointment_id, "appointment_id")}
        if kind == "leerroute":
            return {"type": kind, "leerroute": self.leerroute}
        if kind == "doelgroep":
            return {"type": kind, "doelgroep": self.doelgroep}
        if kind == "caseload":
            return {"type": kind, "klantmanagerId": self._int(self.klantmanager_id, "klantmanager_id")}
        if kind == "list":
            if not self.people or not all(p.isdigit() for p in self.people):
                raise InvalidInput("choose people by name", field="people")
            return {"type": kind, "inburgeraarIds": self.person_ids()}
        raise InvalidInput("choose who gets the message", field="audience_type")

    def variable_values(self, template_variables: list[str]) -> dict[str, str]:
        values = {}
        for name in template_variables:
            raw = self.variables.get(name, "")
            values[name] = local_to_iso(raw, name) if name == "when" and raw else raw
        return values

    def requested_send_at(self) -> str | None:
        if self.send_mode != "later":
            return None
        if not self.send_at:
            raise InvalidInput("choose when to send", field="send_at")
        return local_to_iso(self.send_at, "send_at")


def local_to_iso(value: str, form_field: str) -> str:
    """A datetime-local value ("2026-03-12T10:00") read as Amsterdam time, with its offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not a date and time", field=form_field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TZ)
    return parsed.isoformat()


def to_model(form: ComposerForm, model: type, template_variables: list[str]) -> Any:
    """Build BroadcastDraft / BroadcastCreate from the form; pydantic errors name the form field."""
    data: dict[str, Any] = {
        "template": form.template,
        "variables": form.variable_values(template_variables),
        "audience": form.audience(),
    }
    data["sendAt"] = form.requested_send_at()
    if "preview_id" in getattr(model, "model_fields", {}):
        if not form.preview_id.isdigit():
            raise InvalidInput("preview first", field="preview", code="no_preview")
        data["previewId"], data["fingerprint"] = int(form.preview_id), form.fingerprint[:64]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first.get("loc", ()) if not isinstance(p, int))
        path = re.sub(r"^audience\.\w+\.", "audience.", path)  # drop the union member's tag
        raise InvalidInput(first.get("msg", "invalid"), field=form_field_for(path)) from None


def form_field_for(service_field: str | None) -> str:
    if not service_field:
        return "template"
    return SERVICE_FIELDS.get(service_field, service_field)
