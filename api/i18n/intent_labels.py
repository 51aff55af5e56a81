"""What each meaning is called in a numbered question to the person.

Imports nothing, so that the bot's reply texts (api/bot_endpoints/messages.py, which the bot's tests load
in the Rasa environment) and the gateway (api.i18n.labels.intent_options) share one table.
"""


def N_(s: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark a string for extraction (`pybabel extract -k N_`) without translating it here."""
    return s


# What each meaning is called in a numbered question (the bot's clarifying question, the gateway's offer of a
# second request): short, in the person's words.
INTENT_LABELS = {
    "ask_next_appointment": N_("wanneer is mijn afspraak"),
    "confirm_attendance": N_("ik kom naar mijn afspraak"),
    "report_absence": N_("ik kan niet komen"),
    "request_reschedule": N_("ik wil een andere tijd"),
    "check_in": N_("ik ben er (aanmelden)"),
    "ask_term_deadline": N_("hoe lang heb ik nog (termijn)"),
    "ask_fine": N_("boete"),
    "ask_exemption": N_("ontheffing"),
    "ask_learning_route": N_("mijn leerroute"),
    "ask_pip": N_("het PIP (mijn plan)"),
    "ask_pvt": N_("de PVT"),
    "ask_map": N_("de MAP"),
    "ask_knm": N_("KNM"),
    "ask_progress": N_("hoe ver ben ik"),
    "ask_contact": N_("contact met de gemeente"),
    "request_human": N_("een medewerker spreken"),
    "change_language": N_("een andere taal"),
}
