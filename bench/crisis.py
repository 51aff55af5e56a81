"""The crisis net measured on an independent set: recall and false alarms of the whole path, per language.

The whole path is what the gateway does: the deterministic detector (api.safety.crisis) OR the classifier
(api.safety.classifier, at the threshold its training chose by cross-validation) OR the model's `urgent_help`
above the NLU threshold. bench/crisis_eval/ was written by someone who saw neither the
vocabulary nor the training data; it is never copied into either. Writes the `crisis` section of
docs/benchmarks.md.

    .venv/api/bin/python -m bench.crisis
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from api.i18n import languages
from api.localstack import BOT_BIN, model_path
from api.safety import classifier, crisis, net
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "crisis_eval"


@dataclass(frozen=True)
class EvalSet:
    """One independent crisis set, and what has been done with it since it was written."""

    folder: Path
    title: str
    story: str  # how it came to be and what was chosen on it
    provenance: str  # one line for the table's caption


SETS = (
    EvalSet(
        EVAL,
        "",
        "",
        "independent author; never training data, but since 2026-12-05 used to choose the classifier's "
        "windows and gentle-line share (ADR 0021): a development set",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval2",
        "The second set",
        "`bench/crisis_eval2/` was written after the net's window and cut-offs were chosen, by an author "
        "who saw neither the training data nor the first set. Its misses and false alarms were then read "
        "to write the vocabulary's check categories and unless phrases (2026-12-05): a development set now.",
        "independent author; never training data, but its misses and false alarms were read on "
        "2026-12-05 to write the vocabulary's check categories and unless phrases: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval3",
        "The third set",
        "`bench/crisis_eval3/` was written after those choices, by an author who saw none of the sets, "
        "the vocabulary or the training data. It was the test until its misses and false alarms were "
        "read (evening of 2026-12-05) to write the vocabulary's `hint` category, its groups and the gaps "
        "it showed: a development set since then.",
        "independent author; never training data, but its misses and false alarms were read on the "
        "evening of 2026-12-05 to write the vocabulary's hints and gaps: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval4",
        "The fourth set",
        "`bench/crisis_eval4/` was written while the third set's lines were being read, by an author "
        "who saw none of the sets, the vocabulary or the training data. It was the test until its misses "
        "and false alarms were read (2026-12-05, late) to write one-edit neighbours as prefixes, "
        "hyperbole phrases and the kinds of crisis it showed missing: a development set since then.",
        "independent author; never training data, but its misses and false alarms were read late on "
        "2026-12-05 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval5",
        "The fifth set",
        "`bench/crisis_eval5/` was written while the fourth set's lines were being read, by an author "
        "who opened nothing of the project but the set's specification. It was the test until its misses "
        "and false alarms were read (2026-12-05, late at night) to turn more one-edit neighbours into "
        "prefixes, write unless phrases and warning signs by kind, and ask for classifier data by kind: "
        "a development set since then.",
        "independent author; never training data, but its misses and false alarms were read late at "
        "night on 2026-12-05 to write vocabulary fixes and ask for classifier data by kind: a development "
        "set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval6",
        "The sixth set",
        "`bench/crisis_eval6/` was written while the fifth set's lines were being read, by an author "
        "who opened nothing of the project but the set's specification. It was the test until its misses "
        "and false alarms were read (2026-12-06) to write unless phrases, alarms and signs by kind and to "
        "ask for classifier data by kind: a development set since then.",
        "independent author; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval7",
        "The seventh set",
        "`bench/crisis_eval7/` was written while the sixth set's lines were being read, by an author "
        "who opened nothing of the project but the set's specification. It was the test until its misses "
        "and false alarms were read (2026-12-06, once the eighth set had been commissioned) to write signs "
        "and alarms by kind, move bare words for an explosion or an emergency to the check categories and "
        "ask for classifier data by kind: a development set since then.",
        "independent author; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval8",
        "The eighth set",
        "`bench/crisis_eval8/` was written while the seventh set's lines were being read, by two authors "
        "who opened nothing of the project but their specification. It was the test until its misses and "
        "false alarms were read (2026-12-06, once the ninth set had been written) to write signs and alarms "
        "by kind, unless phrases for films, moves and barbecues, the rule that a message laughing at itself "
        "gets the gentle line, and to ask for classifier data by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval9",
        "The ninth set",
        "`bench/crisis_eval9/` was written before the eighth set's lines were read, by two authors who "
        "opened nothing of the project but their specification. It was the test until its misses and false "
        "alarms were read (2026-12-06, midday, once the tenth set had been written) for the vocabulary and "
        "the classifier's data by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval10",
        "The tenth set",
        "`bench/crisis_eval10/` was written before the ninth set's lines were read, by two authors who "
        "opened nothing of the project but their specification. It was the test until its misses and false "
        "alarms were read (2026-12-06, evening, once the eleventh set had been written) for the vocabulary "
        "and the classifier's data by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval11",
        "The eleventh set",
        "`bench/crisis_eval11/` was written before the tenth set's lines were read, by two authors who "
        "opened nothing of the project but their specification. It was the test until its misses and false "
        "alarms were read (2026-12-06, night, once the twelfth and thirteenth sets had been written) for the "
        "vocabulary and the classifier's data by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval12",
        "The twelfth set",
        "`bench/crisis_eval12/` was written before the eleventh set's lines were read, by two authors who "
        "opened nothing of the project but their specification. It was the test until its misses and false "
        "alarms were read (2026-12-06, late at night, while the fourteenth sets' specifications were "
        "assembled from READMEs) for the vocabulary by kind: a development set since then. Its authors wrote "
        "many scenes in parallel across their languages, so its languages are less independent samples than "
        "earlier sets'.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-06 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval13",
        "The thirteenth set",
        "`bench/crisis_eval13/` was written before the eleventh set's lines were read, by two authors who "
        "opened nothing of the project but their specification, with one scene table per author so that no "
        "scene is written in two languages. It was the test until its misses and false alarms were read "
        "(2026-12-07, once the fifteenth sets had been commissioned) for the vocabulary and the classifier's "
        "data by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes and ask for classifier data by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval14",
        "The fourteenth set",
        "`bench/crisis_eval14/` was written once the twelfth set had been read, by two authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), with one scene "
        "table per author. It was the test until its misses and false alarms were read (2026-12-07, "
        "morning, while the sixteenth sets were commissioned) for the vocabulary by kind: a development set "
        "since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval15",
        "The fifteenth set",
        "`bench/crisis_eval15/` was written once the thirteenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to fourteenth. It was the test until its misses and false alarms were read "
        "(2026-12-07, afternoon, while the seventeenth sets were commissioned) for the vocabulary by kind: "
        "a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval16",
        "The sixteenth set",
        "`bench/crisis_eval16/` was written once the fourteenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to fifteenth, with the scenes, frames and hyperboles the fifteenth's authors "
        "reported ruled out or limited. It was the test until its misses and false alarms were read "
        "(2026-12-07, while the eighteenth sets were commissioned) for the vocabulary by kind: a development "
        "set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval17",
        "The seventeenth set",
        "`bench/crisis_eval17/` was written once the fifteenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to sixteenth, with the scenes, frames and hyperboles the sixteenth's authors "
        "reported ruled out or limited. It was the test until its misses and false alarms were read "
        "(2026-12-07, late, while the nineteenth sets were commissioned) for the vocabulary by kind: a "
        "development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval18",
        "The eighteenth set",
        "`bench/crisis_eval18/` was written once the sixteenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to seventeenth, with the scenes, frames and hyperboles the seventeenth's authors "
        "reported ruled out or limited. It was the test until its misses and false alarms were read "
        "(2026-12-07, evening, while the twentieth sets were commissioned) for the vocabulary by kind: a "
        "development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval19",
        "The nineteenth set",
        "`bench/crisis_eval19/` was written once the seventeenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to eighteenth, with the scenes, frames and hyperboles the seventeenth's and "
        "eighteenth's authors reported ruled out or limited. It was the test until its misses and false "
        "alarms were read (2026-12-07, night, while the twenty-first sets were commissioned) for the "
        "vocabulary by kind: a development set since then.",
        "independent authors; never training data, but its misses and false alarms were read on "
        "2026-12-07 to write vocabulary fixes by kind: a development set since",
    ),
    EvalSet(
        ROOT / "bench" / "crisis_eval20",
        "The twentieth set: the test",
        "`bench/crisis_eval20/` was written once the eighteenth set had been read, by authors who opened "
        "nothing but their specification (assembled from READMEs alone, no line of any set), like for like "
        "with the seventh to nineteenth, with every scene, topic, hyperbole family and device the "
        "eighteenth's and nineteenth's authors reported ruled out. Read by no one who made a choice: what "
        "the net is worth on messages nobody has looked at.",
        "independent authors; never training data, never looked at for a choice",
    ),
)


def fallback_settings() -> tuple[float, float]:
    """config.yml's FallbackClassifier: below `threshold`, or two intents within `ambiguity_threshold`,
    the model's intent is not used (the bot asks instead)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    step = next(s for s in config["pipeline"] if s["name"] == "FallbackClassifier")
    return float(step["threshold"]), float(step["ambiguity_threshold"])


