# Two commands do all setup on a fresh machine: `make demo` and `make test`.
# The virtual environment (~6 GB) lives in a cache outside the clone, keyed by the hash of
# constraints.txt, and .venv in the clone links to it, so fresh clones (CI) reuse it.
SHELL := /bin/bash
PYTHON ?= python3
CACHE_ROOT ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/medvlp
VENV_KEY := $(shell cat constraints.txt | sha256sum | cut -c1-16)
VENV_DIR := $(CACHE_ROOT)/venv-$(VENV_KEY)
PY := .venv/bin/python
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: venv install demo test test-all lint typecheck clean

venv:
	@if [ ! -x "$(VENV_DIR)/bin/python" ]; then \
	  echo "creating venv in $(VENV_DIR)"; mkdir -p "$(CACHE_ROOT)"; \
	  rm -rf "$(VENV_DIR).tmp" && $(PYTHON) -m venv "$(VENV_DIR).tmp" && \
	  "$(VENV_DIR).tmp/bin/python" -m pip install -q --upgrade pip && \
	  "$(VENV_DIR).tmp/bin/python" -m pip install -q -c constraints.txt torch torchvision && \
	  mv "$(VENV_DIR).tmp" "$(VENV_DIR)"; \
	fi
	@if [ "$$(readlink .venv)" != "$(VENV_DIR)" ]; then rm -rf .venv; ln -s "$(VENV_DIR)" .venv; fi

# Always re-run: a dependency added to pyproject must show up (and fail loudly if missing).
install: venv
	@$(PY) -m pip install -q -c constraints.txt -e '.[dev]'

demo: install
	$(PY) -m medvlp.cli.main demo

test: install
	$(PY) -m pytest -q -n 2 --timeout 900 tests

test-all: install
	$(PY) -m pytest -q -n 2 -m '' tests

lint: install
	$(PY) -m ruff check medvlp tests

typecheck: install
	$(PY) -m mypy medvlp

clean:
	rm -rf .venv runs build *.egg-info
