# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-s3 install clean-var

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py runstudio

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the real pipeline (e2e), the browser, soaks and other slow tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow and not browser" $(PYTEST_ARGS)

# The end-to-end suite again with every test's media on a SeaweedFS S3 server the fixtures start on loopback.
test-s3: $(STAMP)
	STUDIO_TEST_STORAGE=s3 $(BIN)/python -m pytest -m "e2e and not browser" $(PYTEST_ARGS)

clean-var:
	rm -rf var