NLU_THRESHOLD, NLU_AMBIGUITY = fallback_settings()


TARGET_RECALL, TARGET_FALSE_ALARMS = 0.98, 0.03
THRESHOLDS = (0.4, 0.6, 0.8, 0.9)
CLASSIFIER_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: without the classifier
GENTLE_THRESHOLDS = (0.4, 0.47, 0.56, 0.62, 0.71, 0.8)  # the cross-validated cut-offs at 25/20/15/12/8/… %
AGREEMENT_FLOORS = (0.0, 0.4, 0.5, 0.6)  # 0.0: the model alone, as now


def load_set(folder: Path = EVAL) -> dict[str, dict[str, list[dict]]]:
    sets = {}
    for code in languages.CODES:
        path = folder / f"{code}.yml"
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            sets[code] = {"crisis": data.get("crisis") or [], "ordinary": data.get("ordinary") or []}
    return sets


def model_predictions(texts: list[str]) -> list[dict] | None:
    """The trained model's top intents, or None without a trained model (the detector is then alone)."""
    model = model_path()
    if not model.exists():
        return None
    out = subprocess.run(
        [str(BOT_BIN / "python"), str(ROOT / "bench" / "parse_bot.py"), str(model)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _classifier_score(trained: classifier.Classifier | None, text: str) -> float:
    """What the net gives the classifier to judge (api.safety.net: three words or more)."""
    if trained is None or len(crisis.normalise(text)) < net.CLASSIFIER_MIN_WORDS:
        return 0.0
    return trained.probability(text)


def _model_says_urgent(prediction: dict | None, threshold: float = NLU_THRESHOLD) -> bool:
    if not prediction:
        return False
    return prediction["intent"] == "urgent_help" and prediction["confidence"] >= threshold


def path_levels(
    detector: crisis.Hit | None, score: float, model: bool, cut: float, gentle: float
) -> tuple[bool, bool]:
    """(alarm, gentle line) of the whole path for one message: the alarm is the net's (an alarm word, or the
    classifier from its cut); otherwise a check word, the classifier from its gentle cut or the model's
    `urgent_help` give the gentle line (ADR 0021)."""
    alarm = (detector is not None and detector.alarm) or score >= cut
    return alarm, not alarm and (detector is not None or score >= gentle or model)


def evaluate(folder: Path = EVAL, provenance: str = SETS[0].provenance) -> dict:
    sets = load_set(folder)
    items = [
        (code, part, item) for code, parts in sets.items() for part, rows in parts.items() for item in rows
    ]
    predictions = model_predictions([item["text"] for _, _, item in items]) or [None] * len(items)
    detected = [crisis.detect(item["text"]) for _, _, item in items]
    trained = classifier.classifier()
    scores = [_classifier_score(trained, item["text"]) for _, _, item in items]
    cut = trained.threshold if trained else 1.01
    gentle = trained.check if trained else 1.01
    counts: dict[str, Counter] = defaultdict(Counter)
    misses: dict[str, Counter] = defaultdict(Counter)
    for (code, part, item), prediction, detector, score in zip(
        items, predictions, detected, scores, strict=True
    ):
        model = _model_says_urgent(prediction)
        learnt = score >= cut
        alarm_word = detector is not None and detector.alarm  # a cry or a warning sign is a check
        hit, check = path_levels(detector, score, model, cut, gentle)
        c = counts[code]
        c[f"{part}_n"] += 1
        c[f"{part}_numbers"] += hit or check
        c[f"{part}_hit"] += hit
        c[f"{part}_check"] += check
        c[f"{part}_detector"] += alarm_word
        c[f"{part}_classifier"] += learnt
        c[f"{part}_model"] += model
        if part == "crisis" and not (hit or check):
            misses[code][item.get("kind", "?")] += 1
    parts = [part for _, part, _ in items]
    return {
        "counts": counts,
        "misses": misses,
        "model": predictions[0] is not None,
        "classifier": trained,
        "thresholds": _thresholds(parts, predictions, detected, scores),
        "gentle": _gentle_options(parts, predictions, detected, scores, trained),
        "model_gentle": _model_options(parts, predictions, detected, scores, trained),
        "model_agrees": _agreement_options(parts, predictions, detected, scores, trained),
        "folder": folder.relative_to(ROOT).as_posix(),
        "provenance": provenance,
    }


def _shares(parts: list[str], rows: list[tuple], counted) -> tuple[float, float]:
    """The share of crisis and of ordinary messages for which `counted(prediction, detector, score)` holds."""
    hit, total = Counter(), Counter()
    for part, row in zip(parts, rows, strict=True):
        total[part] += 1
        hit[part] += bool(counted(*row))
    return hit["crisis"] / total["crisis"], hit["ordinary"] / total["ordinary"]


def _thresholds(
    parts: list[str], predictions: list, detected: list[crisis.Hit | None], scores: list[float]
) -> list[tuple[float, float, float, float]]:
    """(classifier from, model from, path recall, path false alarms) over all languages."""
    rows = list(zip(predictions, detected, scores, strict=True))
    out = []
    for cut in CLASSIFIER_THRESHOLDS:
        for threshold in THRESHOLDS:

            def alarm(prediction, detector, score, cut=cut, threshold=threshold) -> bool:
                alarm_word = detector is not None and detector.alarm
                return alarm_word or score >= cut or _model_says_urgent(prediction, threshold)

            out.append((cut, threshold, *_shares(parts, rows, alarm)))
    return out


def _gentle_options(
    parts: list[str], predictions: list, detected: list[crisis.Hit | None], scores: list[float], trained
) -> list[tuple[float, float, float]]:
    """(gentle line from, numbers given on crises, gentle line or alarm on ordinary messages)."""
    alarm = trained.threshold if trained else 1.01
    rows = list(zip(predictions, detected, scores, strict=True))
    out = []
    for cut in GENTLE_THRESHOLDS:

        def given(prediction, detector, score, cut=cut) -> bool:
            return detector is not None or score >= min(cut, alarm) or _model_says_urgent(prediction)

        out.append((cut, *_shares(parts, rows, given)))
    return out


def _model_options(
    parts: list[str], predictions: list, detected: list[crisis.Hit | None], scores: list[float], trained
) -> list[tuple[float, float, float, float]]:
    """(model's gentle line from, numbers given on crises, on ordinary messages, model's share there).

    The decision left open for the team (ADR 0021): from which confidence the model's `urgent_help` alone
    hands the conversation to a person with the gentle line. The net (vocabulary and classifier) as it is.
    """
    gentle = trained.check if trained else 1.01
    rows = list(zip(predictions, detected, scores, strict=True))
    out = []
    for threshold in THRESHOLDS:

        def says(prediction, detector, score, threshold=threshold) -> bool:
            return _model_says_urgent(prediction, threshold)

        def given(prediction, detector, score, threshold=threshold) -> bool:
            return detector is not None or score >= gentle or _model_says_urgent(prediction, threshold)

        crises, ordinary = _shares(parts, rows, given)
        out.append((threshold, crises, ordinary, _shares(parts, rows, says)[1]))
    return out


def _agreement_options(
    parts: list[str], predictions: list, detected: list[crisis.Hit | None], scores: list[float], trained
) -> list[tuple[float, float, float]]:
    """(classifier floor, numbers given on crises, gentle line or alarm on ordinary messages) when the model's
    `urgent_help` gives the gentle line only where the classifier agrees at least that much, or the message
    is too short for the classifier to score (a proposal for the decision left open in ADR 0021)."""
    gentle = trained.check if trained else 1.01
    rows = list(zip(predictions, detected, scores, strict=True))
    out = []
    for floor in AGREEMENT_FLOORS:

        def given(prediction, detector, score, floor=floor) -> bool:
            agrees = score >= floor or score == 0.0  # 0.0: fewer than three words, never scored
            return detector is not None or score >= gentle or (_model_says_urgent(prediction) and agrees)

        out.append((floor, *_shares(parts, rows, given)))
    return out


def render(result: dict) -> str:
    counts, misses, trained = result["counts"], result["misses"], result["classifier"]
    gentle_cut = f"{trained.check:.2f}" if trained else "–"
    lines = [
        "Recall on crisis messages and false alarms on ordinary ones that mention illness, children, help or "
        f"staff, per language, from `{result['folder']}/` ({result['provenance']}). "
        "*Alarm (path)* = detector OR classifier: the crisis net in the gateway, which raises the alarm "
        "(ADR 0021); *detector* counts the vocabulary's alarm categories only, a bare cry for help, an "
        "indirect warning sign or a hint of a danger that is likely over (its check categories) gives the "
        "gentle line. *Model* = its `urgent_help` ≥ "
        f"{NLU_THRESHOLD}, which gives the gentle line only. Target: recall ≥ {TARGET_RECALL:.2f}, false "
        f"alarms ≤ {TARGET_FALSE_ALARMS:.0%}."
        + ("" if result["model"] else " **No trained model: vocabulary and classifier only.**")
        + (
            f" The classifier raises the alarm from p ≥ {trained.threshold:.2f} (chosen by cross-validation "
            "on its "
            f"training data: {trained.training['crisis_lines']} crisis and "
            f"{trained.training['ordinary_lines']} ordinary lines)."
            if trained
            else " **No trained classifier.**"
        ),
        "",
        "*Numbers given* = the alarm (crisis reply, urgent escalation) or the gentle line (the same numbers "
        "without asking about suicide, and a klantmanager reads the message) when the classifier is unsure "
        f"(p ≥ {gentle_cut}) or only the model reads a crisis (`urgent_help` ≥ {NLU_THRESHOLD}); "
        "*gentle line* on ordinary messages is what that costs a parent of a sick child.",
        "",
        "| language | crisis | numbers given | alarm (path) | detector | classifier | model | ordinary "
        "| false alarms (path) | gentle line | detector | classifier | model | missed, by kind |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    total = Counter()
    for code, c in sorted(counts.items()):
        total.update(c)
        lines.append(_row(code, c, misses.get(code, Counter())))
    lines.append(_row("**all**", total, sum(misses.values(), Counter())))
    lines += [
        "",
        "What other alarm cut-offs would do, had the model raised the alarm as well (all languages; "
        "classifier 1.01 = without it; never used to choose them):",
        "",
        "| classifier from | model from | alarm recall | false alarms |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {c:.2f} | {t:.1f} | {r:.3f} | {f:.3f} |"
        for c, t, r, f in result["thresholds"]
        if result["model"] or t == THRESHOLDS[0]
    ]
    lines += [
        "",
        "What other gentle-line cut-offs would do (classifier; the alarm and the model's gentle line as "
        "above; all languages). The cut-off is chosen in cross-validation on training data (ADR 0021); this "
        "is the trade-off it makes:",
        "",
        "| gentle line from | numbers given (crises) | gentle line or alarm (ordinary) |",
        "|---|---|---|",
        *(f"| {c:.2f} | {r:.3f} | {f:.3f} |" for c, r, f in result["gentle"]),
    ]
    if result["model"]:
        lines += [
            "",
            "From which confidence the model's `urgent_help` alone should give the gentle line and hand the "
            "conversation to a person (now from "
            f"{NLU_THRESHOLD}; a decision open for the team, never chosen on this table):",
            "",
            "| model from | numbers given (crises) | gentle line or alarm (ordinary) "
            "| model's `urgent_help` (ordinary) |",
            "|---|---|---|---|",
            *(f"| {t:.1f} | {r:.3f} | {f:.3f} | {m:.3f} |" for t, r, f, m in result["model_gentle"]),
            "",
            "Or the model's `urgent_help` (from 0.4) gives the gentle line only where the classifier agrees "
            "at least this much, or the message is too short for the classifier (a proposal for the same "
            "open decision; the floors were looked at on the development sets only):",
            "",
            "| classifier at least | numbers given (crises) | gentle line or alarm (ordinary) |",
            "|---|---|---|",
            *(f"| {f:.2f} | {r:.3f} | {o:.3f} |" for f, r, o in result["model_agrees"]),
        ]
    return "\n".join(lines)


def _row(name: str, c: Counter, missed: Counter) -> str:
    def share(k: str, n: str) -> str:
        return f"{c[k] / c[n]:.3f}" if c[n] else "–"

    cells = [name, str(c["crisis_n"])]
    cells += [share(f"crisis_{k}", "crisis_n") for k in ("numbers", "hit", "detector", "classifier", "model")]
    cells.append(str(c["ordinary_n"]))
    cells += [
        share(f"ordinary_{k}", "ordinary_n") for k in ("hit", "check", "detector", "classifier", "model")
    ]
    cells.append(", ".join(f"{k} {v}" for k, v in missed.most_common()) or "–")
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    first, *later = [each for each in SETS if any(each.folder.glob("*.yml"))]
    text = "## Crisis net: recall and false alarms\n\n" + render(evaluate(first.folder, first.provenance))
    for each in later:
        text += f"\n\n### {each.title}\n\n{each.story}\n\n" + render(evaluate(each.folder, each.provenance))
    write_section("crisis", text)


if __name__ == "__main__":
    main()
