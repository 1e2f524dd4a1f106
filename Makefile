# The two commands of the README: `make up` starts the system, `make test` runs the tests.
# Each creates .venv and installs the project into it when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: each starts its own PostgreSQL and Prefect test servers; a file's tests stay
# in one process. Most of a flow test is waiting for a server or a process, so two overlap well
# even on two cores. `make test TEST_WORKERS=0` runs everything in this process.
TEST_WORKERS ?= 2

.PHONY: install up test lint bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/complaints up

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/classify_accuracy.py
