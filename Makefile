# Bansos: `make run` serves the demo, `make test` runs everything CI runs. `make help` lists all.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BANSOS := $(BIN)/bansos
# Re-install only when the dependency list or the pinned versions change.
DEPS_HASH := $(shell cat pyproject.toml requirements/constraints.txt 2>/dev/null | sha1sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(DEPS_HASH)
DEV_STAMP := $(VENV)/.dev-$(DEPS_HASH)
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q -c requirements/constraints.txt

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test test-fast lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): | $(BIN)/python
	$(PIP) -e .
	@rm -f $(VENV)/.runtime-* && touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(PIP) -e '.[dev]'
	@rm -f $(VENV)/.dev-* && touch $@

install: $(RUNTIME_STAMP) ## Create .venv and install the package
install-dev: $(DEV_STAMP) ## Install the development and test tools too

SIM_KIT := var/demo/payments

run: install ## Migrate the embedded SQLite database, load demo data once, serve on :8000 (and the demo bank/e-wallet simulator on :8765)
	$(BANSOS) db upgrade
	$(BANSOS) demo load
	@if [ -f $(SIM_KIT)/sim/sim.json ]; then \
	  $(BANSOS) sim-bank --config $(SIM_KIT)/sim/sim.json --books $(SIM_KIT)/sim/books.sqlite3 & \
	  sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	  BANSOS_PAYMENT_PROVIDERS=$(CURDIR)/$(SIM_KIT)/ours/providers.yaml $(BANSOS) serve; \
	else $(BANSOS) serve; fi

lint: install-dev ## ruff (lint and format check) and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint ## Lint, then the whole suite on SQLite and PostgreSQL (slow tests included)
	$(BIN)/pytest --cov --cov-report=term -m "slow or not slow"

test-fast: install-dev ## The suite without the slow tests
	$(BIN)/pytest -m "not slow" -q

format: install-dev ## Format and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install-dev ## Run the benchmarks (minutes; prints figures and ratios)
	$(BIN)/python bench/import_civil.py
	$(BIN)/python bench/targeting_quality.py
	$(BIN)/python bench/targeting_quality.py --messy
	$(BIN)/python bench/targeting_scale.py
	$(BIN)/python bench/disburse.py
	$(BIN)/python bench/verify_qr.py
	$(BIN)/python bench/redeem_http.py

clean: ## Remove the virtualenv and caches (keeps var/, the local database)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
