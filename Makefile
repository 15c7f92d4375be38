# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
CRM := $(BIN)/crm
PYTHON ?= python3

.PHONY: install demo serve test test-sqlite test-postgres typecheck lint format messages bench bench-smoke bench-smoke-postgres clean

# Idempotent: each step is skipped when its inputs have not changed.
install: $(VENV)/.installed node_modules/.installed
	@command -v msgfmt >/dev/null || bash scripts/apt-install.sh gettext
	@$(CRM) compilemessages --ignore=.venv --ignore=node_modules -v 0
	@$(CRM) collectstatic --noinput -v 0

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || bash scripts/apt-install.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: install
	$(CRM) migrate --noinput -v 0
	$(CRM) demo
	$(CRM) serve --port $(PORT)

test: install
	bash scripts/ensure-chromium.sh
	$(CRM) check --fail-level WARNING
	$(CRM) makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(MAKE) typecheck
	$(MAKE) test-sqlite
	$(MAKE) bench-smoke
	$(MAKE) test-postgres
	$(MAKE) bench-smoke-postgres

# The suite over every core (pytest-xdist; a test file stays on one worker, so its browser starts once).
PYTEST := $(BIN)/pytest -q -n auto --dist loadfile

test-sqlite:
	$(PYTEST)

# Browser tests ran on SQLite already; the PostgreSQL run covers everything that touches the database.
test-postgres:
	DATABASE_URL="$$(bash scripts/ensure-postgres.sh)" $(PYTEST) -m "not browser"

bench-smoke-postgres: install
	BENCH_DATABASE_URL="$$(bash scripts/ensure-postgres.sh)" PYTHON=$(BIN)/python bash scripts/bench-smoke.sh

# mypy with the Django and DRF plugins over core and every services module (settings in pyproject.toml).
typecheck: $(VENV)/.installed
	$(BIN)/mypy

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the Chinese catalogue after changing user-facing strings, then translate the new entries.
messages:
	cd crm && ../$(CRM) makemessages -l zh_Hans --no-obsolete --ignore=migrations/* -v 0

bench: install
	@for script in bench/*.py; do [ -e "$$script" ] && $(BIN)/python "$$script"; done; true

# Every bench/*.py on a tiny data set of its own, so none can rot unnoticed (seconds; the full runs stay manual).
# On PostgreSQL when BENCH_DATABASE_URL names a server (a scratch database is created there and dropped after).
bench-smoke: install
	PYTHON=$(BIN)/python bash scripts/bench-smoke.sh

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
