# The two front-door commands: `make test` and `make demo`. Both build their own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
TEST_STAMP := $(VENV)/.test-installed
DEMO_STAMP := $(VENV)/.demo-installed

.PHONY: test demo screenshots bench fuzz-long dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# network-manager 1.3.4, the last release with the GUISetup client, in a folder of its own (never on the
# venv's path: the venv has 1.3.5); the tests load GUISetup from there (test/integration/guisetup_134.py).
GUISETUP_DIR := $(VENV)/guisetup-1.3.4
# ovos-core 2.1.1's intent service for the voice test, likewise (it wants ovos-workshop<8; see requirements-core.txt).
# fann2 builds from source: without swig and libfann-dev the folder is left out and the voice test skips.
CORE_DIR := $(VENV)/ovos-core-2.1.1

# Re-install only when what is installed could have changed.
$(TEST_STAMP): $(BIN)/python setup.py requirements.txt requirements-test.txt requirements-demo.txt requirements-clients.txt requirements-core.txt requirements-dbus.txt Makefile
	$(PIP) install -e '.[test,screen,hotspot]'
	$(PIP) install -r requirements-dbus.txt || echo "dbus-python was not installed (it builds against: apt-get install \
		libdbus-1-dev libglib2.0-dev); the hotspot tests on NetworkManager's stand-in skip"
	$(PIP) install --no-deps -r requirements-clients.txt
	rm -rf $(GUISETUP_DIR)
	$(PIP) install --no-deps --target $(GUISETUP_DIR) ovos-PHAL-plugin-network-manager==1.3.4
	rm -rf $(CORE_DIR)
	$(PIP) install --no-deps --target $(CORE_DIR) -r requirements-core.txt || { rm -rf $(CORE_DIR); \
		echo "ovos-core was not installed (fann2 needs: apt-get install swig libfann-dev); the voice test skips"; }
	@PYTHONPATH=$(CORE_DIR) $(BIN)/python -m pip check > $(VENV)/pip-check-core.txt || true
	@if [ -d $(CORE_DIR) ] && grep -v -i -E "^(ovos-phal-plugin-balena-wifi |No broken requirements)" $(VENV)/pip-check-core.txt; \
		then echo "pip check (with the ovos-core folder first) found broken requirements (above)"; exit 1; fi
	@# Everything must be consistent but balena-wifi 1.2.2, whose own pins are stale on purpose.
	@$(BIN)/python -m pip check > $(VENV)/pip-check.txt || true
	@if grep -v -i -E "^(ovos-phal-plugin-balena-wifi |No broken requirements)" $(VENV)/pip-check.txt; \
		then echo "pip check found broken requirements (above)"; exit 1; fi
	touch $@

# Says first how long it takes (the install, when needed, runs after the line).
test:
	@echo "make test: the whole suite, about 6 to 7 minutes on 2 cores in four processes (the first run adds about 2 minutes of install)"
	@$(MAKE) --no-print-directory $(TEST_STAMP)
	$(BIN)/python -m pytest test -n 4 --dist loadfile

# Only the demo needs a messagebus of its own: it is the `demo` extra, not a runtime dependency.
$(DEMO_STAMP): $(BIN)/python setup.py requirements.txt requirements-demo.txt Makefile
	$(PIP) install -e '.[demo,hotspot]'
	touch $@

demo: $(DEMO_STAMP)
	$(BIN)/ovos-wifi-setup demo

# Re-render the screenshots the README and docs/ show (docs/*.png): the pages from the QML test harness (under Xvfb when it is
# installed), the hotspot's setup page in Debian's chromium at a phone's size.
screenshots: $(TEST_STAMP)
	$(BIN)/python test/qml/make_screenshots.py
	$(BIN)/python test/hotspot/make_screenshots.py

# Ours against the plugin we replace (1.1.8, in its own venv benchmarks/.venv-baseline, built on first use)
# and the OVOS floor, interleaved in one run: prints the table and writes benchmarks/RESULTS.md (~4 min).
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py

# The long fuzz run (about 100,000 messages on FakeBus); `make test` runs the fixed-seed short one.
fuzz-long: $(TEST_STAMP)
	$(BIN)/python -m pytest --hypothesis-profile=long test/test_fuzz.py -k "TestFuzzedPlugin or counts" -s

# The wheel a device installs from (the PyPI name still serves the archived 1.1.8): dist/*.whl, this package alone.
dist: $(BIN)/python
	$(PIP) wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) build dist *.egg-info benchmarks/.venv-baseline
