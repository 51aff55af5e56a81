"""Form errors in the staff UI: one Dutch message per field, shown next to it, with what was typed kept.

Services refuse with a DomainError naming a field as the API spells it; FastAPI refuses a form field that
breaks its declaration (too long, missing) with a RequestValidationError. Both end here: a form page
registers how it is shown again (`redisplay`) and WebRoute calls that with the submitted values and
`FieldError`s, instead of a generic page that loses the draft. Pages render the errors with
`_forms.html`: the message next to the field, the field marked invalid and the first one focused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from api.errors import DomainError
from api.i18n.catalog import N_

# What pydantic and FastAPI call a broken rule, in words (the placeholders come from the error's context).
BY_TYPE = {
    "missing": N_("Vul dit in."),
    "string_too_long": N_("Dit is te lang: hoogstens {max_length} tekens."),
    "string_too_short": N_("Vul dit in."),
    "too_long": N_("Dit zijn er te veel: hoogstens {max_length}."),
    "too_short": N_("Kies er minstens een."),
    "int_parsing": N_("Vul een getal in."),
    "int_type": N_("Vul een getal in."),
    "date_from_datetime_parsing": N_("Vul een datum in, bijvoorbeeld 9 december 2026."),
    "date_parsing": N_("Vul een datum in, bijvoorbeeld 9 december 2026."),
    "datetime_from_date_parsing": N_("Vul een datum en tijd in."),
    "datetime_parsing": N_("Vul een datum en tijd in."),
    "timezone_aware": N_("Vul een datum en tijd in."),
    "literal_error": N_("Kies een van de mogelijkheden."),
    "enum": N_("Kies een van de mogelijkheden."),
    "union_tag_invalid": N_("Kies een van de mogelijkheden."),
}
CHECK_FIELD = N_("Controleer wat je hier hebt ingevuld.")
# The staff UI's form fields (and the API's names of the same values) as people read them, for pages that
# can only name the field (the error page when no form can be shown again).
FIELD_LABELS = {
    "text": N_("Eigen bericht"),
    "canned": N_("Standaardantwoord"),
    "note": N_("Notitie"),
    "assessment": N_("Beoordeling"),
    "status": N_("Aanwezigheid"),
    "ended_on": N_("Einde inburgeringsplicht"),
    "reason": N_("Reden"),
    "email": N_("E-mailadres"),
    "template": N_("Bericht"),
    "send_at": N_("Datum en tijd"),
    "sendAt": N_("Datum en tijd"),
    "audience": N_("Wie krijgt het bericht?"),
}


@dataclass(frozen=True)
class FieldError:
    """A Dutch message (msgid) about one field, with the values its placeholders take."""

    msgid: str
    values: dict[str, Any] = field(default_factory=dict)


Errors = dict[str, FieldError]  # the element id of the field -> its message
Refusal = DomainError | RequestValidationError
# (request, a fresh session, the user, the form as submitted, the refusal) -> the form's page again, or
# None when that page has no form left to show it in (the error page then says what happened)
Redisplay = Callable[[Request, Session, Any, FormData, Refusal], Response | None]
_REDISPLAY: dict[Callable[..., Any], Redisplay] = {}
SHOWN_AGAIN = frozenset({400, 409})  # refusals a form is shown again for; 403/404 get the error page


def redisplayed_by(render: Redisplay) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register how the form a route handles is shown again when it is refused (used by WebRoute)."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        _REDISPLAY[endpoint] = render
        return endpoint

    return register


def redisplay_for(endpoint: Callable[..., Any]) -> Redisplay | None:
    return _REDISPLAY.get(endpoint)


def errors_of(exc: Refusal, ids: Mapping[str, str], messages: Mapping[str, str]) -> Errors:
    """The refusal's field errors, in Dutch, under the element ids of the page (`ids`: field -> id)."""
    if isinstance(exc, DomainError):
        return from_domain(exc, ids, messages)
    return from_validation(exc, ids)


def status_of(exc: Refusal) -> int:
    return exc.status if isinstance(exc, DomainError) else 400


def from_validation(exc: RequestValidationError | ValidationError, ids: Mapping[str, str]) -> Errors:
    """Each field a validation error names, under its element id (`ids`: field name -> id), in Dutch."""
    errors: Errors = {}
    for error in exc.errors():
        name = field_of(error.get("loc", ()))
        element = ids.get(name, name)
        if element not in errors:
            message = BY_TYPE.get(str(error.get("type")), CHECK_FIELD)
            errors[element] = FieldError(message, dict(error.get("ctx") or {}))
    return errors


def from_domain(exc: DomainError, ids: Mapping[str, str], messages: Mapping[str, str]) -> Errors:
    """A service's refusal under the element id of its field; `messages` by code first, then by field."""
    element = ids.get(exc.field or "", exc.field or "form")
    return {element: FieldError(messages.get(exc.code or "") or messages.get(exc.field or "") or CHECK_FIELD)}


def submitted(form: FormData, name: str) -> str:
    """A text field as it was sent ("" when absent or a file), to show it again."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """The field a validation error's location names (without body / query / form and list indexes)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form") and not isinstance(p, int)]
    return ".".join(parts)


def field_label(name: str | None) -> str:
    """A form field's Dutch label (a msgid), for the error page; unknown fields read as "dit veld"."""
    return FIELD_LABELS.get(name or "", N_("dit veld"))


def first(errors: Errors, order: list[str]) -> str | None:
    """The element to focus: the first field with an error in the order the page shows them."""
    return next((name for name in order if name in errors), next(iter(errors), None))
