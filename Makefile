# personakit — `make demo` runs the main job on the embedded defaults; `make test` runs the
# checks (CI: .ci/run), `make test-fast` the inner loop. They create .venv and install pinned
# versions (constraints.txt) on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_CORPUS := examples/app_reviews.csv
# everything but the `group` column: the ground truth is never ingested
DEMO_META := rating,channel,date

.PHONY: install demo test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3

# torch first, pinned to the CPU build: an unpinned torch pulls a multi-GB CUDA build.
# llama-cpp-python compiles llama.cpp (about 4 minutes on 2 cores) for any AVX2 CPU rather
# than for this one (-march=native): the native build crashed (SIGSEGV in ggml's decode) on
# an AVX-512 machine of this kind; no wheel cache, so a cached native build is never reused.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet --no-cache-dir -c constraints.txt \
		'llama-cpp-python[server]'
	$(BIN)/pip install --quiet -c constraints.txt -e '.[local,dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/persona run $(DEMO_CORPUS) --meta-cols $(DEMO_META)

lint: install
	$(BIN)/ruff check .

# Everything, end-to-end tests with the real local model and Chroma servers included.
test: install lint
	$(BIN)/python -m pytest --junitxml=tests/artifacts/junit.xml

# The inner loop (under 3 minutes): unit tests of the Project and its stages in-process, an
# embedded store, scripted or fake models — no model server, no Chroma server, nothing
# marked e2e (real servers) or slow (waits out deadlines, large data).
test-fast: install lint
	$(BIN)/python -m pytest -m "not e2e and not slow"

bench: install
	$(BIN)/pip install --quiet -c constraints.txt -e ".[bench]"
	$(BIN)/python benchmarks/ingest.py
	cd benchmarks && ../$(BIN)/python segment_quality.py --data ../../shared/data/banking77/data.jsonl --label-col label --split test

clean:
	rm -rf $(VENV) .persona .pytest_cache
