# The two commands of README.md. Each creates .venv from pyproject.toml when it is missing
# (or older than pyproject.toml), so a fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## make serve: initialise ./bastion-data (or $BASTION_DATA_DIR) and serve on 127.0.0.1:8000
serve: $(STAMP)
	$(VENV)/bin/bastion serve --host 127.0.0.1 --port 8000

## make test: the whole test suite (PostgreSQL too when BASTION_TEST_DATABASE_URL is set)
test: $(STAMP)
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup

## make check: formatting, lint and types
check: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
