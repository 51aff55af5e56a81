# The two front-door commands are `make run` and `make test`; both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

API_VENV := .venv/api
BOT_VENV := .venv/bot
API_PY := $(API_VENV)/bin/python
BOT_PY := $(BOT_VENV)/bin/python
# A stamp per environment: reinstalled only when its pins change.
API_STAMP := $(API_VENV)/.installed-$(shell cat requirements/api.lock pyproject.toml | sha1sum | cut -c1-12)
BOT_STAMP := $(BOT_VENV)/.installed-$(shell cat bot/requirements.lock | sha1sum | cut -c1-12)

# Rasa reports errors to its own servers unless told not to; nothing here may leave 127.0.0.1.
export RASA_TELEMETRY_ENABLED := false

.PHONY: help run test setup tools api-env bot-env catalogs model crisis-classifier number-classifier migrate demo bench lint openapi clean-envs images check-images

help:
	@echo "make run    start API, Rasa, action server and worker on SQLite with demo data"
	@echo "make test   the whole suite (PostgreSQL/Redis parts run when TEST_DATABASE_URL / REDIS_URL are set)"
	@echo "make bench  run bench/ and write docs/benchmarks.md"
	@echo "make images build the container images with podman (MODEL=models/bot-<hash>.tar.gz; docs/production.md)"

setup: api-env bot-env catalogs

api-env: $(API_STAMP)
$(API_STAMP): requirements/api.lock pyproject.toml
	@py=$$(scripts/find-python.sh 3.11) && { [ -x $(API_PY) ] || $$py -m venv $(API_VENV); }
	$(API_PY) -m pip install -q --upgrade pip
	$(API_PY) -m pip install -q -r requirements/api.lock
	$(API_PY) -m pip install -q --no-deps -e .
	@rm -f $(API_VENV)/.installed-* && touch $@

bot-env: $(BOT_STAMP)
$(BOT_STAMP): bot/requirements.lock
	@py=$$(scripts/find-python.sh 3.10) && { [ -x $(BOT_PY) ] || $$py -m venv $(BOT_VENV); }
	$(BOT_PY) -m pip install -q --upgrade pip 'setuptools<70' wheel
	$(BOT_PY) -m pip install -q -r bot/requirements.lock
	@rm -f $(BOT_VENV)/.installed-* && touch $@

catalogs: api-env
	@$(API_PY) -m api.i18n.manage compile

migrate: api-env
	$(API_PY) -m api.migrate

demo: migrate
	$(API_PY) -m api.demo

model: bot-env crisis-classifier number-classifier
	@$(BOT_PY) bot/train.py

# The crisis net's classifier (api/safety/crisis_classifier.json.gz, committed): retrained when its data changed.
crisis-classifier: bot-env
	@$(BOT_PY) scripts/train_crisis_classifier.py

# The recycled-number guard's classifier (api/safety/not_their_number.json.gz, committed; ADR 0026).
number-classifier: bot-env
	@$(BOT_PY) scripts/train_number_classifier.py

run: setup demo model
	@$(API_PY) -m api.devserver

tools:
	@scripts/ensure-tools.sh

test: setup tools model
	@scripts/test.sh

bench: setup model
	@$(API_PY) -m bench.run

lint: api-env
	$(API_PY) -m ruff check api tests bench

openapi: api-env
	$(API_PY) -m api.openapi --write

# Container images (docs/production.md, "Container images"): podman, no registry, the model `make model`
# made (or MODEL=...). The bot image copies the bot environment's Python 3.10 (docs/adr/0017).
images:
	@deploy/build-images.sh

check-images:
	@deploy/check-images.sh

clean-envs:
	rm -rf .venv
