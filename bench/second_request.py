"""Two requests in one message: how often the bot offers the other request, and how often it offers
something nobody asked. Writes the `second_request` section of docs/benchmarks.md.

On bench/nlu_realistic/ (independent author, never trained on). A message labelled `two_intents` whose
second intent can be offered (a question, or a person to talk to) should get exactly that offer; every
other message should get none. The rule is the gateway's own (api/messaging/gateway/second_request.py),
with the trained model parsing the whole message and each of its sentences.

    .venv/api/bin/python -m bench.second_request
"""

from __future__ import annotations

from collections import Counter

from api.messaging.gateway import second_request
from bench.clarify import load_realistic
from bench.crisis import model_predictions
from bench.report import write_section

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def evaluate() -> dict[float, Counter]:
    rows = load_realistic()
    whole = model_predictions([e["text"] for _, e in rows])
    if whole is None:
        raise SystemExit("no trained model: make model")
    pieces = sorted({s for _, e in rows for s in second_request.sentences(e["text"])})
    parsed = dict(zip(pieces, model_predictions(pieces) or [], strict=True))
    results: dict[float, Counter] = {}
    for threshold in THRESHOLDS:
        c = Counter()
        for (_, example), prediction in zip(rows, whole, strict=True):
            offered = second_request.other_request(
                prediction["intent"],
                example["text"],
                lambda s: (parsed[s]["intent"], parsed[s]["confidence"]),
                min_confidence=threshold,
            )
            wanted = example.get("second_intent")
            if "two_intents" in (example.get("phenomena") or []) and wanted in second_request.OFFERABLE:
                c["should"] += 1
                c["right" if offered == wanted else ("wrong" if offered else "none")] += 1
            else:
                c["should_not"] += 1
                c["false_offer"] += offered is not None
        results[threshold] = c
    return results


def render(results: dict[float, Counter]) -> str:
    lines = [
        "On `bench/nlu_realistic/` (independent set). *Should offer*: messages with two requests whose "
        "second one the bot can offer (a question or a person); *false offers*: an offer on any other "
        f"message. The gateway uses {second_request.MIN_CONFIDENCE}, and only with OFFER_OTHER_REQUEST on "
        "(off by default until it offers the right request far more often than a wrong one).",
        "",
        "| sentence confidence from | should offer | offered the right one | offered another | none "
        "| other messages | false offers |",
        "|---|---|---|---|---|---|---|",
    ]
    for threshold, c in results.items():
        should, other = max(c["should"], 1), max(c["should_not"], 1)
        lines.append(
            f"| {threshold} | {c['should']} | {c['right'] / should:.0%} | {c['wrong'] / should:.0%} "
            f"| {c['none'] / should:.0%} | {c['should_not']} | {c['false_offer'] / other:.1%} |"
        )
    return "\n".join(lines)


def main() -> None:
    text = render(evaluate())
    write_section("second_request", "## Two requests in one message\n\n" + text)
    print(text)


if __name__ == "__main__":
    main()
