"""The day a person means by "morgen", "بكرا", "yarın" or "woensdag", in the ten languages.

The NLU model marks such words as the `time` entity but leaves them as typed; the bot's forms ask which
appointment instead. For a klantmanager's suggestion ("Afwezigheid vastleggen: ziek, PVT woensdag 9
december?") the word is turned into a date: today, tomorrow, the day after, or the next such weekday
(today when it is that day). Times, "next week" and dates in digits are left alone: they name no one day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

# Days from the day of writing. Longer words are tried first, so "overmorgen" is not read as "morgen".
RELATIVE = {
    0: ("vandaag", "today", "اليوم", "el yom", "امروز", "emruz", "imroz", "bugün", "bugun", "maanta", "îro",
        "ሎሚ", "نن ورځ"),
    1: ("morgen", "tomorrow", "بكرا", "بكره", "بكرة", "غدا", "bokra", "فردا", "farda", "yarın", "yarin",
        "berri", "sibê", "ጽባሕ", "tsebah", "سبا", "صبا", "saba"),
    2: ("overmorgen", "day after tomorrow", "بعد بكرا", "بعد بكره", "بعد غد", "پس فردا", "öbür gün",
        "saadambe", "dusibê", "ድሕሪ ጽባሕ", "بل سبا"),
}  # fmt: skip
# Monday is 0. Arabic names only with the article: "أحد" alone also means "someone", "اثنين" "two".
WEEKDAYS = {
    0: ("maandag", "monday", "الاثنين", "دوشنبه", "doshanbe", "pazartesi", "isniin", "duşem", "dusem", "ሰኑይ"),
    1: ("dinsdag", "tuesday", "الثلاثاء", "سه شنبه", "seshanbe", "salı", "sali", "talaad", "sêşem", "sesem",
        "ሰሉስ"),
    2: ("woensdag", "wednesday", "الاربعاء", "چهارشنبه", "chaharshanbe", "çarşamba", "carsamba", "arbaco",
        "arbaca", "çarşem", "carsem", "ረቡዕ"),
    3: ("donderdag", "thursday", "الخميس", "پنجشنبه", "پنج شنبه", "panjshanbe", "perşembe", "persembe",
        "khamiis", "pêncşem", "pencsem", "ሓሙስ"),
    4: ("vrijdag", "friday", "الجمعة", "الجمعه", "جمعه", "jome", "cuma", "jimce", "jimca", "jimco", "înê",
        "ዓርቢ"),
    5: ("zaterdag", "saturday", "السبت", "شنبه", "shanbe", "cumartesi", "sabti", "şemî", "semi", "ቀዳም"),
    6: ("zondag", "sunday", "الاحد", "یکشنبه", "یک شنبه", "yekshanbe", "pazar", "axad", "yekşem", "yeksem",
        "ሰንበት"),
}  # fmt: skip

_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0640]")  # Arabic vowel marks and the tatweel
_LATIN = re.compile(r"^[a-zçğıöşüêîûé ]+$")


def normalise(text: str) -> str:
    """Lowercase, Arabic and Persian spellings of one letter made one, vowel marks and ZWNJ dropped."""
    text = _MARKS.sub("", text.lower()).replace("\u200c", " ")
    for variants, plain in (("أإآ", "ا"), ("يى", "ی"), ("ك", "ک")):
        for ch in variants:
            text = text.replace(ch, plain)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str, int]]:
    words = [(w, "relative", n) for n, ws in RELATIVE.items() for w in ws]
    words += [(w, "weekday", n) for n, ws in WEEKDAYS.items() for w in ws]
    patterns = []
    for word, kind, number in sorted(words, key=lambda item: -len(item[0])):
        plain = normalise(word)
        # Latin words start at a word boundary ("overmorgen" holds "morgen"); other scripts attach
        # prepositions to the word ("بالخميس"), so there the word may start anywhere.
        latin = bool(_LATIN.match(plain))
        prefix = r"(?<!\w)" if latin else ""
        # Endings are allowed ("isniinta", "vrijdagochtend"), except after a short Latin word: "saba"
        # (Pashto, tomorrow) must not be found in "sabah" (Turkish, morning).
        suffix = r"(?!\w)" if latin and len(plain) <= 4 else ""
        patterns.append((re.compile(prefix + re.escape(plain) + suffix), kind, number))
    return patterns


def day_meant(text: str, written_on: date) -> date | None:
    """The first day word in `text` as a date (on or after `written_on`), or None when it names none."""
    remaining = normalise(text)
    found: list[tuple[int, date]] = []
    for pattern, kind, number in _patterns():
        match = pattern.search(remaining)
        if match is None:
            continue
        if kind == "relative":
            day = written_on + timedelta(days=number)
        else:
            day = written_on + timedelta(days=(number - written_on.weekday()) % 7)
        found.append((match.start(), day))
        # Blank the match out, so a shorter word inside it ("شنبه" in "چهارشنبه") is not found again.
        remaining = remaining[: match.start()] + " " * len(match.group()) + remaining[match.end() :]
    return min(found)[1] if found else None
