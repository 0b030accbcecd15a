# gazette monitor — the two commands a newcomer needs:
#   make demo   runs the main job on the embedded sample
#   make test   runs the test suite
# Both set everything up first (Debian packages, .venv) when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

PIP    := $(BIN)/python -m pip --disable-pip-version-check
# The exact versions every install uses (pip-tools); regenerate with `make lock` after editing
# pyproject.toml's dependencies. tests/test_lock.py fails when the two disagree.
LOCK   := requirements.lock

.PHONY: demo test test-fast bench lint docs lock sample clean-venv

# Everything from the lock, then the project itself with no dependency of its own choosing
# (and built with the locked setuptools, not whatever the index serves today).
$(STAMP): pyproject.toml $(LOCK) scripts/setup-system.sh
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gazette demo

# The checks of `make lint` run first: a layering violation or a type error fails CI like a test.
test: lint
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m bench --quick

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python scripts/gen_cli_docs.py

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/pip-compile || $(PIP) install --quiet "pip-tools>=7.4,<8"
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --no-emit-trusted-host --output-file $(LOCK) pyproject.toml

sample: $(STAMP)
	$(BIN)/python -m replica.build

clean-venv:
	rm -rf $(VENV)
