# Two set-up commands for a fresh machine with Python 3 and make:
#   make demo   build .venv, install, write the agreement report on the bundled corpus
#   make test   lint and type gates, then the whole suite on the built wheel installed in a
#               fresh virtual environment, again on the lowest declared versions, and the docs
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= out/report

# Where the built wheel is installed and tested: away from the source tree, so that the
# tests import what a user installs.
BUILD        := build
WHEEL_VENV   := $(BUILD)/venv-wheel
LOWEST_VENV  := $(BUILD)/venv-lowest
TEST_CWD     := $(BUILD)/test-cwd
SITE         := $(BUILD)/site

# The lowest Python that pyproject.toml allows, for the lowest-versions leg: a working
# python3.10 on PATH or under pyenv; else the machine's python (the leg says so).
LOWEST_PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; \
	done)

# pytest on the installed package, from a folder where the source tree is not importable;
# --pyargs collects the installed modules' doctests.
PYTEST_INSTALLED = cd $(TEST_CWD) && RAER_AGREEMENT_INSTALLED=1 \
	RAER_AGREEMENT_DIST=$(CURDIR)/dist \
	$(1)/bin/python -m pytest -c $(CURDIR)/pyproject.toml --rootdir $(CURDIR) \
	-p no:cacheprovider -q -rs $(CURDIR)/tests --pyargs raer_agreement

# The peers the suite compares against (crowd-kit's estimators and metrics, nltk's
# multi-label agreement). Installed
# beside the wheel for the tests only: never a dependency of the package. crowd-kit
# 1.4.2 crashes with scikit-learn 1.6 and later.
PEERS := crowd-kit==1.4.2 "scikit-learn<1.6" nltk

.PHONY: demo test test-dev test-wheel test-lowest lint docs docs-browser dist bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# build, gates and docs tools (pinned in pyproject.toml's dev and docs extras)
$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,dev,docs]' $(PEERS)
	touch $@

demo: $(VENV)/.installed
	$(BIN)/raer-agreement report --out $(OUT) --force

test: lint test-wheel test-lowest docs

# the suite on the editable install, for quick runs while working
test-dev: $(VENV)/.dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml

dist: $(VENV)/.dev
	rm -rf dist
	mkdir -p $(BUILD)
	$(BIN)/python -m build --outdir dist . > $(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }
	ls dist

test-wheel: dist
	rm -rf $(WHEEL_VENV) $(TEST_CWD)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(WHEEL_VENV)/bin/python -m pip install --quiet "$$(ls dist/*.whl)[test]" $(PEERS)
	mkdir -p $(TEST_CWD)
	$(call PYTEST_INSTALLED,$(CURDIR)/$(WHEEL_VENV))

# The same suite on the lowest versions pyproject.toml allows (uv's lowest-direct
# resolution of the base and test dependencies), on the lowest allowed Python.
test-lowest: dist
	rm -rf $(LOWEST_VENV) $(TEST_CWD)
	@if [ -z "$(LOWEST_PYTHON)" ]; then \
		echo "test-lowest: no python3.10 here: the lowest versions run on $(PYTHON)"; fi
	$(BIN)/uv venv --quiet --python "$(or $(LOWEST_PYTHON),$(PYTHON))" $(LOWEST_VENV)
	$(BIN)/uv pip compile --quiet --resolution lowest-direct --only-binary :all: --extra test \
		--python $(LOWEST_VENV)/bin/python pyproject.toml -o $(BUILD)/lowest-requirements.txt
	$(BIN)/uv pip install --quiet --python $(LOWEST_VENV)/bin/python \
		-r $(BUILD)/lowest-requirements.txt
	$(BIN)/uv pip install --quiet --python $(LOWEST_VENV)/bin/python --no-deps dist/*.whl
	@echo "test-lowest: Python $$($(LOWEST_VENV)/bin/python -c 'import platform; print(platform.python_version())'), " \
		"$$(grep -E '^(numpy|pandas|scipy|krippendorff|statsmodels|matplotlib|pyarrow)==' $(BUILD)/lowest-requirements.txt | tr '\n' ' ')"
	mkdir -p $(TEST_CWD)
	$(call PYTEST_INSTALLED,$(CURDIR)/$(LOWEST_VENV))

# the documentation site, warnings as errors (not --quiet: it hides the warnings from
# --strict), then every internal link and image of the built site checked
docs: $(VENV)/.dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir $(SITE)
	$(BIN)/python docs/_scripts/check_site.py $(SITE)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out $(BUILD) dist *.egg-info

# The built site in headless Chromium (Debian's chromium; playwright-core from npm): every
# page reached by links opens, every image shows, nothing is fetched from the network.
# Not part of make test (needs chromium and node): run it after changing the docs.
docs-browser: docs
	mkdir -p $(BUILD)/node
	cp docs/_scripts/browser_check.mjs $(BUILD)/node/
	cd $(BUILD)/node && { [ -d node_modules/playwright-core ] || npm install --silent --no-save playwright-core; }
	port=$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(BIN)/python -m http.server $$port --bind 127.0.0.1 --directory $(SITE) > /dev/null 2>&1 & server=$$!; \
	sleep 1; node $(BUILD)/node/browser_check.mjs http://127.0.0.1:$$port; rc=$$?; kill $$server; exit $$rc
