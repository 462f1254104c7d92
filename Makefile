# plan — one command sets up and runs the main job (`make report`), one sets up and runs the tests (`make test`).
SHELL := /bin/bash
PY_SYS ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# torch 2.14.1 + torchvision 0.29.1: the pair whose torchvision loads beside its torch (timm needs torchvision);
# on this kind of machine pip takes both from local disk. On a CUDA machine the same wheels use the GPU.
TORCH  ?= torch==2.14.1 torchvision==0.29.1
export PYTHONHASHSEED := 0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MPLBACKEND := Agg

.PHONY: setup test report compare clean-nbs export lint format benchmarks check-sync browser gpu-check

# The stamp is named by pyproject.toml's content: nbdev-export rewrites that file (same bytes, new mtime), which must
# not trigger a reinstall.
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

$(STAMP):
	test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH) -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name plan --display-name "Python (plan)" >/dev/null
	touch $@

setup: $(STAMP)

# Headless Chromium for tests/test_browser.py (JupyterLab click test): Debian's package, never a downloaded browser.
browser:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }; } \
	  || echo "no chromium (apt-get install chromium as root); tests/test_browser.py will skip"

clean-nbs: setup
	$(BIN)/jupyter nbconvert --log-level WARN --clear-output --inplace nbs/*.ipynb
	$(BIN)/nbdev-clean

export: setup
	$(BIN)/nbdev-export

format: setup
	$(BIN)/ruff format nbs tests data_prep
	$(BIN)/ruff check --fix .

# Notebooks clean, package in sync with them (against the git index; untracked files included).
check-sync: setup
	@$(MAKE) --no-print-directory clean-nbs
	@if ! git diff --quiet -- nbs || [ -n "$$(git ls-files --others --exclude-standard nbs)" ]; then \
	  echo "FAIL: notebooks in nbs/ are not clean (outputs or metadata); run 'make clean-nbs' and commit:"; \
	  git diff --stat -- nbs; git ls-files --others --exclude-standard nbs; exit 1; fi
	@$(BIN)/nbdev-export
	@new="$$(git ls-files --others -- plan | grep -vE '__pycache__|\.pyc$$')"; \
	if ! git diff --quiet -- plan || [ -n "$$new" ]; then \
	  echo "FAIL: plan/ differs from what nbs/ exports (untracked or git-ignored files included); edit the notebook,"; \
	  echo "run 'make export' and commit both:"; git --no-pager diff --stat -- plan; echo "$$new"; exit 1; fi
	@echo "notebooks clean, plan/ in sync"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check nbs tests data_prep

test: setup browser
	@$(MAKE) --no-print-directory check-sync
	@$(MAKE) --no-print-directory lint
	@# every test's scratch (the notebooks' examples, pytest's training runs) goes to one folder, removed at the end
	@t=$$(mktemp -d "$${TMPDIR:-/tmp}/plan-test.XXXXXX") && trap 'rm -rf "$$t"' EXIT && export TMPDIR="$$t" && \
	  echo "cd nbs && nbdev-test --n-workers 2; pytest -q tests  (scratch: $$t)" && \
	  (cd nbs && OMP_NUM_THREADS=1 ../$(BIN)/nbdev-test --n-workers 2) && \
	  OMP_NUM_THREADS=1 $(BIN)/pytest -q tests

# The main job on the embedded default: generate SynthCXR, pre-train, evaluate (five tasks), explorer page → reports/.
report: setup
	$(PY) -m plan.experiments.report

# The method comparison (every method and ablation x seeds at equal budget): hours on 2 CPU cores. A part of it
# now: make compare VARIANTS='clip,plan -within' SEEDS=0-1 (the report shows every run finished so far).
VARIANTS ?=
SEEDS ?=
compare: setup
	$(PY) -m plan.experiments.report --compare --variants "$(VARIANTS)" --seeds "$(SEEDS)"

benchmarks: setup
	$(PY) -m plan.experiments.report --benchmarks

# On a CUDA machine: bf16 + fp16 smoke runs, a torchrun kill-and-resume on up to 2 GPUs, the benchmarks on cuda
# (tests/gpu_check.py; a few minutes) → runs/gpu-check/gpu_check.json. Exits 2 where there is no GPU.
gpu-check: setup
	$(PY) tests/gpu_check.py
