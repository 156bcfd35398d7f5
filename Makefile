# genebert: two commands do all set-up on a fresh machine.
#   make demo   creates .venv if absent, installs torch (CPU wheel) first, then genebert; runs the demo
#   make test   same install, then the test suite (real-data subset; `make test-all` adds slow tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
GENEBERT := $(VENV)/bin/genebert
# Exactly this torch: a range would pull a newer release with GBs of CUDA wheels.
TORCH_PIN ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: install test test-all demo bench bench-quality clean

$(VENV)/.installed: setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_PIN)"
	$(PY) -m pip install --quiet -e ".[dev,tui]"
	$(PY) -c "import genebert_tool.model, timm, transformers; print('genebert install ok: timm', timm.__version__, 'transformers', transformers.__version__)"
	touch $@

install: $(VENV)/.installed

test: install
	$(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest -m "not gpu" $(PYTEST_ARGS)

demo: install
	bash examples/demo.sh $(GENEBERT)

bench: install
	$(PY) benchmarks/motif_scan.py
	$(PY) benchmarks/tokenizer.py
	$(PY) benchmarks/train_throughput.py
	$(PY) benchmarks/annotate_throughput.py --skip-rss

# ~30 min on 2 CPU cores: baselines trained side by side with the shipped models.
bench-quality: install
	$(PY) benchmarks/quality.py --max-train 10000 --max-train-gue 0

clean:
	rm -rf $(VENV) build *.egg-info out
