# make demo: set up and run the overfitting comparison on the built-in digits data.
# make test: set up and run the test suite.  make bench: the speed comparisons with the peers.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml scripts/install-system-deps.sh | $(BIN)/python
	bash scripts/install-system-deps.sh
	$(BIN)/pip install -q -e '.[all,test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/augfit run pipelines/digits_overfitting.yaml --out runs/digits

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) runs reports .pytest_cache
