"""The reply texts (api/bot_endpoints/messages.py) against the domain, the actions and the house rules."""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.extract import extract_from_file

from support import ROOT

ACTIONS_DIR = ROOT / "bot" / "actions"
FAQ = [
    "utter_faq_pip",
    "utter_faq_learning_route",
    "utter_faq_pvt",
    "utter_faq_map",
    "utter_faq_knm",
    "utter_faq_fine",
    "utter_faq_exemption",
]


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_response_in_the_domain_has_a_text_and_no_text_is_orphaned(messages, domain):
    in_domain = {name for name in domain["actions"] if name.startswith("utter_")}

    assert in_domain == set(messages.RESPONSES)


def test_every_response_an_action_sends_is_in_the_domain(domain):
    sent = set()
    for path in ACTIONS_DIR.glob("*.py"):
        sent |= set(re.findall(r"""["'](utter_\w+)["']""", path.read_text(encoding="utf-8")))

    sent.discard("utter_action")  # Rasa's metadata key for the response a bot message came from

    assert sent and sent - set(domain["actions"]) == set()


def test_every_text_is_extractable_for_translation(messages):
    files = [ROOT / "api" / "bot_endpoints" / "messages.py", ROOT / "api" / "i18n" / "intent_labels.py"]
    extracted = [item for path in files for item in extract_from_file("python", str(path), keywords={"N_": None})]

    expected = set(messages.RESPONSES.values()) | set(messages.INTENT_LABELS.values())
    assert {text for _, text, _, _ in extracted} == expected


def test_every_meaning_the_clarifying_question_may_offer_has_a_label(messages):
    from actions.escalation import CLARIFIABLE

    assert CLARIFIABLE == set(messages.INTENT_LABELS)


@pytest.mark.parametrize("name", FAQ)
def test_general_answers_fit_an_sms_and_say_where_to_read_more(name, messages):
    text = messages.RESPONSES[name]

    assert len(text) <= 300
    assert "inburgeren.nl" in text or "klantmanager" in text


def test_texts_are_gsm7_and_ascii_friendly(messages):
    for name, text in messages.RESPONSES.items():
        assert text.isascii(), name
        assert not set(text) & set("\u2018\u2019\u201c\u201d"), name


def test_the_language_menu_is_the_only_non_ascii_text_and_uses_the_placeholder(messages):
    assert "{language_menu}" in messages.RESPONSES["utter_language_menu"]
    assert messages.PLACEHOLDER_DEFAULTS["language_menu"] == messages.LANGUAGE_MENU
    assert "العربية" in messages.LANGUAGE_MENU and "Kurmancî" in messages.LANGUAGE_MENU


def test_an_absence_is_never_called_excused(messages):
    for name in ("utter_absence_recorded", "utter_absence_recorded_late"):
        text = messages.RESPONSES[name].lower()
        assert "klantmanager" in text and "beslist" in text
        assert not re.search(r"geoorloofd|goedgekeurd|toegestaan|excuse|verschoonbaar", text)


def test_the_fine_answer_gives_no_amount_and_refers_status_holders(messages):
    text = messages.RESPONSES["utter_faq_fine"]

    assert not re.search(r"\d|euro|EUR", text)
    assert "laatste redmiddel" in text and "eigen schuld" in text and "statushouder" in text


def test_urgent_help_gives_the_numbers_and_nothing_about_obligations(messages):
    text = messages.RESPONSES["utter_urgent_help"]

    for number in ("112", "113", "0800-0113", "0800-2000"):
        assert number in text
    assert not re.search(r"plicht|boete|afspraak|termijn", text)


def test_no_reply_asks_for_a_bsn_or_id_photo(messages):
    for name, text in messages.RESPONSES.items():
        assert not re.search(r"BSN|burgerservicenummer|foto|paspoort|verblijfspas", text), name


def test_absence_questions_ask_for_no_medical_details(messages):
    for name in ("utter_ask_absence_reason", "utter_ask_absence_details"):
        assert "Geen medische details" in messages.RESPONSES[name]
