"""The recycled-number guard's second layer: a linear classifier for what its patterns cannot list.

The patterns (api.messaging.wrong_number) find "wrong number" and "not X's number any more"; a new holder of a
number often writes neither: "I'm a plumber, what appointment?", "you must mean the lady who had this phone
before me", a story of a new SIM card. This layer scores a message's character n-grams and words the way the
crisis net's classifier does (api.safety.classifier: the same features, windows and weights format), trained
on lines written for it (bot/data_staging/not_their_number/: whoever has the number says it is not the
person's, and the person's own look-alikes) against every line of the bot's training data, its opt-outs
too, but not those the patterns call "not theirs" ("wrong number, stop"), which are left out. Written apart
from bench/number_eval*.

Its verdict is weaker than a pattern's: the gateway asks whose number it is rather than holding it
(api.messaging.gateway.routing, ADR 0026). Trained in the bot environment (`make number-classifier`,
scripts/train_number_classifier.py); the weights are committed beside this module with a digest of the data
they were trained on.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from api.safety import classifier as linear

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = Path(__file__).with_name("not_their_number.json.gz")
STAGED = "bot/data_staging/not_their_number/*.yml"
TRAINING_FILES = ("bot/data/nlu/**/*.yml", STAGED)
POSITIVE = "not_their_number"
# An opt-out is ordinary unless the patterns say "not theirs" ("wrong number, stop"): then it is left out.
CHECKED_BY_PATTERNS = frozenset({"opt_out"})
PATTERNS = ROOT / "api" / "messaging" / "wrong_number.py"  # read as bytes for the digest, never imported
# How scripts/train_number_classifier.py fits and cuts; covered by the digest like the data. Above the cut-off
# the gateway asks one question (ADR 0026): a false question costs a reply, not the person's reminders.
MAX_FALSE_ASKS = 0.005  # of all ordinary lines, in cross-validation
MAX_LOOKALIKE_ASKS = 0.10  # of the look-alikes written for this layer, in cross-validation
C = 4.0
MIN_DF = 2


def training_paths(root: Path = ROOT) -> list[Path]:
    return sorted({p for pattern in TRAINING_FILES for p in root.glob(pattern)})


def training_digest(root: Path = ROOT) -> str:
    digest = linear.files_digest(root, training_paths(root))
    digest.update(PATTERNS.read_bytes())  # which opt-outs are left out
    settings = (linear.CHAR_NGRAMS, linear.WINDOW, POSITIVE, sorted(CHECKED_BY_PATTERNS), MAX_FALSE_ASKS)
    digest.update(repr((*settings, MAX_LOOKALIKE_ASKS, C, MIN_DF)).encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def model() -> linear.Classifier | None:
    return linear.load(WEIGHTS)


def worth_asking(text: str) -> bool:
    """The classifier's verdict at its cut-off (False when no weights are installed)."""
    current = model()
    return current is not None and current.probability(text) >= current.threshold
