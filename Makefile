SHELL := /bin/bash
# belarus-responses: `make serve` and `make test` work on a fresh clone with Python 3.11 and make.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Tests, browser automation and the baseline tools live in their own environment, so the site is served with
# exactly its runtime packages (a dev package such as rich changes how Datasette handles errors).
DEV := .venv-dev
DEVBIN := $(DEV)/bin
HOST ?= 127.0.0.1
PORT ?= 8001
CSVS := $(wildcard data/*.csv)
# The lock files pin every package, transitive ones included, with hashes: `make lock` writes them from
# pyproject.toml (run it after changing a dependency there), `make install` installs exactly them.
UV_VERSION := 0.13.8

.PHONY: install install-dev build serve test fuzz clean browser publish stress bench lock imports

install: $(VENV)/.installed $(DEV)/.installed

install-dev: $(DEV)/.installed

# Re-install only when the lock changes; a fresh environment each time, so nothing outside the lock lingers.
$(VENV)/.installed: requirements.lock
	rm -rf $(VENV)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(DEV)/.installed: requirements-dev.lock
	rm -rf $(DEV)
	$(PY) -m venv $(DEV)
	$(DEVBIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# requirements-dev.lock: runtime and dev packages together (what the tests run against); requirements.lock: the
# runtime packages at the same versions (what `make serve`, the Docker image and Cloud Run install).
lock:
	$(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	.venv-lock/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --quiet --custom-compile-command "make lock" -o requirements-dev.lock
	.venv-lock/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	  --generate-hashes --quiet --custom-compile-command "make lock" -c requirements-dev.lock -o requirements.lock

# The database is a file target: rebuilt only when the data, the schema or the builder change.
belarus.db: $(VENV)/.installed build.py rules.py search_index.py plugins/search_fold.py datapackage.json plugins/queries.yml docs/METHODOLOGY.md $(CSVS)
	$(BIN)/python build.py

# Row counts precomputed so table pages never count at request time.
inspect-data.json: belarus.db
	$(BIN)/datasette inspect belarus.db --inspect-file $@

build: belarus.db inspect-data.json

serve: build
	$(BIN)/python app.py serve --host $(HOST) --port $(PORT)

# Re-run every list import in order (US first; the EU before the UK, whose transfer-dated entries take EU dates).
# Each is idempotent; the EU annex is read from ../shared/sources (never copied: see scripts/import_eu.py).
imports: install
	$(BIN)/python scripts/import_ofac.py
	$(BIN)/python scripts/import_eu.py
	$(BIN)/python scripts/import_uk.py
	$(BIN)/python scripts/import_ca.py
	$(BIN)/python scripts/import_nz.py
	$(BIN)/python scripts/import_au.py

browser:
	@scripts/ensure-chromium

test: build browser $(DEV)/.installed
	$(DEVBIN)/python -m pytest -q

# The property tests with new random examples, ROUNDS times (`make test` always draws the same ones). A failure is
# saved in .hypothesis/ and replayed first by the next `make fuzz`.
ROUNDS ?= 10
fuzz: build $(DEV)/.installed
	for i in $$(seq $(ROUNDS)); do HYPOTHESIS_PROFILE=explore $(DEVBIN)/python -m pytest -q -x tests/test_properties.py || exit 1; done

# Deploy to Google Cloud Run (docs/PUBLISHING.md): the same database, metadata, plugins, templates,
# static files, settings and pinned packages as `make serve`. Needs gcloud, logged in, with a project set.
SERVICE ?= belarus-responses
publish: build
	@command -v gcloud >/dev/null || { echo "make publish needs the Google Cloud SDK (gcloud), logged in: see docs/PUBLISHING.md" >&2; exit 1; }
	$(BIN)/datasette publish cloudrun belarus.db --service $(SERVICE) \
	  --metadata metadata.yml --plugins-dir plugins --template-dir templates \
	  --static assets:static --static files:downloads \
	  $(foreach p,$(shell $(PY) scripts/deps.py --locked),--install '$(p)') \
	  --extra-options "$(shell $(PY) app.py settings)"

# Build, serving and export benchmarks at 10k, 100k and 1M synthetic responses (bench/RESULTS.md).
bench: install
	$(DEVBIN)/python bench/run.py --quick

# Load and abuse on loopback: 64 connections for 60 s, then again under pathological queries (docs/RELIABILITY.md).
stress: build $(DEV)/.installed
	$(DEVBIN)/python bench/stress.py

clean:
	rm -rf $(VENV) $(DEV) .venv-lock belarus.db inspect-data.json .pytest_cache tests/artifacts
