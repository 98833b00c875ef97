# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10 (.python-version makes pyenv's python3.10 resolve).
PYTHON ?= $(shell command -v python3.10 || echo $(HOME)/.pyenv/versions/3.10.13/bin/python3.10)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-from-lock
SPACY  := build/spacy_en
MODEL  := models/faq.tar.gz
WEBCHAT := build/webchat/index.js
NODE_STAMP := node_modules/.installed-from-lock

# Local overrides (copy .env.example to .env); the environment wins over both.
# (ENV_FILE=/dev/null ignores .env: tests/test_security.py runs `make run` so.)
ENV_FILE ?= .env
-include $(ENV_FILE)
# ...and every variable .env sets reaches the servers (RASA_API_TOKEN, TELEGRAM_*, ...).
# (A bare `export` would export every make variable, hence the check.)
ENV_FILE_VARS := $(shell sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' $(ENV_FILE) 2>/dev/null)
ifneq ($(strip $(ENV_FILE_VARS)),)
export $(ENV_FILE_VARS)
endif
# Every setting's default lives in bot/settings.py; the scripts that start the
# servers fill in what the environment and .env leave unset (python -m bot.settings).
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   ?= 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install spacy webchat train run shell test eval review bench lint format lock clean \
	check-content question import-questions \
	system-packages-run system-packages-test

help:
	@echo "make run    set up, train if needed, start the bot (web chat on :8080, REST + socket.io on :5005)"
	@echo "make test   set up, train if needed, run the whole test suite"
	@echo "make shell  talk to the bot in the terminal"
	@echo "make train  train the model (only when data, domain or config changed)"
	@echo "make eval   NLU evaluation: held-out sets per language and 5-fold CV, per-intent P/R/F1, threshold sweep"
	@echo "make review the questions the bot could not answer, grouped, newest first"
	@echo "make bench  ours vs stock rasa init: training, time to ready, latency, throughput, memory"
	@echo "make lint   ruff lint and format check"
	@echo "make check-content              check the questions and texts in content/"
	@echo "make question ID=<id>           create content/questions/<id>.yml to fill in"
	@echo "make import-questions FILE=<f>  add the questions of a text file (like content/source/faq.txt)"

$(STAMP): requirements.lock
	@echo "==> [1/3] Installing the locked dependencies into $(VENV) (first time: about 3 minutes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==24.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(STAMP)

$(SPACY)/meta.json: setup/build_spacy.py $(STAMP)
	@echo "==> [2/3] Building the spaCy pipeline in $(SPACY)"
	$(BIN)/python setup/build_spacy.py $(SPACY)

spacy: $(SPACY)/meta.json

$(WEBCHAT): setup/fetch_webchat.sh
	@echo "==> Fetching the rasa-webchat 1.0.1 bundle (npm pack, sha256 checked)"
	setup/fetch_webchat.sh

webchat: $(WEBCHAT)

# playwright-core for the browser test (it drives Debian's /usr/bin/chromium).
$(NODE_STAMP): package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $@

# Retrains only when data, domain, config or NLU code changed (make compares timestamps;
# Rasa's own fingerprint cache then retrains only the parts that changed).
# The questions are part of the training data (bot/importer.py derives their intents,
# rules and examples); a broken question stops here, with its file and line.
$(MODEL): $(STAMP) $(SPACY)/meta.json config.yml domain.yml $(wildcard data/*.yml) \
		$(wildcard content/questions/*.yml) $(wildcard components/*.py) \
		bot/importer.py bot/questions.py bot/concepts.py bot/language_id.py bot/other_languages.txt
	@echo "==> [3/3] Training the model"
	$(BIN)/python -m tools.content_check
	$(BIN)/rasa train --fixed-model-name faq --out models
	@touch $@

train: $(MODEL)

# The Debian packages each target needs (apt-get as root, else the command to run).
system-packages-run:
	@setup/system_packages.sh run

system-packages-test:
	@setup/system_packages.sh test

run: system-packages-run $(MODEL) $(WEBCHAT)
	@scripts/run.sh

shell: $(MODEL)
	@scripts/shell.sh

test: system-packages-test check-content $(MODEL) $(WEBCHAT) $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The content owner's commands (README "Add a question").
check-content: $(STAMP)
	$(BIN)/python -m tools.content_check

question: $(STAMP)
	$(BIN)/python -m tools.questions new $(ID)

import-questions: $(STAMP)
	$(BIN)/python -m tools.questions import $(FILE)

eval: $(MODEL)
	$(BIN)/python -m tools.eval_report $(EVAL_ARGS)
	$(BIN)/python -m tools.blind_eval

# Reads the unanswered-question log (UNANSWERED_DB_URL, else the tracker store).
review: $(STAMP)
	$(BIN)/python -m tools.review $(REVIEW_ARGS)

bench: $(MODEL) $(WEBCHAT)
	$(BIN)/python -m tools.bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerates requirements.lock from pyproject.toml in a throw-away venv.
lock:
	setup/lock.sh

clean:
	rm -rf models build reports .rasa results node_modules
