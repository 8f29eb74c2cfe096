# Task runner. On a fresh machine `make demo` or `make test` creates .venv and installs everything.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test lint graphviz interop bench notebooks docs docs-serve clean

# (Re)install the venv whenever pyproject.toml changes. pip >= 25.1 is needed for --group.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[plot]" --group dev
	touch $@

# Graphviz's `dot` binary is a system package that pip cannot provide.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Graphviz (apt-get install graphviz)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null; \
	  else \
	    echo "note: Graphviz 'dot' not found; graphs are saved as .dot only (apt-get/brew/conda install graphviz)"; \
	  fi; }

# The optional extras for tinygrad_lite.interop (PyTorch, onnx) and onnxruntime, which the
# interop tests need; without them those tests skip (in CI, with CI=true, they fail instead).
interop: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[torch,onnx]" --group interop

demo: $(STAMP) graphviz
	$(BIN)/tinygrad-lite demo

# `pytest` from the venv, not `python -m pytest`, which would put the repository on sys.path.
test: $(STAMP) graphviz
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every workload in benchmarks/, checked against hand-written NumPy, then timed (a few minutes);
# BENCH_ARGS=--quick for a smoke run. BLAS runs on one thread (set before NumPy loads).
bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# Re-execute every notebook and write its outputs back into the .ipynb file, then drop what
# changes on every run (timestamps, Python version, object addresses) so diffs show real changes.
# PYTHONHASHSEED=0 fixes set iteration order, which graph drawings can depend on.
# `pytest notebooks` finds the Korean lessons in notebooks/ko/ as well.
# notebooks/ko/conftest.py runs those with TINYGRAD_LITE_LANG=ko, so their exercises answer in Korean.
notebooks: $(STAMP) graphviz
	PYTHONHASHSEED=0 $(BIN)/pytest notebooks --nbmake --overwrite
	$(BIN)/python tools/clean_notebooks.py notebooks/*.ipynb notebooks/ko/*.ipynb

# The documentation site, built into site/ from docs/, the docstrings and the saved notebooks
# (never executed here); then check_site.py checks the key pages exist and nothing loads from
# the network. The docs group is installed on first use.
DOCS_STAMP := $(VENV)/.docs-stamp
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q --group docs
	touch $@

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	$(BIN)/python tools/check_site.py site

docs-serve: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks dist build out tinygrad_lite_out site .cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
