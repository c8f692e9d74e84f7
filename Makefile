# README's two quick-start commands: `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck signatures system-deps bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Run the main job on the built-in simulated building (root: a real lab in network
## namespaces; otherwise personas on 127.0.0.x). Exit code 1 means "restricted hardware
## found", which is what the demo building is built to show, so make treats it as success.
demo: $(STAMP)
	$(BIN)/camscan demo || [ $$? -eq 1 ]

## The whole test suite: lint, types, signature validation, then pytest.
test: $(STAMP) system-deps
	$(BIN)/ruff check camscan tests benchmarks
	$(BIN)/mypy
	$(BIN)/camscan signatures validate
	$(BIN)/camscan signatures test
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check camscan tests benchmarks
	$(BIN)/ruff format --check camscan

typecheck: $(STAMP)
	$(BIN)/mypy

## System packages the root-only tests need (iproute2, chromium); a no-op without root.
system-deps:
	@sh scripts/system-deps.sh

## Benchmarks (root for the scan benchmark; it installs nmap): numbers go to docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/identification.py
	$(BIN)/python benchmarks/scan_vs_nmap.py

## README screenshots (docs/*-screenshot.png) from a real demo scan, via headless Chromium.
screenshots: $(STAMP) system-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
