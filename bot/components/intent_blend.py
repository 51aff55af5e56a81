"""TF-IDF + logistic regression over the raw text, blended with the intent ranking before it (DIET's).

Why: people write stories, mix languages and spell freely. DIET learns from the same n-grams, but a
linear model over TF-IDF weighted word and character n-grams is a strong, different view of the same
text; averaging the two probability distributions corrects many of the errors either makes alone
(measured side by side in `bench/nlu_pipelines.py`, written to docs/benchmarks.md).

Placed after DIETClassifier (which must rank every intent: `ranking_length: 0`) and before the
FallbackClassifier, which then sees the blended confidences. With `weight: 1.0` it is the TF-IDF + LR
baseline alone (no DIET needed before it). Everything it needs is in scikit-learn; nothing downloads.

The logistic regression is fitted by stochastic gradient descent (`SGDClassifier`, log loss, one model per
intent): 4 s on the 15,600 training lines and 200,000 n-grams where the full-batch solver took 210 s
(bench/nlu_pipelines.py measures both sides). Its probabilities are computed here from the coefficients
(the expit of each intent's score, normalised as scikit-learn does for one-vs-rest), with the coefficients
transposed once into C order: `coef_.T` is a Fortran-ordered view, and scipy copied all 25 × 200,000 of them
for every message (11–20 ms, in scikit-learn's own `predict_proba` too); the arithmetic takes 0.01 ms.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from components.skeleton import skeleton

logger = logging.getLogger(__name__)

# skops refuses to load any type not listed here: a model file cannot smuggle in other code.
TRUSTED_TYPES = [
    "builtins.dict",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._sgd_fast.Log",
    "sklearn.linear_model._sgd_fast.LogLoss",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentBlend(IntentClassifier, GraphComponent):
    """Blends a TF-IDF + logistic-regression intent model into the ranking DIET produced."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "weight": 0.5,  # share of the TF-IDF model in the blend; 1.0 = the TF-IDF model alone
            "alpha": 2e-6,  # L2 regularisation of the logistic regression (per training line)
            "char_ngram_range": [2, 5],
            "word_ngram_range": [1, 2],
            # Character n-grams of the consonant skeleton (components/skeleton.py), so that "bukra" meets
            # "بكرة" and "afspraak" meets "آفسپراک"; None: no skeleton view.
            "skeleton_ngram_range": None,
            "max_iter": 30,  # passes over the data; it converges in fewer
            "random_state": 2026,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.words: TfidfVectorizer | None = None
        self.chars: TfidfVectorizer | None = None
        self.consonants: TfidfVectorizer | None = None
        self.model: SGDClassifier | None = None
        self._weights: np.ndarray | None = None  # the model's coef_, transposed in C order (module docstring)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentBlend:
        return cls(config, model_storage, resource)

    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer, TfidfVectorizer | None]:
        common = {
            "lowercase": True,
            "sublinear_tf": True,
            "min_df": 1,
            "strip_accents": None,
            "dtype": np.float32,
        }
        word_range, char_range = (
            tuple(self.config["word_ngram_range"]),
            tuple(self.config["char_ngram_range"]),
        )
        words = TfidfVectorizer(
            analyzer="word", ngram_range=word_range, token_pattern=r"(?u)\b\w+\b", **common
        )
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=char_range, **common)
        skeleton_range = self.config.get("skeleton_ngram_range")
        consonants = (
            TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(skeleton_range), **common)
            if skeleton_range
            else None
        )
        return words, chars, consonants

    def _views(self, texts: list[str]) -> list[tuple[TfidfVectorizer, list[str]]]:
        """Each vectoriser with the text it reads: the message itself, or its consonant skeleton."""
        assert self.words is not None and self.chars is not None
        views = [(self.words, texts), (self.chars, texts)]
        if self.consonants is not None:
            views.append((self.consonants, [skeleton(text) for text in texts]))
        return views

    def _features(self, texts: list[str]) -> Any:
        return hstack([vectorizer.transform(read) for vectorizer, read in self._views(texts)]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        texts, labels = [e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples]
        self.words, self.chars, self.consonants = self._vectorizers()
        features = hstack([vectorizer.fit_transform(read) for vectorizer, read in self._views(texts)]).tocsr()
        self.model = SGDClassifier(
            loss="log_loss",
            alpha=self.config["alpha"],
            max_iter=self.config["max_iter"],
            tol=1e-4,
            class_weight="balanced",
            random_state=self.config["random_state"],
        )
        self.model.fit(features, labels)
        self._weights = self._transposed(self.model)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None or not messages:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self._probabilities(self._features(texts))
        for message, own in zip(messages, probabilities, strict=True):
            ranking = self._blend(message.get(INTENT_RANKING_KEY) or [], own)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:10], add_to_output=True)
        return messages

    @staticmethod
    def _transposed(model: SGDClassifier) -> np.ndarray:
        return np.ascontiguousarray(model.coef_.T)

    def _probabilities(self, features: Any) -> np.ndarray:
        """One-vs-rest probabilities, normalised per message, as scikit-learn's `predict_proba` gives them."""
        assert self.model is not None and self._weights is not None
        scores = np.asarray(features @ self._weights) + self.model.intercept_
        probabilities = expit(scores)
        if probabilities.shape[1] == 1:  # two intents: one score
            probabilities = np.hstack([1.0 - probabilities, probabilities])
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def _blend(self, before: list[dict[str, Any]], own: np.ndarray) -> list[dict[str, Any]]:
        """Average this model's distribution with the one before it (or use it alone, without one)."""
        assert self.model is not None
        weight = self.config["weight"] if before else 1.0
        scores = {str(name): weight * float(p) for name, p in zip(self.model.classes_, own, strict=True)}
        for entry in before:
            name = entry.get("name")
            if name:
                scores[name] = scores.get(name, 0.0) + (1.0 - weight) * float(entry.get("confidence") or 0.0)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        return [{"name": name, "confidence": confidence} for name, confidence in ranked]

    def persist(self) -> None:
        import skops.io as sio

        with self._storage.write_to(self._resource) as directory:
            parts = {
                "words": self.words,
                "chars": self.chars,
                "consonants": self.consonants,
                "model": self.model,
            }
            sio.dump(parts, directory / "blend.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentBlend:
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "blend.skops"
                untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
                if untrusted:
                    raise ValueError(f"untrusted types in {path.name}: {untrusted}")
                parts = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        except ValueError as error:
            logger.warning("intent_blend_not_loaded error=%s", error)
            return component
        component.words, component.chars, component.model = parts["words"], parts["chars"], parts["model"]
        component.consonants = parts.get("consonants")
        component._weights = component._transposed(component.model)
        return component
