"""The TF-IDF + logistic-regression blend (bot/components/intent_blend.py): trained by SGD, its probabilities
computed from the coefficients, averaged into DIET's ranking, saved and loaded through skops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from components.intent_blend import IntentBlend
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

TRAINING = {
    "report_absence": [
        "ik kan morgen niet komen, ik ben ziek",
        "mijn kind is ziek, ik kom niet naar de afspraak",
        "i cannot come tomorrow, my son has fever",
        "ana marid, ma ba2dar aji bokra",
        "yarın gelemem, hastayım",
    ],
    "request_reschedule": [
        "kan de afspraak naar een andere dag",
        "can we move the appointment to next week",
        "mümkünse randevuyu başka güne alalım",
        "bghit nbeddel lmaw3id l nhar akhor",
    ],
    "ask_fine": [
        "krijg ik een boete",
        "will i get a fine from DUO",
        "ceza alır mıyım",
        "boete ma la i siin doonaa",
    ],
}


def blend(tmp_path: Path, **config: object) -> IntentBlend:
    storage = LocalModelStorage(tmp_path)
    component = IntentBlend.create(config, storage, Resource("blend"), None)  # type: ignore[arg-type]
    examples = [Message.build(text=t, intent=i) for i, texts in TRAINING.items() for t in texts]
    component.train(TrainingData(examples))
    return component


def diet_said(text: str, ranking: dict[str, float]) -> Message:
    ordered = sorted(ranking.items(), key=lambda item: -item[1])
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": ordered[0][0], "confidence": ordered[0][1]},
            INTENT_RANKING_KEY: [{"name": n, "confidence": c} for n, c in ordered],
        }
    )


def test_its_probabilities_are_scikit_learns(tmp_path):
    component = blend(tmp_path)
    texts = ["ik ben ziek morgen", "krijg ik boete", "another day please", "xyz"]
    features = component._features(texts)
    assert np.allclose(component._probabilities(features), component.model.predict_proba(features))


@pytest.mark.parametrize(
    ("text", "intent"),
    [("mijn dochter is ziek, ik kan niet komen", "report_absence"), ("krijg ik dan een boete?", "ask_fine")],
)
def test_alone_it_reads_the_text(tmp_path, text, intent):
    component = blend(tmp_path, weight=1.0)
    message = Message(data={TEXT: text})
    component.process([message])
    assert message.get(INTENT)["name"] == intent
    assert sum(r["confidence"] for r in message.get(INTENT_RANKING_KEY)) == pytest.approx(1.0)


def test_it_averages_its_view_into_diets_ranking(tmp_path):
    component = blend(tmp_path, weight=0.5)
    text = "ik kan morgen niet komen, mijn kind is ziek"
    alone = component._probabilities(component._features([text]))[0]
    own = dict(zip(component.model.classes_, alone, strict=True))
    message = diet_said(text, {"request_reschedule": 0.6, "report_absence": 0.3, "ask_fine": 0.1})
    component.process([message])
    ranking = {r["name"]: r["confidence"] for r in message.get(INTENT_RANKING_KEY)}
    assert ranking["report_absence"] == pytest.approx(0.5 * own["report_absence"] + 0.5 * 0.3)
    assert ranking["request_reschedule"] == pytest.approx(0.5 * own["request_reschedule"] + 0.5 * 0.6)
    assert message.get(INTENT)["name"] == max(ranking, key=ranking.get)


def test_it_is_saved_and_loaded_with_only_trusted_types(tmp_path):
    component = blend(tmp_path)
    loaded = IntentBlend.load({}, component._storage, component._resource, None)  # type: ignore[arg-type]
    texts = ["can we move it to monday", "ceza var mı"]
    assert loaded.model is not None
    assert np.allclose(
        loaded._probabilities(loaded._features(texts)), component._probabilities(component._features(texts))
    )


def test_the_skeleton_view_is_saved_with_it_and_joins_the_scripts(tmp_path):
    """With `skeleton_ngram_range`, an Arabic-script line meets its Arabizi spelling in the training data."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "skeleton").mkdir()
    plain, read = blend(tmp_path / "plain"), blend(tmp_path / "skeleton", skeleton_ngram_range=[2, 5])
    text = "انا مريض ما بقدر اجي بكرا"  # "ana marid, ma ba2dar aji bokra" in Arabic script
    absence = list(read.model.classes_).index("report_absence")
    with_it = read._probabilities(read._features([text]))[0][absence]
    without = plain._probabilities(plain._features([text]))[0][absence]
    assert with_it > without + 0.1
    loaded = IntentBlend.load({}, read._storage, read._resource, None)  # type: ignore[arg-type]
    assert loaded.consonants is not None
    assert np.allclose(loaded._probabilities(loaded._features([text])), read._probabilities(read._features([text])))
