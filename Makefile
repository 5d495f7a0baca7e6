# Two commands a learner or CI needs; everything else is their building blocks.
#   make lab   - set up .venv with what the lessons need and open the tutorial in JupyterLab
#   make test  - set up .venv with the test tools too (and Chromium for the browser test), run every test
#
# Learners get only the `lessons` extra (JupyterLab, widgets, the mock, matplotlib); the
# `test` extra adds pytest, nbval, Playwright, hypothesis and schemathesis on top of it.
# Each has its own stamp in .venv, named after pyproject.toml's checksum, so editing the
# dependencies re-installs on the next run. `test` includes `lessons`, so once the test
# stamp is there `make lab` installs nothing more.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CKSUM  := $(shell cksum pyproject.toml | cut -d' ' -f1)
READY_LESSONS := $(VENV)/.ready-lessons-$(CKSUM)
READY_TEST    := $(VENV)/.ready-test-$(CKSUM)
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: lab test setup setup-test browser bench clean cheatsheet

# The venv itself, with a current pip; a venv made by hand is reused.
define make_venv
	@$(PYTHON) -c 'import sys; sys.exit("tokenkit needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...") if sys.version_info < (3, 10) else None'
	@test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip; }
endef

$(READY_LESSONS): pyproject.toml
	$(make_venv)
	@if test -f $(READY_TEST); then echo "$(VENV) already has the test extra, which includes the lessons"; \
	 else $(BIN)/python -m pip install $(PIP_FLAGS) -e '.[lessons]'; fi
	@rm -f $(VENV)/.ready-lessons-*
	@touch $@

$(READY_TEST): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]'
	@rm -f $(VENV)/.ready-test-*
	@touch $@

setup: $(READY_LESSONS)
setup-test: $(READY_TEST)

# JupyterLab runs with .venv/bin first on PATH (and VIRTUAL_ENV set), as if the venv were
# activated, so its Terminal finds `tokenkit`, `python` and `pip` of this environment. The
# terminal shell is named explicitly: when stdout is not a tty (an IDE, a launcher, CI),
# jupyter-server would otherwise start a login shell, whose /etc/profile resets PATH.
# LAB_ARGS passes extra options, e.g. make lab LAB_ARGS=--no-browser
LAB_ARGS ?=
lab: $(READY_LESSONS)
	PATH="$(CURDIR)/$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" \
	  $(BIN)/jupyter lab --ServerApp.terminado_settings="shell_command=$${SHELL:-/bin/sh}" \
	  $(LAB_ARGS) notebooks/00_start_here.ipynb

browser:
	@bash scripts/ensure-chromium.sh

test: $(READY_TEST) browser
	$(BIN)/python -m pytest

bench: $(READY_TEST)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts

# The cheat sheet is generated from its tested snippets (tests/test_cheatsheet.py fails on drift).
cheatsheet: $(READY_LESSONS)
	$(BIN)/python -m cheatsheet.build
