# Two commands a learner or CI needs; everything else is their building blocks.
#   make lab   - set up .venv and open the tutorial in JupyterLab
#   make test  - set up .venv (and Chromium for the browser test) and run every test

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: lab test setup browser bench clean

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("tokenkit needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...") if sys.version_info < (3, 10) else None'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.ready-*
	@touch $@

setup: $(READY)

# JupyterLab runs with .venv/bin first on PATH (and VIRTUAL_ENV set), as if the venv were
# activated, so its Terminal finds `tokenkit`, `python` and `pip` of this environment. The
# terminal shell is named explicitly: when stdout is not a tty (an IDE, a launcher, CI),
# jupyter-server would otherwise start a login shell, whose /etc/profile resets PATH.
# LAB_ARGS passes extra options, e.g. make lab LAB_ARGS=--no-browser
LAB_ARGS ?=
lab: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" \
	  $(BIN)/jupyter lab --ServerApp.terminado_settings="shell_command=$${SHELL:-/bin/sh}" \
	  $(LAB_ARGS) notebooks/00_start_here.ipynb

browser:
	@bash scripts/ensure-chromium.sh

test: $(READY) browser
	$(BIN)/python -m pytest

bench: $(READY)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
