"""The catalogs in locales/: complete in ten languages, in step with the code, and safe to send by SMS.

These checks read the .po files and the code as they are now; they need no database.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.support import Translations

from api.appointments.models import Appointment
from api.bot_endpoints import service as bot_service
from api.bot_endpoints.messages import RESPONSES
from api.i18n import catalog, languages, manage
from api.i18n.formatting import FSI, PDI
from api.i18n.segments import is_gsm7
from api.staff.models import Staff

CODES = languages.CODES
RTL = [code for code in CODES if languages.LANGUAGES[code].rtl]
GSM7 = [code for code in CODES if languages.LANGUAGES[code].gsm7_friendly]
STARTS_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Amsterdam

# Realistic values for every placeholder a bot response uses (see docs/bot-contract.md).
BOT_ARGUMENTS = {
    "kind": "pvt_excursie",
    "starts_at": STARTS_AT.isoformat(),
    "ends_at": STARTS_AT.replace(hour=12).isoformat(),
    "date": "2029-01-11",
    "location": "Wijkcentrum De Schakel, Burgemeester Kuperusplein 12, Heerenveen",
    "staff": "Sanne de Vries",
    "reason": "child_sick",
    "leerroute": "b1",
    "map_status": "in_progress",
    "pvt_hours_done": 4,
    "pvt_hours_required": 12,
    "klantmanager_name": "Sanne de Vries",
    "klantmanager_phone": "06 1234 5678",
    "municipality_phone": "14 0513",
    "appointment_list": [
        {"n": 1, "kind": "pvt_excursie", "starts_at": STARTS_AT.isoformat()},
        {"n": 2, "kind": "voortgangsgesprek", "starts_at": "2026-12-03T13:30:00+00:00"},
    ],
    "language_menu": "1 Nederlands\n2 English",
}


def _load(path: Path, code: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=code)


@pytest.fixture(scope="module")
def catalogs():
    return {code: _load(manage.po_path(code), code) for code in CODES if manage.po_path(code).exists()}


@pytest.fixture(scope="module")
def code_msgids(tmp_path_factory) -> set:
    """Every message the code and templates mark today, extracted afresh (not the committed .pot)."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    manage.extract(pot)
    return {message.id for message in _load(pot) if message.id}


def _entries(cat):
    return [message for message in cat if message.id]


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _nlg(code: str, name: str) -> str:
    payload = {"response": name, "arguments": BOT_ARGUMENTS, "tracker": {"slots": {"language": code}}}
    return bot_service.nlg(payload, RESPONSES)["text"]


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_a_catalog(code, catalogs):
    assert code in catalogs, f"missing {manage.po_path(code)}"


