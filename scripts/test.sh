#!/usr/bin/env bash
# The whole suite: API tests (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the bot's action
# tests in the bot environment, and Rasa's own data validation. Fails when any part fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
status=0
echo "== case API, gateway, reminders, web, catalogs (Python 3.11)"
.venv/api/bin/python -m pytest tests || status=$?
echo "== bot actions (Python 3.10)"
if [ -d tests/bot ]; then
  .venv/bot/bin/python -m pytest -c tests/bot/pytest.ini tests/bot || status=$?
fi
echo "== rasa data validate"
(cd bot && ../.venv/bot/bin/rasa data validate --domain domain.yml --data data --config ../config.yml --fail-on-warnings) \
  > var/rasa-validate.log 2>&1 || { tail -30 var/rasa-validate.log; status=1; }
exit $status
