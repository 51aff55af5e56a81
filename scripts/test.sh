#!/usr/bin/env bash
# The whole suite: API tests (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the bot's action
# tests in the bot environment, and Rasa's own data validation. Fails when any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export RASA_TELEMETRY_ENABLED=false  # Rasa would report errors to its own servers
status=0
echo "== case API, gateway, reminders, web, catalogs (Python 3.11)"
.venv/api/bin/python -m pytest tests || status=$?
echo "== bot actions (Python 3.10)"
if [ -d tests/rasa ]; then
  .venv/bot/bin/python -m pytest -c tests/rasa/pytest.ini tests/rasa || status=$?
fi
echo "== rasa data validate"
(cd bot && ../.venv/bot/bin/rasa data validate --domain domain.yml --data data --config ../config.yml --fail-on-warnings) \
  > var/rasa-validate.log 2>&1 || { tail -30 var/rasa-validate.log; status=1; }
echo "== rasa story tests (--fail-on-prediction-errors)"
model="$(.venv/bot/bin/python bot/train.py --print-path)"
if [ -f "$model" ]; then
  (cd bot && ../.venv/bot/bin/rasa test core --model "$model" --stories tests/test_stories.yml \
     --fail-on-prediction-errors --out ../var/rasa-story-results) > var/rasa-stories.log 2>&1 \
    && echo "rasa stories: all passed" || { tail -30 var/rasa-stories.log; status=1; }
else
  echo "no trained model for the current bot data (make model); story tests not run"; status=1
fi
exit $status
