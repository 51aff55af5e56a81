"""Dates, times, appointment kinds and reasons in the person's language (Babel, Europe/Amsterdam)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list

from api.i18n import languages
from api.i18n.catalog import N_, gettext

TZ = ZoneInfo("Europe/Amsterdam")
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate / pop directional isolate

KIND_LABELS = {
    "brede_intake": N_("brede intake"),
    "leerbaarheidstoets": N_("leerbaarheidstoets"),
    "pip_gesprek": N_("gesprek over je plan (PIP)"),
    "voortgangsgesprek": N_("voortgangsgesprek"),
    "pvt_bijeenkomst": N_("bijeenkomst participatieverklaring (PVT)"),
    "pvt_excursie": N_("excursie participatieverklaring (PVT)"),
    "map_activiteit": N_("activiteit arbeidsmarkt (MAP)"),
    "knm_les": N_("les kennis van de Nederlandse maatschappij (KNM)"),
}
# The term people find in their letters, kept next to every translation.
KIND_DUTCH_TERMS = {
    "brede_intake": "brede intake",
    "leerbaarheidstoets": "leerbaarheidstoets",
    "pip_gesprek": "PIP-gesprek",
    "voortgangsgesprek": "voortgangsgesprek",
    "pvt_bijeenkomst": "PVT",
    "pvt_excursie": "PVT-excursie",
    "map_activiteit": "MAP",
    "knm_les": "KNM-les",
}
REASON_LABELS = {
    "sick": N_("ik ben ziek"),
    "child_sick": N_("mijn kind is ziek"),
    "work": N_("werk"),
    "job_interview": N_("sollicitatiegesprek"),
    "medical_appointment": N_("afspraak bij dokter of ziekenhuis"),
    "exam_or_school": N_("examen of school"),
    "transport": N_("vervoer (bus of trein)"),
    "family_emergency": N_("noodgeval in de familie"),
    "religious_holiday": N_("religieuze feestdag"),
    "other": N_("iets anders"),
}
LEERROUTE_LABELS = {
    "b1": N_("B1-route"),
    "onderwijs": N_("onderwijsroute"),
    "z": N_("zelfredzaamheidsroute (Z-route)"),
}
MAP_STATUS_LABELS = {
    "not_started": N_("nog niet begonnen"),
    "in_progress": N_("bezig"),
    "completed": N_("klaar"),
    "exempt": N_("niet nodig voor jouw route"),
}


BRING_LABELS = {
    "invitation_letter": N_("je uitnodigingsbrief"),
    "id_document": N_("je identiteitsbewijs"),
    "pip": N_("je plan (PIP)"),
    "certificates": N_("je diploma's en certificaten"),
    "transport_card": N_("je OV-chipkaart"),
}


def _locale(language: str) -> str:
    code = languages.normalize(language) or languages.DEFAULT
    return languages.LANGUAGES[code].babel_locale


def isolate(language: str, text: str) -> str:
    """Wrap dates and numbers in bidi isolates inside right-to-left text."""
    code = languages.normalize(language) or languages.DEFAULT
    return f"{FSI}{text}{PDI}" if languages.LANGUAGES[code].rtl else text


def format_datetime(language: str, value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(TZ)
    # No CLDR locale has an "EEEEdMMMMHm" skeleton (format_skeleton raised KeyError for all ten): take the
    # locale's own day-month order, widen the weekday, and join with its 24-hour time.
    locale = Locale.parse(_locale(language))
    day = babel_format_datetime(
        local, re.sub(r"E+", "EEEE", locale.datetime_skeletons["MMMMEd"].pattern), locale=locale
    )
    time = babel_format_datetime(local, locale.datetime_skeletons["Hm"].pattern, locale=locale)
    text = str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", time)
    return isolate(language, text)


def format_date(language: str, value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return isolate(language, babel_format_date(value, format="long", locale=_locale(language)))


def kind_label(language: str, kind: str) -> str:
    """The kind in the person's language with the Dutch term in brackets, so they recognise letters."""
    if kind not in KIND_LABELS:
        return kind
    translated = gettext(language, KIND_LABELS[kind])
    if (languages.normalize(language) or "nl") == "nl":
        return translated
    return f"{translated} ({KIND_DUTCH_TERMS[kind]})"


def label(language: str, table: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    return gettext(language, table[code]) if code in table else code


def things_to_bring(language: str, items: list[str] | None, extra: str | None) -> str | None:
    """The standard items in the person's language and staff's own words (isolated: they are Dutch),
    as one list in the language's own style ("a, b en c"); None when there is nothing to bring."""
    named = [label(language, BRING_LABELS, item) for item in items or []]
    if extra and extra.strip():
        named.append(isolate(language, extra.strip()))
    if not named:
        return None
    return format_list(named, locale=_locale(language))
