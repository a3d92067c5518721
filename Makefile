# Margin: `make run` sets up and serves the demo (with a worker); `make test` runs every test.
PYTHON ?= python$(shell cat .python-version)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Development defaults; production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL.
export DEBUG ?= 1

.PHONY: run install migrate demo test test-fast browser-deps lint format bench clean

# The server in the foreground, and a worker for background jobs (imports) beside it. The
# worker gets its own process group (setsid) so that it, and the child its autoreloader
# starts, stop together when the server stops, Ctrl+C or otherwise (the EXIT trap).
run: migrate demo
	@setsid $(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill -TERM -$$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

install: $(VENV)/.installed

# uv installs the same pins as pip would, from the same index (PyPI), downloading and
# unpacking in parallel (docs/performance.md, "First run"). pip bootstraps it into the venv,
# pinned here, and stays there, upgraded as before. pip compiled every module to bytecode as
# it installed (~45 s of CPU here); Python writes a module's .pyc on its first import, so uv
# leaves that to Python, except where PYTHONDONTWRITEBYTECODE forbids Python to write them.
UV_VERSION := 0.13.9
UV_COMPILE := $(if $(PYTHONDONTWRITEBYTECODE),--compile-bytecode)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet $(UV_COMPILE) --python $(BIN)/python \
	  --upgrade-package pip pip -e ".[dev]"
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
