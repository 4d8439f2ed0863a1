# send-analysis: every target does its own set-up (virtual environment, install, data staging).
#   make evidence   the evidence pack for the default LA (Solihull, 334) -> reports/334/index.html
#   make test       the whole test suite (unit tests, nbval over notebooks/, browser test)
# Variables: LA=334, MIRROR=<folder laid out like data/raw> (default: SEND_DATA_MIRROR, else
# ../shared/data/raw when it exists; without a mirror, files are downloaded from their official
# addresses and checked against their sha256).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LA     ?= 334
MIRROR ?= $(or $(SEND_DATA_MIRROR),$(wildcard ../shared/data/raw))
MIRROR_ARG := $(if $(MIRROR),--mirror $(MIRROR),)

.PHONY: install data evidence evidence-all browser test lint bench clean

$(BIN)/send-analysis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(BIN)/send-analysis

data: install
	$(BIN)/send-analysis data fetch $(MIRROR_ARG)
	$(BIN)/send-analysis data build

evidence: data
	$(BIN)/send-analysis evidence --la $(LA)
	@echo "open reports/$(LA)/index.html"

evidence-all: data
	$(BIN)/send-analysis evidence --la all

browser:
	bash scripts/install_chromium.sh

test: data browser
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 tests notebooks

lint: install
	$(BIN)/ruff check send_analysis tests benchmarks

bench: data
	$(BIN)/python benchmarks/bench_foundation.py
	$(BIN)/python benchmarks/bench_backtest.py
	$(BIN)/python benchmarks/bench_headroom.py
	$(BIN)/python benchmarks/bench_cohort.py

clean:
	rm -rf data/processed/*.parquet data/processed/manifest.json reports
