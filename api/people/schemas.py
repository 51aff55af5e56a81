from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field, field_validator

from api.i18n import languages
from api.people.models import Doelgroep, Leerroute, MapStatus
from api.schemas import ApiModel, ApiOut
from api.staff.models import Role


def normalize_phone(value: str) -> str:
    """E.164 via phonenumbers; Dutch numbers may be written nationally (06...)."""
    raw = value.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :]
    try:
        parsed = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_language(value: str) -> str:
    code = languages.normalize(value)
    if code is None:
        raise ValueError(f"unsupported language; use one of {', '.join(languages.CODES)}")
    return code


Phone = Annotated[str, AfterValidator(normalize_phone)]
LanguageCode = Annotated[str, AfterValidator(normalize_language)]


class InburgeraarCreate(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    phone: Phone
    language: LanguageCode = "nl"
    doelgroep: Doelgroep
    klantmanager_id: int | None = None
    whatsapp_opt_in: bool = False
    obligation_start_date: date | None = None
    pip_date: date | None = None
    leerroute: Leerroute | None = None
    pvt_hours_done: int = Field(0, ge=0, le=100)
    map_status: MapStatus = MapStatus.not_started
    housed_on: date | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("name must not be blank")
        return v.strip()


class InburgeraarUpdate(ApiModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: Phone | None = None
    language: LanguageCode | None = None
    doelgroep: Doelgroep | None = None
    klantmanager_id: int | None = None
    whatsapp_opt_in: bool | None = None
    obligation_start_date: date | None = None
    pip_date: date | None = None
    leerroute: Leerroute | None = None
    pvt_hours_done: int | None = Field(None, ge=0, le=100)
    map_status: MapStatus | None = None
    housed_on: date | None = None
    obligation_ended_on: date | None = Field(
        None,
        description="When the obligation ended (diploma, exemption, moved away, death); the case file "
        "is erased RETENTION_CASE_FILE_YEARS later.",
    )


class KlantmanagerOut(ApiOut):
    id: int
    name: str
    email: str
    phone: str | None


class InburgeraarOut(ApiOut):
    id: int
    name: str
    phone: str
    language: str
    doelgroep: str
    klantmanager_id: int | None
    whatsapp_opt_in: bool
    obligation_start_date: date | None
    pip_date: date | None
    term_ends_on: date | None
    law: str
    leerroute: str | None
    pvt_hours_done: int
    map_status: str
    consent_state: str
    housed_on: date | None
    obligation_ended_on: date | None


class StaffCreate(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    role: Role
    phone: str | None = None
    password: str | None = Field(None, min_length=10, max_length=200)
    team: str = Field(
        "", max_length=64, description="Colleagues who cover each other's urgent questions (ADR 0019)."
    )


class StaffOut(ApiOut):
    id: int
    name: str
    email: str
    role: str
    phone: str | None
    active: bool
    team: str


class TokenOut(ApiOut):
    """A staff API token, shown this once; it stops working at `expiresAt` (STAFF_TOKEN_DAYS)."""

    api_token: str
    issued_at: datetime
    expires_at: datetime


class StaffCreated(StaffOut, TokenOut):
    pass
