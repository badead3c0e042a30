# Marketplace analytics platform. `make run` builds everything; `make test` proves it.
# Needs only Python 3.11+ and make: the first target that needs the virtualenv creates it.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ORDERS ?= 3000
SEED ?= 42

.DEFAULT_GOAL := help
.PHONY: help install run test test-slow dev dashboards lint format dbt db-start db-stop \
	db-status sample clean reset bench bench-load bench-dashboards backup restore

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is needed; found: $$($(PYTHON) --version 2>&1)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $@

install: $(STAMP) ## create the virtualenv with the pinned dependencies

run: $(STAMP) ## start the warehouse, load data, build every asset, run every check
	$(BIN)/python -m orchestration run

test: $(STAMP) ## run the test suite against a real PostgreSQL (slow scale tests excluded)
	$(BIN)/python -m pytest

test-slow: $(STAMP) ## run only the slow scale tests
	$(BIN)/python -m pytest -m slow

dev: $(STAMP) ## serve the Dagster UI on http://127.0.0.1:3000
	$(BIN)/python -m orchestration dev

dashboards: $(STAMP) ## serve the marimo dashboards on http://127.0.0.1:2718
	$(BIN)/python -m orchestration dashboards

dbt: $(STAMP) ## run dbt by hand with the platform's connection, e.g. make dbt ARGS="build -s fact_orders"
	$(BIN)/python -m orchestration dbt $(ARGS)

lint: $(STAMP) ## ruff on Python, marimo check on the dashboards
	$(BIN)/ruff check orchestration dashboards tests
	$(BIN)/ruff format --check orchestration dashboards tests
	$(BIN)/marimo check $(filter-out dashboards/common.py dashboards/__init__.py,$(wildcard dashboards/*.py))

format: $(STAMP) ## format Python with ruff
	$(BIN)/ruff format orchestration dashboards tests

db-start: $(STAMP) ## start (and bootstrap) the embedded PostgreSQL
	$(BIN)/python -m orchestration db start

db-stop: $(STAMP) ## stop the embedded PostgreSQL
	$(BIN)/python -m orchestration db stop

db-status: $(STAMP) ## is the embedded PostgreSQL running?
	$(BIN)/python -m orchestration db status

backup: $(STAMP) ## dump the warehouse to .local/backups/olist-<UTC time>.dump (or OUT=file)
	$(BIN)/python -m orchestration backup $(if $(OUT),--out $(OUT))

restore: $(STAMP) ## restore FILE= into an empty database DATABASE= on the same server
	@[ -n "$(FILE)" ] && [ -n "$(DATABASE)" ] || \
		{ echo "usage: make restore FILE=.local/backups/olist-....dump DATABASE=olist_restored"; exit 2; }
	$(BIN)/python -m orchestration restore $(FILE) --database $(DATABASE)

sample: $(STAMP) ## regenerate the committed sample (ORDERS=3000 SEED=42)
	$(BIN)/python -m orchestration.generate --orders $(ORDERS) --seed $(SEED) --out data/sample

bench: $(STAMP) ## whole platform vs the reference at 100k and 1M orders (BENCH_ARGS=--ten-million adds 10M); writes docs/benchmarks.md
	$(BIN)/python -m orchestration.benchmarks.pipeline $(BENCH_ARGS)

bench-dashboards: $(STAMP) ## every dashboard query, p50/p95, at the real Olist scale (ORDERS=100000)
	$(BIN)/python -m orchestration.benchmarks.dashboards --orders $(if $(filter 3000,$(ORDERS)),100000,$(ORDERS)) --seed $(SEED)

bench-load: $(STAMP) ## loader vs the server's own COPY on generated files (ORDERS=1000000)
	$(BIN)/python -m orchestration.benchmarks.load --orders $(if $(filter 3000,$(ORDERS)),1000000,$(ORDERS)) --seed $(SEED)

reset: $(STAMP) ## stop the embedded server and delete its data and the Dagster instance
	-$(BIN)/python -m orchestration db stop
	rm -rf .local

clean: ## remove the virtualenv, local state and build output
	-[ -x $(BIN)/python ] && $(BIN)/python -m orchestration db stop
	rm -rf $(VENV) .local dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
