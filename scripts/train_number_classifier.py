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

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_crisis_classifier import cross_validated, export, fit  # noqa: E402  (same features and fit)

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the weights are stale")
    parser.add_argument("--force", action="store_true", help="train even when the data did not change")
    args = parser.parse_args()
    digest = layer.training_digest()
    current = linear.load(layer.WEIGHTS)
    if current is not None and current.digest == digest and not args.force:
        print(f"number classifier: up to date ({digest})")
        return 0
    if args.check:
        print("number classifier: stale — run `make number-classifier`", file=sys.stderr)
        return 1
    texts, labels, lookalike = examples()
    settings = {"c": layer.C, "min_df": layer.MIN_DF}
    cut, report = choose_threshold(cross_validated(texts, labels, **settings), labels, lookalike)
    vectorizer, model = fit(texts, labels, **settings)
    payload = export(vectorizer, model, threshold=cut, check=cut, digest=digest, training=report)
    blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    layer.WEIGHTS.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    print(f"number classifier: trained ({digest}), {len(payload['features'])} features, {json.dumps(report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
