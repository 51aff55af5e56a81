"""The consonant skeleton of a text, the same whichever script it was typed in.

People write Arabic, Persian, Dari, Pashto and Tigrinya in their own script or in Latin letters ("bukra ma
b2dar aji" for "بكرة ما بقدر اجي"), and Dutch words in Arabic or Ge'ez script ("آفسپراک" for "afspraak").
The training data has each phrase mostly in one script, so n-grams alone do not connect the two spellings.
Both are reduced here to the consonants one hears, in one small Latin alphabet:

    بكرة ما بقدر اجي     -> bkr m bkdr j
    bukra ma b2dar aji   -> bkr m bdr j
    ጽባሕ ክመጽእ ኣይክእልን   -> sbh kms kln
    tsbah kmetse aykelen -> sbh kms kln

Vowels, the glottal and pharyngeal stops (hamza, ain: "2", "3" in Arabizi) and the half-vowels w/y (also
written as long vowels in Arabic script) are left out; close consonants share a letter (p/b, v/f, q/k/g,
ch/sh); a doubled letter counts once. Every Ge'ez syllable gives the consonant of its row. The intent
blend reads the skeleton as one more view of the message (`IntentBlend`, `skeleton_ngram_range`); nothing
else sees it. Deterministic, no data files: the tables below are the whole of it.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic script, with the letters Persian, Dari and Pashto add. Absent letters (alef, waw, yeh, hamza, ain,
# teh marbuta) are left out like Latin vowels.
ARABIC = {
    **dict.fromkeys("بپ", "b"),
    **dict.fromkeys("تطټ", "t"),
    **dict.fromkeys("ثسصڅ", "s"),
    **dict.fromkeys("جژږ", "j"),
    "چ": "c",
    **dict.fromkeys("حهھ", "h"),
    "خ": "x",
    **dict.fromkeys("دضډ", "d"),
    **dict.fromkeys("ذزظځ", "z"),
    **dict.fromkeys("رړ", "r"),
    **dict.fromkeys("شښ", "c"),
    "غ": "g",
    **dict.fromkeys("فڤ", "f"),
    **dict.fromkeys("قكکگڭ", "k"),
    "ل": "l",
    "م": "m",
    **dict.fromkeys("نڼ", "n"),
}
FINAL_VOWEL = "هھ"  # a he at the end of a word is mostly a vowel ("خونه", "بكره")

LATIN_PAIRS = {
    "kh": "x",
    "sh": "c",
    "ch": "c",
    "gh": "g",
    "th": "t",
    "dh": "d",
    "zh": "j",
    "ts": "s",
    "ph": "f",
}
LATIN = {
    **dict.fromkeys("bp", "b"),
    **dict.fromkeys("fv", "f"),
    **{letter: letter for letter in "tdszjxhrlmn"},
    **dict.fromkeys("kqgc", "k"),
    **dict.fromkeys("şç", "c"),
    # Arabizi digits inside a word: 2 hamza and 3 ain are left out, like the Arabic letters
    "5": "x",
    "6": "t",
    "7": "h",
    "8": "g",
    "9": "k",
}

# Ethiopic: each row of eight syllables (U+1200 onwards) shares one consonant. Rows left out: አ, ወ, ዐ, የ.
ETHIOPIC_START, ETHIOPIC_END = 0x1200, 0x1358
ETHIOPIC_ROWS = (
    "h", "l", "h", "m", "s", "r", "s", "c", "k", "k", "k", "k", "b", "f", "t", "c", "h", "h", "n", "n",
    "", "k", "k", "x", "x", "", "", "z", "j", "", "d", "d", "j", "k", "k", "k", "t", "c", "b", "s", "s",
    "f", "b",
)  # fmt: skip

WORD = re.compile(r"\w+")


def _word(word: str) -> str:
    if word.isdigit():
        return ""  # a number, not Arabizi
    out: list[str] = []
    before = ""  # what the previous letter gave: a doubled letter ("mm", "ss") counts once
    i, last = 0, len(word) - 1
    while i <= last:
        char = word[i]
        code = ord(char)
        if ETHIOPIC_START <= code < ETHIOPIC_END:
            sound = ETHIOPIC_ROWS[(code - ETHIOPIC_START) // 8]
        elif char in FINAL_VOWEL and i == last:
            sound = ""
        elif char in ARABIC:
            sound = ARABIC[char]
        elif word[i : i + 2] in LATIN_PAIRS:
            sound = LATIN_PAIRS[word[i : i + 2]]
            i += 1
        else:
            sound = LATIN.get(char, "")
        if sound != before:
            out.append(sound)
        before = sound
        i += 1
    return "".join(out)


def skeleton(text: str) -> str:
    """The consonant skeleton of every word of `text`, space-separated (empty words left out)."""
    words = (_word(word) for word in WORD.findall(unicodedata.normalize("NFKC", text).lower()))
    return " ".join(word for word in words if word)
