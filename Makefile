# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## Serve the registry with the demo data on http://127.0.0.1:5000
run: $(VENV)/.installed
	REGISTRY_ENV=$${REGISTRY_ENV:-development} $(BIN)/registry db upgrade
	REGISTRY_ENV=$${REGISTRY_ENV:-development} $(BIN)/registry demo
	REGISTRY_ENV=$${REGISTRY_ENV:-development} $(BIN)/registry run --host $(HOST) --port $(PORT)

## Lint and run the whole test suite (PostgreSQL too when REGISTRY_TEST_POSTGRES_URL is set)
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

BENCH_SIZE ?= small
BENCH_DB := bench/data/$(BENCH_SIZE).sqlite3

$(BENCH_DB): | $(VENV)/.installed
	mkdir -p bench/data
	$(BIN)/python bench/generate.py --size $(BENCH_SIZE) --database-url sqlite:///$(CURDIR)/$@

## Measure pages, API, exports and the reminder job on a generated database (BENCH_SIZE=small|full)
bench: $(BENCH_DB)
	REGISTRY_DATABASE_URL=sqlite:///$(CURDIR)/$(BENCH_DB) $(BIN)/python bench/run.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
