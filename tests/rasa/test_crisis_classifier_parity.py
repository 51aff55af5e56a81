"""The API reads the crisis classifier's weights the way scikit-learn trained them (bot environment only).

Training runs here, where scikit-learn ships with Rasa; inference runs in the API in plain Python. The two
must give the same probability, or the threshold chosen in training means something else in the gateway.
"""

from __future__ import annotations

import importlib.util
import sys

from support import ROOT

sys.path.insert(0, str(ROOT))
from api.safety import classifier  # noqa: E402  (stdlib and yaml only)

_spec = importlib.util.spec_from_file_location(
    "train_crisis", ROOT / "scripts" / "train_crisis_classifier.py"
)
train = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train)

CRISIS = [
    "mijn man slaat me en ik durf niet naar huis",
    "he said tonight i will pay for it, i am scared",
    "ik zie geen reden meer om door te gaan",
    "my father fell and his lips are blue",
    "zawji yadrebni kol yom",
    "shoharam mano mizanad komak",
]
ORDINARY = [
    "mijn zoon is ziek, ik kan morgen niet komen",
    "can you help me with the letter",
    "ik moet naar het ziekenhuis voor controle",
    "my father has a check-up at the hospital",
    "wanneer is mijn volgende afspraak",
    "ik ben moe van het wachten op DUO",
]


def test_plain_python_probabilities_equal_scikit_learns():
    texts, labels = CRISIS + ORDINARY, [1] * len(CRISIS) + [0] * len(ORDINARY)
    train.MIN_DF = 1
    vectorizer, model = train.fit(texts, labels)
    payload = train.export(vectorizer, model, threshold=0.5, check=0.4, digest="test", training={})
    ours = classifier.from_payload(payload)
    probe = texts + ["mijn man slaat mijn zoon", "help me with the form please", "", "???"]
    theirs = model.predict_proba(vectorizer.transform(probe))[:, 1]
    for text, expected in zip(probe, theirs):
        assert abs(ours.score(text) - expected) < 1e-3, text
    # A long message is scored as the training's cross-validation scored it: its best window counts.
    story = "de bus kwam weer te laat en de school belde over de toets, " + CRISIS[0]
    assert len(classifier.windows(story)) > 1
    expected = train.window_score(vectorizer, model, story)
    assert abs(ours.probability(story) - expected) < 1e-3
    assert ours.probability(story) > ours.score(story)
