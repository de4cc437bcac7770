# Two commands on a fresh machine: `make run` and `make test`.
# Each builds .venv from the pinned requirements when they change (a stamp file makes it quick).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast e2e-deps demo bench validate clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Run the dashboard in demo mode (no sign-in) on the committed demo extract (or HUB_DATA_DIR,
## which must be marked synthetic), as HUB_AUDIENCE (default board), on this machine only.
## serve.py is the dashboard behind our guards (hub/ui/guard.py), served by uvicorn.
run: $(STAMP)
	HUB_DEMO=1 $(BIN)/python -m streamlit run serve.py --server.address 127.0.0.1

## Every test: unit, app and browser. Installs what it needs first.
test: $(STAMP) e2e-deps
	$(BIN)/python -m pytest

## Unit and app tests only (no browser).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e"

## Chromium for the browser tests: Debian's package when root, Playwright's download elsewhere.
e2e-deps: $(STAMP)
	@$(BIN)/python -m tests.e2e.browser --install

## Regenerate the committed demo extract.
demo: $(STAMP)
	rm -rf data/demo && $(BIN)/python -m hub demo data/demo

validate: $(STAMP)
	$(BIN)/python -m hub validate $${HUB_DATA_DIR:-data/demo}

## Benchmarks: print figures, assert nothing.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache
