"""Gettext catalogs from locales/ (compiled by `pybabel compile`), and rendering of messages.

Source strings are plain Dutch (B1). Code marks them with `N_()` (no-op, for extraction) and renders
them here in the person's language; a missing translation falls back to the Dutch source.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

from babel.support import NullTranslations, Translations

from api.i18n import languages
from api.settings import ROOT

LOCALES_DIR = ROOT / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark a string for extraction without translating it here."""
    return message


@lru_cache(maxsize=32)
def translations(language: str) -> NullTranslations:
    code = languages.normalize(language) or languages.DEFAULT
    return Translations.load(str(LOCALES_DIR), [code], DOMAIN)


def gettext(language: str, msgid: str) -> str:
    return translations(language).ugettext(msgid)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ungettext(singular, plural, n)


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a message (used by the catalog checks)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(language: str, msgid: str, /, **values: Any) -> str:
    """Translate `msgid` and fill its `{placeholders}`; a missing value renders empty, never raises.

    `language` and `msgid` are positional-only, so a value named `language` (a Rasa slot) may fill a
    placeholder instead of raising TypeError.
    """
    text = gettext(language, msgid)
    try:
        return string.Formatter().vformat(text, (), _Defaulting(values))
    except (ValueError, IndexError):  # a broken translation must not silence the bot
        return string.Formatter().vformat(msgid, (), _Defaulting(values))
