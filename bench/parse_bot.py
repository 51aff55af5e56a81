"""Runs inside the bot environment (Python 3.10): the trained model's top intent for each line of stdin.

Reads a JSON list of texts on stdin and prints a JSON list of {"intent", "confidence", "ranking"} in the
same order (ranking: the first six of NLU's intent ranking, as the fallback action sees it).
Used by benchmarks that measure a whole path (detector + model) in the API environment.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rasa.core.agent import Agent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bot"))  # custom components (bot/components)


async def parse_all(model: str, texts: list[str]) -> list[dict]:
    agent = Agent.load(model)
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed["intent"]
        ranking = [
            {"name": r.get("name"), "confidence": float(r.get("confidence") or 0.0)}
            for r in (parsed.get("intent_ranking") or [])[:6]
        ]
        out.append(
            {
                "intent": intent.get("name"),
                "confidence": float(intent.get("confidence") or 0.0),
                "ranking": ranking,
            }
        )
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(parse_all(sys.argv[1], json.loads(sys.stdin.read())))))
