# `make report` sets everything up and regenerates the report; `make test` runs the tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
LAB_VENV := .venv-lab
PIP_VERSION := 24.3.1
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)
export DVC_NO_ANALYTICS := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: report test test-all env system-deps lab lint lock repro-force clean-env

report: env system-deps ## Create the environment if missing, run the pipeline (only stale stages)
	$(VENV)/bin/dvc repro
	@echo "Reports: reports/index.html links every survey's reports/<survey>/report.html and report.pdf"

test: env ## Run the test suite without the slow end-to-end tests
	$(VENV)/bin/pytest -m "not slow"

test-all: env ## Run every test, the slow end-to-end ones included
	$(VENV)/bin/pytest

env: $(STAMP)

$(STAMP): requirements/pipeline.lock pyproject.toml
	@echo "Creating the pipeline environment in $(VENV) (pinned: requirements/pipeline.lock)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/pipeline.lock
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

system-deps: ## Check (and as root on Debian, install) the system libraries WeasyPrint needs
	@bash scripts/system_deps.sh

repro-force: env system-deps ## Rerun every stage even if nothing changed
	$(VENV)/bin/dvc repro --force

lint: env ## ruff (lint and the formatter's check) on the code, tests and notebooks; the import contracts; the message template and catalogs
	$(VENV)/bin/ruff check src tests benchmarks notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache pyproject.toml
	$(VENV)/bin/python -m helpers.tools.messages check

LAB_SETTINGS := $(LAB_VENV)/share/jupyter/lab/settings/overrides.json

lab: env ## JupyterLab at the project root, in its own environment, on the pipeline kernel
	test -x $(LAB_VENV)/bin/jupyter || { $(PYTHON) -m venv $(LAB_VENV) && \
	  $(LAB_VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION) && \
	  $(LAB_VENV)/bin/python -m pip install --quiet -r requirements/lab.lock; }
	$(VENV)/bin/python -m ipykernel install --prefix $(abspath $(LAB_VENV)) --name python3 \
	  --display-name "Python 3 (survey pipeline)"
	@# No autosave: running a notebook must not rewrite it (a saved notebook is a changed stage).
	mkdir -p $(dir $(LAB_SETTINGS))
	echo '{"@jupyterlab/docmanager-extension:plugin": {"autosave": false}}' > $(LAB_SETTINGS)
	$(LAB_VENV)/bin/jupyter lab --ServerApp.root_dir=$(CURDIR)

lock: ## Re-resolve requirements/*.in into exact pins (needs the package index)
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet pip==$(PIP_VERSION) && /tmp/lock-venv/bin/pip install --quiet -r requirements/pipeline.in
	{ echo "# Exact versions of the pipeline environment (Python 3.11), from requirements/pipeline.in."; \
	  echo "# Regenerate: make lock"; /tmp/lock-venv/bin/pip freeze; } > requirements/pipeline.lock

clean-env:
	rm -rf $(VENV) $(LAB_VENV)
