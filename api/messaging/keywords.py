"""STOP / START / HELP in the ten languages, recognised by the gateway before Rasa sees the message.

Only a whole message counts ("stop", "STOP!", "توقف"): "stop met de les" is a sentence for the bot. A word
that may also mean "I can't come" ("afmelden", Dari "بس", Pashto "بند") changes nothing: the gateway asks.
Twilio's own list (STOP, STOPALL, UNSUBSCRIBE, ...) is included because carriers and Twilio act on it
anyway. CANCEL, END and QUIT are left out on purpose: people answer a reminder with "cancel" to say
they cannot come, and that must reach the bot as an absence, not end all reminders.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

# Python 3.10 has no StrEnum: scripts/train_number_classifier.py reads these folds in the bot environment.
try:
    from enum import StrEnum
except ImportError:

    class StrEnum(str, Enum):  # type: ignore[no-redef]  # noqa: UP042
        def __str__(self) -> str:
            return str(self.value)


class Keyword(StrEnum):
    stop = "stop"
    start = "start"
    help = "help"
    # Words that mean "stop the messages" and also "I can't come" or just "enough": asked, never acted on.
    stop_or_absence = "stop_or_absence"


# Per language, so that a reviewer who reads the language can check its own line.
WORDS: dict[str, dict[Keyword, tuple[str, ...]]] = {
    "en": {
        Keyword.stop: ("stop", "stopall", "unsubscribe", "optout", "opt out", "revoke"),
        Keyword.start: ("start", "unstop"),
        Keyword.help: ("help", "info"),
    },
    "nl": {
        Keyword.stop: ("stoppen", "uitschrijven"),
        # Our own reminders teach "afmelden" as "report that you can't come".
        Keyword.stop_or_absence: ("afmelden", "afmelding"),
        Keyword.start: ("aanmelden", "starten", "opnieuw starten"),
        Keyword.help: ("hulp", "informatie"),
    },
    "ar": {
        Keyword.stop: ("توقف", "قف", "ايقاف", "الغاء الاشتراك", "اوقف"),
        Keyword.start: ("ابدا", "بدء", "ابدأ"),
        Keyword.help: ("مساعده", "مساعدة"),
    },
    "ti": {
        Keyword.stop: ("ደው በል", "ኣቋርጽ", "ኣቋርጹ"),
        Keyword.start: ("ጀምር", "ጀምሩ"),
        Keyword.help: ("ሓገዝ",),
    },
    "fa": {
        Keyword.stop: ("توقف", "لغو اشتراک", "ایست"),
        Keyword.start: ("شروع",),
        Keyword.help: ("کمک", "راهنما"),
    },
    "fa_AF": {
        Keyword.stop: ("توقف", "ایست"),
        Keyword.stop_or_absence: ("بس",),  # "enough", also in ordinary replies
        Keyword.start: ("شروع",),
        Keyword.help: ("کمک", "رهنمایی"),
    },
    "tr": {
        Keyword.stop: ("dur", "durdur", "abonelikten cik"),
        Keyword.start: ("basla", "baslat"),
        Keyword.help: ("yardim",),
    },
    "so": {
        Keyword.stop: ("jooji", "joogso"),
        Keyword.start: ("bilow",),
        Keyword.help: ("caawimo", "caawin", "gargaar"),
    },
    "ps": {
        Keyword.stop: ("ودرېږه", "ودروه"),
        Keyword.stop_or_absence: ("بند",),  # "closed", also "I'm not coming"
        Keyword.start: ("پیل",),
        Keyword.help: ("مرسته",),
    },
    "ku": {
        Keyword.stop: ("raweste", "rawestin", "bisekine"),
        Keyword.start: ("dest pe bike", "destpek"),
        Keyword.help: ("alikari", "alîkarî"),
    },
}

_ARABIC_FOLDS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ك": "ک", "ـ": None}
)


def fold_letters(text: str) -> str:
    """Arabic-script letter variants folded as `normalise` folds them (for patterns written to match it)."""
    return text.translate(_ARABIC_FOLDS)


_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def normalise(text: str) -> str:
    """Fold case, accents (Latin only), Arabic-script letter variants and surrounding punctuation."""
    text = fold_letters(unicodedata.normalize("NFKC", text).casefold())
    decomposed = unicodedata.normalize("NFD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.category(ch) == "Mn":
            base = kept[-1] if kept else ""
            # Latin accents go (İ, ş, ê typed or not); Arabic harakat go too; Ethiopic has none.
            if base.isascii() or "\u0600" <= ch <= "\u06ff" or "\u064b" <= ch <= "\u065f":
                continue
        elif unicodedata.category(ch) == "Cf":  # RTL marks and zero-width joiners
            continue
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept)).replace("ı", "i")
    text = _EDGES.sub("", text)
    return " ".join(text.split())


_INDEX: dict[str, Keyword] = {}
for _language, _groups in WORDS.items():
    for _keyword, _words in _groups.items():
        for _word in _words:
            _INDEX[normalise(_word)] = _keyword


def match(body: str) -> Keyword | None:
    """The keyword this whole message is, or None (sentences, empty messages)."""
    if not body or len(body) > 40:
        return None
    return _INDEX.get(normalise(body))
