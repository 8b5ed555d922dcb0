# The README's commands. Each target creates ./.venv on first use.
#
#   make demo   the main job: the autonomous loop on the bundled example paper
#   make test   the whole test suite (what CI runs)
#   make lint   ruff check, ruff format --check, mypy (tools/ server/ sandbox/), eslint (vscode-client/)
#
# torch: an installed torch in the venv is kept. Otherwise TORCH_SPEC is
# installed first; the default is the pinned release (on PyPI, Linux gets the
# CUDA build). For a CPU-only laptop: make demo TORCH_SPEC="torch==2.13.0
# --index-url https://download.pytorch.org/whl/cpu"

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
DEMO_WORKSPACE ?= demo-workspace

.PHONY: install demo test lint bench e2e-vscode vscode clean

install: $(VENV)/.installed

# An existing venv is kept: re-creating it over itself with another interpreter breaks it.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: install
	mkdir -p $(DEMO_WORKSPACE)
	$(BIN)/mlintern-server --auto --once --brain offline --yes --budget-minutes 3 \
		--paper examples/digits-mlp/paper.pdf --workspace $(DEMO_WORKSPACE)

test: install
	$(BIN)/python -m pytest

# Every tool comes from the project's environment (.venv, vscode-client/node_modules), never from PATH.
lint: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	cd vscode-client && npm ci --no-audit --no-fund --loglevel=error && npm run lint

bench: install
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The unit tests check the import of mlintern with the project's interpreter, never `python3` from PATH.
vscode: install
	cd vscode-client && npm ci && npm run compile \
		&& MLINTERN_TEST_PYTHON="$(abspath $(BIN)/python)" npm test && npx vsce package --out mlintern.vsix

e2e-vscode: install vscode
	PYTHON="$(abspath $(BIN)/python)" PATH="$(abspath $(BIN)):$$PATH" vscode-client/e2e/run.sh

clean:
	rm -rf $(VENV) $(DEMO_WORKSPACE) build dist *.egg-info
