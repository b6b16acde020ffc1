# The two set-up commands are `make run` and `make test`; each builds .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint bench screenshots clean
SHOTS := resources/screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/keyledger demo

lint: $(STAMP)
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

screenshots: $(STAMP)
	rm -rf $(SHOTS) && mkdir -p $(SHOTS)
	for theme in light dark; do for scale in 1 2; do \
		QT_SCALE_FACTOR=$$scale $(BIN)/python -m app.ui.screenshots $(SHOTS) --theme $$theme \
			2>/dev/null || exit 1; done; done

clean:
	rm -rf $(VENV) build dist *.egg-info
