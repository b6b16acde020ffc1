# The two set-up commands are `make run` and `make test`; each builds .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint bench screenshots icons wheel package clean
SHOTS := resources/screenshots
PACKAGER := $(VENV)/.packager

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/keyledger demo

lint: $(STAMP)
	$(BIN)/ruff check app tests packaging
	$(BIN)/ruff format --check app tests packaging
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

# The application icon's sizes, .ico and .icns from icons/keyledger.svg (committed).
icons: $(STAMP)
	$(BIN)/python packaging/render_icons.py

# dist/keyledger-<version>-py3-none-any.whl, resources and icons inside; built offline.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .

$(PACKAGER): $(STAMP)
	$(BIN)/python -m pip install --quiet 'pyinstaller>=6.10,<7'
	touch $(PACKAGER)

# The one-folder application: dist/keyledger/keyledger (dist/KeyLedger.app on macOS).
package: $(PACKAGER)
	rm -rf dist/keyledger dist/KeyLedger.app
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/keyledger.spec

clean:
	rm -rf $(VENV) build dist *.egg-info
