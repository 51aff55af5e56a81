"""Train the recycled-number guard's classifier (api.safety.not_their_number) and write its weights.

Runs in the bot environment, where scikit-learn ships with Rasa; the API only reads the weights.

    .venv/bot/bin/python scripts/train_number_classifier.py          # train when the data changed
    .venv/bot/bin/python scripts/train_number_classifier.py --check  # exit 1 when the weights are stale

Positive lines are the `not_their_number` examples of bot/data_staging/not_their_number/; everything else is
ordinary (its look-alikes among them), except the bot's opt-outs that the patterns call "not theirs" ("wrong
number, stop"), left out. The cut-off is chosen by
cross-validation on the training data alone (never on bench/number_eval*): the lowest probability at which
no more than MAX_FALSE_ASKS of all ordinary lines and MAX_LOOKALIKE_ASKS of the look-alikes would get the
question "is this your number?".
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_crisis_classifier import command_line, cross_validated, export, fit  # noqa: E402  (same fit)

from api.messaging import wrong_number  # noqa: E402  (stdlib and yaml only)
from api.safety import classifier as linear  # noqa: E402
from api.safety import not_their_number as layer  # noqa: E402


def examples() -> tuple[list[str], list[int], list[bool]]:
    """(texts, labels, look-alike flags); a text seen twice keeps its positive label."""
    staged = {p.resolve() for p in ROOT.glob(layer.STAGED)}
    seen: dict[str, tuple[int, bool]] = {}
    for path in layer.training_paths():
        for intent, text in linear.example_lines(path):
            if intent is None:
                continue
            checked = intent in layer.CHECKED_BY_PATTERNS
            if checked and wrong_number.says_not_theirs(text, answers_the_bot=True):
                continue
            label = int(intent == layer.POSITIVE)
            lookalike = path.resolve() in staged and not label
            old_label, old_alike = seen.get(text, (0, False))
            seen[text] = (max(old_label, label), old_alike or lookalike)
    texts = list(seen)
    return texts, [seen[t][0] for t in texts], [seen[t][1] for t in texts]


def choose_threshold(scores: np.ndarray, labels: list[int], lookalike: list[bool]) -> tuple[float, dict]:
    y, alike = np.array(labels), np.array(lookalike)
    ordinary = y == 0
    cut = 0.99
    for threshold in np.arange(0.30, 0.99, 0.01):
        hits = scores >= threshold
        if hits[ordinary].mean() <= layer.MAX_FALSE_ASKS and hits[alike].mean() <= layer.MAX_LOOKALIKE_ASKS:
            cut = round(float(threshold), 2)
            break
    hits = scores >= cut
    report = {
        "positive_lines": int(y.sum()),
        "ordinary_lines": int(ordinary.sum()),
        "lookalike_lines": int(alike.sum()),
        "threshold": cut,
        "cv_recall": round(float(hits[y == 1].mean()), 3),
        "cv_lookalike_asks": round(float(hits[alike].mean()), 3),
        "cv_ordinary_asks": round(float(hits[ordinary].mean()), 4),
    }
    return cut, report


def main() -> int:
    digest = layer.training_digest()

    def train() -> dict:
        texts, labels, lookalike = examples()
        settings = {"c": layer.C, "min_df": layer.MIN_DF}
        cut, report = choose_threshold(cross_validated(texts, labels, **settings), labels, lookalike)
        vectorizer, model = fit(texts, labels, **settings)
        return export(vectorizer, model, threshold=cut, check=cut, digest=digest, training=report)

    return command_line("number classifier", "number-classifier", layer.WEIGHTS, digest, train)


if __name__ == "__main__":
    raise SystemExit(main())
