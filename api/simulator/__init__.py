"""The phone simulator: chat as a demo inburgeraar through the same gateway path as Twilio (dev only).

The page's texts are Dutch source strings in the template (`_()`), translated from the catalogs into the
chosen language; the script gets them from a JSON block, so it holds no text of its own.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from api.db import Database
from api.i18n import catalog, languages
from api.i18n.catalog import N_
from api.people.models import Inburgeraar

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    return env


def page(database: Database, lang: str) -> str:
    code = languages.normalize(lang) or languages.DEFAULT
    env = _environment()
    translations = catalog.translations(code)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations.ugettext(message),
        lambda singular, plural, n: translations.ungettext(singular, plural, n),
        newstyle=True,
    )
    with database.session() as db:
        people = [
            {"id": p.id, "name": p.name, "language": p.language}
            for p in db.scalars(select(Inburgeraar).order_by(Inburgeraar.id).limit(200))
        ]
    options = [{"code": c, "name": languages.LANGUAGES[c].endonym} for c in languages.CODES]
    strings = {
        "you": translations.ugettext(N_("Jij")),
        "assistant": translations.ugettext(N_("Assistent")),
        "reminder": translations.ugettext(N_("Herinnering")),
        "staff": translations.ugettext(N_("Klantmanager")),
        "empty": translations.ugettext(N_("Nog geen berichten. Schrijf iets om te beginnen.")),
        "failed": translations.ugettext(N_("Versturen mislukt. Probeer het opnieuw.")),
    }
    return env.get_template("page.html").render(
        lang=code,
        rtl=languages.LANGUAGES[code].rtl,
        people=people,
        languages=options,
        strings_json=json.dumps(strings, ensure_ascii=False),
    )


def script() -> str:
    return (HERE / "simulator.js").read_text(encoding="utf-8")
