# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Exact versions of every dependency (`make lock` writes them from pyproject.toml).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock

.PHONY: run test install install-dev system-deps check migrations lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Install from the lock file, again only when it or pyproject.toml changed (stamp files in .venv).
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## lock: after a change to the dependencies in pyproject.toml, write both lock files again (uv)
lock: $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.4'
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 \
	  -o $(DEV_LOCK)
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 -c $(DEV_LOCK) -o $(LOCK)

## run: install into .venv, apply migrations, start on SQLite with in-process jobs
run: install
	$(BIN)/vetting serve

## system-deps: LibreOffice (opens generated contracts in tests), Chromium (drives the vendor
## portal and the staff console in browser tests; never a downloaded browser), Japanese fonts and
## Compose (`docker-compose config` validates compose.yaml in tests), from Debian; axe-core from npm.
## Debian's npm only where no Node.js brings its own (NodeSource's nodejs conflicts with it).
system-deps:
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null \
	  && command -v chromium >/dev/null && command -v docker-compose >/dev/null \
	  && command -v npm >/dev/null \
	  && fc-list | grep -qi ipaexm && fc-list | grep -qi ipaexg \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	       NPM=$$(command -v npm >/dev/null || echo npm); \
	       $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends \
	         libreoffice-writer-nogui poppler-utils fonts-ipaexfont-mincho \
	         chromium fonts-ipaexfont-gothic docker-compose $$NPM; }
	@# axe-core (accessibility checks in the browser tests) from npm, into git-ignored var/
	@test -f var/node/node_modules/axe-core/axe.min.js \
	  || npm install --no-save --no-package-lock --no-audit --no-fund --prefix var/node axe-core@4

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