@pytest.mark.parametrize("code", CODES)
def test_catalog_is_fully_translated_without_fuzzy_entries(code, catalogs):
    cat = catalogs[code]
    untranslated = [m.id for m in _entries(cat) if not all(_forms(m))]
    fuzzy = [m.id for m in _entries(cat) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("code", CODES)
def test_translations_keep_the_placeholders_of_the_source(code, catalogs):
    wrong = []
    for message in _entries(catalogs[code]):
        if isinstance(message.id, tuple):
            source = set().union(*(catalog.placeholders(part) for part in message.id))
            used = [catalog.placeholders(form) for form in _forms(message)]
            # A plural form may leave out the count ("one day"), but never invent or lose a name.
            if any(u - source for u in used) or set().union(*used) != source:
                wrong.append((message.id, used))
        elif message.string and catalog.placeholders(message.string) != catalog.placeholders(message.id):
            wrong.append((message.id, catalog.placeholders(message.string)))
    assert not wrong, f"{code}: placeholders differ from the source: {wrong[:5]}"


@pytest.mark.parametrize("code", CODES)
def test_catalog_holds_exactly_the_messages_the_code_uses(code, catalogs, code_msgids):
    in_catalog = {m.id for m in _entries(catalogs[code])}
    missing = code_msgids - in_catalog
    orphaned = in_catalog - code_msgids
    assert not missing, f"{code}: in the code but not in the catalog (manage update): {sorted(missing)[:5]}"
    assert not orphaned, f"{code}: in the catalog but no longer in the code: {sorted(orphaned)[:5]}"


@pytest.mark.parametrize("code", CODES)
def test_plural_forms_header_follows_cldr(code, catalogs):
    expected = get_plural(languages.LANGUAGES[code].babel_locale)
    cat = catalogs[code]
    assert cat.num_plurals == expected.num_plurals
    assert cat.plural_expr == expected.plural_expr
    if code == "ar":
        assert cat.num_plurals == 6


@pytest.mark.parametrize("code", CODES)
def test_catalog_compiles_and_the_compiled_file_translates(code, catalogs):
    buffer = io.BytesIO()
    write_mo(buffer, catalogs[code], use_fuzzy=False)
    buffer.seek(0)
    translations = Translations(buffer)
    for message in _entries(catalogs[code]):
        if isinstance(message.id, str) and message.string:
            assert translations.ugettext(message.id) == message.string
            break
    else:
        pytest.fail(f"{code}: no translated message to check")


@pytest.mark.parametrize("code", CODES)
def test_every_bot_response_renders_in_the_language(code, compiled):
    dutch = {name: _nlg("nl", name) for name in RESPONSES}
    for name in RESPONSES:
        text = _nlg(code, name)
        assert text.strip(), f"{name} renders empty in {code}"
        assert not re.search(r"\{\w+\}", text), f"{name} left a placeholder unfilled in {code}: {text!r}"
        if code != "nl":
            assert text != dutch[name], f"{name} falls back to Dutch in {code}"


@pytest.mark.parametrize("code", RTL)
def test_rtl_bot_answers_isolate_dates_and_numbers(code, compiled):
    text = _nlg(code, "utter_next_appointment")
    date = bot_service.formatting.format_datetime(code, STARTS_AT)
    assert date.startswith(FSI) and date.endswith(PDI)
    assert date in text
    progress = _nlg(code, "utter_progress")
    assert f"{FSI}4{PDI}" in progress and f"{FSI}12{PDI}" in progress
    contact = _nlg(code, "utter_contact")
    assert f"{FSI}06 1234 5678{PDI}" in contact and f"{FSI}14 0513{PDI}" in contact


LEFT_TO_RIGHT_VALUES = ("location", "staff", "klantmanager_name", "klantmanager_phone", "municipality_phone")


@pytest.mark.parametrize("code", RTL)
def test_rtl_bot_answers_isolate_every_latin_name_place_and_number(code, compiled):
    """The translators isolate these placeholders themselves (the code passes them as they are): check
    every answer, so a new translation that forgets one fails here."""
    bare = []
    for name in RESPONSES:
        text = _nlg(code, name)
        for key in LEFT_TO_RIGHT_VALUES:
            value = str(BOT_ARGUMENTS[key])
            if value in text and text.count(f"{FSI}{value}{PDI}") != text.count(value):
                bare.append((name, key))
    assert not bare, f"{code}: not isolated: {bare}"


@pytest.mark.parametrize("code", RTL)
def test_rtl_reminders_isolate_the_date_place_staff_and_what_to_bring(code, compiled):
    texts = pytest.importorskip("api.reminders.texts")
    appointment = Appointment(
        kind="pvt_excursie",
        starts_at=STARTS_AT,
        location="Stationsstraat 12, Heerenveen",
        staff=Staff(name="Sanne de Vries"),
        what_to_bring="je paspoort",
    )
    text = texts.reminder_text(code, appointment, "reminder", "1d", sms=False)
    assert bot_service.formatting.format_datetime(code, STARTS_AT) in text
    assert f"{FSI}Stationsstraat 12, Heerenveen{PDI}" in text
    assert f"{FSI}Sanne de Vries{PDI}" in text and f"{FSI}je paspoort{PDI}" in text


def _first_strong(text: str) -> str | None:
    for char in re.sub(r"\{\w*\}", "", text):
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind
    return None


@pytest.mark.parametrize("code", RTL)
def test_rtl_messages_start_right_to_left(code, catalogs):
    """Phones pick a message's direction from its first strong letter; a Latin start flips the layout."""
    wrong = [m.id for m in _entries(catalogs[code]) for form in _forms(m) if _first_strong(form) == "L"]
    assert not wrong, f"{code}: starts with a left-to-right letter: {wrong[:5]}"


@pytest.mark.parametrize("code", GSM7)
def test_gsm7_languages_stay_in_the_gsm7_alphabet(code, catalogs):
    """One curly quote or ë turns a 160-character SMS into a 70-character one."""
    wrong = {
        m.id: sorted({c for c in form if not is_gsm7(c)})
        for m in _entries(catalogs[code])
        for form in _forms(m)
        if form and not is_gsm7(form)
    }
    assert not wrong, f"{code}: characters outside GSM-7: {list(wrong.items())[:5]}"
