# Control Room CAD. `make run` for the demo, `make test` for the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

# Tests run against real PostgreSQL and Redis on 127.0.0.1 (see scripts/services.sh).
TEST_DB_NAME ?= controlroom
TEST_REDIS_DB ?= 1
# `make test` runs pytest in this many workers (pytest-xdist); each has its own test database,
# Redis database and channel prefix (controlroom/settings.py). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
TEST_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(TEST_DB_NAME) \
	REDIS_URL=redis://127.0.0.1:6379/$(TEST_REDIS_DB) CHANNEL_PREFIX=test$(TEST_REDIS_DB) \
	SECRET_KEY=test-secret-key-not-for-production-0123456789abcdef DEBUG=0 \
	SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 ALLOWED_HOSTS=* \
	STATIC_MANIFEST=0 WHITENOISE_USE_FINDERS=1

.PHONY: install run stack test pytest lint bench services chromium nginx clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: the embedded demo (SQLite, in-memory channel layer, in-process scan) on http://127.0.0.1:$(PORT)
run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	@echo "Control Room CAD on http://127.0.0.1:$(PORT)/  (log in as call_handler, dispatcher, supervisor... password: demo)"
	DEBUG=$${DEBUG:-1} CAD_EMBEDDED_SCHEDULER=1 $(PY) -m daphne -b 127.0.0.1 -p $(PORT) controlroom.asgi:application

## stack: production-like on one machine: migrations, ASGI server, Celery worker and beat
stack: $(STAMP)
	PY=$(PY) PORT=$(PORT) scripts/stack.sh

## test: ruff, migrations check, import contracts, the whole pytest suite on PostgreSQL + Redis
## (installs Debian's chromium for the browser tests, and nginx for the proxy's tests, when they
## are missing; see scripts/chromium.sh and scripts/nginx.sh)
test: $(STAMP) services chromium nginx lint
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) $(ARGS)

## pytest: just pytest, e.g. make pytest ARGS="tests/cad -x" TEST_DB_NAME=cad_mine TEST_REDIS_DB=3
pytest: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

services:
	@scripts/services.sh

chromium:
	@scripts/chromium.sh

nginx:
	@scripts/nginx.sh

## bench: benchmarks (tests/perf, marker `bench`), excluded from `make test`
bench: $(STAMP) services
	$(TEST_ENV) $(PY) -m pytest -m bench -s $(if $(ARGS),$(ARGS),tests/perf)

clean:
	rm -rf $(VENV) staticfiles controlroom.sqlite3*
