# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# The app runs as production unless told otherwise (fieldops/config.py): these
# targets choose development (the public development key) and testing explicitly.
migrate run: export FIELDOPS_ENV ?= development
test: export FIELDOPS_ENV ?= testing

.PHONY: run test chromium install install-dev translations extract-messages migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d fieldops/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o fieldops/translations/messages.pot .
	$(BIN)/pybabel update -i fieldops/translations/messages.pot -d fieldops/translations --no-fuzzy-matching

migrate: install translations
	$(BIN)/flask db upgrade

run: migrate
	$(BIN)/flask demo-data --if-empty
	@echo
	@echo "FieldOps: http://127.0.0.1:$(PORT)"
	@echo "Demo accounts:"
	@$(BIN)/flask demo-accounts
	@echo
	@# The background job worker (large dossiers, closing large reviews) runs beside the server
	@# and stops with it.
	$(BIN)/flask jobs work & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The suite on every core: each worker has its own database (tests/conftest.py) and
# takes whole modules, so a module's shared world is built once.
test: chromium install-dev translations
	$(BIN)/pytest -n auto --dist loadfile

# The browser tests drive Debian's Chromium (tests/browser/conftest.py): installed here when it
# is missing and we are root, otherwise `make test` stops before anything else with the command.
chromium:
	@if [ -n "$$FIELDOPS_CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
	  echo "The browser tests need Chromium. Install it, then run make test again:" >&2; \
	  echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	  exit 1; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache
