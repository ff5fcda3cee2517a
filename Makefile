# hgd-mm: every target sets up .venv first (tools/setup_env.sh; a second run
# installs nothing).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Test processes, one intra-op thread each: a serial suite left a core idle
# while a test trained, and two OpenMP threads beside another busy process
# wait at every barrier; two single-threaded workers keep both cores busy.
PYTEST_WORKERS ?= 2

.PHONY: setup test demo bench-accuracy bench-tuning bench-speed clean

setup:
	@bash tools/setup_env.sh

# The test suite. pytest's exit code 5 ("no tests collected") is a failure here.
# --durations: the slowest tests in every log (machines of one kind differ
# by 2x in suite time; the log says where it went).
test: setup
	@OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n $(PYTEST_WORKERS) \
	    --dist loadfile --durations=15 tests $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# The main job: data -> teacher -> plain student and HGD student -> table.
demo: setup
	@$(PY) tools/demo.py

# Benchmarks (not tests): they print their figures and write docs/results/.
bench-accuracy: setup
	@$(PY) tools/benchmarks/accuracy.py --jobs 2

bench-tuning: setup
	@$(PY) tools/benchmarks/tuning.py --jobs 2

bench-speed: setup
	@$(PY) tools/benchmarks/speed.py

clean:
	rm -rf work_dirs data/mini_coco data/mini_coco_quick
