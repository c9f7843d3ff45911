# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev system-deps check migrations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

## run: install into .venv, apply migrations, start on SQLite with in-process jobs
run: install
	$(BIN)/vetting serve

## system-deps: LibreOffice (opens generated contracts in tests), Chromium (drives the vendor
## portal in browser tests; never a downloaded browser), Japanese fonts and Compose
## (`docker-compose config` validates compose.yaml in tests), from Debian
system-deps:
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null \
	  && command -v chromium >/dev/null && command -v docker-compose >/dev/null \
	  && fc-list | grep -qi ipaexm && fc-list | grep -qi ipaexg \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	       $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends \
	         libreoffice-writer-nogui poppler-utils fonts-ipaexfont-mincho \
	         chromium fonts-ipaexfont-gothic docker-compose; }

## check: lint, format check, strict typing, the layer contracts (pyproject.toml, importlinter)
check:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: install with dev tools, then lint, type-check and run the whole suite
test: install-dev system-deps check
	$(BIN)/pytest

## migrations: write a new migration after changing models
migrations: install-dev
	$(BIN)/tortoise -c service.db.TORTOISE_ORM makemigrations
