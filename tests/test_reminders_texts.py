"""The layout of reminders and notices: what an SMS keeps within its budget, and what WhatsApp gets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.appointments.models import Appointment
from api.i18n import languages, segments
from api.i18n.formatting import FSI, PDI
from api.reminders import texts
from api.staff.models import Staff

STARTS_AT = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)
LONG_ADDRESS = "Wijkcentrum De Schakel, Burgemeester Kuperusplein 12, Heerenveen"


def appointment(location: str = LONG_ADDRESS, *, staff: str | None = "Sanne de Vries", bring=None):
    return Appointment(
        kind="pvt_excursie",
        starts_at=STARTS_AT,
        location=location,
        staff=Staff(name=staff) if staff else None,
        what_to_bring=bring,
    )


def names(language: str, item: Appointment, kind: str = "reminder", slot: str = "3d") -> list[str]:
    lines = texts.reminder_lines(language, item, kind, slot)
    return [name for name, _ in texts.fit_to_budget(lines, texts.sms_budget(language))]


@pytest.mark.parametrize("code", languages.CODES)
@pytest.mark.parametrize(
    ("kind", "slot"), [("reminder", "3d"), ("notice", "new"), ("notice", "changed"), ("notice", "cancelled")]
)
def test_sms_reminder_with_a_long_address_stays_within_the_language_budget(code, kind, slot, compiled):
    item = appointment(bring="je brief en je identiteitsbewijs")
    text = texts.reminder_text(code, item, kind, slot)
    budget = 2 if languages.LANGUAGES[code].gsm7_friendly else 3
    assert texts.sms_budget(code) == budget
    assert segments.count(text).segments <= budget, text


@pytest.mark.parametrize("code", languages.CODES)
def test_sms_reminder_always_says_what_when_where_and_how_to_answer(code, compiled):
    item = appointment(bring="je brief en je identiteitsbewijs")
    kept = names(code, item)
    assert kept[:3] == ["heading", "when", "where"] and kept[-1] == "answer"
    text = texts.reminder_text(code, item, "reminder", "3d")
    assert LONG_ADDRESS in text


def test_dutch_sms_keeps_what_to_bring_and_the_consequence_before_the_staff_member(compiled):
    kept = names("nl", appointment(bring="je brief en je identiteitsbewijs"))
    assert kept == ["heading", "when", "where", "bring", "consequence", "answer"]


def test_short_address_leaves_room_for_every_line_in_dutch(compiled):
    item = appointment("Stadskantoor, Balie 4", bring="je brief en je identiteitsbewijs")
    text = texts.reminder_text("nl", item, "reminder", "3d")
    assert names("nl", item) == ["heading", "when", "where", "staff", "bring", "consequence", "answer"]
    assert "Met: Sanne de Vries" in text and "Meenemen: je brief" in text


def test_a_less_important_line_fills_room_a_more_important_one_could_not(compiled):
    # Arabic with the long address: what to bring does not fit three segments, the consequence line does.
    kept = names("ar", appointment(bring="je brief en je identiteitsbewijs"))
    assert "bring" not in kept and "consequence" in kept


def test_an_address_longer_than_the_budget_is_sent_whole_not_cut(compiled):
    address = "Gebouw De Nieuwe Kansen, ingang aan de achterkant bij de fietsenstalling, " * 4
    text = texts.reminder_text("nl", appointment(address.strip(), bring="je paspoort"), "reminder", "3d")
    assert address.strip() in text
    assert segments.count(text).segments > 2
    assert "Meenemen" not in text and "Met:" not in text


def test_whatsapp_gets_every_line_and_the_calendar_link(compiled):
    item = appointment(bring="je brief en je identiteitsbewijs")
    text = texts.reminder_text(
        "fa", item, "reminder", "3d", sms=False, calendar_url="https://x.example/ics/1"
    )
    for line in (
        "Sanne de Vries",
        "je brief en je identiteitsbewijs",
        "https://x.example/ics/1",
        texts.render("fa", texts.CONSEQUENCE),
    ):
        assert line in text
    assert segments.count(text).segments > texts.sms_budget("fa")  # what the SMS layout saves


def test_sms_never_carries_the_calendar_link(compiled):
    text = texts.reminder_text("en", appointment("Balie 1"), "reminder", "1d", calendar_url="https://x/ics/1")
    assert "/ics/" not in text


def test_cancelled_notice_has_no_place_menu_or_consequence(compiled):
    assert names("nl", appointment(bring="je paspoort"), "notice", "cancelled") == [
        "heading",
        "when",
        "answer",
    ]


def test_standard_things_to_bring_are_named_in_the_persons_language(compiled):
    item = appointment("Balie 1")
    item.bring_items = ["invitation_letter", "id_document"]
    assert "Bring: your invitation letter and your ID" in texts.reminder_text("en", item, "reminder", "1d")
    assert "Getirin: davet mektubunuz ve kimliğiniz" in texts.reminder_text("tr", item, "reminder", "1d")
    arabic = texts.reminder_text("ar", item, "reminder", "1d")
    assert "رسالة الدعوة" in arabic and "إثبات الهوية" in arabic and "invitation" not in arabic


def test_staffs_own_words_follow_the_standard_items_isolated_in_right_to_left_text(compiled):
    item = appointment("Balie 1", bring="een pen")
    item.bring_items = ["pip"]
    assert "Meenemen: je plan (PIP) en een pen" in texts.reminder_text("nl", item, "reminder", "1d")
    assert f"{FSI}een pen{PDI}" in texts.reminder_text("fa", item, "reminder", "1d", sms=False)
