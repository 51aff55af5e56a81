"""Dutch source text of every bot reply, by Rasa response name.

The bot's domain lists response names only; the NLG endpoint (`api.bot_endpoints.service.nlg`) looks
the name up in `RESPONSES` and renders the msgid in the conversation's language. Placeholders use
`{brace}` style and are filled from the action's arguments and the slots; see docs/bot-contract.md
for the arguments the API formats itself (`starts_at`, `date`, `kind`, `reason`, `leerroute`, `map_status`,
`appointment_list`).

Writing rules: plain Dutch (B1), the informal "je" used across the product, SMS-sized, GSM-7/ASCII
friendly (no curly quotes, no emoji, no accented letters outside GSM-7). Facts come only from
shared/domain/wet-inburgering-facts.md; anything marked UNVERIFIED there is left to the klantmanager or DUO.
Extract with: pybabel extract -k N_ ...
"""

from __future__ import annotations

from api.i18n.intent_labels import INTENT_LABELS

__all__ = ["INTENT_LABELS", "LANGUAGE_MENU", "N_", "PLACEHOLDER_DEFAULTS", "RESPONSES"]


def N_(s: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark a string for extraction (`pybabel extract -k N_`) without translating it here."""
    return s


# Each language is written in its own name and script, so this list is never translated: a person who
# cannot read the current language still finds their own. The order is the bot's digit menu
# (bot/actions/language.py MENU_ORDER) and must not change without changing that too.
LANGUAGE_MENU = "\n".join(
    (
        "1 Nederlands",
        "2 English",
        "3 العربية",
        "4 ትግርኛ",
        "5 فارسی",
        "6 دری",
        "7 Türkçe",
        "8 Soomaali",
        "9 پښتو",
        "10 Kurmancî",
    )
)

# Values the NLG endpoint fills in when the bot does not pass them (the `{language_menu}` placeholder of
# utter_language_menu is the same in every language).
PLACEHOLDER_DEFAULTS: dict[str, str] = {"language_menu": LANGUAGE_MENU}

RESPONSES: dict[str, str] = {
    # --- conversation --------------------------------------------------------------------------------
    "utter_greet": N_(
        "Hallo! Ik ben de chatassistent voor inburgering. Ik help je met je afspraken en met vragen over "
        "inburgeren. Wat wil je weten?"
    ),
    "utter_goodbye": N_("Tot ziens! Je kunt altijd weer een bericht sturen."),
    "utter_you_are_welcome": N_("Graag gedaan!"),
    "utter_how_can_i_help": N_(
        "Waarmee kan ik je helpen? Je kunt bijvoorbeeld vragen wanneer je volgende afspraak is."
    ),
    "utter_ok_anything_else": N_("Goed. Heb je later nog een vraag? Stuur dan gerust een bericht."),
    "utter_ask_rephrase": N_(
        "Sorry, dat begreep ik niet. Kun je het anders zeggen? Schrijf kort wat je wilt weten."
    ),
    # Translators: {intent_options} is a numbered list, one meaning per line ("1 = ik kan niet komen").
    "utter_clarify": N_(
        "Bedoel je een van deze? Stuur het nummer:\n{intent_options}\nOf schrijf het anders."
    ),
    "utter_default": N_("Sorry, dat begreep ik niet. Wil je een medewerker spreken? Zeg het gerust."),
    "utter_out_of_scope": N_(
        "Daar kan ik je helaas niet mee helpen. Ik help met inburgeren: je afspraken, je termijn, het "
        "PIP, je leerroute, PVT, MAP en KNM. Wil je een medewerker spreken? Zeg het gerust."
    ),
    "utter_handoff": N_(
        "Ik geef je vraag door aan een medewerker. Die leest je bericht en antwoordt zo snel mogelijk."
    ),
    "utter_api_unavailable": N_(
        "Het lukt nu niet om je gegevens te bekijken. Je bericht is bewaard en een medewerker kijkt "
        "ernaar. Probeer het later nog eens."
    ),
    # Translators: the only reply to someone in crisis. Keep all three phone numbers exactly as they are.
    "utter_urgent_help": N_(
        "Ben je in direct gevaar? Bel 112. Denk je aan zelfdoding? Bel gratis en anoniem 113 "
        "Zelfmoordpreventie: 0800-0113. Is er geweld thuis? Bel gratis Veilig Thuis: 0800-2000. Ik stuur "
        "je bericht nu ook door naar een medewerker."
    ),
    # Translators: when the model is unsure whether someone is in crisis. The same text as the gateway's
    # gentle line (one catalog entry). Keep all three phone numbers exactly as they are.
    "utter_safety_check": N_(
        "Gaat het niet goed? Bij gevaar: bel 112. Praten met iemand: bel gratis 113 Zelfmoordpreventie: "
        "0800-0113. Geweld thuis? Bel gratis Veilig Thuis: 0800-2000. Een medewerker leest je bericht ook."
    ),
    # Understanding "I want no more messages" is never enough to stop them: a misread message would end
    # someone's reminders. Only the keyword does that (api/messaging/keywords.py), in any language.
    # Translators: keep the word STOP as it is, in Latin letters.
    "utter_how_to_stop": N_(
        "Wil je geen berichten meer van ons? Stuur dan alleen het woord STOP. Let op: je afspraken en je "
        "inburgeringsplicht gaan gewoon door, ook na STOP."
    ),
    # --- language ------------------------------------------------------------------------------------
    # Translators: {language_menu} is the numbered list of language names. Keep it on its own line.
    "utter_language_menu": N_("Kies je taal. Stuur het nummer:\n{language_menu}"),
    # Translators: shown in the language just chosen. Name YOUR language here (in English: "in English").
    "utter_language_changed": N_("Goed, ik schrijf je vanaf nu in het Nederlands."),
    # --- appointments --------------------------------------------------------------------------------
    "utter_next_appointment": N_(
        "Je volgende afspraak: {kind}, {starts_at}, {location}, met {staff}. Kun je niet komen? Laat "
        "het ons weten voordat de afspraak begint."
    ),
    "utter_next_appointment_no_staff": N_(
        "Je volgende afspraak: {kind}, {starts_at}, {location}. Kun je niet komen? Laat het ons weten "
        "voordat de afspraak begint."
    ),
    "utter_no_appointment": N_(
        "Ik zie geen nieuwe afspraak voor jou. Heb je een brief of bericht van de gemeente gekregen? "
        "Vraag het dan aan je klantmanager."
    ),
    # Translators: {appointment_list} is a numbered list, one appointment per line.
    "utter_ask_which_appointment": N_("Over welke afspraak gaat het? Stuur het nummer:\n{appointment_list}"),
    # Read back before a typed confirmation or request is recorded: the model can take vague or mistyped
    # words for these intents ("kan zijn" looked like a confirmation). The person answers yes or no.
    "utter_readback_confirm": N_("Je komt naar {kind} op {starts_at}? Antwoord ja of nee."),
    "utter_readback_reschedule": N_(
        "Je wilt een andere tijd voor {kind} op {starts_at}? Antwoord ja of nee."
    ),
    "utter_nothing_changed": N_("Goed, ik heb niets veranderd."),
    "utter_attendance_confirmed": N_("Dank je. We verwachten je bij de afspraak: {kind}, {starts_at}."),
    # Translators: keep the numbers; the person answers with a number. The order is fixed in the bot.
    "utter_ask_absence_reason": N_(
        "Waarom kun je niet komen? Stuur een nummer:\n1 ziek\n2 kind ziek\n3 werk\n4 sollicitatiegesprek\n"
        "5 afspraak bij dokter of ziekenhuis\n6 examen of school\n7 vervoer\n8 noodgeval in de familie\n"
        "9 religieuze feestdag\n10 iets anders\nOf schrijf het kort. Geen medische details, alsjeblieft."
    ),
    "utter_ask_absence_details": N_(
        "Wil je nog iets kort uitleggen voor je klantmanager? Geen medische details, alsjeblieft. Stuur 0 "
        "als je niets wilt toevoegen."
    ),
    # Never say the absence is excused: the klantmanager decides that. Never echo the reason back: it may
    # be health data, which does not belong in SMS or WhatsApp (facts §6).
    "utter_absence_recorded": N_(
        "Dank je. Je afmelding voor {kind} op {starts_at} is doorgegeven. Je klantmanager weet het nu, "
        "beslist wat er verder gebeurt en neemt contact met je op."
    ),
    "utter_absence_recorded_late": N_(
        "Dank je. Je afmelding voor {kind} op {starts_at} is doorgegeven, maar wel laat. Je klantmanager "
        "weet het nu, beslist wat er verder gebeurt en neemt contact met je op. Meld je de volgende keer "
        "af voordat de afspraak begint."
    ),
    "utter_reschedule_requested": N_(
        "Dank je. Je klantmanager weet dat je {kind} op {starts_at} wilt verzetten en stelt je een andere "
        "tijd voor. Tot er een nieuwe tijd is afgesproken, blijft deze afspraak staan."
    ),
    "utter_ask_checkin_code": N_("Stuur de aanmeldcode van 4 cijfers."),
    "utter_checked_in": N_("Dank je, je bent aangemeld voor {kind}."),
    "utter_checkin_wrong_code": N_("Die code klopt niet."),
    # After five wrong codes within an hour the API refuses check-ins for a while (429 too_many_attempts).
    "utter_checkin_too_many_attempts": N_(
        "Je hebt te vaak een verkeerde code gestuurd. Meld je bij de balie, of probeer het over een uur "
        "opnieuw."
    ),
    "utter_checkin_too_early": N_(
        "Aanmelden kan nog niet. Probeer het opnieuw als de afspraak bijna begint."
    ),
    "utter_appointment_cancelled": N_(
        "Deze afspraak gaat niet door. Heb je vragen? Neem contact op met je klantmanager."
    ),
    "utter_appointment_past": N_(
        "Deze afspraak is al voorbij. Heb je hier vragen over? Neem contact op met je klantmanager."
    ),
    "utter_appointment_not_found": N_(
        "Ik kan deze afspraak niet vinden. Neem contact op met je klantmanager."
    ),
    # --- term, progress and contact (from the person's own file) -------------------------------------
    "utter_term_deadline": N_(
        "Volgens je dossier loopt je inburgeringstermijn tot {date}. Klopt dit niet met wat je weet? Vraag "
        "het je klantmanager of kijk in Mijn Inburgering op inburgeren.nl."
    ),
    "utter_term_no_pip": N_(
        "Je termijn van 3 jaar begint op de dag na de datum van je eerste PIP. Je PIP is er nog niet. De "
        "gemeente moet het PIP binnen ongeveer 10 weken vaststellen. Vraag je klantmanager naar jouw datum."
    ),
    "utter_term_wi2013": N_(
        "Voor jou geldt de Wet inburgering 2013. Je termijn staat in de brief van DUO en in Mijn "
        "Inburgering op inburgeren.nl. Vragen? Neem contact op met je klantmanager."
    ),
    "utter_term_unknown": N_(
        "Ik kan je einddatum nu niet zien. Kijk in de brief van DUO of in Mijn Inburgering op "
        "inburgeren.nl, of vraag het je klantmanager."
    ),
    "utter_progress": N_(
        "Je leerroute: {leerroute}. PVT: {pvt_hours_done} van de {pvt_hours_required} uur gedaan. MAP: "
        "{map_status}. Meer weten? Kijk in Mijn Inburgering of vraag je klantmanager."
    ),
    "utter_progress_no_route": N_(
        "Je leerroute staat nog niet vast. Die komt in je PIP. PVT: {pvt_hours_done} van de "
        "{pvt_hours_required} uur gedaan. Vraag je klantmanager wat de volgende stap is."
    ),
    "utter_progress_wi2013": N_(
        "Voor jou geldt de Wet inburgering 2013. Hoe ver je bent, zie je in Mijn Inburgering op "
        "inburgeren.nl. Vragen? Neem contact op met je klantmanager."
    ),
    "utter_contact": N_(
        "Je klantmanager is {klantmanager_name}, telefoon {klantmanager_phone}. Je kunt ook de gemeente "
        "bellen: {municipality_phone}."
    ),
    "utter_contact_no_phone": N_(
        "Je klantmanager is {klantmanager_name}. Bel de gemeente en vraag naar je klantmanager: "
        "{municipality_phone}."
    ),
    "utter_contact_municipality": N_(
        "Je hebt nog geen vaste klantmanager. Bel de gemeente: {municipality_phone}."
    ),
    "utter_contact_unknown": N_("Ik heb nu geen telefoonnummer voor je. Kijk op de website van je gemeente."),
    # --- general questions (facts file, section 10) ---------------------------------------------------
    "utter_faq_pip": N_(
        "Het PIP is je Plan Inburgering en Participatie. Daarin staan je leerroute, de hulp die je krijgt, "
        "de MAP en het PVT. Het PIP is een officieel besluit. Ben je het er niet mee eens? Dan kun je "
        "bezwaar maken. Meer: inburgeren.nl of je klantmanager."
    ),
    "utter_faq_learning_route": N_(
        "Er zijn 3 leerroutes: de B1-route (taal op B1 en werk), de onderwijsroute (voor jongeren onder "
        "de 28 die verder gaan leren) en de Z-route (zelfredzaamheid, taal op A1). De gemeente beslist "
        "welke route je volgt. Meer: inburgeren.nl of je klantmanager."
    ),
    "utter_faq_pvt": N_(
        "Het PVT duurt minstens 12 uur, met minstens 1 excursie. Het gaat over vrijheid, "
        "gelijkwaardigheid, solidariteit en participatie. Je sluit af door de participatieverklaring te "
        "tekenen. Begon je op of na 1-1-2022? Dan is het gratis. Meer: inburgeren.nl of je klantmanager."
    ),
    "utter_faq_map": N_(
        "De MAP is de Module Arbeidsmarkt en Participatie. Je doet minstens 40 uur praktijk en leert over "
        "werk in Nederland. De MAP is gratis. In de onderwijsroute doe je geen MAP. Meer: inburgeren.nl of "
        "je klantmanager."
    ),
    "utter_faq_knm": N_(
        "KNM is Kennis van de Nederlandse Maatschappij. Het hoort bij je leerroute. In de B1-route en de "
        "onderwijsroute doe je er een examen in. Meer: inburgeren.nl of je klantmanager."
    ),
    # Principle only, never an amount: fines for status holders are legally unsettled (facts file 0.2).
    "utter_faq_fine": N_(
        "Een boete is het laatste redmiddel. De gemeente geeft alleen een boete als het je eigen schuld "
        "is, en je mag eerst je kant vertellen. Kun je niet komen? Meld het voordat de afspraak begint. "
        "Ben je statushouder? Vraag je klantmanager of DUO wat voor jou geldt. Meer: inburgeren.nl."
    ),
    "utter_faq_exemption": N_(
        "Kun je door ziekte of een handicap niet inburgeren? Dan kun je bij DUO ontheffing aanvragen. Een "
        "arts van Argonaut onderzoekt je en DUO beslist. Stuur geen medische gegevens in deze chat. Meer: "
        "inburgeren.nl of je klantmanager."
    ),
}
