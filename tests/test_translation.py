"""Machine translation through a provider the municipality configures (ADR 0018), against a local double of
LibreTranslate's HTTP API: off by default and then silent, what the person wrote in Dutch beside the
original (translated once), a Dutch reply sent exactly as its preview, and never a lost draft."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.i18n import catalog, languages, segments
from api.messaging.models import Message, OutboxItem
from api.messaging.staff_replies import MACHINE_TRANSLATED
from api.settings import Settings
from api.translation import LibreTranslate, TranslationUnavailable, translator_for
from tests.test_production_fails_closed import GOOD
from tests.translation_double import LibreTranslateDouble
from tests.web_helpers import csrf_of, inbound, open_browsers, post_form

ARABIC = "هل يمكنك الاتصال بي بعد الساعة الثالثة؟"
DUTCH = "Kun je me na drie uur bellen?"
REPLY = "Ik bel je morgen na drie uur."
REPLY_AR = "سأتصل بك غدا بعد الساعة الثالثة."


@pytest.fixture
def double() -> Iterator[LibreTranslateDouble]:
    server = LibreTranslateDouble(api_key="gemeente-sleutel-0123456789abcdef0123").start()
    server.phrases[("ar", "nl", ARABIC)] = DUTCH
    server.phrases[("nl", "ar", REPLY)] = REPLY_AR
    yield server
    server.stop()


def _on(settings: Settings, double: LibreTranslateDouble) -> Settings:
    return settings.model_copy(
        update={
            "translation_provider": "libretranslate",
            "translation_url": double.url,
            "translation_api_key": double.api_key,
            "translation_timeout_seconds": 1.0,
        }
    )


@pytest.fixture
def web(app, settings, double):
    app.state.settings = _on(settings, double)
    app.state.translator = translator_for(app.state.settings)
    yield from open_browsers(app)
    app.state.translator.close()


@pytest.fixture
def arabic(make, db):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km, name="Amina Haddad", language="ar")
    return km, person


def _page(browser, person) -> str:
    response = browser.get(f"/ui/people/{person.id}/conversation")
    assert response.status_code == 200, response.text[:500]
    return response.text


# --- the provider, against the double -----------------------------------------------------------------


def test_libretranslate_translates_a_batch_in_order_with_the_municipalitys_key(double):
    provider = LibreTranslate(double.url, double.api_key)
    assert provider.translate([ARABIC, "مرحبا"], source="ar", target="nl") == [DUTCH, "[nl] مرحبا"]
    (call,) = double.translations()
    assert call.payload == {
        "q": [ARABIC, "مرحبا"],
        "source": "ar",
        "target": "nl",
        "format": "text",
        "api_key": double.api_key,
    }
    provider.close()


def test_libretranslate_says_which_languages_it_can_do_and_dari_goes_as_persian(double):
    provider = LibreTranslate(double.url, double.api_key)
    assert provider.supports("ar", "nl") and provider.supports("nl", "ar")
    assert provider.supports("fa_AF", "nl") and provider.code("fa_AF") == "fa"
    assert not provider.supports("ti", "nl") and not provider.supports("nl", "so")
    assert provider.supports(None, "nl")  # detected by the server
    provider.supports("tr", "nl")
    assert [r.path for r in double.requests] == ["/languages"]  # the list is asked once, then cached
    provider.close()


@pytest.mark.parametrize(
    ("mode", "key"),
    [("error", None), ("slow", None), ("garbage", None), ("ok", "another-key")],
    ids=["500", "timeout", "not-json", "wrong-key-403"],
)
def test_every_provider_failure_is_translation_unavailable(double, mode, key):
    double.mode, double.delay = mode, 1.5
    provider = LibreTranslate(double.url, key or double.api_key, timeout=0.5)
    with pytest.raises(TranslationUnavailable):
        provider.translate([ARABIC], source="ar", target="nl")
    provider.close()


def test_a_provider_that_is_down_is_unavailable_not_an_error():
    provider = LibreTranslate("http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(TranslationUnavailable):
        provider.translate(["hallo"], source="nl", target="ar")
    assert not provider.supports("nl", "ar")
    provider.close()


# --- off by default: nothing leaves the municipality ---------------------------------------------------


def test_translation_is_off_by_default_and_then_there_is_no_provider():
    assert Settings().translation_provider == "off"
    assert translator_for(Settings()) is None


def test_with_translation_off_no_call_is_made_and_the_page_offers_none(app, settings, double, make, db):
    app.state.settings = settings.model_copy(update={"translation_url": double.url})  # a URL, but off
    km, person = make.staff()[0], None
    person = make.person(km, language="ar")
    inbound(db, person, ARABIC, language="ar")
    for browser in open_browsers(app):
        page = _page(browser(km), person)
        assert DUTCH not in page and "Vertalen en bekijken" not in page
        assert "Het bericht wordt niet vertaald." in page
        response = post_form(
            browser(km),
            f"/ui/people/{person.id}/conversation",
            f"/ui/people/{person.id}/reply/preview",
            {"text": REPLY},
        )
        assert response.status_code == 409 and REPLY in response.text  # refused, the draft kept
        break
    assert double.requests == []


def test_a_provider_needs_a_url_and_in_production_an_https_or_local_one():
    with pytest.raises(ValidationError, match="TRANSLATION_URL must be set"):
        Settings(translation_provider="libretranslate")
    on = {**GOOD, "translation_provider": "libretranslate"}
    with pytest.raises(ValidationError, match="TRANSLATION_URL must be an https URL"):
        Settings(**on, translation_url="http://vertaal.gemeente.example")
    assert Settings(**on, translation_url="http://127.0.0.1:5000").translation_provider == "libretranslate"
    assert Settings(**on, translation_url="https://vertaal.gemeente.example").translation_url


def test_the_api_key_is_a_secret_the_logs_never_show():
    key = "gemeente-sleutel-0123456789abcdef0123"
    assert key in Settings(translation_api_key=key).secret_values


# --- in: the Dutch line beside what the person wrote ---------------------------------------------------


def test_what_the_person_wrote_is_shown_in_dutch_beside_the_original_and_translated_once(
    web, arabic, db, double
):
    km, person = arabic
    message = inbound(db, person, ARABIC, language="ar")
    inbound(db, person, "ok", language="nl")  # Dutch stays as it is
    browser = web(km)
    page = _page(browser, person)
    assert ARABIC in page and DUTCH in page
    assert "vertaald door een computer" in page
    db.expire_all()
    stored = db.get(Message, message.id)
    assert (stored.dutch, stored.translated_by) == (DUTCH, "libretranslate")
    (call,) = double.translations()
    assert call.payload["q"] == [ARABIC] and (call.payload["source"], call.payload["target"]) == ("ar", "nl")
    _page(browser, person)
    assert len(double.translations()) == 1  # cached on the message
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "machine_translate"))
    assert event.actor == f"staff:{km.id}" and event.object_id == str(person.id)
    assert event.detail["provider"] == "libretranslate" and ARABIC not in str(event.detail)


def test_the_provider_receives_the_texts_and_language_codes_only(web, arabic, db, double):
    km, person = arabic
    inbound(db, person, ARABIC, language="ar")
    browser = web(km)
    _page(browser, person)
    post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/reply/preview",
        {"text": REPLY},
    )
    sent = [r.payload for r in double.translations()]
    assert len(sent) == 2 and all(set(p) == {"q", "source", "target", "format", "api_key"} for p in sent)
    assert [p["q"] for p in sent] == [[ARABIC], [REPLY]]  # the texts: no name, number or id besides
    flat = repr(sent)
    for secret in (person.name, person.phone, "Amina", "Fatima"):
        assert secret not in flat


def test_a_language_the_provider_lacks_is_said_and_not_sent(web, make, db, double):
    km, _ = make.staff()
    person = make.person(km, language="ti")
    inbound(db, person, "ሰላም ከመይ ኣለኹም", language="ti")
    page = _page(web(km), person)
    assert "Voor Tigrinya is geen computervertaling beschikbaar." in page
    assert "Vertalen en bekijken" not in page
    assert double.translations() == []


def test_when_the_provider_is_down_the_originals_show_and_the_next_view_tries_again(web, arabic, db, double):
    km, person = arabic
    message = inbound(db, person, ARABIC, language="ar")
    browser = web(km)
    double.mode = "error"
    page = _page(browser, person)
    assert ARABIC in page and "Vertalen lukt nu niet." in page
    double.mode = "ok"
    assert DUTCH in _page(browser, person)
    db.expire_all()
    assert db.get(Message, message.id).dutch == DUTCH


# --- out: a Dutch reply, its preview, and exactly that sent --------------------------------------------


def _preview(browser, person, text=REPLY):
    return post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/reply/preview",
        {"text": text},
    )


def _hidden(html: str) -> dict[str, str]:
    form = html[html.index('action="/ui/people/') : html.index("Versturen zoals hierboven")]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.split("/reply/translated")[1]))
    return {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}


def test_a_dutch_reply_is_previewed_in_the_persons_language_and_sent_exactly_as_previewed(
    web, arabic, db, double
):
    km, person = arabic
    browser = web(km)
    preview = _preview(browser, person)
    assert preview.status_code == 200
    label = catalog.render("ar", MACHINE_TRANSLATED)
    shown = re.search(r'id="preview-text">([^<]*)<', preview.text).group(1)
    assert shown.startswith(REPLY_AR) and label in shown and "Fatima" in shown
    assert REPLY in preview.text  # the Dutch beside it
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None  # nothing sent yet

    fields = _hidden(preview.text)
    sent = browser.post(f"/ui/people/{person.id}/reply/translated", data=fields, follow_redirects=False)
    assert sent.status_code == 303
    message = db.scalar(select(Message).where(Message.kind == "staff_reply"))
    assert message.body == shown.replace("&#39;", "'")
    assert (message.dutch, message.translated_by, message.language) == (REPLY, "libretranslate", "ar")
    assert db.scalar(select(OutboxItem.body).where(OutboxItem.message_id == message.id)) == message.body
    assert len(double.translations()) == 1  # nothing translated again between preview and send
    page = _page(browser, person)
    assert "Geschreven in het Nederlands, vertaald door een computer:" in page and REPLY in page


def test_a_changed_translation_is_not_sent_and_the_draft_is_kept(web, arabic, db, double):
    km, person = arabic
    browser = web(km)
    fields = _hidden(_preview(browser, person).text)
    fields["translation"] = "شيء آخر"
    response = browser.post(f"/ui/people/{person.id}/reply/translated", data=fields)
    assert response.status_code == 400
    assert 'id="text-error"' in response.text and f">{REPLY}</textarea>" in response.text
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_failed_translation_never_loses_the_draft(web, arabic, db, double, mode):
    km, person = arabic
    double.mode, double.delay = mode, 2.0
    response = _preview(web(km), person)
    assert response.status_code == 503
    assert "Vertalen lukt nu niet." in response.text and f">{REPLY}</textarea>" in response.text
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


def test_the_preview_of_another_person_cannot_be_sent_to_this_one(web, arabic, make, db, double):
    km, person = arabic
    other = make.person(km, language="ar")
    browser = web(km)
    fields = _hidden(_preview(browser, person).text)
    page = browser.get(f"/ui/people/{other.id}/conversation").text
    response = browser.post(
        f"/ui/people/{other.id}/reply/translated", data={**fields, "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 400
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


@pytest.mark.parametrize("code", languages.CODES)
def test_the_machine_translation_label_is_short_and_keeps_a_gsm7_text_in_gsm7(code, compiled):
    label = catalog.render(code, MACHINE_TRANSLATED)
    assert label and len(label.encode("utf-16-le")) // 2 <= 32
    if languages.LANGUAGES[code].gsm7_friendly:
        assert segments.is_gsm7(f"({label}) - Fatima")
    if code != "nl":
        assert label != MACHINE_TRANSLATED, f"{code}: the label is not translated"
