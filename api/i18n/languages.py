"""The ten languages the assistant speaks, and the aliases people and systems use for them.

Babel has no `prs` (Dari) and knows Kurmanji only as `ku`; this table is the single place that says
which code the product uses, which Babel locale formats it, and which way it is written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # product code, also the locales/ folder name
    babel_locale: str  # locale Babel formats dates and numbers with
    endonym: str
    dutch_name: str
    rtl: bool = False
    gsm7_friendly: bool = False  # can SMS text stay in the GSM-7 alphabet?


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("nl", "nl_NL", "Nederlands", "Nederlands", gsm7_friendly=True),
        Language("en", "en_GB", "English", "Engels", gsm7_friendly=True),
        Language("ar", "ar", "العربية", "Arabisch", rtl=True),
        Language("ti", "ti", "ትግርኛ", "Tigrinya"),
        Language("fa", "fa_IR", "فارسی", "Perzisch (Farsi)", rtl=True),
        Language("fa_AF", "fa_AF", "دری", "Dari", rtl=True),
        Language("tr", "tr_TR", "Türkçe", "Turks"),
        Language("so", "so_SO", "Soomaali", "Somalisch", gsm7_friendly=True),
        Language("ps", "ps_AF", "پښتو", "Pashto", rtl=True),
        Language("ku", "ku_TR", "Kurmancî", "Koerdisch (Kurmanji)"),
    )
}
CODES: tuple[str, ...] = tuple(LANGUAGES)
DEFAULT = "nl"

ALIASES: dict[str, str] = {
    "prs": "fa_AF",
    "fa-af": "fa_AF",
    "fa_af": "fa_AF",
    "dari": "fa_AF",
    "kmr": "ku",
    "ku-latn": "ku",
    "per": "fa",
    "fas": "fa",
    "pes": "fa",
    "ara": "ar",
    "tir": "ti",
    "tur": "tr",
    "som": "so",
    "pus": "ps",
    "pbt": "ps",
    "nld": "nl",
    "dut": "nl",
    "eng": "en",
}


def normalize(code: str | None) -> str | None:
    """Map a code or alias (any case, - or _) to a product code, or None when unknown."""
    if not code:
        return None
    raw = code.strip()
    if raw in LANGUAGES:
        return raw
    low = raw.lower().replace("-", "_")
    if low in ALIASES:
        return ALIASES[low]
    for product in LANGUAGES:
        if product.lower() == low:
            return product
    base = low.split("_")[0]
    if base in LANGUAGES and base != "fa":
        return base
    if base == "fa":
        return "fa_AF" if low.endswith("_af") else "fa"
    return ALIASES.get(base)
