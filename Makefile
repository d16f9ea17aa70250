# make demo: set up and run the overfitting comparison on the built-in digits data.
# make test: set up and run the test suite.  make bench: the speed comparisons with the peers.
# make docs: build the documentation site (docs/ -> site/) offline, failing on any warning.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench docs mutate clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml scripts/install-system-deps.sh | $(BIN)/python
	bash scripts/install-system-deps.sh
	$(BIN)/pip install -q 'torch==2.13.0'
	$(BIN)/pip install -q -e '.[all,test,torch,mlflow,export,lint]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/augfit run pipelines/digits_overfitting.yaml --out runs/digits

test: $(STAMP)
	$(BIN)/python -m pytest

# ruff (rules in pyproject.toml: E, F, W, I, B, UP, SIM) and mypy on src/ (no untyped defs).
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

# The site: the generated pages (scripts/build_docs.py; the gallery, scripts/docs_gallery.py) are
# rewritten, then MkDocs builds site/ with --strict, so a broken link or anchor, a page missing
# from the build or a bad API reference fails.
$(VENV)/.docs-installed: pyproject.toml | $(STAMP)
	$(BIN)/pip install -q -e '.[docs]'
	touch $@

docs: $(VENV)/.docs-installed
	$(BIN)/python scripts/build_docs.py
	$(BIN)/python scripts/docs_gallery.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Mutation testing (docs/testing.md, "Mutation testing"); not part of make test: mutmut mutates
# nn/, train/, the statistics and the cell one edit at a time, group by group with each group's
# tests ([tool.augfit-mutate.*] in pyproject.toml, scripts/mutate.py), and runs the tests that call
# the edited function; then the score per module and every open survivor.
# One group: make mutate MUTATE_GROUPS=nn (the score then covers that group only).
$(VENV)/.mutate-installed: pyproject.toml | $(STAMP)
	$(BIN)/pip install -q -e '.[mutate]'
	touch $@

mutate: $(VENV)/.mutate-installed
	rm -rf mutants
	nice -n 15 $(BIN)/python scripts/mutate.py --max-children 2 $(MUTATE_GROUPS)
	$(BIN)/python scripts/mutate_score.py

# The benchmarks run their peers in the same process. torchvision (the policies benchmark's peer)
# exists here only as a CUDA build beside torch 2.14.1, so the benchmarks get their own venv.
BENCH := .venv-bench
$(BENCH)/.installed: pyproject.toml | $(STAMP)
	$(PY) -m venv $(BENCH)
	$(BENCH)/bin/pip install -q --upgrade pip
	$(BENCH)/bin/pip install -q 'torch==2.14.1' 'torchvision==0.29.1'
	$(BENCH)/bin/pip install -q -e '.[all]'
	touch $@

bench: $(BENCH)/.installed
	@for b in benchmarks/*.py; do echo "== $$b"; $(BENCH)/bin/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(BENCH) runs reports site .pytest_cache mutants
