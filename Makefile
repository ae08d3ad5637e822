# parkanalysis — `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DATA ?= data/sample
YEAR ?= 2016
OUT ?= reports

.PHONY: help reports test lint format sample bench clean venv mutate

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

venv: ## Create/refresh .venv and the system packages (idempotent)
	@scripts/bootstrap.sh

reports: venv ## Render the sample park's reports into reports/ (DATA=, YEAR=, OUT= to change)
	@$(VENV)/bin/parkanalysis batch --data $(DATA) --year $(YEAR) --out $(OUT)

test: ## Run the whole test suite (installs Chromium, poppler, LibreOffice and fonts when root)
	@scripts/bootstrap.sh --system
	@$(PY) -m pytest

mutate: venv ## Mutation testing of the definitions (MODULES="rules periods" for some; docs/MUTATION.md)
	@$(PY) -c "import mutmut" 2>/dev/null || $(VENV)/bin/uv pip install --python $(PY) -e ".[mutate]" \
		|| $(PY) -m pip install -e ".[mutate]"
	@$(PY) scripts/mutate.py $(MODULES)

lint: venv ## ruff check + format check
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: venv ## Apply ruff's fixes and formatting
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

sample: venv ## Regenerate data/sample from its generator (byte for byte)
	@$(PY) -m parkanalysis.sample data/sample --overwrite

# Every benchmark runs and reports, even after one has missed its target; the target fails at
# the end, naming those that missed (a benchmark exits non-zero when it misses a printed
# target). BENCH_QUICK=1 runs the slow ones smaller (minutes instead of a quarter hour):
# batch_speed without the naive loop (no speed-up or same-content check), share_audit one
# threshold and year, xlsx_cells one size, province_batch 10 parks × 50 × 3 years.
BENCH_QUICK ?=
bench: venv ## Run every benchmark, fail if any misses its target (BENCH_QUICK=1: smaller runs)
	@failed=""; \
	for b in benchmarks/*.py; do \
	  args=""; \
	  if [ -n "$(BENCH_QUICK)" ]; then case $$b in \
	    */batch_speed.py) args="--skip-naive";; \
	    */share_audit.py) args="--thresholds 5 --years 2016";; \
	    */xlsx_cells.py) args="--rows 20000";; \
	    */province_batch.py) args="--quick";; \
	  esac; fi; \
	  echo "== $$b $$args"; \
	  $(PY) $$b $$args || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "== missed a target or failed:$$failed"; exit 1; fi; \
	echo "== every benchmark met its target"

clean: ## Remove generated reports and caches
	find $(OUT) -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf .pytest_cache
