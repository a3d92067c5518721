# Margin: `make run` sets up and serves the demo; `make test` runs every test.
PYTHON ?= python$(shell cat .python-version)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Development defaults; production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL.
export DEBUG ?= 1

.PHONY: run install migrate demo test test-fast browser-deps lint format bench clean

run: migrate demo
	$(BIN)/python manage.py runserver $(HOST)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	test -f .env || printf '# Development settings for manage.py run by hand (see config/settings.py).\nDEBUG=1\n' > .env
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: install
	$(BIN)/python manage.py demo --superuser

# Browser tests drive Debian's Chromium; install it when it is missing.
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

test: install browser-deps
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/workspace.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
