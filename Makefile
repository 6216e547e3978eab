SHELL := /bin/bash
# belarus-responses: `make serve` and `make test` work on a fresh clone with Python 3.11 and make.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8001
CSVS := $(wildcard data/*.csv)

.PHONY: install build serve test clean browser frictionless

install: $(VENV)/.installed

# Re-install only when the pinned versions change.
$(VENV)/.installed: pyproject.toml scripts/deps.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r <($(PY) scripts/deps.py dev)
	touch $@

# The database is a file target: rebuilt only when the data, the schema or the builder change.
belarus.db: $(VENV)/.installed build.py datapackage.json $(CSVS)
	$(BIN)/python build.py

# Row counts precomputed so table pages never count at request time.
inspect-data.json: belarus.db
	$(BIN)/datasette inspect belarus.db --inspect-file $@

build: belarus.db inspect-data.json

serve: build
	$(BIN)/python app.py serve --host $(HOST) --port $(PORT)

browser:
	@scripts/ensure-chromium

test: build browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) belarus.db inspect-data.json .pytest_cache tests/artifacts
