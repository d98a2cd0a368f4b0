# Two commands for a fresh machine (see README):  make book  and  make test
# Both create .venv from the pinned requirements the first time (and again when they change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test outputs validate clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## Build the book into _build/html (warnings are errors; every chapter is executed).
book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

## Every check: data and bibliography, unit tests, nbval on every chapter, a clean build.
test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests
	$(BIN)/python -m pytest -p no:cacheprovider --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg chapters

## Re-execute every chapter in place, so the committed outputs match the data (then commit them).
outputs: $(STAMP)
	$(BIN)/python -m evidence_review.notebooks execute chapters

## Only the data and bibliography checks (seconds).
validate: $(STAMP)
	$(BIN)/python -m evidence_review.check

clean:
	rm -rf _build
