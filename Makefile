# Two commands for a fresh machine (see README):  make book  and  make test
# Both create .venv from the pinned requirements the first time (and again when they change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js

.PHONY: book test outputs validate pdf weights bench chromium clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# axe-core for the accessibility checks, from the npm registry (pinned in package-lock.json).
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

# Debian's chromium for the browser and PDF tests; never a browser downloaded by a test tool.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need chromium: sudo apt-get install -y chromium"; fi; }

## Build the book into _build/html (warnings are errors; every chapter is executed).
book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

## Every check: data and bibliography, unit tests, a clean build, browser and PDF tests, nbval.
test: $(STAMP) $(AXE) chromium
	$(BIN)/python -m pytest -p no:cacheprovider tests
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadfile --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg chapters

## Re-execute every chapter in place and rewrite datapackage.json, so both match the data (then commit them).
outputs: $(STAMP)
	$(BIN)/python -m evidence_review.build.notebooks execute chapters
	$(BIN)/python -m evidence_review.data.datapackage

## Only the data and bibliography checks (seconds).
validate: $(STAMP)
	$(BIN)/python -m evidence_review.build.check

## One PDF of the whole book, charts drawn, in _build/pdf/book.pdf.
pdf: $(STAMP) chromium
	$(BIN)/jupyter-book build . --builder singlehtml
	$(BIN)/python -m evidence_review.build.pdf _build/singlehtml _build/pdf/book.pdf

## Size of every built page and of the shared assets.
weights: book
	$(BIN)/python -m evidence_review.build.page_weights _build/html

## Build benchmark (clean, no-op, chapter-edit and data-edit rebuilds; nbval serial and parallel).
bench: $(STAMP)
	$(BIN)/python benchmarks/build_benchmark.py

clean:
	rm -rf _build
