# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
CRM := $(BIN)/crm
PYTHON ?= python3

.PHONY: install demo serve test test-sqlite test-postgres lint format messages bench clean

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
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/pytest -q

# Browser tests ran on SQLite already; the PostgreSQL run covers everything that touches the database.
test-postgres:
	DATABASE_URL="$$(bash scripts/ensure-postgres.sh)" $(BIN)/pytest -q -m "not browser"

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

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
