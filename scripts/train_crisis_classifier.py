"""Train the crisis net's classifier (api.safety.classifier) and write its weights beside that module.

Runs in the bot environment, where scikit-learn ships with Rasa; the API only reads the weights.

    .venv/bot/bin/python scripts/train_crisis_classifier.py          # train when the data changed
    .venv/bot/bin/python scripts/train_crisis_classifier.py --check  # exit 1 when the weights are stale

Crisis lines are every `urgent_help` example; everything else is ordinary, the look-alikes written for this
net among them. The threshold is chosen by cross-validation on the training data alone (never on
bench/crisis_eval): the lowest probability at which no more than MAX_FALSE_ALARMS of the ordinary lines
that mention illness, children, help or staff would be taken for a crisis.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.safety import classifier as crisis_classifier  # noqa: E402  (stdlib and yaml only)

MAX_FALSE_ALARMS, MAX_CHECKS = crisis_classifier.MAX_FALSE_ALARMS, crisis_classifier.MAX_CHECKS
C, MIN_DF = crisis_classifier.C, crisis_classifier.MIN_DF
LOOKALIKE_WORDS = crisis_classifier.LOOKALIKE_WORDS


def examples() -> tuple[list[str], list[int], list[bool]]:
    """(texts, labels, look-alike flags) from every training file; duplicates kept once."""
    seen: dict[str, int] = {}
    for path in crisis_classifier.training_paths():
        for intent, text in crisis_classifier.example_lines(path):
            if intent is not None:
                seen[text] = max(seen.get(text, 0), int(intent == "urgent_help"))
    texts = list(seen)
    labels = [seen[t] for t in texts]
    lookalike = [
        not label and any(w in t.lower() for w in LOOKALIKE_WORDS)
        for t, label in zip(texts, labels, strict=True)
    ]
    return texts, labels, lookalike


def fit(
    texts: list[str], labels: list[int], *, c: float | None = None, min_df: int | None = None
) -> tuple[TfidfVectorizer, LogisticRegression]:
    """The crisis net's C and MIN_DF unless given (read at the call: a test may set the module's)."""
    min_df = MIN_DF if min_df is None else min_df
    vectorizer = TfidfVectorizer(analyzer=crisis_classifier.features, sublinear_tf=True, min_df=min_df)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(
        C=C if c is None else c, class_weight="balanced", max_iter=2000, solver="liblinear"
    )
    model.fit(matrix, labels)
    return vectorizer, model


def cross_validated(texts: list[str], labels: list[int], **fit_args: float) -> np.ndarray:
    scores = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    for train, test in folds.split(texts, labels):
        vectorizer, model = fit([texts[i] for i in train], [labels[i] for i in train], **fit_args)
        scores[test] = [window_score(vectorizer, model, texts[i]) for i in test]
    return scores


def window_score(vectorizer: TfidfVectorizer, model: LogisticRegression, text: str) -> float:
    """As the API scores a message: the highest of the whole message and its windows."""
    pieces = crisis_classifier.windows(text)
    return float(model.predict_proba(vectorizer.transform(pieces))[:, 1].max())


def lowest_threshold(scores: np.ndarray, lookalike: np.ndarray, share: float) -> float:
    """The lowest cut-off at which at most `share` of the look-alike ordinary lines would be hit."""
    for threshold in np.arange(0.30, 0.99, 0.01):
        if (scores[lookalike] >= threshold).mean() <= share:
            return round(float(threshold), 2)
    return 0.99


def choose_thresholds(
    scores: np.ndarray, labels: list[int], lookalike: list[bool]
) -> tuple[float, float, dict]:
    """The alarm and check cut-offs from cross-validated scores, and what they did there."""
    y, alike = np.array(labels), np.array(lookalike)
    alarm = lowest_threshold(scores, alike, MAX_FALSE_ALARMS)
    check = min(alarm, lowest_threshold(scores, alike, MAX_CHECKS))
    report = {
        "crisis_lines": int(y.sum()),
        "ordinary_lines": int((y == 0).sum()),
        "lookalike_lines": int(alike.sum()),
    }
    for name, cut in (("alarm", alarm), ("check", check)):
        hits = scores >= cut
        report[name] = {
            "threshold": cut,
            "cv_recall": round(float(hits[y == 1].mean()), 3),
            "cv_lookalike_hits": round(float(hits[alike].mean()), 3),
            "cv_ordinary_hits": round(float(hits[y == 0].mean()), 4),
        }
    return alarm, check, report


def export(
    vectorizer: TfidfVectorizer,
    model: LogisticRegression,
    *,
    threshold: float,
    check: float,
    digest: str,
    training: dict,
) -> dict:
    """The weights as api.safety.classifier reads them: per feature its idf and its coefficient."""
    coefficients = model.coef_[0]
    return {
        "digest": digest,
        "threshold": threshold,
        "check": check,
        "intercept": round(float(model.intercept_[0]), 6),
        "training": training,
        "features": [
            [feature, round(float(vectorizer.idf_[column]), 5), round(float(coefficients[column]), 5)]
            for feature, column in sorted(vectorizer.vocabulary_.items())
        ],
    }


def command_line(name: str, target: str, weights: Path, digest: str, train: Callable[[], dict]) -> int:
    """`--check` (exit 1 when stale) or train when the data changed (`--force`: anyway), and save."""
    parser = argparse.ArgumentParser(description=f"Train the {name}.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the weights are stale")
    parser.add_argument("--force", action="store_true", help="train even when the data did not change")
    args = parser.parse_args()
    current = crisis_classifier.load(weights)
    if current is not None and current.digest == digest and not args.force:
        print(f"{name}: up to date ({digest})")
        return 0
    if args.check:
        print(f"{name}: stale — run `make {target}`", file=sys.stderr)
        return 1
    payload = train()
    blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    weights.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    report = json.dumps(payload["training"])
    print(f"{name}: trained ({digest}), {len(payload['features'])} features, {report}")
    return 0


def main() -> int:
    digest = crisis_classifier.training_digest()

    def train() -> dict:
        texts, labels, lookalike = examples()
        alarm, check, report = choose_thresholds(cross_validated(texts, labels), labels, lookalike)
        vectorizer, model = fit(texts, labels)
        return export(vectorizer, model, threshold=alarm, check=check, digest=digest, training=report)

    return command_line("crisis classifier", "crisis-classifier", crisis_classifier.WEIGHTS, digest, train)


if __name__ == "__main__":
    raise SystemExit(main())
