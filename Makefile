# dangan: build, test and demo targets (GNU make).
#
#   make demo     install what is needed, load a demo archive, serve it on :8000
#   make test     lint, then the test suite on SQLite and again on PostgreSQL
#
# PYTEST_ARGS is passed to both pytest runs, e.g. make test PYTEST_ARGS='-x -k roster'.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_HOME   := $(CURDIR)/dangan-data

# Debian packages: OCR (simplified and traditional Chinese, and the headers tesserocr
# is built against), CJK fonts for rendered reports, PostgreSQL and Redis for the
# server set-up and its tests, Chromium for the end-to-end tests, poppler-utils for
# PDF fixtures (and pdftotext, which the report tests read PDFs with), and Pango with
# HarfBuzz's subsetter, which WeasyPrint lays out and embeds fonts with for PDF reports
# (`dangan audit -o report.pdf`). LibreOffice (Writer and Calc, without a GUI) converts
# the .doc, .wps, .xls and .et files an office keeps (ingest/office.py) and opens the
# catalogs in the tests.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra \
                   libtesseract-dev libleptonica-dev pkg-config \
                   fonts-noto-cjk fonts-wqy-zenhei postgresql redis-server \
                   chromium poppler-utils libreoffice-calc-nogui libreoffice-writer-nogui \
                   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

.PHONY: help system venv lint test test-sqlite test-postgres demo clean

help:
	@echo "make demo           demo archive served on http://127.0.0.1:8000"
	@echo "make test           lint + tests on SQLite and on PostgreSQL"
	@echo "make system         install missing Debian packages"
	@echo "make venv           create .venv and install the project with its dev tools"
	@echo "make lint           ruff check . and lint-imports (the layers)"
	@echo "make test-sqlite    tests on SQLite only"
	@echo "make test-postgres  tests on PostgreSQL only"
	@echo "make clean          remove dangan-data and caches (keeps .venv)"

# ---------------------------------------------------------------- system packages
system:
	@missing=""; \
	if ! command -v dpkg >/dev/null 2>&1; then \
	    echo "system: dpkg not found; install these packages by hand: $(SYSTEM_PACKAGES)" >&2; \
	    exit 0; \
	fi; \
	for p in $(SYSTEM_PACKAGES); do \
	    dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "system: all Debian packages present"; exit 0; fi; \
	echo "system: missing:$$missing"; \
	if [ "$$(id -u)" -eq 0 ]; then \
	    apt-get update; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	elif command -v sudo >/dev/null 2>&1 \
	    && sudo apt-get update \
	    && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; then \
	    :; \
	else \
	    echo "" >&2; \
	    echo "system: WARNING: not root and no working sudo; these Debian packages are missing:" >&2; \
	    echo "system:   $$missing" >&2; \
	    echo "system: install them as root with:" >&2; \
	    echo "system:   apt-get install --no-install-recommends$$missing" >&2; \
	    echo "system: continuing; OCR, PostgreSQL tests or browser tests may fail or be skipped." >&2; \
	fi

# ---------------------------------------------------------------- virtualenv
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp. tesserocr is built from
# source against the system's libtesseract when its headers are there, so the workers
# read exactly as the `tesseract` program does; without them pip takes the wheel, which
# carries a tesseract of its own.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	if pkg-config --exists tesseract lept 2>/dev/null; then \
	    $(BIN)/python -m pip install --no-binary tesserocr -e '.[dev]'; \
	else \
	    $(BIN)/python -m pip install -e '.[dev]'; \
	fi
	touch $@

venv: $(STAMP)

# ---------------------------------------------------------------- checks
lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: venv
	env -u DANGAN_TEST_DATABASE_URL $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: venv
	url="$$(bash scripts/start-test-postgres.sh)"; \
	echo "test: DANGAN_TEST_DATABASE_URL=$$url"; \
	DANGAN_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Lint first; then both databases. The PostgreSQL run happens even when the SQLite
# run failed, so one `make test` reports both; it fails if either failed.
test: system venv
	$(MAKE) --no-print-directory lint
	@echo "== pytest on SQLite"
	@sqlite=0; postgres=0; \
	$(MAKE) --no-print-directory test-sqlite || sqlite=$$?; \
	echo "== pytest on PostgreSQL"; \
	$(MAKE) --no-print-directory test-postgres || postgres=$$?; \
	if [ "$$sqlite" -ne 0 ]; then echo "make test: FAILED on SQLite" >&2; fi; \
	if [ "$$postgres" -ne 0 ]; then echo "make test: FAILED on PostgreSQL" >&2; fi; \
	[ "$$sqlite" -eq 0 ] && [ "$$postgres" -eq 0 ]

# ---------------------------------------------------------------- demo
# The web UI is up at once; the demo township is generated and ingested behind it.
demo: export DANGAN_HOME := $(DEMO_HOME)
demo: system venv
	$(BIN)/dangan demo --serve --host 127.0.0.1 --port 8000

# ---------------------------------------------------------------- clean
clean:
	rm -rf dangan-data .pytest_cache .ruff_cache build dist *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
