"""NLU quality and speed: held-out macro-F1 per language, confusion pairs, parse time, training time and
the Rasa server's memory. Writes the `nlu` section of docs/benchmarks.md.

    .venv/api/bin/python -m bench.nlu
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

from api.localstack import BOT_BIN, model_path
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
BOT_PY = BOT_BIN / "python"
TARGET_F1 = 0.90


def _train_from_scratch_seconds() -> float | None:
    """Time a full training run into a scratch directory (the cached model is left alone)."""
    scratch = ROOT / "var" / "bench-train"
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bot" / "bin" / "rasa"),
            "train",
            "--config",
            str(ROOT / "config.yml"),
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(scratch),
            "--fixed-model-name",
            "scratch",
            "--force",
            "--skip-validation",  # as `make model` (bot/train.py) trains; `make test` validates
        ],
        cwd=ROOT / "bot",
        capture_output=True,
        check=False,
    )
    return time.monotonic() - started if result.returncode == 0 else None


def _rasa_memory_mb(model: Path) -> float | None:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bot" / "bin" / "rasa"),
            "run",
            "--enable-api",
            "--model",
            str(model),
            "-i",
            "127.0.0.1",
            "-p",
            "5095",
        ],
        cwd=ROOT / "bot",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:5095/status", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return rss_kb / 1024
    except (OSError, StopIteration):
        return None
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> None:
    argv = argv or []
    subprocess.run([str(BOT_PY), str(ROOT / "bot" / "train.py")], check=True)
    model = model_path()
    out = subprocess.run(
        [str(BOT_PY), str(ROOT / "bench" / "nlu_eval_bot.py"), str(model)],
        capture_output=True,
        text=True,
        check=True,
    )
    results = json.loads(out.stdout.strip().splitlines()[-1])
    nonsense = results.pop("nonsense")
    if "--no-train" in argv:
        # The last `make model` (bot/train.py) wrote its own time; on a busy machine it is an upper bound.
        last = ROOT / "models" / "last-training-seconds.txt"
        train_s = float(last.read_text()) if last.exists() else None
    else:
        train_s = _train_from_scratch_seconds()
    memory = _rasa_memory_mb(model)
    rows = [
        "| language | held-out examples | intent macro-F1 | accuracy | median parse ms | p95 parse ms | "
        "most frequent confusions (true → predicted ×n) |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang, r in results.items():
        flag = "" if r["macro_f1"] >= TARGET_F1 else " **below 0.90**"
        conf = "; ".join(f"{t} → {p} ×{n}" for t, p, n in r["confusions"]) or "none"
        rows.append(
            f"| {lang} | {r['examples']} | {r['macro_f1']:.3f}{flag} | {r['accuracy']:.3f} | "
            f"{r['median_parse_ms']:.1f} | {r['p95_parse_ms']:.1f} | {conf} |"
        )
    all_parse = sorted(r["median_parse_ms"] for r in results.values())
    summary = [
        "",
        f"- Training from scratch (2 cores): {f'{train_s:.0f} s' if train_s else 'not measured'} "
        "(target ≤ 300 s).",
        f"- Median parse time, median over languages: {all_parse[len(all_parse) // 2]:.1f} ms "
        "(target < 50 ms)."
        if all_parse
        else "- No held-out data found.",
        f"- Rasa server resident memory after loading the model: {memory:.0f} MB."
        if memory
        else "- Rasa server memory: not measured.",
        "- Held-out data: `bench/nlu_heldout/` (never trained on; written separately from `bot/data/nlu/`).",
        "",
        "### Typed nonsense",
        "",
        f"{nonsense['count']} strings of typed nonsense (random letters, a held key, a keyboard row, "
        "punctuation; seeded, skipping any string in `bot/data/nlu/nonsense.yml`), and what the model "
        "took them for. *Acting* intents make the "
        "bot record something or start a flow at once (confirm, absence, reschedule, check-in, language, "
        "a human, urgent help); nonsense should land in `nlu_fallback` (asks to rephrase) or "
        "`out_of_scope`.",
        "",
        "| intent | strings |",
        "|---|---|",
        *[f"| {name} | {n} |" for name, n in nonsense["intents"]],
        "",
        f"- Taken for an acting intent: {nonsense['acting']} of {nonsense['count']}"
        + (
            f", e.g. {', '.join(repr(t) for t in nonsense['acting_examples'][:5])}."
            if nonsense["acting"]
            else "."
        ),
    ]
    write_section("nlu", "## NLU (held-out split)\n\n" + "\n".join(rows + summary))
    print("\n".join(rows + summary))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
