# Every target creates or reuses the virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test conformance lint typecheck generate check-generated emulator bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ec demo

test: lint typecheck check-generated
	$(BIN)/python -m pytest -q

# The property-based conformance run at full size (make test runs it small):
# EC_CONFORMANCE_EXAMPLES valid and as many invalid requests per operation.
CONFORMANCE_EXAMPLES ?= 100

conformance: $(STAMP)
	EC_CONFORMANCE_EXAMPLES=$(CONFORMANCE_EXAMPLES) $(BIN)/python -m pytest -q \
		tests/conformance/test_property.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pyright is pinned, so its wrapper need not ask PyPI for a newer one each run.
# -p names our settings: pyright would prefer a pyrightconfig.json found in a
# folder above this one. --verifytypes: every public name has a complete type,
# as users' checkers see it; it must find the packages in this tree, not
# through the editable install.
PYRIGHT := PYRIGHT_PYTHON_IGNORE_WARNINGS=1 $(BIN)/pyright

typecheck: $(STAMP)
	$(BIN)/mypy
	$(PYRIGHT) -p pyproject.toml
	PYTHONPATH=. $(PYRIGHT) --verifytypes ec_async --ignoreexternal
	PYTHONPATH=. $(PYRIGHT) --verifytypes ec_sync --ignoreexternal

generate: $(STAMP)
	$(BIN)/python scripts/generate_sync.py

check-generated: $(STAMP)
	$(BIN)/python scripts/generate_sync.py --check

emulator: $(STAMP)
	$(BIN)/ec emulator

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
