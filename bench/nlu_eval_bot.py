"""Runs inside the bot environment (Python 3.10): parse the held-out NLU split with the trained model.

Prints one JSON document: per language the intent macro-F1, the confusion pairs and parse times.
Never trained on: bench/nlu_heldout/ is outside bot/data/.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent


async def evaluate(model: str) -> dict:
    agent = Agent.load(model)
    result = {}
    for path in sorted((ROOT / "bench" / "nlu_heldout").glob("*.yml")):
        data = load_data(str(path))
        truth, predicted, times = [], [], []
        for example in data.intent_examples:
            started = time.perf_counter()
            parsed = await agent.parse_message(example.get("text"))
            times.append((time.perf_counter() - started) * 1000)
            truth.append(example.get("intent"))
            predicted.append(parsed["intent"]["name"])
        confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
        result[path.stem] = {
            "examples": len(truth),
            "macro_f1": f1_score(
                truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0
            ),
            "accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(1, len(truth)),
            "median_parse_ms": statistics.median(times) if times else 0.0,
            "p95_parse_ms": sorted(times)[int(0.95 * (len(times) - 1))] if times else 0.0,
            "confusions": [[t, p, n] for (t, p), n in confusions.most_common(5)],
        }
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(evaluate(sys.argv[1]))))
