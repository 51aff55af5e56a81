"""Train the Rasa model only when its inputs changed (run with the bot environment's Python).

The model's name is a hash of config.yml, domain.yml and everything under bot/data, so an unchanged bot
is never retrained and a changed one always is. Older models are removed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MODELS = ROOT / "models"


def inputs_digest() -> str:
    digest = hashlib.sha256()
    files = [ROOT / "config.yml", BOT / "domain.yml", *sorted((BOT / "data").rglob("*.yml"))]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"bot-{inputs_digest()}.tar.gz"


def main() -> int:
    target = model_path()
    if target.exists():
        print(f"model: up to date ({target.name})")
        return 0
    MODELS.mkdir(exist_ok=True)
    print(f"model: training {target.name} (inputs changed) ...", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        # --skip-validation: `make test` validates domain and data (`rasa data validate --fail-on-warnings`,
        # scripts/test.sh); doing it again here cost ~20 of the 300 seconds training may take.
        [sys.executable, "-m", "rasa", "train", "--config", str(ROOT / "config.yml"), "--domain", "domain.yml",
         "--data", "data", "--out", str(MODELS), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
         "--skip-validation"],
        cwd=BOT,
        # Rasa would report errors to its own servers: nothing may leave 127.0.0.1.
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        check=False,
    )
    if result.returncode != 0:
        return result.returncode
    for old in MODELS.glob("bot-*.tar.gz"):
        if old != target:
            old.unlink()
    (MODELS / "last-training-seconds.txt").write_text(f"{time.monotonic() - started:.1f}\n")
    print(f"model: trained in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    if "--print-path" in sys.argv:
        print(model_path())
        raise SystemExit(0)
    raise SystemExit(main())
